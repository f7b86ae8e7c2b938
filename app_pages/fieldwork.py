"""Fieldwork dashboard (访问进度) and contractor assurance, for supervisors and admins.

Progress per unit toward its target of completed interviews; AAPOR rates per unit, per
caller and for the whole contractor (computed as fieldwork.csv is); calls per hour;
interviews too short for the script; callers whose answers stand out; a random
back-check sample. Supervisors also reassign cases and record back-check outcomes;
admins only watch (the contractor stays independent).
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import fieldwork
from services.errors import NotFound, ServiceError
from services.permissions import Permission, PermissionDenied, allowed
from survey.assurance import BackcheckDesign
from ui.auth import require_page_permission
from ui.messages import t
from ui.page import current_lang
from ui.widgets import show_flash

RATES = ("RR1", "RR2", "RR3", "RR4", "COOP1", "REF1", "CON1")
FLASH = "fieldwork.flash"
GEN = "fieldwork.gen"


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def error_text(exc: ServiceError, lang: str) -> str:
    if isinstance(exc, PermissionDenied):
        return t("fieldwork.error.denied", lang)
    if isinstance(exc, NotFound):
        return t("fieldwork.error.not_found", lang)
    return t("fieldwork.error.refused", lang)


def pct(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1%}"


def done(message: str) -> None:
    st.session_state[FLASH] = message
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1
    st.rerun()


lang = current_lang()
user = require_page_permission(Permission.watch_fieldwork, lang)
can_assign = allowed(user, Permission.assign_cases)
gen = st.session_state.get(GEN, 0)

st.title(t("fieldwork.title", lang))
st.caption(t("fieldwork.intro", lang))
show_flash(FLASH)

try:
    campaigns = fieldwork.fieldwork_campaigns(uow(), user)
except ServiceError as exc:
    st.error(error_text(exc, lang))
    st.stop()
if not campaigns:
    st.info(t("fieldwork.no_campaigns", lang))
    st.stop()
names = {c.code: f"{c.name}（{c.code}）" for c in campaigns}
code: str = st.selectbox(t("fieldwork.campaign", lang), list(names), format_func=names.__getitem__)

try:
    board = fieldwork.fieldwork_dashboard(uow(), user, code)
except ServiceError as exc:
    st.error(error_text(exc, lang))
    st.stop()

# ---------------------------------------------------------------- the contractor
st.subheader(t("fieldwork.contractor.header", lang, cases=board.contractor.cases))
st.caption(t("fieldwork.rates.help", lang))
for col, rate in zip(st.columns(len(RATES)), RATES, strict=True):
    col.metric(rate, pct(board.contractor.rates[rate]))

# ---------------------------------------------------------------- units
st.subheader(t("fieldwork.units.header", lang))
st.caption(t(f"fieldwork.target.{board.target_source}", lang))
for u in board.units:
    st.progress(
        u.share, text=t("fieldwork.units.progress", lang, name=u.name, done=u.completes, target=u.target)
    )
unit_table = {
    t("fieldwork.col.unit", lang): [u.name for u in board.units],
    t("fieldwork.col.cases", lang): [u.cases for u in board.units],
    t("fieldwork.col.called", lang): [u.called for u in board.units],
    t("fieldwork.col.closed", lang): [u.closed for u in board.units],
    t("fieldwork.col.completes", lang): [u.completes for u in board.units],
    t("fieldwork.col.target", lang): [u.target for u in board.units],
}
unit_table.update({r: [pct(u.rates.rates[r]) for u in board.units] for r in RATES})
st.dataframe(pd.DataFrame(unit_table), hide_index=True, use_container_width=True)

# ---------------------------------------------------------------- callers
st.subheader(t("fieldwork.callers.header", lang))
if not board.callers:
    st.info(t("fieldwork.callers.none", lang))
else:
    st.caption(t("fieldwork.callers.help", lang, alpha=board.alpha))
    caller_table = {
        t("fieldwork.col.caller", lang): [c.name for c in board.callers],
        t("fieldwork.col.cases", lang): [c.rates.cases for c in board.callers],
        t("fieldwork.col.attempts", lang): [c.attempts for c in board.callers],
        t("fieldwork.col.per_hour", lang): [
            "—" if math.isnan(c.calls_per_hour) else f"{c.calls_per_hour:.1f}" for c in board.callers
        ],
        t("fieldwork.col.completes", lang): [c.completes for c in board.callers],
    }
    caller_table.update({r: [pct(c.rates.rates[r]) for c in board.callers] for r in RATES})
    caller_table.update(
        {
            t("fieldwork.col.short", lang): [c.short for c in board.callers],
            t("fieldwork.col.top_share", lang): [pct(c.top_share) for c in board.callers],
            t("fieldwork.col.p_adjusted", lang): [
                "—" if math.isnan(c.adjusted) else f"{c.adjusted:.3f}" for c in board.callers
            ],
            t("fieldwork.col.flag", lang): [
                t("fieldwork.flag.outlier", lang) if c.flagged else "" for c in board.callers
            ],
        }
    )
    st.dataframe(pd.DataFrame(caller_table), hide_index=True, use_container_width=True)
    flagged = [c.name for c in board.callers if c.flagged]
    if flagged:
        st.warning(t("fieldwork.flag.warning", lang, callers="、".join(flagged)))
    st.markdown(f"**{t('fieldwork.hours.header', lang)}**")
    hours = pd.DataFrame({c.name: list(c.by_hour) for c in board.callers}, index=range(24))
    hours.index.name = t("fieldwork.hours.hour", lang)
    st.bar_chart(hours[(hours.sum(axis=1) > 0).to_numpy()] if hours.to_numpy().sum() else hours)

# ---------------------------------------------------------------- short interviews
st.subheader(t("fieldwork.short.header", lang, n=len(board.short)))
st.caption(t("fieldwork.short.help", lang))
if board.short:
    st.dataframe(
        pd.DataFrame(
            {
                t("fieldwork.col.case", lang): [s.case_code for s in board.short],
                t("fieldwork.col.caller", lang): [s.caller_code for s in board.short],
                t("fieldwork.col.unit", lang): [s.unit_code for s in board.short],
                t("fieldwork.col.seconds", lang): [round(s.duration_seconds) for s in board.short],
                t("fieldwork.col.min_seconds", lang): [round(s.min_seconds) for s in board.short],
            }
        ),
        hide_index=True,
        use_container_width=True,
    )

# ---------------------------------------------------------------- reassignment (supervisors)
if can_assign:
    st.subheader(t("fieldwork.assign.header", lang))
    try:
        callers = fieldwork.list_callers(uow(), user)
        open_cases = fieldwork.open_cases(uow(), user, code)
    except ServiceError as exc:
        st.error(error_text(exc, lang))
        st.stop()
    caller_names = {c.code: c.name for c in callers}
    if not callers:
        st.info(t("fieldwork.assign.no_callers", lang))
    elif open_cases:
        cases = {c.case_code: c for c in open_cases}
        with st.form(f"fieldwork.assign.{gen}"):
            case_code = st.selectbox(
                t("fieldwork.assign.case", lang),
                list(cases),
                format_func=lambda k: t(
                    "fieldwork.assign.case_option",
                    lang,
                    case=k,
                    unit=cases[k].unit_name,
                    caller=caller_names.get(cases[k].caller_code, t("fieldwork.assign.nobody", lang)),
                ),
            )
            caller_code = st.selectbox(
                t("fieldwork.assign.caller", lang), list(caller_names), format_func=caller_names.__getitem__
            )
            if st.form_submit_button(t("fieldwork.assign.submit", lang)):
                try:
                    fieldwork.assign_case(uow(), user, code, case_code, caller_code)
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    done(t("fieldwork.assign.done", lang, case=case_code, caller=caller_names[caller_code]))
        unit_names = {u.code: u.name for u in board.units}
        with st.form(f"fieldwork.bulk.{gen}"):
            st.caption(t("fieldwork.bulk.help", lang))
            chosen_units = st.multiselect(
                t("fieldwork.bulk.units", lang), list(unit_names), format_func=unit_names.__getitem__
            )
            chosen_callers = st.multiselect(
                t("fieldwork.bulk.callers", lang), list(caller_names), format_func=caller_names.__getitem__
            )
            if st.form_submit_button(t("fieldwork.bulk.submit", lang)):
                try:
                    dealt = fieldwork.assign_round_robin(uow(), user, code, chosen_units, chosen_callers)
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    done(t("fieldwork.bulk.done", lang, n=sum(len(v) for v in dealt.values())))
    else:
        st.info(t("fieldwork.assign.no_open", lang))

# ---------------------------------------------------------------- back-checks
st.subheader(t("fieldwork.backcheck.header", lang))
st.caption(t("fieldwork.backcheck.help", lang))
left, right = st.columns(2)
rate = left.number_input(t("fieldwork.backcheck.rate", lang), min_value=1, max_value=100, value=10, step=1)
seed = right.number_input(t("fieldwork.backcheck.seed", lang), min_value=0, value=20260301, step=1)
try:
    sample = fieldwork.backcheck_list(uow(), user, code, BackcheckDesign(rate=rate / 100, seed=int(seed)))
except ServiceError as exc:
    st.error(error_text(exc, lang))
    st.stop()
if not sample:
    st.info(t("fieldwork.backcheck.none", lang))
    st.stop()
st.dataframe(
    pd.DataFrame(
        {
            t("fieldwork.col.case", lang): [e.case_code for e in sample],
            t("fieldwork.col.caller", lang): [e.caller_code for e in sample],
            t("fieldwork.col.unit", lang): [e.unit_name for e in sample],
            t("fieldwork.col.phone", lang): [e.phone for e in sample],
            t("fieldwork.col.seconds", lang): [e.duration_seconds for e in sample],
            t("fieldwork.col.recording", lang): [e.recording_url for e in sample],
            t("fieldwork.col.outcome", lang): [
                t(f"fieldwork.backcheck.{e.outcome}", lang) if e.outcome else "" for e in sample
            ],
            t("fieldwork.col.note", lang): [e.note for e in sample],
        }
    ),
    hide_index=True,
    use_container_width=True,
)
if can_assign:
    with st.form(f"fieldwork.backcheck.{gen}"):
        case_code = st.selectbox(t("fieldwork.backcheck.case", lang), [e.case_code for e in sample])
        confirmed = st.radio(
            t("fieldwork.backcheck.result", lang),
            ["confirmed", "not_confirmed"],
            format_func=lambda o: t(f"fieldwork.backcheck.{o}", lang),
            horizontal=True,
        )
        note = st.text_input(t("fieldwork.backcheck.note", lang), max_chars=500)
        if st.form_submit_button(t("fieldwork.backcheck.submit", lang)):
            try:
                fieldwork.record_backcheck(uow(), user, code, case_code, confirmed == "confirmed", note)
            except ServiceError as exc:
                st.error(error_text(exc, lang))
            else:
                done(t("fieldwork.backcheck.done", lang, case=case_code))
