"""``./scripts/start`` with and without the demo, on SQLite and PostgreSQL: by default it
loads the demo into an empty database; with ``APPRAISAL_DEMO=0`` it only creates the schema
and leaves the database empty, so a department starts its own city; and the README says how.

The script runs for real in a copy of the scripts folder whose ``.venv/bin/python`` is a
stand-in: it runs ``-m db upgrade`` with the project's Python, and only records the demo
load (slow, and tested elsewhere) and the start of Streamlit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select

from db.models import Campaign, Unit, User

STAND_IN = """#!/usr/bin/env bash
echo "$*" >> "$START_LOG"
if [[ "$1 $2 $3" == "-m db upgrade" ]]; then
  PYTHONPATH="$REPO_ROOT" exec "$REAL_PYTHON" "$@"
fi
"""


def start(repo_root: Path, tmp_path: Path, database_url: str, **env: str) -> tuple[list[str], str]:
    """Run a copy of scripts/start; the commands it gave Python, and what it printed."""
    copy = tmp_path / "app"
    (copy / "scripts").mkdir(parents=True)
    shutil.copy(repo_root / "scripts" / "start", copy / "scripts" / "start")
    (copy / "scripts" / "_venv.sh").write_text("ensure_venv() { :; }\n")
    python = copy / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(STAND_IN)
    python.chmod(0o755)
    log = tmp_path / "python.log"
    result = subprocess.run(
        ["bash", str(copy / "scripts" / "start")],
        env={
            **{k: v for k, v in os.environ.items() if k != "APPRAISAL_DEMO"},
            "DATABASE_URL": database_url,
            "APPRAISAL_DATA_DIR": str(tmp_path / "data"),
            "START_LOG": str(log),
            "REPO_ROOT": str(repo_root),
            "REAL_PYTHON": sys.executable,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return log.read_text().splitlines(), result.stdout


def counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert {"unit", "campaign", "app_user"} <= set(inspect(conn).get_table_names())
            return {
                model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (Unit, Campaign, User)
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", ["0", "no", "off"])
def test_appraisal_demo_0_starts_on_an_empty_database(
    repo_root: Path, tmp_path: Path, database_url: str, value: str
) -> None:
    commands, out = start(repo_root, tmp_path, database_url, APPRAISAL_DEMO=value)

    assert commands[0] == "-m db upgrade"
    assert not any("demo" in command for command in commands)
    assert commands[-1].startswith("-m streamlit run asgi.py")
    assert "python -m db create-user NAME --role admin" in out
    assert counts(database_url) == {"unit": 0, "campaign": 0, "app_user": 0}


def test_by_default_an_empty_database_gets_the_demo(
    repo_root: Path, tmp_path: Path, database_url: str
) -> None:
    commands, _out = start(repo_root, tmp_path, database_url)

    assert commands[:2] == ["-m db upgrade", "-m db demo --if-empty"]
    assert commands[-1].startswith("-m streamlit run asgi.py")


def test_the_readme_says_how_to_start_without_the_demo(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Starting without the demo / 不装演示数据启动", 1)[1].split("\n## ", 1)[0]

    for needed in (
        "APPRAISAL_DEMO=0 ./scripts/start",
        "python -m db create-user",
        "--role admin",
        "评议对象名录",
        "评议活动",
        "问卷设计",
    ):
        assert needed in section
    for command in ("list-users", "reset-password", "disable-user", "enable-user", "set-user"):
        assert f"python -m db {command}" in readme
