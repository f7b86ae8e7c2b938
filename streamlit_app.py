"""Entry point: page setup, who is signed in, localized navigation, then the selected page.

Served by ``asgi.py`` (``st.App``), which adds the login and logout routes that set the
session cookie read here.
"""

from __future__ import annotations

import streamlit as st

from ui.auth import account_box, sign_in_state
from ui.messages import t
from ui.page import page_setup

lang = page_setup()
user = sign_in_state()

# Pages are registered explicitly so their titles can be localized. Their folder is
# app_pages/, not pages/: a pages/ folder beside the entry point switches Streamlit into
# its legacy multipage mode, in which a rerun (or a cold start on /home) runs the page
# without this script, i.e. without page_setup() and the language selector.
pages = [
    st.Page("app_pages/home.py", title=t("nav.home", lang), icon="🏠", url_path="home", default=True),
]
login_page = None
if user is None:
    login_page = st.Page("app_pages/login.py", title=t("nav.login", lang), icon="🔑", url_path="login")
    pages.append(login_page)

account_box(user, lang, login_page)
st.navigation(pages).run()
