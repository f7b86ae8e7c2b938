"""Next year in one step (换届): a new campaign from last year's.

:func:`new_campaign_from` copies the previous campaign of a series into a new draft: its
units as they stand after the reorganisations (机构改革) recorded since, its method, its
questionnaire and its respondent groups. Each unit of the previous campaign is followed
forward through the reorganisation links (and the legacy ``Unit.successor_id``) to the
active register unit(s) that continue it: a renamed or moved unit is itself, a merged one
becomes the merged unit, a split one becomes every part; a unit retired without a
successor is dropped and listed. Names, categories and heads are taken from the register
as it is now. Then the history (往年评议结果) is derived (:mod:`services.history`) and the
admin gets the list of what is still to do (fieldwork dates, margins, frames...).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from sqlalchemy import func, select

from db import audit
from db.models import (
    Campaign,
    CampaignUnit,
    Indicator,
    Reorganisation,
    ReorganisationLink,
    Unit,
)
from db.uow import UnitOfWork
from scoring.params import CampaignInfo
from services.campaigns import load_campaign
from services.design_method import method_toml
from services.designer import (
    campaign_info,
    check_identity,
    copy_questionnaire,
    design_from_campaign,
    set_campaign_units,
    store_design,
)
from services.errors import Refused
from services.permissions import CurrentUser, Permission, require

log = logging.getLogger(__name__)
#: How many reorganisations forward a unit is followed (a guard against bad data).
MAX_STEPS: Final = 20


@dataclass(frozen=True, slots=True)
class Todo:
    """One thing the admin must still do: a catalogue key (``designer.todo.*``) with its
    parameters for the page, and the same in English for the command line."""

    key: str
    english: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True, slots=True)
class Rollover:
    """What the rollover made: the new campaign, which earlier unit became which, the
    units dropped, the register's units it did not take over, and the to-do list."""

    code: str
    units: tuple[str, ...]
    mapped: tuple[tuple[str, tuple[str, ...]], ...]  # earlier unit -> units continuing it
    dropped: tuple[tuple[str, str], ...]  # (code, name) retired without a successor
    not_taken: tuple[tuple[str, str, str], ...]  # (code, name, category) active, same categories
    history_entries: int | None  # None: the history could not be derived
    todo: tuple[Todo, ...]


def _successors(uow: UnitOfWork) -> dict[int, list[int]]:
    """unit id -> the units that continue it (links to another unit, oldest event first,
    then a legacy successor not already linked)."""
    rows = uow.session.execute(
        select(ReorganisationLink.from_unit_id, ReorganisationLink.to_unit_id)
        .join(Reorganisation, Reorganisation.id == ReorganisationLink.reorganisation_id)
        .where(ReorganisationLink.from_unit_id != ReorganisationLink.to_unit_id)
        .order_by(Reorganisation.effective_on, Reorganisation.id, ReorganisationLink.id)
    ).all()
    out: dict[int, list[int]] = {}
    for a, b in rows:
        out.setdefault(a, [])
        if b not in out[a]:
            out[a].append(b)
    legacy = uow.session.execute(
        select(Unit.id, Unit.successor_id).where(Unit.successor_id.is_not(None))
    ).all()
    for a, b in legacy:
        if b not in out.get(a, []):
            out.setdefault(a, []).append(b)
    return out


def follow(start: int, successors: dict[int, list[int]], active: set[int]) -> list[int]:
    """The active units that continue unit ``start`` now, in the order of the events.

    A unit that is still active continues itself (a split that keeps the original, an
    absorption); its successors continue it too. Cycles and chains longer than
    :data:`MAX_STEPS` stop the walk."""
    out: list[int] = []
    seen: set[int] = set()

    def walk(unit: int, depth: int) -> None:
        if unit in seen or depth > MAX_STEPS:
            return
        seen.add(unit)
        if unit in active and unit not in out:
            out.append(unit)
        for nxt in successors.get(unit, []):
            walk(nxt, depth + 1)

    walk(start, 0)
    return out


def new_campaign_from(
    uow: UnitOfWork,
    user: CurrentUser | None,
    previous_code: str,
    *,
    code: str,
    name: str,
    year: int,
) -> Rollover:
    """A new draft campaign ``code`` of the previous campaign's series for ``year``, from
    campaign ``previous_code`` (see the module docstring); then its history is derived.

    Raises
    ------
    services.design_method.DesignRefused
        The code, name or year break the rules, or the code is taken.
    services.errors.Refused
        ``year`` is not after the previous campaign's year, or no unit continues.
    """
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        session = uow.session
        previous = load_campaign(uow, previous_code)
        series = previous.series
        info = CampaignInfo(id=code, year=year, name=name, series=series.code)
        check_identity(uow, info)
        if year <= previous.year:
            raise Refused(
                f"a campaign made from {previous.code} ({previous.year}) must be for a later year, not {year}"
            )
        earlier = session.execute(
            select(CampaignUnit.unit_id, Unit.code, CampaignUnit.name, CampaignUnit.category)
            .join(Unit, Unit.id == CampaignUnit.unit_id)
            .where(CampaignUnit.campaign_id == previous.id)
            .order_by(CampaignUnit.position)
        ).all()
        successors = _successors(uow)
        active = set(session.execute(select(Unit.id).where(Unit.active.is_(True))).scalars())
        codes = dict(session.execute(select(Unit.id, Unit.code)).all())
        taken: list[int] = []
        mapped: list[tuple[str, tuple[str, ...]]] = []
        dropped: list[tuple[str, str]] = []
        for unit_id, unit_code, unit_name, _category in earlier:
            now = follow(unit_id, successors, active)
            if not now:
                dropped.append((unit_code, unit_name))
                continue
            mapped.append((unit_code, tuple(codes[u] for u in now)))
            taken += [u for u in now if u not in taken]
        if not taken:
            raise Refused(f"no unit of campaign {previous.code} is still active in the register")
        units = list(session.execute(select(Unit).where(Unit.id.in_(taken))).scalars())
        by_id = {u.id: u for u in units}
        design = replace(design_from_campaign(previous), fieldwork_opens=None, fieldwork_closes=None)
        campaign = Campaign(code=code, series=series, year=year, name=name)
        session.add(campaign)
        session.flush()
        store_design(uow, campaign, design)
        copied = copy_questionnaire(uow, previous, campaign)
        set_campaign_units(uow, campaign, [by_id[u] for u in taken])
        categories = {by_id[u].category for u in taken}
        not_taken = tuple(
            (u.code, u.name, u.category)
            for u in session.execute(
                select(Unit)
                .where(Unit.active.is_(True), Unit.category.in_(categories), Unit.id.not_in(taken))
                .order_by(Unit.code)
            ).scalars()
        )
        indicators = session.execute(
            select(func.count()).where(Indicator.campaign_id == previous.id)
        ).scalar_one()
        audit.record(
            uow,
            "campaign.rollover",
            "campaign",
            code,
            None,
            {
                "from": previous.code,
                "series": series.code,
                "name": name,
                "year": year,
                "method_toml": method_toml(campaign_info(campaign), design),
                "units": [codes[u] for u in taken],
                "mapped": mapped,
                "dropped": [c for c, _ in dropped],
                "copied": copied,
            },
        )
        uow.commit()
    history = _derive(uow, user, code)
    todo = _todo(design.margins, indicators, not_taken, dropped, history)
    return Rollover(
        code=code,
        units=tuple(codes[u] for u in taken),
        mapped=tuple(mapped),
        dropped=tuple(dropped),
        not_taken=not_taken,
        history_entries=history,
        todo=todo,
    )


def _derive(uow: UnitOfWork, user: CurrentUser | None, code: str) -> int | None:
    """Derive the new campaign's history (a transaction of its own); None if it failed."""
    try:
        from services.history import derive_history  # H3's service; optional while it is built
    except ImportError:  # pragma: no cover - only while services/history.py is missing
        return None
    try:
        return len(derive_history(uow, user, code))
    except Exception:  # the campaign stands; the to-do list asks to derive it again
        log.exception("deriving the history of %s after the rollover failed", code)
        return None


def _todo(
    margins: Sequence[Any],
    indicators: int,
    not_taken: Sequence[tuple[str, str, str]],
    dropped: Sequence[tuple[str, str]],
    history: int | None,
) -> tuple[Todo, ...]:
    out = [Todo("designer.todo.dates", "set the fieldwork dates (opening and closing day)")]
    if margins:
        variables = ", ".join(dict.fromkeys(m.variable for m in margins))
        out.append(
            Todo(
                "designer.todo.margins_check",
                f"check the raking margins ({variables}) against this year's population figures",
                (("variables", variables),),
            )
        )
    else:
        out.append(
            Todo("designer.todo.margins_none", "no raking margins are set: add them if answers are raked")
        )
    out.append(
        Todo(
            "designer.todo.frames", "import the sampling frames and the do-not-call list for the phone sample"
        )
    )
    out.append(
        Todo(
            "designer.todo.indicators",
            f"define the big-data indicators and import their values (last year: {indicators})",
            (("n", indicators),),
        )
    )
    if not_taken:
        shown = ", ".join(c for c, _, _ in not_taken[:10]) + (" …" if len(not_taken) > 10 else "")
        out.append(
            Todo(
                "designer.todo.not_taken",
                f"{len(not_taken)} active unit(s) of the same categories were not appraised last year "
                f"and are not taken over: {shown}",
                (("n", len(not_taken)), ("codes", shown)),
            )
        )
    if dropped:
        shown = ", ".join(c for c, _ in dropped)
        out.append(
            Todo(
                "designer.todo.dropped",
                f"{len(dropped)} unit(s) were retired without a successor and are dropped: {shown}",
                (("n", len(dropped)), ("codes", shown)),
            )
        )
    if history is None:
        out.append(Todo("designer.todo.history", "derive the history again: it could not be derived"))
    else:
        out.append(
            Todo(
                "designer.todo.history_check",
                f"check the derived history ({history} entries) before fieldwork opens",
                (("n", history),),
            )
        )
    return tuple(out)


__all__ = ["Rollover", "Todo", "follow", "new_campaign_from"]
