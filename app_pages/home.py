"""Home page: what the appraisal is and how a unit is scored."""

from __future__ import annotations

import streamlit as st

from ui.messages import t
from ui.page import current_lang

# Default component weights of methodology version 1; a campaign may override them.
COMPONENT_WEIGHTS = (("survey", 55), ("phone", 25), ("bigdata", 20))
SCORER_COMMANDS = (
    "python -m scoring validate BUNDLE_DIR\npython -m scoring score BUNDLE_DIR --out RESULTS_DIR"
)

lang = current_lang()

st.title(t("app.title", lang))
st.write(t("home.subtitle", lang))

# Method section
st.header(t("home.method.header", lang))
st.write(t("home.method.intro", lang))
for column, (component, weight) in zip(st.columns(len(COMPONENT_WEIGHTS)), COMPONENT_WEIGHTS, strict=True):
    with column:
        st.metric(t(f"home.component.{component}", lang), f"{weight}%")
        st.caption(t(f"home.component.{component}.help", lang))

# Ranking section
st.header(t("home.ranking.header", lang))
st.markdown(t("home.ranking.body", lang))

# Offline recomputation section
st.header(t("home.offline.header", lang))
st.write(t("home.offline.body", lang))
st.code(SCORER_COMMANDS, language="bash")
