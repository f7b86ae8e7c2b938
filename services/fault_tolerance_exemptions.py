"""What a granted fault-tolerance application (容错免责, :func:`services.fault_tolerance.decide`)
does to its case, within the decision's transaction.

An overdue case (超时办结) becomes exempt and no longer counts in the overtime indicator at
its next computation (:func:`services.indicators.compute_overtime_indicator`). An
accountability case (问责案件) becomes exempt: it proposes no deduction, a proposed one is
withdrawn and a confirmed one's adjustment (扣分) is removed. Each change is audited with
its values before and after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import select

from db import audit
from db.models import Adjustment, Campaign, OverdueCase, Unit
from db.models_registries import AccountabilityCase, FaultToleranceApplication
from db.uow import UnitOfWork
from services.adjustments import withdraw_adjustment
from services.campaigns import assert_inputs_editable
from services.errors import Refused
from services.permissions import CurrentUser

EXEMPT_PREFIX: Final = "容错免责"


def exempt_overdue(uow: UnitOfWork, app: FaultToleranceApplication, actor: CurrentUser, at: datetime) -> None:
    """Exempt the application's overdue case (refused when its campaign's inputs are frozen)."""
    case = uow.session.get(OverdueCase, app.overdue_case_id)
    assert case is not None
    campaign = uow.session.get(Campaign, case.campaign_id)
    assert campaign is not None
    assert_inputs_editable(campaign)
    if case.exempt:
        raise Refused(f"overdue case {case.case_number} is already exempt ({case.exempt_reason})")

    def state() -> dict[str, Any]:
        return {
            "exempt": bool(case.exempt),
            "exempt_reason": case.exempt_reason or "",
            "exempted_by": case.exempted_by,
            "exempted_at": case.exempted_at,
        }

    before = state()
    case.exempt, case.exempt_reason = True, f"{EXEMPT_PREFIX} {app.decision_document}"
    case.exempted_by, case.exempted_at = actor.username, at
    audit.record(
        uow,
        "overdue_case.exempt",
        "overdue_case",
        f"{campaign.code}/{case.case_number}",
        before,
        {**state(), "application": app.id},
    )


def exempt_accountability(uow: UnitOfWork, app: FaultToleranceApplication) -> None:
    """Exempt the application's accountability case, withdrawing its deduction."""
    case = uow.session.get(AccountabilityCase, app.accountability_case_id, with_for_update=True)
    assert case is not None
    if case.exempt:
        raise Refused(f"accountability case {case.number} is already exempt")

    def state() -> dict[str, Any]:
        return {
            "exempt": bool(case.exempt),
            "deduction_points": case.deduction_points,
            "deduction_status": case.deduction_status,
            "adjustment_id": case.adjustment_id,
        }

    before = state()
    if case.deduction_status == "confirmed" and case.adjustment_id is not None:
        adjustment = uow.session.get(Adjustment, case.adjustment_id)
        if adjustment is not None:
            campaign = uow.session.get(Campaign, adjustment.campaign_id)
            assert campaign is not None
            assert_inputs_editable(campaign)
            unit_code = uow.session.scalar(select(Unit.code).where(Unit.id == adjustment.unit_id)) or ""
            withdraw_adjustment(
                uow,
                adjustment,
                unit_code,
                {
                    "reason": f"{EXEMPT_PREFIX} {app.decision_document}: accountability case {case.number}",
                    "application": app.id,
                },
            )
    if case.deduction_status in ("proposed", "confirmed"):
        case.deduction_status, case.adjustment_id = "exempted", None
    case.exempt = True
    audit.record(
        uow,
        "accountability_case.exempt",
        "accountability_case",
        case.number,
        before,
        {**state(), "application": app.id, "decision_document": app.decision_document},
    )
