"""Database commands: ``python -m db upgrade`` and friends."""

from __future__ import annotations

import argparse
import sys

import config
from db import migrate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m db",
        description="Manage the appraisal platform's database "
        "(DATABASE_URL; default SQLite in the data folder).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upgrade", help="create or upgrade the database to the newest schema")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "upgrade":
        migrate.upgrade()
        print(f"database is at the newest schema: {_safe(config.database_url())}")
        return 0
    return 2


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
