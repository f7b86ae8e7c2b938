"""Account management (账号管理), for administrators: the list of staff accounts with search
and a role filter; a new account (role-dependent fields: a liaison's unit, a caller's
interviewer record, contractor and phone) that gets a one-time password; editing,
disabling and re-enabling an account (each confirmed) and resetting its password to a
one-time password, shown once; and the sign-in locks (登录锁定) with their unlock buttons.

Only services are called (services/accounts.py, services/auth.py); they check the
permission and audit every change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import pandas as pd
import streamlit as st

from db.models import Role
from db.uow import UnitOfWork
from services import accounts, auth, passwords
from services.accounts import Account
from services.errors import ServiceError
from services.permissions import Permission
from ui.auth import require_page_permission
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_time
from ui.widgets import multi_choice, show_flash

FLASH_KEY = "accounts.flash"
GEN_KEY = "accounts.admin.gen"  # bumped after a change: fresh forms
OTP_KEY = "accounts.admin.otp"  # (username, one-time password) to show once
CONFIRM_KEY = "accounts.admin.confirm"  # (action, username) awaiting confirmation
NEW_CALLER: Final = ""  # the "new interviewer record" choice
ROLES: Final = [r.value for r in Role]


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def beijing(at: datetime) -> str:
    """A stored (UTC) time in Beijing time; SQLite hands it back naive."""
    return beijing_time(at)


def error_text(exc: ServiceError) -> str:
    if isinstance(exc, passwords.PasswordRejected):
        key = f"accounts.admin.password.{exc.reason}"
        return t(key, lang, min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH)
    return t("accounts.error", lang, detail=str(exc))


def done(message: str, otp: tuple[str, str] | None = None) -> None:
    """Show ``message`` (and a one-time password) after the rerun, with fresh forms."""
    st.session_state[FLASH_KEY] = message
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.session_state.pop(CONFIRM_KEY, None)
    if otp:
        st.session_state[OTP_KEY] = otp
    st.rerun()


def role_label(role: str) -> str:
    return t(f"role.{role}", lang)


def state_label(a: Account) -> str:
    if not a.active:
        return t("accounts.admin.state.disabled", lang)
    return t(
        "accounts.admin.state.must_change" if a.must_change_password else "accounts.admin.state.active", lang
    )


lang = current_lang()
user = require_page_permission(Permission.manage_users, lang)
gen = st.session_state.get(GEN_KEY, 0)

st.title(t("accounts.admin.title", lang))
st.caption(t("accounts.admin.intro", lang))
show_flash(FLASH_KEY)

# A one-time password just made: shown in this run only, with how to hand it over.
otp = st.session_state.get(OTP_KEY)
if otp:
    with st.container(border=True):
        st.markdown(t("accounts.admin.otp.title", lang, name=otp[0]))
        st.code(otp[1], language=None)
        st.warning(t("accounts.admin.otp.note", lang), icon=":material/key:")
        if st.button(t("accounts.admin.otp.done", lang), key="accounts.admin.otp.done"):
            st.session_state.pop(OTP_KEY, None)
            st.rerun()
    # never again after this run, whatever is pressed next
    st.session_state.pop(OTP_KEY, None)

try:
    units = accounts.unit_choices(uow(), user)
    free_callers = accounts.free_caller_codes(uow(), user)
except ServiceError as exc:
    st.error(error_text(exc))
    st.stop()
unit_names = dict(units)


def unit_label(code: str) -> str:
    return f"{code} {unit_names.get(code, '')}".strip()


# ---------------------------------------------------------------- the list

st.subheader(t("accounts.admin.list.header", lang))
left, right = st.columns([3, 2])
search = left.text_input(t("accounts.admin.list.search", lang), key="accounts.admin.search")
roles = multi_choice(
    t("accounts.admin.list.roles", lang), ROLES, lang, format_func=role_label, key="accounts.admin.roles"
)
shown = accounts.list_accounts(uow(), user, search=search, roles=roles)
if shown:
    st.caption(t("accounts.admin.list.count", lang, n=len(shown)))
    st.dataframe(
        pd.DataFrame(
            {
                t("accounts.admin.col.username", lang): [a.username for a in shown],
                t("accounts.admin.col.name", lang): [a.display_name for a in shown],
                t("accounts.admin.col.role", lang): [role_label(a.role.value) for a in shown],
                t("accounts.admin.col.unit", lang): [
                    unit_label(a.unit_code) if a.unit_code else "" for a in shown
                ],
                t("accounts.admin.col.caller", lang): [a.caller_code or "" for a in shown],
                t("accounts.admin.col.contractor", lang): [a.contractor for a in shown],
                t("accounts.admin.col.state", lang): [state_label(a) for a in shown],
                t("accounts.admin.col.last_sign_in", lang): [
                    beijing(a.last_sign_in) if a.last_sign_in else t("accounts.admin.never", lang)
                    for a in shown
                ],
            }
        ),
        hide_index=True,
    )
else:
    st.info(t("accounts.admin.list.none", lang))

# ---------------------------------------------------------------- one account


def confirm(action: str, account: Account, run: Callable[[], Any], message: str) -> None:
    """The confirmation of ``action`` on ``account``, when it was asked for: yes runs it."""
    if st.session_state.get(CONFIRM_KEY) != (action, account.username):
        return
    with st.container(border=True):
        st.warning(t(f"accounts.admin.{action}.confirm", lang, name=account.username))
        yes, no = st.columns(2)
        if yes.button(
            t(f"accounts.admin.{action}.yes", lang), key=f"accounts.admin.{action}.yes", type="primary"
        ):
            try:
                result = run()
            except ServiceError as exc:
                st.session_state.pop(CONFIRM_KEY, None)
                st.error(error_text(exc))
                return
            done(message, (account.username, result) if action == "reset" else None)
        if no.button(t("accounts.admin.cancel", lang), key=f"accounts.admin.{action}.no"):
            st.session_state.pop(CONFIRM_KEY, None)
            st.rerun()


def manage(account: Account) -> None:
    """Edit one account (role-dependent fields), then its disable/enable and reset buttons."""
    own = account.username == user.username
    key = f"accounts.admin.edit.{account.username}.{gen}"
    role = st.selectbox(
        t("accounts.admin.edit.role", lang),
        ROLES,
        index=ROLES.index(account.role.value),
        format_func=role_label,
        key=f"{key}.role",
        disabled=own,
    )
    with st.form(f"{key}.form", enter_to_submit=False):
        name = st.text_input(
            t("accounts.admin.edit.name", lang), value=account.display_name, key=f"{key}.name"
        )
        unit = caller = contractor = None
        if role == Role.liaison.value:
            codes = list(unit_names)
            unit = st.selectbox(
                t("accounts.admin.edit.unit", lang),
                codes,
                index=codes.index(account.unit_code) if account.unit_code in codes else None,
                format_func=unit_label,
                placeholder=t("widgets.choose", lang),
                key=f"{key}.unit",
            )
        if role == Role.caller.value:
            caller = st.text_input(
                t("accounts.admin.edit.caller", lang),
                value=account.caller_code or account.username,
                key=f"{key}.caller",
            )
            contractor = st.text_input(
                t("accounts.admin.edit.contractor", lang), value=account.contractor, key=f"{key}.contractor"
            )
        saved = st.form_submit_button(t("accounts.admin.edit.save", lang))
    if saved:
        changes = {
            "role": role if role != account.role.value else None,
            "display_name": name.strip() if name.strip() != account.display_name else None,
            "unit_code": unit if unit and unit != account.unit_code else None,
            "caller_code": caller.strip() if caller and caller.strip() != account.caller_code else None,
            "contractor": contractor.strip()
            if contractor is not None and contractor.strip() != account.contractor
            else None,
        }
        if all(v is None for v in changes.values()):
            st.info(t("accounts.admin.edit.unchanged", lang))
        else:
            try:
                accounts.update_account(uow(), user, account.username, **changes)
            except ServiceError as exc:
                st.error(error_text(exc))
            else:
                done(t("accounts.admin.edit.saved", lang, name=account.username))
    if own:
        st.caption(t("accounts.admin.own_account", lang))
        return
    toggle, reset = st.columns(2)
    action = "disable" if account.active else "enable"
    if toggle.button(t(f"accounts.admin.{action}", lang), key=f"accounts.admin.ask.{action}"):
        st.session_state[CONFIRM_KEY] = (action, account.username)
    if reset.button(t("accounts.admin.reset", lang), key="accounts.admin.ask.reset", icon=":material/key:"):
        st.session_state[CONFIRM_KEY] = ("reset", account.username)
    if account.active:
        confirm(
            "disable",
            account,
            lambda: accounts.disable_account(uow(), user, account.username),
            t("accounts.admin.disabled", lang, name=account.username),
        )
    else:
        confirm(
            "enable",
            account,
            lambda: accounts.enable_account(uow(), user, account.username),
            t("accounts.admin.enabled", lang, name=account.username),
        )
    confirm(
        "reset",
        account,
        lambda: accounts.reset_password(uow(), user, account.username),
        t("accounts.admin.reset.done", lang, name=account.username),
    )


if shown:
    st.subheader(t("accounts.admin.manage.header", lang))
    by_name = {a.username: a for a in shown}
    chosen = st.selectbox(
        t("accounts.admin.manage.choose", lang),
        list(by_name),
        format_func=lambda n: f"{n} {by_name[n].display_name}".strip(),
        key="accounts.admin.chosen",
    )
    if chosen:
        manage(by_name[chosen])

# ---------------------------------------------------------------- a new account

st.subheader(t("accounts.admin.create.header", lang))
new_role = st.selectbox(
    t("accounts.admin.create.role", lang),
    ROLES,
    format_func=role_label,
    key=f"accounts.admin.create.role.{gen}",
)
if new_role == Role.liaison.value and not units:
    st.info(t("accounts.admin.create.no_units", lang))
else:
    with st.form(f"accounts.admin.create.{gen}", enter_to_submit=False):
        field = f"accounts.admin.create.{gen}"
        username = st.text_input(
            t("accounts.admin.create.username", lang), max_chars=64, key=f"{field}.username"
        )
        name = st.text_input(
            t("accounts.admin.create.name", lang), max_chars=accounts.DISPLAY_NAME_WIDTH, key=f"{field}.name"
        )
        unit_code = caller_choice = caller_code = contractor = phone = None
        if new_role == Role.liaison.value:
            unit_code = st.selectbox(
                t("accounts.admin.create.unit", lang),
                list(unit_names),
                index=None,
                format_func=unit_label,
                placeholder=t("widgets.choose", lang),
                key=f"{field}.unit",
            )
        if new_role == Role.caller.value:
            caller_choice = st.selectbox(
                t("accounts.admin.create.caller", lang),
                [NEW_CALLER, *free_callers],
                format_func=lambda c: c or t("accounts.admin.create.caller.new", lang),
                key=f"{field}.caller",
            )
            caller_code = st.text_input(
                t("accounts.admin.create.caller_code", lang),
                max_chars=accounts.CALLER_CODE_WIDTH,
                key=f"{field}.caller_code",
            )
            contractor = st.text_input(
                t("accounts.admin.create.contractor", lang),
                max_chars=accounts.CONTRACTOR_WIDTH,
                key=f"{field}.contractor",
            )
            phone = st.text_input(t("accounts.admin.create.phone", lang), key=f"{field}.phone")
        created = st.form_submit_button(t("accounts.admin.create.submit", lang), type="primary")
    if created:
        try:
            made = accounts.create_account(
                uow(),
                user,
                username.strip(),
                new_role,
                display_name=name.strip(),
                unit_code=unit_code,
                caller_code=(caller_choice or (caller_code or "").strip() or None),
                contractor=(contractor or "").strip(),
                phone=(phone or "").strip() or None,
            )
        except ServiceError as exc:
            st.error(error_text(exc))
        else:
            done(
                t("accounts.admin.created", lang, name=made.user.username),
                (made.user.username, made.one_time_password or ""),
            )

# ---------------------------------------------------------------- sign-in locks (登录锁定)

minutes = auth.login_rules()[0].window.total_seconds() / 60
st.subheader(t("accounts.admin.locks.header", lang))
st.caption(t("accounts.intro", lang, minutes=round(minutes)))
try:
    locked = auth.locked_sign_ins(uow(), user)
except ServiceError as exc:
    st.error(t("accounts.error", lang, detail=str(exc)))
    st.stop()

if not locked:
    st.info(t("accounts.none", lang))
    st.stop()

UNLOCK: Final = {"account": auth.unlock_user, "network": auth.unlock_network}


def unlock(kind: str, key: str) -> None:
    try:
        UNLOCK[kind](uow(), user, key)
    except ServiceError as exc:
        st.error(t("accounts.error", lang, detail=str(exc)))
        return
    st.session_state[FLASH_KEY] = t("accounts.unlocked", lang, name=key)
    st.rerun()


def show_locks(kind: str, columns: dict[str, Callable[[Any], object]]) -> None:
    """One section: the locks of ``kind`` as a table, then an unlock button for each."""
    locks = [lock for lock in locked if lock.kind == kind]
    if not locks:
        return
    st.markdown(f"**{t(f'accounts.section.{kind}s', lang)}**")
    table = {t(key, lang): [cell(lock) for lock in locks] for key, cell in columns.items()}
    table[t("accounts.col.failures", lang)] = [lock.failures for lock in locks]
    table[t("accounts.col.until", lang)] = [beijing(lock.until) for lock in locks]
    st.dataframe(pd.DataFrame(table), hide_index=True)
    for lock in locks:
        label = t(f"accounts.unlock_{kind}", lang, name=lock.key)
        if st.button(label, key=f"accounts.unlock.{kind}.{lock.key}", icon=":material/lock_open:"):
            unlock(kind, lock.key)


show_locks(
    "account",
    {"accounts.col.username": lambda lock: lock.key, "accounts.col.name": lambda lock: lock.display_name},
)
show_locks("network", {"accounts.col.address": lambda lock: lock.key})
