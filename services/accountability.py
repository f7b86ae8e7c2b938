"""The accountability case register (问责案件): cases of inaction, slowness and misconduct
(不作为、慢作为、乱作为) against units, the base the other accountability services build on:
the vocabularies, what a case and a person handled look like (:class:`CaseView`,
:class:`PersonView`), the checks and helpers they share, the page's choices and one case's
detail.

* A case is opened against a unit (of the register; of the campaign when it names one)
  with its type and one of the thirteen sub-types of the Datong campaign
  (:data:`scoring.registries.CASE_SUBTYPES`). It moves opened → investigated → decided →
  published; the persons handled are personal data, their names stored only encrypted
  (:func:`db.crypto.encrypt`) and shown masked (张*). Opening, correcting and advancing a
  case, the persons handled and publication: :mod:`services.accountability_cases`.
* The deduction a decided case proposes for its unit, its rule per type and its
  confirmation: :mod:`services.accountability_deductions`.
* The list, the counts and the public view of typical cases:
  :mod:`services.accountability_counts`.

Permission: :attr:`Permission.manage_registries` (admins).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from db import crypto
from db.models import Campaign, CampaignUnit, Unit
from db.models_registries import AccountabilityCase, AccountabilityPerson
from db.uow import UnitOfWork
from scoring.registries import CASE_SUBTYPES
from services.campaigns import load_campaign
from services.clock import BEIJING, Clock, utcnow
from services.defects import check_label
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

# ---------------------------------------------------------------- vocabularies
# (their labels: ui/messages_accountability.py)

#: 不作为, 慢作为, 乱作为.
CASE_TYPES: Final[tuple[str, ...]] = tuple(CASE_SUBTYPES)
#: Where a case came from: 问卷意见, 12345热线, 明察暗访, 申诉/信访, 媒体曝光.
SOURCES: Final = ("survey_comment", "hotline", "inspection", "appeal", "media")
STATUSES: Final = ("opened", "investigated", "decided", "published")
#: Each sanction and its category: 党纪政务处分 (disciplinary), 组织处理 (organisational),
#: other accountability (通报批评, 书面检查, 责令公开道歉). The Datong totals count the
#: first two apart (给予党政纪处分95人, 组织处理189人).
SANCTIONS: Final[dict[str, str]] = {
    "disciplinary_sanction": "disciplinary",
    "admonition_talk": "organisational",
    "suspension": "organisational",
    "transfer": "organisational",
    "demotion": "organisational",
    "removal": "organisational",
    "ordered_resignation": "organisational",
    "notified_criticism": "other",
    "written_self_criticism": "other",
    "ordered_apology": "other",
}
SANCTION_CATEGORIES: Final = ("disciplinary", "organisational", "other")
DEDUCTION_STATUSES: Final = ("", "proposed", "confirmed", "declined", "exempted")

# widths of the columns (db/models_registries.py)
MAX_NUMBER: Final = 64
MAX_SOURCE_REF: Final = 64
MAX_BODY: Final = 100
MAX_NAME: Final = 100
MAX_POST: Final = 100
MAX_LEVEL: Final = 32
MAX_TEXT: Final = 20_000


def today(clock: Clock = utcnow) -> date:
    """Today in Beijing (the dates of a case are Beijing calendar days)."""
    return clock().astimezone(BEIJING).date()


# ---------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class PersonView:
    """A person handled, as staff see them: the name masked."""

    id: int
    position: int
    name_masked: str
    post: str
    level: str
    sanction: str
    sanctioned_on: date | None

    @property
    def category(self) -> str:
        return SANCTIONS.get(self.sanction, "other")


@dataclass(frozen=True, slots=True)
class CaseView:
    number: str
    campaign_code: str | None
    unit_code: str
    unit_name: str
    case_type: str
    subtype: str
    facts: str
    source: str
    source_ref: str
    disciplinary_body: str
    status: str
    opened_on: date
    investigated_on: date | None
    decided_on: date | None
    published_on: date | None
    decision: str
    for_publication: bool
    public_summary: str
    exempt: bool
    deduction_points: float | None
    deduction_status: str
    adjustment_id: int | None
    created_by: str
    persons: tuple[PersonView, ...] = ()

    @property
    def steps(self) -> list[tuple[str, date | None]]:
        """Each status with the date the case reached it (None: not yet)."""
        return [
            ("opened", self.opened_on),
            ("investigated", self.investigated_on),
            ("decided", self.decided_on),
            ("published", self.published_on),
        ]

    @property
    def editable(self) -> bool:
        return self.status != "published"


@dataclass(frozen=True, slots=True)
class UnitOption:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class CampaignOption:
    code: str
    name: str
    year: int
    editable: bool


# ---------------------------------------------------------------- helpers


def _text(field: str, value: str, limit: int, *, required: bool = False, label: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Refused(f"{field}: give the {field.replace('_', ' ')}")
    if len(value) > limit:
        raise Refused(f"{field}: at most {limit} characters, not {len(value)}")
    if "\x00" in value:
        raise Refused(f"{field}: the text holds a NUL character")
    if label and value:
        check_label(field, value)
    return value


def check_type(case_type: str, subtype: str) -> None:
    """Refuse an unknown type, or a sub-type that belongs to another type."""
    if case_type not in CASE_SUBTYPES:
        raise Refused(f"case_type: one of {', '.join(CASE_TYPES)}, not {case_type!r}")
    if subtype not in CASE_SUBTYPES[case_type]:
        raise Refused(
            f"subtype: {subtype!r} is not a sub-type of {case_type}; "
            f"one of {', '.join(CASE_SUBTYPES[case_type])}"
        )


def check_source(source: str) -> None:
    if source not in SOURCES:
        raise Refused(f"source: one of {', '.join(SOURCES)}, not {source!r}")


def check_number(number: str) -> str:
    number = _text("number", number, MAX_NUMBER, required=True, label=True)
    if any(c.isspace() for c in number):
        raise Refused(f"number: {number!r} holds white space; a case number must not")
    return number


def _check_date(field: str, on: date, clock: Clock) -> date:
    if not isinstance(on, date):
        raise Refused(f"{field}: give a date")
    if on > today(clock):
        raise Refused(f"{field}: {on.isoformat()} is in the future")
    return on


def _fold(text: str) -> str:
    """Text as a name is searched in it: NFKC, no white space, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _case(uow: UnitOfWork, number: str, *, for_update: bool = False) -> AccountabilityCase:
    query = (
        select(AccountabilityCase)
        .where(AccountabilityCase.number == (number or "").strip())
        .options(selectinload(AccountabilityCase.persons))
    )
    if for_update:
        query = query.with_for_update()
    case = uow.session.execute(query).scalar()
    if case is None:
        raise NotFound(f"no accountability case has the number {number!r}")
    return case


def _campaign_of(uow: UnitOfWork, case: AccountabilityCase) -> Campaign | None:
    return uow.session.get(Campaign, case.campaign_id) if case.campaign_id is not None else None


def _names(case: AccountabilityCase) -> list[str]:
    names = []
    for person in case.persons:
        try:
            names.append(crypto.decrypt(person.name_enc))
        except crypto.DecryptionError as exc:
            raise Refused(
                f"case {case.number}: a person's name cannot be read with this platform's key"
            ) from exc
    return names


def _refuse_names_in(summary: str, names: list[str], number: str) -> None:
    folded = _fold(summary)
    for name in names:
        if _fold(name) and _fold(name) in folded:
            raise Refused(
                f"public_summary: it names a person handled in case {number} ({crypto.mask_name(name)}); "
                "a public summary must not name anyone"
            )


def _person_view(person: AccountabilityPerson) -> PersonView:
    try:
        shown = crypto.mask_name(crypto.decrypt(person.name_enc))
    except crypto.DecryptionError:
        shown = "***"
    return PersonView(
        person.id, person.position, shown, person.post, person.level, person.sanction, person.sanctioned_on
    )


def _view(uow: UnitOfWork, case: AccountabilityCase) -> CaseView:
    unit = uow.session.get(Unit, case.unit_id)
    campaign = _campaign_of(uow, case)
    name = unit.name if unit is not None else ""
    if campaign is not None:
        name = (
            uow.session.execute(
                select(CampaignUnit.name).where(
                    CampaignUnit.campaign_id == campaign.id, CampaignUnit.unit_id == case.unit_id
                )
            ).scalar()
            or name
        )
    return CaseView(
        number=case.number,
        campaign_code=campaign.code if campaign is not None else None,
        unit_code=unit.code if unit is not None else "",
        unit_name=name,
        case_type=case.case_type,
        subtype=case.subtype,
        facts=case.facts,
        source=case.source,
        source_ref=case.source_ref,
        disciplinary_body=case.disciplinary_body,
        status=case.status,
        opened_on=case.opened_on,
        investigated_on=case.investigated_on,
        decided_on=case.decided_on,
        published_on=case.published_on,
        decision=case.decision,
        for_publication=bool(case.for_publication),
        public_summary=case.public_summary,
        exempt=bool(case.exempt),
        deduction_points=case.deduction_points,
        deduction_status=case.deduction_status or "",
        adjustment_id=case.adjustment_id,
        created_by=case.created_by,
        persons=tuple(_person_view(p) for p in case.persons),
    )


def _state(case: AccountabilityCase) -> dict[str, Any]:
    """What the audit trail keeps of a case (no names: persons are audited on their own)."""
    return {
        "number": case.number,
        "campaign_id": case.campaign_id,
        "unit_id": case.unit_id,
        "case_type": case.case_type,
        "subtype": case.subtype,
        "facts": case.facts,
        "source": case.source,
        "source_ref": case.source_ref,
        "disciplinary_body": case.disciplinary_body,
        "status": case.status,
        "opened_on": case.opened_on,
        "investigated_on": case.investigated_on,
        "decided_on": case.decided_on,
        "published_on": case.published_on,
        "decision": case.decision,
        "for_publication": bool(case.for_publication),
        "public_summary": case.public_summary,
        "exempt": bool(case.exempt),
        "deduction_points": case.deduction_points,
        "deduction_status": case.deduction_status or "",
        "adjustment_id": case.adjustment_id,
    }


def _person_state(person: AccountabilityPerson, case_number: str) -> dict[str, Any]:
    """A person as audited: the name only masked."""
    return {
        "case": case_number,
        "name": _person_view(person).name_masked,
        "post": person.post,
        "level": person.level,
        "sanction": person.sanction,
        "sanctioned_on": person.sanctioned_on,
    }


def _touch(case: AccountabilityCase, clock: Clock) -> None:
    case.updated_at = clock()


def _refuse_published(case: AccountabilityCase, what: str) -> None:
    if case.status == "published":
        raise Refused(f"case {case.number} is published: {what} can no longer change")


# ---------------------------------------------------------------- choices for the page


def campaign_options(uow: UnitOfWork, user: CurrentUser | None) -> list[CampaignOption]:
    """Every campaign, newest year first."""
    require(user, Permission.manage_registries)
    with uow:
        rows = uow.session.execute(select(Campaign.code, Campaign.name, Campaign.year, Campaign.status)).all()
    found = [
        CampaignOption(code, name or code, year, str(status) not in ("published", "final"))
        for code, name, year, status in rows
    ]
    return sorted(found, key=lambda c: (-c.year, c.code))


def unit_options(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str | None = None
) -> list[UnitOption]:
    """The units a case can be opened against: a campaign's units, or the register's active ones."""
    require(user, Permission.manage_registries)
    with uow:
        if campaign_code:
            campaign = load_campaign(uow, campaign_code)
            rows = uow.session.execute(
                select(Unit.code, CampaignUnit.name)
                .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
                .where(CampaignUnit.campaign_id == campaign.id)
                .order_by(CampaignUnit.position, Unit.code)
            ).all()
        else:
            rows = uow.session.execute(
                select(Unit.code, Unit.name).where(Unit.active.is_(True)).order_by(Unit.code)
            ).all()
    return [UnitOption(code, name) for code, name in rows]


# ---------------------------------------------------------------- reading
# (the list, the counts and the public view: services/accountability_counts.py)


def case_detail(uow: UnitOfWork, user: CurrentUser | None, number: str) -> CaseView:
    require(user, Permission.manage_registries)
    with uow:
        return _view(uow, _case(uow, number))
