"""JSON Lines in and out for the command line: rows read one by one with their errors,
rows written in batches as UTF-8."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

__all__ = ["Lines", "RowError", "read_jsonl", "write_row"]


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


class Lines:
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


def write_row(out: IO[str], obj: dict[str, Any]) -> None:
    out.write(_line(obj).decode("utf-8"))
