"""``python -m db history ...``: a campaign's history (往年评议结果) derived from the series'
final published results (services/history.py), and shown.

* ``history derive CAMPAIGN`` replaces the draft campaign's history with the derived one
  (audited as ``cli``); exit 1 when refused (not a draft, no such campaign).
* ``history show CAMPAIGN [--csv]`` prints it as a table, or as ``history.csv`` with its
  source columns (unit_id, year, unsatisfactory, source_campaign, source_unit, via).

Services are imported inside the functions, as db/cli.py does, so ``python -m db upgrade``
stays quick."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Any

CSV_HEADER = ("unit_id", "year", "unsatisfactory", "source_campaign", "source_unit", "via")


def add_commands(sub: Any) -> None:
    """Add ``history derive`` and ``history show`` to ``python -m db``'s subparsers."""
    parser = sub.add_parser(
        "history",
        help="a campaign's history (earlier years' outcomes) derived from the series' published results",
    )
    actions = parser.add_subparsers(dest="history_action", required=True)
    derive = actions.add_parser(
        "derive",
        help="replace a draft campaign's history with the one derived through reorganisations (audited)",
    )
    derive.add_argument("campaign", metavar="CAMPAIGN_ID", help="the campaign's id ([campaign] id)")
    show = actions.add_parser("show", help="print a campaign's history with where each entry came from")
    show.add_argument("campaign", metavar="CAMPAIGN_ID", help="the campaign's id ([campaign] id)")
    show.add_argument("--csv", action="store_true", help="write history.csv (with source columns) to stdout")


def run(args: argparse.Namespace) -> int | None:
    """Run ``history derive`` or ``history show``; None for another command."""
    if args.command != "history":
        return None
    from db.uow import UnitOfWork
    from services import auth, history
    from services.errors import ServiceError

    try:
        if args.history_action == "derive":
            rows = history.derive_history(UnitOfWork(actor="cli"), auth.CLI_OPERATOR, args.campaign)
            unsatisfactory = sum(r.unsatisfactory for r in rows)
            sources = len({r.source_campaign for r in rows if r.derived})
            print(
                f"derived the history of {args.campaign}: {len(rows)} entries, "
                f"{unsatisfactory} unsatisfactory, from {sources} earlier campaign(s)"
            )
            return 0
        rows = history.history_of(UnitOfWork(actor="cli"), auth.CLI_OPERATOR, args.campaign)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for r in rows:
            writer.writerow(
                [
                    r.unit_code,
                    r.year,
                    "true" if r.unsatisfactory else "false",
                    r.source_campaign,
                    r.source_unit,
                    r.via,
                ]
            )
        return 0
    if not rows:
        print(f"campaign {args.campaign} has no history entries")
        return 0
    for r in rows:
        source = f"{r.source_campaign}/{r.source_unit}" if r.derived else "imported"
        flag = "unsatisfactory" if r.unsatisfactory else "-"
        via = f"  via {r.via}" if r.via else ""
        print(f"{r.unit_code}\t{r.unit_name}\t{r.year}\t{flag}\t{source}{via}")
    return 0
