"""The fault-tolerance procedure (容错免责) for ``python -m db`` (see db/cli.py COMMAND_MODULES):

    python -m db fault-tolerance apply overdue_case CASE_NUMBER --campaign CODE --applicant A --reasons R
        [--consequence none|safety_accident|pollution|food_safety|mass_incident] [--evidence FILE]
    python -m db fault-tolerance apply accountability_case CASE_NUMBER --applicant A --reasons R ...
    python -m db fault-tolerance accept ID [--note N]
    python -m db fault-tolerance not-accept ID --note N
    python -m db fault-tolerance verify ID --note N --found CONSEQUENCE
    python -m db fault-tolerance decide ID (--grant | --refuse) --document NUMBER [--note N]
    python -m db fault-tolerance list [--status S] [--subject S] [--campaign CODE] [--unit CODE]
    python -m db fault-tolerance show ID

The operator acts with an admin's rights, audited as ``cli`` (services.auth.CLI_OPERATOR);
``--as USERNAME`` acts as that active admin account instead, since the decision must be
recorded by another admin than the one who filed, accepted or verified the application.
A refusal exits 1; an evidence file that cannot be read or is over 10 MiB exits 2.
Services are imported inside the functions, as db/cli.py does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

SUBJECTS = ("overdue_case", "accountability_case")
CONSEQUENCES = ("none", "safety_accident", "pollution", "food_safety", "mass_incident")
STATUSES = ("applied", "accepted", "not_accepted", "verified", "granted", "refused")


def add_commands(sub: Any) -> None:
    """Add ``fault-tolerance`` to ``python -m db``'s subparsers."""
    ft = sub.add_parser(
        "fault-tolerance",
        help="fault-tolerance applications (容错免责): apply, accept, not-accept, verify, decide, list, show",
    )
    verbs = ft.add_subparsers(dest="ft_command", required=True)

    def acting(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--as", dest="as_user", metavar="USERNAME", help="act as this active admin account (default: cli)"
        )

    apply = verbs.add_parser("apply", help="file an application for one overdue case or accountability case")
    apply.add_argument("subject", choices=SUBJECTS)
    apply.add_argument("reference", metavar="CASE_NUMBER")
    apply.add_argument("--campaign", default="", metavar="CODE", help="the campaign of an overdue case")
    apply.add_argument("--applicant", required=True, help="the person or office applying")
    apply.add_argument("--reasons", required=True)
    apply.add_argument("--consequence", choices=CONSEQUENCES, default="none", help="what the matter led to")
    apply.add_argument("--evidence", metavar="FILE", help="a supporting document (at most 10 MiB)")
    acting(apply)
    accept = verbs.add_parser("accept", help="accept an application (受理)")
    accept.add_argument("id", type=int)
    accept.add_argument("--note", default="")
    acting(accept)
    refuse = verbs.add_parser("not-accept", help="do not accept an application (不予受理), with the reason")
    refuse.add_argument("id", type=int)
    refuse.add_argument("--note", required=True)
    acting(refuse)
    verify = verbs.add_parser("verify", help="record the verification (核实) and the consequence found")
    verify.add_argument("id", type=int)
    verify.add_argument("--note", required=True, help="what the verification found")
    verify.add_argument(
        "--found", required=True, choices=CONSEQUENCES, help="the consequence the matter led to"
    )
    acting(verify)
    decide = verbs.add_parser("decide", help="record the decision (予以免责 or 不予免责) with its document")
    decide.add_argument("id", type=int)
    outcome = decide.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--grant", action="store_true")
    outcome.add_argument("--refuse", action="store_true")
    decide.add_argument("--document", required=True, help="the decision document's number")
    decide.add_argument("--note", default="")
    acting(decide)
    listing = verbs.add_parser("list", help="the applications, newest first")
    listing.add_argument("--status", choices=STATUSES, default="")
    listing.add_argument("--subject", choices=SUBJECTS, default="")
    listing.add_argument("--campaign", default="", metavar="CODE")
    listing.add_argument("--unit", default="", metavar="CODE")
    show = verbs.add_parser("show", help="one application with its history")
    show.add_argument("id", type=int)


def run(args: argparse.Namespace) -> int | None:
    """Run ``fault-tolerance``; None when ``args.command`` is another command."""
    if args.command != "fault-tolerance":
        return None
    from services import fault_tolerance as ft
    from services.errors import ServiceError

    try:
        return _run(args)
    except ft.EvidenceTooLarge as exc:
        print(f"{args.evidence}: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from db.uow import UnitOfWork
    from services import fault_tolerance as ft
    from services import fault_tolerance_views as ftv
    from services.auth import CLI_OPERATOR

    def uow() -> UnitOfWork:
        return UnitOfWork(actor="cli")

    me = CLI_OPERATOR
    if getattr(args, "as_user", None):
        me = ftv.admin_account(uow(), CLI_OPERATOR, args.as_user)
    verb = args.ft_command
    if verb == "apply":
        evidence = None
        if args.evidence:
            path = Path(args.evidence)
            try:
                evidence = (path.name, path.read_bytes())
            except OSError as exc:
                print(f"{path}: cannot be read: {exc.strerror}", file=sys.stderr)
                return 2
        app_id = ft.apply(
            uow(),
            me,
            subject=args.subject,
            campaign_code=args.campaign,
            reference=args.reference,
            applicant=args.applicant,
            reasons=args.reasons,
            consequence=args.consequence,
            evidence=evidence,
        )
        print(f"filed application {app_id} for {args.subject} {args.reference}")
        return 0
    if verb == "accept":
        ft.accept(uow(), me, args.id, args.note)
        print(f"application {args.id} accepted")
        return 0
    if verb == "not-accept":
        ft.not_accept(uow(), me, args.id, args.note)
        print(f"application {args.id} not accepted")
        return 0
    if verb == "verify":
        ft.verify(uow(), me, args.id, note=args.note, consequence_found=args.found)
        print(f"application {args.id} verified (consequence found: {args.found})")
        return 0
    if verb == "decide":
        ft.decide(uow(), me, args.id, grant=args.grant, document=args.document, note=args.note)
        outcome = "granted" if args.grant else "refused"
        print(f"application {args.id} {outcome} by {ft.decision_body()} ({args.document})")
        return 0
    if verb == "list":
        rows = ftv.list_applications(
            uow(),
            me,
            status=args.status,
            subject=args.subject,
            campaign_code=args.campaign,
            unit_code=args.unit,
        )
        for r in rows:
            print(
                f"{r.id}\t{r.subject}\t{r.reference}\t{r.campaign_code}\t{r.unit_code}\t{r.applicant}"
                f"\t{r.status}\t{r.decision_document}"
            )
        print(f"{len(rows)} application(s)")
        return 0
    view = ftv.application(uow(), me, args.id)
    row = view.row
    print(
        f"application {row.id}: {row.subject} {row.reference} ({row.campaign_code or '-'}), "
        f"unit {row.unit_code}"
    )
    print(f"status: {row.status}; next: {', '.join(view.next_steps) or '-'}")
    print(f"applicant: {row.applicant}; filed by {view.filed_by}")
    print(f"reasons: {view.reasons}")
    print(f"consequence declared: {view.declared_consequence}; now: {row.consequence}")
    if row.evidence_name:
        print(f"evidence: {row.evidence_name} ({view.evidence_size} bytes)")
    if view.decided_by:
        print(f"decision: {view.decision_body} {row.decision_document} {view.decision_note}".rstrip())
    print(f"case exempt: {'yes' if view.case_exempt else 'no'}")
    for h in view.history:
        print(f"  {h.at.isoformat(timespec='seconds')}\t{h.actor}\t{h.action}\t{h.status}\t{h.note}")
    return 0
