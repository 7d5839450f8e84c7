"""The database: an engine for SQLite (default, in ``data_dir``) or PostgreSQL, and Alembic
migrations run on start.

SQLite runs in WAL mode with a busy timeout, so the service's threads and a ``huashu keys``
command in another process can use the file at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Database", "database_url", "migrate"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_migrate_lock = threading.Lock()


def database_url(settings: Any) -> str:
    """The SQLAlchemy URL of ``settings``: ``database_url``, else SQLite in ``data_dir``."""
    if settings.database_url:
        url = str(settings.database_url)
        # psycopg 3 is the installed driver; accept plain postgresql:// URLs too.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    data = Path(settings.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(data / 'huashu.db').resolve()}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with _migrate_lock, engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Database:
    """One engine and session factory per process."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        kw: dict[str, Any] = {"future": True}
        if self.dialect == "sqlite":
            kw["connect_args"] = {"check_same_thread": False, "timeout": 10}
        else:
            kw.update(pool_size=pool_size, max_overflow=4, pool_pre_ping=True)
        self.engine = create_engine(url, **kw)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Any, *, migrate_schema: bool = True) -> Database:
        """Open the settings' database and run the migrations."""
        db = cls(database_url(settings), pool_size=max(4, int(settings.threads) + 2))
        if migrate_schema:
            migrate(db.engine)
        return db

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessions() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()
