"""The ``huashu`` command line.

``huashu check``  flags utterances (one text, or JSON Lines ``{"id","text","speaker"}``)
``huashu score``  scores dialogues (JSON Lines ``{"id","scenario"?,"turns":[...]}``)
``huashu demo``   scores the embedded sample dialogue (the README's first command)

Other commands (``analyze``, ``serve``, ``keys``, ``batch``) are registered by the
modules that implement them (see ``_EXTENSIONS``), so that each loads only what it needs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

__all__ = ["main", "build_parser", "read_jsonl"]

log = logging.getLogger("huashu")

# Modules that add sub-commands: each has ``register(subparsers)``.
_EXTENSIONS = ("analyzer.speech_cli", "api.cli", "batch.cli")

SAMPLE_DIALOGUE = Path(__file__).resolve().parent.parent / "phrasebank" / "samples" / "dialogue.jsonl"


class RowError(ValueError):
    """A malformed input row; the message names the file and line."""


_LONG_NUMBER = re.compile(rb"\d{19}")


def read_jsonl(path: str) -> Iterator[tuple[str, int, Any]]:
    """Yield ``(name, line_no, obj_or_RowError)`` for each non-blank line of ``path`` ('-': stdin).

    Lines are read as bytes and parsed by orjson (a third of the cost of decoding them
    first); a line that is not UTF-8 is a row error naming its file and line, and the
    other rows are still read.
    """
    name = "<stdin>" if path == "-" else path
    fh: Iterable[bytes]
    opened: IO[bytes] | None = None
    if path == "-":
        buf = getattr(sys.stdin, "buffer", None)  # None: a text stream put in its place
        fh = buf if buf is not None else (ln.encode("utf-8", "surrogatepass") for ln in sys.stdin)
    else:
        try:
            fh = opened = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise RowError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    try:
        for no, line in enumerate(fh, 1):
            try:
                if _LONG_NUMBER.search(line):
                    raise ValueError("orjson reads integers beyond 64 bits as floats")
                yield name, no, orjson.loads(line)
            except ValueError:  # orjson.JSONDecodeError is one
                # The standard library reads what orjson refuses (lone surrogates) or would
                # change (long integers), and words the error for the user.
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield name, no, RowError(f"{name}:{no}: not UTF-8 text: {exc.reason} "
                                             f"at byte {exc.start + 1}")
                    continue
                if no == 1:
                    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
                if not text.strip():
                    continue  # blank lines are allowed between rows
                try:
                    yield name, no, json.loads(text)
                except json.JSONDecodeError as exc:
                    yield name, no, RowError(
                        f"{name}:{no}: malformed JSON: {exc.msg} at column {exc.colno}")
    finally:
        if opened is not None:
            opened.close()


# For what orjson cannot encode (see _line).
_ENCODE_ASCII = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def _line(obj: dict[str, Any]) -> bytes:
    """One JSON Lines row as UTF-8 (orjson: the output side of ``check --jsonl`` costs a
    fifth of the standard library's). Text orjson cannot encode (a lone surrogate read from
    an escape) is written with ``\\u`` escapes instead."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return (_ENCODE_ASCII(obj) + "\n").encode("ascii")


class _Lines:
    """Batches rows and writes them to a text stream's binary buffer (or decoded, when the
    stream has none, e.g. in tests)."""

    def __init__(self, out: IO[str], batch: int = 512) -> None:
        self.out = out
        self.raw = getattr(out, "buffer", None)
        self.batch = batch
        self.buf: list[bytes] = []

    def add(self, obj: dict[str, Any]) -> None:
        self.buf.append(_line(obj))
        if len(self.buf) >= self.batch:
            self.flush()

    def flush(self) -> None:
        data = b"".join(self.buf)
        self.buf.clear()
        if self.raw is not None:
            self.out.flush()  # whatever was written as text goes first
            self.raw.write(data)
            self.raw.flush()
        else:
            self.out.write(data.decode("utf-8"))


_BATCH = 256  # rows checked together by ``check --jsonl``


class _Pending:
    """The place of a row in ``check --jsonl``'s output until its batch is checked."""

    __slots__ = ("id", "name", "no")

    def __init__(self, rid: Any, name: str, no: int) -> None:
        self.id, self.name, self.no = rid, name, no


def _one(an: Any, text: str, speaker: str) -> Any:
    """The flags of one row, or the ValueError that checking it raised."""
    try:
        return an.check(text, speaker=speaker)
    except ValueError as exc:
        return exc


def _write(out: IO[str], obj: dict[str, Any]) -> None:
    out.write(_line(obj).decode("utf-8"))


def _load_analyzer(args: argparse.Namespace) -> Any:
    from .config import get_settings
    from .core import Analyzer

    bank = getattr(args, "phrasebank", None) or get_settings().phrasebank
    return Analyzer.load(bank)


def cmd_check(args: argparse.Namespace) -> int:
    an = _load_analyzer(args)
    out = sys.stdout
    if args.jsonl is None:
        if args.text is None:
            raise SystemExit("huashu check: give TEXT or --jsonl FILE")
        flags = an.check(args.text, speaker=args.speaker)
        if args.json:
            _write(out, {"text": args.text, "speaker": args.speaker,
                         "flags": [f.to_dict() for f in flags],
                         "phrasebank_version": an.version})
            return 0
        if not flags:
            print("no flags", file=out)
        for f in flags:
            s, e = f.span
            mark = args.text[:s] + "【" + args.text[s:e] + "】" + args.text[e:]
            extra = f" ({f.category})" if f.category else ""
            print(f"{f.kind:<10} {f.ref:<6} {f.score:.2f}  {mark}", file=out)
            print(f"{'':<10} {'':<6}       standard: {f.standard}{extra}", file=out)
        return 0
    from .match import check_speaker

    failed = rows = 0
    lines = _Lines(out)
    # Rows go to the analyzer in batches (normalised together: see Analyzer.check_many);
    # a malformed row gets its error in its place among the others.
    batch: list[tuple[str, str]] = []
    slots: list[dict[str, Any] | _Pending] = []  # an error row, or a row being checked
    t0 = time.perf_counter()

    def flush() -> None:
        nonlocal failed
        try:
            results: Iterator[Any] = iter(an.check_many(batch) if batch else ())
        except ValueError:  # a text that is not text: each row alone, to name the one
            results = iter([_one(an, t, s) for t, s in batch])
        for slot in slots:
            if isinstance(slot, _Pending):
                res = next(results)
                if isinstance(res, Exception):
                    failed += 1
                    err = f"{slot.name}:{slot.no}: {res}"
                    log.error("%s", err)
                    lines.add({"id": slot.id, "error": err, "flags": []})
                else:
                    lines.add({"id": slot.id, "flags": [f.to_dict() for f in res]})
            else:
                lines.add(slot)
        batch.clear()
        slots.clear()

    for name, no, row in read_jsonl(args.jsonl):
        rows += 1
        try:
            if isinstance(row, RowError):
                raise row
            if not isinstance(row, dict):
                raise RowError(f"{name}:{no}: a row must be a JSON object")
            text = row.get("text")
            if not isinstance(text, str):
                raise RowError(f"{name}:{no}: 'text' must be a string")
            speaker = row.get("speaker") or args.speaker
            try:
                check_speaker(speaker)
            except ValueError as exc:
                raise RowError(f"{name}:{no}: {exc}") from exc
            batch.append((text, speaker))
            slots.append(_Pending(row.get("id"), name, no))
        except RowError as exc:
            failed += 1
            log.error("%s", exc)
            rid = row.get("id") if isinstance(row, dict) else None
            slots.append({"id": rid, "error": str(exc), "flags": []})
        if len(slots) >= _BATCH:
            flush()
    flush()
    lines.flush()
    dt = time.perf_counter() - t0
    # Start-up (imports, phrasebank, jieba) is logged by the analyzer; this is the rows' part.
    log.info("checked %d rows in %.3f s (%.0f rows/s)", rows, dt, rows / dt if dt else 0.0)
    if failed:
        log.error("%d row(s) failed", failed)
    return 1 if failed else 0


def cmd_score(args: argparse.Namespace) -> int:
    an = _load_analyzer(args)
    failed = 0
    for name, no, row in read_jsonl(args.jsonl):
        try:
            if isinstance(row, RowError):
                raise row
            if not isinstance(row, dict) or not isinstance(row.get("turns"), list):
                raise RowError(f"{name}:{no}: a row must be an object with a 'turns' list")
            try:
                report = an.score(row["turns"], scenario=row.get("scenario") or args.scenario)
            except ValueError as exc:
                raise RowError(f"{name}:{no}: {exc}") from exc
            _write(sys.stdout, {"id": row.get("id"), **report.to_dict()})
        except RowError as exc:
            failed += 1
            log.error("%s", exc)
            rid = row.get("id") if isinstance(row, dict) else None
            _write(sys.stdout, {"id": rid, "error": str(exc)})
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Score the embedded sample dialogue and print a readable report."""
    an = _load_analyzer(args)
    row = json.loads(SAMPLE_DIALOGUE.read_text(encoding="utf-8").splitlines()[0])
    report = an.score(row["turns"])
    print(f"huashu demo — sample dialogue '{row['id']}', phrasebank {an.version}")
    print(f"scenario: {report.scenario} (inferred)  score: {report.score}/100\n")
    for i, t in enumerate(report.turns):
        refs = ", ".join(f"{f['ref']}" for f in t["flags"]) or "-"
        print(f"  [{i}] {t['speaker']:<8} {t['text']}\n       flags: {refs}")
    print("\ndeductions:")
    for d in report.deductions:
        where = f"turn {d.turn}" if d.turn is not None else "no utterance"
        print(f"  -{d.points:<3} {d.reason:<18} {where:<12} {d.detail}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="huashu", description=__doc__.split("\n\n")[0])
    p.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default: settings)")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="flag utterances")
    c.add_argument("text", nargs="?", help="one utterance")
    c.add_argument("--speaker", default="agent", choices=("agent", "customer", "unknown"))
    c.add_argument("--jsonl", metavar="FILE", help='rows {"id","text","speaker"}; - for stdin')
    c.add_argument("--json", action="store_true", help="print JSON for a single TEXT")
    c.add_argument("--phrasebank", help="phrasebank YAML (default: settings / embedded)")
    c.set_defaults(func=cmd_check)

    s = sub.add_parser("score", help="score dialogues' adherence to the script")
    s.add_argument("--jsonl", metavar="FILE", required=True,
                   help='rows {"id","scenario"?,"turns":[{"speaker","text"}]}; - for stdin')
    s.add_argument("--scenario", help="scenario for rows that give none (default: inferred)")
    s.add_argument("--phrasebank", help="phrasebank YAML (default: settings / embedded)")
    s.set_defaults(func=cmd_score)

    d = sub.add_parser("demo", help="score the embedded sample dialogue")
    d.add_argument("--phrasebank", help="phrasebank YAML (default: settings / embedded)")
    d.set_defaults(func=cmd_demo)

    for modname in _EXTENSIONS:
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name != modname:
                raise
            continue
        mod.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``huashu`` console command."""
    args = build_parser().parse_args(argv)
    level = args.log_level
    if level is None:
        from .config import get_settings

        level = get_settings().log_level
    logging.basicConfig(level=getattr(logging, str(level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except RowError as exc:
        log.error("%s", exc)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: a message, not a traceback
        from phrasebank import PhrasebankError

        if isinstance(exc, PhrasebankError):
            log.error("%s", exc)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
