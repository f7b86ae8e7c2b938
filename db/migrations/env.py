"""Alembic environment: the platform's metadata, batch mode for SQLite's ALTERs."""

from __future__ import annotations

from alembic import context

from db.engine import get_engine
from db.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine(context.config.get_main_option("sqlalchemy.url")).connect() as conn:
        if conn.dialect.name != "sqlite":
            _run(conn)
            conn.commit()
            return
        # Batch mode rebuilds a table by dropping it; with foreign keys on, that drop
        # cascades into child rows (ON DELETE CASCADE) and silently deletes them. The
        # pragma only takes effect outside a transaction, hence the raw connection.
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            _run(conn)
            problems = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if problems:
                raise RuntimeError(f"the migration left rows with broken foreign keys: {problems[:5]}")
            conn.commit()
        finally:
            conn.rollback()
            raw.execute("PRAGMA foreign_keys=ON")


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run python -m db upgrade")
run_migrations_online()
