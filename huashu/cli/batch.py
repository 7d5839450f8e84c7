"""``huashu batch SRC --out DIR``: score a folder or a manifest of recordings, resumably."""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path
from typing import Any

from phrasebank import CHANNELS

from ..config import get_settings
from ..words import LANGS

__all__ = ["register", "cmd_batch"]

log = logging.getLogger("huashu.batch")


def _when(text: str) -> Any:
    from batch.inputs import parse_when

    try:
        return parse_when(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return n


def cmd_batch(args: argparse.Namespace) -> int:
    """Run the batch; exit 0 when every recording was analysed, 1 when some failed, 2 when
    the source cannot be read, 3 when the Ray cluster cannot be used, 130 when stopped
    (SIGINT/SIGTERM; finished recordings are kept)."""
    from batch.inputs import InputError
    from batch.run import BatchOptions, run_batch

    settings = get_settings()

    opts = BatchOptions(src=Path(args.src), out=Path(args.out), engine=args.engine,
                        address=args.address,
                        workers=args.workers or settings.batch.batch_workers,
                        threads=args.threads or settings.batch.batch_threads,
                        since=args.since, until=args.until, limit=args.limit,
                        agent_channel=args.agent_channel,
                        progress=False if args.no_progress else None, lang=args.lang)
    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # stop like Ctrl-C: workers shut down, reports written

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        stats = run_batch(opts, settings)
    except InputError as exc:
        log.error("%s", exc)
        return 2
    except (ConnectionError, TimeoutError) as exc:  # the Ray cluster
        log.error("%s", exc)
        return 3
    except KeyboardInterrupt:
        log.error("interrupted: finished recordings are in %s; run the same command again "
                  "to go on", Path(args.out) / "results.jsonl")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    if args.lang == "zh":
        print(f"已分析 {stats.analysed} 段,沿用 {stats.reused} 段,失败 {stats.failed} 段,"
              f"用时 {stats.wall_s:.1f} 秒({stats.engine},{stats.workers} × {stats.threads});"
              f"报告:{stats.files['report.html']}")
    else:
        print(f"{stats.analysed} analysed, {stats.reused} reused, {stats.failed} failed "
              f"in {stats.wall_s:.1f}s ({stats.engine}, {stats.workers} × {stats.threads}); "
              f"report: {stats.files['report.html']}")
    return 1 if stats.failed else 0


def register(sub: Any) -> None:
    """Add ``batch`` to the ``huashu`` command line."""
    b = sub.add_parser(
        "batch", help="score a folder or manifest of recordings (resumable, with a report)",
        description="Score every recording of SRC (a folder, recursively, or a manifest CSV "
                    "with columns path,agent_id,scenario,call_id,recorded_at) into DIR: "
                    "results.jsonl, failures.jsonl, summary.csv, agents.csv, report.html. "
                    "Running the same command again resumes.")
    b.add_argument("src", metavar="SRC", help="folder of recordings or manifest .csv")
    b.add_argument("--out", metavar="DIR", required=True, help="output folder")
    b.add_argument("--engine", default="local", choices=("local", "ray"),
                   help="local: worker processes on this machine; ray: Ray actors")
    b.add_argument("--address", metavar="ADDR",
                   help="Ray cluster address (default: a local Ray for the run)")
    b.add_argument("--workers", type=_positive, default=0,
                   help="worker processes / actors (0: chosen so workers × threads ≤ cores)")
    b.add_argument("--threads", type=_positive, default=0,
                   help="CPU threads of each worker's model (0: chosen)")
    b.add_argument("--since", type=_when, metavar="TIME",
                   help="manifest rows with recorded_at >= TIME (ISO 8601)")
    b.add_argument("--until", type=_when, metavar="TIME",
                   help="manifest rows with recorded_at < TIME (ISO 8601)")
    b.add_argument("--limit", type=_positive, metavar="N", help="only the first N recordings")
    b.add_argument("--agent-channel", default="left", choices=CHANNELS,
                   help="the agent's channel in stereo recordings")
    b.add_argument("--lang", default="zh", choices=LANGS,
                   help="language of report.html and the summary line (default zh: 中文)")
    b.add_argument("--no-progress", action="store_true",
                   help="a log line per recording even on a terminal")
    b.set_defaults(func=cmd_batch)
