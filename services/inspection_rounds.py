"""Inspection rounds (明察暗访), the planning side: the choices an admin plans with
(campaigns, units, inspector accounts) and a round's lifecycle.

Admins (:attr:`Permission.manage_registries`) plan a round of a campaign: its code and
name, ``open`` (明察, announced) or ``covert`` (暗访, unannounced), the period (Beijing
calendar dates), the campaign's units to be visited and the inspectors (accounts with
the role ``inspector``). A round moves planned → active → closed; its units, inspectors,
dates and notes may change until it is closed (not so that a visit already recorded
would fall outside the round). The visits themselves: :mod:`services.inspections`.

Every change is audited with its before and after values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from db import audit
from db.models import Campaign, CampaignUnit, District, Role, Unit, User
from db.models_registries import (
    InspectionRound,
    InspectionRoundInspector,
    InspectionRoundUnit,
    InspectionVisit,
)
from db.uow import UnitOfWork
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import Clock, as_utc, beijing_day, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

MODES: Final = ("open", "covert")
ROUND_STATUSES: Final = ("planned", "active", "closed")
MAX_NOTES: Final = 2000
MAX_CODE: Final = 64  # InspectionRound.code is String(64)
MAX_NAME: Final = 200  # InspectionRound.name is String(200)


# ---------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class CampaignChoice:
    code: str
    name: str
    year: int
    status: str


@dataclass(frozen=True, slots=True)
class UnitOption:
    """A unit of the campaign that a round may visit."""

    code: str
    name: str
    category: str
    district: str


@dataclass(frozen=True, slots=True)
class InspectorOption:
    username: str
    display_name: str


@dataclass(frozen=True, slots=True)
class RoundView:
    id: int
    campaign: str
    code: str
    name: str
    mode: str
    starts_on: date
    ends_on: date
    status: str
    notes: str
    unit_codes: tuple[str, ...]
    inspectors: tuple[str, ...]
    visits_recorded: int  # awaiting verification
    visits_verified: int
    visits_rejected: int
    created_by: str

    @property
    def units(self) -> int:
        return len(self.unit_codes)

    @property
    def visits(self) -> int:
        return self.visits_recorded + self.visits_verified + self.visits_rejected


# ---------------------------------------------------------------- helpers


def _campaign_units(uow: UnitOfWork, campaign: Campaign) -> dict[str, tuple[int, str, str, str]]:
    """code -> (unit id, name, category, district) of the campaign's units."""
    rows = uow.session.execute(
        select(Unit.code, Unit.id, CampaignUnit.name, CampaignUnit.category, District.name)
        .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
        .outerjoin(District, District.id == Unit.district_id)
        .where(CampaignUnit.campaign_id == campaign.id)
        .order_by(CampaignUnit.position, Unit.code)
    )
    return {code: (uid, name, category, district or "") for code, uid, name, category, district in rows}


def _resolve_units(uow: UnitOfWork, campaign: Campaign, unit_codes: Sequence[str]) -> list[int]:
    codes = list(dict.fromkeys(c.strip() for c in unit_codes if c and c.strip()))
    if not codes:
        raise Refused("choose at least one unit for the round (units)")
    known = _campaign_units(uow, campaign)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise NotFound(f"units not appraised in campaign {campaign.code}: {', '.join(unknown)}")
    return [known[c][0] for c in codes]


def _resolve_inspectors(uow: UnitOfWork, usernames: Sequence[str]) -> list[int]:
    names = list(dict.fromkeys(n.strip() for n in usernames if n and n.strip()))
    if not names:
        raise Refused("assign at least one inspector to the round (inspectors)")
    users = {u.username: u for u in uow.session.scalars(select(User).where(User.username.in_(names)))}
    missing = [n for n in names if n not in users]
    if missing:
        raise NotFound(f"no account has the user name {', '.join(missing)}")
    wrong = [n for n in names if Role(users[n].role) != Role.inspector]
    if wrong:
        raise Refused(f"inspectors must have the role inspector: {', '.join(wrong)}")
    inactive = [n for n in names if not users[n].active]
    if inactive:
        raise Refused(f"inspector accounts are disabled: {', '.join(inactive)}")
    return [users[n].id for n in names]


def _check_period(starts_on: date, ends_on: date) -> None:
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise Refused("give the round's start and end dates (starts_on, ends_on)")
    if ends_on < starts_on:
        raise Refused(f"the round ends ({ends_on}) before it starts ({starts_on}): ends_on < starts_on")


def checked_text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Refused(f"give the {field}")
    if len(value) > limit:
        raise Refused(f"the {field} has {len(value)} characters; at most {limit} are allowed")
    return value


def load_round(uow: UnitOfWork, round_id: int, *, for_update: bool = False) -> InspectionRound:
    query = (
        select(InspectionRound)
        .where(InspectionRound.id == round_id)
        .options(selectinload(InspectionRound.units), selectinload(InspectionRound.inspectors))
    )
    if for_update:
        query = query.with_for_update(of=InspectionRound)
    found = uow.session.execute(query).scalar()
    if found is None:
        raise NotFound(f"no inspection round has the id {round_id}")
    return found


def _described_round(uow: UnitOfWork, rnd: InspectionRound) -> dict[str, Any]:
    unit_ids = [u.unit_id for u in rnd.units]
    user_ids = [i.user_id for i in rnd.inspectors]
    codes = (
        dict(uow.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(unit_ids))).all())
        if unit_ids
        else {}
    )
    names = (
        dict(uow.session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    return {
        "code": rnd.code,
        "name": rnd.name,
        "mode": rnd.mode,
        "starts_on": rnd.starts_on,
        "ends_on": rnd.ends_on,
        "status": rnd.status,
        "notes": rnd.notes,
        "units": [codes[i] for i in unit_ids],
        "inspectors": [names[i] for i in user_ids],
    }


def _view_round(uow: UnitOfWork, rnd: InspectionRound, campaign_code: str) -> RoundView:
    d = _described_round(uow, rnd)
    counts = dict(
        uow.session.execute(
            select(InspectionVisit.status, func.count())
            .where(InspectionVisit.round_id == rnd.id)
            .group_by(InspectionVisit.status)
        ).all()
    )
    return RoundView(
        id=rnd.id,
        campaign=campaign_code,
        code=rnd.code,
        name=rnd.name,
        mode=rnd.mode,
        starts_on=rnd.starts_on,
        ends_on=rnd.ends_on,
        status=rnd.status,
        notes=rnd.notes,
        unit_codes=tuple(d["units"]),
        inspectors=tuple(d["inspectors"]),
        visits_recorded=int(counts.get("recorded", 0)),
        visits_verified=int(counts.get("verified", 0)),
        visits_rejected=int(counts.get("rejected", 0)),
        created_by=rnd.created_by,
    )


def campaign_code_of(uow: UnitOfWork, campaign_id: int) -> str:
    return str(uow.session.scalar(select(Campaign.code).where(Campaign.id == campaign_id)))


# ---------------------------------------------------------------- choices for the admin's page


def campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[CampaignChoice]:
    """Every campaign, newest first, for planning rounds and verifying visits."""
    require(user, Permission.manage_registries)
    with uow:
        rows = uow.session.execute(
            select(Campaign.code, Campaign.name, Campaign.year, Campaign.status).order_by(
                Campaign.year.desc(), Campaign.id.desc()
            )
        )
        return [
            CampaignChoice(code, name, year, str(getattr(status, "value", status)))
            for code, name, year, status in rows
        ]


def unit_options(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[UnitOption]:
    """The campaign's units with category and district, to choose a round's units by."""
    require(user, Permission.manage_registries)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        return [
            UnitOption(code, name, category, district)
            for code, (_, name, category, district) in _campaign_units(uow, campaign).items()
        ]


def inspector_options(uow: UnitOfWork, user: CurrentUser | None) -> list[InspectorOption]:
    """The active inspector accounts."""
    require(user, Permission.manage_registries)
    with uow:
        rows = uow.session.execute(
            select(User.username, User.display_name)
            .where(User.role == Role.inspector, User.active.is_(True))
            .order_by(User.username)
        )
        return [InspectorOption(username, display or "") for username, display in rows]


def inspector_account(uow: UnitOfWork, user: CurrentUser | None, username: str) -> CurrentUser:
    """The active inspector account ``username``, for an admin who enters a visit on the
    inspector's behalf (the command line, from a paper form)."""
    require(user, Permission.manage_registries)
    with uow:
        account = uow.session.scalar(select(User).where(User.username == username))
        if account is None:
            raise NotFound(f"no account has the user name {username!r}")
        if Role(account.role) != Role.inspector or not account.active:
            raise Refused(f"{username} is not an active inspector account")
        return CurrentUser(
            id=account.id,
            username=account.username,
            role=Role.inspector,
            unit_id=account.unit_id,
            display_name=account.display_name,
        )


# ---------------------------------------------------------------- rounds


def plan_round(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    *,
    code: str,
    name: str,
    mode: str,
    starts_on: date,
    ends_on: date,
    unit_codes: Sequence[str],
    inspector_usernames: Sequence[str],
    notes: str = "",
    clock: Clock = utcnow,
) -> RoundView:
    """Plan a round (status ``planned``). Refused: a code already used in the campaign, an
    unknown mode, ends_on before starts_on, no units or a unit outside the campaign, no
    inspectors or an account that is not an active inspector, a published campaign."""
    actor = require(user, Permission.manage_registries)
    code = checked_text(code, "round code (code)", MAX_CODE, required=True)
    name = checked_text(name, "round name (name)", MAX_NAME)
    notes = checked_text(notes, "notes", MAX_NOTES)
    if mode not in MODES:
        raise Refused(f"the mode must be open (明察) or covert (暗访), not {mode!r}")
    _check_period(starts_on, ends_on)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        taken = uow.session.scalar(
            select(func.count()).where(
                InspectionRound.campaign_id == campaign.id, InspectionRound.code == code
            )
        )
        if taken:
            raise Refused(f"campaign {campaign.code} already has a round with the code {code!r}")
        unit_ids = _resolve_units(uow, campaign, unit_codes)
        user_ids = _resolve_inspectors(uow, inspector_usernames)
        rnd = InspectionRound(
            campaign_id=campaign.id,
            code=code,
            name=name,
            mode=mode,
            starts_on=starts_on,
            ends_on=ends_on,
            status="planned",
            notes=notes,
            created_by=actor.username,
            created_at=as_utc(clock()),
        )
        rnd.units = [InspectionRoundUnit(unit_id=i) for i in unit_ids]
        rnd.inspectors = [InspectionRoundInspector(user_id=i) for i in user_ids]
        uow.session.add(rnd)
        uow.session.flush()
        after = _described_round(uow, rnd)
        audit.record(
            uow,
            "inspection_round.plan",
            "inspection_round",
            rnd.id,
            None,
            {"campaign": campaign.code, **after},
        )
        view = _view_round(uow, rnd, campaign.code)
        uow.commit()
        return view


def update_round(
    uow: UnitOfWork,
    user: CurrentUser | None,
    round_id: int,
    *,
    name: str | None = None,
    mode: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    unit_codes: Sequence[str] | None = None,
    inspector_usernames: Sequence[str] | None = None,
    notes: str | None = None,
) -> RoundView:
    """Change a planned or active round (None: unchanged). The mode changes only while
    planned; a unit or inspector with visits recorded stays; new dates must still hold
    every visit recorded."""
    actor = require(user, Permission.manage_registries)
    with uow:
        uow.actor = actor.username
        rnd = load_round(uow, round_id, for_update=True)
        campaign = uow.session.get(Campaign, rnd.campaign_id)
        assert campaign is not None
        if rnd.status == "closed":
            raise Refused(f"round {rnd.code} is closed: it can no longer be changed")
        assert_inputs_editable(campaign)
        before = _described_round(uow, rnd)
        visits = uow.session.execute(
            select(InspectionVisit.unit_id, InspectionVisit.inspector, InspectionVisit.visited_at).where(
                InspectionVisit.round_id == rnd.id
            )
        ).all()
        if name is not None:
            rnd.name = checked_text(name, "round name (name)", MAX_NAME)
        if notes is not None:
            rnd.notes = checked_text(notes, "notes", MAX_NOTES)
        if mode is not None and mode != rnd.mode:
            if mode not in MODES:
                raise Refused(f"the mode must be open (明察) or covert (暗访), not {mode!r}")
            if rnd.status != "planned":
                raise Refused(f"round {rnd.code} is {rnd.status}: its mode can change only while planned")
            rnd.mode = mode
        new_start = starts_on if starts_on is not None else rnd.starts_on
        new_end = ends_on if ends_on is not None else rnd.ends_on
        _check_period(new_start, new_end)
        outside = sorted(
            {d for d in (beijing_day(at) for _, _, at in visits) if not new_start <= d <= new_end}
        )
        if outside:
            raise Refused(
                f"visits of round {rnd.code} were made on {', '.join(map(str, outside))}, "
                f"outside {new_start} – {new_end}: keep the dates around them"
            )
        rnd.starts_on, rnd.ends_on = new_start, new_end
        if unit_codes is not None:
            unit_ids = _resolve_units(uow, campaign, unit_codes)
            visited = {u for u, _, _ in visits} - set(unit_ids)
            if visited:
                codes = uow.session.scalars(select(Unit.code).where(Unit.id.in_(visited)).order_by(Unit.code))
                raise Refused(f"units already visited in round {rnd.code} must stay: {', '.join(codes)}")
            keep = {u.unit_id: u for u in rnd.units}
            rnd.units = [keep.get(i) or InspectionRoundUnit(unit_id=i) for i in unit_ids]
        if inspector_usernames is not None:
            user_ids = _resolve_inspectors(uow, inspector_usernames)
            kept_names = set(uow.session.scalars(select(User.username).where(User.id.in_(user_ids))))
            gone = sorted({who for _, who, _ in visits} - kept_names)
            if gone:
                raise Refused(
                    f"inspectors who recorded visits in round {rnd.code} must stay: {', '.join(gone)}"
                )
            keep_i = {i.user_id: i for i in rnd.inspectors}
            rnd.inspectors = [keep_i.get(i) or InspectionRoundInspector(user_id=i) for i in user_ids]
        uow.session.flush()
        after = _described_round(uow, rnd)
        if after != before:
            audit.record(uow, "inspection_round.update", "inspection_round", rnd.id, before, after)
        view = _view_round(uow, rnd, campaign.code)
        uow.commit()
        return view


def _move(
    uow: UnitOfWork, user: CurrentUser | None, round_id: int, source: str, target: str, action: str
) -> RoundView:
    actor = require(user, Permission.manage_registries)
    with uow:
        uow.actor = actor.username
        rnd = load_round(uow, round_id, for_update=True)
        if rnd.status != source:
            raise Refused(f"round {rnd.code} is {rnd.status}: only a {source} round can be {action}")
        rnd.status = target
        audit.record(
            uow,
            f"inspection_round.{action.split()[0]}",
            "inspection_round",
            rnd.id,
            {"status": source},
            {"status": target},
        )
        view = _view_round(uow, rnd, campaign_code_of(uow, rnd.campaign_id))
        uow.commit()
        return view


def start_round(uow: UnitOfWork, user: CurrentUser | None, round_id: int) -> RoundView:
    """planned → active: its inspectors may record visits."""
    return _move(uow, user, round_id, "planned", "active", "started")


def close_round(uow: UnitOfWork, user: CurrentUser | None, round_id: int) -> RoundView:
    """active → closed: no more visits; verification goes on."""
    return _move(uow, user, round_id, "active", "closed", "closed")


def list_rounds(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[RoundView]:
    """The campaign's rounds, newest period first, with their counts."""
    require(user, Permission.manage_registries)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        rounds = uow.session.scalars(
            select(InspectionRound)
            .where(InspectionRound.campaign_id == campaign.id)
            .options(selectinload(InspectionRound.units), selectinload(InspectionRound.inspectors))
            .order_by(InspectionRound.starts_on.desc(), InspectionRound.id.desc())
        ).all()
        return [_view_round(uow, r, campaign.code) for r in rounds]


def find_round(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, round_code: str) -> RoundView:
    """The campaign's round with this code."""
    for rnd in list_rounds(uow, user, campaign_code):
        if rnd.code == round_code:
            return rnd
    raise NotFound(f"campaign {campaign_code} has no inspection round {round_code!r}")
