"""Inspection visits (明察暗访), the entry side: recording, verifying and listing the
visits of the rounds planned in :mod:`services.inspection_rounds`, and their photos.

* An inspector (:attr:`Permission.record_inspections`) records, on the phone, a visit to
  a unit of an active round assigned to them (:func:`my_assignments`): when (within the
  round's period, not in the future), the head counts (应到、到岗、在岗、专注: the three
  rates 三率), findings typed with the twelve harms (十二害, :data:`scoring.registries.HARMS`),
  notes and at most :data:`MAX_PHOTOS` photos, stored without their metadata
  (:mod:`services.inspection_photos`). All or nothing.
* Admins verify or reject each visit (recorded → verified | rejected, a rejection with a
  note; a verified visit may still be rejected, with a note). Only verified visits count
  (services that compute the rates read them).

Every change is audited with its before and after values (photos by name, size and
SHA-256, not their bytes).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from db import audit
from db.models import Campaign, CampaignUnit, Unit
from db.models_registries import (
    InspectionFinding,
    InspectionPhoto,
    InspectionRound,
    InspectionRoundInspector,
    InspectionRoundUnit,
    InspectionVisit,
)
from db.uow import UnitOfWork
from scoring.registries import HARMS, check_head_counts, three_rates
from services.campaigns import load_campaign
from services.clock import BEIJING, Clock, as_utc, beijing_day, utcnow
from services.errors import NotFound, Refused
from services.inspection_photos import prepare_photo
from services.inspection_rounds import MAX_NOTES, campaign_code_of, checked_text, load_round
from services.permissions import CurrentUser, Permission, PermissionDenied, allowed, require

VISIT_STATUSES: Final = ("recorded", "verified", "rejected")
MAX_PHOTOS: Final = 6
MAX_FINDINGS: Final = 36
MAX_DESCRIPTION: Final = 1000
MAX_HEADS: Final = 100_000  # more staff than any office has: a typing error
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW: Final = timedelta(minutes=5)


# ---------------------------------------------------------------- views


class OutsidePeriod(Refused):
    """The visit's Beijing day is outside its round's period (the refusal an inspector
    recording late meets most; pages say it in the person's language from the dates)."""

    def __init__(self, round_code: str, day: date, starts_on: date, ends_on: date) -> None:
        super().__init__(
            f"the visit day {day} (Beijing time) is outside round {round_code}'s period "
            f"{starts_on} – {ends_on} (visited_at)"
        )
        self.day, self.starts_on, self.ends_on = day, starts_on, ends_on


@dataclass(frozen=True, slots=True)
class AssignedUnit:
    code: str
    name: str
    category: str
    visits: int  # visits of the round to this unit, by anyone, not rejected
    mine: int  # of which recorded by this inspector

    @property
    def visited(self) -> bool:
        return self.visits > 0


@dataclass(frozen=True, slots=True)
class Assignment:
    """An active round assigned to an inspector, its units not yet visited first."""

    round_id: int
    campaign: str
    campaign_name: str
    code: str
    name: str
    mode: str
    starts_on: date
    ends_on: date
    units: tuple[AssignedUnit, ...]


@dataclass(frozen=True, slots=True)
class FindingView:
    harm: str
    description: str


@dataclass(frozen=True, slots=True)
class PhotoView:
    id: int
    name: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class Rates:
    """The three rates of a visit, in percent."""

    attendance: float  # 到岗率
    on_post: float  # 在岗率
    focus: float  # 专注率


def visit_rates(expected: int, present: int, on_post: int, focused: int) -> Rates | None:
    """The three rates of one visit (the pooled formula of :func:`scoring.registries.three_rates`
    over a single visit), or None when the head counts are impossible."""
    if check_head_counts(expected, present, on_post, focused) is not None:
        return None
    rates = three_rates(
        np.zeros(1, dtype=np.int64),
        np.array([expected]),
        np.array([present]),
        np.array([on_post]),
        np.array([focused]),
        1,
    )
    return Rates(float(rates.attendance_rate[0]), float(rates.on_post_rate[0]), float(rates.focus_rate[0]))


@dataclass(frozen=True, slots=True)
class VisitView:
    id: int
    round_id: int
    round_code: str
    campaign: str
    unit_code: str
    unit_name: str
    inspector: str
    visited_at: datetime  # aware, UTC
    staff_expected: int
    staff_present: int
    staff_on_post: int
    staff_focused: int
    notes: str
    status: str
    verified_by: str | None
    verified_at: datetime | None
    verify_note: str
    created_at: datetime
    findings: tuple[FindingView, ...]
    photos: tuple[PhotoView, ...]

    @property
    def rates(self) -> Rates | None:
        return visit_rates(self.staff_expected, self.staff_present, self.staff_on_post, self.staff_focused)


# ---------------------------------------------------------------- the inspector's side


def my_assignments(uow: UnitOfWork, user: CurrentUser | None) -> list[Assignment]:
    """The active rounds this inspector is assigned to, each with its units: those not yet
    visited first (by anyone, rejected visits aside), then by name."""
    actor = require(user, Permission.record_inspections)
    with uow:
        rounds = uow.session.scalars(
            select(InspectionRound)
            .join(InspectionRoundInspector, InspectionRoundInspector.round_id == InspectionRound.id)
            .where(InspectionRoundInspector.user_id == actor.id, InspectionRound.status == "active")
            .order_by(InspectionRound.ends_on, InspectionRound.id)
        ).all()
        out = []
        for rnd in rounds:
            campaign = uow.session.get(Campaign, rnd.campaign_id)
            assert campaign is not None
            units = uow.session.execute(
                select(Unit.id, Unit.code, CampaignUnit.name, CampaignUnit.category)
                .join(InspectionRoundUnit, InspectionRoundUnit.unit_id == Unit.id)
                .outerjoin(
                    CampaignUnit,
                    (CampaignUnit.unit_id == Unit.id) & (CampaignUnit.campaign_id == rnd.campaign_id),
                )
                .where(InspectionRoundUnit.round_id == rnd.id)
            ).all()
            counts: dict[int, list[int]] = {}
            for unit_id, inspector in uow.session.execute(
                select(InspectionVisit.unit_id, InspectionVisit.inspector).where(
                    InspectionVisit.round_id == rnd.id, InspectionVisit.status != "rejected"
                )
            ):
                entry = counts.setdefault(unit_id, [0, 0])
                entry[0] += 1
                entry[1] += inspector == actor.username
            assigned = sorted(
                (
                    AssignedUnit(code, name or code, category or "", *counts.get(uid, [0, 0]))
                    for uid, code, name, category in units
                ),
                key=lambda u: (u.visited, u.name, u.code),
            )
            out.append(
                Assignment(
                    round_id=rnd.id,
                    campaign=campaign.code,
                    campaign_name=campaign.name,
                    code=rnd.code,
                    name=rnd.name,
                    mode=rnd.mode,
                    starts_on=rnd.starts_on,
                    ends_on=rnd.ends_on,
                    units=tuple(assigned),
                )
            )
        return out


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(f"give {field} as a whole number")
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise Refused(f"give {field} as a whole number, not {value!r}")
    if not 0 <= int(value) <= MAX_HEADS:
        raise Refused(f"{field} must be between 0 and {MAX_HEADS}, not {value!r}")
    return int(value)


def record_visit(
    uow: UnitOfWork,
    user: CurrentUser | None,
    round_id: int,
    *,
    unit_code: str,
    visited_at: datetime,
    staff_expected: int,
    staff_present: int,
    staff_on_post: int,
    staff_focused: int,
    findings: Sequence[tuple[str, str]] = (),
    notes: str = "",
    photos: Sequence[tuple[str, bytes]] = (),
    clock: Clock = utcnow,
) -> int:
    """Record a visit of an active round assigned to the inspector; returns its id.

    Refused: not assigned, round not active, unit not in the round, visited_at without a
    time zone, outside the round's period (Beijing dates) or in the future, impossible
    head counts, an unknown harm or a finding without description, texts too long, more
    than :data:`MAX_PHOTOS` photos or one that is not a usable image. Nothing is stored
    unless everything is."""
    actor = require(user, Permission.record_inspections)
    if not isinstance(visited_at, datetime) or visited_at.tzinfo is None:
        raise Refused("give the time of the visit (visited_at) with its time zone")
    expected = _count(staff_expected, "the staff expected (应到, staff_expected)")
    present = _count(staff_present, "the staff present (到岗, staff_present)")
    on_post = _count(staff_on_post, "the staff on post (在岗, staff_on_post)")
    focused = _count(staff_focused, "the staff focused on their work (专注, staff_focused)")
    problem = check_head_counts(expected, present, on_post, focused)
    if problem:
        raise Refused(f"impossible head counts: {problem}")
    notes = checked_text(notes, "notes", MAX_NOTES)
    if len(findings) > MAX_FINDINGS:
        raise Refused(f"{len(findings)} findings; at most {MAX_FINDINGS} can be recorded on one visit")
    clean_findings = []
    for harm, description in findings:
        if harm not in HARMS:
            raise Refused(f"unknown harm {harm!r} in the findings; one of {''.join(HARMS)}")
        what = f"description of the finding {harm}"
        clean_findings.append((harm, checked_text(description, what, MAX_DESCRIPTION, required=True)))
    if len(photos) > MAX_PHOTOS:
        raise Refused(f"{len(photos)} photos; at most {MAX_PHOTOS} can be attached to one visit")
    prepared = [prepare_photo(name, raw) for name, raw in photos]  # before the transaction: slow
    now = as_utc(clock())
    at = as_utc(visited_at)
    if at > now + CLOCK_SKEW:
        raise Refused(f"the visit time (visited_at) {at.astimezone(BEIJING):%Y-%m-%d %H:%M} is in the future")
    with uow:
        uow.actor = actor.username
        rnd = load_round(uow, round_id)
        if actor.id not in {i.user_id for i in rnd.inspectors}:
            raise PermissionDenied(f"{actor.username} is not assigned to inspection round {rnd.code}")
        if rnd.status != "active":
            raise Refused(f"round {rnd.code} is {rnd.status}: visits are recorded only while it is active")
        day = beijing_day(at)
        if not rnd.starts_on <= day <= rnd.ends_on:
            raise OutsidePeriod(rnd.code, day, rnd.starts_on, rnd.ends_on)
        unit_id = uow.session.scalar(select(Unit.id).where(Unit.code == (unit_code or "").strip()))
        if unit_id is None or unit_id not in {u.unit_id for u in rnd.units}:
            raise Refused(f"unit {unit_code!r} is not to be visited in round {rnd.code} (unit_code)")
        visit = InspectionVisit(
            round_id=rnd.id,
            unit_id=unit_id,
            inspector=actor.username,
            visited_at=at,
            staff_expected=expected,
            staff_present=present,
            staff_on_post=on_post,
            staff_focused=focused,
            notes=notes,
            status="recorded",
            verify_note="",
            created_at=now,
        )
        visit.findings = [InspectionFinding(harm=h, description=d) for h, d in clean_findings]
        visit.photos = [
            InspectionPhoto(
                name=name,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                created_at=now,
            )
            for name, content_type, data in prepared
        ]
        uow.session.add(visit)
        uow.session.flush()
        audit.record(
            uow,
            "inspection_visit.record",
            "inspection_visit",
            visit.id,
            None,
            {
                "campaign": campaign_code_of(uow, rnd.campaign_id),
                "round": rnd.code,
                "unit": unit_code.strip(),
                "inspector": actor.username,
                "visited_at": at,
                "staff_expected": expected,
                "staff_present": present,
                "staff_on_post": on_post,
                "staff_focused": focused,
                "findings": [{"harm": h, "description": d} for h, d in clean_findings],
                "notes": notes,
                "photos": [{"name": p.name, "size": p.size, "sha256": p.sha256} for p in visit.photos],
                "status": "recorded",
            },
        )
        uow.commit()
        return visit.id


# ---------------------------------------------------------------- verification


def _visit_for_decision(uow: UnitOfWork, visit_id: int) -> tuple[InspectionVisit, str]:
    visit = uow.session.execute(
        select(InspectionVisit).where(InspectionVisit.id == visit_id).with_for_update()
    ).scalar()
    if visit is None:
        raise NotFound(f"no inspection visit has the id {visit_id}")
    rnd = uow.session.get(InspectionRound, visit.round_id)
    assert rnd is not None
    return visit, rnd.code


def _decision(visit: InspectionVisit) -> dict[str, Any]:
    return {
        "status": visit.status,
        "verified_by": visit.verified_by,
        "verified_at": visit.verified_at,
        "verify_note": visit.verify_note,
    }


def verify_visit(
    uow: UnitOfWork, user: CurrentUser | None, visit_id: int, note: str = "", *, clock: Clock = utcnow
) -> None:
    """recorded → verified: the visit counts."""
    actor = require(user, Permission.manage_registries)
    note = checked_text(note, "note", MAX_NOTES)
    with uow:
        uow.actor = actor.username
        visit, round_code = _visit_for_decision(uow, visit_id)
        if visit.status != "recorded":
            raise Refused(
                f"visit {visit_id} of round {round_code} is {visit.status}: only a recorded visit is verified"
            )
        before = _decision(visit)
        visit.status, visit.verified_by, visit.verified_at, visit.verify_note = (
            "verified",
            actor.username,
            as_utc(clock()),
            note,
        )
        audit.record(uow, "inspection_visit.verify", "inspection_visit", visit.id, before, _decision(visit))
        uow.commit()


def reject_visit(
    uow: UnitOfWork, user: CurrentUser | None, visit_id: int, note: str, *, clock: Clock = utcnow
) -> None:
    """recorded or verified → rejected, with a note saying why: the visit does not count."""
    actor = require(user, Permission.manage_registries)
    note = checked_text(note, "note saying why the visit is rejected", MAX_NOTES, required=True)
    with uow:
        uow.actor = actor.username
        visit, round_code = _visit_for_decision(uow, visit_id)
        if visit.status == "rejected":
            raise Refused(f"visit {visit_id} of round {round_code} is already rejected")
        before = _decision(visit)
        visit.status, visit.verified_by, visit.verified_at, visit.verify_note = (
            "rejected",
            actor.username,
            as_utc(clock()),
            note,
        )
        audit.record(uow, "inspection_visit.reject", "inspection_visit", visit.id, before, _decision(visit))
        uow.commit()


# ---------------------------------------------------------------- lists and photos


def _visit_views(uow: UnitOfWork, visits: Sequence[InspectionVisit]) -> list[VisitView]:
    if not visits:
        return []
    round_ids = {v.round_id for v in visits}
    rounds = {
        rid: (code, campaign)
        for rid, code, campaign in uow.session.execute(
            select(InspectionRound.id, InspectionRound.code, Campaign.code)
            .join(Campaign, Campaign.id == InspectionRound.campaign_id)
            .where(InspectionRound.id.in_(round_ids))
        )
    }
    campaign_of = {
        rid: cid
        for rid, cid in uow.session.execute(
            select(InspectionRound.id, InspectionRound.campaign_id).where(InspectionRound.id.in_(round_ids))
        )
    }
    unit_ids = {v.unit_id for v in visits}
    codes = dict(uow.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(unit_ids))).all())
    names: dict[tuple[int, int], str] = {
        (cid, uid): name
        for cid, uid, name in uow.session.execute(
            select(CampaignUnit.campaign_id, CampaignUnit.unit_id, CampaignUnit.name).where(
                CampaignUnit.unit_id.in_(unit_ids), CampaignUnit.campaign_id.in_(set(campaign_of.values()))
            )
        )
    }
    photos: dict[int, list[PhotoView]] = {}
    for pid, vid, name, ctype, size in uow.session.execute(
        select(
            InspectionPhoto.id,
            InspectionPhoto.visit_id,
            InspectionPhoto.name,
            InspectionPhoto.content_type,
            InspectionPhoto.size,
        )
        .where(InspectionPhoto.visit_id.in_([v.id for v in visits]))
        .order_by(InspectionPhoto.id)
    ):
        photos.setdefault(vid, []).append(PhotoView(pid, name, ctype, size))
    return [
        VisitView(
            id=v.id,
            round_id=v.round_id,
            round_code=rounds[v.round_id][0],
            campaign=rounds[v.round_id][1],
            unit_code=codes[v.unit_id],
            unit_name=names.get((campaign_of[v.round_id], v.unit_id), codes[v.unit_id]),
            inspector=v.inspector,
            visited_at=as_utc(v.visited_at),
            staff_expected=v.staff_expected,
            staff_present=v.staff_present,
            staff_on_post=v.staff_on_post,
            staff_focused=v.staff_focused,
            notes=v.notes,
            status=v.status,
            verified_by=v.verified_by,
            verified_at=as_utc(v.verified_at) if v.verified_at else None,
            verify_note=v.verify_note,
            created_at=as_utc(v.created_at),
            findings=tuple(FindingView(f.harm, f.description) for f in v.findings),
            photos=tuple(photos.get(v.id, ())),
        )
        for v in visits
    ]


def _visible_to(user: CurrentUser | None) -> str | None:
    """None: every visit (admins); a username: only that inspector's own visits."""
    if allowed(user, Permission.manage_registries):
        return None
    return require(user, Permission.record_inspections).username


def list_visits(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    *,
    round_code: str | None = None,
    status: str | None = None,
    unit_code: str | None = None,
) -> list[VisitView]:
    """The campaign's visits, newest first (admins: all; an inspector: only own)."""
    own = _visible_to(user)
    if status is not None and status not in VISIT_STATUSES:
        raise Refused(f"the status must be one of {', '.join(VISIT_STATUSES)}, not {status!r}")
    with uow:
        campaign = load_campaign(uow, campaign_code)
        query = (
            select(InspectionVisit)
            .join(InspectionRound, InspectionRound.id == InspectionVisit.round_id)
            .where(InspectionRound.campaign_id == campaign.id)
            .options(selectinload(InspectionVisit.findings))
            .order_by(InspectionVisit.visited_at.desc(), InspectionVisit.id.desc())
        )
        if round_code:
            query = query.where(InspectionRound.code == round_code)
        if status:
            query = query.where(InspectionVisit.status == status)
        if unit_code:
            query = query.join(Unit, Unit.id == InspectionVisit.unit_id).where(Unit.code == unit_code)
        if own is not None:
            query = query.where(InspectionVisit.inspector == own)
        return _visit_views(uow, uow.session.scalars(query).all())


def my_visits(
    uow: UnitOfWork, user: CurrentUser | None, *, on: date | None = None, clock: Clock = utcnow
) -> list[VisitView]:
    """The inspector's own visits on a Beijing day (default today), newest first."""
    actor = require(user, Permission.record_inspections)
    day = on or beijing_day(clock())
    # compared as UTC: SQLite stores UTC wall times
    start = datetime(day.year, day.month, day.day, tzinfo=BEIJING).astimezone(UTC)
    with uow:
        visits = uow.session.scalars(
            select(InspectionVisit)
            .where(
                InspectionVisit.inspector == actor.username,
                InspectionVisit.visited_at >= start,
                InspectionVisit.visited_at < start + timedelta(days=1),
            )
            .options(selectinload(InspectionVisit.findings))
            .order_by(InspectionVisit.visited_at.desc(), InspectionVisit.id.desc())
        ).all()
        return _visit_views(uow, visits)


def photo(uow: UnitOfWork, user: CurrentUser | None, photo_id: int) -> tuple[str, str, bytes]:
    """``(name, content_type, data)`` of a visit's photo, for admins and the inspector who took it."""
    own = _visible_to(user)
    with uow:
        row = uow.session.execute(
            select(
                InspectionPhoto.name,
                InspectionPhoto.content_type,
                InspectionPhoto.data,
                InspectionVisit.inspector,
            )
            .join(InspectionVisit, InspectionVisit.id == InspectionPhoto.visit_id)
            .where(InspectionPhoto.id == photo_id)
        ).first()
        if row is None:
            raise NotFound(f"no inspection photo has the id {photo_id}")
        name, content_type, data, inspector = row
        if own is not None and inspector != own:
            raise PermissionDenied(f"{own} may see only the photos of their own visits")
        return str(name), str(content_type), bytes(data)
