"""Alembic environment: the connection comes from :func:`api.db.migrate`."""

from __future__ import annotations

from alembic import context

from api.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through api.db.migrate
    raise RuntimeError("run migrations through api.db.migrate(engine)")
context.configure(connection=connection, target_metadata=target_metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
