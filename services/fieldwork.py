"""Fieldwork by the contractor (第三方电话抽访): assigning cases, recording calls, progress.

Admins may watch fieldwork but not do it; a caller records calls only on the cases
assigned to them (their ``Caller`` row is linked to their account).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from db import audit
from db.models import CallAttempt, Caller, CampaignStatus, CampaignUnit, PhoneCase, SurveyResponse, Unit
from db.uow import UnitOfWork
from scoring.phone import disposition_class
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, PermissionDenied, require

# Completed interview (AAPOR 1.1).
COMPLETE = "1.1"


def _case(uow: UnitOfWork, campaign_id: int, case_code: str) -> PhoneCase:
    case = uow.session.execute(
        select(PhoneCase)
        .where(PhoneCase.campaign_id == campaign_id, PhoneCase.code == case_code)
        .with_for_update()
    ).scalar()
    if case is None:
        raise NotFound(f"no phone case {case_code!r} in this campaign")
    return case


def assign_case(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, case_code: str, caller_code: str
) -> None:
    """Give a case to a caller, or move it to another one (supervisors)."""
    actor = require(user, Permission.assign_cases)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code)
        assert_inputs_editable(campaign)
        if CampaignStatus(campaign.status) not in {CampaignStatus.draft, CampaignStatus.fieldwork}:
            raise Refused(f"fieldwork of campaign {campaign_code} is closed ({campaign.status})")
        case = _case(uow, campaign.id, case_code)
        if case.disposition:
            raise Refused(f"case {case_code} is closed ({case.disposition}); it cannot be reassigned")
        caller = uow.session.execute(select(Caller).where(Caller.code == caller_code)).scalar()
        if caller is None:
            raise NotFound(f"no caller has the code {caller_code!r}")
        before = uow.session.get(Caller, case.caller_id).code if case.caller_id else None
        case.caller_id = caller.id
        audit.record(
            uow,
            "case.assign",
            "phone_case",
            f"{campaign_code}/{case_code}",
            {"caller": before},
            {"caller": caller_code},
        )
        uow.commit()


def record_call_attempt(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    case_code: str,
    disposition: str,
    *,
    final: bool = False,
    duration_seconds: float | None = None,
    note: str = "",
    clock: Clock = utcnow,
) -> int:
    """Record one dialling of the caller's own case with its AAPOR disposition; ``final``
    closes the case with it. Returns the number of attempts so far."""
    actor = require(user, Permission.record_calls)
    if disposition_class(disposition) is None:
        raise Refused(f"{disposition!r} is not an AAPOR disposition code")
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code)
        case = _case(uow, campaign.id, case_code)
        caller = uow.session.get(Caller, case.caller_id) if case.caller_id else None
        if caller is None or caller.user_id != actor.id:
            raise PermissionDenied(f"case {case_code} is not assigned to {actor.username}")
        assert_inputs_editable(campaign)
        if CampaignStatus(campaign.status) != CampaignStatus.fieldwork:
            raise Refused(f"campaign {campaign_code} is not in fieldwork ({campaign.status})")
        if case.disposition:
            raise Refused(f"case {case_code} is already closed ({case.disposition})")
        attempt = CallAttempt(
            case_id=case.id,
            caller_id=caller.id,
            started_at=now,
            duration_seconds=duration_seconds,
            disposition=disposition,
            note=note,
        )
        uow.session.add(attempt)
        before = {"attempts": case.attempts, "disposition": case.disposition}
        case.attempts += 1
        if final:
            case.disposition = disposition
        uow.session.flush()
        audit.record(
            uow,
            "case.call",
            "phone_case",
            f"{campaign_code}/{case_code}",
            before,
            {"attempts": case.attempts, "disposition": case.disposition, "attempt": disposition},
            at=now,
        )
        uow.commit()
        return case.attempts


def fieldwork_progress(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[dict[str, Any]]:
    """Per unit: survey responses, phone cases, cases called, cases closed and completed
    interviews (supervisors and admins)."""
    require(user, Permission.watch_fieldwork)
    with uow:
        session = uow.session
        campaign = load_campaign(uow, campaign_code)
        responses = dict(
            session.execute(
                select(SurveyResponse.unit_id, func.count())
                .where(SurveyResponse.campaign_id == campaign.id)
                .group_by(SurveyResponse.unit_id)
            ).all()
        )
        cases: dict[int, list[PhoneCase]] = {}
        for case in session.execute(select(PhoneCase).where(PhoneCase.campaign_id == campaign.id)).scalars():
            cases.setdefault(case.unit_id, []).append(case)
        units = session.execute(
            select(Unit.id, Unit.code, CampaignUnit.name)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position)
        ).all()
        return [
            {
                "unit_id": code,
                "name": name,
                "responses": responses.get(unit_id, 0),
                "cases": len(cases.get(unit_id, [])),
                "called": sum(1 for c in cases.get(unit_id, []) if c.attempts),
                "closed": sum(1 for c in cases.get(unit_id, []) if c.disposition),
                "completed": sum(1 for c in cases.get(unit_id, []) if c.disposition == COMPLETE),
            }
            for unit_id, code, name in units
        ]
