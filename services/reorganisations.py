"""Reorganisations (机构改革): renames, mergers, splits and moves, each an event with an
effective date (生效日期) and a reason.

Each event is one :class:`db.models.Reorganisation` with its
:class:`db.models.ReorganisationLink` rows, exactly as the models' docstrings describe them
(the history derivation, :mod:`services.history`, reads them):

* rename (更名) and move (调整序列): the same unit, one link from the unit to itself;
  ``details`` = ``{"name": [old, new]}`` or ``{"category": [old, new]}``;
* merge (合并): one link from each predecessor to the merged unit, ``principal`` on the
  predecessor whose past the merged unit takes. The merged unit is new or an existing
  active unit, possibly one of the predecessors absorbing the others. The other
  predecessors are retired on the effective date and point at it (``Unit.successor_id``,
  which older readers in services/results.py and services/cards.py follow);
* split (拆分): one link from the unit to each part (every part takes its past). The unit
  is retired unless it is one of the parts; it keeps no ``successor_id`` (it has several).

The register changes at once; the events record when. Campaigns keep their units as they
were appraised (``CampaignUnit``), so nothing changes in a campaign in fieldwork or later;
a draft campaign takes a renamed or moved unit's new name or category
(:func:`services.units.refresh_drafts`) and must choose its units again after a merger or a
split (:attr:`ReorgResult.drafts_to_review` names those campaigns).

Refused: an unknown or retired unit, a principal not among the predecessors, fewer than two
predecessors or parts, a unit named twice (merging a unit with itself), a unit that would
become its own predecessor (a cycle), a date in the future or before one of the units'
last events, no reason. Everything is audited with its values before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select

from db import audit
from db.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Reorganisation,
    ReorganisationKind,
    ReorganisationLink,
    Unit,
)
from db.uow import UnitOfWork
from services import defects as worded
from services import units as register
from services.clock import Clock, utcnow
from services.permissions import CurrentUser, Permission, require
from services.units import RegisterRefused

FEWER_THAN_TWO: Final = worded.Wording(
    "register.refused.fewer_than_two", "a {kind} needs at least two {what}, not {n}"
)
NAMED_TWICE: Final = worded.Wording(
    "register.refused.named_twice", "unit {code} is named twice: a unit cannot be merged or split with itself"
)
PRINCIPAL_NOT_PREDECESSOR: Final = worded.Wording(
    "register.refused.principal", "the principal predecessor {code} is not among the predecessors ({codes})"
)
CYCLE: Final = worded.Wording(
    "register.refused.cycle",
    "unit {target} is already a predecessor of {code}: the event would make a unit its own predecessor",
)
UNCHANGED: Final = worded.Wording("register.refused.unchanged", "unit {code} already has {field} {value}")


@dataclass(frozen=True, slots=True)
class NewUnit:
    """A unit created by a merger or a split (the fields of :func:`services.units.add_unit`)."""

    code: str
    name: str
    category: str
    district: str = ""
    kind: str = ""
    department: str = ""
    head_name: str = ""
    head_since: date | None = None


@dataclass(frozen=True, slots=True)
class UnitRef:
    code: str
    name: str
    principal: bool = False


@dataclass(frozen=True, slots=True)
class ReorgView:
    """One event as the page lists it: the units before (``principal`` marked) and after."""

    id: int
    kind: ReorganisationKind
    effective_on: date
    reason: str
    details: dict[str, Any]
    recorded_by: str
    recorded_at: datetime
    before: tuple[UnitRef, ...]
    after: tuple[UnitRef, ...]


@dataclass(frozen=True, slots=True)
class ReorgResult:
    """What an event did: its id, the units created and retired, and the draft campaigns
    that list a retired unit (their units must be chosen again)."""

    id: int
    created: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    drafts_to_review: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------- helpers


def _ancestors(uow: UnitOfWork, unit_id: int) -> set[int]:
    """Every unit whose links lead to ``unit_id`` (self-links of renames and moves aside)."""
    links = uow.session.execute(
        select(ReorganisationLink.from_unit_id, ReorganisationLink.to_unit_id).where(
            ReorganisationLink.from_unit_id != ReorganisationLink.to_unit_id
        )
    ).all()
    into: dict[int, set[int]] = {}
    for source, target in links:
        into.setdefault(target, set()).add(source)
    found: set[int] = set()
    frontier = {unit_id}
    while frontier:  # a set of seen units bounds the walk even if the data had a loop
        frontier = {p for u in frontier for p in into.get(u, ())} - found
        found |= frontier
    return found


def _check_no_cycle(uow: UnitOfWork, source: Unit, target: Unit) -> None:
    """A link source → target must not close a loop: target may not already lead to source."""
    if source.id != target.id and target.id in _ancestors(uow, source.id) | {source.id}:
        raise RegisterRefused(CYCLE, "into", target=target.code, code=source.code)


def _check_distinct(codes: Sequence[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise RegisterRefused(NAMED_TWICE, "units", code=code)
        seen.add(code)


def _event(
    uow: UnitOfWork,
    kind: ReorganisationKind,
    on: date,
    reason: str,
    details: dict[str, Any],
    links: Sequence[tuple[Unit, Unit, bool]],
) -> Reorganisation:
    event = Reorganisation(kind=kind, effective_on=on, reason=reason, details=details, recorded_by=uow.actor)
    event.links = [
        ReorganisationLink(from_unit_id=a.id, to_unit_id=b.id, principal=principal)
        for a, b, principal in links
    ]
    uow.session.add(event)
    uow.session.flush()
    return event


def _retire(unit: Unit, on: date, successor: Unit | None) -> None:
    unit.active, unit.retired_on = False, on
    if successor is not None:
        unit.successor_id = successor.id


def _drafts_listing(uow: UnitOfWork, unit_ids: Sequence[int]) -> tuple[str, ...]:
    if not unit_ids:
        return ()
    codes = uow.session.execute(
        select(Campaign.code)
        .join(CampaignUnit, CampaignUnit.campaign_id == Campaign.id)
        .where(CampaignUnit.unit_id.in_(list(unit_ids)), Campaign.status == CampaignStatus.draft)
        .distinct()
    ).scalars()
    return tuple(sorted(codes))


def _target(uow: UnitOfWork, spec: NewUnit | str) -> tuple[Unit, bool]:
    """The unit an event leads to: an existing active one, or a new one (True)."""
    if isinstance(spec, str):
        return register.require_active(register.load_unit(uow, spec, for_update=True)), False
    unit = register.create_unit(
        uow,
        code=spec.code,
        name=spec.name,
        category=spec.category,
        district=spec.district,
        kind=spec.kind,
        department=spec.department,
        head_name=spec.head_name,
        head_since=spec.head_since,
    )
    return unit, True


def _spec_code(spec: NewUnit | str) -> str:
    return spec if isinstance(spec, str) else spec.code


# ---------------------------------------------------------------- one unit changes


def _same_unit_event(
    uow: UnitOfWork,
    user: CurrentUser | None,
    kind: ReorganisationKind,
    code: str,
    attribute: str,
    value: str,
    effective_on: date,
    reason: str,
    clock: Clock,
) -> ReorgResult:
    actor = require(user, Permission.configure_campaign)
    reason = register.check_reason(reason)
    value = register.check_text(attribute, value, required=True)
    with uow:
        uow.actor = actor.username
        unit = register.require_active(register.load_unit(uow, code, for_update=True))
        register.check_not_future(effective_on, clock)
        register.check_after_last_event(uow, unit, effective_on)
        old = getattr(unit, attribute)
        if old == value:
            raise RegisterRefused(UNCHANGED, attribute, code=code, field=attribute, value=value)
        setattr(unit, attribute, value)
        event = _event(uow, kind, effective_on, reason, {attribute: [old, value]}, [(unit, unit, False)])
        drafts = register.refresh_drafts(uow, unit)
        audit.record(
            uow,
            f"reorganisation.{kind.value}",
            "unit",
            unit.code,
            {attribute: old},
            {
                attribute: value,
                "event": event.id,
                "effective_on": effective_on,
                "reason": reason,
                **({"draft_campaigns": drafts} if drafts else {}),
            },
        )
        uow.commit()
        return ReorgResult(event.id)


def rename(
    uow: UnitOfWork,
    user: CurrentUser | None,
    code: str,
    new_name: str,
    effective_on: date,
    reason: str,
    *,
    clock: Clock = utcnow,
) -> ReorgResult:
    """Rename (更名) an active unit: the same unit (and code) under a new name, keeping its past."""
    return _same_unit_event(
        uow, user, ReorganisationKind.rename, code, "name", new_name, effective_on, reason, clock
    )


def move(
    uow: UnitOfWork,
    user: CurrentUser | None,
    code: str,
    new_category: str,
    effective_on: date,
    reason: str,
    *,
    clock: Clock = utcnow,
) -> ReorgResult:
    """Move (调整序列) an active unit to another category: from its next campaign on it is
    ranked there; its past stays its own."""
    return _same_unit_event(
        uow, user, ReorganisationKind.move, code, "category", new_category, effective_on, reason, clock
    )


# ---------------------------------------------------------------- mergers and splits


def merge(
    uow: UnitOfWork,
    user: CurrentUser | None,
    predecessors: Sequence[str],
    principal: str,
    into: NewUnit | str,
    effective_on: date,
    reason: str,
    *,
    clock: Clock = utcnow,
) -> ReorgResult:
    """Merge (合并) two or more active units into one: a new unit (:class:`NewUnit`) or an
    existing active unit, which may be one of the predecessors absorbing the others. The
    merged unit takes the past of ``principal`` (主要前身单位) only."""
    actor = require(user, Permission.configure_campaign)
    reason = register.check_reason(reason)
    predecessors = list(predecessors)
    _check_distinct(predecessors)
    if len(predecessors) < 2:
        raise RegisterRefused(
            FEWER_THAN_TWO, "predecessors", kind="merge", what="predecessors", n=len(predecessors)
        )
    if principal not in predecessors:
        raise RegisterRefused(
            PRINCIPAL_NOT_PREDECESSOR, "principal", code=principal, codes=", ".join(predecessors)
        )
    with uow:
        uow.actor = actor.username
        units = [register.require_active(register.load_unit(uow, c, for_update=True)) for c in predecessors]
        register.check_not_future(effective_on, clock)
        for unit in units:
            register.check_after_last_event(uow, unit, effective_on)
        merged, created = _target(uow, into)
        if not created:
            register.check_after_last_event(uow, merged, effective_on)
        for unit in units:
            _check_no_cycle(uow, unit, merged)
        retired = [u for u in units if u.id != merged.id]
        before = {u.code: register.snapshot(u) for u in units}
        event = _event(
            uow,
            ReorganisationKind.merge,
            effective_on,
            reason,
            {"new_units": [merged.code]} if created else {},
            [(u, merged, u.code == principal) for u in units],
        )
        for unit in retired:
            _retire(unit, effective_on, merged)
        uow.session.flush()
        audit.record(
            uow,
            "reorganisation.merge",
            "reorganisation",
            str(event.id),
            {"units": before},
            {
                "into": register.snapshot(merged),
                "created": created,
                "principal": principal,
                "retired": [u.code for u in retired],
                "effective_on": effective_on,
                "reason": reason,
            },
        )
        drafts = _drafts_listing(uow, [u.id for u in retired])
        uow.commit()
        return ReorgResult(
            event.id, (merged.code,) if created else (), tuple(u.code for u in retired), drafts
        )


def split(
    uow: UnitOfWork,
    user: CurrentUser | None,
    code: str,
    parts: Sequence[NewUnit | str],
    effective_on: date,
    reason: str,
    *,
    clock: Clock = utcnow,
) -> ReorgResult:
    """Split (拆分) an active unit into two or more parts, each a new unit or an existing
    active one (the unit itself may stay as one of them); every part takes its past. The
    unit is retired unless it is a part."""
    actor = require(user, Permission.configure_campaign)
    reason = register.check_reason(reason)
    parts = list(parts)
    _check_distinct([_spec_code(p) for p in parts])
    if len(parts) < 2:
        raise RegisterRefused(FEWER_THAN_TWO, "parts", kind="split", what="parts", n=len(parts))
    with uow:
        uow.actor = actor.username
        unit = register.require_active(register.load_unit(uow, code, for_update=True))
        register.check_not_future(effective_on, clock)
        register.check_after_last_event(uow, unit, effective_on)
        before = register.snapshot(unit)
        targets: list[Unit] = []
        created: list[str] = []
        for spec in parts:
            target, new = _target(uow, spec)
            if new:
                created.append(target.code)
            else:
                if target.id != unit.id:
                    register.check_after_last_event(uow, target, effective_on)
                    _check_no_cycle(uow, unit, target)
            targets.append(target)
        event = _event(
            uow,
            ReorganisationKind.split,
            effective_on,
            reason,
            {"new_units": created} if created else {},
            [(unit, t, False) for t in targets],
        )
        keeps = any(t.id == unit.id for t in targets)
        if not keeps:
            _retire(unit, effective_on, None)
        uow.session.flush()
        audit.record(
            uow,
            "reorganisation.split",
            "reorganisation",
            str(event.id),
            {"unit": before},
            {
                "parts": [t.code for t in targets],
                "created": created,
                "retired": [] if keeps else [unit.code],
                "effective_on": effective_on,
                "reason": reason,
            },
        )
        drafts = () if keeps else _drafts_listing(uow, [unit.id])
        uow.commit()
        return ReorgResult(event.id, tuple(created), () if keeps else (unit.code,), drafts)


# ---------------------------------------------------------------- listing


def list_reorganisations(
    uow: UnitOfWork, user: CurrentUser | None, unit_code: str | None = None
) -> list[ReorgView]:
    """The events, newest first (by effective date, then as recorded); with ``unit_code``
    only those the unit took part in, before or after."""
    require(user, Permission.configure_campaign)
    with uow:
        query = select(Reorganisation).order_by(Reorganisation.effective_on.desc(), Reorganisation.id.desc())
        if unit_code is not None:
            unit = register.load_unit(uow, unit_code)
            involved = select(ReorganisationLink.reorganisation_id).where(
                (ReorganisationLink.from_unit_id == unit.id) | (ReorganisationLink.to_unit_id == unit.id)
            )
            query = query.where(Reorganisation.id.in_(involved))
        events = list(uow.session.execute(query).scalars())
        units = {u.id: u for u in uow.session.execute(select(Unit)).scalars()}
        views = []
        for event in events:
            before: dict[int, bool] = {}
            after: list[int] = []
            for link in event.links:
                before[link.from_unit_id] = before.get(link.from_unit_id, False) or link.principal
                if link.to_unit_id not in after:
                    after.append(link.to_unit_id)
            views.append(
                ReorgView(
                    id=event.id,
                    kind=ReorganisationKind(event.kind),
                    effective_on=event.effective_on,
                    reason=event.reason,
                    details=dict(event.details or {}),
                    recorded_by=event.recorded_by,
                    recorded_at=event.recorded_at,
                    before=tuple(_ref(units[i], p, event, 0) for i, p in before.items()),
                    after=tuple(_ref(units[i], False, event, 1) for i in after),
                )
            )
        return views


def _ref(unit: Unit, principal: bool, event: Reorganisation, side: int) -> UnitRef:
    """A unit as the event saw it: a rename shows the old name before and the new one after
    (the unit may have been renamed again since); other events show today's name."""
    names = (event.details or {}).get("name")
    name = names[side] if event.kind == ReorganisationKind.rename and names else unit.name
    return UnitRef(unit.code, name, principal)
