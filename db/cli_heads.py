"""What was done about the heads (主要负责人) of units whose card recommends their removal,
for ``python -m db`` (see db/cli.py COMMAND_MODULES; services/heads.py):

    python -m db heads pending [CAMPAIGN_ID]
    python -m db heads record CARD_ID --outcome removed --decided-on DATE --body TEXT --document TEXT
        [--reason TEXT] [--new-head NAME --new-head-since DATE]
    python -m db heads record CARD_ID --outcome not_removed --reason TEXT
        [--decided-on DATE --body TEXT --document TEXT]
    python -m db heads correct CARD_ID --correction TEXT --outcome ... (as record, without the new head)
    python -m db heads list CAMPAIGN_ID
    python -m db heads close CARD_ID   (an escalated card, once its head action and ledger items are done)

``pending`` lists the cards recommending a removal with nothing recorded yet (their
CARD_ID first). A refusal (a missing field, a card without the recommendation, one
already recorded, the unit register refusing the new head...) exits 1; a date that is not
YYYY-MM-DD exits 2. The operator acts with an admin's rights, audited as ``cli``
(services.auth.CLI_OPERATOR). Services are imported inside the functions, as db/cli.py
does, so ``python -m db upgrade`` stays quick.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def _action_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("card", type=int, metavar="CARD_ID", help="the card case's id (see heads pending)")
    parser.add_argument("--outcome", required=True, choices=["removed", "not_removed"])
    parser.add_argument("--decided-on", type=_date, metavar="DATE", help="the date of the decision")
    parser.add_argument("--body", default="", help="the deciding body (决定机关)")
    parser.add_argument("--document", default="", help="the decision's document number (文号)")
    parser.add_argument("--reason", default="", help="required when not removed")


def add_commands(sub: Any) -> None:
    """Add ``heads pending|record|correct|list|close`` to ``python -m db``'s subparsers."""
    parser = sub.add_parser(
        "heads", help="what was done about the heads of units whose card recommends their removal (就地免职)"
    )
    verbs = parser.add_subparsers(dest="heads_command", required=True)
    pending = verbs.add_parser("pending", help="cards recommending a removal with nothing recorded yet")
    pending.add_argument("campaign", nargs="?", metavar="CAMPAIGN_ID", help="default: every campaign")
    record = verbs.add_parser("record", help="record what was done about the head, once per card (audited)")
    _action_options(record)
    record.add_argument(
        "--new-head", default="", metavar="NAME", help="a removal's new head: the register follows"
    )
    record.add_argument(
        "--new-head-since", type=_date, metavar="DATE", help="the date the new head took post"
    )
    correct = verbs.add_parser("correct", help="correct a recorded action, with the reason (audited)")
    _action_options(correct)
    correct.add_argument("--correction", required=True, help="why it is corrected")
    listing = verbs.add_parser("list", help="the campaign's recorded head actions")
    listing.add_argument("campaign", metavar="CAMPAIGN_ID")
    close = verbs.add_parser(
        "close", help="close an escalated card once its head action and ledger items are done (audited)"
    )
    close.add_argument("card", type=int, metavar="CARD_ID")


def _line(view: Any) -> str:
    head = view.head_name or "(head not recorded)"
    if view.outcome == "removed":
        text = f"{head} removed on {view.decided_on} by {view.decision_body} ({view.document_number})"
    else:
        text = f"{head} not removed: {view.reason}"
        if view.decided_on:
            text += f"; decision {view.decided_on} by {view.decision_body} ({view.document_number})"
    if view.new_head_name:
        text += f"; new head {view.new_head_name} since {view.new_head_since}"
    return f"card {view.card_id}\t{view.campaign}\t{view.unit_code}\t{text}"


def run(args: argparse.Namespace) -> int | None:
    """Run ``heads ...``; None when ``args.command`` is another command."""
    if args.command != "heads":
        return None
    from db.uow import UnitOfWork
    from services import auth, cards, heads
    from services.errors import ServiceError

    def uow() -> UnitOfWork:
        return UnitOfWork(actor="cli")

    me = auth.CLI_OPERATOR
    verb = args.heads_command
    try:
        if verb == "pending":
            rows = heads.pending_head_actions(uow(), me, args.campaign)
            for p in rows:
                head = p.head_name or "(head not recorded)"
                print(f"card {p.card_id}\t{p.campaign}\t{p.unit_code}\t{p.unit_name}\t{head}\t{p.status}")
            print(f"{len(rows)} recommended removal(s) with nothing recorded")
            return 0
        if verb == "list":
            views = heads.head_actions(uow(), me, args.campaign)
            for view in views:
                print(_line(view))
            print(f"{len(views)} head action(s)")
            return 0
        if verb == "close":
            cards.close_card(uow(), me, args.card)
            print(f"card {args.card} closed")
            return 0
        fields = {
            "outcome": args.outcome,
            "decided_on": args.decided_on,
            "decision_body": args.body,
            "document_number": args.document,
            "reason": args.reason,
        }
        if verb == "record":
            view = heads.record_head_action(
                uow(),
                me,
                args.card,
                **fields,
                new_head_name=args.new_head,
                new_head_since=args.new_head_since,
            )
            print(f"recorded: {_line(view)}")
            if view.new_head_name:
                print(f"the unit register's head of {view.unit_code} is now {view.new_head_name}")
            return 0
        view = heads.correct_head_action(uow(), me, args.card, correction=args.correction, **fields)
        print(f"corrected: {_line(view)}")
        return 0
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
