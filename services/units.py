"""The unit register (评议对象名录): the units a city appraises, kept by its admins.

A unit has a code (the ``unit_id`` of bundles), a name, a category (序列, the group it is
ranked in), a district (区县), a kind (性质: 行政机关, 事业单位...), the department it
belongs to (主管部门), its head (主要负责人) with the date the head took post, and a
liaison (联络员) whose name and phone are personal data: stored only encrypted
(:mod:`db.crypto`), shown and exported only masked (张*, 138****5678).

* :func:`import_register` / :func:`export_register`: the register as a CSV or XLSX file
  (:mod:`services.register_file`), all or nothing; an exported file imports again and
  changes nothing.
* :func:`add_unit`, :func:`edit_unit` (corrections, and a new head with the date the head
  took post), :func:`retire_unit` / :func:`reinstate_unit`, :func:`search_units`,
  :func:`register_facets`.
* Renames, mergers, splits and moves to another category that took effect on a date are
  reorganisations (:mod:`services.reorganisations`), recorded as events.

Campaigns keep the units as they were appraised (``CampaignUnit``: name, category, head),
so the register may change at any time without touching a campaign in fieldwork or later.
A campaign still in ``draft`` appraises the units as they stand: a change of a unit's
name, category or head is copied to the draft campaigns that list it.

Every change is audited with its values before and after (liaison data masked).
Permission: :attr:`Permission.configure_campaign` (admins).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from db import audit, crypto
from db.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    District,
    Reorganisation,
    ReorganisationLink,
    Unit,
)
from db.uow import UnitOfWork
from services import defects as worded
from services import register_file as rf
from services.clock import BEIJING, Clock, utcnow
from services.errors import NotFound, Refused
from services.indicators import ImportRejected as ImportRejected  # the page catches it here
from services.permissions import CurrentUser, Permission, require

EDITABLE: Final = (
    "name",
    "category",
    "district",
    "kind",
    "department",
    "head_name",
    "head_since",
    "liaison_name",
    "liaison_phone",
)
MAX_REASON: Final = 1000

# Refusals, worded once for the page (key and parameters) and in English for the CLI.
UNKNOWN_UNIT: Final = worded.Wording("register.refused.unknown", "there is no unit {code} in the register")
CODE_TAKEN: Final = worded.Wording("register.refused.code_taken", "the register already has a unit {code}")
CODE_ALIKE: Final = worded.Wording(
    "register.refused.code_alike",
    'code "{code}" differs from the register\'s unit "{other}" only by case, full/half width or spaces',
)
IS_RETIRED: Final = worded.Wording(
    "register.refused.retired", "unit {code} was retired on {on}: reinstate it before changing it"
)
NOT_RETIRED: Final = worded.Wording("register.refused.not_retired", "unit {code} is not retired")
RETIRED_BY_EVENT: Final = worded.Wording(
    "register.refused.retired_by_event",
    "unit {code} was retired by a reorganisation ({kind} on {on}); record a new reorganisation instead",
)
FIELD_EMPTY: Final = worded.Wording("register.refused.field_empty", "the {field} may not be empty")
FIELD_UNKNOWN: Final = worded.Wording(
    "register.refused.field_unknown", "{field} is not a field of the register (fields: {known})"
)
HEAD_SINCE: Final = worded.Wording(
    "register.refused.head_since",
    "a new head ({new}, after {old}) needs the date the new head took post, later than {since}",
)
REASON_NEEDED: Final = worded.Wording("register.refused.reason", "give a reason")
FUTURE_DATE: Final = worded.Wording(
    "register.refused.future", "{on} is after today ({today}): record it once it has taken effect"
)
BEFORE_LAST_EVENT: Final = worded.Wording(
    "register.refused.before_last",
    "{on} is before the last reorganisation of unit {code} ({last}); events are recorded in order",
)
BAD_VALUE: Final = worded.Wording("register.refused.bad_value", "{field}: {detail}")


class RegisterRefused(Refused):
    """A register or reorganisation change refused; ``key`` and ``params`` word it for the
    page (``ui/messages_register.py``), ``field`` names the form field when there is one."""

    def __init__(self, wording: worded.Wording, field: str | None = None, /, **params: Any) -> None:
        self.key = wording.key
        self.params: Mapping[str, Any] = params
        self.field = field
        super().__init__(wording.english.format(**params))


class UnknownUnit(RegisterRefused, NotFound):
    """No unit has the code given."""

    def __init__(self, code: str) -> None:
        super().__init__(UNKNOWN_UNIT, "code", code=code)


# ---------------------------------------------------------------- what the services return


@dataclass(frozen=True, slots=True)
class UnitRow:
    """A unit as the register page lists it; the liaison masked."""

    code: str
    name: str
    category: str
    district: str
    kind: str
    department: str
    head_name: str
    head_since: date | None
    liaison_name: str
    liaison_phone: str
    active: bool
    retired_on: date | None
    successor: str = ""

    def as_file_row(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in rf.COLUMNS}


@dataclass(frozen=True, slots=True)
class Facets:
    """The active units counted by category, district and kind (most first, then by name)."""

    categories: tuple[tuple[str, int], ...]
    districts: tuple[tuple[str, int], ...]
    kinds: tuple[tuple[str, int], ...]
    active: int
    retired: int


@dataclass(frozen=True, slots=True)
class RegisterImport:
    """What an import did: rows read, units created, updated and left as they were."""

    rows: int
    created: int
    updated: int
    unchanged: int
    created_codes: tuple[str, ...] = ()
    updated_codes: tuple[str, ...] = ()


# ---------------------------------------------------------------- shared helpers


def today(clock: Clock = utcnow) -> date:
    """Today in Beijing (a server on UTC is on yesterday until 08:00)."""
    return clock().astimezone(BEIJING).date()


def units_by_code(uow: UnitOfWork) -> dict[str, Unit]:
    return {u.code: u for u in uow.session.execute(select(Unit)).scalars()}


def load_unit(uow: UnitOfWork, code: str, *, for_update: bool = False) -> Unit:
    query = select(Unit).where(Unit.code == code)
    if for_update:
        query = query.with_for_update()
    unit = uow.session.execute(query).scalar()
    if unit is None:
        raise UnknownUnit(code)
    return unit


def require_active(unit: Unit) -> Unit:
    if not unit.active:
        raise RegisterRefused(IS_RETIRED, "code", code=unit.code, on=day(unit.retired_on))
    return unit


def day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def check_text(field: str, value: str, *, required: bool = False) -> str:
    """A form's text value by the import's rules: trimmed (a code must have no spaces around
    it), not empty where required, not formula-like, not wider than its column."""
    text = value if field == "code" else value.strip()
    if field == "code" and text != text.strip():
        raise RegisterRefused(BAD_VALUE, field, field=field, detail=rf.CODE_SPACES.english.format(value=text))
    if required and not text:
        raise RegisterRefused(FIELD_EMPTY, field, field=field)
    worded.check_label(field, text)
    width = rf.WIDTHS.get(field)
    if width is not None and len(text) > width:
        raise RegisterRefused(BAD_VALUE, field, field=field, detail=worded.TOO_LONG.english.format(max=width))
    return text


def check_new_code(uow: UnitOfWork, code: str, known: Iterable[str] | None = None) -> str:
    """A code for a new unit: valid, not taken, not equal to a taken one once folded."""
    code = check_text("code", code, required=True)
    codes = list(known) if known is not None else list(uow.session.execute(select(Unit.code)).scalars())
    if code in codes:
        raise RegisterRefused(CODE_TAKEN, "code", code=code)
    alike = {rf.fold(c): c for c in codes}.get(rf.fold(code))
    if alike is not None:
        raise RegisterRefused(CODE_ALIKE, "code", code=code, other=alike)
    return code


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise RegisterRefused(REASON_NEEDED, "reason")
    worded.check_label("reason", reason)
    if len(reason) > MAX_REASON:
        raise RegisterRefused(
            BAD_VALUE, "reason", field="reason", detail=worded.TOO_LONG.english.format(max=MAX_REASON)
        )
    return reason


def check_not_future(on: date, clock: Clock) -> date:
    if not isinstance(on, date):
        raise RegisterRefused(BAD_VALUE, "on", field="on", detail=f"{on!r} is not a date")
    now = today(clock)
    if on > now:
        raise RegisterRefused(FUTURE_DATE, "on", on=on.isoformat(), today=now.isoformat())
    return on


def last_event(uow: UnitOfWork, unit_id: int) -> Reorganisation | None:
    """The unit's latest reorganisation (by effective date, then as recorded)."""
    involved = select(ReorganisationLink.reorganisation_id).where(
        (ReorganisationLink.from_unit_id == unit_id) | (ReorganisationLink.to_unit_id == unit_id)
    )
    return uow.session.execute(
        select(Reorganisation)
        .where(Reorganisation.id.in_(involved))
        .order_by(Reorganisation.effective_on.desc(), Reorganisation.id.desc())
        .limit(1)
    ).scalar()


def check_after_last_event(uow: UnitOfWork, unit: Unit, on: date) -> None:
    """Events are recorded in order: none before the unit's last one (same day is fine)."""
    last = last_event(uow, unit.id)
    if last is not None and on < last.effective_on:
        raise RegisterRefused(
            BEFORE_LAST_EVENT, "on", on=on.isoformat(), code=unit.code, last=last.effective_on.isoformat()
        )


def district_id(uow: UnitOfWork, name: str) -> int | None:
    """The district of that name, created when the register names it for the first time."""
    if not name:
        return None
    found = uow.session.execute(select(District).where(District.name == name)).scalar()
    if found is None:
        found = District(name=name)
        uow.session.add(found)
        uow.session.flush()
    return found.id


def plain(blob: bytes | None) -> str:
    return crypto.decrypt(blob) if blob else ""


def snapshot(unit: Unit) -> dict[str, Any]:
    """What the audit trail records of a unit: the liaison only masked."""
    return {
        "code": unit.code,
        "name": unit.name,
        "category": unit.category,
        "district": unit.district.name if unit.district else "",
        "kind": unit.kind,
        "department": unit.department,
        "head_name": unit.head_name,
        "head_since": unit.head_since,
        "liaison_name": crypto.mask_name(plain(unit.liaison_name_enc)),
        "liaison_phone": crypto.mask_phone(plain(unit.liaison_phone_enc)),
        "active": unit.active,
        "retired_on": unit.retired_on,
    }


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, before and after."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def row_of(unit: Unit, successor_codes: Mapping[int, str] | None = None) -> UnitRow:
    return UnitRow(
        code=unit.code,
        name=unit.name,
        category=unit.category,
        district=unit.district.name if unit.district else "",
        kind=unit.kind,
        department=unit.department,
        head_name=unit.head_name,
        head_since=unit.head_since,
        liaison_name=crypto.mask_name(plain(unit.liaison_name_enc)),
        liaison_phone=crypto.mask_phone(plain(unit.liaison_phone_enc)),
        active=unit.active,
        retired_on=unit.retired_on,
        successor=(successor_codes or {}).get(unit.successor_id or 0, ""),
    )


def refresh_drafts(uow: UnitOfWork, unit: Unit) -> list[str]:
    """Copy the unit's name, category and head to the draft campaigns that list it (a
    campaign past draft keeps the unit as it was appraised); their codes."""
    rows = uow.session.execute(
        select(CampaignUnit, Campaign.code)
        .join(Campaign, Campaign.id == CampaignUnit.campaign_id)
        .where(CampaignUnit.unit_id == unit.id, Campaign.status == CampaignStatus.draft)
    ).all()
    touched = []
    for row, code in rows:
        new = (unit.name, unit.category, unit.head_name, unit.head_since)
        if (row.name, row.category, row.head_name, row.head_since) != new:
            row.name, row.category, row.head_name, row.head_since = new
            touched.append(code)
    return sorted(touched)


# ---------------------------------------------------------------- changing one unit


def _set_liaison(unit: Unit, name: str | None, phone: str | None) -> None:
    """Store the liaison encrypted; ``None`` leaves a part as it is, "" clears it."""
    if name is not None:
        unit.liaison_name_enc = crypto.encrypt(name) if name else None
    if phone is not None:
        unit.liaison_phone_enc = crypto.encrypt(phone) if phone else None


def _normalize_phone(phone: str) -> str:
    phone = phone.strip()
    if not phone:
        return ""
    try:
        return crypto.normalize_cn_mobile(phone)
    except crypto.InvalidPhoneError as exc:
        raise RegisterRefused(BAD_VALUE, "liaison_phone", field="liaison_phone", detail=str(exc)) from exc


def _check_head_change(unit: Unit, head_name: str, head_since: date | None) -> None:
    """A new head, where there was one, needs the date the new head took post."""
    if not unit.head_name or head_name in ("", unit.head_name):
        return
    if head_since is None or (unit.head_since is not None and head_since <= unit.head_since):
        raise RegisterRefused(
            HEAD_SINCE,
            "head_since",
            new=head_name,
            old=unit.head_name,
            since=day(unit.head_since),
        )


def add_unit(
    uow: UnitOfWork,
    user: CurrentUser | None,
    *,
    code: str,
    name: str,
    category: str,
    district: str = "",
    kind: str = "",
    department: str = "",
    head_name: str = "",
    head_since: date | None = None,
    liaison_name: str = "",
    liaison_phone: str = "",
) -> UnitRow:
    """Add a unit to the register (active). Refused: a code taken (also once folded), an
    empty code, name or category, formula-like or over-long text, a bad phone number."""
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        unit = create_unit(
            uow,
            code=code,
            name=name,
            category=category,
            district=district,
            kind=kind,
            department=department,
            head_name=head_name,
            head_since=head_since,
            liaison_name=liaison_name,
            liaison_phone=liaison_phone,
        )
        audit.record(uow, "unit.create", "unit", unit.code, None, snapshot(unit))
        row = row_of(unit)
        uow.commit()
        return row


def create_unit(uow: UnitOfWork, **values: Any) -> Unit:
    """A new active unit from checked values, flushed (no audit: the caller records it)."""
    code = check_new_code(uow, values["code"])
    texts = {
        f: check_text(f, values.get(f, "") or "", required=f in rf.REQUIRED)
        for f in ("name", "category", "district", "kind", "department", "head_name", "liaison_name")
    }
    phone = _normalize_phone(values.get("liaison_phone", "") or "")
    head_since = values.get("head_since")
    if head_since is not None and not isinstance(head_since, date):
        raise RegisterRefused(
            BAD_VALUE, "head_since", field="head_since", detail=f"{head_since!r} is not a date"
        )
    unit = Unit(
        code=code,
        name=texts["name"],
        category=texts["category"],
        district_id=district_id(uow, texts["district"]),
        kind=texts["kind"],
        department=texts["department"],
        head_name=texts["head_name"],
        head_since=head_since if texts["head_name"] else None,
        active=True,
    )
    _set_liaison(unit, texts["liaison_name"], phone)
    uow.session.add(unit)
    uow.session.flush()
    uow.session.refresh(unit)
    return unit


def edit_unit(uow: UnitOfWork, user: CurrentUser | None, code: str, **changes: Any) -> UnitRow:
    """Change fields of an active unit (corrections; a new head with ``head_since``, the
    date the new head took post). A rename or a move that took effect on a date is a
    reorganisation (:mod:`services.reorganisations`). ``liaison_name``/``liaison_phone``
    given as "" clear the liaison. Refused: an unknown field, a retired unit, an empty
    name or category, a new head without a later ``head_since``, a bad value."""
    actor = require(user, Permission.configure_campaign)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise RegisterRefused(FIELD_UNKNOWN, unknown[0], field=unknown[0], known=", ".join(EDITABLE))
    with uow:
        uow.actor = actor.username
        unit = require_active(load_unit(uow, code, for_update=True))
        before = snapshot(unit)
        apply_changes(uow, unit, changes)
        after = snapshot(unit)
        old, new = changed(before, after)
        if new:
            drafts = refresh_drafts(uow, unit)
            if drafts:
                new["draft_campaigns"] = drafts
            audit.record(uow, "unit.update", "unit", unit.code, old, new)
        row = row_of(unit)
        uow.commit()
        return row


def apply_changes(uow: UnitOfWork, unit: Unit, changes: Mapping[str, Any]) -> None:
    """Check and set ``changes`` (fields of :data:`EDITABLE`) on ``unit``."""
    texts = {
        f: check_text(f, str(changes[f] or ""), required=f in rf.REQUIRED)
        for f in ("name", "category", "district", "kind", "department", "head_name", "liaison_name")
        if f in changes
    }
    head_name = texts.get("head_name", unit.head_name)
    head_since = changes.get("head_since", unit.head_since)
    if head_since is not None and not isinstance(head_since, date):
        raise RegisterRefused(
            BAD_VALUE, "head_since", field="head_since", detail=f"{head_since!r} is not a date"
        )
    _check_head_change(unit, head_name, head_since)
    phone = _normalize_phone(str(changes["liaison_phone"] or "")) if "liaison_phone" in changes else None
    for f in ("name", "category", "kind", "department"):
        if f in texts:
            setattr(unit, f, texts[f])
    if "district" in texts:
        unit.district_id = district_id(uow, texts["district"])
    unit.head_name = head_name
    unit.head_since = head_since if head_name else None
    _set_liaison(unit, texts.get("liaison_name"), phone)
    uow.session.flush()
    uow.session.refresh(unit)


def retire_unit(
    uow: UnitOfWork, user: CurrentUser | None, code: str, on: date, reason: str, *, clock: Clock = utcnow
) -> UnitRow:
    """Retire (撤销) a unit by hand on ``on`` with a reason: it stays in the register and in
    every campaign that appraised it, but is no longer chosen for new ones. Refused: an
    already retired unit, a date in the future or before its last reorganisation, no reason."""
    actor = require(user, Permission.configure_campaign)
    reason = check_reason(reason)
    with uow:
        uow.actor = actor.username
        unit = require_active(load_unit(uow, code, for_update=True))
        check_not_future(on, clock)
        check_after_last_event(uow, unit, on)
        before = snapshot(unit)
        unit.active, unit.retired_on = False, on
        old, new = changed(before, snapshot(unit))
        audit.record(uow, "unit.retire", "unit", unit.code, old, {**new, "reason": reason})
        row = row_of(unit)
        uow.commit()
        return row


def reinstate_unit(uow: UnitOfWork, user: CurrentUser | None, code: str, reason: str) -> UnitRow:
    """Undo :func:`retire_unit` (a unit retired by mistake). A unit retired by a merger or
    a split is refused: its past now belongs to its successors; record a new event."""
    actor = require(user, Permission.configure_campaign)
    reason = check_reason(reason)
    with uow:
        uow.actor = actor.username
        unit = load_unit(uow, code, for_update=True)
        if unit.active:
            raise RegisterRefused(NOT_RETIRED, "code", code=code)
        event = uow.session.execute(
            select(Reorganisation)
            .join(ReorganisationLink, ReorganisationLink.reorganisation_id == Reorganisation.id)
            .where(ReorganisationLink.from_unit_id == unit.id, ReorganisationLink.to_unit_id != unit.id)
            .order_by(Reorganisation.effective_on.desc(), Reorganisation.id.desc())
            .limit(1)
        ).scalar()
        if event is not None:
            raise RegisterRefused(
                RETIRED_BY_EVENT, "code", code=code, kind=str(event.kind), on=event.effective_on.isoformat()
            )
        before = snapshot(unit)
        unit.active, unit.retired_on = True, None
        old, new = changed(before, snapshot(unit))
        audit.record(uow, "unit.reinstate", "unit", unit.code, old, {**new, "reason": reason})
        row = row_of(unit)
        uow.commit()
        return row


# ---------------------------------------------------------------- reading the register


def _all_units(uow: UnitOfWork) -> list[Unit]:
    query = select(Unit).options(selectinload(Unit.district)).order_by(Unit.category, Unit.code)
    return list(uow.session.execute(query).scalars())


def _words(text: str) -> list[str]:
    return unicodedata.normalize("NFKC", text).casefold().split()


def search_units(
    uow: UnitOfWork,
    user: CurrentUser | None,
    text: str = "",
    category: str = "",
    district: str = "",
    kind: str = "",
    include_retired: bool = False,
) -> list[UnitRow]:
    """The units matching every word of ``text`` (in code, name, department, head or
    district; case and full/half width ignored) and the filters given, by category then code."""
    require(user, Permission.configure_campaign)
    words = _words(text)
    with uow:
        units = _all_units(uow)
        successors = {u.id: u.code for u in units}
        found = []
        for unit in units:
            row = row_of(unit, successors)
            if not include_retired and not row.active:
                continue
            if (category and row.category != category) or (district and row.district != district):
                continue
            if kind and row.kind != kind:
                continue
            haystack = " ".join(
                _words(f"{row.code} {row.name} {row.department} {row.head_name} {row.district}")
            )
            if all(w in haystack for w in words):
                found.append(row)
        return found


def get_unit(uow: UnitOfWork, user: CurrentUser | None, code: str) -> UnitRow:
    """One unit of the register (liaison masked)."""
    require(user, Permission.configure_campaign)
    with uow:
        return row_of(load_unit(uow, code), {u.id: u.code for u in _all_units(uow)})


def register_facets(uow: UnitOfWork, user: CurrentUser | None) -> Facets:
    """Categories, districts and kinds of the active units with their counts (for filters)."""
    require(user, Permission.configure_campaign)
    with uow:
        units = [row_of(u) for u in _all_units(uow)]
    active = [u for u in units if u.active]

    def count(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(Counter(v for v in values if v).items(), key=lambda kv: (-kv[1], kv[0])))

    return Facets(
        categories=count(u.category for u in active),
        districts=count(u.district for u in active),
        kinds=count(u.kind for u in active),
        active=len(active),
        retired=len(units) - len(active),
    )


# ---------------------------------------------------------------- the register as a file
# (the work is done in services/register_io.py; these are the register's entry points)


def export_register(
    uow: UnitOfWork,
    user: CurrentUser | None,
    fmt: Literal["csv", "xlsx"],
    *,
    include_retired: bool = False,
    lang: str = "en",
) -> bytes:
    """The register as CSV (UTF-8 with BOM) or XLSX with the importer's columns (headers in
    English, or in Chinese for ``lang="zh"``), liaisons masked; importing the file again
    changes nothing. See :func:`services.register_io.export_register`."""
    from services import register_io

    return register_io.export_register(uow, user, fmt, include_retired=include_retired, lang=lang)


def import_register(uow: UnitOfWork, user: CurrentUser | None, data: bytes, filename: str) -> RegisterImport:
    """Create and update units from a CSV or XLSX file, all or nothing. See
    :func:`services.register_io.import_register`."""
    from services import register_io

    return register_io.import_register(uow, user, data, filename)
