"""The accountability case register (问责案件) for ``python -m db`` (see db/cli.py COMMAND_MODULES):

    python -m db cases import FILE [--persons FILE] [--campaign CODE]
    python -m db cases open NUMBER --unit CODE --type T --subtype S --source SRC --body B
        --opened-on DATE --facts TEXT [--source-ref R] [--campaign CODE]
    python -m db cases advance NUMBER investigated|decided|published --on DATE [--note TEXT]
    python -m db cases person NUMBER --name NAME --sanction S [--post P] [--level L] [--sanctioned-on DATE]
    python -m db cases publish NUMBER --summary TEXT [--on DATE]
    python -m db cases confirm NUMBER
    python -m db cases decline NUMBER --reason TEXT
    python -m db cases list [TEXT] [--type T] [--status S] [--unit CODE] [--campaign CODE]
    python -m db cases counts [--campaign CODE] [--year YEAR]
    python -m db cases rule CAMPAIGN [--inaction P --slow P --misconduct P]   (shows it without points)

``advance ... decided`` takes the decision as ``--note``. ``publish`` marks the case for
publication with its public summary (which must name nobody) and publishes it on
``--on`` (today in Beijing unless given). Names of persons handled are printed masked.
A file with defects exits 2 and lists each on stderr with its file, line and column; a
refusal exits 1. The operator acts with an admin's rights, audited as ``cli``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

VERBS = ("import", "open", "advance", "person", "publish", "confirm", "decline", "list", "counts", "rule")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def add_commands(sub: Any) -> None:
    """Add ``cases`` to ``python -m db``'s subparsers."""
    cases = sub.add_parser(
        "cases", help="accountability cases (问责案件): import, open, advance, publish, deduct"
    )
    verbs = cases.add_subparsers(dest="cases_command", required=True)
    imp = verbs.add_parser("import", help="cases (and persons) from CSV or XLSX files, all or nothing")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--persons", metavar="FILE", help="the persons handled (else the XLSX's second sheet)")
    imp.add_argument("--campaign", metavar="CODE", help="the campaign whose units the cases concern")
    opened = verbs.add_parser("open", help="open a case")
    opened.add_argument("number")
    opened.add_argument("--unit", required=True, metavar="CODE")
    opened.add_argument("--type", required=True, dest="case_type", help="inaction, slow or misconduct")
    opened.add_argument("--subtype", required=True)
    opened.add_argument("--source", required=True)
    opened.add_argument("--source-ref", default="")
    opened.add_argument("--body", required=True, help="the disciplinary body (处理机关)")
    opened.add_argument("--opened-on", required=True, type=_date, metavar="DATE")
    opened.add_argument("--facts", required=True)
    opened.add_argument("--campaign", metavar="CODE")
    step = verbs.add_parser("advance", help="move a case one step: investigated, decided, published")
    step.add_argument("number")
    step.add_argument("to", choices=["investigated", "decided", "published"])
    step.add_argument("--on", required=True, type=_date, metavar="DATE")
    step.add_argument("--note", default="", help="for decided: the decision (处理决定)")
    person = verbs.add_parser("person", help="record a person handled (the name is stored encrypted)")
    person.add_argument("number")
    person.add_argument("--name", required=True)
    person.add_argument("--post", default="")
    person.add_argument("--level", default="")
    person.add_argument("--sanction", required=True)
    person.add_argument("--sanctioned-on", type=_date, metavar="DATE")
    publish = verbs.add_parser("publish", help="publish a decided case as a typical case (典型问题通报)")
    publish.add_argument("number")
    publish.add_argument("--summary", required=True, help="the public summary; it must name nobody")
    publish.add_argument("--on", type=_date, metavar="DATE", help="default: today in Beijing")
    confirm = verbs.add_parser("confirm", help="confirm a decided case's proposed deduction")
    confirm.add_argument("number")
    decline = verbs.add_parser("decline", help="decline a proposed deduction")
    decline.add_argument("number")
    decline.add_argument("--reason", required=True)
    listing = verbs.add_parser("list", help="list cases, newest opened first")
    listing.add_argument("text", nargs="?", default="")
    listing.add_argument("--type", dest="case_type")
    listing.add_argument("--status")
    listing.add_argument("--unit", metavar="CODE")
    listing.add_argument("--campaign", metavar="CODE")
    counting = verbs.add_parser("counts", help="cases and persons by type, sanction category and unit")
    counting.add_argument("--campaign", metavar="CODE")
    counting.add_argument("--year", type=int)
    rule = verbs.add_parser(
        "rule", help="the campaign's deduction points per case type; with all three given, set them (audited)"
    )
    rule.add_argument("campaign", metavar="CODE")
    for case_type in ("inaction", "slow", "misconduct"):
        rule.add_argument(f"--{case_type}", type=float, metavar="POINTS")


def run(args: argparse.Namespace) -> int | None:
    """Run ``cases``; None when ``args.command`` is another command."""
    if args.command != "cases":
        return None
    from services.errors import ServiceError
    from services.indicators import ImportRejected

    try:
        return _cases(args)
    except ImportRejected as exc:
        for defect in exc.defects:
            print(defect, file=sys.stderr)
        print(f"nothing was imported: {len(exc.defects)} defect(s)", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        print(f"{path}: cannot be read: {exc.strerror}", file=sys.stderr)
        return None


def _cases(args: argparse.Namespace) -> int:
    from db.uow import UnitOfWork
    from services import accountability as acc
    from services import accountability_cases as lifecycle
    from services import accountability_counts as reading
    from services import accountability_deductions as deductions
    from services.auth import CLI_OPERATOR as me

    def uow() -> UnitOfWork:
        return UnitOfWork(actor="cli")

    verb = args.cases_command
    if verb == "import":
        from services import accountability_file

        path = Path(args.file)
        data = _read(path)
        persons = Path(args.persons) if args.persons else None
        persons_data = _read(persons) if persons is not None else None
        if data is None or (persons is not None and persons_data is None):
            return 2
        report = accountability_file.import_cases(
            uow(),
            me,
            path.name,
            data,
            persons_name=persons.name if persons is not None else None,
            persons_raw=persons_data,
            campaign_code=args.campaign,
        )
        print(
            f"{report.cases} case(s), {report.persons} person(s) imported; "
            f"{report.proposed} propose a deduction"
        )
        return 0
    if verb == "open":
        view = lifecycle.open_case(
            uow(),
            me,
            number=args.number,
            unit_code=args.unit,
            case_type=args.case_type,
            subtype=args.subtype,
            facts=args.facts,
            source=args.source,
            source_ref=args.source_ref,
            disciplinary_body=args.body,
            opened_on=args.opened_on,
            campaign_code=args.campaign,
        )
        print(f"opened {view.number} against {view.unit_code} {view.unit_name}")
        return 0
    if verb == "advance":
        view = lifecycle.advance(uow(), me, args.number, args.to, args.on, args.note)
        print(f"{view.number} is {view.status} ({args.on.isoformat()})")
        if view.deduction_status == "proposed":
            print(f"proposed deduction: {view.deduction_points:g} points (confirm or decline it)")
        return 0
    if verb == "person":
        person = lifecycle.add_person(
            uow(),
            me,
            args.number,
            name=args.name,
            post=args.post,
            level=args.level,
            sanction=args.sanction,
            sanctioned_on=args.sanctioned_on,
        )
        print(f"recorded {person.name_masked} ({person.post}, {person.sanction}) in {args.number}")
        return 0
    if verb == "publish":
        lifecycle.mark_for_publication(uow(), me, args.number, args.summary)
        view = lifecycle.advance(uow(), me, args.number, "published", args.on or acc.today())
        print(f"{view.number} is published ({view.published_on})")
        return 0
    if verb == "confirm":
        adjustment_id = deductions.confirm_deduction(uow(), me, args.number)
        print(f"confirmed: adjustment {adjustment_id}")
        return 0
    if verb == "rule":
        typed = {k: getattr(args, k) for k in ("inaction", "slow", "misconduct")}
        given = {k: v for k, v in typed.items() if v is not None}
        if given:
            points = deductions.set_rule(uow(), me, args.campaign, given)
        else:
            points = deductions.get_rule(uow(), me, args.campaign)
        print("\t".join(f"{k}={v:g}" for k, v in points.items()))
        return 0
    if verb == "decline":
        deductions.decline_deduction(uow(), me, args.number, args.reason)
        print(f"declined the deduction of {args.number}")
        return 0
    if verb == "list":
        rows = reading.list_cases(
            uow(),
            me,
            case_type=args.case_type,
            status=args.status,
            unit_code=args.unit,
            campaign_code=args.campaign,
            text=args.text,
        )
        for v in rows:
            deduction = (
                f"{v.deduction_status} {v.deduction_points:g}" if v.deduction_points else v.deduction_status
            )
            flags = " exempt" if v.exempt else ""
            print(
                f"{v.number}\t{v.unit_code}\t{v.case_type}/{v.subtype}\t{v.status}\t{v.opened_on}"
                f"\t{len(v.persons)} person(s)\t{deduction}{flags}"
            )
        print(f"{len(rows)} case(s)")
        return 0
    found = reading.counts(uow(), me, campaign_code=args.campaign, year=args.year)
    print(f"cases {found.cases}, persons {found.persons}, exempt {found.exempt}")
    print("by type: " + ", ".join(f"{k} {n}" for k, n in found.by_type.items()))
    for category, count in found.by_category.items():
        print(f"{category}: {count.persons} person(s) in {count.cases} case(s)")
    print("by sanction: " + ", ".join(f"{k} {n}" for k, n in found.by_sanction.items() if n))
    if found.by_level:
        print("by level: " + ", ".join(f"{k} {n}" for k, n in found.by_level.items()))
    for unit in found.by_unit:
        print(f"{unit.unit_code}\t{unit.unit_name}\t{unit.cases} case(s)\t{unit.persons} person(s)")
    return 0
