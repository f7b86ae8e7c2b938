"""What the survey intake looks up about a campaign, kept per process between sheets.

Checking an answer sheet needs the campaign's units (and their categories), respondent
groups, questions, their options and item sets (题组). None of these can change while
the campaign is in fieldwork: the designer, the questionnaire editor and the unit
register change them in a draft only, and leaving fieldwork is a status transition. So
each app process keeps them per campaign (:class:`Lookups`) and checks them against the
database with one small read per sheet, :func:`db.intake.fingerprint`: the campaign's
status and the newest audit entry about the campaign. Every status transition (and
every other staff change to the campaign) appends such an entry, so a campaign that went
back to draft, was edited and reopened shows a newer entry and the lookups are read again.
Nothing needs telling across processes: each process compares with the database.

The cache is keyed by engine (one per database URL, db.engine) and campaign code (tests
and tools open several databases in one process), holds at most :data:`MAX_CAMPAIGNS` campaigns (least
recently used out first), and is shared by the threads of the process (Streamlit runs a
script thread per browser session): entries are immutable and the index is guarded by a
lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from sqlalchemy import Connection, Engine, select

from db.intake import fingerprint
from db.models import CampaignStatus, CampaignUnit, Item, RespondentGroup, ScaleOption, Unit
from db.uow import UnitOfWork
from services.campaigns import load_campaign
from services.errors import Refused

MAX_CAMPAIGNS: Final = 64


@dataclass(frozen=True, slots=True)
class ItemLookup:
    """A survey question: its id, its options' codes and its item sets (empty = all)."""

    id: int
    options: frozenset[str]
    unit_categories: tuple[str, ...]
    respondent_groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lookups:
    """A campaign in fieldwork as the intake sees it; ``marker`` is the newest audit entry
    about the campaign when these were read (None: none yet)."""

    campaign_id: int
    code: str
    marker: int | None
    units: Mapping[str, tuple[int, str]]  # unit code -> (unit id, category in this campaign)
    groups: Mapping[str, int]  # respondent group code -> id
    items: Mapping[str, ItemLookup]  # survey item code -> the question

    def still_holds(self, status: str, marker: int | None) -> bool:
        return status == CampaignStatus.fieldwork and marker == self.marker


class IntakeCache:
    """A bounded, thread-safe map of :class:`Lookups`."""

    def __init__(self, size: int = MAX_CAMPAIGNS) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, Lookups] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Lookups | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, lookups: Lookups) -> None:
        with self._lock:
            self._entries[key] = lookups
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


CACHE: Final = IntakeCache()


def cache_key(bind: Engine | Connection, campaign_code: str) -> Hashable:
    """The key of ``campaign_code`` in the database ``bind`` connects to: its engine, one
    per database and process (db.engine), held by the key so it cannot be mistaken for a
    later one; hashing the URL instead would render it as text at every sheet."""
    return (bind.engine, campaign_code)


def load(uow: UnitOfWork, campaign_code: str) -> Lookups:
    """Read the lookups of ``campaign_code`` in ``uow``'s transaction.

    Raises :class:`~services.errors.NotFound` (no such campaign) and
    :class:`~services.errors.Refused` (not in fieldwork), with the intake's messages.
    """
    session = uow.session
    campaign = load_campaign(uow, campaign_code)
    # The marker is read before the lookups: data read after it is at least as new, so a
    # change committed in between shows up as a newer marker at the next sheet (on
    # PostgreSQL each statement sees its own snapshot), never as a stale entry kept.
    found = fingerprint(session.connection(), campaign.id)
    assert found is not None  # the campaign was just read in this transaction
    status, marker = found
    if status != CampaignStatus.fieldwork:
        raise Refused(f"campaign {campaign_code} is not taking answers (it is {status})")
    units = {
        code: (unit_id, category or "")
        for code, unit_id, category in session.execute(
            select(Unit.code, Unit.id, CampaignUnit.category)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(CampaignUnit.campaign_id == campaign.id)
        )
    }
    groups = {
        code: group_id
        for code, group_id in session.execute(
            select(RespondentGroup.code, RespondentGroup.id).where(RespondentGroup.campaign_id == campaign.id)
        )
    }
    options: dict[str, set[str]] = {}
    items: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {}
    # joined with the options as the intake always did: a question whose scale has no
    # options cannot be answered
    for item_id, item_code, option_code, categories, item_groups in session.execute(
        select(Item.id, Item.code, ScaleOption.code, Item.unit_categories, Item.respondent_groups)
        .join(ScaleOption, ScaleOption.scale_id == Item.scale_id)
        .where(Item.campaign_id == campaign.id, Item.instrument == "survey")
    ):
        options.setdefault(item_code, set()).add(option_code)
        items[item_code] = (item_id, tuple(categories or ()), tuple(item_groups or ()))
    return Lookups(
        campaign_id=campaign.id,
        code=campaign_code,
        marker=marker,
        units=MappingProxyType(units),
        groups=MappingProxyType(groups),
        items=MappingProxyType(
            {
                code: ItemLookup(item_id, frozenset(options[code]), categories, item_groups)
                for code, (item_id, categories, item_groups) in items.items()
            }
        ),
    )
