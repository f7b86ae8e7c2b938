"""Account management (账号管理) for ``python -m db`` (see db/cli.py COMMAND_MODULES):

    python -m db list-users [TEXT] [--role ROLE]
    python -m db reset-password USERNAME        # prints a one-time password, shown once
    python -m db disable-user USERNAME
    python -m db enable-user USERNAME
    python -m db set-user USERNAME [--role R] [--unit CODE] [--caller CODE] [--contractor NAME]
        [--display-name NAME]

(``create-user`` and ``unlock-user`` are in db/cli.py.) A refusal (an unknown account, the
last active administrator, a liaison without a unit...) exits 1 with the reason on stderr.
The operator acts with an admin's rights, audited as ``cli`` (services.auth.CLI_OPERATOR).
Services are imported inside the functions, as db/cli.py does, so ``python -m db upgrade``
stays quick.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

COMMANDS = ("list-users", "reset-password", "disable-user", "enable-user", "set-user")
ROLES = ("admin", "supervisor", "caller", "liaison", "inspector")  # db.models.Role's values (no model import)
BEIJING = ZoneInfo("Asia/Shanghai")
LIST_COLUMNS = ("username", "role", "name", "unit", "caller", "contractor", "state", "last sign-in (Beijing)")


def add_commands(sub: Any) -> None:
    """Add the account commands to ``python -m db``'s subparsers."""
    listing = sub.add_parser("list-users", help="list the staff accounts (账号), tab-separated")
    listing.add_argument(
        "text", nargs="?", default="", help="only accounts whose username, name or unit has it"
    )
    listing.add_argument("--role", choices=ROLES, action="append", help="only this role (repeatable)")
    reset = sub.add_parser(
        "reset-password",
        help="give an account a one-time password (printed once) that must be changed at the next sign-in",
    )
    reset.add_argument("username")
    disable = sub.add_parser("disable-user", help="disable an account and end its sessions (audited)")
    disable.add_argument("username")
    enable = sub.add_parser("enable-user", help="re-enable a disabled account (audited)")
    enable.add_argument("username")
    edit = sub.add_parser(
        "set-user", help="change an account's role, name, liaison unit, interviewer record or contractor"
    )
    edit.add_argument("username")
    edit.add_argument("--role", choices=ROLES)
    edit.add_argument("--unit", metavar="UNIT_CODE", help="the unit of a liaison account")
    edit.add_argument(
        "--caller", metavar="CODE", help="the interviewer record (访问员编号) of a caller account"
    )
    edit.add_argument("--contractor", metavar="NAME", help="the company a caller works for ('' clears it)")
    edit.add_argument("--display-name", metavar="NAME")


def _when(at: datetime | None) -> str:
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if at else "-"


def _list(args: argparse.Namespace, uow: Any, operator: Any) -> int:
    from services import accounts

    found = accounts.list_accounts(uow, operator, search=args.text, roles=args.role or ())
    print("\t".join(LIST_COLUMNS))
    for a in found:
        state = ("active" if a.active else "disabled") + (
            ", must change password" if a.must_change_password else ""
        )
        cells = (a.username, a.role.value, a.display_name, a.unit_code, a.caller_code, a.contractor, state)
        print("\t".join(c or "-" for c in cells) + "\t" + _when(a.last_sign_in))
    print(f"{len(found)} account(s)", file=sys.stderr)
    return 0


def _set(args: argparse.Namespace, uow: Any, operator: Any) -> int:
    from services import accounts

    changes = {
        "role": args.role,
        "unit_code": args.unit,
        "caller_code": args.caller,
        "contractor": args.contractor,
        "display_name": args.display_name,
    }
    if all(value is None for value in changes.values()):
        print(
            "error: nothing to change; give --role, --unit, --caller, --contractor or --display-name",
            file=sys.stderr,
        )
        return 2
    a = accounts.update_account(uow, operator, args.username, **changes)
    print(
        f"{a.username}: {a.role.value}, name {a.display_name or '-'}, unit {a.unit_code or '-'}, "
        f"interviewer record {a.caller_code or '-'}, contractor {a.contractor or '-'}"
    )
    return 0


def run(args: argparse.Namespace) -> int | None:
    """Run one of the account commands; None when ``args.command`` is not one of them."""
    if args.command not in COMMANDS:
        return None
    from db.uow import UnitOfWork
    from services import accounts, auth
    from services.errors import ServiceError

    uow, operator = UnitOfWork(actor="cli"), auth.CLI_OPERATOR
    try:
        if args.command == "list-users":
            return _list(args, uow, operator)
        if args.command == "set-user":
            return _set(args, uow, operator)
        if args.command == "reset-password":
            password = accounts.reset_password(uow, operator, args.username)
            print(password)
            print(
                f"one-time password of {args.username} (above): hand it over in person or by a separate "
                "channel; it must be changed at the next sign-in, and it is not shown again",
                file=sys.stderr,
            )
            return 0
        if args.command == "disable-user":
            ended = accounts.disable_account(uow, operator, args.username)
            print(f"disabled {args.username}; {ended} open session(s) ended")
            return 0
        accounts.enable_account(uow, operator, args.username)
        print(f"enabled {args.username}")
        return 0
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
