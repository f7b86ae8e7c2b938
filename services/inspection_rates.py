"""The three rates of inspection visits (三率: 到岗率、在岗率、专注率) and what they feed.

* :func:`unit_rates`: per campaign unit with at least one verified visit in a period (the
  Beijing calendar days of ``visited_at``, both ends included; or one round's visits),
  the visits, the head-count sums, the three rates pooled over the visits
  (:func:`scoring.registries.three_rates`), the verified findings by harm (十二害) and the
  first and last visit day.
* The rule (``Campaign.design["inspections"]``, audited when changed, exported with the
  bundle's ``[platform.design]``): ``feed`` is ``rates`` (the rates become the values of
  up to three higher-is-better indicators) or ``deductions`` (each verified finding
  deducts ``points_per_finding``, at most the method's deduction cap). Only one of the
  two, so that a finding is not counted twice (it already lowers the rates).
* :func:`feed_rates` writes every visited unit's rates as its indicator values with their
  provenance (``computed from N visits between YYYY-MM-DD and YYYY-MM-DD``); units without
  a visit keep what they had. Freeze dates are respected as for imported values
  (services/indicators.py): after one, a change needs a correction reason.
* :func:`feed_finding_deductions` writes one deduction per unit with verified findings,
  with a CSV of the findings as evidence; a rerun over the same period replaces its own
  entries (``Adjustment.source`` ``inspections:<start>..<end>``), never duplicates them.

Permission: :attr:`Permission.manage_registries` (admins). Nothing changes once the
campaign is published (:func:`services.campaigns.assert_inputs_editable`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

import numpy as np
from sqlalchemy import select

from db import audit
from db.models import Adjustment, Campaign, CampaignUnit, Indicator, IndicatorValue, Unit
from db.models_registries import InspectionFinding, InspectionRound, InspectionVisit
from db.uow import UnitOfWork
from scoring.registries import HARMS, finding_deductions, three_rates
from scoring.textrules import formula_like
from services.adjustments import enter_adjustment, withdraw_adjustment
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import Clock, beijing_day, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

# China keeps one time zone without daylight saving: a fixed offset is exact.
RULE_KEY: Final = "inspections"
FEEDS: Final = ("rates", "deductions")
#: The rates a rule can feed, in the order they are shown.
RATES: Final = ("attendance", "on_post", "focus")
DEFAULT_POINTS: Final = 0.5
SOURCE_SYSTEM: Final = "明察暗访"
SOURCE_PREFIX: Final = "inspections:"
VERIFIED: Final = "verified"
PROVENANCE: Final = re.compile(
    r"^computed from (\d+) visits? between (\d{4}-\d{2}-\d{2}) and (\d{4}-\d{2}-\d{2})$"
)
EVIDENCE_COLUMNS: Final = ("visit_date", "round", "harm", "description")
# cells that a spreadsheet would run as a formula get a leading apostrophe in the evidence


@dataclass(frozen=True, slots=True)
class UnitRates:
    """One unit's verified visits of a period, pooled."""

    unit_code: str
    unit_name: str
    category: str
    visits: int
    expected: int
    present: int
    on_post: int
    focused: int
    attendance_rate: float  # 到岗率, percent
    on_post_rate: float  # 在岗率
    focus_rate: float  # 专注率
    findings: dict[str, int]  # harm -> verified findings, in the order of HARMS
    first_visit: date
    last_visit: date

    @property
    def n_findings(self) -> int:
        return sum(self.findings.values())

    def rate(self, which: str) -> float:
        return {"attendance": self.attendance_rate, "on_post": self.on_post_rate, "focus": self.focus_rate}[
            which
        ]


@dataclass(frozen=True, slots=True)
class InspectionRule:
    """``Campaign.design["inspections"]`` without the public months (see
    services/inspection_bulletin.py)."""

    feed: str = "rates"
    indicators: dict[str, str] = field(default_factory=dict)  # rate -> indicator code
    points_per_finding: float = DEFAULT_POINTS


@dataclass(frozen=True, slots=True)
class FeedReport:
    """What :func:`feed_rates` wrote."""

    starts_on: date
    ends_on: date
    indicators: dict[str, str]  # rate -> indicator code
    units_fed: list[str]  # codes of the units with visits, whose values were written
    units_without_visits: list[str]  # codes of the units that kept what they had
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    corrections: int = 0


@dataclass(frozen=True, slots=True)
class DeductionEntry:
    unit_code: str
    unit_name: str
    findings: int
    points: float


@dataclass(frozen=True, slots=True)
class DeductionReport:
    """What :func:`feed_finding_deductions` wrote: the entries of ``source`` now, and how
    many earlier entries of the same source they replaced."""

    starts_on: date
    ends_on: date
    source: str
    entries: list[DeductionEntry]
    replaced: int
    points_per_finding: float
    cap: float


@dataclass(frozen=True, slots=True)
class Visit:
    """A verified visit as the rates and the bulletin need it (no inspector, no photos)."""

    id: int
    unit_id: int
    round_code: str
    visited_on: date  # Beijing calendar day
    expected: int
    present: int
    on_post: int
    focused: int
    findings: list[tuple[str, str]]  # (harm, description)


# ---------------------------------------------------------------- reading


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def check_period(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise Refused(f"the period ends ({ends_on}) before it starts ({starts_on})")


def campaign_units(uow: UnitOfWork, campaign: Campaign) -> list[tuple[int, str, str, str]]:
    """(unit id, code, name, category) of the campaign's units in the campaign's order."""
    return [
        (int(uid), str(code), str(name or code), str(category or ""))
        for uid, code, name, category in uow.session.execute(
            select(Unit.id, Unit.code, CampaignUnit.name, CampaignUnit.category)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position, Unit.code)
        )
    ]


def verified_visits(
    uow: UnitOfWork,
    campaign: Campaign,
    starts_on: date | None = None,
    ends_on: date | None = None,
    round_code: str | None = None,
) -> list[Visit]:
    """The campaign's verified visits whose Beijing day is in the period (and round), in
    the order they were made."""
    check_period(starts_on, ends_on)
    query = (
        select(InspectionVisit, InspectionRound.code)
        .join(InspectionRound, InspectionRound.id == InspectionVisit.round_id)
        .where(InspectionRound.campaign_id == campaign.id, InspectionVisit.status == VERIFIED)
        .order_by(InspectionVisit.visited_at, InspectionVisit.id)
    )
    if round_code is not None:
        found = uow.session.execute(
            select(InspectionRound.id).where(
                InspectionRound.campaign_id == campaign.id, InspectionRound.code == round_code
            )
        ).scalar()
        if found is None:
            raise NotFound(f"campaign {campaign.code} has no inspection round {round_code!r}")
        query = query.where(InspectionRound.code == round_code)
    if starts_on is not None:  # a margin of a day either side: the exact cut is made in Beijing time
        query = query.where(InspectionVisit.visited_at >= _utc_midnight(starts_on - timedelta(days=1)))
    if ends_on is not None:
        query = query.where(InspectionVisit.visited_at < _utc_midnight(ends_on + timedelta(days=2)))
    rows = []
    for visit, code in uow.session.execute(query).all():
        day = beijing_day(visit.visited_at)
        if (starts_on is not None and day < starts_on) or (ends_on is not None and day > ends_on):
            continue
        rows.append((visit, code, day))
    findings: dict[int, list[tuple[str, str]]] = {}
    ids = [v.id for v, _, _ in rows]
    for start in range(0, len(ids), 500):
        for visit_id, harm, description in uow.session.execute(
            select(InspectionFinding.visit_id, InspectionFinding.harm, InspectionFinding.description)
            .where(InspectionFinding.visit_id.in_(ids[start : start + 500]))
            .order_by(InspectionFinding.id)
        ):
            findings.setdefault(int(visit_id), []).append((str(harm), str(description or "")))
    return [
        Visit(
            id=v.id,
            unit_id=v.unit_id,
            round_code=str(code),
            visited_on=day,
            expected=v.staff_expected,
            present=v.staff_present,
            on_post=v.staff_on_post,
            focused=v.staff_focused,
            findings=findings.get(v.id, []),
        )
        for v, code, day in rows
    ]


def pooled(units: list[tuple[int, str, str, str]], visits: list[Visit]) -> list[UnitRates]:
    """The rates of every unit of ``units`` with a visit in ``visits``, in the units' order."""
    index = {uid: k for k, (uid, _, _, _) in enumerate(units)}
    kept = [v for v in visits if v.unit_id in index]
    rates = three_rates(
        np.array([index[v.unit_id] for v in kept], dtype=np.int64),
        np.array([v.expected for v in kept], dtype=np.int64),
        np.array([v.present for v in kept], dtype=np.int64),
        np.array([v.on_post for v in kept], dtype=np.int64),
        np.array([v.focused for v in kept], dtype=np.int64),
        len(units),
    )
    out = []
    for k, (uid, code, name, category) in enumerate(units):
        if rates.visits[k] == 0:
            continue
        mine = [v for v in kept if v.unit_id == uid]
        counted = Counter(harm for v in mine for harm, _ in v.findings)
        harms = {h: counted[h] for h in HARMS if counted[h]}
        harms.update({h: n for h, n in sorted(counted.items()) if h not in HARMS})
        out.append(
            UnitRates(
                unit_code=code,
                unit_name=name,
                category=category,
                visits=int(rates.visits[k]),
                expected=int(rates.expected[k]),
                present=int(rates.present[k]),
                on_post=int(rates.on_post[k]),
                focused=int(rates.focused[k]),
                attendance_rate=float(rates.attendance_rate[k]),
                on_post_rate=float(rates.on_post_rate[k]),
                focus_rate=float(rates.focus_rate[k]),
                findings=harms,
                first_visit=min(v.visited_on for v in mine),
                last_visit=max(v.visited_on for v in mine),
            )
        )
    return out


def unit_rates(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    *,
    starts_on: date | None = None,
    ends_on: date | None = None,
    round_code: str | None = None,
) -> list[UnitRates]:
    """Per campaign unit with at least one verified visit in the period: the three rates."""
    require(user, Permission.manage_registries)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        return pooled(
            campaign_units(uow, campaign), verified_visits(uow, campaign, starts_on, ends_on, round_code)
        )


def round_codes(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[tuple[str, str]]:
    """(code, name) of the campaign's inspection rounds, the earliest first."""
    require(user, Permission.manage_registries)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        return [
            (str(code), str(name or code))
            for code, name in uow.session.execute(
                select(InspectionRound.code, InspectionRound.name)
                .where(InspectionRound.campaign_id == campaign.id)
                .order_by(InspectionRound.starts_on, InspectionRound.code)
            )
        ]


# ---------------------------------------------------------------- the rule


def stored_settings(campaign: Campaign) -> dict[str, Any]:
    """``Campaign.design["inspections"]`` as stored (a copy; empty when never set)."""
    raw = (campaign.design or {}).get(RULE_KEY)
    return dict(raw) if isinstance(raw, Mapping) else {}


def save_settings(campaign: Campaign, settings: dict[str, Any]) -> None:
    """Store the settings as a new design dict (the JSON column sees the change)."""
    campaign.design = {**dict(campaign.design or {}), RULE_KEY: settings}


def rule_of(campaign: Campaign) -> InspectionRule:
    raw = stored_settings(campaign)
    feed = raw.get("feed") if raw.get("feed") in FEEDS else "rates"
    codes = raw.get("indicators") if isinstance(raw.get("indicators"), Mapping) else {}
    points = raw.get("points_per_finding", DEFAULT_POINTS)
    if isinstance(points, bool) or not isinstance(points, int | float) or not math.isfinite(points):
        points = DEFAULT_POINTS
    return InspectionRule(
        feed=str(feed),
        indicators={r: str(codes[r]) for r in RATES if isinstance(codes.get(r), str) and codes[r]},
        points_per_finding=float(points),
    )


def _rule_dict(rule: InspectionRule) -> dict[str, Any]:
    return {
        "feed": rule.feed,
        "indicators": dict(rule.indicators),
        "points_per_finding": rule.points_per_finding,
    }


def get_rule(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> InspectionRule:
    """The campaign's rule (feed ``rates`` without indicators until one is set)."""
    require(user, Permission.manage_registries)
    with uow:
        return rule_of(load_campaign(uow, campaign_code))


def _deduction_cap(campaign: Campaign) -> float:
    from services.adjustments import campaign_caps  # the method's parser: not for the public bulletin

    return campaign_caps(campaign).deduction


def _check_indicator(uow: UnitOfWork, campaign: Campaign, rate: str, code: str) -> Indicator:
    indicator = uow.session.execute(
        select(Indicator).where(Indicator.campaign_id == campaign.id, Indicator.code == code)
    ).scalar()
    if indicator is None:
        raise NotFound(f"indicators.{rate}: campaign {campaign.code} has no indicator {code!r}")
    if indicator.direction != "higher":
        raise Refused(
            f"indicators.{rate}: indicator {code} is lower-is-better; "
            "a rate needs a higher-is-better indicator"
        )
    return indicator


def set_rule(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    *,
    feed: str,
    indicators: Mapping[str, str] | None = None,
    points_per_finding: float = DEFAULT_POINTS,
) -> InspectionRule:
    """Set the rule: what the inspections feed, which indicator takes which rate (each an
    existing higher-is-better indicator of the campaign, each at most once), and the
    points a finding deducts (positive, at most the method's deduction cap)."""
    actor = require(user, Permission.manage_registries)
    if feed not in FEEDS:
        raise Refused(f"feed must be one of {', '.join(FEEDS)}, not {feed!r}")
    chosen = {
        str(r): str(c).strip() for r, c in (indicators or {}).items() if c is not None and str(c).strip()
    }
    unknown = [r for r in chosen if r not in RATES]
    if unknown:
        raise Refused(f"indicators: unknown rate {unknown[0]!r} (one of {', '.join(RATES)})")
    twice = [c for c, n in Counter(chosen.values()).items() if n > 1]
    if twice:
        raise Refused(f"indicators: indicator {twice[0]} is given for two rates; one rate per indicator")
    if (
        isinstance(points_per_finding, bool)
        or not isinstance(points_per_finding, int | float)
        or not math.isfinite(points_per_finding)
        or points_per_finding <= 0
    ):
        raise Refused(f"points_per_finding must be a positive number, not {points_per_finding!r}")
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        cap = _deduction_cap(campaign)
        if points_per_finding > cap:
            raise Refused(
                f"points_per_finding {points_per_finding:g} exceeds the method's deduction cap of {cap:g}"
            )
        for rate, code in chosen.items():
            _check_indicator(uow, campaign, rate, code)
        before = _rule_dict(rule_of(campaign)) if stored_settings(campaign) else None
        rule = InspectionRule(
            feed=feed,
            indicators={r: chosen[r] for r in RATES if r in chosen},
            points_per_finding=float(points_per_finding),
        )
        after = _rule_dict(rule)
        if before != after:
            save_settings(campaign, {**stored_settings(campaign), **after})
            audit.record(uow, "inspections.rule", "campaign", campaign.code, before, after)
            uow.commit()
        return rule


# ---------------------------------------------------------------- feeding the indicators


def provenance_text(visits: int, starts_on: date, ends_on: date) -> str:
    """What :func:`feed_rates` stores as a value's provenance (English; pages translate it
    with :func:`parse_provenance`)."""
    return f"computed from {visits} visit{'' if visits == 1 else 's'} between {starts_on} and {ends_on}"


def parse_provenance(text: str) -> tuple[int, date, date] | None:
    """(visits, first day, last day) of a provenance written by :func:`feed_rates`, else None."""
    found = PROVENANCE.match(text or "")
    if found is None:
        return None
    return int(found[1]), date.fromisoformat(found[2]), date.fromisoformat(found[3])


def value_provenance(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, indicator_code: str
) -> dict[str, str]:
    """unit code -> the provenance of its value of the indicator (only values that have one)."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        return {
            str(code): str(text)
            for code, text in uow.session.execute(
                select(Unit.code, IndicatorValue.provenance)
                .join(IndicatorValue, IndicatorValue.unit_id == Unit.id)
                .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
                .where(Indicator.campaign_id == campaign.id, Indicator.code == indicator_code)
            )
            if text
        }


def feed_rates(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    *,
    starts_on: date,
    ends_on: date,
    reason: str = "",
    clock: Clock = utcnow,
) -> FeedReport:
    """Write every visited unit's rates over the period as its values of the rule's
    indicators (source system 明察暗访, with the provenance); units without a verified
    visit keep what they had. A frozen indicator needs ``reason`` (each changed value is
    then audited as a correction). Refused when the rule feeds deductions."""
    from services import indicators as indicator_service  # its file readers: not for the public bulletin

    actor = require(user, Permission.manage_registries)
    check_period(starts_on, ends_on)
    reason = reason.strip()
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        rule = rule_of(campaign)
        if rule.feed != "rates":
            raise Refused(
                f"campaign {campaign.code}'s inspection rule feeds deductions, not the indicators: "
                "change the rule's feed to rates first"
            )
        if not rule.indicators:
            raise Refused(f"campaign {campaign.code}'s inspection rule names no indicator for the rates")
        units = campaign_units(uow, campaign)
        found = pooled(units, verified_visits(uow, campaign, starts_on, ends_on))
        by_code = {r.unit_code: r for r in found}
        uid = {code: u for u, code, _, _ in units}
        unit_codes = {u: code for u, code, _, _ in units}
        provenance = {uid[r.unit_code]: provenance_text(r.visits, starts_on, ends_on) for r in found}
        counts = indicator_service.ImportReport(rows=len(found))
        for rate, code in rule.indicators.items():
            indicator = _check_indicator(uow, campaign, rate, code)
            values: dict[int, float | None] = {uid[c]: round(r.rate(rate), 10) for c, r in by_code.items()}
            indicator_service._apply(
                uow,
                campaign,
                indicator,
                values,
                unit_codes,
                SOURCE_SYSTEM,
                reason,
                counts,
                clock,
                provenance,
            )
        report = FeedReport(
            starts_on=starts_on,
            ends_on=ends_on,
            indicators=dict(rule.indicators),
            units_fed=[r.unit_code for r in found],
            units_without_visits=[code for _, code, _, _ in units if code not in by_code],
            added=counts.added,
            changed=counts.changed,
            unchanged=counts.unchanged,
            corrections=counts.corrections,
        )
        audit.record(
            uow,
            "inspections.feed_rates",
            "campaign",
            campaign.code,
            None,
            {
                "period": f"{starts_on}..{ends_on}",
                "indicators": dict(rule.indicators),
                "units_fed": len(report.units_fed),
                "units_without_visits": len(report.units_without_visits),
                "visits": sum(r.visits for r in found),
                "added": report.added,
                "changed": report.changed,
                "unchanged": report.unchanged,
                "corrections": report.corrections,
                **({"reason": reason} if reason else {}),
            },
        )
        uow.commit()
        return report


# ---------------------------------------------------------------- findings into deductions


def deduction_source(starts_on: date, ends_on: date) -> str:
    return f"{SOURCE_PREFIX}{starts_on}..{ends_on}"


def _cell(text: str) -> str:
    return "'" + text if formula_like(text) else text


def findings_csv(visits: list[Visit]) -> bytes:
    """The findings of ``visits`` as UTF-8 CSV (with a BOM, for spreadsheets): visit day,
    round, harm, description; no inspector and no other personal data."""
    return findings_csv_rows(
        (v.visited_on, v.round_code, harm, description) for v in visits for harm, description in v.findings
    )


def findings_csv_rows(rows: Iterable[tuple[date, str, str, str]]) -> bytes:
    """:func:`findings_csv` of (visit day, round, harm, description) rows (the demo's too)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EVIDENCE_COLUMNS)
    for day, round_code, harm, description in rows:
        writer.writerow([day.isoformat(), _cell(round_code), _cell(harm), _cell(description)])
    return out.getvalue().encode("utf-8-sig")


def _harm_text(findings: Mapping[str, int]) -> str:
    return "、".join(f"{h}{n}" if n > 1 else h for h, n in findings.items())


def deduction_reason(findings: Mapping[str, int], starts_on: date, ends_on: date, per_finding: float) -> str:
    n = sum(findings.values())
    return (
        f"明察暗访核实问题{n}个（{_harm_text(findings)}），{starts_on}至{ends_on}，每个扣{per_finding:g}分"
        f" / {n} verified inspection finding{'' if n == 1 else 's'} ({_harm_text(findings)}) "
        f"between {starts_on} and {ends_on}, {per_finding:g} point{'' if per_finding == 1 else 's'} each"
    )


def feed_finding_deductions(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, *, starts_on: date, ends_on: date
) -> DeductionReport:
    """One deduction per unit with verified findings in the period: ``points_per_finding``
    each, at most the method's deduction cap, with the findings as a CSV evidence file.
    Entries an earlier run over the same period wrote are replaced. Refused when the rule
    feeds the rates."""
    actor = require(user, Permission.manage_registries)
    check_period(starts_on, ends_on)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        rule = rule_of(campaign)
        if rule.feed != "deductions":
            raise Refused(
                f"campaign {campaign.code}'s inspection rule feeds the rates into indicators, not "
                "deductions: change the rule's feed to deductions first"
            )
        cap = _deduction_cap(campaign)
        source = deduction_source(starts_on, ends_on)
        units = campaign_units(uow, campaign)
        visits = verified_visits(uow, campaign, starts_on, ends_on)
        found = [r for r in pooled(units, visits) if r.n_findings]
        uid = {code: u for u, code, _, _ in units}
        code_of = {u: code for u, code, _, _ in units}
        old = list(
            uow.session.execute(
                select(Adjustment)
                .where(Adjustment.campaign_id == campaign.id, Adjustment.source == source)
                .order_by(Adjustment.position, Adjustment.id)
            ).scalars()
        )
        before = {code_of.get(a.unit_id, str(a.unit_id)): a.points for a in old}
        for a in old:
            why = {"reason": f"replaced by a new feed of {source}"}
            withdraw_adjustment(uow, a, code_of.get(a.unit_id, str(a.unit_id)), why)
        points = finding_deductions(np.array([r.n_findings for r in found]), rule.points_per_finding, cap)
        entries = []
        for k, r in enumerate(found):
            p = float(points[k])
            if p <= 0:
                continue
            mine = [v for v in visits if v.unit_id == uid[r.unit_code] and v.findings]
            enter_adjustment(
                uow,
                campaign,
                unit_id=uid[r.unit_code],
                unit_code=r.unit_code,
                kind="deduction",
                points=p,
                reason=deduction_reason(r.findings, starts_on, ends_on, rule.points_per_finding),
                evidence_name=f"inspections-{r.unit_code}-{starts_on}-{ends_on}.csv"[:200],
                evidence=findings_csv(mine),
                source=source,
            )
            entries.append(DeductionEntry(r.unit_code, r.unit_name, r.n_findings, p))
        after = {e.unit_code: e.points for e in entries}
        audit.record(
            uow,
            "inspections.feed_deductions",
            "campaign",
            campaign.code,
            {"source": source, "deductions": before} if old else None,
            {
                "source": source,
                "deductions": after,
                "findings": sum(e.findings for e in entries),
                "points_per_finding": rule.points_per_finding,
                "cap": cap,
            },
        )
        uow.commit()
        return DeductionReport(
            starts_on=starts_on,
            ends_on=ends_on,
            source=source,
            entries=entries,
            replaced=len(old),
            points_per_finding=rule.points_per_finding,
            cap=cap,
        )
