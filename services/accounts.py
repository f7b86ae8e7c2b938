"""Account management (账号管理): creating, editing, disabling and re-enabling staff accounts,
one-time passwords from an administrator (重置密码) and changing one's own password (修改密码).

Accounts are never deleted (their audit trail, cases and appeals keep pointing at them):
``active`` ⇄ disabled. A liaison (联络员) belongs to one unit; a caller (调查员) is linked to
one interviewer record (``Caller``, whose ``code`` is the ``caller_id`` of bundles) and the
contractor (第三方调查公司) it works for. Who may: administrators (``manage_users``), except
:func:`change_password`, which is each signed-in person's own.

An administrator never learns a lasting password: a new account created here and a reset
get a random one-time password (一次性密码), shown once, and the account must choose its own
at its next sign-in (``User.must_change_password``; the navigation offers nothing else).
Every change is audited with before and after values in the same transaction; no password
or hash ever enters the audit trail.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Final

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import audit, crypto, throttle
from db.models import Caller, LoginSession, Role, Unit, User
from db.uow import UnitOfWork
from scoring.textrules import FORMULA_MESSAGE, formula_like
from services import auth, passwords
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

# A one-time password: four groups of four from letters and digits that are not mistaken
# for one another when read aloud or copied from a screen (no 0/O, 1/l/I): about 79 bits.
OTP_ALPHABET: Final = "abcdefghjkmnpqrstuvwxyz23456789"
OTP_GROUPS: Final = 4
OTP_GROUP_LENGTH: Final = 4

DISPLAY_NAME_WIDTH: Final = User.__table__.c.display_name.type.length
CALLER_CODE_WIDTH: Final = Caller.__table__.c.code.type.length
CONTRACTOR_WIDTH: Final = Caller.__table__.c.contractor.type.length


class WrongPassword(Refused):
    """The current password given to change it is not the account's password."""

    def __init__(self) -> None:
        super().__init__("the current password is wrong")


@dataclass(frozen=True, slots=True)
class Account:
    """One staff account as the account list shows it (no password, no phone)."""

    username: str
    display_name: str
    role: Role
    active: bool
    must_change_password: bool
    unit_code: str | None = None
    unit_name: str | None = None
    caller_code: str | None = None
    contractor: str = ""
    last_sign_in: datetime | None = None  # UTC; None: never signed in


@dataclass(frozen=True, slots=True)
class NewAccount:
    """A created account and, when the service chose it, its one-time password (shown once)."""

    user: CurrentUser
    one_time_password: str | None


# ---------------------------------------------------------------- checks shared by the operations


def _fold(text: str) -> str:
    # The bundle reader's rule for ids: equal after NFKC, trimming and lower case = the same.
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise Refused(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}") from None


def _check_text(what: str, value: str, width: int) -> None:
    if value != value.strip():
        raise Refused(f"the {what} {value!r} must not begin or end with white space")
    if formula_like(value):
        raise Refused(f"the {what} {value!r} {FORMULA_MESSAGE}")
    if len(value) > width:
        raise Refused(f"the {what} may have at most {width} characters, not {len(value)}")


def _check_username(session: Session, username: str) -> None:
    if not auth.USERNAME_PATTERN.fullmatch(username):
        raise Refused(
            f"username {username!r} must be 1-64 letters, digits or . _ @ - and start with a letter or digit"
        )
    names = session.execute(select(User.username)).scalars()
    alike = [name for name in names if _fold(name) == _fold(username)]
    if username in alike:
        raise Refused(f"username {username!r} is taken")
    if alike:
        raise Refused(f"username {username!r} differs from the account {alike[0]!r} only by case or width")


def _account(session: Session, username: str) -> User:
    account = session.execute(select(User).where(User.username == username)).scalar()
    if account is None:
        raise NotFound(f"no account is called {username!r}")
    return account


def _unit_id(session: Session, unit_code: str) -> int:
    unit_id = session.execute(select(Unit.id).where(Unit.code == unit_code)).scalar()
    if unit_id is None:
        raise NotFound(f"no unit has the code {unit_code!r}")
    return unit_id


def _linked_caller(session: Session, user_id: int) -> Caller | None:
    return session.execute(select(Caller).where(Caller.user_id == user_id)).scalar()


def _claim_caller(session: Session, account: User, code: str, name: str) -> Caller:
    """The interviewer record ``code`` linked to ``account``: an unlinked existing one, or a
    new one (a code differing from another only by case or width is refused)."""
    _check_text("interviewer code", code, CALLER_CODE_WIDTH)
    if not code:
        raise Refused("the interviewer code must not be empty")
    caller = session.execute(select(Caller).where(Caller.code == code)).scalar()
    if caller is None:
        codes = session.execute(select(Caller.code)).scalars()
        alike = [c for c in codes if _fold(c) == _fold(code)]
        if alike:
            raise Refused(
                f"interviewer code {code!r} differs from the record {alike[0]!r} only by case or width"
            )
        caller = Caller(code=code, name=name)
        session.add(caller)
    elif caller.user_id is not None and caller.user_id != account.id:
        raise Refused(f"interviewer code {code!r} belongs to another account")
    caller.user_id = account.id
    return caller


def _active_admins(session: Session) -> int:
    return session.execute(
        select(func.count()).select_from(User).where(User.role == Role.admin, User.active.is_(True))
    ).scalar_one()


def _guard_admins(session: Session, actor: CurrentUser, account: User, what: str) -> None:
    """Refuse to take away the actor's own admin rights or the last active admin's."""
    if account.id == actor.id:
        raise Refused(f"you cannot {what} your own account")
    if Role(account.role) == Role.admin and account.active and _active_admins(session) <= 1:
        raise Refused(f"{account.username!r} is the last active administrator: you cannot {what} it")


def _end_sessions(session: Session, user_id: int, now: datetime, keep_token: str | None = None) -> int:
    """End the open sign-in sessions of ``user_id`` (but the one of ``keep_token``)."""
    ended = 0
    keep = auth.token_hash(keep_token) if keep_token else None
    for login in session.execute(
        select(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
    ).scalars():
        if login.token_hash != keep:
            login.ended_at = now
            ended += 1
    return ended


def _snapshot(session: Session, account: User) -> dict[str, object]:
    """What the audit trail keeps of an account: never the password hash nor the caller's
    phone. The interviewer record and contractor appear for an account linked to one, and
    ``must_change_password`` while a one-time password is pending."""
    unit = session.get(Unit, account.unit_id) if account.unit_id else None
    snapshot: dict[str, object] = {
        "username": account.username,
        "display_name": account.display_name,
        "role": Role(account.role).value,
        "unit": unit.code if unit else None,
        "active": bool(account.active),
    }
    caller = _linked_caller(session, account.id) if account.id else None
    if caller is not None:
        snapshot |= {"caller": caller.code, "contractor": caller.contractor}
    if account.must_change_password:
        snapshot["must_change_password"] = True
    return snapshot


def one_time_password(username: str = "") -> str:
    """A random one-time password (secrets) like ``k7qm-3xhd-pw9a-tn2e`` that passes the rules."""
    while True:
        groups = (
            "".join(secrets.choice(OTP_ALPHABET) for _ in range(OTP_GROUP_LENGTH)) for _ in range(OTP_GROUPS)
        )
        candidate = "-".join(groups)
        if passwords.password_problem(candidate, username) is None:
            return candidate


# ---------------------------------------------------------------- reading


def list_accounts(
    uow: UnitOfWork, user: CurrentUser | None, *, search: str = "", roles: Iterable[Role | str] = ()
) -> list[Account]:
    """Every account (admins only), by username; ``search`` matches the username, name or
    unit (ignoring case), ``roles`` keeps only those roles (none given: all)."""
    require(user, Permission.manage_users)
    wanted = {_role(r) for r in roles}
    needle = _fold(search)
    with uow:
        session = uow.session
        last = (
            select(LoginSession.user_id, func.max(LoginSession.created_at).label("at"))
            .group_by(LoginSession.user_id)
            .subquery()
        )
        rows = session.execute(
            select(
                User.username,
                User.display_name,
                User.role,
                User.active,
                User.must_change_password,
                Unit.code,
                Unit.name,
                Caller.code,
                Caller.contractor,
                last.c.at,
            )
            .outerjoin(Unit, Unit.id == User.unit_id)
            .outerjoin(Caller, Caller.user_id == User.id)
            .outerjoin(last, last.c.user_id == User.id)
            .order_by(User.username)
        ).all()
    accounts = [
        Account(
            username=name,
            display_name=shown,
            role=Role(role),
            active=bool(active),
            must_change_password=bool(must),
            unit_code=unit_code,
            unit_name=unit_name,
            caller_code=caller_code,
            contractor=contractor or "",
            last_sign_in=as_utc(at) if at else None,
        )
        for name, shown, role, active, must, unit_code, unit_name, caller_code, contractor, at in rows
    ]
    return [
        a
        for a in accounts
        if (not wanted or a.role in wanted)
        and (
            not needle
            or any(
                needle in _fold(text or "") for text in (a.username, a.display_name, a.unit_code, a.unit_name)
            )
        )
    ]


def must_change_password(uow: UnitOfWork, user: CurrentUser | None) -> bool:
    """Whether the signed-in ``user`` must choose a new password before anything else."""
    if user is None:
        return False
    with uow:
        flag = uow.session.execute(select(User.must_change_password).where(User.id == user.id)).scalar()
    return bool(flag)


# ---------------------------------------------------------------- changing


@cache
def _public_demo_hash() -> str:
    """One Argon2id hash of the demo's public password for all the demo's accounts: a salt
    protects a secret, and this password is printed in the README (the demo load hashed it
    five times, a tenth of its CPU time)."""
    return auth.password_hasher().hash(passwords.DEMO_PASSWORD)


def create_account(
    uow: UnitOfWork,
    user: CurrentUser | None,
    username: str,
    role: Role | str,
    *,
    password: str | None = None,
    display_name: str = "",
    unit_code: str | None = None,
    caller_code: str | None = None,
    contractor: str = "",
    phone: str | None = None,
    public_demo: bool = False,
) -> NewAccount:
    """Create an account (admins only).

    Without ``password`` the account gets a one-time password, returned once, that must be
    changed at the first sign-in; a ``password`` given (the first admin at the command line)
    must pass the password rules. A liaison needs ``unit_code`` and no one else has one. A
    caller is linked to the interviewer record ``caller_code`` (default: the username), an
    existing unlinked one or a new one, with its ``contractor`` and its own ``phone`` that
    click-to-call rings first (stored encrypted). ``public_demo``: the demo loader only, which
    may give the demo's public password (and only that one) to the demo's accounts."""
    actor = require(user, Permission.manage_users)
    role = _role(role)
    if phone and role != Role.caller:
        raise Refused("only caller accounts have a phone for click-to-call")
    phone_e164 = auth.caller_phone(phone) if phone else None
    if role == Role.liaison and not unit_code:
        raise Refused("a liaison account needs the code of its unit (--unit)")
    if role != Role.liaison and unit_code:
        raise Refused(f"only liaison accounts belong to a unit, not {role.value} accounts")
    if role != Role.caller and (caller_code or contractor):
        raise Refused(
            f"only caller accounts have an interviewer record and contractor, not {role.value} accounts"
        )
    _check_text("display name", display_name, DISPLAY_NAME_WIDTH)
    _check_text("contractor", contractor, CONTRACTOR_WIDTH)
    if not auth.USERNAME_PATTERN.fullmatch(username):
        raise Refused(
            f"username {username!r} must be 1-64 letters, digits or . _ @ - and start with a letter or digit"
        )
    temporary = password is None
    if password is None:
        password = one_time_password(username)
    elif not (public_demo and password == passwords.DEMO_PASSWORD):
        passwords.require_acceptable(password, username)
    if public_demo and password == passwords.DEMO_PASSWORD:
        password_hash = _public_demo_hash()
    else:
        password_hash = auth.password_hasher().hash(password)  # slow on purpose: before the transaction
    with uow:
        uow.actor = actor.username
        session = uow.session
        _check_username(session, username)
        account = User(
            username=username,
            display_name=display_name,
            password_hash=password_hash,
            role=role,
            unit_id=_unit_id(session, unit_code) if unit_code else None,
            active=True,
            must_change_password=temporary,
        )
        session.add(account)
        session.flush()
        if role == Role.caller:
            caller = _claim_caller(session, account, caller_code or username, display_name)
            if contractor:
                caller.contractor = contractor
            if phone_e164:
                caller.phone_enc = crypto.encrypt(phone_e164)
        session.flush()
        audit.record(uow, "user.create", "app_user", account.id, None, _snapshot(session, account))
        uow.commit()
        created = CurrentUser(
            id=account.id,
            username=account.username,
            role=role,
            unit_id=account.unit_id,
            display_name=account.display_name,
        )
    return NewAccount(created, password if temporary else None)


def update_account(
    uow: UnitOfWork,
    user: CurrentUser | None,
    username: str,
    *,
    role: Role | str | None = None,
    display_name: str | None = None,
    unit_code: str | None = None,
    caller_code: str | None = None,
    contractor: str | None = None,
) -> Account:
    """Change an account's role, name, unit, interviewer record or contractor (admins only;
    None: unchanged). A liaison keeps exactly one unit and leaving the role drops it; a caller
    keeps one interviewer record (becoming a caller claims the record of ``caller_code`` or
    the username) and leaving the role unlinks it, keeping its cases. An admin cannot change
    their own role nor demote the last active admin."""
    actor = require(user, Permission.manage_users)
    new_role = _role(role) if role is not None else None
    if display_name is not None:
        _check_text("display name", display_name, DISPLAY_NAME_WIDTH)
    if contractor is not None:
        _check_text("contractor", contractor, CONTRACTOR_WIDTH)
    with uow:
        uow.actor = actor.username
        session = uow.session
        account = _account(session, username)
        before = _snapshot(session, account)
        old_role = Role(account.role)
        target = new_role or old_role
        if target != old_role and old_role == Role.admin:
            _guard_admins(session, actor, account, "take the administrator role from")
        if target == Role.liaison:
            if unit_code:
                account.unit_id = _unit_id(session, unit_code)
            elif account.unit_id is None:
                raise Refused("a liaison account needs the code of its unit (--unit)")
        elif unit_code:
            raise Refused(f"only liaison accounts belong to a unit, not {target.value} accounts")
        else:
            account.unit_id = None
        linked = _linked_caller(session, account.id)
        if target == Role.caller:
            wanted = caller_code or (linked.code if linked else username)
            if linked is not None and linked.code != wanted:
                linked.user_id = None
                session.flush()
            linked = _claim_caller(session, account, wanted, display_name or account.display_name)
            if contractor is not None:
                linked.contractor = contractor
        elif caller_code or contractor:
            raise Refused(
                f"only caller accounts have an interviewer record and contractor, not {target.value} accounts"
            )
        elif linked is not None:
            linked.user_id = None  # the record and its cases stay, without an account
        account.role = target
        if display_name is not None:
            account.display_name = display_name
        session.flush()
        after = _snapshot(session, account)
        if after != before:
            audit.record(uow, "user.update", "app_user", account.id, before, after)
        uow.commit()
    return next(a for a in list_accounts(uow, user, search=username) if a.username == username)


def disable_account(
    uow: UnitOfWork, user: CurrentUser | None, username: str, *, clock: Clock = utcnow
) -> int:
    """Disable an account (admins only) and end its sign-in sessions; returns how many ended.
    Nobody can disable their own account nor the last active administrator."""
    actor = require(user, Permission.manage_users)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        session = uow.session
        account = _account(session, username)
        if not account.active:
            raise Refused(f"the account {username!r} is already disabled")
        _guard_admins(session, actor, account, "disable")
        account.active = False
        ended = _end_sessions(session, account.id, now)
        audit.record(
            uow,
            "user.disable",
            "app_user",
            account.id,
            {"active": True},
            {"active": False, "sessions_ended": ended},
        )
        uow.commit()
    return ended


def enable_account(uow: UnitOfWork, user: CurrentUser | None, username: str) -> None:
    """Re-enable a disabled account (admins only); its password is the one it had."""
    actor = require(user, Permission.manage_users)
    with uow:
        uow.actor = actor.username
        account = _account(uow.session, username)
        if account.active:
            raise Refused(f"the account {username!r} is already active")
        account.active = True
        audit.record(uow, "user.enable", "app_user", account.id, {"active": False}, {"active": True})
        uow.commit()


def reset_password(uow: UnitOfWork, user: CurrentUser | None, username: str, *, clock: Clock = utcnow) -> str:
    """Give an account a new random one-time password (admins only) and return it, to be
    shown once and handed over safely; the account must change it at its next sign-in. Its
    sessions end and a sign-in lockout of the account is lifted (whoever was locked out
    asked for the reset). An admin changes their own password on the password page instead."""
    actor = require(user, Permission.manage_users)
    now = as_utc(clock())
    password = one_time_password(username)
    password_hash = auth.password_hasher().hash(password)
    with uow:
        uow.actor = actor.username
        session = uow.session
        account = _account(session, username)
        if account.id == actor.id:
            raise Refused("change your own password on the password page, not by a reset")
        before = bool(account.must_change_password)
        account.password_hash = password_hash
        account.must_change_password = True
        ended = _end_sessions(session, account.id, now)
        # its failed sign-ins and lockout go too (whoever was locked out asked for the reset)
        unlocked = throttle.clear(session, auth.ACCOUNT_SCOPE, username) > 0
        audit.record(
            uow,
            "user.reset_password",
            "app_user",
            account.id,
            {"must_change_password": before},
            {"must_change_password": True, "sessions_ended": ended, "failed_sign_ins_cleared": unlocked},
            at=now,
        )
        uow.commit()
    return password


def change_password(
    uow: UnitOfWork,
    user: CurrentUser | None,
    old_password: str,
    new_password: str,
    *,
    keep_token: str | None = None,
    clock: Clock = utcnow,
) -> None:
    """The signed-in ``user`` replaces their password: ``old_password`` must be the current
    one, the new one must differ from it and pass the password rules. Clears
    ``must_change_password``; every other session of the account ends (``keep_token``: the
    session this change is made in, which stays)."""
    if user is None:
        raise Refused("sign in first to change your password")
    hasher = auth.password_hasher()
    with uow:
        stored = uow.session.execute(select(User.password_hash).where(User.id == user.id)).scalar()
    if stored is None:
        raise NotFound(f"no account is called {user.username!r}")
    try:
        hasher.verify(stored, old_password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise WrongPassword() from None
    if new_password == old_password:
        raise passwords.PasswordRejected(passwords.SAME_AS_OLD)
    passwords.require_acceptable(new_password, user.username)
    new_hash = hasher.hash(new_password)
    now = as_utc(clock())
    with uow:
        uow.actor = user.username
        session = uow.session
        account = _account(session, user.username)
        if account.password_hash != stored:
            raise Refused("the password was changed meanwhile; sign in again")
        before = bool(account.must_change_password)
        account.password_hash = new_hash
        account.must_change_password = False
        ended = _end_sessions(session, account.id, now, keep_token)
        audit.record(
            uow,
            "user.change_password",
            "app_user",
            account.id,
            {"must_change_password": before},
            {"must_change_password": False, "other_sessions_ended": ended},
            at=now,
        )
        uow.commit()


def unit_choices(uow: UnitOfWork, user: CurrentUser | None) -> list[tuple[str, str]]:
    """(code, name) of every unit not retired, by code, for a liaison's unit (admins only)."""
    require(user, Permission.manage_users)
    with uow:
        return [
            (code, name)
            for code, name in uow.session.execute(
                select(Unit.code, Unit.name).where(Unit.retired_on.is_(None)).order_by(Unit.code)
            )
        ]


def free_caller_codes(uow: UnitOfWork, user: CurrentUser | None) -> list[str]:
    """Codes of interviewer records linked to no account (admins only), e.g. from an imported
    bundle's calls, which a new caller account can take over."""
    require(user, Permission.manage_users)
    with uow:
        return list(
            uow.session.execute(
                select(Caller.code).where(Caller.user_id.is_(None)).order_by(Caller.code)
            ).scalars()
        )
