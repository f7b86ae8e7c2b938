"""The provider-neutral telephony rules (AAPOR mapping, status order, the factory) and the
Twilio module's TwiML, webhook parsing and replay keys, without a database."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from scoring.inputs import AAPOR_CLASSES
from scoring.phone import disposition_class
from survey import telephony
from survey import twilio_telephony as tw
from survey.telephony import (
    SIMULATOR,
    CallStatus,
    IvrPrompt,
    IvrQuestion,
    SimulatedTelephony,
    TelephonyError,
    ivr_outcome,
    make_telephony,
    normalize_status,
    status_rank,
    unreached_disposition,
)


@pytest.mark.parametrize(
    ("status", "code", "aapor_class"),
    [("busy", "3.12", "UH"), ("no-answer", "3.13", "UH"), ("failed", "4.31", "NE"), ("canceled", "", None)],
)
def test_an_unreached_call_maps_to_the_aapor_code(status: str, code: str, aapor_class: str | None) -> None:
    assert unreached_disposition(status) == code
    if aapor_class is not None:
        cls = disposition_class(code)
        assert cls is not None and AAPOR_CLASSES[cls] == aapor_class


@pytest.mark.parametrize(
    ("answered", "total", "code"),
    [(4, 4, "1.1"), (2, 4, "1.2"), (3, 4, "1.2"), (1, 4, "2.12"), (0, 4, "2.12")],
)
def test_an_answered_automatic_call_is_complete_partial_or_a_break_off(
    answered: int, total: int, code: str
) -> None:
    assert ivr_outcome(answered, total) == code
    assert disposition_class(code) is not None


def test_statuses_only_move_forward() -> None:
    order = ["", "queued", "initiated", "ringing", "in-progress", "completed"]
    assert [status_rank(s) for s in order] == sorted(status_rank(s) for s in order)
    assert status_rank("busy") == status_rank("agent-no-answer") == status_rank("completed")
    assert normalize_status("answered") == CallStatus.in_progress
    assert normalize_status("no_answer") == CallStatus.no_answer
    assert normalize_status("ringing-ish") is None


def test_the_simulator_is_the_default_and_twilio_needs_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APPRAISAL_TELEPHONY", raising=False)
    assert make_telephony() is SIMULATOR
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    with pytest.raises(TelephonyError, match="TWILIO_ACCOUNT_SID"):
        make_telephony("twilio")
    with pytest.raises(ValueError, match="APPRAISAL_TELEPHONY"):
        make_telephony("aliyun")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
    assert isinstance(make_telephony("twilio"), tw.TwilioTelephony)


def test_the_simulator_records_what_it_would_send() -> None:
    sim = SimulatedTelephony()
    sid = sim.send_sms(telephony.SmsMessage("+8613900000001", "+862700000000", "你好"))
    assert sid.startswith("SIM") and [m.body for m in sim.messages] == ["你好"]


def test_a_question_is_read_in_mandarin_and_waits_for_one_key() -> None:
    prompt = IvrPrompt(
        intro="您好。", question=IvrQuestion("q1", "第1题：满意吗？满意请按1。", "1234"), step=3, no_input=1
    )
    root = ET.fromstring(tw.ivr_twiml(prompt, "https://x.example", 7))
    gather = root.find("Gather")
    assert gather is not None
    assert (gather.get("input"), gather.get("numDigits"), gather.get("method")) == ("dtmf", "1", "POST")
    assert gather.get("action") == "https://x.example/telephony/twilio/ivr?attempt=7&item=q1&step=3"
    say = gather.find("Say")
    assert say is not None and (say.get("language"), say.text) == (
        "cmn-CN",
        "您好。第1题：满意吗？满意请按1。",
    )
    assert (
        root.findtext("Redirect")
        == "https://x.example/telephony/twilio/ivr?attempt=7&item=q1&step=3&no_input=2"
    )


def test_the_last_turn_says_goodbye_and_hangs_up() -> None:
    root = ET.fromstring(tw.ivr_twiml(IvrPrompt(intro="", question=None, closing="再见"), "https://x", 1))
    assert root.findtext("Say") == "再见" and root.find("Hangup") is not None


def test_twilio_callbacks_become_neutral_events() -> None:
    event = tw.call_event(5, {"CallSid": "CA1", "CallStatus": "no-answer", "CallDuration": "0"})
    assert event == telephony.CallEvent(5, "CA1", CallStatus.no_answer, 0.0)
    assert tw.call_event(5, {"CallSid": "CA1", "CallStatus": "bogus"}) is None
    leg = tw.dial_event(5, {"CallSid": "CA1", "DialCallStatus": "answered", "DialCallDuration": "61"})
    assert leg == telephony.CallEvent(5, "CA1", CallStatus.completed, 61.0, leg="respondent")
    recording = tw.recording_event(
        5, {"CallSid": "CA1", "RecordingUrl": "https://r/RE1", "RecordingDuration": "9"}
    )
    assert (recording.url, recording.status, recording.duration_seconds) == (
        "https://r/RE1",
        "completed",
        9.0,
    )


def test_the_replay_key_is_what_the_signature_covers() -> None:
    import base64
    import hashlib
    import hmac

    from starlette.datastructures import ImmutableMultiDict
    from twilio.request_validator import RequestValidator

    url = "https://x/telephony/twilio/ivr?attempt=1&step=2"
    params = ImmutableMultiDict([("Digits", "1"), ("CallSid", "CA1"), ("Digits", "1"), ("Empty", "")])
    # the same text Twilio's SDK signs: our key cannot drift from what the signature covers
    mac = hmac.new(b"token", tw.signed_content(url, params).encode("utf-8"), hashlib.sha1).digest()
    assert base64.b64encode(mac).decode() == RequestValidator("token").compute_signature(url, params)

    key = tw.replay_key(url, params)
    assert key.startswith("signed:") and len(key) <= 128
    # reordered or repeated fields are the same signed request
    assert key == tw.replay_key(url, {"CallSid": "CA1", "Digits": "1", "Empty": ""})
    # any signed difference is another request
    assert key != tw.replay_key(url, {"CallSid": "CA1", "Digits": "2", "Empty": ""})
    assert key != tw.replay_key(url.replace("step=2", "step=3"), params)
    assert key != tw.replay_key(url, {"CallSid": "CA1", "Digits": "1", "Empty": "", "SequenceNumber": "1"})


def test_signatures_are_checked_with_twilios_algorithm() -> None:
    from twilio.request_validator import RequestValidator

    params = {"CallSid": "CA1", "Digits": "1"}
    signature = RequestValidator("token").compute_signature(
        "https://x/telephony/twilio/ivr?attempt=1", params
    )
    assert tw.signature_valid("token", "https://x/telephony/twilio/ivr?attempt=1", params, signature)
    assert not tw.signature_valid("token", "https://x/telephony/twilio/ivr?attempt=2", params, signature)
    assert not tw.signature_valid("", "https://x/telephony/twilio/ivr?attempt=1", params, signature)
    assert not tw.signature_valid("token", "https://x/telephony/twilio/ivr?attempt=1", params, "")
