"""The durable job queue: recordings waiting for analysis are rows of the ``recordings`` table.

Why jobs in the database rather than a queue library (huey, RQ, Celery): the service already
keeps every recording and its result in the database, so a job *is* that row's ``status``.
One transaction creates the recording and queues it, a restart cannot lose a job that a
separate broker had but the database did not (or the reverse), the queue works the same on
SQLite and PostgreSQL, and there is no second store to deploy, back up or keep in step.

Claiming is atomic, so two workers (threads or processes) never take the same job:

* **PostgreSQL**: ``SELECT … FOR UPDATE SKIP LOCKED LIMIT 1`` then ``UPDATE`` in one
  transaction. A row locked by another claimer is skipped rather than waited on, so workers
  on many hosts do not queue behind each other.
* **SQLite**: one ``UPDATE … WHERE id = (SELECT … LIMIT 1) AND status = 'queued' RETURNING``.
  SQLite serialises writers on the database lock, so the statement is atomic; row locks do
  not exist there and are not needed.

A running job holds a *lease* (``lease_until``) that its worker renews while it works. A job
whose lease ran out (its process died) is queued again; a job interrupted
``max_attempts`` times is failed instead of crashing workers for ever. On start, a service
over SQLite (one process per database file) queues again every job left ``running``.
A finished job's result is written only by the worker that still holds it.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import Database
from .models import STATUSES, Recording, RecordingFlag, iso_utc, utcnow

__all__ = ["JobQueue", "Job", "ListFilter", "SORTS", "flag_id", "result_columns", "store_flags",
           "machine_flags", "recording_dict", "review_dict"]

log = logging.getLogger(__name__)


def flag_id(utterance: int, flag: Mapping[str, Any]) -> str:
    """The id of a machine flag: ``"<utterance index>:<ref>:<span start>"``."""
    return f"{utterance}:{flag['ref']}:{flag['span'][0]}"


def machine_flags(result: Mapping[str, Any]) -> dict[str, tuple[int, dict[str, Any]]]:
    """The flags of an analysis by id: ``{flag_id: (utterance index, flag)}``."""
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, u in enumerate(result.get("utterances") or []):
        for f in u.get("flags") or []:
            out.setdefault(flag_id(i, f), (i, f))
    return out


def result_columns(result: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of a recording that its analysis sets: the result and what listings
    filter and sort on (score, violations)."""
    n_viol = len(result.get("violations") or [])
    return {"score": result.get("score"), "violations": n_viol, "has_violations": n_viol > 0,
            "result": json.dumps(result, ensure_ascii=False)}


def store_flags(s: Session, rid: str, result: Mapping[str, Any]) -> None:
    """Replace the stored flags of recording ``rid`` with those of ``result``."""
    s.execute(delete(RecordingFlag).where(RecordingFlag.recording_id == rid))
    rows = [{"recording_id": rid, "flag_id": fid, "utterance": i, "ref": f["ref"],
             "kind": f["kind"]} for fid, (i, f) in machine_flags(result).items()]
    if rows:
        s.execute(insert(RecordingFlag), rows)


def review_dict(r: Recording) -> dict[str, Any]:
    """The ``review`` object of a recording (its columns: no result is read)."""
    return {"state": r.review_state or "unreviewed", "machine_score": r.score,
            "reviewed_score": r.reviewed_score, "verdicts": r.review_verdicts or 0,
            "updated_at": iso_utc(r.review_updated_at)}


def recording_dict(r: Recording, *, with_result: bool = True) -> dict[str, Any]:
    """The API's view of a recording."""
    d: dict[str, Any] = {
        "id": r.id, "status": r.status, "filename": r.filename, "size": r.size,
        "sha256": r.sha256, "format": r.format, "duration": r.duration,
        "channels": r.channels, "scenario": r.scenario, "agent_channel": r.agent_channel,
        "agent_id": r.agent_id, "external_id": r.external_id,
        "created_at": iso_utc(r.created_at), "started_at": iso_utc(r.started_at),
        "finished_at": iso_utc(r.finished_at), "attempts": r.attempts,
        "score": r.score, "violations": r.violations, "review": review_dict(r),
    }
    if r.error is not None:
        d["error"] = r.error
    if with_result and r.result is not None:
        d["result"] = json.loads(r.result)
    return d


@dataclass(frozen=True)
class Job:
    """A claimed job: what the worker needs to analyse the recording."""

    id: str
    path: str
    filename: str
    scenario: str | None
    agent_channel: str
    attempts: int
    duration: float = 0.0


SORTS = ("created_at", "score", "duration", "violations", "agent_id", "reviewed_score")
"""Columns a listing sorts by (``-column``: descending)."""


@dataclass(frozen=True)
class ListFilter:
    agent_id: str | None = None
    external_id: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    has_violations: bool | None = None
    review_state: str | None = None
    unreviewed: bool | None = None  # True: state is not "reviewed"; False: it is
    sort: str = "-created_at"
    limit: int = 50
    offset: int = 0


class JobQueue:
    """Recordings and their analysis jobs (see the module docstring for the design)."""

    def __init__(self, db: Database, *, lease_s: float = 60.0, max_attempts: int = 3,
                 worker: str | None = None) -> None:
        self.db = db
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    # -- submitting ------------------------------------------------------------------------
    def submit(self, *, key: str, sha256: str, path: str, filename: str, size: int, fmt: str,
               duration: float, channels: int, scenario: str | None, agent_channel: str,
               agent_id: str | None = None, external_id: str | None = None,
               ) -> tuple[dict[str, Any], bool]:
        """Store and queue a recording. Returns ``(recording, created)``; when a recording
        with the same ``key`` (:func:`analyzer.fingerprint.recording_key`: same content,
        analysed the same way) is already there, that one is returned instead (and queued
        again if it had failed)."""
        rid = uuid.uuid4().hex
        try:
            with self.db.session() as s:
                s.add(Recording(
                    id=rid, dedupe_key=key, sha256=sha256, path=path, filename=filename[:300],
                    size=size, format=fmt[:50], duration=duration, channels=channels,
                    scenario=scenario, agent_channel=agent_channel,
                    agent_id=agent_id, external_id=external_id, status="queued", attempts=0,
                    created_at=utcnow()))
            return self.get(rid) or {}, True
        except IntegrityError:
            pass
        with self.db.session() as s:
            r = s.scalar(select(Recording).where(Recording.dedupe_key == key))
            if r is None:  # pragma: no cover - deleted in between
                raise RuntimeError("duplicate recording vanished")
            if r.status == "failed":
                r.status, r.error, r.attempts, r.worker = "queued", None, 0, None
                r.lease_until = r.started_at = r.finished_at = None
            s.flush()
            return recording_dict(r, with_result=True), False

    # -- reading ---------------------------------------------------------------------------
    def get(self, rid: str, *, with_result: bool = True) -> dict[str, Any] | None:
        with self.db.session() as s:
            r = s.get(Recording, rid)
            return recording_dict(r, with_result=with_result) if r is not None else None

    def audio_of(self, rid: str) -> tuple[str, str] | None:
        """The stored file of a recording and its SHA-256, or None when there is none."""
        with self.db.session() as s:
            row = s.execute(select(Recording.path, Recording.sha256)
                            .where(Recording.id == rid)).first()
            return (str(row[0]), str(row[1])) if row is not None else None

    def list(self, f: ListFilter) -> dict[str, Any]:
        """Recordings, filtered, sorted (newest first unless ``f.sort`` says otherwise; rows
        without a value last either way), one page."""
        conds = []
        if f.agent_id is not None:
            conds.append(Recording.agent_id == f.agent_id)
        if f.external_id is not None:
            conds.append(Recording.external_id == f.external_id)
        if f.status is not None:
            conds.append(Recording.status == f.status)
        if f.since is not None:
            conds.append(Recording.created_at >= f.since)
        if f.until is not None:
            conds.append(Recording.created_at < f.until)
        if f.has_violations is not None:
            conds.append(Recording.has_violations.is_(f.has_violations))
        if f.review_state is not None:
            conds.append(Recording.review_state == f.review_state)
        if f.unreviewed is not None:
            conds.append(Recording.review_state != "reviewed" if f.unreviewed
                         else Recording.review_state == "reviewed")
        desc = f.sort.startswith("-")
        name = f.sort.lstrip("-")
        if name not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)} (- for descending), "
                             f"got {f.sort!r}")
        col = getattr(Recording, name)
        order = [(col.desc() if desc else col.asc()).nulls_last()]
        if name != "created_at":
            order.append(Recording.created_at.desc() if desc else Recording.created_at.asc())
        order.append(Recording.id.desc() if desc else Recording.id.asc())
        with self.db.session() as s:
            total = s.scalar(select(func.count()).select_from(Recording).where(*conds)) or 0
            rows = s.scalars(select(Recording).where(*conds).order_by(*order)
                             .limit(f.limit).offset(f.offset))
            items = [recording_dict(r, with_result=False) for r in rows]
        return {"items": items, "total": int(total), "limit": f.limit, "offset": f.offset}

    def counts(self) -> dict[str, int]:
        """Jobs by status (every status present, zero when none)."""
        with self.db.session() as s:
            rows = s.execute(select(Recording.status, func.count()).group_by(Recording.status))
            got = {st: int(n) for st, n in rows}
        return {st: got.get(st, 0) for st in STATUSES}

    # -- working ---------------------------------------------------------------------------
    def _lease(self) -> datetime:
        return utcnow() + timedelta(seconds=self.lease_s)

    def claim(self, *, long_s: float | None = None, allow_long: bool = True,
              long_wait_s: float = 1800.0) -> Job | None:
        """Take a queued job, atomically; None when there is none to take.

        With ``long_s``, recordings of at most that many seconds go first (the short lane,
        oldest first), then the long ones (oldest first); a long one queued for more than
        ``long_wait_s`` counts as short, so that none waits for ever. ``allow_long=False``
        takes only from the short lane (a runner keeps a slot for short recordings)."""
        now = utcnow()
        values = {"status": "running", "worker": self.worker, "lease_until": self._lease(),
                  "started_at": now, "attempts": Recording.attempts + 1}
        conds = [Recording.status == "queued"]
        order: list[Any] = [Recording.created_at, Recording.id]
        if long_s is not None:
            short = or_(Recording.duration <= long_s,
                        Recording.created_at < now - timedelta(seconds=long_wait_s))
            if not allow_long:
                conds.append(short)
            order.insert(0, case((short, 0), else_=1))
        with self.db.session() as s:
            if self.db.is_sqlite:
                oldest = (select(Recording.id).where(*conds)
                          .order_by(*order).limit(1)
                          .scalar_subquery())
                rid = s.scalar(update(Recording)
                               .where(Recording.id == oldest, Recording.status == "queued")
                               .values(**values).returning(Recording.id))
            else:
                rid = s.scalar(select(Recording.id).where(*conds)
                               .order_by(*order).limit(1)
                               .with_for_update(skip_locked=True))
                if rid is not None:
                    s.execute(update(Recording).where(Recording.id == rid).values(**values))
            if rid is None:
                return None
            r = s.get(Recording, rid, populate_existing=True)
            assert r is not None
            return Job(id=r.id, path=r.path, filename=r.filename, scenario=r.scenario,
                       agent_channel=r.agent_channel, attempts=r.attempts,
                       duration=float(r.duration or 0.0))

    def heartbeat(self, rid: str) -> bool:
        """Renew the lease of a job this worker holds; False when it no longer holds it."""
        with self.db.session() as s:
            res = s.execute(update(Recording)
                            .where(Recording.id == rid, Recording.worker == self.worker,
                                   Recording.status == "running")
                            .values(lease_until=self._lease()))
            return bool(res.rowcount)  # type: ignore[attr-defined]

    def finish(self, rid: str, result: dict[str, Any]) -> bool:
        """Store a job's result and its flags (only if this worker still holds the job)."""
        with self.db.session() as s:
            res = s.execute(update(Recording)
                            .where(Recording.id == rid, Recording.worker == self.worker,
                                   Recording.status == "running")
                            .values(status="done", finished_at=utcnow(), lease_until=None,
                                    error=None, **result_columns(result)))
            if not res.rowcount:  # type: ignore[attr-defined]
                return False
            store_flags(s, rid, result)
            return True

    def fail(self, rid: str, error: str) -> bool:
        """Mark a job failed with a message for the client."""
        with self.db.session() as s:
            res = s.execute(update(Recording)
                            .where(Recording.id == rid, Recording.worker == self.worker,
                                   Recording.status == "running")
                            .values(status="failed", finished_at=utcnow(), lease_until=None,
                                    error=error[:2000]))
            return bool(res.rowcount)  # type: ignore[attr-defined]

    def release(self, rid: str) -> bool:
        """Give a job back to the queue (this worker is stopping before it finished)."""
        with self.db.session() as s:
            res = s.execute(update(Recording)
                            .where(Recording.id == rid, Recording.worker == self.worker,
                                   Recording.status == "running")
                            .values(status="queued", worker=None, lease_until=None,
                                    attempts=Recording.attempts - 1))
            return bool(res.rowcount)  # type: ignore[attr-defined]

    def recover(self, *, all_running: bool = False) -> int:
        """Queue again the jobs whose worker is gone: those whose lease ran out, or (on
        start over SQLite) every running job. Jobs already tried ``max_attempts`` times fail.
        Returns how many were queued again."""
        now = utcnow()
        with self.db.session() as s:
            stale = Recording.status == "running"
            conds = [stale] if all_running else [stale, Recording.lease_until < now]
            s.execute(update(Recording)
                      .where(*conds, Recording.attempts >= self.max_attempts)
                      .values(status="failed", finished_at=now, lease_until=None,
                              error=f"the analysis was interrupted {self.max_attempts} times "
                                    "(the service stopped or crashed while running it)"))
            res = s.execute(update(Recording).where(*conds)
                            .values(status="queued", worker=None, lease_until=None))
            n = int(res.rowcount or 0)  # type: ignore[attr-defined]
        if n:
            log.info("queued again %d interrupted job(s)", n)
        return n
