"""Entry point: page setup, localized navigation, then the selected page."""

from __future__ import annotations

import streamlit as st

from ui.messages import t
from ui.page import page_setup

lang = page_setup()

# Pages are registered explicitly so their titles can be localized. Their folder is
# app_pages/, not pages/: a pages/ folder beside the entry point switches Streamlit into
# its legacy multipage mode, in which a rerun (or a cold start on /home) runs the page
# without this script, i.e. without page_setup() and the language selector.
pages = [
    st.Page("app_pages/home.py", title=t("nav.home", lang), icon="🏠", url_path="home", default=True),
]

st.navigation(pages).run()
