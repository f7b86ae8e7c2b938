"""Change password (修改密码), for every signed-in person, and the only page of one who signed
in with a one-time password from an administrator until they choose their own.

Only services are called (services/accounts.py change_password): it checks the current
password and the password rules, ends the account's other sessions and writes the audit
trail, without the password.
"""

from __future__ import annotations

import streamlit as st

from db.uow import UnitOfWork
from services import accounts, passwords
from services.errors import ServiceError
from ui.auth import current_user, must_change_password
from ui.auth_routes import COOKIE_NAME
from ui.messages import t
from ui.page import current_lang
from ui.widgets import show_flash

FLASH_KEY = "password.flash"
GEN_KEY = "password.gen"  # bumped after a change: empty fields


def refusal(exc: ServiceError, lang: str) -> str:
    """The reader's words for a refused change."""
    if isinstance(exc, accounts.WrongPassword):
        return t("accounts.admin.password.wrong_old", lang)
    if isinstance(exc, passwords.PasswordRejected):
        key = f"accounts.admin.password.{exc.reason}"
        return t(key, lang, min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH)
    return t("accounts.error", lang, detail=str(exc))


lang = current_lang()
user = current_user()
st.title(t("accounts.admin.password.title", lang))
if user is None:
    st.info(t("auth.sign_in_first", lang))
    st.stop()
show_flash(FLASH_KEY)
if must_change_password():
    st.warning(t("accounts.admin.must_change", lang), icon=":material/key:")
st.caption(t("accounts.admin.password.rules", lang, min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH))

gen = st.session_state.get(GEN_KEY, 0)
with st.form(f"password.form.{gen}", enter_to_submit=False):
    old = st.text_input(
        t("accounts.admin.password.old", lang),
        type="password",
        autocomplete="current-password",
        key=f"password.old.{gen}",
    )
    new = st.text_input(
        t("accounts.admin.password.new", lang),
        type="password",
        autocomplete="new-password",
        key=f"password.new.{gen}",
    )
    again = st.text_input(
        t("accounts.admin.password.again", lang),
        type="password",
        autocomplete="new-password",
        key=f"password.again.{gen}",
    )
    submitted = st.form_submit_button(t("accounts.admin.password.submit", lang), type="primary")

if submitted:
    if new != again:
        st.error(t("accounts.admin.password.differ", lang))
        st.stop()
    token = st.context.cookies.get(COOKIE_NAME)
    try:
        accounts.change_password(
            UnitOfWork(actor="web"), user, old, new, keep_token=token if isinstance(token, str) else None
        )
    except ServiceError as exc:
        st.error(refusal(exc, lang))
        st.stop()
    st.session_state[FLASH_KEY] = t("accounts.admin.password.changed", lang)
    st.session_state[GEN_KEY] = gen + 1
    st.rerun()
