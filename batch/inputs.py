"""What a batch analyses: a folder of recordings or a manifest CSV, filtered and limited.

A folder is walked recursively for audio files (by extension). A manifest is a CSV with
the columns ``path,agent_id,scenario,call_id,recorded_at`` (only ``path`` is required); a
relative ``path`` is relative to the manifest's folder. ``recorded_at`` is ISO 8601 (a date,
or a date and time; a time without a zone is taken as UTC). ``--since`` / ``--until``
select ``since <= recorded_at < until`` — so ``--since 2026-11-23 --until 2026-11-24`` is
one day.
"""

from __future__ import annotations

import csv
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

__all__ = [
    "AUDIO_EXTENSIONS",
    "InputError",
    "Recording",
    "Rejected",
    "load_inputs",
    "parse_when",
    "read_manifest",
    "scan_folder",
    "select",
]

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = frozenset({
    ".wav", ".mp3", ".flac", ".m4a", ".mp4", ".aac", ".ogg", ".oga", ".opus", ".amr",
    ".wma", ".webm", ".mka", ".3gp", ".caf", ".aiff", ".aif", ".au",
})
MANIFEST_COLUMNS = ("path", "agent_id", "scenario", "call_id", "recorded_at")


class InputError(ValueError):
    """The batch's source cannot be used at all (no such folder, a manifest without
    ``path``); the message says why."""


@dataclass
class Recording:
    """One recording to analyse, with what the manifest says about it."""

    recording: str
    """Its identity in the batch: the path relative to the source folder, or the path as
    written in the manifest. Resume is keyed on it (with the content hash)."""
    path: str
    """Absolute path of the file."""
    agent_id: str | None = None
    scenario: str | None = None
    call_id: str | None = None
    recorded_at: str | None = None
    line: int | None = None
    """Line of the manifest (None for a folder)."""


@dataclass
class Rejected:
    """A recording left out by the input stage (e.g. an unreadable ``recorded_at``)."""

    recording: Recording
    reason: str


def scan_folder(folder: Path) -> list[Recording]:
    """Audio files under ``folder`` (recursively, hidden entries skipped), sorted by path."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or Path(name).suffix.lower() not in AUDIO_EXTENSIONS:
                continue
            p = Path(dirpath) / name
            out.append(Recording(recording=p.relative_to(folder).as_posix(),
                                 path=str(p.resolve())))
    out.sort(key=lambda r: r.recording)
    return out


def _clean(v: str | None) -> str | None:
    v = (v or "").strip()
    return v or None


def read_manifest(manifest: Path) -> list[Recording]:
    """Rows of a manifest CSV (UTF-8, with or without BOM); blank ``path`` rows are skipped."""
    try:
        fh = open(manifest, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputError(f"{manifest}: cannot read: {exc.strerror or exc}") from exc
    base = manifest.resolve().parent
    out = []
    try:
        reader = csv.DictReader(fh)
        cols = [c.strip() for c in (reader.fieldnames or [])]
        if "path" not in cols:
            raise InputError(f"{manifest}: a manifest needs a 'path' column "
                             f"(columns: {', '.join(MANIFEST_COLUMNS)}); found {cols or 'none'}")
        unknown = sorted(set(cols) - set(MANIFEST_COLUMNS))
        if unknown:
            log.warning("%s: ignoring unknown column(s) %s", manifest, ", ".join(unknown))
        reader.fieldnames = cols
        for row in reader:
            path = _clean(row.get("path"))
            if path is None:
                continue
            p = Path(path)
            abs_path = p if p.is_absolute() else base / p
            out.append(Recording(
                recording=path, path=os.path.normpath(str(abs_path)),
                agent_id=_clean(row.get("agent_id")), scenario=_clean(row.get("scenario")),
                call_id=_clean(row.get("call_id")), recorded_at=_clean(row.get("recorded_at")),
                line=reader.line_num))
    except UnicodeDecodeError as exc:
        raise InputError(f"{manifest}: not UTF-8 text: {exc.reason}") from exc
    except csv.Error as exc:
        raise InputError(f"{manifest}: malformed CSV: {exc}") from exc
    finally:
        fh.close()
    return out


def load_inputs(src: str | Path) -> list[Recording]:
    """The recordings of a source: a folder, a manifest (``.csv``) or one audio file.

    The same recording listed twice is kept once (the first row)."""
    src = Path(src)
    if src.is_dir():
        recs = scan_folder(src)
    elif src.is_file() and src.suffix.lower() == ".csv":
        recs = read_manifest(src)
    elif src.is_file():
        recs = [Recording(recording=src.name, path=str(src.resolve()))]
    else:
        raise InputError(f"{src}: no such folder or file")
    seen: set[str] = set()
    unique = []
    for r in recs:
        if r.recording in seen:
            log.warning("%s listed twice (manifest line %s); kept once", r.recording, r.line)
            continue
        seen.add(r.recording)
        unique.append(r)
    return unique


def parse_when(text: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive: taken as UTC)."""
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    try:
        if len(t) == 10:
            d = date.fromisoformat(t)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        dt = datetime.fromisoformat(t)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 date or time: {text!r}") from exc
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def select(recs: list[Recording], *, since: datetime | None = None,
           until: datetime | None = None,
           limit: int | None = None) -> tuple[list[Recording], list[Rejected]]:
    """Keep ``since <= recorded_at < until``, then the first ``limit``.

    With a time filter, a recording without ``recorded_at`` is left out (not an error); one
    whose ``recorded_at`` cannot be read is returned as :class:`Rejected`.
    """
    kept: list[Recording] = []
    rejected: list[Rejected] = []
    no_time = 0
    for r in recs:
        if since is not None or until is not None:
            if r.recorded_at is None:
                no_time += 1
                continue
            try:
                when = parse_when(r.recorded_at)
            except ValueError as exc:
                rejected.append(Rejected(r, f"manifest line {r.line}: recorded_at: {exc}"))
                continue
            if (since is not None and when < since) or (until is not None and when >= until):
                continue
        kept.append(r)
    if no_time:
        log.warning("%d recording(s) without recorded_at left out by --since/--until", no_time)
    if limit is not None:
        kept = kept[:max(0, limit)]
    return kept, rejected
