"""Who is signed in, for the Streamlit script (the cookie itself is set by ui/auth_routes.py).

:func:`resolve_user` is pure: it gets the request's cookies, a user seeded by tests and
a lookup function, so tests can drive it without a browser. AppTest cannot send cookies;
it seeds ``st.session_state[SEEDED_USER_KEY]`` instead, a key that nothing in the app
writes (widgets only write under their own keys), so a browser cannot set it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from html import escape
from typing import Final

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from db.uow import UnitOfWork
from services import accounts, auth
from services.permissions import CurrentUser, Permission, allowed
from ui.auth_routes import COOKIE_NAME
from ui.messages import t

USER_KEY: Final = "auth.user"  # the user resolved in this run, for the pages
SEEDED_USER_KEY: Final = "auth.seeded_user"  # tests only
STALE_KEY: Final = "auth.stale"  # a cookie was sent but its session is over
MUST_CHANGE_KEY: Final = "auth.must_change"  # signed in with a one-time password

_log = logging.getLogger(__name__)


def resolve_user(
    cookies: Mapping[str, str],
    seeded: CurrentUser | None,
    lookup: Callable[[str], CurrentUser | None],
) -> tuple[CurrentUser | None, bool]:
    """The signed-in user and whether a session cookie was sent in vain (expired or ended).

    The cookie wins over a seeded user; every call asks ``lookup``, so an idle timeout or
    a logout elsewhere takes effect on the next rerun.
    """
    token = cookies.get(COOKIE_NAME)
    # Only a real string is a token (AppTest's stand-in client hands back mock objects).
    if isinstance(token, str) and token:
        user = lookup(token)
        return user, user is None
    return (seeded if isinstance(seeded, CurrentUser) else None), False


def _lookup(token: str) -> auth.LiveSession | None:
    try:
        return auth.current_session(UnitOfWork(actor="web"), token)
    except SQLAlchemyError:
        # Public pages must still show when the database is unreachable or not yet migrated.
        _log.exception("cannot check the login session")
        return None


def _must_change(user: CurrentUser | None) -> bool:
    if user is None:
        return False
    try:
        return accounts.must_change_password(UnitOfWork(actor="web"), user)
    except SQLAlchemyError:
        _log.exception("cannot check whether the password must change")
        return True  # the safe side: the password page only


def sign_in_state() -> CurrentUser | None:
    """Resolve this run's user from the cookie (or a test's seed) and keep it for the pages,
    with whether that user must first replace a one-time password."""
    # The session lookup also reads the one-time-password mark (same row, one query per
    # run); only a user seeded by a test is asked separately.
    live: list[auth.LiveSession | None] = []

    def lookup(token: str) -> CurrentUser | None:
        live.append(_lookup(token))
        return None if live[-1] is None else live[-1].user

    user, stale = resolve_user(st.context.cookies, st.session_state.get(SEEDED_USER_KEY), lookup)
    st.session_state[USER_KEY] = user
    st.session_state[STALE_KEY] = stale
    if live:
        st.session_state[MUST_CHANGE_KEY] = live[-1] is not None and live[-1].must_change_password
    else:
        st.session_state[MUST_CHANGE_KEY] = _must_change(user)
    return user


def must_change_password() -> bool:
    """Whether this run's user signed in with a one-time password and must change it first
    (then the navigation offers the password page only)."""
    return bool(st.session_state.get(MUST_CHANGE_KEY)) and current_user() is not None


def current_user() -> CurrentUser | None:
    """The user resolved by streamlit_app.py in this run (None: not signed in)."""
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, CurrentUser) else None


LOGOUT_FORM: Final = """
<form method="post" action="/auth/logout?lang={lang}">
  <button type="submit" style="padding: 0.3rem 0.8rem; border: 1px solid #bbb; border-radius: 0.4rem;
          background: transparent; cursor: pointer;">{label}</button>
</form>
"""


def account_box(user: CurrentUser | None, lang: str, login_page: st.Page | None) -> None:
    """Sidebar: who is signed in with a sign-out button, or a link to the login page."""
    if user is not None:
        role = t(f"role.{user.role}", lang)
        st.sidebar.caption(t("auth.signed_in_as", lang, name=user.display_name or user.username, role=role))
        st.sidebar.html(LOGOUT_FORM.format(lang=escape(lang), label=escape(t("auth.logout", lang))))
        return
    if st.session_state.get(STALE_KEY):
        st.sidebar.info(t("auth.expired", lang))
    if login_page is not None:
        st.sidebar.page_link(login_page, label=t("auth.login_link", lang), icon=":material/login:")


def require_page_permission(permission: Permission, lang: str) -> CurrentUser:
    """The signed-in user if they may ``permission``; otherwise explain and stop the page.

    Navigation already hides staff pages from other roles; this guards a page opened by
    its URL (or left open after signing out).
    """
    user = current_user()
    if user is None:
        st.info(t("auth.sign_in_first", lang))
        st.stop()
    if must_change_password():
        st.info(t("accounts.admin.must_change", lang))
        st.stop()
    if not allowed(user, permission):
        st.warning(t("auth.not_allowed", lang, role=t(f"role.{user.role}", lang)))
        st.stop()
    return user
