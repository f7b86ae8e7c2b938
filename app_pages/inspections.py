"""Placeholder: inspection rounds (being built)."""

from __future__ import annotations

import streamlit as st

from ui.messages import t
from ui.page import current_lang

st.title(t("nav.inspections", current_lang()))
