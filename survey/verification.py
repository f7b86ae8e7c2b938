"""A verified mobile number as a way into the citizen survey (手机号验证码).

A person types a mainland China mobile number, receives a one-time 6-digit code and types
it back; the survey then knows the number's keyed hash (:func:`db.crypto.phone_hash`) for
one-answer-per-person de-duplication, and never the number itself.

Three interchangeable :class:`Verifier` implementations deliver and check the code:

* :class:`SimulatedVerifier` (the default, ``APPRAISAL_VERIFIER=simulator``): no SMS at all,
  the code is written to the server log with the number masked (``138****5678``);
* :class:`OwnCodeVerifier` (``own``): a code of our own, kept only as an HMAC with an expiry
  and an attempt counter, delivered by any :class:`SmsSender` (a domestic provider such as
  Aliyun or Tencent SMS in mainland China, where Twilio Verify needs use-case vetting);
* :class:`TwilioVerifier` (``twilio``): Twilio Verify, which generates, sends and checks the
  code itself.

:class:`PhoneVerification` puts them behind the platform's rules: a number must be a
mainland mobile number, starts are rate-limited per number and per network (IP address),
a code expires after 10 minutes and allows 5 tries. Every refusal is a
:class:`VerificationRefused` whose ``key`` (``invalid_number``, ``too_many_requests``,
``code_expired``, ``code_wrong``, ``too_many_attempts``, ``verification_unavailable``) the
page translates through the message catalogue.

All state (codes, counters) lives in the memory of one process: run the survey in one
process or behind a sticky load balancer, as Streamlit needs anyway.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import logging
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import config
from db.crypto import InvalidPhoneError, keyed_hash, mask_phone, normalize_cn_mobile, phone_hash

log = logging.getLogger(__name__)

Clock = Callable[[], float]

CODE_DIGITS = 6
DEFAULT_TTL_SECONDS = 10 * 60
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_PHONE_STARTS_PER_HOUR = 5
DEFAULT_NETWORK_STARTS_PER_HOUR = 20
HOUR = 60 * 60
VERIFIERS = ("simulator", "own", "twilio")


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


class SimulatedVerifier:
    """No SMS: the code is logged at INFO (``verification code for 138****5678: 123456``)."""

    def __init__(self, *, ttl_seconds: float = DEFAULT_TTL_SECONDS, clock: Clock = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._codes: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def start(self, phone_e164: str, locale: str) -> None:
        code = new_code()
        with self._lock:
            self._codes[phone_e164] = (code, self.clock() + self.ttl_seconds)
        log.info("verification code for %s: %s", mask_phone(phone_e164), code)

    def pending_code(self, phone_e164: str) -> str | None:
        """The code waiting for ``phone_e164`` (the simulated SMS), for tests and the demo page."""
        with self._lock:
            entry = self._codes.get(phone_e164)
            return entry[0] if entry is not None and self.clock() < entry[1] else None

    def check(self, phone_e164: str, code: str) -> bool:
        with self._lock:
            entry = self._codes.get(phone_e164)
            if entry is None:
                return False
            expected, expires = entry
            if self.clock() >= expires:
                del self._codes[phone_e164]
                return False
            if hmac.compare_digest(expected.encode(), clean_code(code).encode()):
                del self._codes[phone_e164]
                return True
            return False


@dataclass(slots=True)
class _StoredCode:
    digest: bytes
    expires: float
    attempts: int = 0


class OwnCodeVerifier:
    """Our own code: generated here, sent by ``sender``, kept only as an HMAC.

    The HMAC key is random per process (codes live ten minutes in memory, nothing is
    persisted), and each code is bound to its number, so a memory dump reveals no code and a
    code sent to one number is useless for another. After ``max_attempts`` wrong tries the
    code is void.
    """

    def __init__(
        self,
        sender: SmsSender,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        clock: Clock = time.monotonic,
    ) -> None:
        self.sender = sender
        self.ttl_seconds = ttl_seconds
        self.max_attempts = max_attempts
        self.clock = clock
        self._key = secrets.token_bytes(32)
        self._codes: dict[str, _StoredCode] = {}
        self._lock = threading.Lock()

    def _digest(self, phone_e164: str, code: str) -> bytes:
        return hmac.new(self._key, f"{phone_e164}\x00{code}".encode(), hashlib.sha256).digest()

    def start(self, phone_e164: str, locale: str) -> None:
        code = new_code()
        stored = _StoredCode(self._digest(phone_e164, code), self.clock() + self.ttl_seconds)
        # Sent first: if the provider fails, no code is pending that nobody received.
        self.sender.send_code(
            phone_e164, code, locale=locale, valid_minutes=max(1, round(self.ttl_seconds / 60))
        )
        with self._lock:
            self._purge_expired()
            self._codes[phone_e164] = stored

    def check(self, phone_e164: str, code: str) -> bool:
        digest = self._digest(phone_e164, clean_code(code))
        with self._lock:
            stored = self._codes.get(phone_e164)
            if stored is None:
                return False
            if self.clock() >= stored.expires or stored.attempts >= self.max_attempts:
                del self._codes[phone_e164]
                return False
            stored.attempts += 1
            if hmac.compare_digest(stored.digest, digest):
                del self._codes[phone_e164]
                return True
            return False

    def _purge_expired(self) -> None:
        now = self.clock()
        for phone in [p for p, s in self._codes.items() if now >= s.expires]:
            del self._codes[phone]


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
    """At most ``limit`` events per key in any ``window_seconds`` (a sliding window log).

    Thread-safe; ``clock`` (monotonic seconds) is injectable for tests.
    """

    def __init__(self, limit: int, window_seconds: float, *, clock: Clock = time.monotonic) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("a rate limit needs limit >= 1 and a positive window")
        self.limit = limit
        self.window_seconds = window_seconds
        self.clock = clock
        self._events: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def _window(self, key: str, now: float) -> collections.deque[float]:
        events = self._events.setdefault(key, collections.deque())
        cutoff = now - self.window_seconds
        while events and events[0] <= cutoff:
            events.popleft()
        return events

    def hit(self, key: str) -> bool:
        """Count one event for ``key`` if the limit allows it; False (and nothing counted) if not."""
        with self._lock:
            now = self.clock()
            self._calls += 1
            if self._calls % 1024 == 0:
                self._forget_idle(now)
            events = self._window(key, now)
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may have another event (0 when it may now)."""
        with self._lock:
            now = self.clock()
            events = self._window(key, now)
            if len(events) < self.limit:
                return 0.0
            return max(0.0, events[0] + self.window_seconds - now)

    def _forget_idle(self, now: float) -> None:
        cutoff = now - self.window_seconds
        for key in [k for k, ev in self._events.items() if not ev or ev[-1] <= cutoff]:
            del self._events[key]


# ---------------------------------------------------------------- the facade


@dataclass(slots=True)
class _Pending:
    expires: float
    attempts: int = 0


class PhoneVerification:
    """The survey's rules around a :class:`Verifier`.

    ``start(number, network)`` sends a code, ``check(number, code)`` returns the number's
    keyed hash on success. Both raise :class:`VerificationRefused` subclasses. ``network``
    is the client's IP address (or any network identifier); only its keyed hash is kept.
    Numbers are kept in memory only as keyed hashes too.
    """

    def __init__(
        self,
        verifier: Verifier | None = None,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        phone_limiter: RateLimiter | None = None,
        network_limiter: RateLimiter | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.verifier = verifier if verifier is not None else make_verifier()
        self.ttl_seconds = ttl_seconds
        self.max_attempts = max_attempts
        self.clock = clock
        self.phone_limiter = phone_limiter or RateLimiter(DEFAULT_PHONE_STARTS_PER_HOUR, HOUR, clock=clock)
        self.network_limiter = network_limiter or RateLimiter(
            DEFAULT_NETWORK_STARTS_PER_HOUR, HOUR, clock=clock
        )
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()

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
        if network:
            network_key = keyed_hash(network.strip(), purpose="network")
            if not self.network_limiter.hit(network_key):
                raise TooManyRequests(
                    "too many codes requested from this network",
                    retry_after=self.network_limiter.retry_after(network_key),
                )
        if not self.phone_limiter.hit(key):
            raise TooManyRequests(
                "too many codes requested for this number", retry_after=self.phone_limiter.retry_after(key)
            )
        self.verifier.start(phone, locale)
        with self._lock:
            now = self.clock()
            for stale in [k for k, p in self._pending.items() if now >= p.expires]:
                del self._pending[stale]
            self._pending[key] = _Pending(expires=now + self.ttl_seconds)

    def check(self, number: str, code: str) -> str:
        """The keyed hash of ``number`` if ``code`` is its current code; refusals raise."""
        phone = self.normalize(number)
        key = phone_hash(phone)
        with self._lock:
            pending = self._pending.get(key)
            if pending is None:
                raise CodeExpired("no code is pending for this number")
            if self.clock() >= pending.expires:
                del self._pending[key]
                raise CodeExpired("the code has expired")
            if pending.attempts >= self.max_attempts:
                del self._pending[key]
                raise TooManyAttempts("too many wrong codes")
            # The try is counted before the (possibly slow) provider call, so concurrent
            # checks cannot exceed the limit.
            pending.attempts += 1
            attempts_left = self.max_attempts - pending.attempts
        cleaned = clean_code(code)
        ok = len(cleaned) == CODE_DIGITS and cleaned.isdigit() and self.verifier.check(phone, cleaned)
        with self._lock:
            if ok:
                self._pending.pop(key, None)
                return key
            if attempts_left <= 0:
                self._pending.pop(key, None)
                raise TooManyAttempts("too many wrong codes")
        raise CodeWrong("the code is wrong", attempts_left=attempts_left)
