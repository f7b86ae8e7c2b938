"""Calls and SMS of the phone sampling through a telephony provider (:mod:`survey.telephony`).

Staff start calls here; the provider's webhooks report back through the functions below
(:func:`record_call_event`, :func:`record_recording`, :func:`ivr_step`), which the HTTP
routes (``ui/telephony_routes.py``) and the offline simulator both call.

Starting a call takes two transactions around the provider's request: the first checks
the rules and creates the :class:`~db.models.CallAttempt`, the second binds the provider's
call id to it. A transaction is never held open across the network request, because on
SQLite it holds the database's only write lock. The webhook addresses carry the attempt's
id, so a callback that overtakes the second transaction still finds its attempt.

Every webhook inserts a :class:`~db.models.WebhookReceipt` (provider, key) first, in the
transaction of the change it makes: a replay hits the unique key, raises
:class:`WebhookReplayed` and rolls back, so it changes nothing, even when two deliveries
race. Callbacks may also arrive late or out of order; a call's status only ever moves
forward (:func:`survey.telephony.status_rank`) and a call's outcome is applied once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

import config
from db import audit
from db.crypto import DecryptionError, InvalidPhoneError, decrypt, normalize_cn_mobile, phone_hash
from db.models import (
    CallAttempt,
    Caller,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    DoNotCall,
    FrameEntry,
    Invitation,
    Item,
    PhoneAnswer,
    PhoneCase,
    SamplingFrame,
    Unit,
    WebhookReceipt,
)
from db.uow import UnitOfWork
from services.campaigns import FROZEN, assert_inputs_editable, load_campaign
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused, ServiceError
from services.invitations import issue_batch, survey_link
from services.permissions import CurrentUser, Permission, PermissionDenied, allowed, require
from services.questionnaire import in_item_set, unit_category
from survey.telephony import (
    COMPLETE,
    PARTIAL,
    TERMINAL,
    BridgeCall,
    Callback,
    CallEvent,
    CallStatus,
    IvrCall,
    IvrPrompt,
    IvrQuestion,
    RecordingEvent,
    SmsMessage,
    Telephony,
    ivr_outcome,
    make_telephony,
    status_rank,
    unreached_disposition,
)

log = logging.getLogger(__name__)


LOCAL_BASE_URL: Final = "http://localhost:8501"
# A call still "under way" after this long lost its final callback; it no longer blocks a new call.
CALL_BLOCKS_FOR: Final = timedelta(hours=2)
MAX_NO_INPUT: Final = 2  # silent prompts in a row before the automatic call says goodbye
MAX_NOTE: Final = 500
ANSWERING_MACHINE: Final = "3.14"  # AAPOR: answering machine, eligibility unknown
FAX_LINE: Final = "4.20"  # AAPOR: fax/data line

IVR_GREETING: Final = (
    "您好！这里是十佳十差民主评议第三方电话回访。关于您在{unit}办理的事项，"
    "请用电话按键回答{count}个问题，回答后系统自动进入下一题。"
)
IVR_INVALID_KEY: Final = "按键无效，请重新选择。"
IVR_NO_INPUT: Final = "没有收到您的按键。"
IVR_DONE: Final = "问卷已全部完成，感谢您的支持，再见！"
IVR_GOODBYE: Final = "感谢您的接听，再见！"
IVR_CLOSED: Final = "本次回访已经结束，感谢您的接听，再见！"
SMS_TEXT: Final = (
    "【十佳十差评议】您好，诚邀您对{unit}的服务作出评价：{link} 链接仅供本人使用一次，感谢支持。"
)


class TelephonyUnavailable(Refused):
    """The provider is not configured, refused the request or could not be reached."""


class WebhookRejected(ServiceError):
    """A webhook that must change nothing (the routes answer 403): it names no call of
    ours, or a call other than the one its address belongs to."""


class WebhookReplayed(WebhookRejected):
    """This webhook (the same signed address and parameters) was already handled: a
    provider's retry of a request answered too slowly, or a replay. Nothing was changed and
    no receipt added; the routes answer it as already handled (see ``ui/telephony_routes.py``)."""


# ---------------------------------------------------------------- settings


def webhook_base_url(telephony: Telephony) -> str:
    """``APPRAISAL_WEBHOOK_BASE_URL``; the simulator, which calls no webhook, needs none."""
    base = config.WEBHOOK_BASE_URL.get().strip().rstrip("/")
    if base:
        return base
    if telephony.name == "simulator":
        return LOCAL_BASE_URL
    raise TelephonyUnavailable(
        f"set {config.WEBHOOK_BASE_URL.name} to the public address at which {telephony.name} "
        "reaches this platform's webhooks"
    )


def agency_number(telephony: Telephony) -> str:
    """``TWILIO_FROM_NUMBER``, the caller ID and SMS sender; the simulator needs none."""
    number = config.TWILIO_FROM_NUMBER.get().strip()
    if number or telephony.name == "simulator":
        return number
    raise TelephonyUnavailable(
        f"set {config.TWILIO_FROM_NUMBER.name} to the agency's number, shown as caller ID"
    )


# ---------------------------------------------------------------- starting calls


def _reference(campaign_code: str, case_code: str) -> str:
    return f"{campaign_code}/{case_code}"


def _open_case(uow: UnitOfWork, campaign: Campaign, case_code: str) -> PhoneCase:
    assert_inputs_editable(campaign)
    if CampaignStatus(campaign.status) != CampaignStatus.fieldwork:
        raise Refused(f"campaign {campaign.code} is not in fieldwork ({campaign.status}): no calls are made")
    case = uow.session.execute(
        select(PhoneCase)
        .where(PhoneCase.campaign_id == campaign.id, PhoneCase.code == case_code)
        .with_for_update()
    ).scalar()
    if case is None:
        raise NotFound(f"no phone case {case_code!r} in this campaign")
    if case.disposition:
        raise Refused(f"case {case_code} is already closed ({case.disposition})")
    return case


def _own_caller(uow: UnitOfWork, case: PhoneCase, actor: CurrentUser) -> Caller:
    caller = uow.session.get(Caller, case.caller_id) if case.caller_id else None
    if caller is None or caller.user_id != actor.id:
        raise PermissionDenied(f"case {case.code} is not assigned to {actor.username}")
    return caller


def _decrypted(blob: bytes, what: str) -> str:
    try:
        return decrypt(blob)
    except DecryptionError as exc:
        raise Refused(f"{what} cannot be read with this platform's key") from exc


def _respondent_number(uow: UnitOfWork, case: PhoneCase) -> str:
    entry = uow.session.get(FrameEntry, case.frame_entry_id) if case.frame_entry_id else None
    if entry is None:
        raise Refused(f"case {case.code} has no phone number (it is not linked to a sampling frame entry)")
    blocked = uow.session.execute(
        select(DoNotCall.id).where(DoNotCall.phone_hash == entry.phone_hash)
    ).first()
    if blocked is not None:
        raise Refused(f"the respondent of case {case.code} is on the do-not-call list")
    return _decrypted(entry.phone_enc, f"the phone number of case {case.code}")


def _refuse_if_call_under_way(uow: UnitOfWork, case: PhoneCase, now: Any) -> None:
    """One provider call per case at a time (a double click must not ring twice)."""
    rows = uow.session.execute(
        select(CallAttempt.provider_status, CallAttempt.started_at).where(
            CallAttempt.case_id == case.id, CallAttempt.mode != "manual"
        )
    ).all()
    for provider_status, started_at in rows:
        running = provider_status != "error" and status_rank(provider_status) < status_rank("completed")
        if running and as_utc(started_at) > now - CALL_BLOCKS_FOR:
            raise Refused(
                f"a call of case {case.code} is already under way ({provider_status or 'starting'})"
            )


@dataclass(frozen=True, slots=True)
class _Planned:
    attempt_id: int
    reference: str


def _plan_attempt(
    uow: UnitOfWork, case: PhoneCase, caller_id: int | None, mode: str, record: bool, now: Any
) -> int:
    attempt = CallAttempt(
        case_id=case.id,
        caller_id=caller_id,
        started_at=now,
        mode=mode,
        provider_status="starting",
        recording_consent=record,
    )
    uow.session.add(attempt)
    uow.session.flush()
    return attempt.id


def _bind_call(
    uow: UnitOfWork, actor: str, planned: _Planned, sid: str, mode: str, record: bool, now: Any
) -> None:
    with uow:
        uow.actor = actor
        attempt = uow.session.execute(
            select(CallAttempt).where(CallAttempt.id == planned.attempt_id).with_for_update()
        ).scalar_one()
        case = uow.session.execute(
            select(PhoneCase).where(PhoneCase.id == attempt.case_id).with_for_update()
        ).scalar_one()
        if attempt.call_sid is None:
            attempt.call_sid = sid
        if status_rank(attempt.provider_status) < status_rank(CallStatus.queued):
            attempt.provider_status = CallStatus.queued.value
        before = {"attempts": case.attempts}
        case.attempts += 1
        audit.record(
            uow,
            "case.call.start",
            "phone_case",
            planned.reference,
            before,
            {
                "attempts": case.attempts,
                "attempt": attempt.id,
                "mode": mode,
                "call_sid": sid,
                "recording_consent": record,
            },
            at=now,
        )
        uow.commit()


def _mark_failed(uow: UnitOfWork, actor: str, planned: _Planned, reason: str, now: Any) -> None:
    with uow:
        uow.actor = actor
        attempt = uow.session.get(CallAttempt, planned.attempt_id)
        assert attempt is not None
        attempt.provider_status = "error"
        attempt.note = reason[:MAX_NOTE]
        audit.record(
            uow,
            "case.call.error",
            "phone_case",
            planned.reference,
            None,
            {"attempt": attempt.id, "error": reason},
            at=now,
        )
        uow.commit()


def _place(
    uow: UnitOfWork,
    actor: str,
    planned: _Planned,
    mode: str,
    record: bool,
    now: Any,
    place: Any,
) -> str:
    try:
        sid = str(place())
    except Exception as exc:  # any provider failure: the attempt must not stay "starting"
        log.warning("the telephony provider refused call attempt %s: %s", planned.attempt_id, exc)
        _mark_failed(uow, actor, planned, f"{type(exc).__name__}: {exc}", now)
        raise TelephonyUnavailable(f"the call could not be placed: {exc}") from exc
    _bind_call(uow, actor, planned, sid, mode, record, now)
    return sid


def start_bridge_call(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    case_code: str,
    *,
    record: bool = False,
    telephony: Telephony | None = None,
    clock: Clock = utcnow,
) -> str:
    """Click-to-call on the caller's own open case: the provider rings the caller's phone
    (``Caller.phone_enc``) and then the respondent (the case's frame entry), showing the
    agency's number. Creates a bridge :class:`CallAttempt` (``recording_consent=record``),
    counts the attempt, audits it and returns the provider's call id."""
    actor = require(user, Permission.record_calls)
    telephony = telephony if telephony is not None else make_telephony()
    base_url = webhook_base_url(telephony)
    caller_id = agency_number(telephony)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code)
        case = _open_case(uow, campaign, case_code)
        caller = _own_caller(uow, case, actor)
        if caller.phone_enc is None:
            raise Refused(
                f"caller {caller.code} has no phone number on record: click-to-call rings the caller's "
                "own phone first; ask an administrator to add it"
            )
        agent = _decrypted(caller.phone_enc, f"the phone number of caller {caller.code}")
        respondent = _respondent_number(uow, case)
        _refuse_if_call_under_way(uow, case, now)
        planned = _Planned(
            _plan_attempt(uow, case, caller.id, "bridge", record, now), _reference(campaign_code, case_code)
        )
        audit.record(
            uow,
            "case.call.request",
            "phone_case",
            planned.reference,
            None,
            {"attempt": planned.attempt_id, "mode": "bridge"},
            at=now,
        )
        uow.commit()
    request = BridgeCall(
        agent=agent,
        respondent=respondent,
        caller_id=caller_id,
        record=record,
        callback=Callback(base_url, planned.attempt_id),
    )
    return _place(uow, actor.username, planned, "bridge", record, now, lambda: telephony.bridge_call(request))


def start_ivr_call(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    case_code: str,
    *,
    telephony: Telephony | None = None,
    clock: Clock = utcnow,
) -> str:
    """Call the respondent of an open case with the automatic questionnaire (the
    campaign's phone items, read in Mandarin, answered by key presses). Supervisors may
    start it on any case, callers on their own. Returns the provider's call id."""
    if allowed(user, Permission.assign_cases):
        assert user is not None
        actor, own_only = user, False
    else:
        actor, own_only = require(user, Permission.record_calls), True
    telephony = telephony if telephony is not None else make_telephony()
    base_url = webhook_base_url(telephony)
    caller_id = agency_number(telephony)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code)
        case = _open_case(uow, campaign, case_code)
        caller = _own_caller(uow, case, actor) if own_only else None
        if not _phone_items(uow, campaign.id, case):
            raise Refused(f"campaign {campaign_code} has no phone questions for the automatic call")
        respondent = _respondent_number(uow, case)
        _refuse_if_call_under_way(uow, case, now)
        caller_row = caller.id if caller is not None else case.caller_id
        planned = _Planned(
            _plan_attempt(uow, case, caller_row, "ivr", False, now), _reference(campaign_code, case_code)
        )
        audit.record(
            uow,
            "case.call.request",
            "phone_case",
            planned.reference,
            None,
            {"attempt": planned.attempt_id, "mode": "ivr"},
            at=now,
        )
        uow.commit()
    request = IvrCall(to=respondent, caller_id=caller_id, callback=Callback(base_url, planned.attempt_id))
    return _place(uow, actor.username, planned, "ivr", False, now, lambda: telephony.ivr_call(request))


# ---------------------------------------------------------------- SMS invitations


def sms_text(unit_name: str, link: str) -> str:
    return SMS_TEXT.format(unit=unit_name, link=link)


def _sms_reference(number_hash: str) -> str:
    # The keyed hash (not the number) marks who was invited, so a second run skips them.
    return f"sms:{number_hash[:32]}"


def send_sms_invitations(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    unit_code: str,
    *,
    limit: int | None = None,
    base_url: str,
    numbers: Sequence[str] | None = None,
    telephony: Telephony | None = None,
) -> int:
    """Send single-use survey links by SMS (admins): one invitation token per frame entry
    of the unit not invited yet (one per number; numbers on the do-not-call list are
    skipped), or to ``numbers`` when given. Returns how many SMS were sent.

    A token whose SMS could not be sent is withdrawn again (its invitation deleted), so a
    later run invites that person anew.
    """
    actor = require(user, Permission.configure_campaign)
    if limit is not None and (isinstance(limit, bool) or limit < 1):
        raise Refused(f"the number of SMS to send must be at least 1, not {limit!r}")
    telephony = telephony if telephony is not None else make_telephony()
    sender = agency_number(telephony)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        if CampaignStatus(campaign.status) != CampaignStatus.fieldwork:
            raise Refused(
                f"campaign {campaign_code} is not in fieldwork ({campaign.status}): no invitations are sent"
            )
        row = uow.session.execute(
            select(Unit.id)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(Unit.code == unit_code, CampaignUnit.campaign_id == campaign.id)
        ).first()
        if row is None:
            raise NotFound(f"unit {unit_code!r} is not appraised in campaign {campaign_code}")
        unit_id = row[0]
        if numbers is None:
            entries = uow.session.execute(
                select(FrameEntry.phone_hash, FrameEntry.phone_enc)
                .join(SamplingFrame, SamplingFrame.id == FrameEntry.frame_id)
                .where(SamplingFrame.campaign_id == campaign.id, FrameEntry.unit_id == unit_id)
                .order_by(FrameEntry.id)
            ).all()
            candidates = [(h, _decrypted(blob, "a sampling frame's phone number")) for h, blob in entries]
        else:
            candidates = []
            for number in numbers:
                try:
                    normalized = normalize_cn_mobile(number)
                except InvalidPhoneError as exc:
                    raise Refused(f"{exc}") from None
                candidates.append((phone_hash(normalized), normalized))
        blocked = set(uow.session.execute(select(DoNotCall.phone_hash)).scalars())
        invited = set(
            uow.session.execute(
                select(Invitation.reference).where(
                    Invitation.campaign_id == campaign.id,
                    Invitation.unit_id == unit_id,
                    Invitation.kind == "sms",
                )
            ).scalars()
        )
    targets: list[tuple[str, str]] = []
    for number_hash, number in candidates:
        reference = _sms_reference(number_hash)
        if number_hash in blocked or reference in invited:
            continue
        invited.add(reference)
        targets.append((reference, number))
    targets = targets[:limit] if limit is not None else targets
    if not targets:
        return 0
    issued = issue_batch(
        uow, user, campaign_code, unit_code, len(targets), kind="sms", references=[r for r, _ in targets]
    )
    unsent: list[int] = []
    for invitation, (_reference_text, number) in zip(issued, targets, strict=True):
        message = SmsMessage(
            to=number,
            sender=sender,
            body=sms_text(invitation.unit_name, survey_link(base_url, invitation.token)),
        )
        try:
            telephony.send_sms(message)
        except Exception as exc:  # one failed SMS must not stop the rest of the batch
            log.warning("SMS invitation %s was not sent: %s", invitation.invitation_id, exc)
            unsent.append(invitation.invitation_id)
    sent = len(issued) - len(unsent)
    with uow:
        uow.actor = actor.username
        if unsent:
            uow.session.execute(
                delete(Invitation).where(Invitation.id.in_(unsent), Invitation.used_at.is_(None))
            )
        audit.record(
            uow,
            "invitation.sms_send",
            "campaign_unit",
            f"{campaign_code}/{unit_code}",
            None,
            {"provider": telephony.name, "sent": sent, "withdrawn_unsent": unsent},
        )
        uow.commit()
    if sent == 0:
        raise TelephonyUnavailable(f"none of the {len(issued)} SMS could be sent; see the server log")
    return sent


# ---------------------------------------------------------------- webhooks


def _receipt(uow: UnitOfWork, provider: str, key: str) -> None:
    uow.session.add(WebhookReceipt(provider=provider[:16], key=key[:128]))
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise WebhookReplayed(f"{provider} webhook {key[:24]}... was already handled") from exc


def _attempt_for(uow: UnitOfWork, attempt_id: int, call_sid: str) -> tuple[CallAttempt, PhoneCase, Campaign]:
    attempt = uow.session.execute(
        select(CallAttempt).where(CallAttempt.id == attempt_id).with_for_update()
    ).scalar()
    if attempt is None or attempt.mode == "manual":
        raise WebhookRejected(f"no provider call attempt {attempt_id}")
    if call_sid and attempt.call_sid and attempt.call_sid != call_sid:
        raise WebhookRejected(f"call {call_sid} does not belong to attempt {attempt_id}")
    if call_sid and attempt.call_sid is None:
        # The callback overtook the transaction that binds the call id.
        attempt.call_sid = call_sid
    case = uow.session.execute(
        select(PhoneCase).where(PhoneCase.id == attempt.case_id).with_for_update()
    ).scalar_one()
    campaign = uow.session.get(Campaign, case.campaign_id)
    assert campaign is not None
    return attempt, case, campaign


def _frozen(campaign: Campaign) -> bool:
    return CampaignStatus(campaign.status) in FROZEN


def _state(attempt: CallAttempt, case: PhoneCase) -> dict[str, Any]:
    return {
        "provider_status": attempt.provider_status,
        "duration_seconds": attempt.duration_seconds,
        "attempt_disposition": attempt.disposition,
        "attempts": case.attempts,
        "disposition": case.disposition,
    }


def _answered_count(uow: UnitOfWork, case: PhoneCase, item_ids: set[int]) -> int:
    done = uow.session.execute(select(PhoneAnswer.item_id).where(PhoneAnswer.case_id == case.id)).scalars()
    return len(item_ids & set(done))


def _apply_bridge(uow: UnitOfWork, attempt: CallAttempt, case: PhoneCase, event: CallEvent) -> None:
    if event.leg == "respondent":
        # The respondent's leg decides a bridged call's outcome; it is reported once.
        if event.status in TERMINAL and attempt.duration_seconds is None:
            attempt.provider_status = event.status.value
            attempt.duration_seconds = event.duration_seconds or 0.0
            attempt.disposition = attempt.disposition or unreached_disposition(event.status)
        return
    if event.status not in TERMINAL:
        if status_rank(event.status) > status_rank(attempt.provider_status):
            attempt.provider_status = event.status.value
        return
    if status_rank(attempt.provider_status) >= status_rank(CallStatus.completed):
        return  # the respondent's leg (or an earlier final callback) already decided
    if event.status == CallStatus.completed:
        attempt.provider_status = event.status.value
        attempt.duration_seconds = event.duration_seconds
        return
    # The caller's own phone did not take the call: the respondent was never dialled,
    # so this was no attempt on the case.
    attempt.provider_status = f"agent-{event.status.value}"
    attempt.duration_seconds = 0.0
    attempt.note = (attempt.note + " " if attempt.note else "") + "the caller's phone did not take the call"
    case.attempts = max(0, case.attempts - 1)


def _apply_ivr(uow: UnitOfWork, attempt: CallAttempt, case: PhoneCase, event: CallEvent) -> None:
    if status_rank(attempt.provider_status) >= status_rank(CallStatus.completed):
        return  # the outcome was applied by an earlier final callback
    if event.status not in TERMINAL:
        if status_rank(event.status) > status_rank(attempt.provider_status):
            attempt.provider_status = event.status.value
        return
    attempt.provider_status = event.status.value
    attempt.duration_seconds = event.duration_seconds
    if attempt.disposition:
        return  # decided during the call (complete, answering machine)
    if event.status != CallStatus.completed:
        attempt.disposition = unreached_disposition(event.status)
        return
    item_ids = {item.id for item, _options in _phone_items(uow, case.campaign_id, case)}
    code = ivr_outcome(_answered_count(uow, case, item_ids), len(item_ids))
    attempt.disposition = code
    if code in (COMPLETE, PARTIAL) and not case.disposition:
        case.disposition = code


def record_call_event(
    uow: UnitOfWork, event: CallEvent, *, provider: str, receipt_key: str, clock: Clock = utcnow
) -> None:
    """A provider's status callback: progress, duration and, when the call ended, the
    attempt's AAPOR code (and for automatic calls the case's, see :mod:`survey.telephony`).
    Raises :class:`WebhookReplayed` or :class:`WebhookRejected`, changing nothing."""
    with uow:
        uow.actor = f"webhook:{provider}"
        _receipt(uow, provider, receipt_key)
        attempt, case, campaign = _attempt_for(uow, event.attempt_id, event.call_sid)
        if not _frozen(campaign):
            before = _state(attempt, case)
            if attempt.mode == "bridge":
                _apply_bridge(uow, attempt, case, event)
            else:
                _apply_ivr(uow, attempt, case, event)
            after = _state(attempt, case)
            if after != before:
                changed = {k: v for k, v in after.items() if before[k] != v}
                audit.record(
                    uow,
                    "case.call.status",
                    "phone_case",
                    _reference(campaign.code, case.code),
                    {k: before[k] for k in changed},
                    {**changed, "attempt": attempt.id, "leg": event.leg},
                    at=as_utc(clock()),
                )
        uow.commit()


def record_recording(
    uow: UnitOfWork, event: RecordingEvent, *, provider: str, receipt_key: str, clock: Clock = utcnow
) -> None:
    """A finished recording: its address is kept on the attempt, only if the respondent
    consented (otherwise it is ignored and logged, and should be deleted at the provider)."""
    with uow:
        uow.actor = f"webhook:{provider}"
        _receipt(uow, provider, receipt_key)
        attempt, case, campaign = _attempt_for(uow, event.attempt_id, event.call_sid)
        if not attempt.recording_consent:
            log.warning("recording of attempt %s arrived without consent; not kept", attempt.id)
        elif (
            event.status == "completed"
            and event.url
            and attempt.recording_url != event.url
            and not _frozen(campaign)
        ):
            before = attempt.recording_url
            attempt.recording_url = event.url[:500]
            audit.record(
                uow,
                "case.call.recording",
                "phone_case",
                _reference(campaign.code, case.code),
                {"recording_url": before},
                {"recording_url": attempt.recording_url, "attempt": attempt.id},
                at=as_utc(clock()),
            )
        uow.commit()


def _phone_items(
    uow: UnitOfWork, campaign_id: int, case: PhoneCase | None = None
) -> list[tuple[Item, list[tuple[str, str]]]]:
    """The phone questions in order, each with its options (code, Chinese label); with a
    ``case``, only those of its item set (题组): its unit's category and, when the case
    has one, its respondent group."""
    items = list(
        uow.session.execute(
            select(Item)
            .where(Item.campaign_id == campaign_id, Item.instrument == "phone")
            .order_by(Item.position, Item.id)
        ).scalars()
    )
    if case is not None:
        category, group = unit_category(uow, campaign_id, case.unit_id), case.respondent_group or None
        items = [
            item
            for item in items
            if in_item_set(item.unit_categories or [], item.respondent_groups or [], category, group)
        ]
    return [(item, [(o.code, o.label_zh) for o in item.scale.options][:9]) for item in items]


def _question(number: int, item: Item, options: list[tuple[str, str]]) -> IvrQuestion:
    keys = "，".join(f"{label}请按{k}" for k, (_code, label) in enumerate(options, start=1))
    return IvrQuestion(
        item_code=item.code,
        text=f"第{number}题：{item.text_zh}。{keys}。",
        digits="".join(str(k) for k in range(1, len(options) + 1)),
    )


def ivr_step(
    uow: UnitOfWork,
    *,
    provider: str,
    receipt_key: str,
    attempt_id: int,
    call_sid: str,
    item_code: str | None = None,
    digits: str | None = None,
    step: int = 0,
    no_input: int = 0,
    answered_by: str = "",
    replayed: bool = False,
    clock: Clock = utcnow,
) -> IvrPrompt:
    """One turn of the automatic questionnaire: store the key pressed for ``item_code``
    (the first answer to an item counts), then say what comes next. With every phone
    item answered the case is complete (1.1). ``no_input`` counts silent prompts in a row.
    Raises :class:`WebhookReplayed` or :class:`WebhookRejected`, changing nothing.

    ``replayed`` answers a request already handled (``WebhookReplayed``: the provider's
    retry, or a replay): the turn is worked out against the call as it stands and rolled
    back, so it writes nothing and takes no receipt. A retry thus gets the prompt the
    first delivery got (its key is already stored, so the same next question follows)."""
    now = as_utc(clock())

    def finish() -> None:
        if replayed:
            uow.rollback()
        else:
            uow.commit()

    with uow:
        uow.actor = f"webhook:{provider}"
        if not replayed:
            _receipt(uow, provider, receipt_key)
        attempt, case, campaign = _attempt_for(uow, attempt_id, call_sid)
        if attempt.mode != "ivr":
            raise WebhookRejected(f"attempt {attempt_id} is not an automatic call")
        reference = _reference(campaign.code, case.code)
        next_step = step + 1
        items = _phone_items(uow, campaign.id, case)
        closed = (
            _frozen(campaign)
            or CampaignStatus(campaign.status) != CampaignStatus.fieldwork
            or (case.disposition and case.disposition != COMPLETE)
            or not items
        )
        machine = answered_by.startswith("machine") or answered_by == "fax"
        if machine and not closed and not attempt.disposition:
            attempt.disposition = FAX_LINE if answered_by == "fax" else ANSWERING_MACHINE
            audit.record(
                uow,
                "case.call.status",
                "phone_case",
                reference,
                {"attempt_disposition": ""},
                {
                    "attempt_disposition": attempt.disposition,
                    "attempt": attempt.id,
                    "answered_by": answered_by,
                },
                at=now,
            )
        if closed or machine:
            finish()
            return IvrPrompt(intro="", question=None, closing="" if machine else IVR_CLOSED, step=next_step)
        answered = dict(
            uow.session.execute(
                select(PhoneAnswer.item_id, PhoneAnswer.option_code).where(PhoneAnswer.case_id == case.id)
            ).all()
        )
        intro = ""
        silent = 0
        if item_code is None:
            unit_name = (
                uow.session.execute(
                    select(CampaignUnit.name).where(
                        CampaignUnit.campaign_id == campaign.id, CampaignUnit.unit_id == case.unit_id
                    )
                ).scalar()
                or ""
            )
            intro = IVR_GREETING.format(unit=unit_name, count=len(items))
        else:
            found = [(item, options) for item, options in items if item.code == item_code]
            if not found:
                raise WebhookRejected(f"{item_code!r} is not a phone question of campaign {campaign.code}")
            item, options = found[0]
            key = (digits or "").strip()[:1]
            if not key:
                silent = no_input
                if silent >= MAX_NO_INPUT:
                    finish()
                    return IvrPrompt(intro=IVR_NO_INPUT, question=None, closing=IVR_GOODBYE, step=next_step)
                intro = IVR_NO_INPUT
            elif not key.isdigit() or not 1 <= int(key) <= len(options):
                intro = IVR_INVALID_KEY
            elif item.id not in answered:
                option_code = options[int(key) - 1][0]
                uow.session.add(PhoneAnswer(case_id=case.id, item_id=item.id, option_code=option_code))
                answered[item.id] = option_code
                audit.record(
                    uow,
                    "case.ivr_answer",
                    "phone_case",
                    reference,
                    None,
                    {"item": item.code, "option": option_code, "attempt": attempt.id},
                    at=now,
                )
        pending = [
            (n, item, options) for n, (item, options) in enumerate(items, start=1) if item.id not in answered
        ]
        if not pending:
            if case.disposition != COMPLETE:
                before = _state(attempt, case)
                case.disposition = COMPLETE
                attempt.disposition = COMPLETE
                audit.record(
                    uow,
                    "case.call.status",
                    "phone_case",
                    reference,
                    before,
                    {**_state(attempt, case), "attempt": attempt.id},
                    at=now,
                )
            finish()
            return IvrPrompt(intro=intro, question=None, closing=IVR_DONE, step=next_step)
        number, item, options = pending[0]
        finish()
        return IvrPrompt(
            intro=intro, question=_question(number, item, options), step=next_step, no_input=silent
        )
