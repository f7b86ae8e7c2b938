"""Placeholder: being built (issue 6)."""

from __future__ import annotations

import streamlit as st

from ui.messages import t
from ui.page import current_lang

lang = current_lang()
st.title(t("nav.scoring", lang))
