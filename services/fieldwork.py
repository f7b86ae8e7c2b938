"""Fieldwork by the contractor (第三方电话抽访): assigning cases, the callers' queue and
workstation (CATI), recording calls, progress and contractor assurance.

Admins may watch fieldwork but not do it; a caller records calls only on the cases
assigned to them (their ``Caller`` row is linked to their account); supervisors assign
and reassign cases and record back-check outcomes.

Every outcome belongs to a call on record (呼叫记录): the click-to-call bridge's attempt
(``services.telephony``), or a manual dial (手动拨号) the caller asked for with
:func:`start_manual_dial`, which reveals the number to that caller for that case only,
audited without the number. A disposition typed in without either is refused
(:class:`NoCallOnRecord`): the number is masked everywhere else, so no call could have
been made.

Per-campaign parameters come from an optional ``[fieldwork]`` table of the campaign's
``campaign.toml`` (a table the scoring method leaves to other tools)::

    [fieldwork]
    organizer = "市委组织部"          # named in the call script
    contractor = "某某调查公司"
    max_attempts = 5                  # dialings before a case closes
    min_gap_hours = 3                 # no retry sooner than this
    chars_per_second = 4              # reading speed behind the short-interview flag
    seconds_per_question = 3
"""

from __future__ import annotations

import math
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

import numpy as np
from sqlalchemy import delete, func, select

from db import audit
from db.crypto import DecryptionError, decrypt, mask_name, mask_phone
from db.models import (
    AuditEntry,
    CallAttempt,
    Caller,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    DoNotCall,
    FrameEntry,
    Item,
    PhoneAnswer,
    PhoneCase,
    PhoneSample,
    SurveyResponse,
    Unit,
)
from db.uow import UnitOfWork
from scoring.inputs import AAPOR_CLASSES
from scoring.params import parse_campaign_toml
from scoring.phone import RATE_NAMES, aapor_counts, aapor_rates, disposition_class
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, PermissionDenied, require
from services.questionnaire import ItemView, in_item_set, item_views, unit_category
from survey.assurance import (
    CALLBACK,
    CHINA_TZ,
    DEFAULT_CONTRACTOR,
    DEFAULT_ORGANIZER,
    NOT_ATTEMPTED,
    BackcheckDesign,
    ReadingSpeed,
    RetryPolicy,
    backcheck_sample,
    call_script,
    caller_outliers,
    day_part_of,
    disposition_option,
    min_interview_seconds,
    next_attempt_time,
)

# Completed interview (AAPOR 1.1).
COMPLETE = "1.1"


def _open_case_of(
    uow: UnitOfWork, campaign_code: str, case_code: str, actor: CurrentUser
) -> tuple[Campaign, PhoneCase, Caller]:
    """The campaign, the case and its caller, if the case is ``actor``'s own, still open, and its
    campaign in fieldwork: the checks before a caller dials or records anything."""
    campaign = load_campaign(uow, campaign_code)
    case = _case(uow, campaign.id, case_code)
    caller = uow.session.get(Caller, case.caller_id) if case.caller_id else None
    if caller is None or caller.user_id != actor.id:
        raise PermissionDenied(f"case {case_code} is not assigned to {actor.username}")
    assert_inputs_editable(campaign)
    if CampaignStatus(campaign.status) != CampaignStatus.fieldwork:
        raise Refused(f"campaign {campaign_code} is not in fieldwork ({campaign.status})")
    if case.disposition:
        raise Refused(f"case {case_code} is already closed ({case.disposition})")
    return campaign, case, caller


def _case(uow: UnitOfWork, campaign_id: int, case_code: str) -> PhoneCase:
    case = uow.session.execute(
        select(PhoneCase)
        .where(PhoneCase.campaign_id == campaign_id, PhoneCase.code == case_code)
        .with_for_update()
    ).scalar()
    if case is None:
        raise NotFound(f"no phone case {case_code!r} in this campaign")
    return case


def assign_case(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, case_code: str, caller_code: str
) -> None:
    """Give a case to a caller, or move it to another one (supervisors)."""
    actor = require(user, Permission.assign_cases)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code)
        assert_inputs_editable(campaign)
        if CampaignStatus(campaign.status) not in {CampaignStatus.draft, CampaignStatus.fieldwork}:
            raise Refused(f"fieldwork of campaign {campaign_code} is closed ({campaign.status})")
        case = _case(uow, campaign.id, case_code)
        if case.disposition:
            raise Refused(f"case {case_code} is closed ({case.disposition}); it cannot be reassigned")
        caller = uow.session.execute(select(Caller).where(Caller.code == caller_code)).scalar()
        if caller is None:
            raise NotFound(f"no caller has the code {caller_code!r}")
        before = uow.session.get(Caller, case.caller_id).code if case.caller_id else None
        case.caller_id = caller.id
        audit.record(
            uow,
            "case.assign",
            "phone_case",
            f"{campaign_code}/{case_code}",
            {"caller": before},
            {"caller": caller_code},
        )
        uow.commit()


def fieldwork_progress(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[dict[str, Any]]:
    """Per unit: survey responses, phone cases, cases called, cases closed and completed
    interviews (supervisors and admins)."""
    require(user, Permission.watch_fieldwork)
    with uow:
        session = uow.session
        campaign = load_campaign(uow, campaign_code)
        responses = dict(
            session.execute(
                select(SurveyResponse.unit_id, func.count())
                .where(SurveyResponse.campaign_id == campaign.id)
                .group_by(SurveyResponse.unit_id)
            ).all()
        )
        cases: dict[int, list[PhoneCase]] = {}
        for case in session.execute(select(PhoneCase).where(PhoneCase.campaign_id == campaign.id)).scalars():
            cases.setdefault(case.unit_id, []).append(case)
        units = session.execute(
            select(Unit.id, Unit.code, CampaignUnit.name)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position)
        ).all()
        return [
            {
                "unit_id": code,
                "name": name,
                "responses": responses.get(unit_id, 0),
                "cases": len(cases.get(unit_id, [])),
                "called": sum(1 for c in cases.get(unit_id, []) if c.attempts),
                "closed": sum(1 for c in cases.get(unit_id, []) if c.disposition),
                "completed": sum(1 for c in cases.get(unit_id, []) if c.disposition == COMPLETE),
            }
            for unit_id, code, name in units
        ]


# ---------------------------------------------------------------- settings and helpers

# Case classes that close a case at once when no offered disposition says otherwise:
# interviews, refusals, other eligible non-interviews and the ineligible.
_FINAL_CLASSES = frozenset(AAPOR_CLASSES.index(c) for c in ("I", "P", "R", "O", "NE"))
_INTERVIEW_CLASSES = frozenset(AAPOR_CLASSES.index(c) for c in ("I", "P"))
BACKCHECK_OUTCOMES = ("confirmed", "not_confirmed")


@dataclass(frozen=True, slots=True)
class FieldworkSettings:
    """A campaign's fieldwork parameters (``[fieldwork]`` of its campaign.toml, else defaults)."""

    organizer: str = DEFAULT_ORGANIZER
    contractor: str = DEFAULT_CONTRACTOR
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    speed: ReadingSpeed = field(default_factory=ReadingSpeed)


def fieldwork_settings(method_toml: str) -> FieldworkSettings:
    """Read ``[fieldwork]``; a missing, malformed or out-of-range value keeps its default
    (the table is advisory: fieldwork must go on even if someone mistypes it)."""
    try:
        table = tomllib.loads(method_toml or "").get("fieldwork", {})
    except tomllib.TOMLDecodeError:
        table = {}
    if not isinstance(table, dict):
        table = {}

    def text(key: str, default: str) -> str:
        value = table.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else default

    def number(key: str, default: float) -> float:
        value = table.get(key)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return float(value) if ok and value >= 0 else default

    defaults = FieldworkSettings()
    try:
        retry = RetryPolicy(
            max_attempts=int(number("max_attempts", defaults.retry.max_attempts)),
            min_gap_hours=number("min_gap_hours", defaults.retry.min_gap_hours),
        )
    except ValueError:
        retry = defaults.retry
    try:
        speed = ReadingSpeed(
            chars_per_second=number("chars_per_second", defaults.speed.chars_per_second),
            seconds_per_question=number("seconds_per_question", defaults.speed.seconds_per_question),
        )
    except ValueError:
        speed = defaults.speed
    return FieldworkSettings(
        organizer=text("organizer", defaults.organizer),
        contractor=text("contractor", defaults.contractor),
        retry=retry,
        speed=speed,
    )


def _is_final(code: str) -> bool:
    option = disposition_option(code)
    return option.final if option is not None else disposition_class(code) in _FINAL_CLASSES


def _masked(blob: bytes | None, mask: Any) -> str:
    if blob is None:
        return ""
    try:
        return str(mask(decrypt(blob)))
    except DecryptionError:
        return "****"


def _phone_items(uow: UnitOfWork, campaign_id: int, case: PhoneCase | None = None) -> tuple[ItemView, ...]:
    """The phone items in order; with a ``case``, only those of its item set (题组): its
    unit's category and, when the case has one, its respondent group."""
    items = item_views(uow, campaign_id, "phone")
    if case is None:
        return items
    return _asked(items, unit_category(uow, campaign_id, case.unit_id), case.respondent_group or None)


def _asked(items: Sequence[ItemView], category: str, group: str | None) -> tuple[ItemView, ...]:
    return tuple(item for item in items if item.asked(category, group))


def _own_callers(uow: UnitOfWork, actor: CurrentUser) -> list[int]:
    return list(uow.session.execute(select(Caller.id).where(Caller.user_id == actor.id)).scalars())


def _script_texts(settings: FieldworkSettings, campaign: Campaign, unit_name: str) -> tuple[str, str]:
    return call_script(
        organizer=settings.organizer,
        contractor=settings.contractor,
        campaign=campaign.name or campaign.code,
        unit=unit_name,
    )


def _reading_threshold(
    settings: FieldworkSettings, campaign: Campaign, unit_name: str, items: Sequence[ItemView]
) -> float:
    intro, closing = _script_texts(settings, campaign, unit_name)
    # "Don't know" is never read aloud, so it adds no reading time.
    spoken = [intro, closing]
    for item in items:
        spoken.append(item.text_zh)
        spoken.extend(o.label_zh for o in item.options if not o.dont_know)
    return min_interview_seconds(spoken, len(items), settings.speed)


# ---------------------------------------------------------------- bulk assignment


#: Cases a supervisor deals in one click without being asked to confirm (a page of the
#: case list): more than this, and :func:`assign_round_robin` wants the count confirmed.
ASSIGN_PAGE_SIZE: Final = 200


class ConfirmationNeeded(Refused):
    """Dealing more than a page of cases needs the supervisor to confirm the count;
    nothing was assigned. ``count`` is how many cases the deal would assign."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"this would assign {count} cases (more than {ASSIGN_PAGE_SIZE}): confirm the count to go on"
        )
        self.count = count


def assign_round_robin(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    unit_codes: Sequence[str],
    caller_codes: Sequence[str],
    *,
    confirmed_count: int | None = None,
) -> dict[str, list[str]]:
    """Deal the unassigned open cases of the chosen units to the chosen callers in turn
    (supervisors). Cases go unit by unit in campaign order, then by batch and code, so
    every caller gets a share of every unit. Returns ``{caller code: case codes}``.

    A deal of more than :data:`ASSIGN_PAGE_SIZE` cases goes ahead only when
    ``confirmed_count`` equals the number it would assign; otherwise it raises
    :class:`ConfirmationNeeded` with that number and assigns nothing. A whole sample
    (thousands of cases) is then never dealt by one careless click, and a count that
    changed since it was confirmed (another supervisor dealt meanwhile) is asked again."""
    actor = require(user, Permission.assign_cases)
    if not unit_codes or not caller_codes:
        raise Refused("choose at least one unit and one caller")
    with uow:
        uow.actor = actor.username
        session = uow.session
        campaign = load_campaign(uow, campaign_code)
        assert_inputs_editable(campaign)
        if CampaignStatus(campaign.status) not in {CampaignStatus.draft, CampaignStatus.fieldwork}:
            raise Refused(f"fieldwork of campaign {campaign_code} is closed ({campaign.status})")
        callers = {
            c.code: c for c in session.execute(select(Caller).where(Caller.code.in_(caller_codes))).scalars()
        }
        missing = [c for c in caller_codes if c not in callers]
        if missing:
            raise NotFound(f"no caller has the code {missing[0]!r}")
        cases = list(
            session.execute(
                select(PhoneCase)
                .join(Unit, Unit.id == PhoneCase.unit_id)
                .join(
                    CampaignUnit,
                    (CampaignUnit.unit_id == Unit.id) & (CampaignUnit.campaign_id == campaign.id),
                )
                .where(
                    PhoneCase.campaign_id == campaign.id,
                    Unit.code.in_(unit_codes),
                    PhoneCase.caller_id.is_(None),
                    PhoneCase.disposition == "",
                )
                .order_by(CampaignUnit.position, PhoneCase.batch, PhoneCase.code)
                .with_for_update(of=PhoneCase)
            ).scalars()
        )
        if len(cases) > ASSIGN_PAGE_SIZE and confirmed_count != len(cases):
            raise ConfirmationNeeded(len(cases))
        dealt: dict[str, list[str]] = {code: [] for code in dict.fromkeys(caller_codes)}
        order = list(dealt)
        for k, case in enumerate(cases):
            code = order[k % len(order)]
            case.caller_id = callers[code].id
            dealt[code].append(case.code)
        audit.record(
            uow,
            "case.assign_bulk",
            "campaign",
            campaign_code,
            {"units": list(unit_codes)},
            {"cases": dealt},
        )
        uow.commit()
        return dealt


# ---------------------------------------------------------------- the caller's queue


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One of the caller's open cases, as the workstation lists it.

    ``kind`` is ``callback`` (an appointment that is due), ``retry`` (called before, due
    again), ``new`` (never called) or ``scheduled`` (not due yet: appointment or retry later).
    """

    campaign_code: str
    campaign_name: str
    case_code: str
    unit_code: str
    unit_name: str
    phone: str  # masked
    attempts: int
    kind: str
    due_at: datetime | None
    last_disposition: str

    @property
    def due(self) -> bool:
        return self.kind != "scheduled"


_KIND_ORDER = {"callback": 0, "retry": 1, "new": 2, "scheduled": 3}


def caller_queue(uow: UnitOfWork, user: CurrentUser | None, *, clock: Clock = utcnow) -> list[QueueEntry]:
    """The signed-in caller's open cases in campaigns in fieldwork, next one first:
    callbacks due (earliest appointment first), then retries due, then new cases, then
    those scheduled for later."""
    actor = require(user, Permission.record_calls)
    now = as_utc(clock())
    with uow:
        session = uow.session
        caller_ids = _own_callers(uow, actor)
        if not caller_ids:
            return []
        rows = session.execute(
            select(
                PhoneCase, Campaign.code, Campaign.name, Unit.code, CampaignUnit.name, FrameEntry.phone_enc
            )
            .join(Campaign, Campaign.id == PhoneCase.campaign_id)
            .join(Unit, Unit.id == PhoneCase.unit_id)
            .outerjoin(
                CampaignUnit,
                (CampaignUnit.unit_id == PhoneCase.unit_id) & (CampaignUnit.campaign_id == Campaign.id),
            )
            .outerjoin(FrameEntry, FrameEntry.id == PhoneCase.frame_entry_id)
            .where(
                PhoneCase.caller_id.in_(caller_ids),
                PhoneCase.disposition == "",
                Campaign.status == CampaignStatus.fieldwork,
            )
        ).all()
        last = _last_dispositions(uow, [r[0].id for r in rows])
        entries = []
        for case, c_code, c_name, u_code, u_name, phone_enc in rows:
            callback = as_utc(case.callback_at) if case.callback_at else None
            retry = as_utc(case.next_attempt_at) if case.next_attempt_at else None
            if callback is not None:
                kind, due_at = ("callback" if callback <= now else "scheduled"), callback
            elif retry is not None and retry > now:
                kind, due_at = "scheduled", retry
            else:
                kind, due_at = ("retry" if case.attempts else "new"), retry
            entries.append(
                QueueEntry(
                    campaign_code=c_code,
                    campaign_name=c_name or c_code,
                    case_code=case.code,
                    unit_code=u_code,
                    unit_name=u_name or u_code,
                    phone=_masked(phone_enc, mask_phone),
                    attempts=case.attempts,
                    kind=kind,
                    due_at=due_at,
                    last_disposition=last.get(case.id, ""),
                )
            )
        far = datetime.max.replace(tzinfo=now.tzinfo)
        entries.sort(key=lambda e: (_KIND_ORDER[e.kind], e.due_at or far, e.campaign_code, e.case_code))
        return entries


def _last_dispositions(uow: UnitOfWork, case_ids: Sequence[int]) -> dict[int, str]:
    """Each case's latest recorded disposition (attempts still waiting for their outcome skipped)."""
    if not case_ids:
        return {}
    rows = uow.session.execute(
        select(CallAttempt.case_id, CallAttempt.disposition)
        .where(CallAttempt.case_id.in_(case_ids), CallAttempt.disposition != "")
        .order_by(CallAttempt.started_at, CallAttempt.id)
    ).all()
    return {case_id: disposition for case_id, disposition in rows}


@dataclass(frozen=True, slots=True)
class AttemptView:
    started_at: datetime
    disposition: str
    duration_seconds: float | None
    mode: str
    note: str


@dataclass(frozen=True, slots=True)
class CaseSheet:
    """What the workstation shows for one case: masked contact, the script (Chinese, read
    aloud as written), the phone questionnaire and the calls so far."""

    campaign_code: str
    campaign_name: str
    case_code: str
    unit_code: str
    unit_name: str
    phone: str  # masked
    name: str  # masked
    attempts: int
    max_attempts: int
    callback_at: datetime | None
    script_intro: str
    script_closing: str
    questions: tuple[ItemView, ...]
    history: tuple[AttemptView, ...]
    min_seconds: float
    manual_dial_open: bool = False  # the caller dialled by hand and has not recorded the outcome yet


def case_sheet(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, case_code: str) -> CaseSheet:
    """The caller's own case, ready to call."""
    actor = require(user, Permission.record_calls)
    with uow:
        session = uow.session
        campaign = load_campaign(uow, campaign_code)
        case = session.execute(
            select(PhoneCase).where(PhoneCase.campaign_id == campaign.id, PhoneCase.code == case_code)
        ).scalar()
        if case is None:
            raise NotFound(f"no phone case {case_code!r} in this campaign")
        if case.caller_id is None or case.caller_id not in _own_callers(uow, actor):
            raise PermissionDenied(f"case {case_code} is not assigned to {actor.username}")
        unit_code, unit_name = session.execute(
            select(Unit.code, func.coalesce(CampaignUnit.name, Unit.name))
            .outerjoin(
                CampaignUnit,
                (CampaignUnit.unit_id == Unit.id) & (CampaignUnit.campaign_id == campaign.id),
            )
            .where(Unit.id == case.unit_id)
        ).one()
        entry = session.get(FrameEntry, case.frame_entry_id) if case.frame_entry_id else None
        settings = fieldwork_settings(campaign.method_toml)
        items = _phone_items(uow, campaign.id, case)
        intro, closing = _script_texts(settings, campaign, unit_name)
        history = tuple(
            AttemptView(
                started_at=as_utc(a.started_at),
                disposition=a.disposition,
                duration_seconds=a.duration_seconds,
                mode=a.mode,
                note=a.note,
            )
            for a in session.execute(
                select(CallAttempt)
                .where(CallAttempt.case_id == case.id)
                .order_by(CallAttempt.started_at, CallAttempt.id)
            ).scalars()
        )
        return CaseSheet(
            campaign_code=campaign.code,
            campaign_name=campaign.name or campaign.code,
            case_code=case.code,
            unit_code=unit_code,
            unit_name=unit_name,
            phone=_masked(entry.phone_enc if entry else None, mask_phone),
            name=_masked(entry.name_enc if entry else None, mask_name),
            attempts=case.attempts,
            max_attempts=settings.retry.max_attempts,
            callback_at=as_utc(case.callback_at) if case.callback_at else None,
            script_intro=intro,
            script_closing=closing,
            questions=items,
            history=history,
            min_seconds=_reading_threshold(settings, campaign, unit_name, items),
            manual_dial_open=_open_manual_dial(uow, case.id, case.caller_id) is not None,
        )


# ---------------------------------------------------------------- dialling by hand (手动拨号)

MANUAL = "manual"  # CallAttempt.mode of a call dialled by hand


class NoCallOnRecord(Refused):
    """An outcome typed in for a case with no call to attach it to: neither the bridge
    call placed from the workstation nor a manual dial the caller asked for."""


@dataclass(frozen=True, slots=True)
class ManualDial:
    """The number to dial by hand, for the caller who asked and that case only; never
    stored or audited in clear."""

    campaign_code: str
    case_code: str
    number: str  # as the frame holds it, +8613812345678
    attempt_id: int
    attempts: int

    @property
    def national(self) -> str:
        """The number as dialled in mainland China: ``13812345678``."""
        return self.number[3:] if self.number.startswith("+86") else self.number

    def __repr__(self) -> str:  # keep the number out of logs and tracebacks
        return f"ManualDial({self.campaign_code}/{self.case_code}, attempt {self.attempt_id})"


def _open_manual_dial(uow: UnitOfWork, case_id: int, caller_id: int | None) -> CallAttempt | None:
    """The case's manual dial by this caller still waiting for its outcome, if any."""
    if caller_id is None:
        return None
    return uow.session.execute(
        select(CallAttempt)
        .where(
            CallAttempt.case_id == case_id,
            CallAttempt.caller_id == caller_id,
            CallAttempt.mode == MANUAL,
            CallAttempt.disposition == "",
        )
        .order_by(CallAttempt.id.desc())
        .limit(1)
    ).scalar()


def start_manual_dial(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, case_code: str, *, clock: Clock = utcnow
) -> ManualDial:
    """The caller asks to dial their own open case by hand: the number is decrypted for
    them, a manual :class:`CallAttempt` is opened (and counted, as a bridge call is when
    placed) for the outcome to go on, and the reveal is audited with who, when and which
    case, never the number. Asking again before the outcome is recorded reveals the same
    number on the same attempt (audited again, counted once). Numbers on the do-not-call
    list are never revealed."""
    actor = require(user, Permission.record_calls)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        session = uow.session
        campaign, case, caller = _open_case_of(uow, campaign_code, case_code, actor)
        entry = session.get(FrameEntry, case.frame_entry_id) if case.frame_entry_id else None
        if entry is None or entry.phone_enc is None:
            raise Refused(
                f"case {case_code} has no phone number (it is not linked to a sampling frame entry)"
            )
        if session.execute(select(DoNotCall.id).where(DoNotCall.phone_hash == entry.phone_hash)).first():
            raise Refused(f"the respondent of case {case_code} is on the do-not-call list")
        try:
            number = decrypt(entry.phone_enc)
        except DecryptionError as exc:
            raise Refused(
                f"the phone number of case {case_code} cannot be read with this platform's key"
            ) from exc
        attempt = _open_manual_dial(uow, case.id, caller.id)
        again = attempt is not None
        before = {"attempts": case.attempts}
        if attempt is None:
            attempt = CallAttempt(case_id=case.id, caller_id=caller.id, started_at=now, mode=MANUAL)
            session.add(attempt)
            case.attempts += 1
            session.flush()
        audit.record(
            uow,
            "case.call.manual",
            "phone_case",
            f"{campaign_code}/{case_code}",
            before,
            # who and when are the entry's actor and time; the number is never written here
            {
                "attempts": case.attempts,
                "attempt": attempt.id,
                "mode": MANUAL,
                "caller": caller.code,
                "again": again,
            },
            at=now,
        )
        dial = ManualDial(campaign.code, case.code, number, attempt.id, case.attempts)
        uow.commit()
        return dial


# ---------------------------------------------------------------- recording an outcome


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """The case after a call: attempts so far, its final disposition if it is now closed,
    and when it comes up again if not."""

    attempts: int
    disposition: str
    next_attempt_at: datetime | None
    callback_at: datetime | None

    @property
    def closed(self) -> bool:
        return bool(self.disposition)


def record_call_outcome(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    case_code: str,
    disposition: str,
    *,
    answers: Mapping[str, str] | None = None,
    call_sid: str | None = None,
    callback_at: datetime | None = None,
    duration_seconds: float | None = None,
    note: str = "",
    recording_consent: bool = False,
    clock: Clock = utcnow,
) -> CallOutcome:
    """Record the outcome of a call on the caller's own case, in one transaction: the
    attempt (the bridge call's, found by ``call_sid``, or the caller's open manual dial,
    see :func:`start_manual_dial`), the answers and the case's state, audited.

    * without a call on record the outcome is refused (:class:`NoCallOnRecord`): the
      number is masked, so nothing could have been said on the phone;

    * a final disposition (complete, partial, refusal, wrong number...) closes the case;
    * ``2.21`` (callback) needs the time the respondent named; the case comes first in the
      queue from then on;
    * any other temporary disposition schedules a retry in another part of the day, and
      once the campaign's ``max_attempts`` dialings are used up the case closes with it;
    * answers go only with an interview: a complete needs every phone item answered
      (don't know counts as an answer), a partial at least one.
    """
    actor = require(user, Permission.record_calls)
    cls = disposition_class(disposition)
    if cls is None:
        raise Refused(f"{disposition!r} is not an AAPOR disposition code")
    answers = dict(answers or {})
    if answers and cls not in _INTERVIEW_CLASSES:
        raise Refused(f"answers can be recorded only with an interview (1.1 or 1.2), not {disposition}")
    now = as_utc(clock())
    if disposition == CALLBACK:
        if callback_at is None:
            raise Refused("a callback needs the time the respondent named")
        callback_at = as_utc(callback_at)
        if callback_at <= now:
            raise Refused("the callback time must be in the future")
    elif callback_at is not None:
        raise Refused(f"a callback time goes only with {CALLBACK} (callback)")
    if duration_seconds is not None and not (math.isfinite(duration_seconds) and duration_seconds >= 0):
        raise Refused("the duration must be a number of seconds >= 0")
    with uow:
        uow.actor = actor.username
        session = uow.session
        campaign, case, caller = _open_case_of(uow, campaign_code, case_code, actor)
        chosen = _check_answers(uow, campaign.id, disposition, answers, case)
        settings = fieldwork_settings(campaign.method_toml)

        if call_sid:
            attempt = session.execute(select(CallAttempt).where(CallAttempt.call_sid == call_sid)).scalar()
            if attempt is None or attempt.case_id != case.id:
                raise NotFound(f"no call {call_sid!r} on case {case_code}")
            # The provider's status callback may already have noted a temporary outcome (no
            # answer, busy): the caller confirms or corrects it (voicemail, not no answer) and
            # the retry is scheduled here. A final outcome (an IVR complete) stands.
            if attempt.disposition and _is_final(attempt.disposition):
                raise Refused(f"the outcome of call {call_sid} is already recorded ({attempt.disposition})")
            attempt.caller_id = attempt.caller_id or caller.id
            if attempt.duration_seconds is None:
                attempt.duration_seconds = duration_seconds
        else:
            manual = _open_manual_dial(uow, case.id, caller.id)
            if manual is None:
                raise NoCallOnRecord(
                    f"case {case_code} has no call on record: place the call from the workstation or "
                    "dial by hand (the number is then shown to you) before recording its outcome"
                )
            attempt = manual
            if attempt.duration_seconds is None:
                attempt.duration_seconds = duration_seconds
        attempt.disposition = disposition
        attempt.note = note
        attempt.recording_consent = recording_consent
        session.flush()

        before = {
            "attempts": case.attempts,
            "disposition": case.disposition,
            "callback_at": case.callback_at,
            "next_attempt_at": case.next_attempt_at,
        }
        calls = list(
            session.execute(
                select(CallAttempt.started_at).where(CallAttempt.case_id == case.id).order_by(CallAttempt.id)
            ).scalars()
        )
        # Calls are counted when placed or dialled; the telephony service may or may not
        # have counted a bridge call already: the case has made at least as many attempts
        # as it has attempt rows.
        case.attempts = max(case.attempts, len(calls))

        if chosen:
            session.execute(delete(PhoneAnswer).where(PhoneAnswer.case_id == case.id))
            session.add_all(PhoneAnswer(case_id=case.id, item_id=i, option_code=o) for i, o in chosen.items())

        case.callback_at = None
        case.next_attempt_at = None
        if _is_final(disposition) or case.attempts >= settings.retry.max_attempts:
            # Out of attempts: the last temporary disposition becomes the final one.
            case.disposition = disposition
        elif disposition == CALLBACK:
            case.callback_at = callback_at
            case.next_attempt_at = callback_at
        else:
            tried = [day_part_of(as_utc(t), settings.retry) for t in calls]
            case.next_attempt_at = next_attempt_time(as_utc(attempt.started_at), tried, settings.retry)
        session.flush()
        audit.record(
            uow,
            "case.call",
            "phone_case",
            f"{campaign_code}/{case_code}",
            before,
            {
                "attempts": case.attempts,
                "disposition": case.disposition,
                "attempt": disposition,
                "call_sid": call_sid,
                "callback_at": case.callback_at,
                "next_attempt_at": case.next_attempt_at,
                "answers": dict(answers) if answers else None,
            },
            at=now,
        )
        outcome = CallOutcome(
            attempts=case.attempts,
            disposition=case.disposition,
            next_attempt_at=as_utc(case.next_attempt_at) if case.next_attempt_at else None,
            callback_at=as_utc(case.callback_at) if case.callback_at else None,
        )
        uow.commit()
        return outcome


def _check_answers(
    uow: UnitOfWork, campaign_id: int, disposition: str, answers: Mapping[str, str], case: PhoneCase
) -> dict[int, str]:
    """``{item id: option code}`` of valid answers; refuse unknown items and options, items
    outside the case's item set (题组), and a complete without every item of the set or a
    partial without any."""
    cls = disposition_class(disposition)
    if cls not in _INTERVIEW_CLASSES:
        return {}
    category = unit_category(uow, campaign_id, case.unit_id)
    group = case.respondent_group or None
    items = {
        item.code: item
        for item in uow.session.execute(
            select(Item).where(Item.campaign_id == campaign_id, Item.instrument == "phone")
        ).scalars()
    }
    outside = {
        code
        for code, item in items.items()
        if not in_item_set(item.unit_categories or [], item.respondent_groups or [], category, group)
    }
    stray = sorted(set(answers) & outside)
    if stray:
        raise Refused(f"phone question {stray[0]} is not asked about this case's unit (its item set)")
    items = {code: item for code, item in items.items() if code not in outside}
    if not items:
        raise Refused("the campaign has no phone questionnaire (items with instrument phone)")
    chosen: dict[int, str] = {}
    for code, option in answers.items():
        item = items.get(code)
        if item is None:
            raise Refused(f"{code!r} is not a phone question of this campaign")
        if option not in {o.code for o in item.scale.options}:
            raise Refused(f"{option!r} is not an answer option of question {code}")
        chosen[item.id] = option
    if cls == AAPOR_CLASSES.index("I"):
        unanswered = sorted(set(items) - set(answers))
        if unanswered:
            raise Refused(
                f"a complete interview needs every question answered; missing: {', '.join(unanswered)}"
            )
    elif not chosen:
        raise Refused("a partial interview needs at least one answer")
    return chosen


# ---------------------------------------------------------------- supervision


@dataclass(frozen=True, slots=True)
class CallerView:
    code: str
    name: str


def list_callers(uow: UnitOfWork, user: CurrentUser | None) -> list[CallerView]:
    """Every caller of the contractor (supervisors and admins)."""
    require(user, Permission.watch_fieldwork)
    with uow:
        return [
            CallerView(code, name or code)
            for code, name in uow.session.execute(select(Caller.code, Caller.name).order_by(Caller.code))
        ]


@dataclass(frozen=True, slots=True)
class CampaignChoice:
    code: str
    name: str
    status: str


def fieldwork_campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[CampaignChoice]:
    """Campaigns to watch, those in fieldwork first, then the newest."""
    require(user, Permission.watch_fieldwork)
    with uow:
        rows = uow.session.execute(select(Campaign).order_by(Campaign.year.desc(), Campaign.code)).scalars()
        choices = [CampaignChoice(c.code, c.name or c.code, CampaignStatus(c.status).value) for c in rows]
        return sorted(choices, key=lambda c: c.status != CampaignStatus.fieldwork.value)


@dataclass(frozen=True, slots=True)
class OpenCase:
    case_code: str
    unit_code: str
    unit_name: str
    caller_code: str  # "" when unassigned
    attempts: int


def open_cases(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[OpenCase]:
    """The campaign's cases not yet closed, for reassignment (supervisors and admins)."""
    require(user, Permission.watch_fieldwork)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        rows = uow.session.execute(
            select(PhoneCase.code, Unit.code, CampaignUnit.name, Caller.code, PhoneCase.attempts)
            .join(Unit, Unit.id == PhoneCase.unit_id)
            .outerjoin(
                CampaignUnit,
                (CampaignUnit.unit_id == Unit.id) & (CampaignUnit.campaign_id == campaign.id),
            )
            .outerjoin(Caller, Caller.id == PhoneCase.caller_id)
            .where(PhoneCase.campaign_id == campaign.id, PhoneCase.disposition == "")
            .order_by(CampaignUnit.position, PhoneCase.code)
        ).all()
        return [OpenCase(k, u, n or u, c or "", a) for k, u, n, c, a in rows]


# ---------------------------------------------------------------- the dashboard


@dataclass(frozen=True, slots=True)
class RateRow:
    """AAPOR counts and rates of one scope (a unit, a caller or the whole contractor),
    computed by ``scoring.phone`` as fieldwork.csv is."""

    code: str
    name: str
    cases: int
    counts: dict[str, float]
    rates: dict[str, float]


@dataclass(frozen=True, slots=True)
class UnitProgress:
    code: str
    name: str
    target: int
    completes: int
    cases: int
    called: int
    closed: int
    rates: RateRow

    @property
    def share(self) -> float:
        return min(1.0, self.completes / self.target) if self.target > 0 else 1.0


@dataclass(frozen=True, slots=True)
class CallerStats:
    code: str
    name: str
    rates: RateRow
    attempts: int
    completes: int
    hours_worked: int
    calls_per_hour: float
    by_hour: tuple[int, ...]  # attempts per local hour of day 0..23
    short: int
    answers: int
    top_share: float
    pvalue: float
    adjusted: float
    flagged: bool


@dataclass(frozen=True, slots=True)
class ShortInterview:
    case_code: str
    caller_code: str
    unit_code: str
    duration_seconds: float
    min_seconds: float


@dataclass(frozen=True, slots=True)
class DailyCompletes:
    """Completed interviews of one caller on one day (Beijing date of the interview)."""

    day: date
    caller_code: str
    caller_name: str
    completes: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    campaign_code: str
    units: tuple[UnitProgress, ...]
    callers: tuple[CallerStats, ...]
    contractor: RateRow
    short: tuple[ShortInterview, ...]
    alpha: float
    target_source: str  # "sample" (the drawn sample's design) or "min_phone"
    daily: tuple[DailyCompletes, ...] = ()  # by day, then caller code


def search_units(units: Sequence[UnitProgress], query: str) -> list[UnitProgress]:
    """The units whose name or code holds every word of ``query`` (case, full-width and
    half-width forms ignored: ``ＡＢＣ`` finds ``abc``); an empty query keeps them all."""
    words = unicodedata.normalize("NFKC", query).casefold().split()
    if not words:
        return list(units)

    def text(u: UnitProgress) -> str:
        return unicodedata.normalize("NFKC", f"{u.name} {u.code}").casefold()

    return [u for u in units if all(w in text(u) for w in words)]


def _rate_row(code: str, name: str, counts: np.ndarray, rates: np.ndarray, cases: int) -> RateRow:
    return RateRow(
        code=code,
        name=name,
        cases=cases,
        counts={c: float(counts[k]) for k, c in enumerate(AAPOR_CLASSES)},
        rates={r: float(rates[k]) for k, r in enumerate(RATE_NAMES)},
    )


def _targets(uow: UnitOfWork, campaign: Campaign) -> tuple[dict[str, int], int, str]:
    """Target completes per unit from the latest drawn sample's design, else ``min_phone``."""
    _, params, _ = parse_campaign_toml(campaign.method_toml or "")
    sample = uow.session.execute(
        select(PhoneSample)
        .where(PhoneSample.campaign_id == campaign.id)
        .order_by(PhoneSample.drawn_at.desc(), PhoneSample.id.desc())
        .limit(1)
    ).scalar()
    per_unit: dict[str, int] = {}
    units = (sample.design or {}).get("units") if sample is not None else None
    if isinstance(units, dict):
        for code, spec in units.items():
            # the completes wanted for the unit, as services.sampling writes the design
            value = spec.get("target") if isinstance(spec, dict) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                per_unit[str(code)] = math.ceil(value)
    return per_unit, params.min_phone, "sample" if per_unit else "min_phone"


def fieldwork_dashboard(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, *, alpha: float = 0.05
) -> Dashboard:
    """Progress per unit toward its target, AAPOR rates per unit, per caller and for the
    contractor, calls per hour, interviews shorter than the script can be read, and
    callers whose answers stand out (supervisors and admins).

    Notes
    -----
    Rates come from ``scoring.phone`` (the code behind fieldwork.csv). A closed case counts
    with its final disposition; an open one with its latest temporary disposition, or as
    3.11 (not yet attempted) if never called, so the interim rates become the final ones
    as cases close. Per-caller rates follow the case's current caller, as fieldwork.csv does.
    """
    require(user, Permission.watch_fieldwork)
    with uow:
        session = uow.session
        campaign = load_campaign(uow, campaign_code)
        settings = fieldwork_settings(campaign.method_toml)
        targets, default_target, target_source = _targets(uow, campaign)
        units = session.execute(
            select(Unit.id, Unit.code, CampaignUnit.name)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position)
        ).all()
        unit_index = {uid: k for k, (uid, _, _) in enumerate(units)}
        callers = session.execute(select(Caller.id, Caller.code, Caller.name).order_by(Caller.code)).all()
        caller_index = {cid: k for k, (cid, _, _) in enumerate(callers)}
        cases = list(session.execute(select(PhoneCase).where(PhoneCase.campaign_id == campaign.id)).scalars())
        last = _last_dispositions(uow, [c.id for c in cases])

        def current(case: PhoneCase) -> str:
            return case.disposition or last.get(case.id, "") or NOT_ATTEMPTED

        cls = np.array([disposition_class(current(c)) for c in cases], dtype=np.int64)
        c_unit = np.array([unit_index.get(c.unit_id, -1) for c in cases], dtype=np.int64)
        c_caller = np.array([caller_index.get(c.caller_id, -1) for c in cases], dtype=np.int64)
        unit_counts = aapor_counts(cls, c_unit, len(units))
        caller_counts = aapor_counts(cls, c_caller, len(callers))
        all_counts = aapor_counts(cls, np.zeros(len(cases), dtype=np.int64), 1)
        unit_rates = aapor_rates(unit_counts).rates
        caller_rates = aapor_rates(caller_counts).rates
        all_rates = aapor_rates(all_counts).rates

        items = _phone_items(uow, campaign.id)
        categories = dict(
            session.execute(
                select(CampaignUnit.unit_id, CampaignUnit.category).where(
                    CampaignUnit.campaign_id == campaign.id
                )
            ).all()
        )
        # each unit's reading time counts the phone items of its category (题组)
        thresholds = {
            uid: _reading_threshold(
                settings, campaign, name or code, _asked(items, categories.get(uid, ""), None)
            )
            for uid, code, name in units
        }
        attempts = session.execute(
            select(CallAttempt.case_id, CallAttempt.caller_id, CallAttempt.started_at)
            .join(PhoneCase, PhoneCase.id == CallAttempt.case_id)
            .where(PhoneCase.campaign_id == campaign.id)
        ).all()
        by_hour = np.zeros((len(callers), 24), dtype=np.int64)
        worked: dict[int, set[tuple[Any, int]]] = {}
        for _, caller_id, started in attempts:
            k = caller_index.get(caller_id)
            if k is None:
                continue
            local = as_utc(started).astimezone(CHINA_TZ)
            by_hour[k, local.hour] += 1
            worked.setdefault(k, set()).add((local.date(), local.hour))

        # The interview's duration, day and caller: its latest 1.1 attempt.
        complete_ids = {c.id for c in cases if c.disposition == COMPLETE}
        durations: dict[int, float | None] = {}
        interviewed: dict[int, tuple[date, int | None]] = {}
        for case_id, duration, started, by in session.execute(
            select(
                CallAttempt.case_id,
                CallAttempt.duration_seconds,
                CallAttempt.started_at,
                CallAttempt.caller_id,
            )
            .where(CallAttempt.case_id.in_(complete_ids), CallAttempt.disposition == COMPLETE)
            .order_by(CallAttempt.started_at, CallAttempt.id)
        ).all():
            durations[case_id] = duration
            interviewed[case_id] = (as_utc(started).astimezone(CHINA_TZ).date(), by)
        unit_code = {uid: code for uid, code, _ in units}
        caller_code = {cid: code for cid, code, _ in callers}
        caller_name = {cid: name or code for cid, code, name in callers}
        per_day: dict[tuple[date, int | None], int] = {}
        for case in cases:
            if case.id in interviewed:
                day, by = interviewed[case.id]
                key = (day, by if by is not None else case.caller_id)
                per_day[key] = per_day.get(key, 0) + 1
        daily = tuple(
            sorted(
                (
                    DailyCompletes(
                        day,
                        caller_code.get(cid, "") if cid else "",
                        caller_name.get(cid, "") if cid else "",
                        n,
                    )
                    for (day, cid), n in per_day.items()
                ),
                key=lambda d: (d.day, d.caller_code),
            )
        )
        short = []
        for case in sorted(cases, key=lambda c: c.code):
            d = durations.get(case.id)
            limit = thresholds.get(case.unit_id)
            if case.id in complete_ids and d is not None and limit is not None and d < limit:
                short.append(
                    ShortInterview(
                        case.code, caller_code.get(case.caller_id, ""), unit_code[case.unit_id], d, limit
                    )
                )

        # Answers of interviews (complete and partial) per caller and option code.
        answer_rows = session.execute(
            select(PhoneCase.caller_id, PhoneAnswer.option_code, PhoneAnswer.case_id)
            .join(PhoneCase, PhoneCase.id == PhoneAnswer.case_id)
            .where(PhoneCase.campaign_id == campaign.id)
        ).all()
        options = sorted({o for _, o, _ in answer_rows})
        table = np.zeros((len(callers), len(options)), dtype=np.int64)
        for caller_id, option, _ in answer_rows:
            if caller_id in caller_index:
                table[caller_index[caller_id], options.index(option)] += 1
        interviews = len({case_id for _, _, case_id in answer_rows})
        # Answers of one interview are correlated; dividing the statistic by the mean
        # number of answers per interview (its upper bound as a design effect) keeps the
        # test from flagging honest callers (first-order Rao–Scott, conservative).
        deff = max(1.0, len(answer_rows) / interviews) if interviews else 1.0
        outliers = caller_outliers(table, alpha=alpha, deff=deff)

        unit_rows = tuple(
            UnitProgress(
                code=code,
                name=name or code,
                target=targets.get(code, default_target),
                completes=int(unit_counts[k, AAPOR_CLASSES.index("I")]),
                cases=int(np.sum(c_unit == k)),
                called=sum(1 for c in cases if c.unit_id == uid and c.attempts),
                closed=sum(1 for c in cases if c.unit_id == uid and c.disposition),
                rates=_rate_row(code, name or code, unit_counts[k], unit_rates[k], int(np.sum(c_unit == k))),
            )
            for k, (uid, code, name) in enumerate(units)
        )
        short_by_caller: dict[str, int] = {}
        for s in short:
            short_by_caller[s.caller_code] = short_by_caller.get(s.caller_code, 0) + 1
        caller_rows = []
        for k, (_, code, name) in enumerate(callers):
            n_cases = int(np.sum(c_caller == k))
            n_attempts = int(by_hour[k].sum())
            if not n_cases and not n_attempts:
                continue  # callers of other campaigns
            hours = len(worked.get(k, ()))
            caller_rows.append(
                CallerStats(
                    code=code,
                    name=name or code,
                    rates=_rate_row(code, name or code, caller_counts[k], caller_rates[k], n_cases),
                    attempts=n_attempts,
                    completes=int(caller_counts[k, AAPOR_CLASSES.index("I")]),
                    hours_worked=hours,
                    calls_per_hour=n_attempts / hours if hours else math.nan,
                    by_hour=tuple(int(x) for x in by_hour[k]),
                    short=short_by_caller.get(code, 0),
                    answers=int(outliers.n[k]),
                    top_share=float(outliers.top_share[k]),
                    pvalue=float(outliers.pvalue[k]),
                    adjusted=float(outliers.adjusted[k]),
                    flagged=bool(outliers.flagged[k]),
                )
            )
        return Dashboard(
            campaign_code=campaign.code,
            units=unit_rows,
            callers=tuple(caller_rows),
            contractor=_rate_row("", "", all_counts[0], all_rates[0], len(cases)),
            short=tuple(short),
            alpha=alpha,
            target_source=target_source,
            daily=daily,
        )


# ---------------------------------------------------------------- back-checks


@dataclass(frozen=True, slots=True)
class BackcheckEntry:
    """A completed interview drawn for re-listening or re-calling, with its latest outcome."""

    case_code: str
    caller_code: str
    unit_code: str
    unit_name: str
    phone: str  # masked
    completed_at: datetime | None
    duration_seconds: float | None
    recording_url: str
    outcome: str  # confirmed | not_confirmed | "" (not checked yet)
    note: str
    checked_by: str


def backcheck_list(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    design: BackcheckDesign | None = None,
) -> list[BackcheckEntry]:
    """The back-check sample of the campaign's completed interviews (seeded, stratified by
    caller, see ``survey.assurance.backcheck_sample``) with each one's recorded outcome."""
    require(user, Permission.watch_fieldwork)
    with uow:
        session = uow.session
        campaign = load_campaign(uow, campaign_code)
        rows = session.execute(
            select(PhoneCase, Caller.code, Unit.code, CampaignUnit.name, FrameEntry.phone_enc)
            .join(Unit, Unit.id == PhoneCase.unit_id)
            .outerjoin(
                CampaignUnit,
                (CampaignUnit.unit_id == Unit.id) & (CampaignUnit.campaign_id == campaign.id),
            )
            .outerjoin(Caller, Caller.id == PhoneCase.caller_id)
            .outerjoin(FrameEntry, FrameEntry.id == PhoneCase.frame_entry_id)
            .where(PhoneCase.campaign_id == campaign.id, PhoneCase.disposition == COMPLETE)
        ).all()
        by_code = {r[0].code: r for r in rows}
        chosen = backcheck_sample(
            list(by_code), [r[1] or "" for r in by_code.values()], design or BackcheckDesign()
        )
        interviews: dict[int, CallAttempt] = {}
        ids = [by_code[c][0].id for c in chosen]
        for attempt in session.execute(
            select(CallAttempt)
            .where(CallAttempt.case_id.in_(ids), CallAttempt.disposition == COMPLETE)
            .order_by(CallAttempt.started_at, CallAttempt.id)
        ).scalars():
            interviews[attempt.case_id] = attempt
        outcomes = _backcheck_outcomes(uow, campaign_code)
        entries = []
        for code in chosen:
            case, caller_code, u_code, u_name, phone_enc = by_code[code]
            attempt = interviews.get(case.id)
            outcome = outcomes.get(code, {})
            entries.append(
                BackcheckEntry(
                    case_code=code,
                    caller_code=caller_code or "",
                    unit_code=u_code,
                    unit_name=u_name or u_code,
                    phone=_masked(phone_enc, mask_phone),
                    completed_at=as_utc(attempt.started_at) if attempt else None,
                    duration_seconds=attempt.duration_seconds if attempt else None,
                    recording_url=attempt.recording_url if attempt else "",
                    outcome=str(outcome.get("outcome", "")),
                    note=str(outcome.get("note", "")),
                    checked_by=str(outcome.get("by", "")),
                )
            )
        return entries


def _backcheck_outcomes(uow: UnitOfWork, campaign_code: str) -> dict[str, dict[str, Any]]:
    """The latest back-check outcome per case, read from the audit trail (where it is kept:
    append-only, so an outcome cannot be quietly rewritten)."""
    prefix = f"{campaign_code}/"
    found: dict[str, dict[str, Any]] = {}
    for entity_id, actor, after in uow.session.execute(
        select(AuditEntry.entity_id, AuditEntry.actor, AuditEntry.after)
        .where(
            AuditEntry.action == "case.backcheck", AuditEntry.entity_id.startswith(prefix, autoescape=True)
        )
        .order_by(AuditEntry.id)
    ).all():
        found[entity_id[len(prefix) :]] = {**(after or {}), "by": actor}
    return found


def record_backcheck(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    case_code: str,
    confirmed: bool,
    note: str = "",
    *,
    clock: Clock = utcnow,
) -> None:
    """Record a supervisor's back-check of a completed interview (re-listened or re-called):
    confirmed, or not confirmed with a note saying what was found. Audited."""
    actor = require(user, Permission.assign_cases)
    note = note.strip()
    if not confirmed and not note:
        raise Refused("say what was found when an interview is not confirmed")
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code)
        case = _case(uow, campaign.id, case_code)
        if case.disposition != COMPLETE:
            raise Refused(f"case {case_code} is not a completed interview")
        before = _backcheck_outcomes(uow, campaign_code).get(case_code)
        audit.record(
            uow,
            "case.backcheck",
            "phone_case",
            f"{campaign_code}/{case_code}",
            {k: v for k, v in before.items() if k != "by"} if before else None,
            {"outcome": BACKCHECK_OUTCOMES[0] if confirmed else BACKCHECK_OUTCOMES[1], "note": note},
            at=now,
        )
        uow.commit()
