"""The monthly inspection bulletin (明察暗访通报): a month's verified visits of a campaign,
the units with findings (each finding typed with one of the twelve harms, with its
description), the units with the lowest three rates, and the totals.

Admins (:attr:`Permission.manage_registries`) preview any month and mark it public; the
public months are kept in ``Campaign.design["inspections"]["public_months"]`` (``YYYY-MM``,
audited). :func:`public_bulletins` is for anyone: only public months, and never an
inspector's name or a photo (a :class:`Bulletin` holds neither).
"""

from __future__ import annotations

import calendar
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy import select

from db import audit
from db.models import Campaign
from db.uow import UnitOfWork
from scoring.registries import HARMS
from services.campaigns import assert_inputs_editable, load_campaign
from services.errors import Refused
from services.inspection_rates import (
    UnitRates,
    Visit,
    campaign_units,
    pooled,
    save_settings,
    stored_settings,
    verified_visits,
)
from services.permissions import CurrentUser, Permission, require

PUBLIC_MONTHS: Final = "public_months"
#: How many units the bulletin lists as the lowest in the three rates.
LOWEST: Final = 3
_MONTH: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class BulletinFinding:
    visited_on: date
    harm: str
    description: str


@dataclass(frozen=True, slots=True)
class BulletinUnit:
    """A unit with findings in the month: its findings by harm (in the order of HARMS)."""

    unit_code: str
    unit_name: str
    visits: int
    by_harm: dict[str, int]
    findings: list[BulletinFinding]


@dataclass(frozen=True, slots=True)
class Bulletin:
    campaign_code: str
    campaign_name: str
    year: int
    month: int
    public: bool
    visits: int
    units_visited: int
    units_with_findings: list[BulletinUnit]
    lowest: list[UnitRates]  # the units with the lowest mean of the three rates, lowest first
    findings_by_harm: dict[str, int]
    attendance_rate: float  # pooled over every visit of the month (NaN without visits)
    on_post_rate: float
    focus_rate: float

    @property
    def month_key(self) -> str:
        return month_key(self.year, self.month)

    @property
    def n_findings(self) -> int:
        return sum(self.findings_by_harm.values())


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day of a month; :class:`Refused` for an impossible month."""
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise Refused(f"year must be a whole number from 2000 to 2100, not {year!r}")
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise Refused(f"month must be a whole number from 1 to 12, not {month!r}")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def public_months_of(campaign: Campaign) -> list[str]:
    raw = stored_settings(campaign).get(PUBLIC_MONTHS)
    if not isinstance(raw, list):
        return []
    return sorted({m for m in raw if isinstance(m, str) and _MONTH.match(m)})


def _mean_rate(r: UnitRates) -> float:
    return (r.attendance_rate + r.on_post_rate + r.focus_rate) / 3.0


def _bulletin(uow: UnitOfWork, campaign: Campaign, year: int, month: int) -> Bulletin:
    first, last = month_bounds(year, month)
    units = campaign_units(uow, campaign)
    visits: list[Visit] = verified_visits(uow, campaign, first, last)
    known = {uid for uid, _, _, _ in units}
    visits = [v for v in visits if v.unit_id in known]
    rates = pooled(units, visits)
    with_findings = []
    for uid, code, name, _ in units:
        mine = [v for v in visits if v.unit_id == uid]
        found = [BulletinFinding(v.visited_on, h, d) for v in mine for h, d in v.findings]
        if not found:
            continue
        counted = Counter(f.harm for f in found)
        by_harm = {h: counted[h] for h in HARMS if counted[h]}
        by_harm.update({h: n for h, n in sorted(counted.items()) if h not in HARMS})
        order = {h: k for k, h in enumerate(by_harm)}
        found.sort(key=lambda f: (order[f.harm], f.visited_on))
        with_findings.append(BulletinUnit(code, name, len(mine), by_harm, found))
    with_findings.sort(key=lambda u: -sum(u.by_harm.values()))  # stable: campaign order breaks ties
    counted = Counter(h for v in visits for h, _ in v.findings)
    totals = {h: counted[h] for h in HARMS if counted[h]}
    totals.update({h: n for h, n in sorted(counted.items()) if h not in HARMS})
    expected = sum(v.expected for v in visits)

    def share(attr: str) -> float:
        return 100.0 * sum(getattr(v, attr) for v in visits) / expected if expected else math.nan

    return Bulletin(
        campaign_code=campaign.code,
        campaign_name=campaign.name or campaign.code,
        year=year,
        month=month,
        public=month_key(year, month) in public_months_of(campaign),
        visits=len(visits),
        units_visited=len(rates),
        units_with_findings=with_findings,
        lowest=sorted(rates, key=_mean_rate)[:LOWEST],
        findings_by_harm=totals,
        attendance_rate=share("present"),
        on_post_rate=share("on_post"),
        focus_rate=share("focused"),
    )


def monthly_bulletin(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, year: int, month: int
) -> Bulletin:
    """The month's bulletin as an admin previews it (public or not)."""
    require(user, Permission.manage_registries)
    month_bounds(year, month)
    with uow:
        return _bulletin(uow, load_campaign(uow, campaign_code), year, month)


def set_public(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, year: int, month: int, public: bool
) -> bool:
    """Show (or stop showing) the month's bulletin to the public; True when it changed.
    A month without a verified visit cannot be made public (there is nothing to show)."""
    actor = require(user, Permission.manage_registries)
    first, last = month_bounds(year, month)
    key = month_key(year, month)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        before = public_months_of(campaign)
        if (key in before) == bool(public):
            return False
        if public and not verified_visits(uow, campaign, first, last):
            raise Refused(
                f"campaign {campaign.code} has no verified visit in {key}: "
                "there is no bulletin to make public"
            )
        after = sorted({*before, key}) if public else [m for m in before if m != key]
        save_settings(campaign, {**stored_settings(campaign), PUBLIC_MONTHS: after})
        audit.record(
            uow,
            "inspections.bulletin_public",
            "campaign",
            campaign.code,
            {PUBLIC_MONTHS: before},
            {PUBLIC_MONTHS: after, "month": key, "public": bool(public)},
        )
        uow.commit()
        return True


def public_bulletins(uow: UnitOfWork) -> list[Bulletin]:
    """Every month some campaign made public, the newest month first (for anyone)."""
    with uow:
        found = []
        for campaign in uow.session.execute(select(Campaign).order_by(Campaign.code)).scalars():
            for key in public_months_of(campaign):
                year, month = int(key[:4]), int(key[5:])
                found.append(_bulletin(uow, campaign, year, month))
    return sorted(found, key=lambda b: (-b.year, -b.month, b.campaign_code))
