"""Sign-in locks (登录锁定), for administrators: the accounts and network addresses locked
after many failed sign-ins, each with a button that lifts the lock before it runs out.

Only services are called (services/auth.py); they check the permission and audit each unlock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

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
    st.subheader(t(f"accounts.section.{kind}s", lang))
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
