"""Set-up commands of one area for ``python -m db`` (see db/cli.py COMMAND_MODULES).

Services are imported inside the functions, as db/cli.py does, so ``python -m db upgrade``
stays quick."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(sub: Any) -> None:
    """Add this area's subcommands to ``python -m db``'s subparsers."""


def run(args: argparse.Namespace) -> int | None:
    """Run one of this area's commands; None when ``args.command`` is not one of them."""
    return None
