"""Staff accounts, passwords and login sessions (账号与登录).

Passwords are kept only as Argon2id hashes (argon2-cffi). A login hands the browser a
random token; the database keeps only the token's SHA-256, so a copy of the database
cannot be used to sign in. A session ends at logout, after ``idle_minutes`` without a
request (checked here, on the server, at every request) or after
``MAX_SESSION_HOURS`` whatever happens.

Guessing is throttled per account and per network address (db/throttle.py, in the
database, so every app process counts the same tries): after ``APPRAISAL_LOGIN_BACKOFF_AFTER``
failures each try must wait longer, after ``APPRAISAL_LOGIN_LOCKOUT_AFTER`` the account is
locked for ``APPRAISAL_LOGIN_LOCKOUT_MINUTES`` (an admin can unlock it earlier), and a network
address with ``APPRAISAL_LOGIN_NETWORK_LOCKOUT_AFTER`` failures is locked the same way. A
refused try never reaches the password check, so even the right password waits. Failed and
refused sign-ins are audited with the username tried, never the password.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

import config
from db import audit, crypto, throttle
from db.models import Caller, LoginSession, Role, User
from db.uow import UnitOfWork
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

MAX_SESSION_HOURS: Final = 12
# last_seen_at is written at most this often, so a busy page does not write on every rerun.
TOUCH_INTERVAL: Final = timedelta(seconds=60)
USERNAME_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")

# The operator at the command line (python -m db create-user): whoever can run it can
# already write the database, so it acts with an admin's rights, audited as "cli".
CLI_OPERATOR: Final = CurrentUser(id=0, username="cli", role=Role.admin, display_name="command line")

# Throttle scopes of sign-in (db/throttle.py): failures per username tried and per network address.
ACCOUNT_SCOPE: Final = "login.account"
NETWORK_SCOPE: Final = "login.network"
# How much of a tried username or address the audit trail keeps (the form takes anything).
AUDIT_TEXT_LIMIT: Final = 100

_hasher = PasswordHasher()
_log = logging.getLogger(__name__)


class LoginThrottled(Refused):
    """Too many failed sign-ins for this account or from this network: the try was not
    checked. ``retry_after``: seconds to wait; ``locked_until``: the end of a lockout."""

    def __init__(self, retry_after: float, locked_until: datetime | None = None) -> None:
        super().__init__(f"too many failed sign-ins; try again in {math.ceil(retry_after)} s")
        self.retry_after = retry_after
        self.locked_until = locked_until


def password_hasher() -> PasswordHasher:
    """The hasher new passwords get; a stored hash with other parameters is upgraded at login."""
    return _hasher


@cache
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so that a wrong username costs as
    # much time as a wrong password and response times do not reveal which accounts exist.
    return password_hasher().hash(secrets.token_urlsafe(16))


def token_hash(token: str) -> str:
    """What the database stores of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def idle_minutes_setting() -> int:
    """Idle timeout from ``APPRAISAL_SESSION_IDLE_MINUTES`` (default 30)."""
    return int(config.SESSION_IDLE_MINUTES.get())


def _positive_setting(setting: config.Setting) -> int:
    # A value that is not a positive number falls back to the default rather than lifting the limit.
    try:
        value = int(setting.get().strip())
    except ValueError:
        value = 0
    return value if value > 0 else int(setting.default)


def login_rules() -> tuple[throttle.Rule, throttle.Rule]:
    """The sign-in throttle per account and per network, from the settings (read at each call)."""
    window = timedelta(minutes=_positive_setting(config.LOGIN_LOCKOUT_MINUTES))
    account = throttle.Rule(
        ACCOUNT_SCOPE,
        limit=_positive_setting(config.LOGIN_LOCKOUT_AFTER),
        window=window,
        lockout=window,
        backoff_after=_positive_setting(config.LOGIN_BACKOFF_AFTER),
    )
    network = throttle.Rule(
        NETWORK_SCOPE,
        limit=_positive_setting(config.LOGIN_NETWORK_LOCKOUT_AFTER),
        window=window,
        lockout=window,
    )
    return account, network


def _as_current(user: User) -> CurrentUser:
    return CurrentUser(
        id=user.id,
        username=user.username,
        role=Role(user.role),
        unit_id=user.unit_id,
        display_name=user.display_name,
    )


def create_user(
    uow: UnitOfWork,
    user: CurrentUser | None,
    username: str,
    password: str,
    role: Role | str,
    *,
    unit_code: str | None = None,
    display_name: str = "",
    phone: str | None = None,
    public_demo: bool = False,
) -> CurrentUser:
    """Create an account with the given password (admins only; the command line's
    ``create-user``, the demo loader): :func:`services.accounts.create_account`, which holds
    the rules. The password must pass the password rules (services/passwords.py);
    ``public_demo`` is for the demo loader only, whose accounts share the public demo password.

    A liaison belongs to exactly one unit; no one else has one. A caller account also gets
    its interviewer record (``Caller``, code = username, or the existing unlinked record of
    that code), which links its cases to it; ``phone`` is the caller's own phone that
    click-to-call rings first (stored encrypted)."""
    from services import accounts  # it builds on this module

    return accounts.create_account(
        uow,
        user,
        username,
        role,
        password=password,
        unit_code=unit_code,
        display_name=display_name,
        phone=phone,
        public_demo=public_demo,
    ).user


def caller_phone(text: str) -> str:
    """A caller's phone as E.164: a mainland mobile (138 0013 8000 → +8613800138000) or any
    number already written with its country code (+44 20 7946 0000 → +442079460000)."""
    cleaned = re.sub(r"[\s\-()]", "", text or "")
    if re.fullmatch(r"\+[1-9]\d{6,14}", cleaned):
        return cleaned
    try:
        return crypto.normalize_cn_mobile(cleaned)
    except crypto.InvalidPhoneError:
        raise Refused(
            f"{crypto.mask_phone(text)} is not a phone number: give a mainland mobile number or +country code"
        ) from None


def set_caller_phone(uow: UnitOfWork, user: CurrentUser | None, phone: str) -> str:
    """A caller sets the phone that click-to-call rings first; returns it masked."""
    actor = require(user, Permission.record_calls)
    phone_e164 = caller_phone(phone)
    with uow:
        uow.actor = actor.username
        caller = uow.session.execute(select(Caller).where(Caller.user_id == actor.id)).scalar()
        if caller is None:
            raise NotFound(f"{actor.username} has no interviewer record; ask an administrator")
        had = caller.phone_enc is not None
        caller.phone_enc = crypto.encrypt(phone_e164)
        # the number itself never enters the audit trail
        audit.record(uow, "caller.phone", "caller", caller.code, {"phone_set": had}, {"phone_set": True})
        uow.commit()
    return crypto.mask_phone(phone_e164)


def set_user_active(
    uow: UnitOfWork, user: CurrentUser | None, username: str, active: bool, *, clock: Clock = utcnow
) -> None:
    """Disable or re-enable an account (admins only); disabling ends its open sessions
    (:func:`services.accounts.disable_account` / ``enable_account``)."""
    from services import accounts  # it builds on this module

    if active:
        accounts.enable_account(uow, user, username)
    else:
        accounts.disable_account(uow, user, username, clock=clock)


def authenticate(uow: UnitOfWork, username: str, password: str) -> CurrentUser | None:
    """The active account with this username and password, or None.

    An unknown username is verified against a dummy hash (constant-time-ish); a hash made
    with older Argon2 parameters is upgraded in place (audited).
    """
    hasher = password_hasher()
    # Read, then verify outside the transaction: on SQLite every transaction holds the
    # write lock, and Argon2 takes tens of milliseconds on purpose.
    with uow:
        account = uow.session.execute(select(User).where(User.username == username)).scalar()
        if account is not None:
            uow.session.expunge(account)
    if account is None or not account.active:
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(), password)
        return None
    try:
        hasher.verify(account.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(account.password_hash):
        new_hash = hasher.hash(password)
        with uow:
            uow.actor = account.username
            stored = uow.session.get(User, account.id)
            # Unless the password was changed meanwhile.
            if stored is not None and stored.password_hash == account.password_hash:
                stored.password_hash = new_hash
                audit.record(uow, "user.rehash_password", "app_user", account.id, None, None)
                uow.commit()
    return _as_current(account)


def login(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    network: str | None = None,
    clock: Clock = utcnow,
) -> tuple[str, CurrentUser] | None:
    """Check the password and open a session; returns the token (for the cookie) and the user,
    or None for a wrong username or password (audited, and counted against the account and
    the ``network`` address). Raises :class:`LoginThrottled`, without checking the password,
    while the account or the network must wait or is locked."""
    now = as_utc(clock())
    account_rule, network_rule = login_rules()
    tried = {"username": username[:AUDIT_TEXT_LIMIT], "network": (network or "")[:AUDIT_TEXT_LIMIT] or None}
    throttle.sweep(uow, now)  # opportunistic clean-up, in a transaction of its own
    with uow:
        session = uow.session
        # Account before network, always: two sign-ins never wait on each other's keys.
        verdicts = [throttle.verdict(session, account_rule, username, now)]
        if network:
            verdicts.append(throttle.verdict(session, network_rule, network, now))
        refused = [v for v in verdicts if not v.allowed]
        if refused:
            retry_after = max(v.retry_after for v in refused)
            locked_until = max((v.locked_until for v in refused if v.locked_until), default=None)
            audit.record(
                uow,
                "session.login_throttled",
                "login",
                username[:64],
                None,
                {**tried, "retry_after_seconds": math.ceil(retry_after), "locked_until": locked_until},
                at=now,
            )
            uow.commit()
            _log.warning("sign-in throttled for %r from %s", username[:64], network)
            raise LoginThrottled(retry_after, locked_until)
        # Counted before the (slow) password check, so parallel guesses cannot slip under the
        # limit; a success takes the count back.
        failures = verdicts[0].count + 1
        throttle.add(session, account_rule, username, now)
        network_event = throttle.add(session, network_rule, network, now) if network else None
        uow.commit()
    user = authenticate(uow, username, password)
    if user is None:
        with uow:
            ends = [throttle.lock_if_reached(uow.session, account_rule, username, now)]
            if network:
                ends.append(throttle.lock_if_reached(uow.session, network_rule, network, now))
            locked = max((end for end in ends if end), default=None)
            audit.record(
                uow,
                "session.login_failed",
                "login",
                username[:64],
                None,
                {**tried, "failures": failures, "locked_until": locked},
                at=now,
            )
            uow.commit()
        return None
    token = secrets.token_urlsafe(32)
    with uow:
        uow.actor = user.username
        throttle.clear(uow.session, ACCOUNT_SCOPE, username)
        if network_event is not None:
            throttle.forget(uow.session, network_event)
        entry = LoginSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now)
        uow.session.add(entry)
        uow.session.flush()
        audit.record(uow, "session.login", "login_session", entry.id, None, {"user": user.username}, at=now)
        uow.commit()
    return token, user


@dataclass(frozen=True, slots=True)
class LiveSession:
    """The user of a live session and whether they must first replace a one-time password
    (read from the same row, so a page run asks the database once, not twice)."""

    user: CurrentUser
    must_change_password: bool


def current_session(
    uow: UnitOfWork, token: str | None, *, idle_minutes: int | None = None, clock: Clock = utcnow
) -> LiveSession | None:
    """The live session of ``token``, or None; a session idle too long is ended here."""
    if not token:
        return None
    idle = timedelta(minutes=idle_minutes if idle_minutes is not None else idle_minutes_setting())
    now = as_utc(clock())
    with uow:
        row = uow.session.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash == token_hash(token))
        ).first()
        if row is None:
            return None
        login_session, account = row
        if login_session.ended_at is not None:
            return None
        last_seen = as_utc(login_session.last_seen_at)
        expired = now - last_seen >= idle or now - as_utc(login_session.created_at) >= timedelta(
            hours=MAX_SESSION_HOURS
        )
        if expired or not account.active:
            login_session.ended_at = now
            uow.commit()
            return None
        if now - last_seen >= TOUCH_INTERVAL:
            login_session.last_seen_at = now
            uow.commit()
        return LiveSession(_as_current(account), bool(account.must_change_password))


def current_user(
    uow: UnitOfWork, token: str | None, *, idle_minutes: int | None = None, clock: Clock = utcnow
) -> CurrentUser | None:
    """The user of a live session, or None; a session idle too long is ended here."""
    live = current_session(uow, token, idle_minutes=idle_minutes, clock=clock)
    return None if live is None else live.user


def logout(uow: UnitOfWork, token: str | None, *, clock: Clock = utcnow) -> bool:
    """End the session of ``token``; False when there was no live session."""
    if not token:
        return False
    with uow:
        row = uow.session.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash == token_hash(token), LoginSession.ended_at.is_(None))
        ).first()
        if row is None:
            return False
        login_session, account = row
        now = as_utc(clock())
        login_session.ended_at = now
        uow.actor = account.username
        audit.record(uow, "session.logout", "login_session", login_session.id, None, None, at=now)
        uow.commit()
        return True


# ---------------------------------------------------------------- locked sign-ins (解锁)


@dataclass(frozen=True, slots=True)
class LockedSignIn:
    """An account (``kind`` "account", ``key`` the username) or a network address (``kind``
    "network") locked after failed sign-ins, until ``until`` (UTC)."""

    kind: str
    key: str
    until: datetime
    failures: int
    display_name: str = ""


def locked_sign_ins(
    uow: UnitOfWork, user: CurrentUser | None, *, clock: Clock = utcnow
) -> list[LockedSignIn]:
    """Accounts, then network addresses, locked now (admins only); usernames tried that
    belong to no account are left out (there is nothing to unlock)."""
    require(user, Permission.manage_users)
    account_rule, network_rule = login_rules()
    now = as_utc(clock())
    with uow:
        session = uow.session
        accounts = throttle.locks(session, account_rule, now)
        names = dict(
            session.execute(
                select(User.username, User.display_name).where(
                    User.username.in_([lock.key for lock in accounts])
                )
            ).all()
        )
        networks = throttle.locks(session, network_rule, now)
    return [
        *(
            LockedSignIn("account", lock.key, lock.until, lock.failures, names[lock.key])
            for lock in accounts
            if lock.key in names
        ),
        *(LockedSignIn("network", lock.key, lock.until, lock.failures) for lock in networks),
    ]


def unlock_user(uow: UnitOfWork, user: CurrentUser | None, username: str, *, clock: Clock = utcnow) -> bool:
    """Lift the lockout of an account and forget its failed sign-ins (admins only, audited);
    False when there was nothing to forget."""
    actor = require(user, Permission.manage_users)
    account_rule, _network_rule = login_rules()
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        account = uow.session.execute(select(User).where(User.username == username)).scalar()
        if account is None:
            raise NotFound(f"no account is called {username!r}")
        before = throttle.verdict(uow.session, account_rule, username, now)
        if not throttle.clear(uow.session, ACCOUNT_SCOPE, username):
            return False
        audit.record(
            uow,
            "user.unlock",
            "app_user",
            account.id,
            {"locked_until": before.locked_until, "failures": before.count},
            {"locked_until": None, "failures": 0},
            at=now,
        )
        uow.commit()
        return True


def unlock_network(uow: UnitOfWork, user: CurrentUser | None, network: str, *, clock: Clock = utcnow) -> bool:
    """Lift the lockout of a network address (admins only, audited); False when it had none."""
    actor = require(user, Permission.manage_users)
    _account_rule, network_rule = login_rules()
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        before = throttle.verdict(uow.session, network_rule, network, now)
        if not throttle.clear(uow.session, NETWORK_SCOPE, network):
            return False
        audit.record(
            uow,
            "login.unlock_network",
            "login_network",
            network[:64],
            {"locked_until": before.locked_until, "failures": before.count},
            {"locked_until": None, "failures": 0},
            at=now,
        )
        uow.commit()
        return True
