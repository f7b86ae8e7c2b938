"""Placeholder while issue 11's page is built: admins only."""

from __future__ import annotations

import streamlit as st

from services.permissions import Permission
from ui.auth import require_page_permission
from ui.messages import t
from ui.page import current_lang

lang = current_lang()
require_page_permission(Permission.configure_campaign, lang)
st.title(t("nav.campaigns", lang))
