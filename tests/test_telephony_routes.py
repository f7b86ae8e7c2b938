"""The Twilio webhooks end to end: calls placed by the real ``twilio`` SDK against a fake
Twilio on loopback, then Twilio's callbacks, signed with Twilio's algorithm, posted to the
routes (Starlette TestClient). Forged, unsigned and wrong-URL ones get 403 and change
nothing; a repeat of a signed request (Twilio's retry or a replay, whatever its unsigned
headers say) is answered as already handled and changes nothing; an oversized body gets
413 unread; the IVR flow writes the answers and the final disposition."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import anyio
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from db.models import AuditEntry, PhoneAnswer, WebhookReceipt
from services import telephony as service
from survey.twilio_telephony import TwilioTelephony
from tests.db.kit import MakeUow
from tests.db.test_telephony import (
    AGENCY,
    CALLER_PHONE,
    PUBLIC,
    answers,
    attempts,
    case_row,
    respondent_number,
    seed_fieldwork,
)
from tests.db.test_telephony import settings as settings
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, LoopbackHttpClient
from ui.http_limits import max_body_bytes
from ui.telephony_routes import telephony_app

VALIDATOR = RequestValidator(AUTH_TOKEN)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def twilio(fake: FakeTwilio) -> TwilioTelephony:
    return TwilioTelephony(ACCOUNT_SID, AUTH_TOKEN, http_client=LoopbackHttpClient(fake.url))


@pytest.fixture
def client(make_uow: MakeUow) -> TestClient:
    app = telephony_app(lambda actor: make_uow(actor), auth_token=AUTH_TOKEN, base_url=PUBLIC)
    # The process is reached by an internal address, as behind a proxy: the signature is
    # still checked against the public one.
    return TestClient(app, base_url="http://127.0.0.1:8501")


def post(
    client: TestClient,
    url: str,
    params: dict[str, str],
    *,
    token: str | None = None,
    sign_url: str | None = None,
    signature: str | None = None,
    body: str | None = None,
) -> Any:
    """POST ``params`` to the public ``url`` as Twilio would, signed for ``sign_url``
    (``body``, when given, is sent instead of ``params`` encoded in order)."""
    assert url.startswith(PUBLIC)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is None:
        signature = VALIDATOR.compute_signature(sign_url or url, params)
    if signature:
        headers["X-Twilio-Signature"] = signature
    if token:
        headers["I-Twilio-Idempotency-Token"] = token
    content = urlencode(params) if body is None else body
    return client.post(url[len(PUBLIC) :], content=content, headers=headers)


def receipts(make_uow: MakeUow) -> int:
    with make_uow() as uow:
        return uow.session.execute(select(func.count()).select_from(WebhookReceipt)).scalar_one()


def state(make_uow: MakeUow) -> tuple[int, int, int, list[tuple[str, str, float | None, str]]]:
    """Everything a webhook could change: receipts, answers, audit entries, attempts."""
    with make_uow() as uow:
        s = uow.session
        counts = [
            s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (WebhookReceipt, PhoneAnswer, AuditEntry)
        ]
    rows = [
        (a.provider_status, a.disposition, a.duration_seconds, a.recording_url) for a in attempts(make_uow)
    ]
    return counts[0], counts[1], counts[2], rows


def gather_action(twiml: str) -> tuple[str, str, str]:
    """(Gather action URL, Redirect URL, spoken text) of an IVR reply."""
    root = ET.fromstring(twiml)
    gather = root.find("Gather")
    assert gather is not None, twiml
    assert (gather.get("input"), gather.get("numDigits")) == ("dtmf", "1")
    say = gather.find("Say")
    assert say is not None and say.get("language") == "cmn-CN"
    redirect = root.find("Redirect")
    assert redirect is not None
    return gather.get("action", ""), redirect.text or "", say.text or ""


def call_params(sid: str, **extra: str) -> dict[str, str]:
    return {"AccountSid": ACCOUNT_SID, "CallSid": sid, "From": AGENCY, "To": respondent_number(1), **extra}


# ---------------------------------------------------------------- placing calls with the SDK


def test_click_to_call_sends_twilio_the_bridge_and_its_callbacks(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_bridge_call(make_uow(), field.caller, "c1", "k1", record=True, telephony=twilio)

    [request] = fake.calls()
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    assert request.headers["Authorization"].startswith("Basic ")
    assert (request.field("To"), request.field("From")) == (CALLER_PHONE, AGENCY)
    attempt_id = attempts(make_uow)[0].id
    assert request.field("StatusCallback") == f"{PUBLIC}/telephony/twilio/status?attempt={attempt_id}"
    assert request.form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    dial = ET.fromstring(request.field("Twiml")).find("Dial")
    assert dial is not None
    assert dial.get("callerId") == AGENCY
    assert dial.get("action") == f"{PUBLIC}/telephony/twilio/dial?attempt={attempt_id}"
    assert dial.get("record") == "record-from-answer-dual"
    assert dial.get("recordingStatusCallback") == f"{PUBLIC}/telephony/twilio/recording?attempt={attempt_id}"
    assert dial.findtext("Number") == respondent_number(1)
    assert sid.startswith("CA") and attempts(make_uow)[0].call_sid == sid


def test_without_consent_nothing_is_recorded(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=twilio)
    dial = ET.fromstring(fake.calls()[0].field("Twiml")).find("Dial")
    assert dial is not None and dial.get("record") is None and "Record" not in fake.calls()[0].form


def test_an_ivr_call_points_twilio_at_the_voice_webhook(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    service.start_ivr_call(make_uow(), field.supervisor, "c1", "k1", telephony=twilio)
    [request] = fake.calls()
    attempt_id = attempts(make_uow)[0].id
    assert (request.field("To"), request.field("From")) == (respondent_number(1), AGENCY)
    assert request.field("Url") == f"{PUBLIC}/telephony/twilio/ivr?attempt={attempt_id}&step=0"
    assert request.field("MachineDetection") == "Enable"
    assert "Twiml" not in request.form


def test_a_refused_call_is_reported(make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony) -> None:
    field = seed_fieldwork(make_uow)
    fake.fail_with = (400, 21211)
    with pytest.raises(service.TelephonyUnavailable, match="21211"):
        service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=twilio)
    assert attempts(make_uow)[0].provider_status == "error"


def test_sms_invitations_through_twilio(make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony) -> None:
    from services import invitations

    field = seed_fieldwork(make_uow, entries=4)
    fake.fail_to = {respondent_number(3)}
    sent = service.send_sms_invitations(
        make_uow(), field.admin, "c1", "u1", base_url=PUBLIC, telephony=twilio
    )
    assert sent == 3
    assert [m.field("To") for m in fake.messages()] == [respondent_number(n) for n in (1, 2, 3, 4)]
    delivered = [m for m in fake.messages() if m.field("To") != respondent_number(3)]
    for message in delivered:
        assert message.field("From") == AGENCY
        token = message.field("Body").split(f"{PUBLIC}/a?t=")[1].split()[0]
        assert invitations.peek(make_uow(), token).unit_code == "u1"
    # the one that failed was withdrawn, so the next run invites that person again
    fake.fail_to = set()
    assert (
        service.send_sms_invitations(make_uow(), field.admin, "c1", "u1", base_url=PUBLIC, telephony=twilio)
        == 1
    )
    assert fake.messages()[-1].field("To") == respondent_number(3)


# ---------------------------------------------------------------- the IVR flow through the routes


def start_ivr(make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony) -> tuple[str, str, int]:
    field = seed_fieldwork(make_uow)
    sid = service.start_ivr_call(make_uow(), field.supervisor, "c1", "k1", telephony=twilio)
    return sid, fake.calls()[0].field("Url"), attempts(make_uow)[0].id


def test_the_ivr_flow_writes_answers_and_completes_the_case(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony, client: TestClient
) -> None:
    sid, url, attempt_id = start_ivr(make_uow, fake, twilio)
    status_url = f"{PUBLIC}/telephony/twilio/status?attempt={attempt_id}"
    for n, status in enumerate(["initiated", "ringing", "in-progress"]):
        assert post(client, status_url, call_params(sid, CallStatus=status), token=f"s{n}").status_code == 204
    reply = post(client, url, call_params(sid, CallStatus="in-progress", AnsweredBy="human"), token="v0")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/xml")
    action, _redirect, text = gather_action(reply.text)
    assert "单位u1" in text and "第1题" in text
    for n, key in enumerate("29134"):
        reply = post(client, action, call_params(sid, Digits=key), token=f"g{n}")
        assert reply.status_code == 200
        if n < 4:
            action, _redirect, text = gather_action(reply.text)
            assert (service.IVR_INVALID_KEY in text) == (key == "9")
    root = ET.fromstring(reply.text)
    assert root.find("Gather") is None and root.find("Hangup") is not None
    assert service.IVR_DONE in (root.findtext("Say") or "")
    assert answers(make_uow) == {"p1": "b", "p2": "s", "p3": "u", "p4": "x"}
    assert case_row(make_uow).disposition == "1.1"

    ended = post(client, status_url, call_params(sid, CallStatus="completed", CallDuration="74"), token="s9")
    assert ended.status_code == 204
    [attempt] = attempts(make_uow)
    assert (attempt.provider_status, attempt.duration_seconds, attempt.disposition) == (
        "completed",
        74.0,
        "1.1",
    )


def test_silence_repeats_the_question_then_says_goodbye(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony, client: TestClient
) -> None:
    sid, url, attempt_id = start_ivr(make_uow, fake, twilio)
    _action, redirect, _text = gather_action(post(client, url, call_params(sid), token="v0").text)
    again = post(client, redirect, call_params(sid), token="r1")
    _action, redirect, text = gather_action(again.text)
    assert text.startswith(service.IVR_NO_INPUT) and "第1题" in text
    final = ET.fromstring(post(client, redirect, call_params(sid), token="r2").text)
    assert final.find("Hangup") is not None and final.find("Gather") is None
    status_url = f"{PUBLIC}/telephony/twilio/status?attempt={attempt_id}"
    post(client, status_url, call_params(sid, CallStatus="completed", CallDuration="30"), token="s1")
    assert attempts(make_uow)[0].disposition == "2.12"
    assert case_row(make_uow).disposition == ""


def test_an_answering_machine_hangs_up_at_once(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony, client: TestClient
) -> None:
    sid, url, attempt_id = start_ivr(make_uow, fake, twilio)
    reply = ET.fromstring(post(client, url, call_params(sid, AnsweredBy="machine_start"), token="v0").text)
    assert reply.find("Hangup") is not None
    post(
        client,
        f"{PUBLIC}/telephony/twilio/status?attempt={attempt_id}",
        call_params(sid, CallStatus="completed", CallDuration="5"),
        token="s",
    )
    assert attempts(make_uow)[0].disposition == "3.14"


# ---------------------------------------------------------------- refusals


def test_forged_unsigned_and_wrong_url_webhooks_get_403_and_change_nothing(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony, client: TestClient
) -> None:
    sid, url, attempt_id = start_ivr(make_uow, fake, twilio)
    reply = post(client, url, call_params(sid), token="v0")
    action, _redirect, _text = gather_action(reply.text)
    status_url = f"{PUBLIC}/telephony/twilio/status?attempt={attempt_id}"
    before = state(make_uow)

    params = call_params(sid, Digits="1")
    tampered = VALIDATOR.compute_signature(action, {**params, "Digits": "3"})
    assert post(client, action, params, signature=tampered).status_code == 403  # a changed parameter
    assert post(client, action, params, signature="").status_code == 403  # unsigned
    assert post(client, action, params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    internal = "http://127.0.0.1:8501" + action[len(PUBLIC) :]
    assert post(client, action, params, sign_url=internal).status_code == 403  # signed for another URL
    other_attempt = action.replace(f"attempt={attempt_id}", f"attempt={attempt_id + 1}")
    assert post(client, action, params, sign_url=other_attempt).status_code == 403
    wrong_key = RequestValidator("another account's token").compute_signature(status_url, params)
    assert (
        post(client, status_url, call_params(sid, CallStatus="completed"), signature=wrong_key).status_code
        == 403
    )
    assert state(make_uow) == before


# The unsigned idempotency header of a repeat: Twilio's own (same as the first delivery's),
# a new one, none, or one chosen by whoever replays the request.
REPEAT_TOKENS = ["first", "another", None, "x" * 300]


def test_a_repeated_ivr_turn_gets_the_same_twiml_whatever_its_headers_and_changes_nothing(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony, client: TestClient
) -> None:
    sid, url, _attempt_id = start_ivr(make_uow, fake, twilio)
    action, _redirect, _text = gather_action(post(client, url, call_params(sid), token="v0").text)
    params = call_params(sid, Digits="1")
    first = post(client, action, params, token="first")
    assert first.status_code == 200 and answers(make_uow) == {"p1": "s"}
    handled = state(make_uow)
    # Twilio's retry (same token), a replay with a new, a missing or a made-up token, and one
    # with the same signed fields reordered and repeated: the prompt the first got, no change.
    for token in REPEAT_TOKENS:
        again = post(client, action, params, token=token)
        assert (again.status_code, again.text) == (200, first.text), token
    shuffled = urlencode([*reversed(list(params.items())), ("Digits", "1")])
    again = post(client, action, params, token="shuffled", body=shuffled)
    assert (again.status_code, again.text) == (200, first.text)
    assert state(make_uow) == handled
    assert answers(make_uow) == {"p1": "s"}


def test_a_repeated_status_dial_or_recording_callback_is_recognised_and_changes_nothing(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony, client: TestClient
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_bridge_call(make_uow(), field.caller, "c1", "k1", record=True, telephony=twilio)
    attempt_id = attempts(make_uow)[0].id
    status_url = f"{PUBLIC}/telephony/twilio/status?attempt={attempt_id}"
    dial_url = f"{PUBLIC}/telephony/twilio/dial?attempt={attempt_id}"
    recording_url = f"{PUBLIC}/telephony/twilio/recording?attempt={attempt_id}"
    ringing = call_params(
        sid, CallStatus="ringing", SequenceNumber="1", CallbackSource="call-progress-events"
    )
    dial = call_params(sid, DialCallStatus="completed", DialCallSid="CAleg", DialCallDuration="131")
    recording = call_params(
        sid,
        RecordingSid="RE1",
        RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE1",
        RecordingStatus="completed",
        RecordingDuration="131",
    )
    completed = call_params(sid, CallStatus="completed", CallDuration="140", SequenceNumber="3")
    for webhook_url, params, code in [
        (status_url, ringing, 204),
        (dial_url, dial, 200),
        (recording_url, recording, 204),
        (status_url, completed, 204),
    ]:
        first = post(client, webhook_url, params, token="first")
        assert first.status_code == code
        handled = state(make_uow)
        for token in REPEAT_TOKENS:
            again = post(client, webhook_url, params, token=token)
            assert (again.status_code, again.text) == (code, first.text), (webhook_url, token)
        assert state(make_uow) == handled, webhook_url
    [attempt] = attempts(make_uow)
    assert (attempt.provider_status, attempt.duration_seconds) == ("completed", 131.0)
    assert attempt.recording_url.endswith("/Recordings/RE1")
    assert receipts(make_uow) == 4  # one per event, none per repeat


def test_a_second_event_with_the_same_outcome_applies_once(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony, client: TestClient
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_bridge_call(make_uow(), field.caller, "c1", "k1", record=True, telephony=twilio)
    attempt_id = attempts(make_uow)[0].id
    dial_url = f"{PUBLIC}/telephony/twilio/dial?attempt={attempt_id}"
    dial = call_params(sid, DialCallStatus="no-answer", DialCallSid="CAleg", DialCallDuration="0")
    reply = post(client, dial_url, dial, token="d1")
    assert reply.status_code == 200 and ET.fromstring(reply.text).find("Hangup") is not None
    once = state(make_uow)
    assert once[3] == [("no-answer", "3.13", 0.0, "")]
    # another signed event (a later status callback) with the same outcome is a delivery of
    # its own (a receipt), but changes nothing more
    status_url = f"{PUBLIC}/telephony/twilio/status?attempt={attempt_id}"
    ended = call_params(sid, CallStatus="completed", CallDuration="20", SequenceNumber="2")
    assert post(client, status_url, ended).status_code == 204
    assert state(make_uow)[0] == once[0] + 1
    assert state(make_uow)[1:] == once[1:]
    assert case_row(make_uow).attempts == 1


def test_a_bridged_call_gets_its_recording(
    make_uow: MakeUow, fake: FakeTwilio, twilio: TwilioTelephony, client: TestClient
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_bridge_call(make_uow(), field.caller, "c1", "k1", record=True, telephony=twilio)
    attempt_id = attempts(make_uow)[0].id
    dial = call_params(sid, DialCallStatus="completed", DialCallSid="CAleg", DialCallDuration="131")
    post(client, f"{PUBLIC}/telephony/twilio/dial?attempt={attempt_id}", dial, token="d1")
    recording = call_params(
        sid,
        RecordingSid="RE1",
        RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE1",
        RecordingStatus="completed",
        RecordingDuration="131",
    )
    assert (
        post(
            client, f"{PUBLIC}/telephony/twilio/recording?attempt={attempt_id}", recording, token="r1"
        ).status_code
        == 204
    )
    post(
        client,
        f"{PUBLIC}/telephony/twilio/status?attempt={attempt_id}",
        call_params(sid, CallStatus="completed", CallDuration="140"),
        token="s1",
    )
    [attempt] = attempts(make_uow)
    assert (attempt.provider_status, attempt.duration_seconds, attempt.disposition) == (
        "completed",
        131.0,
        "",
    )
    assert attempt.recording_url.endswith("/Recordings/RE1")


def test_webhooks_are_refused_when_not_configured(make_uow: MakeUow) -> None:
    app = telephony_app(lambda actor: make_uow(actor), auth_token="", base_url=PUBLIC)
    client = TestClient(app)
    url = f"{PUBLIC}/telephony/twilio/status?attempt=1"
    params = call_params("CA1", CallStatus="completed")
    signature = RequestValidator("").compute_signature(url, params)
    reply = client.post(
        "/telephony/twilio/status?attempt=1",
        content=urlencode(params),
        headers={"X-Twilio-Signature": signature},
    )
    assert reply.status_code == 403


def test_the_served_app_has_the_webhook_routes() -> None:
    import asgi

    client = TestClient(asgi.app)
    assert client.post("/telephony/twilio/status?attempt=1", content="CallSid=CA1").status_code == 403
    too_large = b"CallSid=CA1&Padding=" + b"x" * max_body_bytes()
    assert client.post("/telephony/twilio/status?attempt=1", content=too_large).status_code == 413


# ---------------------------------------------------------------- oversized bodies

HUGE = 200 * 1024 * 1024  # what an attacker sends
CHUNK = 16 * 1024  # as a server hands the body over, piece by piece


def post_streaming(app: Any, path: str, *, content_length: int | None) -> tuple[int, int]:
    """POST a 200 MB body, produced only as the app reads it, straight into the ASGI
    ``app``: (status answered, bytes the app took from the body)."""
    consumed = 0

    def huge_body() -> Iterator[bytes]:
        nonlocal consumed
        while consumed < HUGE:
            consumed += CHUNK
            yield b"A" * CHUNK

    chunks = huge_body()
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        chunk = next(chunks, b"")
        return {"type": "http.request", "body": chunk, "more_body": consumed < HUGE}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    headers = [(b"content-type", b"application/x-www-form-urlencoded"), (b"x-twilio-signature", b"forged")]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"attempt=1",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8501),
    }
    anyio.run(app, scope, receive, send)
    return statuses[0], consumed


@pytest.mark.parametrize(
    "content_length",
    [HUGE, None, 100],
    ids=["announced", "chunked", "lying-content-length"],
)
@pytest.mark.parametrize("route", ["status", "dial", "recording", "ivr"])
def test_an_oversized_body_gets_413_before_it_is_read(
    make_uow: MakeUow, route: str, content_length: int | None
) -> None:
    app = telephony_app(lambda actor: make_uow(actor), auth_token=AUTH_TOKEN, base_url=PUBLIC)
    status, consumed = post_streaming(app, f"/telephony/twilio/{route}", content_length=content_length)
    assert status == 413
    # announced: nothing read at all; otherwise reading stops at the chunk that passes the limit
    if content_length == HUGE:
        assert consumed == 0
    else:
        assert max_body_bytes() < consumed <= max_body_bytes() + CHUNK
    assert receipts(make_uow) == 0


def test_the_body_limit_is_a_setting(make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(telephony_app(lambda actor: make_uow(actor), auth_token=AUTH_TOKEN, base_url=PUBLIC))
    params = call_params("CA1", CallStatus="completed", Padding="x" * 2000)
    assert post(client, f"{PUBLIC}/telephony/twilio/status?attempt=1", params).status_code != 413
    monkeypatch.setenv("APPRAISAL_HTTP_MAX_BODY_BYTES", "1024")
    assert post(client, f"{PUBLIC}/telephony/twilio/status?attempt=1", params).status_code == 413
