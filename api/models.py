"""The service's tables (SQLAlchemy 2 declarative); the schema itself is made by Alembic."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "ApiKey", "Recording", "RecordingFlag", "Verdict", "PhrasebankVersion",
           "utcnow", "iso_utc", "STATUSES", "REVIEW_STATES", "VERDICTS"]

STATUSES = ("queued", "running", "done", "failed")
REVIEW_STATES = ("unreviewed", "partial", "reviewed")
VERDICTS = ("confirmed", "rejected", "added", "withdrawn")


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_utc(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``; SQLite hands back naive datetimes (stored as UTC)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    """An API key: only its SHA-256 is stored (keys are 256-bit random, so a slow hash adds
    nothing), with a short prefix to tell keys apart in listings."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Recording(Base):
    """An uploaded recording and its analysis job (the job queue is this table)."""

    __tablename__ = "recordings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(50), default="")
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    channels: Mapped[int] = mapped_column(Integer, default=1)
    scenario: Mapped[str | None] = mapped_column(String(100), nullable=True)
    agent_channel: Mapped[str] = mapped_column(String(10), default="left")
    agent_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    violations: Mapped[int | None] = mapped_column(Integer, nullable=True)
    has_violations: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON text
    # The review (kept up to date by api.reviews whenever a verdict changes):
    review_state: Mapped[str] = mapped_column(String(12), default="unreviewed",
                                              server_default="unreviewed")
    reviewed_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    review_verdicts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    review_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                               nullable=True)

    __table_args__ = (
        Index("ix_recordings_status_created", "status", "created_at"),
        Index("ix_recordings_agent_created", "agent_id", "created_at"),
        Index("ix_recordings_created", "created_at"),
        Index("ix_recordings_review_created", "review_state", "created_at"),
    )


class RecordingFlag(Base):
    """One flag of a finished recording's machine analysis (written with its result), so
    that counting flags per ref is a query rather than a parse of every result."""

    __tablename__ = "recording_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recording_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("recordings.id", ondelete="CASCADE"))
    flag_id: Mapped[str] = mapped_column(String(100))
    utterance: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_recording_flags_recording", "recording_id", "flag_id", unique=True),
        Index("ix_recording_flags_ref", "ref"),
    )


class Verdict(Base):
    """A reviewer's verdict on a flag. Rows are never changed: the newest row of a
    (recording, flag_id) is the current verdict, and ``withdrawn`` withdraws it.

    ``text``, ``matched`` and ``standard`` are the utterance, the flagged words and the
    standard's wording as the reviewer saw them (an export reads no result JSON).
    """

    __tablename__ = "verdicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recording_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("recordings.id", ondelete="CASCADE"))
    flag_id: Mapped[str] = mapped_column(String(100))
    utterance: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[str] = mapped_column(String(12))  # confirmed | rejected | added | withdrawn
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text, default="")
    matched: Mapped[str] = mapped_column(Text, default="")
    standard: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_verdicts_recording_flag", "recording_id", "flag_id", "id"),
        Index("ix_verdicts_created", "created_at"),
    )


class PhrasebankVersion(Base):
    """Every phrasebank the service has run; ``active`` marks the one in use."""

    __tablename__ = "phrasebank_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    yaml: Mapped[str] = mapped_column(Text)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    installed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
