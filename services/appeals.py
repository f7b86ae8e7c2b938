"""Appeals (申诉) during the public notice period (公示期), and their decisions.

A unit's liaison appeals for their own unit only; admins decide. Every step is audited.
"""

from __future__ import annotations

from sqlalchemy import select

from db import audit
from db.models import Appeal, CampaignStatus
from db.uow import UnitOfWork
from services.campaigns import load_campaign
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require, require_role
from services.responses import _campaign_unit_id

TARGETS = frozenset({"result", "response", "indicator_value"})


def file_appeal(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    unit_code: str,
    reasons: str,
    *,
    target: str = "result",
    target_ref: str = "",
    clock: Clock = utcnow,
) -> int:
    """Appeal against the unit's result, one response or one indicator value (the unit's
    liaison, during the notice period). Returns the appeal's id."""
    actor = require_role(user, Permission.file_appeal)
    if target not in TARGETS:
        raise Refused(f"an appeal is against one of {', '.join(sorted(TARGETS))}, not {target!r}")
    if not reasons.strip():
        raise Refused("an appeal needs its reasons")
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code)
        unit_id = _campaign_unit_id(uow, campaign.id, unit_code)
        require(actor, Permission.file_appeal, unit_id=unit_id)
        if CampaignStatus(campaign.status) != CampaignStatus.published or (
            campaign.notice_ends_at is not None and now >= as_utc(campaign.notice_ends_at)
        ):
            raise Refused(f"campaign {campaign_code} is not in its public notice period: appeals are closed")
        appeal = Appeal(
            campaign_id=campaign.id,
            unit_id=unit_id,
            target=target,
            target_ref=target_ref,
            reasons=reasons,
            status="open",
            created_at=now,
        )
        uow.session.add(appeal)
        uow.session.flush()
        audit.record(
            uow,
            "appeal.file",
            "appeal",
            appeal.id,
            None,
            {
                "campaign": campaign_code,
                "unit": unit_code,
                "target": target,
                "target_ref": target_ref,
                "reasons": reasons,
            },
            at=now,
        )
        uow.commit()
        return appeal.id


def decide_appeal(
    uow: UnitOfWork,
    user: CurrentUser | None,
    appeal_id: int,
    upheld: bool,
    decision: str,
    *,
    clock: Clock = utcnow,
) -> None:
    """Uphold or reject an open appeal, with the reasons for the decision (admins)."""
    actor = require(user, Permission.decide_appeal)
    if not decision.strip():
        raise Refused("a decision needs its reasons")
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        appeal = uow.session.execute(select(Appeal).where(Appeal.id == appeal_id).with_for_update()).scalar()
        if appeal is None:
            raise NotFound(f"no appeal has the id {appeal_id}")
        if appeal.status != "open":
            raise Refused(f"appeal {appeal_id} was already decided ({appeal.status})")
        appeal.status = "upheld" if upheld else "rejected"
        appeal.decision, appeal.decided_by, appeal.decided_at = decision, actor.username, now
        audit.record(
            uow,
            "appeal.decide",
            "appeal",
            appeal.id,
            {"status": "open"},
            {"status": appeal.status, "decision": decision},
            at=now,
        )
        uow.commit()
