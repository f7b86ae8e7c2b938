"""Sign-in locks (登录锁定), for administrators: the accounts and network addresses locked
after many failed sign-ins, each with a button that lifts the lock before it runs out.

Only services are called (services/auth.py); they check the permission and audit each unlock.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import auth
from services.errors import ServiceError
from services.permissions import Permission
from ui.auth import require_page_permission
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_time
from ui.widgets import show_flash

FLASH_KEY = "accounts.flash"


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def beijing(at: datetime) -> str:
    """A stored (UTC) time in Beijing time; SQLite hands it back naive."""
    return beijing_time(at)


lang = current_lang()
user = require_page_permission(Permission.manage_users, lang)
minutes = auth.login_rules()[0].window.total_seconds() / 60

st.title(t("accounts.title", lang))
st.caption(t("accounts.intro", lang, minutes=round(minutes)))
show_flash(FLASH_KEY)

try:
    locked = auth.locked_sign_ins(uow(), user)
except ServiceError as exc:
    st.error(t("accounts.error", lang, detail=str(exc)))
    st.stop()

if not locked:
    st.info(t("accounts.none", lang))
    st.stop()

accounts = [lock for lock in locked if lock.kind == "account"]
networks = [lock for lock in locked if lock.kind == "network"]


def unlock(kind: str, key: str) -> None:
    try:
        if kind == "account":
            auth.unlock_user(uow(), user, key)
        else:
            auth.unlock_network(uow(), user, key)
    except ServiceError as exc:
        st.error(t("accounts.error", lang, detail=str(exc)))
        return
    st.session_state[FLASH_KEY] = t("accounts.unlocked", lang, name=key)
    st.rerun()


if accounts:
    st.subheader(t("accounts.section.accounts", lang))
    st.dataframe(
        pd.DataFrame(
            {
                t("accounts.col.username", lang): [a.key for a in accounts],
                t("accounts.col.name", lang): [a.display_name for a in accounts],
                t("accounts.col.failures", lang): [a.failures for a in accounts],
                t("accounts.col.until", lang): [beijing(a.until) for a in accounts],
            }
        ),
        hide_index=True,
    )
    for lock in accounts:
        label = t("accounts.unlock_account", lang, username=lock.key)
        if st.button(label, key=f"accounts.unlock.account.{lock.key}", icon=":material/lock_open:"):
            unlock("account", lock.key)

if networks:
    st.subheader(t("accounts.section.networks", lang))
    st.dataframe(
        pd.DataFrame(
            {
                t("accounts.col.address", lang): [n.key for n in networks],
                t("accounts.col.failures", lang): [n.failures for n in networks],
                t("accounts.col.until", lang): [beijing(n.until) for n in networks],
            }
        ),
        hide_index=True,
    )
    for lock in networks:
        label = t("accounts.unlock_network", lang, address=lock.key)
        if st.button(label, key=f"accounts.unlock.network.{lock.key}", icon=":material/lock_open:"):
            unlock("network", lock.key)
