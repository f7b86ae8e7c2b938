"""The rectification ledger (整改台账): problems a unit must fix, with deadline, status,
progress note and evidence.

Where items come from (:func:`generate_items`, admins, idempotent):

* ``survey``: each unit's most named problem types (冷硬推…) among its counted answers
  (``source_ref`` = the problem type's code);
* ``call``: phone interview questions answered with the scale's lowest option (不满意)
  by enough respondents (``source_ref`` = the question's code);
* ``appeal``: each upheld appeal (``source_ref`` = the appeal's id): what the decision
  found is followed up by the unit;
* ``card``: each card case (``source_ref`` = the case's id), to carry out its plan.

An item about a carded unit is linked to its card case (``card_id``); the card can only
be lifted once its items are done.

Status: ``open`` → ``in_progress`` → ``done``; a liaison updates only the items of its
own unit, admins every item (and may reopen one). "Overdue" is never stored: it is
computed when read (deadline passed and not done), so it cannot go stale. The
rectification rate (整改率) of a unit is done ÷ all its items.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import select

from db import audit
from db.models import (
    Appeal,
    Campaign,
    CampaignUnit,
    CardCase,
    Item,
    PhoneAnswer,
    PhoneCase,
    RectificationItem,
    Role,
    ScaleOption,
    SurveyResponse,
    Unit,
)
from db.uow import UnitOfWork
from services.appeals import check_evidence
from services.campaigns import load_campaign
from services.cards import card_scope, current_publication
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require, require_role

SOURCES: Final = ("survey", "call", "appeal", "card")
STATUSES: Final = ("open", "in_progress", "done")
LIAISON_STATUSES: Final = frozenset({"in_progress", "done"})
# Chinese names of the problem types for the stored description (the ledger is an
# official document kept in Chinese; the pages show the type in the reader's language).
PROBLEM_ZH: Final = {
    "cold_hard_shirking": "冷硬推",
    "waiting_relying": "等靠要",
    "mediocre_lazy_lax": "庸懒散",
    "false_slow_delay": "假慢拖",
    "inaction": "不作为",
    "slow_action": "慢作为",
    "misconduct": "乱作为",
}
COLOR_ZH: Final = {"red": "红牌", "yellow": "黄牌"}


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    campaign: str
    unit_code: str
    unit_name: str
    source: str
    source_ref: str
    card_id: int | None
    description: str
    deadline: date | None
    status: str
    overdue: bool
    progress_note: str
    evidence_name: str
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class UnitRate:
    """A unit's ledger at a glance; ``rate`` (整改率) = done ÷ items (None without items)."""

    unit_code: str
    unit_name: str
    items: int
    done: int
    in_progress: int
    open: int
    overdue: int

    @property
    def rate(self) -> float | None:
        return self.done / self.items if self.items else None


def is_overdue(deadline: date | None, status: str, today: date) -> bool:
    return deadline is not None and deadline < today and status != "done"


def _survey_problems(
    uow: UnitOfWork, campaign: Campaign, top: int, min_mentions: int
) -> list[tuple[int, str, str]]:
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for unit_id, types in uow.session.execute(
        select(SurveyResponse.unit_id, SurveyResponse.problem_types).where(
            SurveyResponse.campaign_id == campaign.id, SurveyResponse.status == "valid"
        )
    ):
        counts[unit_id].update(types or [])
    found = []
    for unit_id, counter in counts.items():
        for code, n in counter.most_common(top):
            if n >= min_mentions:
                label = PROBLEM_ZH.get(code, code)
                found.append((unit_id, code, f"问卷反映“{label}”问题 {n} 次，需查找原因并整改。"))
    return found


def _call_problems(uow: UnitOfWork, campaign: Campaign, min_dissatisfied: int) -> list[tuple[int, str, str]]:
    session = uow.session
    items = session.execute(
        select(Item.id, Item.code, Item.text_zh, Item.scale_id).where(
            Item.campaign_id == campaign.id, Item.instrument == "phone"
        )
    ).all()
    # "dissatisfied" is the scale's lowest scored option (不满意 on sat3); 不了解 has no score.
    lowest: dict[int, str] = {}
    for scale_id, code in session.execute(
        select(ScaleOption.scale_id, ScaleOption.code)
        .where(ScaleOption.scale_id.in_({i.scale_id for i in items}), ScaleOption.score.is_not(None))
        .order_by(ScaleOption.scale_id, ScaleOption.score.desc())
    ):
        lowest[scale_id] = code  # the last one per scale, i.e. the lowest score
    scale_of = {i.id: i.scale_id for i in items}
    counts: Counter[tuple[int, int]] = Counter()
    for item_id, option, unit_id in session.execute(
        select(PhoneAnswer.item_id, PhoneAnswer.option_code, PhoneCase.unit_id)
        .join(PhoneCase, PhoneCase.id == PhoneAnswer.case_id)
        .where(PhoneCase.campaign_id == campaign.id)
    ):
        if item_id in scale_of and lowest.get(scale_of[item_id]) == option:
            counts[(unit_id, item_id)] += 1
    by_id = {i.id: i for i in items}
    return [
        (unit_id, by_id[item_id].code, f"电话抽访中 {n} 位受访者对“{by_id[item_id].text_zh}”表示不满意。")
        for (unit_id, item_id), n in sorted(counts.items())
        if n >= min_dissatisfied and item_id in by_id
    ]


def generate_items(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    deadline: date,
    *,
    top_problems: int = 2,
    min_mentions: int = 3,
    min_dissatisfied: int = 3,
    clock: Clock = utcnow,
) -> dict[str, int]:
    """Open ledger items from the published campaign's surveys, calls, upheld appeals and
    card cases, each due by ``deadline`` (admins). Items already in the ledger (same
    unit, source and reference) are kept as they are. Returns the new items per source."""
    actor = require(user, Permission.publish)
    now = as_utc(clock())
    if deadline < now.date():
        raise Refused(f"the deadline {deadline.isoformat()} has already passed")
    with uow:
        uow.actor = actor.username
        session = uow.session
        campaign = load_campaign(uow, campaign_code, for_update=True)
        current_publication(uow, campaign)  # only a published result raises problems to fix
        cards = {
            c.unit_id: c for c in session.scalars(select(CardCase).where(CardCase.campaign_id == campaign.id))
        }
        found: list[tuple[str, int, str, str]] = [
            *(
                ("survey", u, ref, text)
                for u, ref, text in _survey_problems(uow, campaign, top_problems, min_mentions)
            ),
            *(("call", u, ref, text) for u, ref, text in _call_problems(uow, campaign, min_dissatisfied)),
            *(
                ("appeal", a.unit_id, str(a.id), f"申诉 #{a.id} 经核查成立：{a.decision}")
                for a in session.scalars(
                    select(Appeal).where(Appeal.campaign_id == campaign.id, Appeal.status == "upheld")
                )
            ),
            *(
                (
                    "card",
                    c.unit_id,
                    str(c.id),
                    f"落实{COLOR_ZH.get(c.color, c.color)}整改方案，接受回头看检查。",
                )
                for c in cards.values()
            ),
        ]
        known = set(
            session.execute(
                select(
                    RectificationItem.unit_id, RectificationItem.source, RectificationItem.source_ref
                ).where(RectificationItem.campaign_id == campaign.id)
            ).all()
        )
        made: Counter[str] = Counter({s: 0 for s in SOURCES})
        for source, unit_id, ref, description in found:
            if (unit_id, source, ref) in known:
                continue
            card = cards.get(unit_id)
            item = RectificationItem(
                campaign_id=campaign.id,
                unit_id=unit_id,
                source=source,
                source_ref=ref,
                card_id=card.id if card is not None else None,
                description=description,
                deadline=deadline,
                status="open",
                created_at=now,
                updated_at=now,
            )
            session.add(item)
            session.flush()
            audit.record(
                uow,
                "rectification.open",
                "rectification_item",
                item.id,
                None,
                {
                    "campaign": campaign.code,
                    "unit_id": unit_id,
                    "source": source,
                    "source_ref": ref,
                    "card_id": item.card_id,
                    "deadline": deadline,
                    "description": description,
                },
                at=now,
            )
            made[source] += 1
        uow.commit()
        return dict(made)


def update_item(
    uow: UnitOfWork,
    user: CurrentUser | None,
    item_id: int,
    *,
    status: str | None = None,
    progress_note: str | None = None,
    evidence: bytes | None = None,
    evidence_name: str = "",
    deadline: date | None = None,
    clock: Clock = utcnow,
) -> None:
    """Record progress on a ledger item: the unit's liaison (own items; status in_progress
    or done) or an admin (any item, any status, and the deadline). Marking an item done
    needs a progress note saying what was done."""
    actor = require_role(user, Permission.view_unit_detail)
    is_liaison = Role(actor.role) == Role.liaison
    if status is not None and status not in STATUSES:
        raise Refused(f"a ledger item is {', '.join(STATUSES)}, not {status!r}")
    if is_liaison and status is not None and status not in LIAISON_STATUSES:
        raise Refused("a liaison sets an item in progress or done; reopening is for admins")
    if is_liaison and deadline is not None:
        raise Refused("the deadline is set by the organization department's admins")
    name, data = check_evidence(evidence_name, evidence)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        item = uow.session.execute(
            select(RectificationItem).where(RectificationItem.id == item_id).with_for_update()
        ).scalar()
        if item is None:
            raise NotFound(f"no ledger item has the id {item_id}")
        require(actor, Permission.view_unit_detail, unit_id=item.unit_id)
        note = item.progress_note if progress_note is None else progress_note.strip()
        if status == "done" and not note:
            raise Refused("say what was done (a progress note) before marking the item done")
        changes = {
            "status": status,
            "progress_note": None if progress_note is None else note,
            "deadline": deadline,
        }
        before: dict[str, object] = {}
        after: dict[str, object] = {}
        for field, value in changes.items():
            if value is not None and value != getattr(item, field):
                before[field], after[field] = getattr(item, field), value
                setattr(item, field, value)
        if data is not None:
            before["evidence_name"], after["evidence_name"] = item.evidence_name, name
            after["evidence_sha256"] = hashlib.sha256(data).hexdigest()
            item.evidence, item.evidence_name = data, name
        if not after:
            raise Refused("nothing to change")
        item.updated_at = now
        audit.record(uow, "rectification.update", "rectification_item", item.id, before, after, at=now)
        uow.commit()


def ledger(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    *,
    unit_code: str | None = None,
    status: str | None = None,
    overdue_only: bool = False,
    today: date | None = None,
) -> list[ItemView]:
    """The campaign's ledger items (admins all, a liaison its own unit's), filtered by
    unit, status and overdue; by unit, then deadline."""
    unit_scope = card_scope(user)
    today = today or utcnow().date()
    with uow:
        campaign = load_campaign(uow, campaign_code)
        query = (
            select(RectificationItem, Unit.code, CampaignUnit.name)
            .join(Unit, Unit.id == RectificationItem.unit_id)
            .join(
                CampaignUnit,
                (CampaignUnit.campaign_id == RectificationItem.campaign_id)
                & (CampaignUnit.unit_id == RectificationItem.unit_id),
            )
            .where(RectificationItem.campaign_id == campaign.id)
            .order_by(Unit.code, RectificationItem.deadline, RectificationItem.id)
        )
        if unit_scope is not None:
            query = query.where(RectificationItem.unit_id == unit_scope)
        if unit_code:
            query = query.where(Unit.code == unit_code)
        if status:
            query = query.where(RectificationItem.status == status)
        views = [
            ItemView(
                id=item.id,
                campaign=campaign.code,
                unit_code=code,
                unit_name=name,
                source=item.source,
                source_ref=item.source_ref,
                card_id=item.card_id,
                description=item.description,
                deadline=item.deadline,
                status=item.status,
                overdue=is_overdue(item.deadline, item.status, today),
                progress_note=item.progress_note,
                evidence_name=item.evidence_name,
                updated_at=as_utc(item.updated_at) if item.updated_at else None,
            )
            for item, code, name in uow.session.execute(query)
        ]
        return [v for v in views if v.overdue] if overdue_only else views


def unit_rates(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, *, today: date | None = None
) -> list[UnitRate]:
    """Per unit with ledger items: counts by status, overdue items and the rate (整改率);
    lowest rate first."""
    tally: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for item in ledger(uow, user, campaign_code, today=today):
        counter = tally[(item.unit_code, item.unit_name)]
        counter[item.status] += 1
        counter["overdue"] += item.overdue
    rates = [
        UnitRate(
            unit_code=code,
            unit_name=name,
            items=c["open"] + c["in_progress"] + c["done"],
            done=c["done"],
            in_progress=c["in_progress"],
            open=c["open"],
            overdue=c["overdue"],
        )
        for (code, name), c in tally.items()
    ]
    return sorted(rates, key=lambda r: (r.rate if r.rate is not None else 1.0, r.unit_code))


def item_evidence(uow: UnitOfWork, user: CurrentUser | None, item_id: int) -> tuple[str, bytes]:
    """An item's evidence file (admins; the liaison of its unit)."""
    unit_scope = card_scope(user)
    with uow:
        item = uow.session.get(RectificationItem, item_id)
        if item is None or (unit_scope is not None and item.unit_id != unit_scope):
            raise NotFound(f"no ledger item {item_id} is visible to you")
        if item.evidence is None:
            raise NotFound(f"ledger item {item_id} has no evidence file")
        return item.evidence_name, item.evidence
