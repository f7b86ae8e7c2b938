"""The deduction an accountability case (问责案件) proposes for its unit: the rule per case
type and its confirmation or refusal.

* The deduction rule per type lives in ``Campaign.design["accountability"]["points"]``
  (:func:`get_rule`, :func:`set_rule`). When a case of a campaign is decided and is not
  exempt, it proposes ``case_deduction(type, points, cap)`` points
  (:func:`propose_deduction`, :func:`scoring.registries.case_deduction`); an admin confirms
  it (an :class:`~db.models.Adjustment` checked as :mod:`services.adjustments` checks one,
  with ``source = "accountability_case:<number>"``, the case without any name as its
  evidence, :func:`evidence_text`) or declines it with a reason. A case made exempt by a
  granted fault-tolerance application (容错免责, ``exempt``) never proposes one and cannot
  be confirmed.

Every change is audited with its before and after values. Permission:
:attr:`Permission.manage_registries` (admins).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy import func, select

from db import audit
from db.models import Adjustment, Campaign, Unit
from db.models_registries import AccountabilityCase
from db.uow import UnitOfWork
from scoring.registries import case_deduction
from services.accountability import (
    CASE_TYPES,
    MAX_TEXT,
    CaseView,
    _campaign_of,
    _case,
    _state,
    _text,
    _touch,
    _view,
)
from services.adjustments import appraised_unit, campaign_caps, check_points, enter_adjustment
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import Clock, utcnow
from services.errors import Refused
from services.permissions import CurrentUser, Permission, require

#: Our defaults, not a source's: the seeds say cases are deducted, not how much. 乱作为 weighs
#: most, 慢作为 least; a campaign sets its own (:func:`set_rule`).
DEFAULT_POINTS: Final[dict[str, float]] = {"inaction": 1.0, "slow": 0.5, "misconduct": 2.0}
MAX_RULE_POINTS: Final = 100.0
RULE_KEY: Final = "accountability"
SOURCE_PREFIX: Final = "accountability_case:"
EVIDENCE_NAME: Final = "accountability-case-{number}.txt"


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


def propose_deduction(uow: UnitOfWork, case: AccountabilityCase) -> None:
    """On deciding (in :func:`services.accountability_cases.advance` or an import): the
    deduction the campaign's rule proposes, unless the case is exempt, has no campaign or
    the rule gives 0 points."""
    campaign = _campaign_of(uow, case)
    if campaign is None or case.exempt:
        return
    points = case_deduction(case.case_type, _rule_of(campaign), campaign_caps(campaign).deduction)
    if points > 0:
        case.deduction_points = points
        case.deduction_status = "proposed"


# ---------------------------------------------------------------- the deduction


def evidence_text(view: CaseView) -> str:
    """The case as the adjustment's evidence: number, unit, type, dates, facts, decision
    and the persons' posts and sanctions; never a name."""
    return case_evidence(
        number=view.number,
        unit_name=view.unit_name,
        unit_code=view.unit_code,
        case_type=view.case_type,
        subtype=view.subtype,
        source=view.source,
        source_ref=view.source_ref,
        body=view.disciplinary_body,
        opened_on=view.opened_on,
        investigated_on=view.investigated_on,
        decided_on=view.decided_on,
        facts=view.facts,
        decision=view.decision,
        persons=[(p.post, p.level, p.sanction) for p in view.persons],
    )


def case_evidence(
    *,
    number: str,
    unit_name: str,
    unit_code: str,
    case_type: str,
    subtype: str,
    source: str,
    source_ref: str,
    body: str,
    opened_on: date,
    investigated_on: date | None,
    decided_on: date | None,
    facts: str,
    decision: str,
    persons: Sequence[tuple[str, str, str]],
) -> str:
    """:func:`evidence_text` from plain values (the demo writes its cases' evidence with it);
    ``persons`` are (post, level, sanction), never names."""
    lines = [
        f"问责案件 Accountability case {number}",
        f"单位 Unit: {unit_name} ({unit_code})",
        f"类型 Type: {case_type}/{subtype}",
        f"来源 Source: {source} {source_ref}".rstrip(),
        f"处理机关 Disciplinary body: {body}",
        f"立案 Opened: {opened_on.isoformat()}",
        f"调查 Investigated: {investigated_on.isoformat() if investigated_on else ''}",
        f"决定 Decided: {decided_on.isoformat() if decided_on else ''}",
        "",
        "事实 Facts:",
        facts,
        "",
        "处理决定 Decision:",
        decision,
        "",
        "处理人员 Persons handled (post, level, sanction):",
        *(f"- {post} {level} {sanction}" for post, level, sanction in persons),
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
        appraised_unit(uow, campaign, unit_code)
        adjustment = enter_adjustment(
            uow,
            campaign,
            unit_id=case.unit_id,
            unit_code=unit_code,
            kind="deduction",
            points=points,
            reason=f"问责案件 {case.number}: {case.case_type}/{case.subtype}",
            evidence_name=EVIDENCE_NAME.format(number=case.number),
            evidence=evidence_text(_view(uow, case)).encode("utf-8"),
            source=f"{SOURCE_PREFIX}{case.number}"[:64],
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
