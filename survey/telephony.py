"""Telephony for the phone sampling (第三方电话抽访), behind one provider-neutral interface.

A :class:`Telephony` places two kinds of calls and sends SMS:

* ``bridge_call`` (click-to-call, 点击拨号): the provider rings the caller's own phone first,
  then dials the respondent and joins the two, showing the agency's number as caller ID;
* ``ivr_call`` (automatic questionnaire, 语音自动回访): the provider calls the respondent and
  asks for the next instructions at our voice webhook, which reads the phone questions
  aloud and collects key presses;
* ``send_sms``: one text message (the survey invitations).

Implementations, one module each, chosen by ``APPRAISAL_TELEPHONY`` (:func:`make_telephony`):

* :class:`SimulatedTelephony` (``simulator``, the default): no network, no account; it
  records what it would do, answers with SIDs like ``SIM…`` and can play a call's
  lifecycle through the same service functions the webhooks call;
* :class:`survey.twilio_telephony.TwilioTelephony` (``twilio``): Twilio Programmable Voice
  and Messaging. Twilio has placed no calls to mainland Chinese numbers since
  30 Nov 2023, so a deployment in China adds a module for a domestic provider (Aliyun
  VMS/SMS, Tencent Cloud VMS/SMS) that implements the same three methods and normalizes
  the provider's callbacks into :class:`CallEvent` and :class:`RecordingEvent`.

The provider reports a call's progress through webhooks. Their content is normalized here
(:class:`CallStatus`, :class:`CallEvent`), and the AAPOR meaning of a call's outcome is
decided here too, so every provider maps the same outcome to the same code.

AAPOR mapping (AAPOR *Standard Definitions*, 10th edition 2023, Table 2 "telephone
surveys"; https://aapor.org/standards-and-ethics/standard-definitions/):

==================================  =========  ==============================================
provider outcome                     code       AAPOR meaning
==================================  =========  ==============================================
busy                                 3.12       always busy (unknown eligibility)
no-answer                            3.13       no answer (unknown eligibility)
failed                               4.31       non-working number (not eligible)
answered, every phone item answered  1.1        complete (closes the case)
answered, at least half answered     1.2        partial (closes the case; break-off after
                                                the partial threshold, §"Partial")
answered, fewer than half answered   2.12       break-off (eligible non-interview)
canceled                             none       we withdrew the call before it rang through
==================================  =========  ==============================================

Codes other than 1.1 and 1.2 are *temporary* dispositions of one attempt
(``CallAttempt.disposition``): the case stays open for another attempt, and its final code
is chosen by the caller or supervisor. "failed" is mostly an unallocated or malformed
number in Twilio's definition, but can also be a carrier fault, which is why it is only
ever an attempt's code here. Respondents of this survey are known service recipients
drawn from a frame, so one who answers is eligible: a hang-up is a break-off (2.12), not
an unknown-eligibility code.
"""

from __future__ import annotations

import enum
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Protocol

import config
from db.crypto import mask_phone

if TYPE_CHECKING:
    from db.uow import UnitOfWork

log = logging.getLogger(__name__)

PROVIDERS: Final = ("simulator", "twilio")

COMPLETE: Final = "1.1"
PARTIAL: Final = "1.2"
BREAK_OFF: Final = "2.12"
ALWAYS_BUSY: Final = "3.12"
NO_ANSWER: Final = "3.13"
NON_WORKING: Final = "4.31"
# AAPOR leaves the partial threshold to the researcher (50%-80% of applicable items is
# the usual range); with 3-6 phone questions, half of them is the lowest useful share.
PARTIAL_SHARE: Final = 0.5

# Mandarin text-to-speech: Twilio's <Say> takes the BCP-47 tag cmn-CN with an Amazon Polly voice.
SAY_LANGUAGE: Final = "cmn-CN"


class TelephonyError(Exception):
    """The provider refused the request or could not be reached; the message says why."""


class CallStatus(enum.StrEnum):
    """A call's progress, in Twilio's vocabulary (other providers map theirs onto it)."""

    queued = "queued"
    initiated = "initiated"
    ringing = "ringing"
    in_progress = "in-progress"
    completed = "completed"
    busy = "busy"
    no_answer = "no-answer"
    failed = "failed"
    canceled = "canceled"


TERMINAL: Final = frozenset(
    {CallStatus.completed, CallStatus.busy, CallStatus.no_answer, CallStatus.failed, CallStatus.canceled}
)
# Order of the statuses a call passes through, so a late or repeated callback never moves
# an attempt backwards (providers do not guarantee the order of their callbacks).
_RANK: Final = {
    "": 0,
    "starting": 0,
    CallStatus.queued: 1,
    CallStatus.initiated: 2,
    CallStatus.ringing: 3,
    CallStatus.in_progress: 4,
}
UNREACHED: Final[dict[str, str]] = {
    CallStatus.busy: ALWAYS_BUSY,
    CallStatus.no_answer: NO_ANSWER,
    CallStatus.failed: NON_WORKING,
}


def status_rank(status: str) -> int:
    """0 (not started) to 5 (ended), for comparing two statuses of one call."""
    return _RANK.get(status, 5 if status in TERMINAL or status.startswith("agent-") else 0)


def normalize_status(text: str) -> CallStatus | None:
    """The :class:`CallStatus` of a provider's status text, or None when unknown."""
    value = (text or "").strip().lower().replace("_", "-")
    if value == "answered":  # Twilio's status-callback *event* name for in-progress
        value = CallStatus.in_progress.value
    try:
        return CallStatus(value)
    except ValueError:
        return None


def unreached_disposition(status: str) -> str:
    """The temporary AAPOR code of a call the respondent did not answer ('' if none)."""
    return UNREACHED.get(status, "")


def ivr_outcome(answered: int, total: int) -> str:
    """AAPOR code of an answered automatic call with ``answered`` of ``total`` items done."""
    if total > 0 and answered >= total:
        return COMPLETE
    if total > 0 and answered / total >= PARTIAL_SHARE:
        return PARTIAL
    return BREAK_OFF


# ---------------------------------------------------------------- requests and events


@dataclass(frozen=True, slots=True)
class Callback:
    """Where the provider reports about one call attempt: our public base URL and the
    attempt's id. Each provider module builds its own webhook addresses from it."""

    base_url: str
    attempt_id: int


@dataclass(frozen=True, slots=True)
class BridgeCall:
    """Ring ``agent`` (the caller's own phone), then dial ``respondent`` and join them."""

    agent: str
    respondent: str
    caller_id: str
    record: bool
    callback: Callback


@dataclass(frozen=True, slots=True)
class IvrCall:
    """Call ``to`` and run the automatic questionnaire at the voice webhook."""

    to: str
    caller_id: str
    callback: Callback


@dataclass(frozen=True, slots=True)
class SmsMessage:
    to: str
    sender: str
    body: str


@dataclass(frozen=True, slots=True)
class CallEvent:
    """A provider's report on a call's progress, normalized.

    ``leg`` is ``call`` for the call we placed and ``respondent`` for the respondent's leg
    of a bridged call (the caller's own phone is the call we placed there).
    """

    attempt_id: int
    call_sid: str
    status: CallStatus
    duration_seconds: float | None = None
    leg: str = "call"


@dataclass(frozen=True, slots=True)
class RecordingEvent:
    attempt_id: int
    call_sid: str
    url: str
    status: str = "completed"
    duration_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class IvrQuestion:
    """One phone question as read aloud: the question, then "满意请按1 …"."""

    item_code: str
    text: str
    digits: str  # the keys that answer it, e.g. "1234"


@dataclass(frozen=True, slots=True)
class IvrPrompt:
    """What the automatic call says next: ``intro`` (greeting or a remark such as "按键无效"),
    then ``question`` and wait for a key; with no question, ``closing`` and hang up.
    ``step`` counts the prompts of the call, so every webhook address is distinct."""

    intro: str
    question: IvrQuestion | None
    closing: str = ""
    step: int = 0
    no_input: int = 0


class Telephony(Protocol):
    """A voice and SMS provider. ``name`` is stored with webhook receipts."""

    name: str

    def bridge_call(self, call: BridgeCall) -> str:
        """Place a click-to-call and return the provider's call id."""
        ...

    def ivr_call(self, call: IvrCall) -> str:
        """Place an automatic questionnaire call and return the provider's call id."""
        ...

    def send_sms(self, message: SmsMessage) -> str:
        """Send one SMS and return the provider's message id."""
        ...


# ---------------------------------------------------------------- the simulator


@dataclass(slots=True)
class SimulatedCall:
    sid: str
    mode: str  # bridge | ivr
    to: str
    caller_id: str
    attempt_id: int
    agent: str = ""
    record: bool = False


@dataclass(slots=True)
class SimulatedSms:
    sid: str
    to: str
    sender: str
    body: str


UowFactory = Callable[[str], "UnitOfWork"]


@dataclass(slots=True)
class SimulatedTelephony:
    """A provider that places nothing: it keeps what it was asked to do (numbers masked in
    the log) and can play a call through the service functions the webhooks call."""

    name: str = "simulator"
    calls: list[SimulatedCall] = field(default_factory=list)
    messages: list[SimulatedSms] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def new_sid(prefix: str = "SIM") -> str:
        return prefix + secrets.token_hex(16)

    def bridge_call(self, call: BridgeCall) -> str:
        sid = self.new_sid()
        with self._lock:
            self.calls.append(
                SimulatedCall(
                    sid=sid,
                    mode="bridge",
                    to=call.respondent,
                    caller_id=call.caller_id,
                    attempt_id=call.callback.attempt_id,
                    agent=call.agent,
                    record=call.record,
                )
            )
        log.info(
            "simulated bridge call %s: %s -> %s", sid, mask_phone(call.agent), mask_phone(call.respondent)
        )
        return sid

    def ivr_call(self, call: IvrCall) -> str:
        sid = self.new_sid()
        with self._lock:
            self.calls.append(
                SimulatedCall(
                    sid=sid,
                    mode="ivr",
                    to=call.to,
                    caller_id=call.caller_id,
                    attempt_id=call.callback.attempt_id,
                )
            )
        log.info("simulated IVR call %s to %s", sid, mask_phone(call.to))
        return sid

    def send_sms(self, message: SmsMessage) -> str:
        sid = self.new_sid("SIMSM")
        with self._lock:
            self.messages.append(
                SimulatedSms(sid=sid, to=message.to, sender=message.sender, body=message.body)
            )
        log.info("simulated SMS %s to %s: %s", sid, mask_phone(message.to), message.body)
        return sid

    def call(self, sid: str) -> SimulatedCall:
        with self._lock:
            for placed in self.calls:
                if placed.sid == sid:
                    return placed
        raise KeyError(f"the simulator placed no call {sid!r}")

    # -- playing a call's lifecycle through the webhook services

    def _event(self, uow_factory: UowFactory, event: CallEvent) -> None:
        from services import telephony as service  # the services call survey, not the reverse

        service.record_call_event(
            uow_factory(f"webhook:{self.name}"), event, provider=self.name, receipt_key=self.new_sid("E")
        )

    def play_bridge(
        self,
        uow_factory: UowFactory,
        sid: str,
        *,
        respondent: CallStatus = CallStatus.completed,
        talk_seconds: float = 95.0,
        recording_url: str = "",
    ) -> None:
        """The caller answers, the respondent's leg ends with ``respondent`` after
        ``talk_seconds`` of conversation (when answered), then the call ends."""
        placed = self.call(sid)
        answered = respondent == CallStatus.completed
        for status in (CallStatus.initiated, CallStatus.ringing, CallStatus.in_progress):
            self._event(uow_factory, CallEvent(placed.attempt_id, sid, status))
        self._event(
            uow_factory,
            CallEvent(
                placed.attempt_id, sid, respondent, talk_seconds if answered else 0.0, leg="respondent"
            ),
        )
        if answered and placed.record:
            from services import telephony as service

            service.record_recording(
                uow_factory(f"webhook:{self.name}"),
                RecordingEvent(
                    placed.attempt_id,
                    sid,
                    recording_url or f"simulated://recordings/{sid}",
                    "completed",
                    talk_seconds,
                ),
                provider=self.name,
                receipt_key=self.new_sid("E"),
            )
        self._event(uow_factory, CallEvent(placed.attempt_id, sid, CallStatus.completed, talk_seconds + 8.0))

    def play_ivr(
        self,
        uow_factory: UowFactory,
        sid: str,
        keys: Sequence[str] = (),
        *,
        outcome: CallStatus = CallStatus.completed,
        seconds_per_question: float = 12.0,
    ) -> list[IvrPrompt]:
        """The respondent answers (when ``outcome`` is completed) and presses ``keys``, one
        per question asked, then hangs up (also midway, when ``keys`` run out). Returns
        the prompts the call played."""
        from services import telephony as service

        placed = self.call(sid)
        prompts: list[IvrPrompt] = []
        if outcome != CallStatus.completed:
            self._event(uow_factory, CallEvent(placed.attempt_id, sid, CallStatus.initiated))
            self._event(uow_factory, CallEvent(placed.attempt_id, sid, outcome, 0.0))
            return prompts
        for status in (CallStatus.initiated, CallStatus.ringing, CallStatus.in_progress):
            self._event(uow_factory, CallEvent(placed.attempt_id, sid, status))

        def step(prompt: IvrPrompt | None, key: str | None) -> IvrPrompt:
            return service.ivr_step(
                uow_factory(f"webhook:{self.name}"),
                provider=self.name,
                receipt_key=self.new_sid("E"),
                attempt_id=placed.attempt_id,
                call_sid=sid,
                item_code=prompt.question.item_code if prompt and prompt.question else None,
                digits=key,
                step=prompt.step if prompt else 0,
            )

        prompt = step(None, None)
        prompts.append(prompt)
        for key in keys:
            if prompt.question is None:
                break
            prompt = step(prompt, key)
            prompts.append(prompt)
        duration = seconds_per_question * max(1, len(prompts))
        self._event(uow_factory, CallEvent(placed.attempt_id, sid, CallStatus.completed, duration))
        return prompts


# One simulator per process, so the pages that place a call and those that play it see
# the same calls (Streamlit runs every session in the same process).
SIMULATOR: Final = SimulatedTelephony()


def make_telephony(name: str | None = None) -> Telephony:
    """The provider named by ``APPRAISAL_TELEPHONY`` (``simulator`` or ``twilio``)."""
    choice = (name if name is not None else config.TELEPHONY.get()).strip().lower() or "simulator"
    if choice == "simulator":
        return SIMULATOR
    if choice == "twilio":
        from survey.twilio_telephony import TwilioTelephony  # only this provider needs the SDK

        return TwilioTelephony()
    raise ValueError(f"{config.TELEPHONY.name} must be one of {', '.join(PROVIDERS)}, not {choice!r}")
