"""The fieldwork bulletin (通报): per respondent group, the units with the most dissatisfied
answers in a week, a month or a chosen range.

A public page: anyone sees the campaigns whose bulletin the admins made public; admins
see every campaign's bulletin and switch its publicity here. Only services are called
(services/bulletin.py), which decide who sees what.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import bulletin
from services.errors import ServiceError
from survey.bulletin import DEFAULT_MIN_ANSWERS, DISSATISFIED_BELOW, PERIODS, period_bounds
from ui.auth import current_user
from ui.labels import data_label
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_today
from ui.widgets import choose_campaign

RANGE = "range"


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


lang = current_lang()
user = current_user()
admin = bulletin.is_admin(user)

st.title(t("bulletin.title", lang))
st.caption(t("bulletin.intro", lang, below=f"{DISSATISFIED_BELOW:g}"))

try:
    choices = bulletin.bulletin_campaigns(uow(), user)
except ServiceError as exc:
    st.error(t("bulletin.error", lang, detail=str(exc)))
    st.stop()
selected = choose_campaign(
    choices,
    t("bulletin.campaign", lang),
    lambda c: f"{c.name}（{c.code}）",
    empty=t("bulletin.none", lang),
    key="bulletin.campaign",
)
code = selected.code

if admin:
    public = st.toggle(
        t("bulletin.public", lang),
        value=selected.public,
        help=t("bulletin.public_help", lang),
        key=f"bulletin.public.{code}",
    )
    if public != selected.public:
        try:
            bulletin.set_public_bulletin(uow(), user, code, public)
        except ServiceError as exc:
            st.error(t("bulletin.error", lang, detail=str(exc)))
        else:
            st.success(t("bulletin.public_on" if public else "bulletin.public_off", lang))

try:
    # a campaign whose fieldwork is over opens on its whole fieldwork, not on today's empty week
    opening = bulletin.opening_period(uow(), user, code)
except ServiceError as exc:
    st.error(t("bulletin.error", lang, detail=str(exc)))
    st.stop()
if st.session_state.get("bulletin.shown") != code:
    # another campaign: its own opening period, not the one chosen for the last campaign
    for widget in ("bulletin.period", "bulletin.range", "bulletin.anchor"):
        st.session_state.pop(widget, None)
    st.session_state["bulletin.shown"] = code

left, middle, right = st.columns([2, 2, 1])
period: str = left.radio(
    t("bulletin.period", lang),
    [*PERIODS, RANGE],
    index=len(PERIODS) if opening else 0,
    format_func=lambda p: t(f"bulletin.period.{p}", lang),
    horizontal=True,
    key="bulletin.period",
)
today = beijing_today()  # the server may run on UTC, still on yesterday until 08:00 in Beijing
if period == RANGE:
    picked = middle.date_input(
        t("bulletin.range", lang),
        value=opening or (period_bounds("week", today)[0], today),
        key="bulletin.range",
    )
    bounds = tuple(picked) if isinstance(picked, tuple | list) else (picked, picked)
    if len(bounds) != 2 or not all(isinstance(d, date) for d in bounds):
        st.info(t("bulletin.range_incomplete", lang))
        st.stop()
    start, end = bounds[0], bounds[1]
else:
    anchor = middle.date_input(
        t("bulletin.anchor", lang), value=opening[1] if opening else today, key="bulletin.anchor"
    )
    start, end = period_bounds(period, anchor if isinstance(anchor, date) else today)
min_answers = int(
    right.number_input(
        t("bulletin.min_answers", lang),
        min_value=1,
        value=DEFAULT_MIN_ANSWERS,
        step=5,
        help=t("bulletin.min_answers_help", lang),
        key="bulletin.min_answers",
    )
)

try:
    result = bulletin.fieldwork_bulletin(uow(), user, code, start, end, min_answers=min_answers)
except ServiceError as exc:
    st.error(t("bulletin.error", lang, detail=str(exc)))
    st.stop()

st.subheader(t("bulletin.heading", lang, name=result.campaign_name, start=str(start), end=str(end)))
st.caption(t("bulletin.definition", lang, below=f"{DISSATISFIED_BELOW:g}", n=result.min_answers))
for group in result.groups:
    label = group.label_zh if lang == "zh" else data_label(group.label_en, lang)
    st.markdown(f"**{label}**")
    st.caption(t("bulletin.responses", lang, n=group.responses))
    if not group.rows:
        st.info(t("bulletin.no_rows", lang))
        continue
    st.dataframe(
        pd.DataFrame(
            {
                "rank": [r.rank for r in group.rows],
                "unit": [r.unit_name for r in group.rows],
                "dissatisfied": [r.dissatisfied for r in group.rows],
                "scored": [r.scored for r in group.rows],
                "share": [100 * r.share for r in group.rows],
            }
        ),
        hide_index=True,
        key=f"bulletin.table.{group.code}",
        column_config={
            "rank": st.column_config.NumberColumn(t("bulletin.col.rank", lang), width="small"),
            "unit": st.column_config.TextColumn(t("bulletin.col.unit", lang), width="medium"),
            "dissatisfied": st.column_config.NumberColumn(t("bulletin.col.dissatisfied", lang)),
            "scored": st.column_config.NumberColumn(t("bulletin.col.scored", lang)),
            "share": st.column_config.NumberColumn(t("bulletin.col.share", lang), format="%.1f%%"),
        },
    )
