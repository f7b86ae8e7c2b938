"""What was done about the head (主要负责人) of a unit whose card recommends the head's
removal (就地免职: unsatisfactory two years running, carded again, or escalated).

* :func:`record_head_action` (admins) records it once per card (``HeadAction``):
  ``removed`` (免职) on a date, by a decision body, with the decision's document number;
  or ``not_removed`` with the reason (the head had already left or was transferred, the
  decision body decided otherwise...) and, if there was a decision, its date, body and
  document number. A decision is dated today at the latest and not before the card was
  issued.
* The head concerned is the head recorded for the card's campaign
  (``CampaignUnit.head_name``: the head in post when the campaign appraised the unit,
  which :mod:`services.history` calls the head "now" of a consecutive unit, beside the
  heads of the earlier unsatisfactory years); the unit register's current head only when
  the campaign recorded none. The register may have changed since, so it is not asked.
* A removal may name the new head and the date the new head took post: the unit
  register then follows through its own checks (:func:`services.units.apply_changes`,
  as :func:`services.units.edit_unit` applies them: an active unit, a later date than
  the previous head's...), in the same transaction, audited as ``unit.update`` beside
  ``head_action.record``; draft campaigns listing the unit take the new head too.
* :func:`correct_head_action` (admins) corrects a recorded action with a reason,
  audited before and after; the new head is corrected in the unit register itself.
* :func:`head_actions` and :func:`pending_head_actions` list the recorded actions and
  the recommended removals with none yet (admins all units, a liaison its own unit).
* :func:`published_removals` (no permission: the public unit page) gives the removals of
  a published campaign's units: the date, the deciding body and the document number
  only (a removal is a public decision; a reason for not removing stays internal).

Closing the card (:func:`services.cards.close_card`) or lifting it needs the action.
Refusals are :class:`HeadRefused` (a :class:`services.errors.Refused`) whose ``key`` and
``params`` word them for the page (``ui/messages_heads.py``) and whose English names the
field; a refusal of the register's checks is the register's own ``RegisterRefused``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select

from db import audit
from db.models import Campaign, CampaignStatus, CampaignUnit, CardCase, Unit
from db.models_registries import HeadAction
from db.uow import UnitOfWork
from scoring.textrules import formula_like
from services import defects as worded
from services import units
from services.campaigns import load_campaign
from services.cards import HeadActionView, card_scope, head_action_views
from services.clock import Clock, as_utc, beijing_day, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

__all__ = [
    "OUTCOMES",
    "HeadActionView",
    "HeadRefused",
    "PendingHead",
    "correct_head_action",
    "head_actions",
    "pending_head_actions",
    "published_removals",
    "record_head_action",
]

OUTCOMES: Final = ("removed", "not_removed")
MAX_TEXT: Final = 100  # decision body and document number: the columns' width
MAX_REASON: Final = 2000

BAD_OUTCOME = worded.Wording("heads.refused.outcome", "outcome: {value!r} is not removed or not_removed")
NOT_RECOMMENDED = worded.Wording(
    "heads.refused.not_recommended",
    "card case {card}: its card does not recommend the removal of the unit's head",
)
ALREADY = worded.Wording(
    "heads.refused.already",
    "card case {card}: what was done about the head is already recorded (correct it instead)",
)
NONE_YET = worded.Wording(
    "heads.refused.none_yet", "card case {card}: nothing is recorded about the head yet to correct"
)
CARD_FINAL = worded.Wording(
    "heads.refused.card_final", "card case {card} is {status}: its head action can no longer change"
)
REQUIRED = worded.Wording("heads.refused.required", "{field} is required for {what}")
TOO_LONG = worded.Wording("heads.refused.too_long", "{field}: at most {max} characters")
FORMULA = worded.Wording("heads.refused.formula", "{field}: must not start like a spreadsheet formula")
FUTURE = worded.Wording("heads.refused.future", "{field}: {on} is after today ({today})")
BEFORE_CARD = worded.Wording(
    "heads.refused.before_card", "{field}: {on} is before the card was issued ({issued})"
)
NEW_HEAD_ONLY_REMOVED = worded.Wording(
    "heads.refused.new_head_not_removed",
    "new_head_name: a new head is named with a removal; otherwise change the head in the unit register",
)
NEW_HEAD_SAME = worded.Wording(
    "heads.refused.new_head_same", "new_head_name: {name} is the head concerned, not a new head"
)
NEW_HEAD_SINCE = worded.Wording(
    "heads.refused.new_head_since", "new_head_since: the date the new head took post is required"
)
NEW_HEAD_BEFORE = worded.Wording(
    "heads.refused.new_head_before",
    "new_head_since: {on} is before the removal was decided ({decided})",
)
NEW_HEAD_KEPT = worded.Wording(
    "heads.refused.new_head_kept",
    "outcome: the action named a new head ({name}); a correction to not_removed cannot keep it",
)


class HeadRefused(Refused):
    """A head action refused; ``key`` and ``params`` word it for the page, ``field`` names
    the form field when there is one."""

    def __init__(self, wording: worded.Wording, field: str | None = None, /, **params: Any) -> None:
        self.key = wording.key
        self.params: Mapping[str, Any] = params
        self.field = field
        super().__init__(wording.english.format(**params))


@dataclass(frozen=True, slots=True)
class PendingHead:
    """A card recommending the removal of the unit's head with nothing recorded yet."""

    card_id: int
    campaign: str
    unit_code: str
    unit_name: str
    head_name: str  # the head concerned (see the module docstring)
    status: str
    issued_at: datetime | None


@dataclass(frozen=True, slots=True)
class PublishedRemoval:
    """A removal from post as the public unit page names it."""

    unit_code: str
    head_name: str
    decided_on: date | None
    decision_body: str
    document_number: str


# ---------------------------------------------------------------- checks


def _text(field: str, value: str, limit: int, *, required: bool = False, what: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise HeadRefused(REQUIRED, field, field=field, what=what)
    if formula_like(text):
        raise HeadRefused(FORMULA, field, field=field)
    if len(text) > limit:
        raise HeadRefused(TOO_LONG, field, field=field, max=limit)
    return text


def _issued_on(case: CardCase) -> date | None:
    return beijing_day(case.created_at) if case.created_at else None


def _check_day(field: str, on: date, case: CardCase, clock: Clock) -> date:
    if not isinstance(on, date) or isinstance(on, datetime):
        raise HeadRefused(REQUIRED, field, field=field, what="a decision (a date)")
    today = units.today(clock)
    if on > today:
        raise HeadRefused(FUTURE, field, field=field, on=on.isoformat(), today=today.isoformat())
    issued = _issued_on(case)
    if issued is not None and on < issued:
        raise HeadRefused(BEFORE_CARD, field, field=field, on=on.isoformat(), issued=issued.isoformat())
    return on


def _checked(
    case: CardCase,
    *,
    outcome: str,
    decided_on: date | None,
    decision_body: str,
    document_number: str,
    reason: str,
    clock: Clock,
) -> dict[str, Any]:
    """The action's own fields, checked (see :func:`record_head_action`)."""
    if outcome not in OUTCOMES:
        raise HeadRefused(BAD_OUTCOME, "outcome", value=outcome)
    removed = outcome == "removed"
    # not removed: a decision is optional, but one given is complete (date, body, number)
    decision = removed or bool(decided_on or (decision_body or "").strip() or (document_number or "").strip())
    what = "a removal" if removed else "a decision"
    body = _text("decision_body", decision_body, MAX_TEXT, required=decision, what=what)
    number = _text("document_number", document_number, MAX_TEXT, required=decision, what=what)
    why = _text("reason", reason, MAX_REASON, required=not removed, what="an outcome other than removal")
    if decision and decided_on is None:
        raise HeadRefused(REQUIRED, "decided_on", field="decided_on", what=what)
    day = _check_day("decided_on", decided_on, case, clock) if decided_on is not None else None
    return {
        "outcome": outcome,
        "decided_on": day,
        "decision_body": body,
        "document_number": number,
        "reason": why,
    }


def _record_of(action: HeadAction) -> dict[str, Any]:
    return {
        "outcome": action.outcome,
        "head_name": action.head_name,
        "decided_on": action.decided_on,
        "decision_body": action.decision_body,
        "document_number": action.document_number,
        "reason": action.reason,
        "new_head_name": action.new_head_name,
        "new_head_since": action.new_head_since,
    }


def _load_case(uow: UnitOfWork, card_id: int) -> CardCase:
    case = uow.session.execute(select(CardCase).where(CardCase.id == card_id).with_for_update()).scalar()
    if case is None:
        raise NotFound(f"no card case has the id {card_id}")
    return case


def _head_concerned(uow: UnitOfWork, case: CardCase) -> str:
    """The head recorded for the card's campaign; the register's head if it recorded none."""
    appraised = uow.session.scalar(
        select(CampaignUnit.head_name).where(
            CampaignUnit.campaign_id == case.campaign_id, CampaignUnit.unit_id == case.unit_id
        )
    )
    if appraised:
        return appraised
    return uow.session.scalar(select(Unit.head_name).where(Unit.id == case.unit_id)) or ""


def _new_head_to_register(
    uow: UnitOfWork, case: CardCase, name: str, since: date, now: datetime
) -> dict[str, Any]:
    """The unit register takes on the new head through its own checks; audited as the
    register audits an edit (``unit.update``), naming the card. Returns what changed."""
    code = uow.session.scalar(select(Unit.code).where(Unit.id == case.unit_id))
    unit = units.require_active(units.load_unit(uow, str(code), for_update=True))
    before = units.snapshot(unit)
    units.apply_changes(uow, unit, {"head_name": name, "head_since": since})
    old, new = units.changed(before, units.snapshot(unit))
    if new:
        drafts = units.refresh_drafts(uow, unit)
        if drafts:
            new["draft_campaigns"] = drafts
        new["head_action_card"] = case.id
        audit.record(uow, "unit.update", "unit", unit.code, old, new, at=now)
    return new


def _view(uow: UnitOfWork, card_id: int) -> HeadActionView:
    return head_action_views(uow, [card_id])[card_id]


# ---------------------------------------------------------------- recording


def record_head_action(
    uow: UnitOfWork,
    user: CurrentUser | None,
    card_id: int,
    *,
    outcome: str,
    decided_on: date | None = None,
    decision_body: str = "",
    document_number: str = "",
    reason: str = "",
    new_head_name: str = "",
    new_head_since: date | None = None,
    clock: Clock = utcnow,
) -> HeadActionView:
    """Record what was done about the head on card ``card_id`` (admins), once per card.

    ``removed``: ``decided_on`` (today at the latest, not before the card was issued),
    ``decision_body`` and ``document_number`` are required; ``new_head_name`` with
    ``new_head_since`` (not before the decision, not in the future) puts the new head in
    the unit register (its checks; also :attr:`Permission.configure_campaign`).
    ``not_removed``: the ``reason`` is required, and the decision's date, body and number
    if there was a decision. Audited as ``head_action.record``.

    Raises
    ------
    PermissionDenied
        Not an admin.
    NotFound
        No card case has this id.
    HeadRefused
        The card does not recommend the removal, is lifted or closed, already has its
        action, or a field is missing or wrong (its name is in the message).
    services.units.RegisterRefused
        The register refused the new head (a retired unit, a date not after the previous
        head's...).
    """
    actor = require(user, Permission.publish)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        case = _load_case(uow, card_id)
        if not case.head_removal_recommended:
            raise HeadRefused(NOT_RECOMMENDED, None, card=case.id)
        if case.status in ("lifted", "closed"):
            raise HeadRefused(CARD_FINAL, None, card=case.id, status=case.status)
        if uow.session.scalar(select(HeadAction.id).where(HeadAction.card_id == case.id)) is not None:
            raise HeadRefused(ALREADY, None, card=case.id)
        fields = _checked(
            case,
            outcome=outcome,
            decided_on=decided_on,
            decision_body=decision_body,
            document_number=document_number,
            reason=reason,
            clock=clock,
        )
        head = _head_concerned(uow, case)
        new_name = _text("new_head_name", new_head_name, MAX_TEXT)
        if new_name:
            require(actor, Permission.configure_campaign)  # the unit register's own permission
            if outcome != "removed":
                raise HeadRefused(NEW_HEAD_ONLY_REMOVED, "new_head_name")
            if new_name == head:
                raise HeadRefused(NEW_HEAD_SAME, "new_head_name", name=head)
            if new_head_since is None:
                raise HeadRefused(NEW_HEAD_SINCE, "new_head_since")
            _check_day("new_head_since", new_head_since, case, clock)
            if fields["decided_on"] is not None and new_head_since < fields["decided_on"]:
                raise HeadRefused(
                    NEW_HEAD_BEFORE,
                    "new_head_since",
                    on=new_head_since.isoformat(),
                    decided=fields["decided_on"].isoformat(),
                )
        action = HeadAction(
            card_id=case.id,
            unit_id=case.unit_id,
            head_name=head,
            new_head_name=new_name,
            new_head_since=new_head_since if new_name else None,
            recorded_by=actor.username,
            recorded_at=now,
            **fields,
        )
        uow.session.add(action)
        uow.session.flush()
        campaign, unit_code = uow.session.execute(
            select(Campaign.code, Unit.code)
            .join(CardCase, CardCase.campaign_id == Campaign.id)
            .join(Unit, Unit.id == CardCase.unit_id)
            .where(CardCase.id == case.id)
        ).one()
        audit.record(
            uow,
            "head_action.record",
            "head_action",
            action.id,
            None,
            {"card": case.id, "campaign": campaign, "unit": unit_code, **_record_of(action)},
            at=now,
        )
        if new_name and new_head_since is not None:
            _new_head_to_register(uow, case, new_name, new_head_since, now)
        view = _view(uow, case.id)
        uow.commit()
        return view


def correct_head_action(
    uow: UnitOfWork,
    user: CurrentUser | None,
    card_id: int,
    *,
    correction: str,
    outcome: str,
    decided_on: date | None = None,
    decision_body: str = "",
    document_number: str = "",
    reason: str = "",
    clock: Clock = utcnow,
) -> HeadActionView:
    """Correct the recorded action of card ``card_id`` (admins) with the ``correction``'s
    reason: the outcome, decision and reason, checked as when recorded; the head
    concerned and the new head stay (the new head is corrected in the unit register).
    Audited as ``head_action.correct`` with the values before and after. Refused as
    :func:`record_head_action`, and when nothing is recorded or the card is lifted or
    closed, or a correction to ``not_removed`` would keep a new head."""
    actor = require(user, Permission.publish)
    now = as_utc(clock())
    why = _text("correction", correction, MAX_REASON, required=True, what="a correction")
    with uow:
        uow.actor = actor.username
        case = _load_case(uow, card_id)
        action = uow.session.execute(
            select(HeadAction).where(HeadAction.card_id == case.id).with_for_update()
        ).scalar()
        if action is None:
            raise HeadRefused(NONE_YET, None, card=case.id)
        if case.status in ("lifted", "closed"):
            raise HeadRefused(CARD_FINAL, None, card=case.id, status=case.status)
        fields = _checked(
            case,
            outcome=outcome,
            decided_on=decided_on,
            decision_body=decision_body,
            document_number=document_number,
            reason=reason,
            clock=clock,
        )
        if action.new_head_name and outcome != "removed":
            raise HeadRefused(NEW_HEAD_KEPT, "outcome", name=action.new_head_name)
        if action.new_head_since and fields["decided_on"] and action.new_head_since < fields["decided_on"]:
            raise HeadRefused(
                NEW_HEAD_BEFORE,
                "decided_on",
                on=action.new_head_since.isoformat(),
                decided=fields["decided_on"].isoformat(),
            )
        before = _record_of(action)
        for name, value in fields.items():
            setattr(action, name, value)
        after = _record_of(action)
        old, new = units.changed(before, after)
        if new:
            audit.record(
                uow,
                "head_action.correct",
                "head_action",
                action.id,
                old,
                {**new, "correction": why},
                at=now,
            )
        view = _view(uow, case.id)
        uow.commit()
        return view


# ---------------------------------------------------------------- reading


def head_actions(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[HeadActionView]:
    """The campaign's recorded head actions by unit code: admins all, a liaison its own unit's."""
    scope = card_scope(user)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        query = select(CardCase.id).where(CardCase.campaign_id == campaign.id)
        if scope is not None:
            query = query.where(CardCase.unit_id == scope)
        views = head_action_views(uow, list(uow.session.scalars(query)))
        return sorted(views.values(), key=lambda v: v.unit_code)


def pending_head_actions(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str | None = None
) -> list[PendingHead]:
    """Cards recommending the removal of the unit's head with nothing recorded about it yet,
    of one campaign or (``None``) of all, oldest card first: admins all, a liaison its own."""
    scope = card_scope(user)
    with uow:
        recorded = select(HeadAction.card_id)
        query = (
            select(CardCase, Campaign.code, Unit.code, CampaignUnit.name, CampaignUnit.head_name)
            .add_columns(Unit.head_name)
            .join(Campaign, Campaign.id == CardCase.campaign_id)
            .join(Unit, Unit.id == CardCase.unit_id)
            .join(
                CampaignUnit,
                (CampaignUnit.campaign_id == CardCase.campaign_id)
                & (CampaignUnit.unit_id == CardCase.unit_id),
            )
            .where(CardCase.head_removal_recommended.is_(True), CardCase.id.not_in(recorded))
            .order_by(CardCase.created_at, CardCase.id)
        )
        if campaign_code is not None:
            query = query.where(CardCase.campaign_id == load_campaign(uow, campaign_code).id)
        if scope is not None:
            query = query.where(CardCase.unit_id == scope)
        return [
            PendingHead(
                card_id=case.id,
                campaign=campaign,
                unit_code=unit,
                unit_name=name,
                head_name=appraised or register or "",
                status=case.status,
                issued_at=as_utc(case.created_at) if case.created_at else None,
            )
            for case, campaign, unit, name, appraised, register in uow.session.execute(query)
        ]


def published_removals(uow: UnitOfWork, campaign_code: str) -> dict[str, PublishedRemoval]:
    """The recorded removals (``removed``) of the campaign's units by unit code, for the
    public unit page: only while the campaign's results are published (公示期 or final),
    else empty. No permission needed; the reason and who recorded it are not given."""
    with uow:
        campaign = load_campaign(uow, campaign_code)
        if CampaignStatus(campaign.status) not in (CampaignStatus.published, CampaignStatus.final):
            return {}
        rows = uow.session.execute(
            select(HeadAction, Unit.code)
            .join(CardCase, CardCase.id == HeadAction.card_id)
            .join(Unit, Unit.id == HeadAction.unit_id)
            .where(CardCase.campaign_id == campaign.id, HeadAction.outcome == "removed")
        ).all()
        return {
            unit: PublishedRemoval(
                unit_code=unit,
                head_name=action.head_name,
                decided_on=action.decided_on,
                decision_body=action.decision_body,
                document_number=action.document_number,
            )
            for action, unit in rows
        }
