"""The service's tables (SQLAlchemy 2 declarative); the schema itself is made by Alembic."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "ApiKey", "Recording", "PhrasebankVersion", "utcnow", "iso_utc", "STATUSES"]

STATUSES = ("queued", "running", "done", "failed")


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

    __table_args__ = (
        Index("ix_recordings_status_created", "status", "created_at"),
        Index("ix_recordings_agent_created", "agent_id", "created_at"),
        Index("ix_recordings_created", "created_at"),
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
