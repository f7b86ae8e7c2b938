"""Staff accounts, passwords and login sessions (账号与登录).

Passwords are kept only as Argon2id hashes (argon2-cffi). A login hands the browser a
random token; the database keeps only the token's SHA-256, so a copy of the database
cannot be used to sign in. A session ends at logout, after ``idle_minutes`` without a
request (checked here, on the server, at every request) or after
``MAX_SESSION_HOURS`` whatever happens.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from datetime import timedelta
from functools import cache
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

import config
from db import audit, crypto
from db.models import Caller, LoginSession, Role, Unit, User
from db.uow import UnitOfWork
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

MIN_PASSWORD_LENGTH: Final = 10
MAX_SESSION_HOURS: Final = 12
# last_seen_at is written at most this often, so a busy page does not write on every rerun.
TOUCH_INTERVAL: Final = timedelta(seconds=60)
USERNAME_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")

# The operator at the command line (python -m db create-user): whoever can run it can
# already write the database, so it acts with an admin's rights, audited as "cli".
CLI_OPERATOR: Final = CurrentUser(id=0, username="cli", role=Role.admin, display_name="command line")

_hasher = PasswordHasher()


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


def _as_current(user: User) -> CurrentUser:
    return CurrentUser(
        id=user.id,
        username=user.username,
        role=Role(user.role),
        unit_id=user.unit_id,
        display_name=user.display_name,
    )


def _user_snapshot(user: User, unit_code: str | None) -> dict[str, object]:
    # Never the password hash: the audit trail is read by people who must not get it.
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": Role(user.role).value,
        "unit": unit_code,
        "active": user.active,
    }


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
) -> CurrentUser:
    """Create an account (admins only). A liaison belongs to exactly one unit; no one else has one.

    A caller account also gets its interviewer record (``Caller``, code = username, or the
    existing unlinked record of that code), which links its cases to it; ``phone`` is the
    caller's own phone that click-to-call rings first (stored encrypted)."""
    actor = require(user, Permission.manage_users)
    if phone and str(role) != Role.caller.value:
        raise Refused("only caller accounts have a phone for click-to-call")
    phone_e164 = caller_phone(phone) if phone else None
    try:
        role = Role(role)
    except ValueError:
        raise Refused(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}") from None
    if not USERNAME_PATTERN.fullmatch(username):
        raise Refused(
            f"username {username!r} must be 1-64 letters, digits or . _ @ - and start with a letter or digit"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refused(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if role == Role.liaison and not unit_code:
        raise Refused("a liaison account needs the code of its unit (--unit)")
    if role != Role.liaison and unit_code:
        raise Refused(f"only liaison accounts belong to a unit, not {role.value} accounts")
    with uow:
        uow.actor = actor.username
        session = uow.session
        if session.execute(select(User.id).where(User.username == username)).first():
            raise Refused(f"username {username!r} is taken")
        unit_id = None
        if unit_code:
            unit_id = session.execute(select(Unit.id).where(Unit.code == unit_code)).scalar()
            if unit_id is None:
                raise NotFound(f"no unit has the code {unit_code!r}")
        account = User(
            username=username,
            display_name=display_name,
            password_hash=password_hasher().hash(password),
            role=role,
            unit_id=unit_id,
            active=True,
        )
        session.add(account)
        session.flush()
        if role == Role.caller:
            caller = session.execute(select(Caller).where(Caller.code == username)).scalar()
            if caller is None:
                caller = Caller(code=username, name=display_name)
                session.add(caller)
            elif caller.user_id is not None:
                raise Refused(f"interviewer code {username!r} belongs to another account")
            caller.user_id = account.id
            if phone_e164:
                caller.phone_enc = crypto.encrypt(phone_e164)
        audit.record(uow, "user.create", "app_user", account.id, None, _user_snapshot(account, unit_code))
        uow.commit()
        return _as_current(account)


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
    """Disable or re-enable an account (admins only); disabling ends its open sessions."""
    actor = require(user, Permission.manage_users)
    with uow:
        uow.actor = actor.username
        account = uow.session.execute(select(User).where(User.username == username)).scalar()
        if account is None:
            raise NotFound(f"no account is called {username!r}")
        if account.id == actor.id and not active:
            raise Refused("you cannot disable your own account")
        before = account.active
        account.active = active
        if not active:
            now = as_utc(clock())
            for login in uow.session.execute(
                select(LoginSession).where(
                    LoginSession.user_id == account.id, LoginSession.ended_at.is_(None)
                )
            ).scalars():
                login.ended_at = now
        audit.record(uow, "user.set_active", "app_user", account.id, {"active": before}, {"active": active})
        uow.commit()


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
    uow: UnitOfWork, username: str, password: str, *, clock: Clock = utcnow
) -> tuple[str, CurrentUser] | None:
    """Check the password and open a session; returns the token (for the cookie) and the user."""
    user = authenticate(uow, username, password)
    if user is None:
        return None
    token = secrets.token_urlsafe(32)
    now = as_utc(clock())
    with uow:
        uow.actor = user.username
        entry = LoginSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now)
        uow.session.add(entry)
        uow.session.flush()
        audit.record(uow, "session.login", "login_session", entry.id, None, {"user": user.username}, at=now)
        uow.commit()
    return token, user


def current_user(
    uow: UnitOfWork, token: str | None, *, idle_minutes: int | None = None, clock: Clock = utcnow
) -> CurrentUser | None:
    """The user of a live session, or None; a session idle too long is ended here."""
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
        return _as_current(account)


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
