"""Database commands: ``python -m db upgrade`` and friends."""

from __future__ import annotations

import argparse
import importlib
import sys

import config
from db.cli_accounts import ROLES

# Set-up commands (issue 11), one module per area, each with ``add_commands(sub)`` that
# adds its subcommands and ``run(args) -> int | None`` that runs one of them (None: not mine).
COMMAND_MODULES = (
    "db.cli_register",  # units ..., reorganise ...
    "db.cli_campaigns",  # campaign ..., history ...
    "db.cli_questionnaire",  # questionnaire ...
    "db.cli_accounts",  # reset-password, disable-user, enable-user, set-user
    "db.cli_history",  # history derive, history show
    "db.cli_fault_tolerance",  # fault-tolerance apply, accept, not-accept, verify, decide, list, show
    "db.cli_heads",  # heads pending|record|correct|list
    "db.cli_accountability",  # cases import|open|advance|person|publish|confirm|decline|list|counts
    "db.cli_inspection_results",  # inspection-results rates|rule|feed|deductions|bulletin
    "db.cli_inspections",  # inspections plan|start|close|list|visits|verify|reject|record
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m db",
        description="Manage the appraisal platform's database "
        "(DATABASE_URL; default SQLite in the data folder).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upgrade", help="create or upgrade the database to the newest schema")
    demo = sub.add_parser(
        "demo", help="load the demo city 临江市 (three yearly appraisals); does nothing if it is loaded"
    )
    demo.add_argument(
        "--if-empty", action="store_true", help="load only into a database without units or campaigns"
    )
    demo.add_argument("--scale", type=float, default=1.0, help="multiply the per-unit sample sizes")
    user = sub.add_parser("create-user", help="create a staff account (password from a prompt or stdin)")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=list(ROLES))
    user.add_argument("--unit", metavar="UNIT_CODE", help="the unit of a liaison account")
    user.add_argument("--display-name", default="")
    user.add_argument("--phone", help="a caller's own phone, rung first by click-to-call")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    unlock = sub.add_parser(
        "unlock-user", help="lift the sign-in lockout of an account after failed sign-ins (audited)"
    )
    unlock.add_argument("username")
    unlock_net = sub.add_parser(
        "unlock-network", help="lift the sign-in lockout of a network address (audited)"
    )
    unlock_net.add_argument("address")
    sub.add_parser("verify-audit", help="check the audit trail's SHA-256 chain; exit 1 if it is broken")
    imp = sub.add_parser(
        "import-bundle",
        help="import a campaign bundle (评议数据包) as a new campaign, all or nothing; exit 2 if it is bad",
    )
    imp.add_argument("bundle", metavar="DIR", help="the bundle folder (bundle.md)")
    imp.add_argument(
        "--max-errors", metavar="K", type=int, default=20, help="lines shown per kind of defect (0: all)"
    )
    exp = sub.add_parser("export-bundle", help="export a campaign as a bundle, without personal data")
    exp.add_argument(
        "campaign", metavar="CAMPAIGN_ID", help="the campaign's id ([campaign] id of its bundle)"
    )
    exp.add_argument("out", metavar="DIR", help="a new or empty folder")
    score = sub.add_parser(
        "score", help="score a stored campaign with the offline scorer's engine and store the run"
    )
    score.add_argument(
        "campaign", metavar="CAMPAIGN_ID", help="the campaign's id ([campaign] id of its bundle)"
    )
    score.add_argument(
        "--replicates",
        metavar="N",
        type=int,
        help="bootstrap replicates, overriding [uncertainty] replicates (at most 10,000)",
    )
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "upgrade":
        from db import migrate  # alembic: a third of a second, for this command only

        migrate.upgrade()
        print(f"database is at the newest schema: {_safe(config.database_url())}")
        return 0
    if args.command == "demo":
        return _demo(args)
    if args.command == "create-user":
        return _create_user(args)
    if args.command == "unlock-user":
        return _unlock_user(args.username)
    if args.command == "unlock-network":
        return _unlock_network(args.address)
    if args.command == "verify-audit":
        return _verify_audit()
    if args.command in ("import-bundle", "export-bundle", "score"):
        return _bundle_command(args)
    for name in COMMAND_MODULES:
        status = importlib.import_module(name).run(args)
        if status is not None:
            return status
    return 2


def _create_user(args: argparse.Namespace) -> int:
    import getpass

    from db.uow import UnitOfWork
    from services import auth, passwords
    from services.errors import ServiceError

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {args.username}: ")
        # the password rules (services/passwords.py) before asking again, not after
        problem = passwords.password_problem(password, args.username)
        if problem is not None:
            print(f"error: {passwords.PasswordRejected(problem)}", file=sys.stderr)
            return 1
        if getpass.getpass("again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 1
    try:
        user = auth.create_user(
            UnitOfWork(actor="cli"),
            auth.CLI_OPERATOR,
            args.username,
            password,
            args.role,
            unit_code=args.unit,
            display_name=args.display_name,
            phone=args.phone,
        )
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created {user.role.value} account {user.username}")
    return 0


def _unlock_user(username: str) -> int:
    from db.uow import UnitOfWork
    from services import auth
    from services.errors import ServiceError

    try:
        unlocked = auth.unlock_user(UnitOfWork(actor="cli"), auth.CLI_OPERATOR, username)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if unlocked:
        print(f"unlocked {username}: its failed sign-ins are forgotten")
    else:
        print(f"{username} was not locked and had no failed sign-ins on record")
    return 0


def _unlock_network(address: str) -> int:
    from db.uow import UnitOfWork
    from services import auth

    if auth.unlock_network(UnitOfWork(actor="cli"), auth.CLI_OPERATOR, address):
        print(f"unlocked network {address}: its failed sign-ins are forgotten")
    else:
        print(f"network {address} was not locked")
    return 0


def _verify_audit() -> int:
    from db import audit
    from db.engine import session_factory

    with session_factory()() as session:
        problems = audit.verify(session)
        count, head = audit.head(session)
    if problems:
        print(f"audit trail BROKEN: {len(problems)} problem(s) in {count} entries")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"audit trail OK: {count} entries, head {head}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from db import demo
    from db.uow import UnitOfWork

    target = _safe(config.database_url())
    if args.scale <= 0:
        print("error: --scale must be a positive number", file=sys.stderr)
        return 2
    try:
        with UnitOfWork(actor="cli") as uow:
            if demo.is_loaded(uow):
                summary = demo.DemoSummary(already_loaded=True)
            elif args.if_empty and not demo.is_empty(uow):
                print(f"the database already holds data, so the demo city is not loaded: {target}")
                return 0
            else:
                print(f"loading the demo city into {target} ...", flush=True)
                # one transaction: city, scoring, card cases and accounts, or nothing at all
                summary = demo.load_demo(
                    uow,
                    scale=args.scale,
                    accounts=True,
                    progress=lambda step: print(f"  {step}", flush=True),
                )
    except demo.DemoConflict as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except IntegrityError:
        # Another process loaded it at the same moment (PostgreSQL; SQLite queues the writers).
        with UnitOfWork(actor="cli") as uow:
            if not demo.is_loaded(uow):
                raise
        summary = demo.DemoSummary(already_loaded=True)
    if summary.already_loaded:
        # A demo loaded before the load was one transaction may lack its card cases or
        # accounts (a load killed between the two): finish it. Nothing when it is complete.
        summary.cards, summary.accounts = demo.complete_demo(UnitOfWork(actor="cli"))
    print(summary.describe())
    if summary.cards:
        print(f"card cases opened for the published years: {summary.cards}")
    if summary.accounts:
        print(
            f"demo sign-in accounts: {', '.join(summary.accounts)} "
            f"(password {demo.DEMO_PASSWORD!r}; demo database only)"
        )
    return 0


def _bundle_command(args: argparse.Namespace) -> int:
    """import-bundle, export-bundle and score; exit 2 (no traceback) when the input is refused."""
    from pathlib import Path

    from db import bundle_io
    from db.uow import UnitOfWork
    from scoring import BundleError

    target = _safe(config.database_url())
    try:
        with UnitOfWork(actor="cli") as uow:
            if args.command == "import-bundle":
                counts: dict[str, int] = {}
                campaign = bundle_io.import_bundle(uow, args.bundle, counts=counts)
                uow.commit()
                print(
                    f"imported campaign {campaign.code} ({campaign.year}) into {target}: "
                    f"{sum(counts.values()):,} rows ({counts.get('campaign_unit', 0):,} units, "
                    f"{counts.get('survey_response', 0):,} survey responses, "
                    f"{counts.get('phone_case', 0):,} phone cases)"
                )
            elif args.command == "export-bundle":
                written = bundle_io.export_bundle(uow, args.campaign, Path(args.out))
                files = ", ".join(f"{name} ({n:,})" for name, n in written.items())
                print(f"exported campaign {args.campaign} to {args.out}: campaign.toml, {files}")
            else:
                from scoring.params import replicates_problem
                from services.scoring import score_stored_campaign

                problem = None if args.replicates is None else replicates_problem(args.replicates)
                if problem is not None:
                    print(f"error: --replicates {args.replicates} {problem}", file=sys.stderr)
                    return 2
                run = score_stored_campaign(uow, args.campaign, replicates=args.replicates)
                uow.commit()
                print(
                    f"scored campaign {args.campaign}: run {run.id}, method version {run.method_version}, "
                    f"{run.replicates} replicates, input SHA-256 {run.input_sha256}"
                )
    except BundleError as exc:
        if args.command == "import-bundle":
            print(f"{args.bundle}: {len(exc.defects)} defect(s); nothing was imported.", file=sys.stderr)
        else:
            print(
                f"campaign {args.campaign}: {len(exc.defects)} defect(s); nothing was scored.",
                file=sys.stderr,
            )
        print(exc.render(max_per_problem=max(getattr(args, "max_errors", 20), 0)), file=sys.stderr)
        return 2
    except (bundle_io.CampaignExists, bundle_io.UnknownCampaign, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
