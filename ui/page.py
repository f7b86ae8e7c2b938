"""Page setup shared by every page: page config and the language selector."""

from __future__ import annotations

import streamlit as st

from ui.messages import DEFAULT_LANG, LANGS, Lang, t
from ui.widgets import chrome_style

LANG_KEY = "lang"


def current_lang() -> Lang:
    """The language the user chose in this session (Chinese until they switch)."""
    lang = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def page_setup() -> Lang:
    """Configure the page and draw the sidebar language selector; return the language.

    Called once per run by ``streamlit_app.py`` before ``st.navigation``, so the
    navigation titles are already in the chosen language.
    """
    # Seed before the widget is created: a keyed widget takes its value from
    # session_state, and passing `index` as well would raise a Streamlit warning.
    if st.session_state.get(LANG_KEY) not in LANGS:
        # A new session starts in the language named in the URL (the login and logout
        # routes redirect with ?lang=...), else in Chinese.
        from_url = st.query_params.get(LANG_KEY)
        st.session_state[LANG_KEY] = from_url if from_url in LANGS else DEFAULT_LANG
    lang = current_lang()
    st.set_page_config(page_title=t("app.title", lang), page_icon="🏅", layout="wide")
    chrome_style(lang)
    st.sidebar.radio(
        t("app.language", lang),
        options=LANGS,
        format_func=lambda code: t(f"lang.{code}", lang),
        key=LANG_KEY,
        horizontal=True,
    )
    return current_lang()
