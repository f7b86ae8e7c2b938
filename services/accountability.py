"""The accountability case register (问责案件): cases of inaction, slowness and misconduct
(不作为、慢作为、乱作为) against units, the persons handled, publication as typical cases
(典型问题通报) and the deduction a decided case proposes for its unit.

* A case is opened against a unit (of the register; of the campaign when it names one)
  with its type and one of the thirteen sub-types of the Datong campaign
  (:data:`scoring.registries.CASE_SUBTYPES`), the facts, where it came from and the
  disciplinary body handling it. It moves opened → investigated → decided → published
  (:func:`advance`), one step at a time, each step dated no earlier than the one before
  and not in the future; deciding needs the decision's text, publishing needs the case
  marked for publication with a public summary (:func:`mark_for_publication`).
* Persons handled (:func:`add_person`) are personal data: their names are stored only
  encrypted (:func:`db.crypto.encrypt`) and shown masked (张*); an admin may reveal one
  name (:func:`reveal_name`), which the audit trail records as a read. Names never leave
  the platform: public summaries that contain one are refused, and the public view
  (:func:`services.accountability_counts.public_cases`) gives each person's post and
  sanction only.
* The deduction rule per type lives in ``Campaign.design["accountability"]["points"]``
  (:func:`get_rule`, :func:`set_rule`). When a case of a campaign is decided and is not
  exempt, it proposes ``case_deduction(type, points, cap)`` points
  (:func:`scoring.registries.case_deduction`); an admin confirms it (an
  :class:`~db.models.Adjustment` checked as :mod:`services.adjustments` checks one, with
  ``source = "accountability_case:<number>"``) or declines it with a reason. A case made
  exempt by a granted fault-tolerance application (容错免责, ``exempt``) never proposes
  one and cannot be confirmed.

Every change is audited with its before and after values. Permission:
:attr:`Permission.manage_registries` (admins). Counts and the public view are in
:mod:`services.accountability_counts`.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from db import audit, crypto
from db.models import Adjustment, Campaign, CampaignUnit, Unit
from db.models_registries import AccountabilityCase, AccountabilityPerson
from db.uow import UnitOfWork
from scoring.registries import CASE_SUBTYPES, case_deduction
from services.adjustments import _described, _unit_id, campaign_caps, check_points
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import Clock, utcnow
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
#: Our defaults, not a source's: the seeds say cases are deducted, not how much. 乱作为 weighs
#: most, 慢作为 least; a campaign sets its own (:func:`set_rule`).
DEFAULT_POINTS: Final[dict[str, float]] = {"inaction": 1.0, "slow": 0.5, "misconduct": 2.0}
MAX_RULE_POINTS: Final = 100.0
RULE_KEY: Final = "accountability"
SOURCE_PREFIX: Final = "accountability_case:"
DEDUCTION_STATUSES: Final = ("", "proposed", "confirmed", "declined", "exempted")
EVIDENCE_NAME: Final = "accountability-case-{number}.txt"

# widths of the columns (db/models_registries.py)
MAX_NUMBER: Final = 64
MAX_SOURCE_REF: Final = 64
MAX_BODY: Final = 100
MAX_NAME: Final = 100
MAX_POST: Final = 100
MAX_LEVEL: Final = 32
MAX_TEXT: Final = 20_000
BEIJING: Final = timezone(timedelta(hours=8), "CST")


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
class DeductionOutlook:
    """What confirming a case's deduction does to its unit: the unit's deductions so far,
    the method's cap, and the total after this one (scoring applies at most the cap)."""

    points: float
    unit_total: float
    cap: float

    @property
    def after(self) -> float:
        return self.unit_total + self.points

    @property
    def over_cap(self) -> bool:
        return self.after > self.cap


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


# ---------------------------------------------------------------- the rule


def _rule_of(campaign: Campaign) -> dict[str, float]:
    stored = ((campaign.design or {}).get(RULE_KEY) or {}).get("points") or {}
    rule = dict(DEFAULT_POINTS)
    for key in CASE_TYPES:
        value = stored.get(key)
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= 0
        ):
            rule[key] = float(value)
    return rule


def get_rule(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> dict[str, float]:
    """Deduction points per case type for the campaign (:data:`DEFAULT_POINTS` where unset)."""
    require(user, Permission.manage_registries)
    with uow:
        return _rule_of(load_campaign(uow, campaign_code))


def set_rule(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, points: Mapping[str, float]
) -> dict[str, float]:
    """Set the points per type (every type, each 0 to 100; 0 proposes nothing). Cases
    already proposed keep their points."""
    actor = require(user, Permission.manage_registries)
    if set(points) != set(CASE_TYPES):
        raise Refused(f"points: give the points of each type: {', '.join(CASE_TYPES)}")
    rule: dict[str, float] = {}
    for key in CASE_TYPES:
        value = points[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise Refused(f"points.{key}: give a number, not {value!r}")
        if not 0 <= value <= MAX_RULE_POINTS:
            raise Refused(f"points.{key}: from 0 to {MAX_RULE_POINTS:g}, not {value:g}")
        rule[key] = float(value)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        before = _rule_of(campaign)
        design = dict(campaign.design or {})
        design[RULE_KEY] = {**dict(design.get(RULE_KEY) or {}), "points": rule}
        campaign.design = design  # a new dict: the JSON column sees the change
        audit.record(
            uow, "accountability.rule", "campaign", campaign.code, {"points": before}, {"points": rule}
        )
        uow.commit()
    return rule


# ---------------------------------------------------------------- cases


def open_case(
    uow: UnitOfWork,
    user: CurrentUser | None,
    *,
    number: str,
    unit_code: str,
    case_type: str,
    subtype: str,
    facts: str,
    source: str,
    source_ref: str = "",
    disciplinary_body: str,
    opened_on: date,
    campaign_code: str | None = None,
    clock: Clock = utcnow,
) -> CaseView:
    """Open a case (status ``opened``). Refused: a number in use, an unknown unit (or one
    the campaign does not appraise), a sub-type of another type, an unknown source, no
    facts, a date in the future, a campaign whose inputs are frozen."""
    actor = require(user, Permission.manage_registries)
    number = check_number(number)
    check_type(case_type, subtype)
    check_source(source)
    facts = _text("facts", facts, MAX_TEXT, required=True)
    source_ref = _text("source_ref", source_ref, MAX_SOURCE_REF, label=True)
    disciplinary_body = _text("disciplinary_body", disciplinary_body, MAX_BODY, label=True)
    _check_date("opened_on", opened_on, clock)
    with uow:
        uow.actor = actor.username
        session = uow.session
        if session.execute(select(AccountabilityCase.id).where(AccountabilityCase.number == number)).first():
            raise Refused(f"number: case {number} already exists")
        campaign_id = None
        if campaign_code:
            campaign = load_campaign(uow, campaign_code, for_update=True)
            assert_inputs_editable(campaign)
            unit_id, _ = _unit_id(uow, campaign, unit_code)
            campaign_id = campaign.id
        else:
            unit_id = session.execute(select(Unit.id).where(Unit.code == unit_code)).scalar()
            if unit_id is None:
                raise NotFound(f"unit_code: no unit has the code {unit_code!r}")
        case = AccountabilityCase(
            number=number,
            campaign_id=campaign_id,
            unit_id=unit_id,
            case_type=case_type,
            subtype=subtype,
            facts=facts,
            source=source,
            source_ref=source_ref,
            disciplinary_body=disciplinary_body,
            status="opened",
            opened_on=opened_on,
            deduction_status="",
            created_by=actor.username,
            created_at=clock(),
        )
        session.add(case)
        session.flush()
        audit.record(uow, "accountability_case.open", "accountability_case", number, None, _state(case))
        view = _view(uow, case)
        uow.commit()
        return view


EDITABLE: Final = ("facts", "source", "source_ref", "disciplinary_body", "case_type", "subtype", "decision")


def edit_case(
    uow: UnitOfWork, user: CurrentUser | None, number: str, *, clock: Clock = utcnow, **changes: Any
) -> CaseView:
    """Correct a case that is not published: ``facts``, ``source``, ``source_ref``,
    ``disciplinary_body``; ``case_type`` and ``subtype`` until it is decided (its
    deduction follows from them); ``decision`` once decided."""
    actor = require(user, Permission.manage_registries)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Refused(f"{', '.join(sorted(unknown))}: cannot be edited; editable: {', '.join(EDITABLE)}")
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        _refuse_published(case, "its details")
        before = _state(case)
        wanted = {k: v for k, v in changes.items() if v is not None}
        if "case_type" in wanted or "subtype" in wanted:
            if case.status in ("decided", "published"):
                raise Refused(f"case {case.number} is decided: its type and sub-type can no longer change")
            check_type(wanted.get("case_type", case.case_type), wanted.get("subtype", case.subtype))
        if "source" in wanted:
            check_source(wanted["source"])
        if "facts" in wanted:
            wanted["facts"] = _text("facts", wanted["facts"], MAX_TEXT, required=True)
        if "source_ref" in wanted:
            wanted["source_ref"] = _text("source_ref", wanted["source_ref"], MAX_SOURCE_REF, label=True)
        if "disciplinary_body" in wanted:
            wanted["disciplinary_body"] = _text(
                "disciplinary_body", wanted["disciplinary_body"], MAX_BODY, label=True
            )
        if "decision" in wanted:
            if case.status != "decided":
                raise Refused(
                    f"decision: case {case.number} is not decided; advance it to decided with the decision"
                )
            wanted["decision"] = _text("decision", wanted["decision"], MAX_TEXT, required=True)
        for key, value in wanted.items():
            setattr(case, key, value)
        after = _state(case)
        if after != before:
            _touch(case, clock)
            audit.record(uow, "accountability_case.edit", "accountability_case", case.number, before, after)
        view = _view(uow, case)
        uow.commit()
        return view


def propose_deduction(uow: UnitOfWork, case: AccountabilityCase) -> None:
    """On deciding (in :func:`advance` or an import): the deduction the campaign's rule
    proposes, unless the case is exempt, has no campaign or the rule gives 0 points."""
    campaign = _campaign_of(uow, case)
    if campaign is None or case.exempt:
        return
    points = case_deduction(case.case_type, _rule_of(campaign), campaign_caps(campaign).deduction)
    if points > 0:
        case.deduction_points = points
        case.deduction_status = "proposed"


def advance(
    uow: UnitOfWork,
    user: CurrentUser | None,
    number: str,
    to: str,
    on: date,
    note: str = "",
    *,
    clock: Clock = utcnow,
) -> CaseView:
    """Move a case one step: opened → investigated → decided → published, on ``on`` (not
    before the previous step's date, not in the future). For ``decided`` the ``note`` is
    the decision (处理决定) and is required; the case then proposes its deduction. For
    ``published`` the case must be marked for publication with a summary naming nobody."""
    actor = require(user, Permission.manage_registries)
    if to not in STATUSES[1:]:
        raise Refused(f"to: one of {', '.join(STATUSES[1:])}, not {to!r}")
    _check_date("on", on, clock)
    note = _text("note", note, MAX_TEXT)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        current = STATUSES.index(case.status)
        wanted = STATUSES.index(to)
        if wanted != current + 1:
            raise Refused(
                f"to: case {case.number} is {case.status}; the next step is "
                + (STATUSES[current + 1] if current + 1 < len(STATUSES) else "none (it is published)")
            )
        previous = [d for _, d in _view_steps(case)[: current + 1] if d is not None][-1]
        if on < previous:
            raise Refused(
                f"on: {on.isoformat()} is before the case was {case.status} ({previous.isoformat()})"
            )
        before = _state(case)
        if to == "investigated":
            case.investigated_on = on
        elif to == "decided":
            if not note:
                raise Refused(f"note: give the decision (处理决定) of case {case.number}")
            case.decision = note
            case.decided_on = on
            propose_deduction(uow, case)
        else:
            if not case.for_publication or not case.public_summary.strip():
                raise Refused(
                    f"case {case.number} is not marked for publication: mark it with a public summary first"
                )
            _refuse_names_in(case.public_summary, _names(case), case.number)
            case.published_on = on
        case.status = to
        _touch(case, clock)
        audit.record(
            uow,
            f"accountability_case.{to}",
            "accountability_case",
            case.number,
            before,
            {**_state(case), "note": note},
        )
        view = _view(uow, case)
        uow.commit()
        return view


def _view_steps(case: AccountabilityCase) -> list[tuple[str, date | None]]:
    return [
        ("opened", case.opened_on),
        ("investigated", case.investigated_on),
        ("decided", case.decided_on),
        ("published", case.published_on),
    ]


# ---------------------------------------------------------------- persons handled


def add_person(
    uow: UnitOfWork,
    user: CurrentUser | None,
    number: str,
    *,
    name: str,
    post: str,
    level: str,
    sanction: str,
    sanctioned_on: date | None = None,
    clock: Clock = utcnow,
) -> PersonView:
    """Record a person handled in a case; the name is stored only encrypted."""
    actor = require(user, Permission.manage_registries)
    name = _text("name", name, MAX_NAME, required=True)
    post = _text("post", post, MAX_POST, label=True)
    level = _text("level", level, MAX_LEVEL, label=True)
    if sanction not in SANCTIONS:
        raise Refused(f"sanction: one of {', '.join(SANCTIONS)}, not {sanction!r}")
    if sanctioned_on is not None:
        _check_date("sanctioned_on", sanctioned_on, clock)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        _refuse_published(case, "the persons handled")
        if sanctioned_on is not None and sanctioned_on < case.opened_on:
            raise Refused(
                f"sanctioned_on: {sanctioned_on.isoformat()} is before the case was opened "
                f"({case.opened_on.isoformat()})"
            )
        if case.for_publication:
            _refuse_names_in(case.public_summary, [name], case.number)
        position = max((p.position for p in case.persons), default=-1) + 1
        person = AccountabilityPerson(
            case_id=case.id,
            position=position,
            name_enc=crypto.encrypt(name),
            post=post,
            level=level,
            sanction=sanction,
            sanctioned_on=sanctioned_on,
        )
        uow.session.add(person)
        uow.session.flush()
        _touch(case, clock)
        audit.record(
            uow,
            "accountability_person.add",
            "accountability_person",
            person.id,
            None,
            _person_state(person, case.number),
        )
        view = _person_view(person)
        uow.commit()
        return view


def _person(uow: UnitOfWork, case: AccountabilityCase, person_id: int) -> AccountabilityPerson:
    for person in case.persons:
        if person.id == person_id:
            return person
    raise NotFound(f"case {case.number} has no person {person_id}")


def remove_person(
    uow: UnitOfWork, user: CurrentUser | None, number: str, person_id: int, *, clock: Clock = utcnow
) -> None:
    """Remove a person recorded by mistake (while the case is not published)."""
    actor = require(user, Permission.manage_registries)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        _refuse_published(case, "the persons handled")
        person = _person(uow, case, person_id)
        before = _person_state(person, case.number)
        case.persons.remove(person)
        _touch(case, clock)
        audit.record(uow, "accountability_person.remove", "accountability_person", person_id, before, None)
        uow.commit()


def reveal_name(uow: UnitOfWork, user: CurrentUser | None, person_id: int) -> str:
    """The full name of a person handled, for an admin who asks; audited as a read (who,
    when, which person; never the name)."""
    actor = require(user, Permission.manage_registries)
    with uow:
        uow.actor = actor.username
        person = uow.session.get(AccountabilityPerson, person_id)
        if person is None:
            raise NotFound(f"no person handled has the id {person_id}")
        case = uow.session.get(AccountabilityCase, person.case_id)
        try:
            name = crypto.decrypt(person.name_enc)
        except crypto.DecryptionError as exc:
            raise Refused(f"person {person_id}: the name cannot be read with this platform's key") from exc
        audit.record(
            uow,
            "accountability_person.reveal",
            "accountability_person",
            person_id,
            None,
            {"case": case.number if case is not None else None, "read": "name"},
        )
        uow.commit()
        return name


# ---------------------------------------------------------------- publication


def mark_for_publication(
    uow: UnitOfWork, user: CurrentUser | None, number: str, summary: str, *, clock: Clock = utcnow
) -> CaseView:
    """Mark a case for publication as a typical case (典型问题通报) with its public summary,
    which must not contain the name of a person handled."""
    actor = require(user, Permission.manage_registries)
    summary = _text("public_summary", summary, MAX_TEXT, required=True)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        _refuse_published(case, "its publication")
        _refuse_names_in(summary, _names(case), case.number)
        before = _state(case)
        case.for_publication = True
        case.public_summary = summary
        _touch(case, clock)
        audit.record(
            uow, "accountability_case.mark", "accountability_case", case.number, before, _state(case)
        )
        view = _view(uow, case)
        uow.commit()
        return view


def unmark_for_publication(
    uow: UnitOfWork, user: CurrentUser | None, number: str, *, clock: Clock = utcnow
) -> CaseView:
    """Take a case off the publication list (before it is published); the summary is kept."""
    actor = require(user, Permission.manage_registries)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        _refuse_published(case, "its publication")
        before = _state(case)
        case.for_publication = False
        _touch(case, clock)
        audit.record(
            uow, "accountability_case.unmark", "accountability_case", case.number, before, _state(case)
        )
        view = _view(uow, case)
        uow.commit()
        return view


# ---------------------------------------------------------------- the deduction


def evidence_text(view: CaseView) -> str:
    """The case as the adjustment's evidence: number, unit, type, dates, facts, decision
    and the persons' posts and sanctions; never a name."""
    lines = [
        f"问责案件 Accountability case {view.number}",
        f"单位 Unit: {view.unit_name} ({view.unit_code})",
        f"类型 Type: {view.case_type}/{view.subtype}",
        f"来源 Source: {view.source} {view.source_ref}".rstrip(),
        f"处理机关 Disciplinary body: {view.disciplinary_body}",
        f"立案 Opened: {view.opened_on.isoformat()}",
        f"调查 Investigated: {view.investigated_on.isoformat() if view.investigated_on else ''}",
        f"决定 Decided: {view.decided_on.isoformat() if view.decided_on else ''}",
        "",
        "事实 Facts:",
        view.facts,
        "",
        "处理决定 Decision:",
        view.decision,
        "",
        "处理人员 Persons handled (post, level, sanction):",
        *(f"- {p.post} {p.level} {p.sanction}" for p in view.persons),
    ]
    return "\n".join(lines) + "\n"


def deduction_outlook(uow: UnitOfWork, user: CurrentUser | None, number: str) -> DeductionOutlook | None:
    """For a case with a proposed deduction: the unit's confirmed deductions and the cap."""
    require(user, Permission.manage_registries)
    with uow:
        case = _case(uow, number)
        campaign = _campaign_of(uow, case)
        if campaign is None or case.deduction_points is None:
            return None
        total = uow.session.execute(
            select(func.coalesce(func.sum(Adjustment.points), 0.0)).where(
                Adjustment.campaign_id == campaign.id,
                Adjustment.unit_id == case.unit_id,
                Adjustment.kind == "deduction",
            )
        ).scalar_one()
        return DeductionOutlook(float(case.deduction_points), float(total), campaign_caps(campaign).deduction)


def confirm_deduction(
    uow: UnitOfWork, user: CurrentUser | None, number: str, *, clock: Clock = utcnow
) -> int:
    """Confirm a decided case's proposed deduction: an adjustment (kind deduction) with the
    case as its evidence, checked as :mod:`services.adjustments` checks one; returns its id."""
    actor = require(user, Permission.manage_registries)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        if case.exempt:
            raise Refused(f"case {case.number} is exempt (容错免责): it carries no deduction")
        if case.deduction_status != "proposed" or case.deduction_points is None:
            raise Refused(
                f"case {case.number} has no proposed deduction "
                f"(deduction status: {case.deduction_status or 'none'})"
            )
        campaign = _campaign_of(uow, case)
        if campaign is None:
            raise Refused(f"case {case.number} belongs to no campaign: there is nothing to deduct from")
        campaign = load_campaign(uow, campaign.code, for_update=True)
        assert_inputs_editable(campaign)
        points = check_points("deduction", case.deduction_points, campaign_caps(campaign))
        unit_code = uow.session.execute(select(Unit.code).where(Unit.id == case.unit_id)).scalar_one()
        _unit_id(uow, campaign, unit_code)
        view = _view(uow, case)
        position = uow.session.execute(
            select(func.coalesce(func.max(Adjustment.position), -1)).where(
                Adjustment.campaign_id == campaign.id
            )
        ).scalar_one()
        evidence = evidence_text(view).encode("utf-8")
        adjustment = Adjustment(
            campaign_id=campaign.id,
            unit_id=case.unit_id,
            kind="deduction",
            points=points,
            reason=f"问责案件 {case.number}: {case.case_type}/{case.subtype}",
            evidence_name=EVIDENCE_NAME.format(number=case.number),
            evidence=evidence,
            position=int(position) + 1,
            source=f"{SOURCE_PREFIX}{case.number}"[:64],
        )
        uow.session.add(adjustment)
        uow.session.flush()
        audit.record(
            uow,
            "adjustment.add",
            "adjustment",
            adjustment.id,
            None,
            {**_described(adjustment, unit_code), "source": adjustment.source},
        )
        before = _state(case)
        case.deduction_status = "confirmed"
        case.adjustment_id = adjustment.id
        _touch(case, clock)
        audit.record(
            uow,
            "accountability_case.confirm_deduction",
            "accountability_case",
            case.number,
            before,
            _state(case),
        )
        uow.commit()
        return adjustment.id


def decline_deduction(
    uow: UnitOfWork, user: CurrentUser | None, number: str, reason: str, *, clock: Clock = utcnow
) -> CaseView:
    """Decline a proposed deduction, with a reason (kept in the audit trail)."""
    actor = require(user, Permission.manage_registries)
    reason = _text("reason", reason, MAX_TEXT, required=True)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        if case.deduction_status != "proposed":
            raise Refused(
                f"case {case.number} has no proposed deduction "
                f"(deduction status: {case.deduction_status or 'none'})"
            )
        before = _state(case)
        case.deduction_status = "declined"
        _touch(case, clock)
        audit.record(
            uow,
            "accountability_case.decline_deduction",
            "accountability_case",
            case.number,
            before,
            {**_state(case), "reason": reason},
        )
        view = _view(uow, case)
        uow.commit()
        return view


# ---------------------------------------------------------------- reading
# (the list, the counts and the public view: services/accountability_counts.py)


def case_detail(uow: UnitOfWork, user: CurrentUser | None, number: str) -> CaseView:
    require(user, Permission.manage_registries)
    with uow:
        return _view(uow, _case(uow, number))
