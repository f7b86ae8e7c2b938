"""Reading the accountability case register (问责案件): the filtered list, the counts a
report gives (cases and persons by type, sub-type, sanction and its category, level and
unit) and the public view of published typical cases (典型问题通报).

The counts reproduce the way the Datong campaign reports its totals (seed 002: 查处问题
483起，处理704人，给予党政纪处分95人，组织处理189人，对12名县处级干部问责处理): cases, persons
handled, and persons by sanction category, disciplinary (党纪政务处分) and organisational
(组织处理) apart, each with the number of cases in which someone got such a sanction.

:func:`public_cases` needs no account: it gives only what a typical-case notice prints
(no names, persons as post and sanction). Everything else needs
:attr:`Permission.manage_registries`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from db.models import Campaign, CampaignUnit, Unit
from db.models_registries import AccountabilityCase
from db.uow import UnitOfWork
from scoring.registries import CASE_SUBTYPES
from services.accountability import (
    CASE_TYPES,
    SANCTION_CATEGORIES,
    SANCTIONS,
    SOURCES,
    STATUSES,
    CaseView,
    _fold,
    _view,
)
from services.campaigns import load_campaign
from services.errors import Refused
from services.permissions import CurrentUser, Permission, require

# ---------------------------------------------------------------- the list


def list_cases(
    uow: UnitOfWork,
    user: CurrentUser | None,
    *,
    case_type: str | None = None,
    status: str | None = None,
    unit_code: str | None = None,
    campaign_code: str | None = None,
    text: str = "",
) -> list[CaseView]:
    """Cases, newest opened first, filtered by type, status, unit, campaign and a text
    found in the number, facts, unit, source reference or disciplinary body."""
    require(user, Permission.manage_registries)
    if case_type and case_type not in CASE_TYPES:
        raise Refused(f"case_type: one of {', '.join(CASE_TYPES)}, not {case_type!r}")
    if status and status not in STATUSES:
        raise Refused(f"status: one of {', '.join(STATUSES)}, not {status!r}")
    with uow:
        query = select(AccountabilityCase).options(selectinload(AccountabilityCase.persons))
        if case_type:
            query = query.where(AccountabilityCase.case_type == case_type)
        if status:
            query = query.where(AccountabilityCase.status == status)
        if unit_code:
            query = query.join(Unit, Unit.id == AccountabilityCase.unit_id).where(Unit.code == unit_code)
        if campaign_code:
            campaign = load_campaign(uow, campaign_code)
            query = query.where(AccountabilityCase.campaign_id == campaign.id)
        query = query.order_by(AccountabilityCase.opened_on.desc(), AccountabilityCase.number)
        views = [_view(uow, c) for c in uow.session.execute(query).scalars()]
    needle = _fold(text or "")
    if needle:
        views = [
            v
            for v in views
            if needle
            in _fold(
                " ".join((v.number, v.facts, v.unit_code, v.unit_name, v.source_ref, v.disciplinary_body))
            )
        ]
    return views


# ---------------------------------------------------------------- counts


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """Cases with at least one person so sanctioned, and the persons."""

    cases: int
    persons: int


@dataclass(frozen=True, slots=True)
class UnitCount:
    unit_code: str
    unit_name: str
    cases: int
    persons: int


@dataclass(frozen=True, slots=True)
class CaseCounts:
    """Cases by type, sub-type, status and source; persons by sanction and level; both by
    sanction category and by unit (most cases first). Every vocabulary key is present,
    zero when nothing has it."""

    cases: int = 0
    persons: int = 0
    exempt: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_subtype: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    by_sanction: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, CategoryCount] = field(default_factory=dict)
    by_level: dict[str, int] = field(default_factory=dict)
    by_unit: list[UnitCount] = field(default_factory=list)


def counts(
    uow: UnitOfWork, user: CurrentUser | None, *, campaign_code: str | None = None, year: int | None = None
) -> CaseCounts:
    """Counts over every case, or a campaign's, or those opened in ``year``."""
    require(user, Permission.manage_registries)
    with uow:
        query = select(AccountabilityCase, Unit.code, Unit.name).join(
            Unit, Unit.id == AccountabilityCase.unit_id
        )
        query = query.options(selectinload(AccountabilityCase.persons))
        if campaign_code:
            campaign = load_campaign(uow, campaign_code)
            query = query.where(AccountabilityCase.campaign_id == campaign.id)
        rows = [
            (
                case.opened_on,
                case.case_type,
                case.subtype,
                case.status,
                case.source,
                bool(case.exempt),
                [(p.sanction, p.level) for p in case.persons],
                unit_code,
                unit_name,
            )
            for case, unit_code, unit_name in uow.session.execute(query).all()
        ]
    if year is not None:
        rows = [r for r in rows if r[0].year == year]
    by_type = dict.fromkeys(CASE_TYPES, 0)
    by_subtype = {s: 0 for t in CASE_TYPES for s in CASE_SUBTYPES[t]}
    by_status = dict.fromkeys(STATUSES, 0)
    by_source = dict.fromkeys(SOURCES, 0)
    by_sanction = dict.fromkeys(SANCTIONS, 0)
    category_cases = dict.fromkeys(SANCTION_CATEGORIES, 0)
    category_persons = dict.fromkeys(SANCTION_CATEGORIES, 0)
    by_level: dict[str, int] = {}
    units: dict[str, list] = {}
    persons = exempt = 0
    for _, case_type, subtype, status, source, is_exempt, persons_of, unit_code, unit_name in rows:
        by_type[case_type] = by_type.get(case_type, 0) + 1
        by_subtype[subtype] = by_subtype.get(subtype, 0) + 1
        by_status[status] = by_status.get(status, 0) + 1
        by_source[source] = by_source.get(source, 0) + 1
        exempt += is_exempt
        persons += len(persons_of)
        unit = units.setdefault(unit_code, [unit_name, 0, 0])
        unit[1] += 1
        unit[2] += len(persons_of)
        categories = set()
        for sanction, level in persons_of:
            by_sanction[sanction] = by_sanction.get(sanction, 0) + 1
            category = SANCTIONS.get(sanction, "other")
            category_persons[category] += 1
            categories.add(category)
            if level:
                by_level[level] = by_level.get(level, 0) + 1
        for category in categories:
            category_cases[category] += 1
    return CaseCounts(
        cases=len(rows),
        persons=persons,
        exempt=exempt,
        by_type=by_type,
        by_subtype=by_subtype,
        by_status=by_status,
        by_source=by_source,
        by_sanction=by_sanction,
        by_category={c: CategoryCount(category_cases[c], category_persons[c]) for c in SANCTION_CATEGORIES},
        by_level=dict(sorted(by_level.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_unit=sorted(
            (UnitCount(code, name, n, p) for code, (name, n, p) in units.items()),
            key=lambda u: (-u.cases, -u.persons, u.unit_code),
        ),
    )


# ---------------------------------------------------------------- the public view


@dataclass(frozen=True, slots=True)
class PublicPerson:
    """A person handled as the public sees them: the post and the sanction, no name."""

    post: str
    sanction: str


@dataclass(frozen=True, slots=True)
class PublicCase:
    number: str
    unit_name: str
    case_type: str
    subtype: str
    summary: str
    decided_on: date | None
    published_on: date | None
    exempt: bool
    persons: tuple[PublicPerson, ...]


def public_cases(uow: UnitOfWork) -> list[PublicCase]:
    """Published typical cases (典型问题通报), newest published first; needs no account."""
    with uow:
        rows = uow.session.execute(
            select(AccountabilityCase, Unit.name, CampaignUnit.name)
            .join(Unit, Unit.id == AccountabilityCase.unit_id)
            .outerjoin(Campaign, Campaign.id == AccountabilityCase.campaign_id)
            .outerjoin(
                CampaignUnit,
                (CampaignUnit.campaign_id == AccountabilityCase.campaign_id)
                & (CampaignUnit.unit_id == AccountabilityCase.unit_id),
            )
            .where(AccountabilityCase.status == "published", AccountabilityCase.for_publication.is_(True))
            .options(selectinload(AccountabilityCase.persons))
            .order_by(AccountabilityCase.published_on.desc(), AccountabilityCase.number)
        ).all()
        return [
            PublicCase(
                number=case.number,
                unit_name=campaign_name or unit_name,
                case_type=case.case_type,
                subtype=case.subtype,
                summary=case.public_summary,
                decided_on=case.decided_on,
                published_on=case.published_on,
                exempt=bool(case.exempt),
                persons=tuple(PublicPerson(p.post, p.sanction) for p in case.persons),
            )
            for case, unit_name, campaign_name in rows
        ]
