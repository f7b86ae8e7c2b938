"""Fixtures shared by the whole test suite.

Database fixtures: a test that takes ``database_url`` (or ``session_factory``,
``make_uow``) runs on SQLite and on PostgreSQL. PostgreSQL runs when ``DATABASE_URL``
names a server (``.ci/run`` always provides one). Each test gets a fresh database: SQLite
in a temporary file, PostgreSQL as a copy of a template database migrated once per
session (``CREATE DATABASE ... TEMPLATE`` is much faster than migrating every time).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db import migrate
from db.engine import dispose_all, get_engine
from db.uow import UnitOfWork

PG_URL = os.environ.get("DATABASE_URL", "")
HAS_PG = make_url(PG_URL).get_backend_name() == "postgresql" if PG_URL else False
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not HAS_PG, reason="DATABASE_URL names no PostgreSQL"),
        ],
    ),
]


def _admin_engine():  # type: ignore[no-untyped-def]
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """Name of a migrated template database (created once per session)."""
    name = f"appraisal_tmpl_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name)
    migrate.upgrade(url.render_as_string(hide_password=False))
    dispose_all()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        migrate.upgrade(url)
        yield url
        dispose_all()
        return
    template = request.getfixturevalue("pg_template")
    name = f"appraisal_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield (
        make_url(PG_URL)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )
    dispose_all()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def session_factory(database_url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(database_url), expire_on_commit=False)


@pytest.fixture
def make_uow(session_factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """``make_uow(actor="admin1")`` opens a unit of work on the test database."""

    def make(actor: str = "test") -> UnitOfWork:
        return UnitOfWork(session_factory, actor=actor)

    return make


REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (where streamlit_app.py lives)."""
    return REPO_ROOT


@pytest.fixture
def app_database(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Point the app (run in-process by AppTest) at a fresh migrated database, on both backends.

    The data folder (local key file) is a temporary one too, so nothing touches ./data.
    """
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(tmp_path / "data"))
    return database_url


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run one after another on one xdist worker: each starts a Streamlit
    server and a Chromium, and two at once on a 2-core machine slow both past their waits."""
    for item in items:
        if any(item.iter_markers("browser")):
            item.add_marker(pytest.mark.xdist_group("browser"))


# Tests that need something of the machine (.ci/run installs it) and must not skip in CI:
# chromium, a PostgreSQL server, the Noto CJK fonts of the Chinese PDFs.
MUST_RUN_IN_CI = ("browser", "postgres", "fonts")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI (``CI`` set, as ``.ci/run`` does) a test marked with one of ``MUST_RUN_IN_CI``
    must run: a skip (no chromium, no server, no font) is turned into a failure, so that
    part of the suite cannot quietly go missing."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    must_run = [name for name in MUST_RUN_IN_CI if any(item.iter_markers(name))]
    if report.skipped and must_run and os.environ.get("CI"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where {', '.join(must_run)} tests must run: {report.longrepr}"
