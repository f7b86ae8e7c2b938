"""The three rates (三率) and the monthly bulletin (通报), for administrators: choose a campaign
and a period (a month or custom dates, optionally one round), see each visited unit's
attendance, on-post and focus rates with its verified findings, set the rule (the rates
feed indicators, or findings become deductions), run the feed, and preview the month's
bulletin with the switch that makes it public.

Only services are called (services/inspection_rates.py, services/inspection_bulletin.py);
they check permissions, freeze dates and campaign status, and write the audit trail.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import adjustments, indicators, inspection_bulletin, inspection_rates
from services.errors import ServiceError
from services.permissions import Permission
from ui.auth import require_page_permission
from ui.inspection_bulletin import draw_bulletin, harms_text
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_today
from ui.widgets import choose_campaign, show_flash

FLASH_KEY = "inspection_results.flash"
GEN_KEY = "inspection_results.gen"  # bumped after a change: fresh forms
NONE = ""


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def done(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.rerun()


def show_error(exc: ServiceError, lang: str) -> None:
    st.error(t("inspection_results.error", lang, detail=str(exc)))


lang = current_lang()
user = require_page_permission(Permission.manage_registries, lang)

st.title(t("inspection_results.title", lang))
st.caption(t("inspection_results.intro", lang))
show_flash(FLASH_KEY)

try:
    choices = indicators.campaigns(uow(), user)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
selected = choose_campaign(
    choices,
    t("inspection_results.campaign", lang),
    lambda c: f"{c.name}（{c.code}）",
    empty=t("inspection_results.no_campaigns", lang),
    key="inspection_results.campaign",
)
code = selected.code
if not selected.editable:
    st.info(t("inspection_results.frozen_campaign", lang))
gen = st.session_state.get(GEN_KEY, 0)

# ---------------------------------------------------------------- the period
today = beijing_today()
mode: str = st.radio(
    t("inspection_results.period", lang),
    ["month", "custom"],
    format_func=lambda m: t(f"inspection_results.period.{m}", lang),
    horizontal=True,
    key="inspection_results.period",
)
if mode == "month":
    left, right = st.columns(2)
    year = int(
        left.number_input(
            t("inspection_results.year", lang),
            min_value=2000,
            max_value=2100,
            value=today.year,
            step=1,
            key="inspection_results.year",
        )
    )
    month = int(
        right.selectbox(
            t("inspection_results.month", lang),
            list(range(1, 13)),
            index=today.month - 1,
            key="inspection_results.month",
        )
    )
    starts_on, ends_on = inspection_bulletin.month_bounds(year, month)
else:
    picked = st.date_input(
        t("inspection_results.dates", lang),
        value=(today.replace(day=1), today),
        key="inspection_results.dates",
    )
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.warning(t("inspection_results.dates_incomplete", lang))
        st.stop()
    starts_on, ends_on = picked
    year, month = starts_on.year, starts_on.month

try:
    rounds = dict(inspection_rates.round_codes(uow(), user, code))
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
round_code: str = st.selectbox(
    t("inspection_results.round", lang),
    [NONE, *rounds],
    format_func=lambda r: t("inspection_results.round.all", lang) if r == NONE else f"{rounds[r]}（{r}）",
    key="inspection_results.round",
)
st.caption(t("inspection_results.period_caption", lang, start=str(starts_on), end=str(ends_on)))

# ---------------------------------------------------------------- the rates
st.subheader(t("inspection_results.rates.header", lang))
try:
    rows = inspection_rates.unit_rates(
        uow(), user, code, starts_on=starts_on, ends_on=ends_on, round_code=round_code or None
    )
except ServiceError as exc:
    show_error(exc, lang)
    rows = []
if not rows:
    st.info(t("inspection_results.rates.empty", lang))
else:
    st.dataframe(
        pd.DataFrame(
            {
                "unit": [f"{r.unit_name}（{r.unit_code}）" for r in rows],
                "visits": [r.visits for r in rows],
                "expected": [r.expected for r in rows],
                "attendance": [round(r.attendance_rate, 2) for r in rows],
                "on_post": [round(r.on_post_rate, 2) for r in rows],
                "focus": [round(r.focus_rate, 2) for r in rows],
                "findings": [harms_text(r.findings, lang) for r in rows],
                "first": [str(r.first_visit) for r in rows],
                "last": [str(r.last_visit) for r in rows],
            }
        ),
        hide_index=True,
        key="inspection_results.rates",
        column_config={
            "unit": st.column_config.TextColumn(t("inspection_results.col.unit", lang), width="medium"),
            "visits": st.column_config.NumberColumn(t("inspection_results.col.visits", lang)),
            "expected": st.column_config.NumberColumn(t("inspection_results.col.expected", lang)),
            "attendance": st.column_config.NumberColumn(
                t("inspection_results.col.attendance", lang), format="%.2f"
            ),
            "on_post": st.column_config.NumberColumn(
                t("inspection_results.col.on_post", lang), format="%.2f"
            ),
            "focus": st.column_config.NumberColumn(t("inspection_results.col.focus", lang), format="%.2f"),
            "findings": st.column_config.TextColumn(
                t("inspection_results.col.findings", lang), width="medium"
            ),
            "first": st.column_config.TextColumn(t("inspection_results.col.first", lang)),
            "last": st.column_config.TextColumn(t("inspection_results.col.last", lang)),
        },
    )

# ---------------------------------------------------------------- the rule
st.subheader(t("inspection_results.rule.header", lang))
try:
    rule = inspection_rates.get_rule(uow(), user, code)
    higher = [i.spec for i in indicators.list_indicators(uow(), user, code) if i.spec.direction == "higher"]
    cap = adjustments.caps(uow(), user, code).deduction
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
st.caption(t("inspection_results.rule.help", lang, cap=f"{cap:g}"))
names = {s.code: s.name for s in higher}
if not higher:
    st.caption(t("inspection_results.rule.no_indicators", lang))
with st.form(f"inspection_results.rule.{code}.{gen}", enter_to_submit=False):
    feed: str = st.radio(
        t("inspection_results.rule.feed", lang),
        list(inspection_rates.FEEDS),
        index=list(inspection_rates.FEEDS).index(rule.feed),
        format_func=lambda f: t(f"inspection_results.rule.feed.{f}", lang),
        horizontal=True,
        key=f"inspection_results.rule.feed.{gen}",
    )
    chosen: dict[str, str] = {}
    for column, rate in zip(st.columns(3), inspection_rates.RATES, strict=True):
        options = [NONE, *names]
        current = rule.indicators.get(rate, NONE)
        chosen[rate] = column.selectbox(
            t(f"inspection_results.rule.indicator.{rate}", lang),
            options,
            index=options.index(current) if current in options else 0,
            format_func=lambda c: (
                t("inspection_results.rule.none", lang) if c == NONE else f"{names[c]}（{c}）"
            ),
            key=f"inspection_results.rule.{rate}.{gen}",
        )
    points = st.number_input(
        t("inspection_results.rule.points", lang),
        min_value=0.0,
        max_value=float(cap),
        value=min(float(rule.points_per_finding), float(cap)),
        step=0.5,
        key=f"inspection_results.rule.points.{gen}",
    )
    save = st.form_submit_button(t("inspection_results.rule.save", lang), icon=":material/save:")
if save:
    try:
        inspection_rates.set_rule(
            uow(),
            user,
            code,
            feed=feed,
            indicators={r: c for r, c in chosen.items() if c},
            points_per_finding=float(points),
        )
    except ServiceError as exc:
        show_error(exc, lang)
    else:
        done(t("inspection_results.rule.saved", lang))

# ---------------------------------------------------------------- feeding
st.subheader(t("inspection_results.feed.header", lang))
st.caption(t("inspection_results.period_caption", lang, start=str(starts_on), end=str(ends_on)))
if rule.feed == "rates":
    if not rule.indicators:
        st.caption(t("inspection_results.feed.no_indicator", lang))
    reason = st.text_input(
        t("inspection_results.feed.reason", lang), key=f"inspection_results.feed.reason.{gen}"
    )
    if st.button(
        t("inspection_results.feed.rates", lang),
        key="inspection_results.feed.rates",
        type="primary",
        icon=":material/input:",
    ):
        try:
            report = inspection_rates.feed_rates(
                uow(), user, code, starts_on=starts_on, ends_on=ends_on, reason=reason
            )
        except ServiceError as exc:
            show_error(exc, lang)
        else:
            message = t(
                "inspection_results.feed.rates_done",
                lang,
                units=len(report.units_fed),
                added=report.added,
                changed=report.changed,
                unchanged=report.unchanged,
                corrections=report.corrections,
            )
            if report.units_without_visits:
                message += "  \n" + t(
                    "inspection_results.feed.kept", lang, units=", ".join(report.units_without_visits)
                )
            done(message)
elif st.button(
    t("inspection_results.feed.deductions", lang),
    key="inspection_results.feed.deductions",
    type="primary",
    icon=":material/remove:",
):
    try:
        made = inspection_rates.feed_finding_deductions(
            uow(), user, code, starts_on=starts_on, ends_on=ends_on
        )
    except ServiceError as exc:
        show_error(exc, lang)
    else:
        lines = [
            t(
                "inspection_results.feed.deductions_done",
                lang,
                n=len(made.entries),
                points=f"{made.points_per_finding:g}",
                cap=f"{made.cap:g}",
                replaced=made.replaced,
            )
        ]
        lines += [
            t(
                "inspection_results.feed.deduction_line",
                lang,
                unit=e.unit_name,
                findings=e.findings,
                points=f"{e.points:g}",
            )
            for e in made.entries
        ]
        done("  \n".join(lines))

# ---------------------------------------------------------------- the month's bulletin
st.subheader(t("inspection_results.bulletin.header", lang, month=f"{year:04d}-{month:02d}"))
if mode == "custom":
    st.caption(t("inspection_results.bulletin.custom_month", lang))
try:
    bulletin = inspection_bulletin.monthly_bulletin(uow(), user, code, year, month)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
# a month without a verified visit has nothing to publish; a published campaign changes nothing
public = st.toggle(
    t("inspection_results.bulletin.public", lang),
    value=bulletin.public,
    help=t("inspection_results.bulletin.public_help", lang),
    disabled=not selected.editable or (not bulletin.visits and not bulletin.public),
    key=f"inspection_results.public.{code}.{year}.{month}",
)
if public != bulletin.public:
    try:
        inspection_bulletin.set_public(uow(), user, code, year, month, public)
    except ServiceError as exc:
        show_error(exc, lang)
    else:
        st.success(
            t(
                "inspection_results.bulletin.public_on"
                if public
                else "inspection_results.bulletin.public_off",
                lang,
            )
        )
draw_bulletin(bulletin, lang)
