"""The three rates (三率) and the monthly inspection bulletin for ``python -m db`` (see
db/cli.py COMMAND_MODULES):

    python -m db inspection-results rates CAMPAIGN [--month YYYY-MM | --from DATE --to DATE] [--round CODE]
    python -m db inspection-results rule CAMPAIGN [--feed rates|deductions] [--attendance CODE]
        [--on-post CODE] [--focus CODE] [--points P]
    python -m db inspection-results feed CAMPAIGN (--month YYYY-MM | --from DATE --to DATE) [--reason TEXT]
    python -m db inspection-results deductions CAMPAIGN (--month YYYY-MM | --from DATE --to DATE)
    python -m db inspection-results bulletin CAMPAIGN YYYY-MM [--public | --private]

``rule`` without ``--feed`` prints the rule; with it, sets it (an indicator not named is
no longer fed). A refusal (unknown campaign or indicator, the rule feeding the other way,
a published campaign) exits 1; a bad date or month exits 2. The operator acts with an
admin's rights, audited as ``cli``. Services are imported inside the functions.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import date
from typing import Any

COMMAND = "inspection-results"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def _month(text: str) -> tuple[int, int]:
    try:
        year, month = text.split("-")
        value = int(year), int(month)
        date(value[0], value[1], 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month; write it as YYYY-MM") from None
    return value


def _period_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--month", type=_month, metavar="YYYY-MM", help="a calendar month (Beijing days)")
    parser.add_argument("--from", dest="starts_on", type=_date, metavar="DATE", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="ends_on", type=_date, metavar="DATE", help="last day, YYYY-MM-DD")


def add_commands(sub: Any) -> None:
    """Add ``inspection-results`` to ``python -m db``'s subparsers."""
    top = sub.add_parser(
        COMMAND, help="the three rates (三率) of inspection visits, their feed, the monthly bulletin (通报)"
    )
    verbs = top.add_subparsers(dest="results_command", required=True)
    rates = verbs.add_parser("rates", help="per unit with verified visits: visits, the three rates, findings")
    rates.add_argument("campaign", metavar="CAMPAIGN_ID")
    _period_options(rates)
    rates.add_argument("--round", dest="round_code", metavar="CODE", help="only this round's visits")
    rule = verbs.add_parser("rule", help="show or set what the inspections feed")
    rule.add_argument("campaign", metavar="CAMPAIGN_ID")
    rule.add_argument("--feed", choices=["rates", "deductions"])
    rule.add_argument("--attendance", metavar="CODE", help="the indicator taking 到岗率")
    rule.add_argument("--on-post", dest="on_post", metavar="CODE", help="the indicator taking 在岗率")
    rule.add_argument("--focus", metavar="CODE", help="the indicator taking 专注率")
    rule.add_argument("--points", type=float, help="points deducted per verified finding (default 0.5)")
    feed = verbs.add_parser("feed", help="write the rates as the rule's indicator values")
    feed.add_argument("campaign", metavar="CAMPAIGN_ID")
    _period_options(feed)
    feed.add_argument("--reason", default="", help="the correction reason a frozen indicator needs")
    deductions = verbs.add_parser(
        "deductions", help="turn verified findings into deductions (rerun replaces)"
    )
    deductions.add_argument("campaign", metavar="CAMPAIGN_ID")
    _period_options(deductions)
    bulletin = verbs.add_parser(
        "bulletin", help="print a month's bulletin; --public/--private to show it or not"
    )
    bulletin.add_argument("campaign", metavar="CAMPAIGN_ID")
    bulletin.add_argument("month", type=_month, metavar="YYYY-MM")
    public = bulletin.add_mutually_exclusive_group()
    public.add_argument("--public", dest="public", action="store_true", default=None)
    public.add_argument("--private", dest="public", action="store_false")


def run(args: argparse.Namespace) -> int | None:
    """Run ``inspection-results``; None when ``args.command`` is another command."""
    if args.command != COMMAND:
        return None
    from services.errors import ServiceError

    try:
        return _run(args)
    except _BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


class _BadInput(Exception):
    pass


def _period(args: argparse.Namespace, *, required: bool) -> tuple[date | None, date | None]:
    from services.inspection_bulletin import month_bounds

    if args.month is not None:
        if args.starts_on is not None or args.ends_on is not None:
            raise _BadInput("give --month or --from/--to, not both")
        return month_bounds(*args.month)
    if required and (args.starts_on is None or args.ends_on is None):
        raise _BadInput("give the period: --month YYYY-MM, or --from DATE and --to DATE")
    return args.starts_on, args.ends_on


def _pct(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.2f}"


def _run(args: argparse.Namespace) -> int:
    from db.uow import UnitOfWork
    from services import inspection_bulletin as bulletins
    from services import inspection_rates as rates
    from services.auth import CLI_OPERATOR as me

    def uow() -> UnitOfWork:
        return UnitOfWork(actor="cli")

    verb = args.results_command
    if verb == "rates":
        starts_on, ends_on = _period(args, required=False)
        rows = rates.unit_rates(
            uow(), me, args.campaign, starts_on=starts_on, ends_on=ends_on, round_code=args.round_code
        )
        print(
            "unit_id\tname\tvisits\texpected\tattendance_rate\ton_post_rate\tfocus_rate\tfindings\tfirst\tlast"
        )
        for r in rows:
            harms = " ".join(f"{h}{n}" for h, n in r.findings.items())
            print(
                f"{r.unit_code}\t{r.unit_name}\t{r.visits}\t{r.expected}\t{_pct(r.attendance_rate)}\t"
                f"{_pct(r.on_post_rate)}\t{_pct(r.focus_rate)}\t{harms}\t{r.first_visit}\t{r.last_visit}"
            )
        print(f"{len(rows)} unit(s) with verified visits")
        return 0
    if verb == "rule":
        if args.feed is None:
            if any(getattr(args, n) is not None for n in ("attendance", "on_post", "focus", "points")):
                raise _BadInput("give --feed to set the rule")
            rule = rates.get_rule(uow(), me, args.campaign)
        else:
            current = rates.get_rule(uow(), me, args.campaign)
            chosen = {r: getattr(args, r) for r in rates.RATES if getattr(args, r)}
            rule = rates.set_rule(
                uow(),
                me,
                args.campaign,
                feed=args.feed,
                indicators=chosen,
                points_per_finding=current.points_per_finding if args.points is None else args.points,
            )
        named = ", ".join(f"{r} → {c}" for r, c in rule.indicators.items()) or "none"
        print(f"feed: {rule.feed}\nindicators: {named}\npoints per finding: {rule.points_per_finding:g}")
        return 0
    if verb == "feed":
        starts_on, ends_on = _period(args, required=True)
        assert starts_on is not None and ends_on is not None
        report = rates.feed_rates(
            uow(), me, args.campaign, starts_on=starts_on, ends_on=ends_on, reason=args.reason
        )
        print(
            f"{len(report.units_fed)} unit(s) fed into {', '.join(report.indicators.values())}: "
            f"{report.added} added, {report.changed} changed, {report.unchanged} unchanged, "
            f"{report.corrections} correction(s)"
        )
        if report.units_without_visits:
            print(f"kept their values (no verified visit): {', '.join(report.units_without_visits)}")
        return 0
    if verb == "deductions":
        starts_on, ends_on = _period(args, required=True)
        assert starts_on is not None and ends_on is not None
        done = rates.feed_finding_deductions(uow(), me, args.campaign, starts_on=starts_on, ends_on=ends_on)
        for e in done.entries:
            print(f"{e.unit_code}\t{e.unit_name}\t{e.findings} finding(s)\t-{e.points:g}")
        print(
            f"{len(done.entries)} deduction(s) as {done.source} "
            f"({done.points_per_finding:g} per finding, cap {done.cap:g}); replaced {done.replaced}"
        )
        return 0
    year, month = args.month
    if args.public is not None:
        changed = bulletins.set_public(uow(), me, args.campaign, year, month, args.public)
        state = "public" if args.public else "not public"
        print(f"{year:04d}-{month:02d} is {state}" + ("" if changed else " (unchanged)"))
        return 0
    b = bulletins.monthly_bulletin(uow(), me, args.campaign, year, month)
    print(
        f"{b.campaign_name} {b.month_key}: {b.visits} visit(s) to {b.units_visited} unit(s), "
        f"{b.n_findings} finding(s); {'public' if b.public else 'not public'}"
    )
    print(
        f"three rates: {_pct(b.attendance_rate)} / {_pct(b.on_post_rate)} / {_pct(b.focus_rate)}"
        if b.visits
        else "no verified visit"
    )
    for u in b.units_with_findings:
        print(f"{u.unit_code}\t{u.unit_name}\t" + " ".join(f"{h}{n}" for h, n in u.by_harm.items()))
        for f in u.findings:
            print(f"\t{f.visited_on}\t{f.harm}\t{f.description}")
    if b.lowest:
        print(
            "lowest: "
            + ", ".join(
                f"{r.unit_code} {_pct(r.attendance_rate)}/{_pct(r.on_post_rate)}/{_pct(r.focus_rate)}"
                for r in b.lowest
            )
        )
    return 0
