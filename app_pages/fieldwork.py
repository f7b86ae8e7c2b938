"""Fieldwork dashboard (访问进度) and contractor assurance, for supervisors and admins.

The actions come first: supervisors deal cases to callers (a deal of more than a page of
cases asks for the count to be confirmed before anything is assigned) and reassign
single cases. Then progress per unit toward its target of completed interviews as one
sortable, searchable table (progress, AAPOR rates, completes, target), completes per day
(Beijing date) and caller, AAPOR rates for the whole contractor and per caller, calls per
hour, interviews too short for the script, callers whose answers stand out, and a random
back-check sample. Admins only watch (the contractor stays independent).
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
from ui.widgets import multi_choice, show_flash

RATES = ("RR1", "RR2", "RR3", "RR4", "COOP1", "REF1", "CON1")
FLASH = "fieldwork.flash"
GEN = "fieldwork.gen"
# A deal waiting for the supervisor to confirm its count:
# {"campaign", "units", "callers", "count"} (see services.fieldwork.assign_round_robin).
PENDING = "fieldwork.bulk.pending"


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


def percent(value: float) -> float | None:
    """A rate as a sortable number of percent (None when undefined: no eligible case)."""
    return None if math.isnan(value) else round(100 * value, 1)


def done(message: str) -> None:
    st.session_state[FLASH] = message
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1
    st.rerun()


def deal(code: str, units: list[str], callers: list[str], confirmed: int | None, lang: str) -> None:
    """Deal the cases, or keep the deal pending when its count needs confirming."""
    try:
        dealt = fieldwork.assign_round_robin(uow(), user, code, units, callers, confirmed_count=confirmed)
    except fieldwork.ConfirmationNeeded as exc:
        st.session_state[PENDING] = {"campaign": code, "units": units, "callers": callers, "count": exc.count}
        st.rerun()
    except ServiceError as exc:
        st.session_state.pop(PENDING, None)
        st.error(error_text(exc, lang))
    else:
        st.session_state.pop(PENDING, None)
        done(t("fieldwork.bulk.done", lang, n=sum(len(v) for v in dealt.values())))


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

# ---------------------------------------------------------------- actions (supervisors)
if can_assign:
    st.subheader(t("fieldwork.assign.header", lang))
    try:
        callers = fieldwork.list_callers(uow(), user)
        open_cases = fieldwork.open_cases(uow(), user, code)
    except ServiceError as exc:
        st.error(error_text(exc, lang))
        st.stop()
    caller_names = {c.code: c.name for c in callers}
    pending = st.session_state.get(PENDING)
    if not callers:
        st.info(t("fieldwork.assign.no_callers", lang))
    elif isinstance(pending, dict) and pending.get("campaign") == code:
        # Step two of a large deal: nothing is assigned until the count is confirmed.
        st.warning(
            t("fieldwork.bulk.confirm", lang, n=pending["count"], callers=len(pending["callers"])),
            icon=":material/warning:",
        )
        yes, no = st.columns(2)
        if yes.button(
            t("fieldwork.bulk.confirm_button", lang, n=pending["count"]),
            type="primary",
            key="fieldwork.bulk.confirm",
        ):
            deal(code, pending["units"], pending["callers"], pending["count"], lang)
        if no.button(t("fieldwork.bulk.cancel", lang), key="fieldwork.bulk.cancel"):
            st.session_state.pop(PENDING, None)
            st.rerun()
    elif open_cases:
        unit_names = {u.code: u.name for u in board.units}
        with st.form(f"fieldwork.bulk.{gen}", enter_to_submit=False):
            st.caption(t("fieldwork.bulk.help", lang, page=fieldwork.ASSIGN_PAGE_SIZE))
            every_unit = st.checkbox(t("fieldwork.bulk.all_units", lang, n=len(unit_names)))
            # Streamlit's own "Select all" is English (multi_choice leaves it out): the
            # checkbox above says it in the person's language, and the deal asks to confirm.
            chosen_units = multi_choice(
                t("fieldwork.bulk.units", lang),
                list(unit_names),
                lang,
                format_func=unit_names.__getitem__,
                placeholder=t("fieldwork.bulk.units.placeholder", lang),
            )
            chosen_callers = multi_choice(
                t("fieldwork.bulk.callers", lang),
                list(caller_names),
                lang,
                format_func=caller_names.__getitem__,
                placeholder=t("fieldwork.bulk.callers.placeholder", lang),
            )
            if st.form_submit_button(t("fieldwork.bulk.submit", lang)):
                deal(code, list(unit_names) if every_unit else chosen_units, chosen_callers, None, lang)

        cases = {c.case_code: c for c in open_cases}
        with st.form(f"fieldwork.assign.{gen}", enter_to_submit=False):
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
    else:
        st.info(t("fieldwork.assign.no_open", lang))

# ---------------------------------------------------------------- the contractor
st.subheader(t("fieldwork.contractor.header", lang, cases=board.contractor.cases))
st.caption(t("fieldwork.rates.help", lang))
for col, rate in zip(st.columns(len(RATES)), RATES, strict=True):
    col.metric(rate, pct(board.contractor.rates[rate]))

# ---------------------------------------------------------------- units: one searchable table
st.subheader(t("fieldwork.units.header", lang))
st.caption(t(f"fieldwork.target.{board.target_source}", lang))
query = st.text_input(
    t("fieldwork.units.search", lang),
    placeholder=t("fieldwork.units.search.placeholder", lang),
    key="fieldwork.units.search",
)
shown = fieldwork.search_units(board.units, query)
st.caption(t("fieldwork.units.shown", lang, shown=len(shown), total=len(board.units)))
unit_table = pd.DataFrame(
    {
        "unit": [u.name for u in shown],
        "code": [u.code for u in shown],
        "progress": [round(100 * u.share, 1) for u in shown],
        "completes": [u.completes for u in shown],
        "target": [u.target for u in shown],
        **{rate: pd.array([percent(u.rates.rates[rate]) for u in shown], dtype="Float64") for rate in RATES},
        "cases": [u.cases for u in shown],
        "called": [u.called for u in shown],
        "closed": [u.closed for u in shown],
    }
)
st.dataframe(
    unit_table,
    hide_index=True,
    width="stretch",
    key="fieldwork.units.table",
    column_config={
        "unit": st.column_config.TextColumn(t("fieldwork.col.unit", lang), pinned=True),
        "code": st.column_config.TextColumn(t("fieldwork.col.code", lang)),
        "progress": st.column_config.ProgressColumn(
            t("fieldwork.col.progress", lang),
            help=t("fieldwork.col.progress.help", lang),
            min_value=0,
            max_value=100,
            format="%.0f%%",
        ),
        "completes": st.column_config.NumberColumn(t("fieldwork.col.completes", lang)),
        "target": st.column_config.NumberColumn(t("fieldwork.col.target", lang)),
        **{
            rate: st.column_config.NumberColumn(rate, help=t("fieldwork.rates.help", lang), format="%.1f%%")
            for rate in RATES
        },
        "cases": st.column_config.NumberColumn(t("fieldwork.col.cases", lang)),
        "called": st.column_config.NumberColumn(t("fieldwork.col.called", lang)),
        "closed": st.column_config.NumberColumn(t("fieldwork.col.closed", lang)),
    },
)

# ---------------------------------------------------------------- completes per day and caller
st.subheader(t("fieldwork.daily.header", lang))
if not board.daily:
    st.info(t("fieldwork.daily.none", lang))
else:
    day, who, completes = (t(f"fieldwork.daily.{k}", lang) for k in ("day", "caller", "completes"))
    daily = pd.DataFrame(
        {
            day: [d.day.isoformat() for d in board.daily],
            who: [d.caller_name or t("fieldwork.assign.nobody", lang) for d in board.daily],
            completes: [d.completes for d in board.daily],
        }
    )
    st.bar_chart(daily, x=day, y=completes, color=who, stack=True)

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
    st.dataframe(pd.DataFrame(caller_table), hide_index=True, width="stretch")
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
        width="stretch",
    )

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
    width="stretch",
)
if can_assign:
    with st.form(f"fieldwork.backcheck.{gen}", enter_to_submit=False):
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
