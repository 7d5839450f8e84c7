"""The batch's output files that grow while it runs, and the resume key.

``results.jsonl`` and ``failures.jsonl`` are only ever appended to, one JSON object per
line, flushed and fsync'ed after each line: a run killed at any moment leaves every
finished recording on disk. A line cut short by the kill is dropped when the file is next
opened (so the next append starts on a fresh line) and that recording is analysed again.

A result is reused when its *key* matches (:func:`analyzer.fingerprint.recording_key`): the
recording's identity, the SHA-256 of its bytes, the pipeline's fingerprint (phrasebank
version, model, options) and the requested scenario.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import IO, Any

from analyzer.fingerprint import Fingerprint, recording_key

__all__ = ["FailureLog", "ResultStore", "content_sha256", "row_key"]

log = logging.getLogger(__name__)

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def content_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex). Raises OSError when it cannot be read."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def row_key(row: dict[str, Any]) -> str | None:
    """The key of a stored result row, recomputed from its fields (None: not a result)."""
    try:
        return recording_key(row["content_sha256"], Fingerprint.of(row),
                             row.get("requested_scenario"), recording=row["recording"])
    except (KeyError, TypeError):
        return None


def _repair_tail(path: Path) -> int:
    """Cut a last line left without its newline (a write killed half-way); bytes cut."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    if size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        # find the last newline
        pos = size
        step = 1 << 16
        keep = 0
        while pos > 0:
            start = max(0, pos - step)
            fh.seek(start)
            chunk = fh.read(pos - start)
            i = chunk.rfind(b"\n")
            if i >= 0:
                keep = start + i + 1
                break
            pos = start
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    log.warning("%s: dropped an unfinished last line (%d bytes) left by an interrupted run",
                path, size - keep)
    return size - keep


class _Appender:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    def append(self, obj: dict[str, Any]) -> None:
        if self._fh is None:
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._fh.write(_ENCODE(obj) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class ResultStore(_Appender):
    """``results.jsonl``: the rows of earlier runs by key, and appends of new ones."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.rows: dict[str, dict[str, Any]] = {}
        _repair_tail(path)
        if path.exists():
            with open(path, encoding="utf-8") as fh:
                for no, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError:
                        log.warning("%s:%d: not JSON; ignored", path, no)
                        continue
                    key = row_key(row) if isinstance(row, dict) else None
                    if key is None:
                        log.warning("%s:%d: not a batch result; ignored", path, no)
                        continue
                    self.rows[key] = row

    def add(self, row: dict[str, Any]) -> str:
        """Append a result row (flushed and fsync'ed); returns its key."""
        key = row_key(row)
        if key is None:
            raise ValueError("a result row needs recording, content_sha256, "
                             "phrasebank_version, model and options")
        row["batch_key"] = key
        self.append(row)
        self.rows[key] = row
        return key


class FailureLog(_Appender):
    """``failures.jsonl`` of this run (started afresh: failed recordings are retried)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.count = 0
        path.write_text("", encoding="utf-8")

    def add(self, row: dict[str, Any]) -> None:
        self.append(row)
        self.count += 1
