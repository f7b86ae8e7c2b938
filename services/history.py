"""A campaign's history (往年评议结果), derived from the series' published results, and
the heads (主要负责人) of units unsatisfactory two years running.

* :func:`derive_history` replaces the campaign's ``HistoryEntry`` rows (``history.csv``,
  read by the two-years-running rule) with entries derived by :mod:`services.lineage` from
  the **final published results** of the series' earlier campaigns: the units of the run
  of each one's latest approved publication took part; those on its worst list (十差) were
  unsatisfactory. History is a method input, so it is derived only while the campaign is
  a draft (before fieldwork opens). Audited with the counts and the entries that changed.
  Imported entries (``history.csv`` of years before the platform) are kept for the years
  the database has no published results for; a year it has results for is what they say.
* :func:`history_of` lists the entries with where each came from, for the campaign page;
  :func:`history_is_current` tells whether deriving again would change nothing.
* :func:`head_changes` (scoring page), :func:`published_head_changes` (public results)
  and :func:`card_heads` (card cases) name, for each consecutive unit, the head now and
  the heads in post in the earlier unsatisfactory years, as appraised then: the removal
  from post (就地免职) concerns the head who was in post.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, cast

from sqlalchemy import delete, insert, select

from db import audit
from db.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    HistoryEntry,
    Publication,
    Reorganisation,
    ReorganisationLink,
    ScoringRun,
    Unit,
    UnitResult,
)
from db.uow import UnitOfWork
from scoring import parse_campaign_toml
from services import lineage
from services.campaigns import load_campaign
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

#: Statuses whose published results are an earlier year's outcome (公示期 or final).
SOURCE_STATUSES: Final = (CampaignStatus.published, CampaignStatus.final)
DERIVE_ACTION: Final = "history.derive"


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One entry of a campaign's history as the campaign page shows it."""

    unit_code: str
    unit_name: str  # as appraised in this campaign
    year: int
    unsatisfactory: bool
    source_campaign: str  # "" for an entry imported from history.csv
    source_unit: str
    source_unit_name: str  # as appraised in the source campaign ("" if unknown)
    via: str  # language-neutral steps, see services.lineage.parse_via
    derived: bool


@dataclass(frozen=True, slots=True)
class Head:
    """A unit's head (主要负责人) as a campaign appraised it."""

    year: int
    campaign_code: str
    unit_code: str  # the unit as appraised that year
    name: str
    since: date | None  # when the head took post (到任), if known


@dataclass(frozen=True, slots=True)
class HeadChange:
    """A consecutive unit's head now, and the heads of its earlier unsatisfactory years
    (newest first). ``changed``: one of them is another person than the head now."""

    unit_code: str
    now: Head
    earlier: tuple[Head, ...]

    @property
    def changed(self) -> bool:
        return bool(self.others)

    @property
    def others(self) -> tuple[Head, ...]:
        """The earlier unsatisfactory years' heads who are not the head now."""
        return tuple(e for e in self.earlier if _different(self.now, e))


def _different(now: Head, then: Head) -> bool:
    if now.name and then.name and now.name != then.name:
        return True
    # the same name but a later start date: another appointment (or a namesake)
    return now.since is not None and then.since is not None and now.since != then.since


# ----------------------------------------------------------------------- reading inputs


@contextmanager
def _within(uow: UnitOfWork) -> Iterator[UnitOfWork]:
    """Use the caller's open unit of work, or open ``uow`` for this call."""
    session = getattr(uow, "session", None)
    if session is not None and session.in_transaction():
        yield uow
        return
    with uow:
        yield uow


def _reference_date(campaign: Campaign) -> date:
    """Reorganisations in force for the campaign: those effective by fieldwork's opening
    (or, without dates, by the end of its year)."""
    return campaign.fieldwork_opens_on or date(campaign.year, 12, 31)


def _past_years(uow: UnitOfWork, campaign: Campaign) -> list[lineage.PastYear]:
    """The series' earlier campaigns with approved publications, one per year (the newest
    campaign of a year), oldest first."""
    session = uow.session
    rows = session.execute(
        select(Campaign.id, Campaign.code, Campaign.year, Publication.run_id)
        .join(Publication, Publication.campaign_id == Campaign.id)
        .where(
            Campaign.series_id == campaign.series_id,
            Campaign.year < campaign.year,
            Campaign.status.in_(SOURCE_STATUSES),
            Publication.approved_by.is_not(None),
        )
        .order_by(Campaign.year, Campaign.id, Publication.id)
    ).all()
    latest: dict[int, tuple[str, int]] = {}
    for _cid, code, year, run_id in rows:
        latest[year] = (code, run_id)  # later campaigns and later publications win
    years = []
    for year, (code, run_id) in sorted(latest.items()):
        results = session.execute(
            select(UnitResult.unit_id, UnitResult.list_name).where(UnitResult.run_id == run_id)
        ).all()
        years.append(
            lineage.PastYear(
                year=year,
                campaign_code=code,
                took_part=frozenset(u for u, _ in results),
                worst=frozenset(u for u, listed in results if listed == "worst"),
            )
        )
    return years


def _links(uow: UnitOfWork) -> list[lineage.Link]:
    rows = uow.session.execute(
        select(
            Reorganisation.id,
            Reorganisation.kind,
            Reorganisation.effective_on,
            ReorganisationLink.from_unit_id,
            ReorganisationLink.to_unit_id,
            ReorganisationLink.principal,
        ).join(ReorganisationLink, ReorganisationLink.reorganisation_id == Reorganisation.id)
    ).all()
    return [
        lineage.Link(str(getattr(kind, "value", kind)), on, a, b, bool(principal), event)
        for event, kind, on, a, b, principal in rows
    ]


def _derive(uow: UnitOfWork, campaign: Campaign) -> tuple[list[lineage.Derived], set[int], set[int]]:
    """The derived entries, the campaign's unit ids and the years the database has final
    published results for (the years a derivation speaks for)."""
    session = uow.session
    units = session.scalars(
        select(CampaignUnit.unit_id)
        .where(CampaignUnit.campaign_id == campaign.id)
        .order_by(CampaignUnit.position)
    ).all()
    successors = session.execute(
        select(Unit.id, Unit.successor_id).where(Unit.successor_id.is_not(None))
    ).all()
    past = _past_years(uow, campaign)
    derived = lineage.derive(
        units,
        past,
        _links(uow),
        [(a, b) for a, b in successors],
        until=_reference_date(campaign),
    )
    return derived, set(units), {p.year for p in past}


def _target(uow: UnitOfWork, campaign: Campaign, before: dict[Key, Value]) -> dict[Key, Value]:
    """What the campaign's history is once derived."""
    derived, units, covered = _derive(uow, campaign)
    return _merged(before, _as_stored(uow, derived), units, covered)


def _merged(
    before: dict[Key, Value], derived: dict[Key, Value], units: set[int], covered: set[int]
) -> dict[Key, Value]:
    """The derived entries, plus the imported ones (no source campaign, e.g. from a
    bundle's history.csv of years before the platform) of units still taking part, for years
    the database has no published results for: deriving must not drop a past the database
    cannot know, while a year it does know is always what its published results say."""
    kept = {
        key: value
        for key, value in before.items()
        if not value[1] and key[1] not in covered and key[0] in units
    }
    return {**kept, **derived}


Key = tuple[int, int]  # (unit id, year)
Value = tuple[bool, str, str, str]  # unsatisfactory, source campaign, source unit code, via


def _stored(uow: UnitOfWork, campaign: Campaign) -> dict[Key, Value]:
    rows = uow.session.execute(
        select(
            HistoryEntry.unit_id,
            HistoryEntry.year,
            HistoryEntry.unsatisfactory,
            HistoryEntry.source_campaign_code,
            HistoryEntry.source_unit_code,
            HistoryEntry.via,
        ).where(HistoryEntry.campaign_id == campaign.id)
    ).all()
    return {(u, y): (bool(f), c or "", s or "", v or "") for u, y, f, c, s, v in rows}


def _as_stored(uow: UnitOfWork, derived: list[lineage.Derived]) -> dict[Key, Value]:
    # the service's unit keys are Unit ids
    codes = _codes(uow, {cast(int, d.source_unit) for d in derived})
    return {
        (cast(int, d.unit), d.year): (
            d.unsatisfactory,
            d.campaign_code,
            codes[cast(int, d.source_unit)],
            d.via,
        )
        for d in derived
    }


def _codes(uow: UnitOfWork, unit_ids: set[int]) -> dict[int, str]:
    if not unit_ids:
        return {}
    return dict(uow.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(unit_ids))).all())


# ----------------------------------------------------------------------- the history


def derive_history(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[HistoryRow]:
    """Replace the campaign's history with the one derived from the series' final
    published results (see the module docstring) and commit; returns the new history.

    Nothing is written (and nothing audited) when the derived history is the stored one.

    Raises
    ------
    services.permissions.PermissionDenied
        The user may not configure campaigns.
    services.errors.NotFound
        No campaign has this code.
    services.errors.Refused
        The campaign is no longer a draft: its history is a method input, fixed when
        fieldwork opens.
    """
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        if CampaignStatus(campaign.status) != CampaignStatus.draft:
            raise Refused(
                f"cannot derive the history of campaign {campaign.code}: it is "
                f"{CampaignStatus(campaign.status).value}, and the history is a method input "
                "fixed when fieldwork opens (derive it while the campaign is a draft)"
            )
        before = _stored(uow, campaign)
        after = _target(uow, campaign, before)
        if after != before:
            _replace(uow, campaign, after)
            _audit(uow, campaign, before, after)
            uow.commit()
        return _rows(uow, campaign)


def _replace(uow: UnitOfWork, campaign: Campaign, entries: dict[Key, Value]) -> None:
    session = uow.session
    session.execute(delete(HistoryEntry).where(HistoryEntry.campaign_id == campaign.id))
    if entries:
        session.execute(
            insert(HistoryEntry),
            [
                {
                    "campaign_id": campaign.id,
                    "unit_id": unit,
                    "year": year,
                    "unsatisfactory": unsat,
                    "source_campaign_code": source,
                    "source_unit_code": source_unit,
                    "via": via,
                }
                for (unit, year), (unsat, source, source_unit, via) in sorted(entries.items())
            ],
        )


def _audit(uow: UnitOfWork, campaign: Campaign, before: dict[Key, Value], after: dict[Key, Value]) -> None:
    """Before and after: the counts, and the entries that were removed, added or changed."""
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    codes = _codes(uow, {u for u, _ in changed})

    def entries(side: dict[Key, Value]) -> list[dict[str, Any]]:
        return [
            {
                "unit": codes[unit],
                "year": year,
                "unsatisfactory": side[(unit, year)][0],
                "source_campaign": side[(unit, year)][1],
                "source_unit": side[(unit, year)][2],
                "via": side[(unit, year)][3],
            }
            for unit, year in changed
            if (unit, year) in side
        ]

    audit.record(
        uow,
        DERIVE_ACTION,
        "campaign",
        campaign.code,
        {"count": len(before), "entries": entries(before)},
        {"count": len(after), "entries": entries(after)},
    )


def _rows(uow: UnitOfWork, campaign: Campaign) -> list[HistoryRow]:
    session = uow.session
    rows = session.execute(
        select(HistoryEntry, Unit.code, CampaignUnit.name)
        .join(Unit, Unit.id == HistoryEntry.unit_id)
        .join(
            CampaignUnit,
            (CampaignUnit.unit_id == HistoryEntry.unit_id) & (CampaignUnit.campaign_id == campaign.id),
            isouter=True,
        )
        .where(HistoryEntry.campaign_id == campaign.id)
        .order_by(CampaignUnit.position, HistoryEntry.year.desc())
    ).all()
    sources = {e.source_campaign_code for e, _, _ in rows if e.source_campaign_code}
    names: dict[tuple[str, str], str] = {}
    if sources:
        names = {
            (c, u): n
            for c, u, n in session.execute(
                select(Campaign.code, Unit.code, CampaignUnit.name)
                .join(CampaignUnit, CampaignUnit.campaign_id == Campaign.id)
                .join(Unit, Unit.id == CampaignUnit.unit_id)
                .where(Campaign.code.in_(sources))
            )
        }
    return [
        HistoryRow(
            unit_code=code,
            unit_name=name or "",
            year=e.year,
            unsatisfactory=bool(e.unsatisfactory),
            source_campaign=e.source_campaign_code or "",
            source_unit=e.source_unit_code or "",
            source_unit_name=names.get((e.source_campaign_code, e.source_unit_code), ""),
            via=e.via or "",
            derived=bool(e.source_campaign_code),
        )
        for e, code, name in rows
    ]


def history_of(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[HistoryRow]:
    """The campaign's history entries, by unit (campaign order) and year, newest first."""
    require(user, Permission.configure_campaign)
    with uow:
        return _rows(uow, load_campaign(uow, campaign_code))


@dataclass(frozen=True, slots=True)
class HistoryView:
    """What the campaign page shows: the entries, whether they may still be derived
    (a draft) and whether deriving again would change nothing."""

    campaign_code: str
    year: int
    draft: bool
    current: bool
    rows: tuple[HistoryRow, ...]


def history_view(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> HistoryView:
    """The campaign's history for its page (admins)."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        return HistoryView(
            campaign_code=campaign.code,
            year=campaign.year,
            draft=CampaignStatus(campaign.status) == CampaignStatus.draft,
            current=_target(uow, campaign, _stored(uow, campaign)) == _stored(uow, campaign),
            rows=tuple(_rows(uow, campaign)),
        )


def history_is_current(uow: UnitOfWork, campaign_code: str) -> bool:
    """Whether :func:`derive_history` would change nothing (e.g. checked before fieldwork
    opens). Runs in the caller's open unit of work, or opens ``uow`` itself; no
    permission check (it reads nothing personal and changes nothing)."""
    with _within(uow):
        campaign = load_campaign(uow, campaign_code)
        return _target(uow, campaign, _stored(uow, campaign)) == _stored(uow, campaign)


# ----------------------------------------------------------------------- heads


def _consecutive_years(campaign: Campaign) -> int:
    _info, params, _defects = parse_campaign_toml(campaign.method_toml)
    return params.consecutive_years


def _heads(uow: UnitOfWork, campaign: Campaign, unit_ids: list[int]) -> dict[str, HeadChange]:
    """HeadChange per unit code for ``unit_ids`` (consecutive units of ``campaign``)."""
    if not unit_ids:
        return {}
    session = uow.session
    now_rows = session.execute(
        select(CampaignUnit.unit_id, Unit.code, CampaignUnit.head_name, CampaignUnit.head_since)
        .join(Unit, Unit.id == CampaignUnit.unit_id)
        .where(CampaignUnit.campaign_id == campaign.id, CampaignUnit.unit_id.in_(unit_ids))
    ).all()
    first_year = campaign.year - (_consecutive_years(campaign) - 1)
    entries = session.execute(
        select(
            HistoryEntry.unit_id,
            HistoryEntry.year,
            HistoryEntry.source_campaign_code,
            HistoryEntry.source_unit_code,
        ).where(
            HistoryEntry.campaign_id == campaign.id,
            HistoryEntry.unit_id.in_(unit_ids),
            HistoryEntry.unsatisfactory.is_(True),
            HistoryEntry.year >= first_year,
            HistoryEntry.year < campaign.year,
        )
    ).all()
    codes = _codes(uow, set(unit_ids))
    # the same series' campaign of a year, for entries imported without a source
    by_year = dict(
        session.execute(
            select(Campaign.year, Campaign.code)
            .where(Campaign.series_id == campaign.series_id, Campaign.year < campaign.year)
            .order_by(Campaign.year, Campaign.id)
        ).all()
    )
    wanted = {
        (src or by_year.get(year, ""), src_unit or codes[unit]) for unit, year, src, src_unit in entries
    }
    then: dict[tuple[str, str], tuple[str, date | None]] = {}
    if wanted:
        for c, u, name, since in session.execute(
            select(Campaign.code, Unit.code, CampaignUnit.head_name, CampaignUnit.head_since)
            .join(CampaignUnit, CampaignUnit.campaign_id == Campaign.id)
            .join(Unit, Unit.id == CampaignUnit.unit_id)
            .where(Campaign.code.in_({c for c, _ in wanted}), Unit.code.in_({u for _, u in wanted}))
        ):
            then[(c, u)] = (name or "", since)
    earlier: dict[int, list[Head]] = {}
    for unit, year, src, src_unit in entries:
        key = (src or by_year.get(year, ""), src_unit or codes[unit])
        name, since = then.get(key, ("", None))
        earlier.setdefault(unit, []).append(Head(year, key[0], key[1], name, since))
    return {
        code: HeadChange(
            unit_code=code,
            now=Head(campaign.year, campaign.code, code, name or "", since),
            earlier=tuple(sorted(earlier.get(unit, []), key=lambda h: -h.year)),
        )
        for unit, code, name, since in now_rows
    }


def _consecutive_units(uow: UnitOfWork, run_id: int) -> list[int]:
    return list(
        uow.session.scalars(
            select(UnitResult.unit_id).where(
                UnitResult.run_id == run_id, UnitResult.consecutive_unsatisfactory.is_(True)
            )
        )
    )


def head_changes(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, run_id: int | None = None
) -> dict[str, HeadChange]:
    """For the scoring page: each consecutive unit of run ``run_id`` (default: the latest),
    by unit code. Empty when the campaign has no run."""
    require(user, Permission.score)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        query = select(ScoringRun.id).where(ScoringRun.campaign_id == campaign.id)
        query = query.where(ScoringRun.id == run_id) if run_id is not None else query
        found = uow.session.scalar(query.order_by(ScoringRun.id.desc()).limit(1))
        if found is None:
            if run_id is not None:
                raise NotFound(f"campaign {campaign_code} has no scoring run {run_id}")
            return {}
        return _heads(uow, campaign, _consecutive_units(uow, found))


def _approved_run(uow: UnitOfWork, campaign: Campaign) -> int | None:
    return uow.session.scalar(
        select(Publication.run_id)
        .where(Publication.campaign_id == campaign.id, Publication.approved_by.is_not(None))
        .order_by(Publication.id.desc())
        .limit(1)
    )


def published_head_changes(uow: UnitOfWork, campaign_code: str) -> dict[str, HeadChange]:
    """For the public results: each consecutive unit of the campaign's current publication,
    by unit code (heads are named in published results; no permission needed). NotFound
    when the campaign has no published results."""
    with uow:
        campaign = load_campaign(uow, campaign_code)
        run_id = _approved_run(uow, campaign) if CampaignStatus(campaign.status) in SOURCE_STATUSES else None
        if run_id is None:
            raise NotFound(f"campaign {campaign_code!r} has no published results")
        return _heads(uow, campaign, _consecutive_units(uow, run_id))


def card_heads(uow: UnitOfWork, campaign: Campaign, unit_ids: list[int]) -> dict[str, HeadChange]:
    """For card cases (services/cards.py), inside the caller's unit of work: the head
    record of those of ``unit_ids`` that are consecutive in the current publication."""
    run_id = _approved_run(uow, campaign)
    if run_id is None:
        return {}
    consecutive = set(_consecutive_units(uow, run_id))
    return _heads(uow, campaign, [u for u in unit_ids if u in consecutive])
