"""Red and yellow cards (红黄牌) as cases: issued → rectification plan → follow-up check →
lifted, or escalated → closed.

* :func:`issue_cards` (admins) opens one case per carded unit of the campaign's current
  publication (the newest approved one, so a republication after an upheld appeal
  counts). It is idempotent: a unit that already has a case keeps it.
* The reason lists why the unit was carded, as codes the pages translate:
  ``worst_list`` (on the ten-worst list), ``veto`` (一票否决), ``consecutive``
  (unsatisfactory two years running), ``carded_again`` (a card case in the previous
  year of the same series, following renamings and mergers).
* Escalation: a consecutive or carded-again unit's card is issued already
  ``escalated``: red, with the recommendation to remove the unit's head (就地免职, the
  Wuhan two-years rule). An admin may also escalate an open case (issued, plan or
  check), e.g. when the follow-up check finds the plan was not carried out; that too
  makes it red with the recommendation.
* What was done about the head (免职, or not and why) is recorded on the card by
  :mod:`services.heads` (``HeadAction``, at most one per card). An admin then closes an
  escalated card (:func:`close_card`: escalated → ``closed``), which needs that head
  action and every ledger item linked to the case done. Lifted and closed are final.
* The unit's liaison submits (and, until the check, revises) the rectification plan;
  an admin records the follow-up check, then lifts the card, which needs every ledger
  item linked to the case to be done (销号 only when resolved) and, for a card with the
  recommendation to remove the head, the head action.
* :func:`list_cards` shows each card with its head action (:class:`HeadActionView`).

Every step is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import func, select

from db import audit
from db.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    CardCase,
    Publication,
    RectificationItem,
    Role,
    Unit,
    UnitResult,
)
from db.models_registries import HeadAction
from db.uow import UnitOfWork
from services.campaigns import load_campaign
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.history import HeadChange, card_heads
from services.permissions import CurrentUser, Permission, PermissionDenied, require, require_role

STATUSES: Final = ("issued", "plan", "check", "lifted", "escalated", "closed")
OPEN: Final = frozenset({"issued", "plan", "check"})
FINAL: Final = frozenset({"lifted", "closed"})
REASONS: Final = ("worst_list", "veto", "consecutive", "below_red_line", "carded_again")
PUBLIC: Final = (CampaignStatus.published, CampaignStatus.final)


@dataclass(frozen=True, slots=True)
class HeadActionView:
    """What was done about the head of a carded unit (services/heads.py records it):
    ``removed`` on ``decided_on`` by ``decision_body`` (document ``document_number``), or
    ``not_removed`` with the ``reason``; ``head_name`` is the head concerned (in post when
    the campaign appraised the unit), ``new_head_*`` the successor the register took on."""

    id: int
    card_id: int
    campaign: str
    unit_code: str
    outcome: str
    head_name: str
    decided_on: date | None
    decision_body: str
    document_number: str
    reason: str
    new_head_name: str
    new_head_since: date | None
    recorded_by: str
    recorded_at: datetime | None


@dataclass(frozen=True, slots=True)
class CardView:
    id: int
    campaign: str
    unit_code: str
    unit_name: str
    group: str
    rank: int | None
    color: str
    reasons: tuple[str, ...]
    status: str
    plan: str
    check_note: str
    head_removal_recommended: bool
    open_items: int
    updated_at: datetime | None
    # a consecutive unit's head now and in the earlier unsatisfactory years (主要负责人变更)
    head: HeadChange | None = None
    # what was done about the head, once recorded (services/heads.py)
    head_action: HeadActionView | None = None


@dataclass(frozen=True, slots=True)
class IssueReport:
    """What :func:`issue_cards` did: the units given a new case, those that already had
    one, and those with a case but no card in the current publication any more (after
    an upheld appeal; their case is left for an admin to lift)."""

    created: tuple[str, ...]
    existing: tuple[str, ...]
    no_longer_carded: tuple[str, ...]


def current_publication(uow: UnitOfWork, campaign: Campaign) -> Publication:
    if CampaignStatus(campaign.status) not in PUBLIC:
        raise Refused(f"campaign {campaign.code} is {campaign.status}: cards follow a published result")
    publication = uow.session.execute(
        select(Publication)
        .where(Publication.campaign_id == campaign.id, Publication.approved_by.is_not(None))
        .order_by(Publication.id.desc())
        .limit(1)
    ).scalar()
    if publication is None:
        raise Refused(f"campaign {campaign.code} has no approved publication")
    return publication


def _lineage(uow: UnitOfWork, unit_id: int) -> set[int]:
    """The unit and its predecessors (units whose successor chain leads to it)."""
    lineage, frontier = {unit_id}, {unit_id}
    while frontier:
        found = set(uow.session.scalars(select(Unit.id).where(Unit.successor_id.in_(frontier))))
        frontier = found - lineage
        lineage |= found
    return lineage


def _carded_last_year(uow: UnitOfWork, campaign: Campaign, unit_id: int) -> bool:
    previous = select(Campaign.id).where(
        Campaign.series_id == campaign.series_id, Campaign.year == campaign.year - 1
    )
    return bool(
        uow.session.scalar(
            select(func.count()).where(
                CardCase.campaign_id.in_(previous), CardCase.unit_id.in_(_lineage(uow, unit_id))
            )
        )
    )


def _reasons(result: UnitResult) -> list[str]:
    row = result.row or {}
    reasons = ["worst_list"] if result.list_name == "worst" else []
    if str(row.get("veto", "")) == "true":
        reasons.append("veto")
    if result.consecutive_unsatisfactory:
        reasons.append("consecutive")
    if result.card == "red" and len(reasons) <= 1:
        reasons.append("below_red_line")  # red without veto or history: the [cards] red_below line
    return reasons


def issue_cards(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, *, clock: Clock = utcnow
) -> IssueReport:
    """Open a card case for each carded unit of the current publication (admins)."""
    actor = require(user, Permission.publish)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        session = uow.session
        campaign = load_campaign(uow, campaign_code, for_update=True)
        publication = current_publication(uow, campaign)
        carded = session.execute(
            select(UnitResult, Unit.code)
            .join(Unit, Unit.id == UnitResult.unit_id)
            .where(UnitResult.run_id == publication.run_id, UnitResult.card.in_(("red", "yellow")))
            .order_by(Unit.code)
        ).all()
        cases = {
            c.unit_id: c for c in session.scalars(select(CardCase).where(CardCase.campaign_id == campaign.id))
        }
        created, existing = [], []
        heads = card_heads(uow, campaign, [r.unit_id for r, _ in carded])
        for result, unit_code in carded:
            if result.unit_id in cases:
                existing.append(unit_code)
                continue
            reasons = _reasons(result)
            if _carded_last_year(uow, campaign, result.unit_id):
                reasons.append("carded_again")
            escalate = "consecutive" in reasons or "carded_again" in reasons
            case = CardCase(
                campaign_id=campaign.id,
                unit_id=result.unit_id,
                color="red" if escalate else result.card,
                reason=",".join(reasons),
                status="escalated" if escalate else "issued",
                head_removal_recommended=escalate,
                created_at=now,
                updated_at=now,
            )
            session.add(case)
            session.flush()
            audit.record(
                uow,
                "card.issue",
                "card_case",
                case.id,
                None,
                {
                    "campaign": campaign.code,
                    "unit": unit_code,
                    "color": case.color,
                    "reason": case.reason,
                    "status": case.status,
                    "head_removal_recommended": escalate,
                    "publication_id": publication.id,
                    **_head_record(heads.get(unit_code)),
                },
                at=now,
            )
            created.append(unit_code)
        carded_units = {r.unit_id for r, _ in carded}
        stale = sorted(
            session.scalars(
                select(Unit.code).where(
                    Unit.id.in_([u for u, c in cases.items() if u not in carded_units and c.status in OPEN])
                )
            )
        )
        uow.commit()
        return IssueReport(tuple(created), tuple(existing), tuple(stale))


def _head_record(change: HeadChange | None) -> dict[str, object]:
    """The card record's head (the removal concerns the head in post in the unsatisfactory
    years): the head now and the earlier years' heads, for a consecutive unit."""
    if change is None:
        return {}
    return {
        "head": {"name": change.now.name, "since": change.now.since, "changed": change.changed},
        "earlier_heads": [{"year": h.year, "name": h.name, "since": h.since} for h in change.earlier],
    }


def head_action_views(uow: UnitOfWork, card_ids: list[int]) -> dict[int, HeadActionView]:
    """The head actions of ``card_ids`` by card id, inside the caller's unit of work."""
    if not card_ids:
        return {}
    rows = uow.session.execute(
        select(HeadAction, Campaign.code, Unit.code)
        .join(CardCase, CardCase.id == HeadAction.card_id)
        .join(Campaign, Campaign.id == CardCase.campaign_id)
        .join(Unit, Unit.id == HeadAction.unit_id)
        .where(HeadAction.card_id.in_(card_ids))
    ).all()
    return {
        action.card_id: HeadActionView(
            id=action.id,
            card_id=action.card_id,
            campaign=campaign,
            unit_code=unit,
            outcome=action.outcome,
            head_name=action.head_name,
            decided_on=action.decided_on,
            decision_body=action.decision_body,
            document_number=action.document_number,
            reason=action.reason,
            new_head_name=action.new_head_name,
            new_head_since=action.new_head_since,
            recorded_by=action.recorded_by,
            recorded_at=as_utc(action.recorded_at) if action.recorded_at else None,
        )
        for action, campaign, unit in rows
    }


def _has_head_action(uow: UnitOfWork, case: CardCase) -> bool:
    return bool(uow.session.scalar(select(func.count()).where(HeadAction.card_id == case.id)))


def _undone_items(uow: UnitOfWork, case: CardCase) -> int:
    return int(
        uow.session.scalar(
            select(func.count()).where(
                RectificationItem.card_id == case.id, RectificationItem.status != "done"
            )
        )
        or 0
    )


def _load(uow: UnitOfWork, card_id: int) -> CardCase:
    case = uow.session.execute(select(CardCase).where(CardCase.id == card_id).with_for_update()).scalar()
    if case is None:
        raise NotFound(f"no card case has the id {card_id}")
    return case


def _expect(case: CardCase, allowed: tuple[str, ...], step: str, needs: str) -> None:
    if case.status not in allowed:
        raise Refused(f"card case {case.id} is {case.status}: {step} {needs}")


def _step(uow: UnitOfWork, case: CardCase, action: str, to: str, now: datetime, **fields: object) -> None:
    before = {"status": case.status, **{k: getattr(case, k) for k in fields}}
    case.status = to
    for name, value in fields.items():
        setattr(case, name, value)
    case.updated_at = now
    audit.record(uow, action, "card_case", case.id, before, {"status": to, **fields}, at=now)


def submit_plan(
    uow: UnitOfWork, user: CurrentUser | None, card_id: int, plan: str, *, clock: Clock = utcnow
) -> None:
    """issued → plan (or revise the plan before the check): the unit's liaison."""
    # Liaisons act for their own unit only: the same unit-scoped permission as appeals.
    actor = require_role(user, Permission.file_appeal)
    if not plan.strip():
        raise Refused("a rectification plan cannot be empty")
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        case = _load(uow, card_id)
        require(actor, Permission.file_appeal, unit_id=case.unit_id)
        _expect(case, ("issued", "plan"), "a plan", "is submitted while the card is issued or in plan")
        _step(uow, case, "card.plan", "plan", now, plan=plan)
        uow.commit()


def record_check(
    uow: UnitOfWork, user: CurrentUser | None, card_id: int, note: str, *, clock: Clock = utcnow
) -> None:
    """plan → check: an admin records the follow-up check (回头看) of the plan."""
    actor = require(user, Permission.publish)
    if not note.strip():
        raise Refused("the follow-up check needs its findings")
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        case = _load(uow, card_id)
        _expect(case, ("plan",), "the follow-up check", "needs the unit's rectification plan first")
        _step(uow, case, "card.check", "check", now, check_note=note)
        uow.commit()


def lift_card(uow: UnitOfWork, user: CurrentUser | None, card_id: int, *, clock: Clock = utcnow) -> None:
    """check → lifted (admins): only after the check, with every linked ledger item done and,
    for a card recommending the head's removal, what was done about the head recorded."""
    actor = require(user, Permission.publish)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        case = _load(uow, card_id)
        if case.head_removal_recommended and not _has_head_action(uow, case):
            raise Refused(
                f"card case {case.id} cannot be lifted: it recommends the removal of the unit's head, "
                "and what was done about the head is not recorded yet"
            )
        _expect(case, ("check",), "lifting", "needs the follow-up check first")
        undone = _undone_items(uow, case)
        if undone:
            raise Refused(
                f"card case {case.id} cannot be lifted: {undone} of its ledger item(s) are not done"
            )
        _step(uow, case, "card.lift", "lifted", now)
        uow.commit()


def close_card(uow: UnitOfWork, user: CurrentUser | None, card_id: int, *, clock: Clock = utcnow) -> None:
    """escalated → closed (admins): needs what was done about the head recorded (a card
    recommending the removal) and every linked ledger item done."""
    actor = require(user, Permission.publish)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        case = _load(uow, card_id)
        _expect(case, ("escalated",), "closing", "is for an escalated card")
        if case.head_removal_recommended and not _has_head_action(uow, case):
            raise Refused(
                f"card case {case.id} cannot be closed: what was done about the unit's head "
                "is not recorded yet"
            )
        undone = _undone_items(uow, case)
        if undone:
            raise Refused(
                f"card case {case.id} cannot be closed: {undone} of its ledger item(s) are not done"
            )
        _step(uow, case, "card.close", "closed", now)
        uow.commit()


def escalate_card(
    uow: UnitOfWork, user: CurrentUser | None, card_id: int, note: str, *, clock: Clock = utcnow
) -> None:
    """issued, plan or check → escalated (admins): a red card and the recommendation to
    remove the unit's head."""
    actor = require(user, Permission.publish)
    if not note.strip():
        raise Refused("an escalation needs its reasons")
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        case = _load(uow, card_id)
        _expect(case, tuple(sorted(OPEN)), "escalation", "is only possible while the case is open")
        _step(
            uow,
            case,
            "card.escalate",
            "escalated",
            now,
            color="red",
            head_removal_recommended=True,
            check_note=note,
        )
        uow.commit()


def card_scope(user: CurrentUser | None) -> int | None:
    """None: every unit (admins); else the liaison's own unit. Others are refused."""
    actor = require_role(user, Permission.view_unit_detail)
    if Role(actor.role) != Role.liaison:
        return None
    if actor.unit_id is None:
        raise PermissionDenied(f"{actor.username} (liaison) belongs to no unit")
    return actor.unit_id


def list_cards(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[CardView]:
    """The campaign's card cases, red first: admins all, a liaison only its own unit's."""
    unit_scope = card_scope(user)
    with uow:
        session = uow.session
        campaign = load_campaign(uow, campaign_code)
        run_id = session.scalar(
            select(Publication.run_id)
            .where(Publication.campaign_id == campaign.id, Publication.approved_by.is_not(None))
            .order_by(Publication.id.desc())
            .limit(1)
        )
        query = (
            select(CardCase, Unit.code, CampaignUnit.name, UnitResult.ranking_group, UnitResult.rank)
            .join(Unit, Unit.id == CardCase.unit_id)
            .join(
                CampaignUnit,
                (CampaignUnit.campaign_id == CardCase.campaign_id)
                & (CampaignUnit.unit_id == CardCase.unit_id),
            )
            .outerjoin(
                UnitResult, (UnitResult.unit_id == CardCase.unit_id) & (UnitResult.run_id == (run_id or -1))
            )
            .where(CardCase.campaign_id == campaign.id)
        )
        if unit_scope is not None:
            query = query.where(CardCase.unit_id == unit_scope)
        open_items = dict(
            session.execute(
                select(RectificationItem.card_id, func.count())
                .where(RectificationItem.campaign_id == campaign.id, RectificationItem.status != "done")
                .group_by(RectificationItem.card_id)
            ).all()
        )
        found = session.execute(query).all()
        heads = card_heads(uow, campaign, [case.unit_id for case, *_ in found])
        actions = head_action_views(uow, [case.id for case, *_ in found])
        views = [
            CardView(
                id=case.id,
                campaign=campaign.code,
                unit_code=unit,
                unit_name=name,
                group=group or "",
                rank=rank,
                color=case.color,
                reasons=tuple(r for r in case.reason.split(",") if r),
                status=case.status,
                plan=case.plan,
                check_note=case.check_note,
                head_removal_recommended=case.head_removal_recommended,
                open_items=int(open_items.get(case.id, 0)),
                updated_at=as_utc(case.updated_at) if case.updated_at else None,
                head=heads.get(unit),
                head_action=actions.get(case.id),
            )
            for case, unit, name, group, rank in found
        ]
        return sorted(views, key=lambda v: (v.color != "red", v.group, v.unit_code))
