"""Inspection rounds and visits (明察暗访) for ``python -m db`` (see db/cli.py COMMAND_MODULES):

    python -m db inspections plan CAMPAIGN CODE --mode open|covert --from DATE --to DATE
        --unit CODE [--unit CODE ...] --inspector NAME [--inspector NAME ...] [--name N] [--notes T]
    python -m db inspections update CAMPAIGN CODE [--name N] [--mode M] [--from DATE] [--to DATE]
        [--unit CODE ...] [--inspector NAME ...] [--notes T]   (what is given replaces what was)
    python -m db inspections start CAMPAIGN CODE
    python -m db inspections close CAMPAIGN CODE
    python -m db inspections list CAMPAIGN
    python -m db inspections visits CAMPAIGN [--round CODE] [--status S] [--unit CODE]
    python -m db inspections verify VISIT_ID [--note TEXT]
    python -m db inspections reject VISIT_ID --note TEXT
    python -m db inspections record CAMPAIGN ROUND --inspector NAME --unit CODE --at TIME
        --expected N --present N --on-post N --focused N [--finding 冷:TEXT ...] [--photo FILE ...]

``--unit`` also takes several codes separated by commas. The operator acts with an admin's
rights, audited as ``cli`` (services.auth.CLI_OPERATOR); ``record`` enters a visit on behalf
of the named inspector (an active account assigned to the round), audited under that name,
for visits noted on paper. Times without a zone are Beijing time. A refusal exits 1, a
photo file that cannot be read or a malformed ``--finding`` exits 2.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

BEIJING = timezone(timedelta(hours=8), "CST")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def _time(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time; write it as YYYY-MM-DD HH:MM (Beijing time) or with an offset"
        ) from None
    return at.replace(tzinfo=BEIJING) if at.tzinfo is None else at


def _codes(values: list[str] | None) -> list[str]:
    return [c.strip() for v in values or [] for c in v.split(",") if c.strip()]


def add_commands(sub: Any) -> None:
    """Add ``inspections`` to ``python -m db``'s subparsers."""
    parser = sub.add_parser(
        "inspections", help="inspection rounds and visits (明察暗访): plan, start, close, list, verify"
    )
    verbs = parser.add_subparsers(dest="inspections_command", required=True)
    plan = verbs.add_parser("plan", help="plan a round of a campaign (audited)")
    plan.add_argument("campaign", metavar="CAMPAIGN_ID")
    plan.add_argument("code", metavar="CODE", help="the round's code, unique in the campaign")
    plan.add_argument("--name", default="")
    plan.add_argument("--mode", choices=["open", "covert"], required=True, help="open 明察 or covert 暗访")
    plan.add_argument("--from", dest="starts_on", type=_date, required=True, metavar="DATE")
    plan.add_argument("--to", dest="ends_on", type=_date, required=True, metavar="DATE")
    plan.add_argument("--unit", action="append", required=True, metavar="CODE", help="repeat, or CODE,CODE")
    plan.add_argument("--inspector", action="append", required=True, metavar="NAME", help="repeat for each")
    plan.add_argument("--notes", default="")
    update = verbs.add_parser(
        "update", help="change a planned or active round; what is given replaces (audited)"
    )
    update.add_argument("campaign", metavar="CAMPAIGN_ID")
    update.add_argument("code", metavar="CODE")
    update.add_argument("--name")
    update.add_argument("--mode", choices=["open", "covert"])
    update.add_argument("--from", dest="starts_on", type=_date, metavar="DATE")
    update.add_argument("--to", dest="ends_on", type=_date, metavar="DATE")
    update.add_argument("--unit", action="append", metavar="CODE", help="the whole list of units")
    update.add_argument("--inspector", action="append", metavar="NAME", help="the whole list of inspectors")
    update.add_argument("--notes")
    for verb, text in (("start", "planned → active"), ("close", "active → closed")):
        move = verbs.add_parser(verb, help=f"{text} (audited)")
        move.add_argument("campaign", metavar="CAMPAIGN_ID")
        move.add_argument("code", metavar="CODE")
    listing = verbs.add_parser("list", help="the campaign's rounds with their counts")
    listing.add_argument("campaign", metavar="CAMPAIGN_ID")
    visits = verbs.add_parser("visits", help="the campaign's visits, newest first")
    visits.add_argument("campaign", metavar="CAMPAIGN_ID")
    visits.add_argument("--round", dest="round_code", metavar="CODE")
    visits.add_argument("--status", choices=["recorded", "verified", "rejected"])
    visits.add_argument("--unit", dest="unit_code", metavar="CODE")
    verify = verbs.add_parser("verify", help="recorded → verified (audited)")
    verify.add_argument("visit", type=int, metavar="VISIT_ID")
    verify.add_argument("--note", default="")
    reject = verbs.add_parser("reject", help="recorded or verified → rejected, with a note (audited)")
    reject.add_argument("visit", type=int, metavar="VISIT_ID")
    reject.add_argument("--note", required=True)
    record = verbs.add_parser("record", help="enter a visit on behalf of an inspector of an active round")
    record.add_argument("campaign", metavar="CAMPAIGN_ID")
    record.add_argument("round_code", metavar="ROUND")
    record.add_argument("--inspector", required=True, metavar="NAME")
    record.add_argument("--unit", required=True, metavar="CODE")
    record.add_argument(
        "--at", type=_time, required=True, metavar="TIME", help="Beijing time unless an offset"
    )
    for name, zh in (("expected", "应到"), ("present", "到岗"), ("on-post", "在岗"), ("focused", "专注")):
        record.add_argument(f"--{name}", type=int, required=True, metavar="N", help=zh)
    record.add_argument("--finding", action="append", default=[], metavar="HARM:TEXT", help="e.g. 懒:玩手机")
    record.add_argument("--photo", action="append", default=[], metavar="FILE")
    record.add_argument("--notes", default="")


def run(args: argparse.Namespace) -> int | None:
    """Run one ``inspections`` command; None when ``args.command`` is another command."""
    if args.command != "inspections":
        return None
    from services.errors import ServiceError

    try:
        return _run(args)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from db.uow import UnitOfWork
    from services import inspection_rounds, inspections
    from services.auth import CLI_OPERATOR as me

    def uow() -> UnitOfWork:
        return UnitOfWork(actor="cli")

    verb = args.inspections_command
    if verb == "plan":
        rnd = inspection_rounds.plan_round(
            uow(),
            me,
            args.campaign,
            code=args.code,
            name=args.name,
            mode=args.mode,
            starts_on=args.starts_on,
            ends_on=args.ends_on,
            unit_codes=_codes(args.unit),
            inspector_usernames=_codes(args.inspector),
            notes=args.notes,
        )
        print(
            f"planned round {rnd.code} ({rnd.mode}, {rnd.starts_on} – {rnd.ends_on}): "
            f"{rnd.units} unit(s), inspectors {', '.join(rnd.inspectors)}"
        )
        return 0
    if verb == "update":
        found = inspection_rounds.find_round(uow(), me, args.campaign, args.code)
        rnd = inspection_rounds.update_round(
            uow(),
            me,
            found.id,
            name=args.name,
            mode=args.mode,
            starts_on=args.starts_on,
            ends_on=args.ends_on,
            unit_codes=_codes(args.unit) if args.unit else None,
            inspector_usernames=_codes(args.inspector) if args.inspector else None,
            notes=args.notes,
        )
        print(
            f"round {rnd.code} ({rnd.mode}, {rnd.starts_on} – {rnd.ends_on}, {rnd.status}): "
            f"{rnd.units} unit(s), inspectors {', '.join(rnd.inspectors)}"
        )
        return 0
    if verb in ("start", "close"):
        found = inspection_rounds.find_round(uow(), me, args.campaign, args.code)
        move = inspection_rounds.start_round if verb == "start" else inspection_rounds.close_round
        rnd = move(uow(), me, found.id)
        print(f"round {rnd.code} is {rnd.status}")
        return 0
    if verb == "list":
        rounds = inspection_rounds.list_rounds(uow(), me, args.campaign)
        for r in rounds:
            print(
                f"{r.code}\t{r.name}\t{r.mode}\t{r.starts_on}\t{r.ends_on}\t{r.status}\t"
                f"units {r.units}\trecorded {r.visits_recorded}\tverified {r.visits_verified}\t"
                f"rejected {r.visits_rejected}\t{','.join(r.inspectors)}"
            )
        print(f"{len(rounds)} round(s)")
        return 0
    if verb == "visits":
        rows = inspections.list_visits(
            uow(), me, args.campaign, round_code=args.round_code, status=args.status, unit_code=args.unit_code
        )
        for v in rows:
            at = v.visited_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
            findings = "".join(f.harm for f in v.findings) or "-"
            print(
                f"{v.id}\t{v.round_code}\t{v.unit_code}\t{at}\t{v.inspector}\t"
                f"{v.staff_expected}/{v.staff_present}/{v.staff_on_post}/{v.staff_focused}\t"
                f"{findings}\tphotos {len(v.photos)}\t{v.status}"
            )
        print(f"{len(rows)} visit(s)")
        return 0
    if verb == "verify":
        inspections.verify_visit(uow(), me, args.visit, args.note)
        print(f"visit {args.visit} verified")
        return 0
    if verb == "reject":
        inspections.reject_visit(uow(), me, args.visit, args.note)
        print(f"visit {args.visit} rejected")
        return 0
    return _record(args, uow, me)


def _record(args: argparse.Namespace, uow: Any, me: Any) -> int:
    from services import inspection_rounds, inspections

    findings = []
    for text in args.finding:
        harm, sep, description = text.partition(":")
        if not sep:
            harm, sep, description = text.partition("：")
        if not sep:
            print(f"error: --finding {text!r} must be HARM:TEXT, e.g. 懒:玩手机", file=sys.stderr)
            return 2
        findings.append((harm.strip(), description.strip()))
    photos = []
    for name in args.photo:
        path = Path(name)
        try:
            photos.append((path.name, path.read_bytes()))
        except OSError as exc:
            print(f"{path}: cannot be read: {exc.strerror}", file=sys.stderr)
            return 2
    inspector = inspection_rounds.inspector_account(uow(), me, args.inspector)
    rnd = inspection_rounds.find_round(uow(), me, args.campaign, args.round_code)
    visit_id = inspections.record_visit(
        uow(),
        inspector,
        rnd.id,
        unit_code=args.unit,
        visited_at=args.at,
        staff_expected=args.expected,
        staff_present=args.present,
        staff_on_post=args.on_post,
        staff_focused=args.focused,
        findings=findings,
        notes=args.notes,
        photos=photos,
    )
    print(f"recorded visit {visit_id} to {args.unit} in round {rnd.code} for {inspector.username}")
    return 0
