"""Verified mobile numbers: verifiers, rate limits and refusals (survey/verification.py),
on SQLite and PostgreSQL: codes and limits live in the database, shared by every process."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from twilio.http import HttpClient
from twilio.http.response import Response

from db.crypto import generate_key, phone_hash
from db.engine import make_engine
from db.models import ThrottleEvent, VerificationCode
from db.uow import UnitOfWork
from survey import verification as v

PHONE = "+8613812345678"
SERVICE_SID = "VA" + "0" * 32
ACCOUNT_SID = "AC" + "1" * 32


Store = Callable[[], UnitOfWork]


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", generate_key())


@pytest.fixture
def store(make_uow: Callable[..., UnitOfWork]) -> Store:
    """Units of work on the test's database (SQLite, then PostgreSQL)."""
    return lambda: make_uow("survey")


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, int]] = []

    def send_code(self, phone_e164: str, code: str, *, locale: str, valid_minutes: int) -> None:
        self.sent.append((phone_e164, code, locale, valid_minutes))


def logged_code(caplog: pytest.LogCaptureFixture) -> str:
    messages = [r.getMessage() for r in caplog.records if r.name == "survey.verification"]
    match = re.search(r"verification code for (\S+): (\d{6})$", messages[-1])
    assert match, messages
    return match.group(2)


def facade(store: Store, clock: FakeClock | None = None, **kwargs: Any) -> v.PhoneVerification:
    clock = clock or FakeClock()
    return v.PhoneVerification(
        v.SimulatedVerifier(clock=clock, uow_factory=store), clock=clock, uow_factory=store, **kwargs
    )


def rows(store: Store, model: type) -> int:
    with store() as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


# ---------------------------------------------------------------- simulator and facade


def test_simulator_round_trip_logs_the_code_with_the_number_masked(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="survey.verification")
    pv = facade(store)
    pv.start("138 1234 5678", network="203.0.113.7")
    message = caplog.records[-1].getMessage()
    assert caplog.records[-1].levelno == logging.INFO
    assert re.fullmatch(r"verification code for 138\*\*\*\*5678: \d{6}", message)
    assert "13812345678" not in caplog.text
    result = pv.check("+86 138-1234-5678", logged_code(caplog))
    assert result == phone_hash(PHONE)
    assert "13812345678" not in result
    # the code is single use
    with pytest.raises(v.CodeExpired):
        pv.check(PHONE, logged_code(caplog))


def test_full_width_code_is_accepted(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="survey.verification")
    pv = facade(store)
    pv.start(PHONE)
    full_width = "".join(chr(ord("０") + int(d)) for d in logged_code(caplog))
    assert pv.check(PHONE, f" {full_width} ") == phone_hash(PHONE)


def test_wrong_code_is_refused_and_the_right_one_still_works(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="survey.verification")
    pv = facade(store)
    pv.start(PHONE)
    code = logged_code(caplog)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(v.CodeWrong) as refused:
        pv.check(PHONE, wrong)
    assert refused.value.key == "code_wrong"
    assert refused.value.attempts_left == 4
    assert pv.check(PHONE, code) == phone_hash(PHONE)


def test_code_expires_after_ten_minutes(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="survey.verification")
    clock = FakeClock()
    pv = facade(store, clock)
    pv.start(PHONE)
    clock.now += 10 * 60
    with pytest.raises(v.CodeExpired) as refused:
        pv.check(PHONE, logged_code(caplog))
    assert refused.value.key == "code_expired"


def test_code_is_still_valid_just_before_expiry(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="survey.verification")
    clock = FakeClock()
    pv = facade(store, clock)
    pv.start(PHONE)
    clock.now += 10 * 60 - 1
    assert pv.check(PHONE, logged_code(caplog)) == phone_hash(PHONE)


def test_check_without_a_code_sent_is_refused(store: Store) -> None:
    with pytest.raises(v.CodeExpired):
        facade(store).check(PHONE, "123456")


def test_five_wrong_codes_void_the_code(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="survey.verification")
    pv = facade(store)
    pv.start(PHONE)
    code = logged_code(caplog)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(v.CodeWrong) as refused:
            pv.check(PHONE, wrong)
        assert refused.value.attempts_left == left
    with pytest.raises(v.TooManyAttempts) as refused_5:
        pv.check(PHONE, wrong)
    assert refused_5.value.key == "too_many_attempts"
    # even the right code no longer works: a new one must be requested
    with pytest.raises(v.CodeExpired):
        pv.check(PHONE, code)


@pytest.mark.parametrize("number", ["12345", "", "021-12345678", "+1 415 555 0100", "2381234567x"])
def test_invalid_numbers_are_refused_before_anything_is_sent(
    store: Store, number: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="survey.verification")
    pv = facade(store)
    with pytest.raises(v.InvalidNumber) as refused:
        pv.start(number, network="203.0.113.7")
    assert refused.value.key == "invalid_number"
    assert caplog.records == []
    assert rows(store, ThrottleEvent) == rows(store, VerificationCode) == 0
    with pytest.raises(v.InvalidNumber):
        pv.check(number, "123456")


def test_per_number_rate_limit(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="survey.verification")
    clock = FakeClock()
    pv = facade(store, clock)
    for _ in range(5):
        pv.start(PHONE)
        clock.now += 60
    with pytest.raises(v.TooManyRequests) as refused:
        pv.start("13812345678")  # same number, other spelling
    assert refused.value.key == "too_many_requests"
    assert 0 < refused.value.retry_after <= 3600
    pv.start("+8613900001111")  # another number is not affected
    clock.now += refused.value.retry_after
    pv.start(PHONE)  # the window has slid past the first start


def test_per_network_rate_limit(store: Store) -> None:
    clock = FakeClock()
    pv = facade(store, clock)
    for i in range(20):
        pv.start(f"+86139{i:08d}", network="198.51.100.4")
    with pytest.raises(v.TooManyRequests):
        pv.start("+8613700000000", network="198.51.100.4")
    pv.start("+8613700000000", network="198.51.100.5")
    clock.now += 3600
    pv.start("+8613700000001", network="198.51.100.4")


def test_refusals_share_a_base_class_with_message_keys() -> None:
    keys = {
        cls.key for cls in (v.InvalidNumber, v.TooManyRequests, v.CodeExpired, v.CodeWrong, v.TooManyAttempts)
    }
    assert keys == {"invalid_number", "too_many_requests", "code_expired", "code_wrong", "too_many_attempts"}
    assert all(issubclass(c, v.VerificationRefused) for c in (v.CodeWrong, v.VerificationUnavailable))


# ---------------------------------------------------------------- our own code


def test_own_code_verifier_stores_no_plaintext_code(store: Store) -> None:
    clock = FakeClock()
    sender = RecordingSender()
    verifier = v.OwnCodeVerifier(sender, clock=clock, uow_factory=store)
    verifier.start(PHONE, "zh-CN")
    ((to, code, locale, minutes),) = sender.sent
    assert (to, locale, minutes) == (PHONE, "zh-CN", 10)
    assert re.fullmatch(r"\d{6}", code)
    with store() as uow:
        stored = uow.session.execute(select(VerificationCode)).scalar_one()
        columns = {c.name: getattr(stored, c.name) for c in VerificationCode.__table__.columns}
    assert code not in repr(columns) and "13812345678" not in repr(columns)
    assert columns["number_hash"] == phone_hash(PHONE)
    assert columns["code_enc"] is None  # only the simulator keeps a readable copy
    assert columns["code_hash"] == v.code_hash(PHONE, code) and len(columns["code_hash"]) == 64  # an HMAC
    assert not verifier.check(PHONE, f"{(int(code) + 1) % 1_000_000:06d}")
    assert not verifier.check("+8613900001111", code)  # bound to its number
    assert verifier.check(PHONE, code)
    assert not verifier.check(PHONE, code)  # single use


def test_own_code_verifier_codes_expire(store: Store) -> None:
    clock = FakeClock()
    sender = RecordingSender()
    verifier = v.OwnCodeVerifier(sender, clock=clock, uow_factory=store)
    verifier.start(PHONE, "en")
    clock.now += 600
    assert not verifier.check(PHONE, sender.sent[-1][1])


def test_five_wrong_codes_void_our_own_code_too(store: Store) -> None:
    clock = FakeClock()
    sender = RecordingSender()
    pv = v.PhoneVerification(
        v.OwnCodeVerifier(sender, clock=clock, uow_factory=store), clock=clock, uow_factory=store
    )
    pv.start(PHONE)
    code = sender.sent[-1][1]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        with pytest.raises(v.CodeWrong):
            pv.check(PHONE, wrong)
    with pytest.raises(v.TooManyAttempts):
        pv.check(PHONE, wrong)
    with pytest.raises(v.CodeExpired):
        pv.check(PHONE, code)


def test_own_code_through_the_facade_and_logging_sender(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="survey.verification")
    pv = v.PhoneVerification(v.OwnCodeVerifier(v.LoggingSmsSender(), uow_factory=store), uow_factory=store)
    pv.start(PHONE, locale="zh-CN")
    message = caplog.records[-1].getMessage()
    assert message.startswith("sms to 138****5678: 【十佳十差评议】您的验证码为")
    assert "13812345678" not in caplog.text
    code = re.search(r"\d{6}", message.split(":", 1)[1]).group(0)  # type: ignore[union-attr]
    assert pv.check(PHONE, code) == phone_hash(PHONE)


def test_sms_text_in_english() -> None:
    assert v.sms_text("012345", "en", 10).startswith("Your appraisal survey code is 012345.")


# ---------------------------------------------------------------- Twilio Verify


class FakeTwilioHttp(HttpClient):
    """Twilio's holodeck pattern: record each request and answer from a queue."""

    def __init__(self, responses: list[tuple[int, dict[str, Any]]]) -> None:
        super().__init__(logging.getLogger("fake-twilio"), is_async=False)
        self.responses = list(responses)
        self.requests: list[dict[str, Any]] = []

    def request(self, method: str, uri: str, params=None, data=None, headers=None, auth=None, **kwargs):  # type: ignore[no-untyped-def,override]
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {}), "auth": auth})
        status, body = self.responses.pop(0)
        return Response(status, json.dumps(body))


def verification_json(status: str) -> dict[str, Any]:
    return {
        "sid": "VE" + "2" * 32,
        "service_sid": SERVICE_SID,
        "account_sid": ACCOUNT_SID,
        "to": PHONE,
        "channel": "sms",
        "status": status,
        "valid": status == "approved",
    }


def twilio_verifier(fake: FakeTwilioHttp) -> v.TwilioVerifier:
    return v.TwilioVerifier(ACCOUNT_SID, "token", SERVICE_SID, http_client=fake)


def test_twilio_verifier_sends_the_exact_requests_and_maps_statuses() -> None:
    fake = FakeTwilioHttp(
        [
            (201, verification_json("pending")),
            (200, verification_json("pending")),
            (200, verification_json("approved")),
        ]
    )
    verifier = twilio_verifier(fake)
    verifier.start(PHONE, "zh-CN")
    assert verifier.check(PHONE, "000000") is False
    assert verifier.check(PHONE, "１２３４５６") is True

    start, wrong, right = fake.requests
    assert start["method"] == "POST"
    assert urlparse(start["uri"]).netloc == "verify.twilio.com"
    assert urlparse(start["uri"]).path == f"/v2/Services/{SERVICE_SID}/Verifications"
    assert start["data"] == {"To": PHONE, "Channel": "sms", "Locale": "zh-CN"}
    assert start["auth"] == (ACCOUNT_SID, "token")
    assert urlparse(right["uri"]).path == f"/v2/Services/{SERVICE_SID}/VerificationCheck"
    assert wrong["data"] == {"To": PHONE, "Code": "000000"}
    assert right["data"] == {"To": PHONE, "Code": "123456"}


def test_twilio_through_the_facade(store: Store) -> None:
    fake = FakeTwilioHttp([(201, verification_json("pending")), (200, verification_json("approved"))])
    pv = v.PhoneVerification(twilio_verifier(fake), uow_factory=store)
    pv.start("138 1234 5678", network="203.0.113.7", locale="en")
    assert fake.requests[0]["data"]["Locale"] == "en"
    assert pv.check(PHONE, "123456") == phone_hash(PHONE)


@pytest.mark.parametrize(
    ("status", "code", "refusal"),
    [
        (400, 60200, v.InvalidNumber),
        (429, 60203, v.TooManyRequests),
        (500, 20500, v.VerificationUnavailable),
    ],
)
def test_twilio_errors_become_refusals(status: int, code: int, refusal: type[Exception]) -> None:
    fake = FakeTwilioHttp([(status, {"code": code, "message": "refused", "status": status})])
    with pytest.raises(refusal):
        twilio_verifier(fake).start(PHONE, "zh-CN")


def test_twilio_check_of_a_forgotten_verification_is_expired() -> None:
    fake = FakeTwilioHttp([(404, {"code": 20404, "message": "not found", "status": 404})])
    with pytest.raises(v.CodeExpired):
        twilio_verifier(fake).check(PHONE, "123456")


def test_twilio_verifier_needs_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_VERIFY_SERVICE_SID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="TWILIO_VERIFY_SERVICE_SID"):
        v.TwilioVerifier()
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("TWILIO_VERIFY_SERVICE_SID", SERVICE_SID)
    assert v.TwilioVerifier().service_sid == SERVICE_SID


# ---------------------------------------------------------------- factory


def test_make_verifier_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APPRAISAL_VERIFIER", raising=False)
    assert isinstance(v.make_verifier(), v.SimulatedVerifier)
    monkeypatch.setenv("APPRAISAL_VERIFIER", "own")
    assert isinstance(v.make_verifier(), v.OwnCodeVerifier)
    monkeypatch.setenv("APPRAISAL_VERIFIER", "twilio")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("TWILIO_VERIFY_SERVICE_SID", SERVICE_SID)
    assert isinstance(v.make_verifier(), v.TwilioVerifier)
    monkeypatch.setenv("APPRAISAL_VERIFIER", "carrier-pigeon")
    with pytest.raises(ValueError, match="simulator, own, twilio"):
        v.make_verifier()


# ---------------------------------------------------------------- rate limiter


def test_rate_limiter_sliding_window(store: Store) -> None:
    clock = FakeClock(0.0)
    limiter = v.RateLimiter(3, 60, clock=clock, uow_factory=store)
    for t in (0, 10, 20):
        clock.now = t
        assert limiter.hit("k")
    clock.now = 30
    assert not limiter.hit("k")
    assert limiter.retry_after("k") == 30
    assert limiter.hit("other")
    clock.now = 60  # the event at 0 has left the window
    assert limiter.hit("k")
    assert not limiter.hit("k")


def test_rate_limiter_counts_exactly_under_concurrency(store: Store) -> None:
    limiter = v.RateLimiter(37, 3600, uow_factory=store)
    allowed: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(12)

    def worker() -> None:
        barrier.wait()
        results = [limiter.hit("same-key") for _ in range(8)]
        with lock:
            allowed.extend(results)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 12 * 8
    assert sum(allowed) == 37


# ---------------------------------------------------------------- several processes, restarts


def separate_process_store(database_url: str) -> Store:
    """Units of work through an engine (connection pool) of their own: what another app
    process behind the load balancer, or the same one after a restart, would have."""
    factory = sessionmaker(make_engine(database_url), expire_on_commit=False)
    return lambda: UnitOfWork(factory, actor="survey")


def test_two_processes_share_the_code_the_tries_and_the_limits(database_url: str) -> None:
    clock = FakeClock()
    one, other = (facade(separate_process_store(database_url), clock) for _ in range(2))

    one.start(PHONE, network="198.51.100.4")
    code = other.verifier.pending_code(PHONE)  # type: ignore[attr-defined]
    assert code is not None
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(v.CodeWrong) as first:
        one.check(PHONE, wrong)
    with pytest.raises(v.CodeWrong) as second:
        other.check(PHONE, wrong)
    assert (first.value.attempts_left, second.value.attempts_left) == (4, 3)  # one count for both
    assert other.check(PHONE, code) == phone_hash(PHONE)
    with pytest.raises(v.CodeExpired):
        one.check(PHONE, code)  # used up everywhere

    for i in range(4):  # five codes per number and hour, whichever process sends them
        (one, other)[i % 2].start(PHONE)
    with pytest.raises(v.TooManyRequests):
        one.start(PHONE)
    with pytest.raises(v.TooManyRequests):
        other.start(PHONE)


def test_a_code_survives_a_restart(database_url: str) -> None:
    clock = FakeClock()
    engine = make_engine(database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    before = facade(lambda: UnitOfWork(factory, actor="survey"), clock)
    before.start(PHONE)
    code = before.verifier.pending_code(PHONE)  # type: ignore[attr-defined]
    del before
    engine.dispose()  # the old process is gone, with every connection it had

    after = facade(separate_process_store(database_url), clock)
    assert after.check(PHONE, str(code)) == phone_hash(PHONE)


SUBPROCESS = """
import sys
from survey.verification import PhoneVerification, SimulatedVerifier
pv = PhoneVerification(SimulatedVerifier())
for _ in range(int(sys.argv[1])):
    pv.start(sys.argv[2], network="203.0.113.99")
"""


def test_another_os_process_shares_the_code_and_the_limits(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(root)}
    subprocess.run(
        [sys.executable, "-c", SUBPROCESS, "5", PHONE], cwd=root, env=env, check=True, capture_output=True
    )
    monkeypatch.setenv("DATABASE_URL", database_url)
    here = v.PhoneVerification(v.SimulatedVerifier())  # the configured database, as in the app

    with pytest.raises(v.TooManyRequests):
        here.start(PHONE)  # the other process sent five codes to this number this hour
    code = here.verifier.pending_code(PHONE)  # type: ignore[attr-defined]
    assert code is not None
    assert here.check(PHONE, code) == phone_hash(PHONE)


def test_expired_rows_are_deleted_as_new_codes_are_asked_for(store: Store) -> None:
    clock = FakeClock()
    pv = facade(store, clock)
    pv.start(PHONE, network="198.51.100.4")
    assert (rows(store, VerificationCode), rows(store, ThrottleEvent)) == (1, 2)

    clock.now += v.HOUR + 1  # the code expired, the sends left their hour
    pv.start("+8613900001111")

    with store() as uow:
        left = uow.session.execute(select(VerificationCode.number_hash)).scalars().all()
        events = uow.session.execute(select(ThrottleEvent.key)).scalars().all()
    assert left == [phone_hash("+8613900001111")]
    assert events == [phone_hash("+8613900001111")]
