"""Login page: a plain HTML form that posts to ``/auth/login`` (ui/auth_routes.py).

A Streamlit widget form could check the password but not set the session cookie, so
the browser posts the form itself; the route sets the cookie and redirects back.
"""

from __future__ import annotations

import html

import streamlit as st

from services.auth import idle_minutes_setting
from ui.auth import current_user
from ui.messages import t
from ui.page import current_lang

lang = current_lang()
user = current_user()

st.title(t("login.title", lang))

if user is not None:
    st.success(
        t("login.already", lang, name=user.display_name or user.username, role=t(f"role.{user.role}", lang))
    )
    st.stop()

st.write(t("login.intro", lang))
if st.query_params.get("error") == "invalid":
    st.error(t("login.error.invalid", lang))

# Labels come from the catalogue and are escaped; the form needs no JavaScript.
FORM = """
<style>
  .login-form {{ display: grid; gap: 0.5rem; max-width: 22rem; }}
  .login-form input {{ padding: 0.5rem; font-size: 1rem; border: 1px solid #bbb; border-radius: 0.4rem; }}
  .login-form button {{ padding: 0.55rem; font-size: 1rem; border: 0; border-radius: 0.4rem;
                        background: #c0392b; color: white; cursor: pointer; }}
</style>
<form class="login-form" method="post" action="/auth/login">
  <label for="login-username">{username}</label>
  <input id="login-username" name="username" autocomplete="username" required>
  <label for="login-password">{password}</label>
  <input id="login-password" name="password" type="password" autocomplete="current-password" required>
  <input type="hidden" name="lang" value="{lang}">
  <button type="submit">{submit}</button>
</form>
"""
st.html(
    FORM.format(
        username=html.escape(t("login.username", lang)),
        password=html.escape(t("login.password", lang)),
        submit=html.escape(t("login.submit", lang)),
        lang=html.escape(lang),
    )
)
st.caption(t("login.idle_note", lang, minutes=idle_minutes_setting()))
