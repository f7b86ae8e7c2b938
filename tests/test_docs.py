"""The README documents every setting (config.SETTINGS)."""

from __future__ import annotations

from pathlib import Path

import config

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme() -> None:
    missing = [s.name for s in config.SETTINGS if f"`{s.name}`" not in README]
    assert missing == []


def test_the_default_database_is_sqlite_in_the_data_folder(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(tmp_path))
    assert config.database_url() == f"sqlite:///{tmp_path / 'appraisal.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert config.database_url() == "postgresql+psycopg://u@h/db"
