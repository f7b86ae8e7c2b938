"""Twilio as the :class:`survey.telephony.Telephony` provider (``APPRAISAL_TELEPHONY=twilio``).

Everything Twilio-specific lives here: the REST calls (through the official ``twilio``
SDK), the TwiML the calls run, the webhook addresses, the parsing of Twilio's callback
parameters into the neutral events, and the signature check.

* Click-to-call: ``calls.create(to=<caller's phone>, from_=<agency>, twiml=...)``; the
  inline TwiML says "connecting" in Mandarin and ``<Dial callerId=<agency>>`` the
  respondent. The ``<Dial action>`` webhook reports the respondent's leg
  (``DialCallStatus``, ``DialCallDuration``), which decides the attempt's outcome. With the
  respondent's consent ``<Dial record="record-from-answer-dual">`` records from the moment
  the respondent answers (not the caller's wait), and ``recordingStatusCallback`` reports it.
* Automatic questionnaire: ``calls.create(to=<respondent>, url=<ivr webhook>)``; each
  question is ``<Gather input="dtmf" numDigits="1">`` around ``<Say language="cmn-CN">``,
  followed by a ``<Redirect>`` taken when no key is pressed. ``machineDetection`` lets the
  first webhook know an answering machine took the call.
* SMS: ``messages.create(to, from_, body)``.

Webhook security: Twilio signs each request with HMAC-SHA1 of the full URL it called plus
the sorted POST parameters, keyed by the account's auth token (header
``X-Twilio-Signature``), checked with :class:`twilio.request_validator.RequestValidator`.
Behind a reverse proxy the request's own URL is the internal one (``http://127.0.0.1:8501``),
never what Twilio signed, so the URL is rebuilt from ``APPRAISAL_WEBHOOK_BASE_URL``, the
same setting the call's webhook addresses were built from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlencode

import config
from survey.telephony import (
    SAY_LANGUAGE,
    BridgeCall,
    CallEvent,
    CallStatus,
    IvrCall,
    IvrPrompt,
    RecordingEvent,
    SmsMessage,
    TelephonyError,
    normalize_status,
)

# The Twilio SDK is imported inside the functions that use it: the app serves these webhooks
# from the same process as every page, and most deployments never place a call.

PROVIDER: Final = "twilio"
VOICE: Final = "Polly.Zhiyu"  # Amazon Polly's Mandarin voice, which Twilio offers for cmn-CN
PATHS: Final = {
    "status": "/telephony/twilio/status",
    "dial": "/telephony/twilio/dial",
    "recording": "/telephony/twilio/recording",
    "ivr": "/telephony/twilio/ivr",
}
STATUS_EVENTS: Final = ["initiated", "ringing", "answered", "completed"]
RING_SECONDS: Final = 30
KEY_WAIT_SECONDS: Final = 8
SIGNATURE_HEADER: Final = "X-Twilio-Signature"
CONNECTING: Final = "正在为您接通受访者，请稍候。"


def webhook_url(base_url: str, name: str, **query: object) -> str:
    """The address of one of our Twilio webhooks, with the attempt (and step) in the query."""
    pairs = {k: str(v) for k, v in query.items() if v is not None}
    return f"{base_url.rstrip('/')}{PATHS[name]}" + (f"?{urlencode(pairs)}" if pairs else "")


# ---------------------------------------------------------------- TwiML


def bridge_twiml(call: BridgeCall) -> str:
    from twilio.twiml.voice_response import Dial, VoiceResponse

    base, attempt = call.callback.base_url, call.callback.attempt_id
    response = VoiceResponse()
    response.say(CONNECTING, language=SAY_LANGUAGE, voice=VOICE)
    recording: dict[str, Any] = {}
    if call.record:
        recording = {
            "record": "record-from-answer-dual",
            "recording_status_callback": webhook_url(base, "recording", attempt=attempt),
            "recording_status_callback_method": "POST",
            "recording_status_callback_event": "completed",
        }
    dial = Dial(
        caller_id=call.caller_id,
        action=webhook_url(base, "dial", attempt=attempt),
        method="POST",
        timeout=RING_SECONDS,
        answer_on_bridge=True,
        **recording,
    )
    dial.number(call.respondent)
    response.append(dial)
    return str(response)


def ivr_twiml(prompt: IvrPrompt, base_url: str, attempt_id: int) -> str:
    """The TwiML of one turn of the automatic questionnaire."""
    from twilio.twiml.voice_response import Gather, VoiceResponse

    response = VoiceResponse()
    question = prompt.question
    if question is None:
        text = prompt.intro + prompt.closing
        if text:
            response.say(text, language=SAY_LANGUAGE, voice=VOICE)
        response.hangup()
        return str(response)
    gather = Gather(
        input="dtmf",
        num_digits=1,
        timeout=KEY_WAIT_SECONDS,
        action=webhook_url(base_url, "ivr", attempt=attempt_id, item=question.item_code, step=prompt.step),
        method="POST",
    )
    gather.say(prompt.intro + question.text, language=SAY_LANGUAGE, voice=VOICE)
    response.append(gather)
    # Reached only when no key was pressed (<Gather> then falls through).
    response.redirect(
        webhook_url(
            base_url,
            "ivr",
            attempt=attempt_id,
            item=question.item_code,
            step=prompt.step,
            no_input=prompt.no_input + 1,
        ),
        method="POST",
    )
    return str(response)


def hangup_twiml() -> str:
    from twilio.twiml.voice_response import VoiceResponse

    response = VoiceResponse()
    response.hangup()
    return str(response)


# ---------------------------------------------------------------- REST


class TwilioTelephony:
    """Calls and SMS through Twilio's REST API.

    Credentials default to ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``;
    ``http_client`` (a ``twilio.http.HttpClient``) replaces the network in tests.
    """

    name = PROVIDER

    def __init__(
        self, account_sid: str | None = None, auth_token: str | None = None, *, http_client: Any = None
    ) -> None:
        from twilio.rest import Client

        sid = account_sid if account_sid is not None else config.TWILIO_ACCOUNT_SID.get().strip()
        token = auth_token if auth_token is not None else config.TWILIO_AUTH_TOKEN.get().strip()
        missing = [
            setting.name
            for setting, value in ((config.TWILIO_ACCOUNT_SID, sid), (config.TWILIO_AUTH_TOKEN, token))
            if not value
        ]
        if missing:
            raise TelephonyError(f"Twilio telephony needs the settings {', '.join(missing)}")
        self.client = Client(sid, token, http_client=http_client)

    def _create_call(self, **kwargs: Any) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            return str(self.client.calls.create(**kwargs).sid)
        except TwilioRestException as exc:
            raise TelephonyError(
                f"Twilio refused the call (HTTP {exc.status}, error {exc.code}): {exc.msg}"
            ) from exc
        except (TwilioException, OSError) as exc:
            raise TelephonyError(f"Twilio could not be reached: {exc}") from exc

    def bridge_call(self, call: BridgeCall) -> str:
        base, attempt = call.callback.base_url, call.callback.attempt_id
        return self._create_call(
            to=call.agent,
            from_=call.caller_id,
            twiml=bridge_twiml(call),
            status_callback=webhook_url(base, "status", attempt=attempt),
            status_callback_event=STATUS_EVENTS,
            status_callback_method="POST",
            timeout=RING_SECONDS,
        )

    def ivr_call(self, call: IvrCall) -> str:
        base, attempt = call.callback.base_url, call.callback.attempt_id
        return self._create_call(
            to=call.to,
            from_=call.caller_id,
            url=webhook_url(base, "ivr", attempt=attempt, step=0),
            method="POST",
            status_callback=webhook_url(base, "status", attempt=attempt),
            status_callback_event=STATUS_EVENTS,
            status_callback_method="POST",
            timeout=RING_SECONDS,
            machine_detection="Enable",
        )

    def send_sms(self, message: SmsMessage) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            return str(
                self.client.messages.create(to=message.to, from_=message.sender, body=message.body).sid
            )
        except TwilioRestException as exc:
            raise TelephonyError(
                f"Twilio refused the SMS (HTTP {exc.status}, error {exc.code}): {exc.msg}"
            ) from exc
        except (TwilioException, OSError) as exc:
            raise TelephonyError(f"Twilio could not be reached: {exc}") from exc


# ---------------------------------------------------------------- webhooks


def signature_valid(auth_token: str, url: str, params: Any, signature: str) -> bool:
    """Whether ``signature`` (X-Twilio-Signature) is Twilio's for ``url`` and ``params``."""
    if not auth_token or not signature:
        return False
    from twilio.request_validator import RequestValidator

    return bool(RequestValidator(auth_token).validate(url, params, signature))


def signed_content(url: str, params: Any) -> str:
    """The text Twilio's signature is the HMAC of: the URL, then each parameter name
    followed by its value, names sorted and each name's distinct values sorted (as
    :meth:`RequestValidator.compute_signature` builds it). ``params`` is a multidict
    (``getlist``) or a plain mapping."""
    getlist = getattr(params, "getlist", None)
    parts = [url]
    for name in sorted(set(params)):
        values = getlist(name) if getlist is not None else [params[name]]
        parts.extend(name + value for value in sorted(set(values)))
    return "".join(parts)


def replay_key(url: str, params: Any) -> str:
    """What makes a delivery unique: a digest of exactly what its signature covers (the
    URL checked and the parameters, see :func:`signed_content`).

    Nothing unsigned goes in (headers such as ``I-Twilio-Idempotency-Token``, the order or
    repetition of fields in the body), so whoever replays a captured request cannot make
    it look new. Twilio's own retry of a request we answered too slowly is byte-for-byte
    the same request, so it gets the same key. Distinct events of one call never share
    one: status callbacks carry ``SequenceNumber`` and ``Timestamp``, each ``<Gather>``
    and ``<Redirect>`` of the automatic questionnaire has its own ``step`` in the URL, and
    ``<Dial action>`` and the recording callback come once per call."""
    digest = hashlib.sha256(signed_content(url, params).encode("utf-8"))
    return "signed:" + digest.hexdigest()


def _seconds(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def call_event(attempt_id: int, params: Mapping[str, str]) -> CallEvent | None:
    """A status callback of the call we placed (None when its status is unknown)."""
    status = normalize_status(params.get("CallStatus", ""))
    if status is None:
        return None
    duration = _seconds(params.get("CallDuration")) if status != CallStatus.in_progress else None
    return CallEvent(attempt_id, params.get("CallSid", ""), status, duration)


def dial_event(attempt_id: int, params: Mapping[str, str]) -> CallEvent | None:
    """The ``<Dial action>`` request: the respondent's leg of a bridged call has ended."""
    text = params.get("DialCallStatus", "")
    # "answered" (the respondent was connected) is how a conference-style leg reports completion
    status = CallStatus.completed if text == "answered" else normalize_status(text)
    if status is None:
        return None
    duration = _seconds(params.get("DialCallDuration")) or 0.0
    return CallEvent(attempt_id, params.get("CallSid", ""), status, duration, leg="respondent")


def recording_event(attempt_id: int, params: Mapping[str, str]) -> RecordingEvent:
    return RecordingEvent(
        attempt_id=attempt_id,
        call_sid=params.get("CallSid", ""),
        url=params.get("RecordingUrl", ""),
        status=params.get("RecordingStatus", "completed"),
        duration_seconds=_seconds(params.get("RecordingDuration")),
    )
