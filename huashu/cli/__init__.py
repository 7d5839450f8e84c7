"""The ``huashu`` command line.

``huashu check``    flags utterances (one text, or JSON Lines ``{"id","text","speaker"}``)
``huashu score``    scores dialogues (JSON Lines ``{"id","scenario"?,"turns":[...]}``)
``huashu demo``     scores the embedded sample dialogue (the README's first command)
``huashu analyze``  transcribes and checks recordings
``huashu serve``    runs the HTTP service; ``huashu keys`` manages its API keys
``huashu batch``    scores a folder or manifest of recordings, resumably
``huashu phrasebank suggest``  phrasebank changes that reviewers' verdicts suggest
"""

from __future__ import annotations

import argparse
import logging
import sys

from models import ModelError
from phrasebank import PhrasebankError

from ..config import SettingsError, get_settings
from . import batch, phrasebank, service, speech, text
from .jsonl import RowError

__all__ = ["build_parser", "main"]

log = logging.getLogger("huashu")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="huashu", description=__doc__.split("\n\n")[0])
    p.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default: settings)")
    sub = p.add_subparsers(dest="command", required=True)
    for module in (text, speech, service, batch, phrasebank):
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``huashu`` console command."""
    args = build_parser().parse_args(argv)
    try:
        level = args.log_level or get_settings().log_level
    except SettingsError as exc:
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
        log.error("%s", exc)
        return 2
    logging.basicConfig(level=getattr(logging, str(level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except (RowError, PhrasebankError, SettingsError, ModelError) as exc:
        # a missing or broken model folder, a missing speaker encoder: its message, no trace
        log.error("%s", exc)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
