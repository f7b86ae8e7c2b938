"""Adjustments (加分、扣分、一票否决): bonus points, deductions and vetoes with their evidence.

An admin enters each adjustment for one unit with a reason and an evidence document (the
decision that a striving target 拼搏目标 was met, the verified case of inaction 不作为,
the veto's ruling); the bytes and the file name are stored with it. Points are checked
against the method (``methodology.md`` section 5): bonus and deduction points are
positive and an entry may not exceed the campaign's cap (``adjustments.bonus_cap`` = 5,
``adjustments.deduction_cap`` = 10 unless ``campaign.toml`` says otherwise); a unit may
hold several entries whose sum goes beyond the cap, but scoring applies at most the cap,
and :func:`unit_totals` shows both. A veto carries no points.

An adjustment is never edited: it is removed with a reason and entered again. Every
addition and removal is audited (the evidence by name, size and SHA-256, not its bytes).
Permission: :attr:`Permission.configure_campaign`; nothing changes once published.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import func, select

from db import audit
from db.models import Adjustment, Campaign, CampaignUnit, Unit
from db.uow import UnitOfWork
from scoring.params import parse_campaign_toml
from services.campaigns import assert_inputs_editable, load_campaign
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

KINDS: Final = ("bonus", "deduction", "veto")
MAX_EVIDENCE_BYTES: Final = 10 * 1024 * 1024
MAX_NAME: Final = 200  # Adjustment.evidence_name is String(200)


class EvidenceTooLarge(Refused):
    """The evidence file is over :data:`MAX_EVIDENCE_BYTES`."""


@dataclass(frozen=True, slots=True)
class Caps:
    """The most bonus and deduction points scoring applies to one unit."""

    bonus: float
    deduction: float


@dataclass(frozen=True, slots=True)
class AdjustmentRow:
    id: int
    unit_code: str
    unit_name: str
    kind: str
    points: float | None
    reason: str
    evidence_name: str
    evidence_size: int


@dataclass(frozen=True, slots=True)
class UnitTotal:
    """A unit's adjustments summed, and what scoring applies after the caps."""

    unit_code: str
    unit_name: str
    bonus: float
    deduction: float
    bonus_applied: float
    deduction_applied: float
    veto: bool


def campaign_caps(campaign: Campaign) -> Caps:
    """The caps of the campaign's method (defaults where ``campaign.toml`` says nothing)."""
    # method_toml holds the method tables without [campaign]: only the parameters are used.
    _, params, _ = parse_campaign_toml(campaign.method_toml or "")
    return Caps(bonus=params.bonus_cap, deduction=params.deduction_cap)


def caps(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> Caps:
    require(user, Permission.configure_campaign)
    with uow:
        return campaign_caps(load_campaign(uow, campaign_code))


def check_points(kind: str, points: float | None, limits: Caps) -> float | None:
    """The points to store, or :class:`Refused` saying why they are not allowed."""
    if kind not in KINDS:
        raise Refused(f"the kind must be bonus, deduction or veto, not {kind!r}")
    if kind == "veto":
        if points not in (None, 0):
            raise Refused("a veto (一票否决) carries no points")
        return None
    if points is None or isinstance(points, bool) or not isinstance(points, int | float):
        raise Refused(f"give the {kind} points as a number")
    if not math.isfinite(points) or points <= 0:
        raise Refused(f"{kind} points must be a positive number, not {points!r}")
    cap = limits.bonus if kind == "bonus" else limits.deduction
    if points > cap:
        raise Refused(
            f"{points:g} {kind} points exceed the method's cap of {cap:g} per unit "
            f"(adjustments.{kind}_cap in campaign.toml)"
        )
    return float(points)


def appraised_unit(uow: UnitOfWork, campaign: Campaign, unit_code: str) -> tuple[int, str]:
    """(unit id, name in the campaign) of a unit the campaign appraises; NotFound otherwise."""
    row = uow.session.execute(
        select(Unit.id, CampaignUnit.name)
        .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
        .where(Unit.code == unit_code, CampaignUnit.campaign_id == campaign.id)
    ).first()
    if row is None:
        raise NotFound(f"unit {unit_code!r} is not appraised in campaign {campaign.code}")
    return int(row[0]), str(row[1])


def described(adjustment: Adjustment, unit_code: str) -> dict[str, Any]:
    """An adjustment as the audit trail keeps it: the evidence by name, size and SHA-256."""
    evidence = adjustment.evidence or b""
    return {
        "unit": unit_code,
        "kind": adjustment.kind,
        "points": adjustment.points,
        "reason": adjustment.reason,
        "evidence_name": adjustment.evidence_name,
        "evidence_size": len(evidence),
        "evidence_sha256": hashlib.sha256(evidence).hexdigest() if evidence else "",
        **({"source": adjustment.source} if adjustment.source else {}),
    }


def enter_adjustment(
    uow: UnitOfWork,
    campaign: Campaign,
    *,
    unit_id: int,
    unit_code: str,
    kind: str,
    points: float | None,
    reason: str,
    evidence_name: str,
    evidence: bytes | None,
    source: str = "",
) -> Adjustment:
    """Write one checked adjustment after the campaign's others and audit it, inside the
    caller's transaction: the one way an entry is written, typed by an admin or proposed by
    a rule (``source``: inspections, accountability cases)."""
    position = uow.session.execute(
        select(func.coalesce(func.max(Adjustment.position), -1)).where(Adjustment.campaign_id == campaign.id)
    ).scalar_one()
    adjustment = Adjustment(
        campaign_id=campaign.id,
        unit_id=unit_id,
        kind=kind,
        points=points,
        reason=reason,
        evidence_name=evidence_name,
        evidence=evidence,
        position=int(position) + 1,
        source=source,
    )
    uow.session.add(adjustment)
    uow.session.flush()
    audit.record(uow, "adjustment.add", "adjustment", adjustment.id, None, described(adjustment, unit_code))
    return adjustment


def withdraw_adjustment(uow: UnitOfWork, adjustment: Adjustment, unit_code: str, why: dict[str, Any]) -> None:
    """Delete an adjustment inside the caller's transaction; the audit entry keeps what it
    was (``before``) and why it went (``why``, e.g. the reason and the decision)."""
    before = described(adjustment, unit_code)
    adjustment_id = adjustment.id
    uow.session.delete(adjustment)
    uow.session.flush()
    audit.record(uow, "adjustment.remove", "adjustment", adjustment_id, before, why)


def add_adjustment(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    unit_code: str,
    kind: str,
    points: float | None,
    reason: str,
    evidence_name: str,
    evidence: bytes | None,
) -> int:
    """Enter a bonus, deduction or veto for one unit with its reason and evidence; returns
    its id. Refused without a reason or evidence, with points out of bounds, with a
    second veto for the same unit, or with evidence over 10 MB."""
    actor = require(user, Permission.configure_campaign)
    reason = reason.strip()
    evidence_name = evidence_name.strip()
    if not reason:
        raise Refused("give the reason for the adjustment (the target met, the verified case, the ruling)")
    if not evidence or not evidence_name:
        raise Refused("attach the evidence document (the decision, the verified case file)")
    if len(evidence) > MAX_EVIDENCE_BYTES:
        raise EvidenceTooLarge(
            f"the evidence file {evidence_name} is {len(evidence) / 2**20:.1f} MB; "
            f"at most {MAX_EVIDENCE_BYTES // 2**20} MB can be stored: send a smaller scan or an extract"
        )
    if len(evidence_name) > MAX_NAME:
        stem, dot, suffix = evidence_name.rpartition(".")
        keep = MAX_NAME - len(suffix) - 1
        evidence_name = f"{stem[:keep]}.{suffix}" if dot and keep > 0 else evidence_name[:MAX_NAME]
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        stored_points = check_points(kind, points, campaign_caps(campaign))
        unit_id, _ = appraised_unit(uow, campaign, unit_code)
        if kind == "veto":
            vetoed = uow.session.execute(
                select(func.count()).where(
                    Adjustment.campaign_id == campaign.id,
                    Adjustment.unit_id == unit_id,
                    Adjustment.kind == "veto",
                )
            ).scalar_one()
            if vetoed:
                raise Refused(f"unit {unit_code} is already vetoed in campaign {campaign.code}")
        adjustment = enter_adjustment(
            uow,
            campaign,
            unit_id=unit_id,
            unit_code=unit_code,
            kind=kind,
            points=stored_points,
            reason=reason,
            evidence_name=evidence_name,
            evidence=evidence,
        )
        uow.commit()
        return adjustment.id


def _adjustment(uow: UnitOfWork, campaign: Campaign, adjustment_id: int) -> tuple[Adjustment, str]:
    row = uow.session.execute(
        select(Adjustment, Unit.code)
        .join(Unit, Unit.id == Adjustment.unit_id)
        .where(Adjustment.id == adjustment_id, Adjustment.campaign_id == campaign.id)
    ).first()
    if row is None:
        raise NotFound(f"campaign {campaign.code} has no adjustment {adjustment_id}")
    return row[0], str(row[1])


def remove_adjustment(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, adjustment_id: int, reason: str
) -> None:
    """Remove an adjustment, with a reason; the audit entry keeps what it was."""
    actor = require(user, Permission.configure_campaign)
    reason = reason.strip()
    if not reason:
        raise Refused("give a reason for removing the adjustment")
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        adjustment, unit_code = _adjustment(uow, campaign, adjustment_id)
        withdraw_adjustment(uow, adjustment, unit_code, {"reason": reason})
        uow.commit()


def list_adjustments(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[AdjustmentRow]:
    """The campaign's adjustments in the order they were entered (without evidence bytes)."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        rows = uow.session.execute(
            select(
                Adjustment.id,
                Unit.code,
                CampaignUnit.name,
                Adjustment.kind,
                Adjustment.points,
                Adjustment.reason,
                Adjustment.evidence_name,
                func.coalesce(func.length(Adjustment.evidence), 0),
            )
            .join(Unit, Unit.id == Adjustment.unit_id)
            .outerjoin(
                CampaignUnit,
                (CampaignUnit.unit_id == Adjustment.unit_id) & (CampaignUnit.campaign_id == campaign.id),
            )
            .where(Adjustment.campaign_id == campaign.id)
            .order_by(Adjustment.position, Adjustment.id)
        ).all()
    return [
        AdjustmentRow(
            id=aid,
            unit_code=code,
            unit_name=name or code,
            kind=kind,
            points=points,
            reason=reason or "",
            evidence_name=evidence_name or "",
            evidence_size=int(size or 0),
        )
        for aid, code, name, kind, points, reason, evidence_name, size in rows
    ]


def unit_totals(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[UnitTotal]:
    """Per unit with any adjustment: the sums, what the caps let through, and the veto."""
    rows = list_adjustments(uow, user, campaign_code)
    with uow:
        limits = campaign_caps(load_campaign(uow, campaign_code))
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = totals.setdefault(
            row.unit_code, {"name": row.unit_name, "bonus": 0.0, "deduction": 0.0, "veto": False}
        )
        if row.kind == "veto":
            entry["veto"] = True
        else:
            entry[row.kind] += row.points or 0.0
    return [
        UnitTotal(
            unit_code=code,
            unit_name=entry["name"],
            bonus=entry["bonus"],
            deduction=entry["deduction"],
            bonus_applied=min(entry["bonus"], limits.bonus),
            deduction_applied=min(entry["deduction"], limits.deduction),
            veto=entry["veto"],
        )
        for code, entry in totals.items()
    ]


def evidence(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, adjustment_id: int
) -> tuple[str, bytes]:
    """The evidence document of an adjustment: its file name and bytes."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        adjustment, _ = _adjustment(uow, campaign, adjustment_id)
        if not adjustment.evidence:
            raise NotFound(f"adjustment {adjustment_id} has no evidence file stored")
        return adjustment.evidence_name or f"evidence-{adjustment_id}", bytes(adjustment.evidence)
