"""One engine and one session factory per database URL.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy
timeout, and every transaction starts with ``BEGIN IMMEDIATE`` so that concurrent
writers queue for the write lock up front instead of failing half-way with
"database is locked". PostgreSQL is reached through psycopg 3.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import config

SQLITE_BUSY_TIMEOUT_MS = 30_000

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` with the platform's connection settings."""
    parsed = make_url(url)
    # Streamlit runs each browser session's script in its own thread; SQLAlchemy's
    # default pool (5 + 10) starves under a few dozen concurrent writers. The one setting
    # sizes the pool on both backends, so that a deployment (or a test) that needs more
    # connections says so there rather than patching the engine.
    pool = pool_settings()
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        else:
            pool = {}  # an in-memory database lives in one connection (SingletonThreadPool)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **pool)
        _tune_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    return create_engine(url, pool_pre_ping=True, **pool)


def pool_settings() -> dict[str, int]:
    """Connections kept open per engine (``APPRAISAL_DB_POOL_SIZE``), and as many again under load."""
    size = int(config.DB_POOL_SIZE.get())
    if size < 1:
        raise ValueError(f"{config.DB_POOL_SIZE.name} must be at least 1, not {size}")
    return {"pool_size": size, "max_overflow": size}


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see begin below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(url: str | None = None) -> Engine:
    """The process's one engine for ``url`` (default: the configured database)."""
    key = url or config.database_url()
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = make_engine(key)
        return engine


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    """The session factory bound to :func:`get_engine`; sessions never outlive a unit of work."""
    return sessionmaker(get_engine(url), expire_on_commit=False)


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
