"""A verified mobile number as a way into the citizen survey (手机号验证码).

A person types a mainland China mobile number, receives a one-time 6-digit code and types
it back; the survey then knows the number's keyed hash (:func:`db.crypto.phone_hash`) for
one-answer-per-person de-duplication, and never the number itself.

Three interchangeable :class:`Verifier` implementations deliver and check the code:

* :class:`SimulatedVerifier` (the default, ``APPRAISAL_VERIFIER=simulator``): no SMS at all,
  the code is written to the server log with the number masked (``138****5678``);
* :class:`OwnCodeVerifier` (``own``): a code of our own, kept only as an HMAC with an expiry,
  delivered by any :class:`SmsSender` (a domestic provider such as Aliyun or Tencent SMS in
  mainland China, where Twilio Verify needs use-case vetting);
* :class:`TwilioVerifier` (``twilio``): Twilio Verify, which generates, sends and checks the
  code itself.

:class:`PhoneVerification` puts them behind the platform's rules: a number must be a
mainland mobile number, starts are rate-limited per number and per network (IP address),
a code expires after 10 minutes and allows 5 tries. Every refusal is a
:class:`VerificationRefused` whose ``key`` (``invalid_number``, ``too_many_requests``,
``code_expired``, ``code_wrong``, ``too_many_attempts``, ``verification_unavailable``) the
page translates through the message catalogue.

All state lives in the database, so that any number of app processes behind a load
balancer behave as one and a restart forgets nothing: pending codes (their HMAC, expiry and
wrong tries) in ``verification_code`` (db/verification_codes.py), the codes sent per number
and per network in the platform's one throttle (db/throttle.py, also used by staff sign-in).
Expired rows are deleted as new codes are asked for.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import config
from db import crypto, throttle
from db import verification_codes as codes
from db.crypto import InvalidPhoneError, keyed_hash, mask_phone, normalize_cn_mobile, phone_hash
from db.models import ThrottleEvent, VerificationCode
from db.uow import UnitOfWork

log = logging.getLogger(__name__)

# Seconds since the epoch: the times are stored and compared across processes, so not monotonic.
Clock = Callable[[], float]
UowFactory = Callable[[], UnitOfWork]

CODE_DIGITS = 6
DEFAULT_TTL_SECONDS = 10 * 60
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_PHONE_STARTS_PER_HOUR = 5
DEFAULT_NETWORK_STARTS_PER_HOUR = 20
HOUR = 60 * 60
VERIFIERS = ("simulator", "own", "twilio")
PHONE_SCOPE = "verify.phone"  # codes sent per number (throttle scope)
NETWORK_SCOPE = "verify.network"  # codes sent per network


def database_uow() -> UnitOfWork:
    """A unit of work on the configured database (the default of every store here)."""
    return UnitOfWork(actor="survey")


def at(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock(), UTC)


# ---------------------------------------------------------------- refusals


class VerificationRefused(Exception):
    """A refusal the person sees; ``key`` names its text in the message catalogue."""

    key = "verification_refused"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.key)


class InvalidNumber(VerificationRefused):
    key = "invalid_number"


class TooManyRequests(VerificationRefused):
    """Too many codes asked for from one number or one network; try again later."""

    key = "too_many_requests"

    def __init__(self, message: str = "", retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CodeExpired(VerificationRefused):
    """The code is older than its lifetime, or none was asked for: ask for a new one."""

    key = "code_expired"


class CodeWrong(VerificationRefused):
    key = "code_wrong"

    def __init__(self, message: str = "", attempts_left: int = 0) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


class TooManyAttempts(VerificationRefused):
    """Too many wrong codes: the code is void, a new one must be asked for."""

    key = "too_many_attempts"


class VerificationUnavailable(VerificationRefused):
    """The SMS or verification provider failed or is not configured."""

    key = "verification_unavailable"


# ---------------------------------------------------------------- interfaces


class Verifier(Protocol):
    """Sends a one-time code to a number and checks the code typed back."""

    def start(self, phone_e164: str, locale: str) -> None: ...

    def check(self, phone_e164: str, code: str) -> bool: ...


class SmsSender(Protocol):
    """Delivers a verification code by SMS.

    It receives the code and its lifetime rather than a finished text because providers in
    mainland China send only pre-approved templates filled with parameters (``${code}``).
    """

    def send_code(self, phone_e164: str, code: str, *, locale: str, valid_minutes: int) -> None: ...


def new_code() -> str:
    """A uniformly random 6-digit code (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def clean_code(code: str) -> str:
    """The code as typed, with spaces removed and full-width digits (１２３) made ASCII."""
    return "".join(unicodedata.normalize("NFKC", code or "").split())


SMS_TEXTS = {
    "zh": "【十佳十差评议】您的验证码为{code}，{minutes}分钟内有效，请勿告知他人。",
    "en": "Your appraisal survey code is {code}. It is valid for {minutes} minutes; do not share it.",
}


def sms_text(code: str, locale: str, valid_minutes: int) -> str:
    lang = "en" if (locale or "").lower().startswith("en") else "zh"
    return SMS_TEXTS[lang].format(code=code, minutes=valid_minutes)


class LoggingSmsSender:
    """Writes the SMS to the server log instead of sending it (development and tests)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or log

    def send_code(self, phone_e164: str, code: str, *, locale: str, valid_minutes: int) -> None:
        self.logger.info("sms to %s: %s", mask_phone(phone_e164), sms_text(code, locale, valid_minutes))


# ---------------------------------------------------------------- verifiers


def code_hash(phone_e164: str, code: str) -> str:
    """What the database keeps of a code: an HMAC with the platform's secret key, bound to
    its number, so that a copy of the database reveals no code and a code sent to one number
    is useless for another."""
    return keyed_hash(f"{phone_e164}\x00{code}", purpose="verification_code")


class _StoredCodeVerifier:
    """A verifier that makes its own code and keeps it in ``verification_code``.

    Wrong tries are counted by :class:`PhoneVerification` (the only caller) in the same
    row, before this check runs."""

    def __init__(self, *, ttl_seconds: float, clock: Clock, uow_factory: UowFactory | None) -> None:
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.uow_factory = uow_factory or database_uow

    def _store(self, phone_e164: str, code: str, *, keep_readable: bool) -> None:
        expires = at(self.clock) + timedelta(seconds=self.ttl_seconds)
        with self.uow_factory() as uow:
            codes.put(
                uow.session,
                phone_hash(phone_e164),
                expires,
                code_hash=code_hash(phone_e164, code),
                code_enc=crypto.encrypt(code) if keep_readable else None,
            )
            uow.commit()

    def check(self, phone_e164: str, code: str) -> bool:
        """Whether ``code`` is the pending code of the number; a right code is used up."""
        number = phone_hash(phone_e164)
        with self.uow_factory() as uow:
            stored = codes.pending(uow.session, number)
            if stored is None or stored.code_hash is None:
                return False
            if stored.expired(at(self.clock)):
                codes.discard(uow.session, number)
                uow.commit()
                return False
            if not hmac.compare_digest(stored.code_hash, code_hash(phone_e164, clean_code(code))):
                return False
            codes.discard(uow.session, number)  # single use
            uow.commit()
            return True


class SimulatedVerifier(_StoredCodeVerifier):
    """No SMS: the code is logged at INFO (``verification code for 138****5678: 123456``).

    It also keeps the code encrypted, so that :meth:`pending_code` can show the simulated
    SMS on the demo's page, whichever process serves it."""

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Clock = time.time,
        uow_factory: UowFactory | None = None,
    ) -> None:
        super().__init__(ttl_seconds=ttl_seconds, clock=clock, uow_factory=uow_factory)

    def start(self, phone_e164: str, locale: str) -> None:
        code = new_code()
        self._store(phone_e164, code, keep_readable=True)
        log.info("verification code for %s: %s", mask_phone(phone_e164), code)

    def pending_code(self, phone_e164: str) -> str | None:
        """The code waiting for ``phone_e164`` (the simulated SMS), for tests and the demo page."""
        with self.uow_factory() as uow:
            stored = codes.pending(uow.session, phone_hash(phone_e164))
        if stored is None or stored.code_enc is None or stored.expired(at(self.clock)):
            return None
        return crypto.decrypt(stored.code_enc)


class OwnCodeVerifier(_StoredCodeVerifier):
    """Our own code: generated here, sent by ``sender``, kept only as an HMAC (:func:`code_hash`)."""

    def __init__(
        self,
        sender: SmsSender,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Clock = time.time,
        uow_factory: UowFactory | None = None,
    ) -> None:
        super().__init__(ttl_seconds=ttl_seconds, clock=clock, uow_factory=uow_factory)
        self.sender = sender

    def start(self, phone_e164: str, locale: str) -> None:
        code = new_code()
        # Sent first: if the provider fails, no code is pending that nobody received.
        self.sender.send_code(
            phone_e164, code, locale=locale, valid_minutes=max(1, round(self.ttl_seconds / 60))
        )
        self._store(phone_e164, code, keep_readable=False)


# Twilio error codes (https://www.twilio.com/docs/api/errors) that are the person's doing.
_TWILIO_INVALID_NUMBER = {21211, 21614, 60200, 60205, 60410}
_TWILIO_TOO_MANY_REQUESTS = {20429, 60203}
_TWILIO_TOO_MANY_ATTEMPTS = {60202}
_TWILIO_NOT_FOUND = {20404}


def twilio_locale(locale: str) -> str:
    """Verify's locale for ours: Chinese as ``zh-CN`` (also ``zh-HK``), otherwise ``en``."""
    lowered = (locale or "").lower()
    if lowered in ("zh-hk", "zh-tw", "zh-hant"):
        return "zh-HK"
    if lowered.startswith("zh"):
        return "zh-CN"
    return "en"


class TwilioVerifier:
    """Twilio Verify: Twilio makes, sends and checks the code (``VA…`` service).

    Credentials default to the settings ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN`` and
    ``TWILIO_VERIFY_SERVICE_SID``. ``http_client`` (a ``twilio.http.HttpClient``) replaces
    the network in tests. Note that Verify SMS to +86 needs Twilio's use-case vetting.
    """

    def __init__(
        self,
        account_sid: str | None = None,
        auth_token: str | None = None,
        service_sid: str | None = None,
        *,
        http_client: Any = None,
    ) -> None:
        from twilio.rest import Client  # imported here: only this verifier needs the SDK

        self.account_sid = account_sid if account_sid is not None else config.TWILIO_ACCOUNT_SID.get().strip()
        auth_token = auth_token if auth_token is not None else config.TWILIO_AUTH_TOKEN.get().strip()
        self.service_sid = (
            service_sid if service_sid is not None else config.TWILIO_VERIFY_SERVICE_SID.get().strip()
        )
        missing = [
            name
            for name, value in (
                (config.TWILIO_ACCOUNT_SID.name, self.account_sid),
                (config.TWILIO_AUTH_TOKEN.name, auth_token),
                (config.TWILIO_VERIFY_SERVICE_SID.name, self.service_sid),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"Twilio Verify needs the settings {', '.join(missing)}")
        self.client = Client(self.account_sid, auth_token, http_client=http_client)

    def _service(self) -> Any:
        return self.client.verify.v2.services(self.service_sid)

    def start(self, phone_e164: str, locale: str) -> None:
        from twilio.base.exceptions import TwilioRestException

        try:
            self._service().verifications.create(to=phone_e164, channel="sms", locale=twilio_locale(locale))
        except TwilioRestException as exc:
            raise _refusal_for(exc) from exc

    def check(self, phone_e164: str, code: str) -> bool:
        from twilio.base.exceptions import TwilioRestException

        try:
            result = self._service().verification_checks.create(to=phone_e164, code=clean_code(code))
        except TwilioRestException as exc:
            if exc.code in _TWILIO_NOT_FOUND or exc.status == 404:
                # Verify forgets a verification once it expired, was approved or was voided
                raise CodeExpired("Twilio has no pending verification for this number") from exc
            raise _refusal_for(exc) from exc
        return result.status == "approved"


def _refusal_for(exc: Any) -> VerificationRefused:
    code = exc.code
    if code in _TWILIO_INVALID_NUMBER:
        return InvalidNumber(f"Twilio refused the number (error {code})")
    if code in _TWILIO_TOO_MANY_REQUESTS or exc.status == 429:
        return TooManyRequests(f"Twilio rate limit (error {code})")
    if code in _TWILIO_TOO_MANY_ATTEMPTS:
        return TooManyAttempts(f"Twilio: too many checks (error {code})")
    log.warning("Twilio Verify failed: HTTP %s, error %s", exc.status, code)
    return VerificationUnavailable(f"Twilio Verify failed (HTTP {exc.status}, error {code})")


# ---------------------------------------------------------------- settings and factory


def make_verifier(name: str | None = None, *, sms_sender: SmsSender | None = None) -> Verifier:
    """The verifier named by ``APPRAISAL_VERIFIER`` (``simulator``, ``own`` or ``twilio``).

    ``own`` sends through ``sms_sender``, by default :class:`LoggingSmsSender`; pass a
    provider's sender to deliver real SMS.
    """
    choice = (name if name is not None else config.VERIFIER.get()).strip().lower() or "simulator"
    if choice == "simulator":
        return SimulatedVerifier()
    if choice == "own":
        return OwnCodeVerifier(sms_sender or LoggingSmsSender())
    if choice == "twilio":
        return TwilioVerifier()
    raise ValueError(f"{config.VERIFIER.name} must be one of {', '.join(VERIFIERS)}, not {choice!r}")


# ---------------------------------------------------------------- rate limiting


class RateLimiter:
    """At most ``limit`` events per key in any ``window_seconds`` (a sliding window), counted
    in the database by the platform's throttle (db/throttle.py): every process sees the same
    counts. ``clock`` (seconds since the epoch) is injectable for tests."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        scope: str = "rate",
        clock: Clock = time.time,
        uow_factory: UowFactory | None = None,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("a rate limit needs limit >= 1 and a positive window")
        self.rule = throttle.Rule(scope, limit, timedelta(seconds=window_seconds))
        self.clock = clock
        self.uow_factory = uow_factory or database_uow

    @property
    def limit(self) -> int:
        return self.rule.limit

    def take(self, key: str) -> throttle.Verdict:
        """Count one event for ``key`` if the limit allows it; the verdict says whether it did
        and, if not, how many seconds until it would."""
        with self.uow_factory() as uow:
            verdict = throttle.hit(uow.session, self.rule, key, at(self.clock))
            uow.commit()
        return verdict

    def hit(self, key: str) -> bool:
        """Count one event for ``key`` if the limit allows it; False (and nothing counted) if not."""
        return self.take(key).allowed

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may have another event (0 when it may now)."""
        with self.uow_factory() as uow:
            return throttle.verdict(uow.session, self.rule, key, at(self.clock)).retry_after


# ---------------------------------------------------------------- the facade


class PhoneVerification:
    """The survey's rules around a :class:`Verifier`.

    ``start(number, network)`` sends a code, ``check(number, code)`` returns the number's
    keyed hash on success. Both raise :class:`VerificationRefused` subclasses. ``network``
    is the client's IP address (or any network identifier); only its keyed hash is kept.
    Numbers are kept only as keyed hashes too. Everything is kept in the database
    (``uow_factory``, by default the configured one), none of it in this object.
    """

    def __init__(
        self,
        verifier: Verifier | None = None,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        phone_limiter: RateLimiter | None = None,
        network_limiter: RateLimiter | None = None,
        clock: Clock = time.time,
        uow_factory: UowFactory | None = None,
    ) -> None:
        self.verifier = verifier if verifier is not None else make_verifier()
        self.ttl_seconds = ttl_seconds
        self.max_attempts = max_attempts
        self.clock = clock
        self.uow_factory = uow_factory or database_uow
        self.phone_limiter = phone_limiter or RateLimiter(
            DEFAULT_PHONE_STARTS_PER_HOUR, HOUR, scope=PHONE_SCOPE, clock=clock, uow_factory=uow_factory
        )
        self.network_limiter = network_limiter or RateLimiter(
            DEFAULT_NETWORK_STARTS_PER_HOUR, HOUR, scope=NETWORK_SCOPE, clock=clock, uow_factory=uow_factory
        )

    @staticmethod
    def normalize(number: str) -> str:
        try:
            return normalize_cn_mobile(number)
        except InvalidPhoneError as exc:
            raise InvalidNumber(str(exc)) from None

    def start(self, number: str, network: str | None = None, locale: str = "zh-CN") -> None:
        """Send a code to ``number``; a new code replaces any earlier one."""
        phone = self.normalize(number)
        key = phone_hash(phone)
        now = at(self.clock)
        # Opportunistic clean-up, in a short transaction of its own (see db/throttle.py).
        throttle.sweep(self.uow_factory(), now, ThrottleEvent, VerificationCode)
        if network:
            verdict = self.network_limiter.take(keyed_hash(network.strip(), purpose="network"))
            if not verdict.allowed:
                raise TooManyRequests("too many codes requested from this network", verdict.retry_after)
        verdict = self.phone_limiter.take(key)
        if not verdict.allowed:
            raise TooManyRequests("too many codes requested for this number", verdict.retry_after)
        self.verifier.start(phone, locale)
        with self.uow_factory() as uow:
            # The verifier may have stored its code in the same row: keep it.
            codes.put(uow.session, key, at(self.clock) + timedelta(seconds=self.ttl_seconds), keep_code=True)
            uow.commit()

    def check(self, number: str, code: str) -> str:
        """The keyed hash of ``number`` if ``code`` is its current code; refusals raise."""
        phone = self.normalize(number)
        key = phone_hash(phone)
        with self.uow_factory() as uow:
            pending = codes.pending(uow.session, key)
            if pending is None:
                raise CodeExpired("no code is pending for this number")
            if pending.expired(at(self.clock)):
                codes.discard(uow.session, key)
                uow.commit()
                raise CodeExpired("the code has expired")
            if pending.attempts >= self.max_attempts:
                codes.discard(uow.session, key)
                uow.commit()
                raise TooManyAttempts("too many wrong codes")
            # The try is counted (and committed) before the possibly slow provider call, so
            # concurrent checks, in this process or another, cannot exceed the limit.
            codes.count_try(uow.session, key)
            uow.commit()
        attempts_left = self.max_attempts - (pending.attempts + 1)
        cleaned = clean_code(code)
        ok = len(cleaned) == CODE_DIGITS and cleaned.isdigit() and self.verifier.check(phone, cleaned)
        if ok or attempts_left <= 0:
            with self.uow_factory() as uow:
                codes.discard(uow.session, key)
                uow.commit()
        if ok:
            return key
        if attempts_left <= 0:
            raise TooManyAttempts("too many wrong codes")
        raise CodeWrong("the code is wrong", attempts_left=attempts_left)
