"""One unit's published result (单位评议结果), for everyone and for the unit itself: its
score and rank with their uncertainty, the three components, satisfaction rates, the
adjustments, its trend over the years and the problems people named.

Opened from the results page (``/unit?campaign=...&unit=...``) or by choosing a unit here.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services.errors import NotFound
from services.grades import grade_labels
from services.heads import published_removals
from services.history import published_head_changes
from services.results import published_campaigns, published_results, unit_problems, unit_trend
from ui.history import head_text
from ui.labels import grade_label, known, reasons_text
from ui.messages import t
from ui.page import current_lang
from ui.widgets import choose_campaign

lang = current_lang()


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def label(key: str, fallback: str) -> str:
    return known(key, lang, fallback)


def number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


st.title(t("unit.title", lang))
code = choose_campaign(
    published_campaigns(uow()),
    t("results.campaign", lang),
    lambda c: c.name,
    empty=t("results.none", lang),
    from_url=True,
).code
results = published_results(uow(), code)
names = {r.unit_id: r.name for r in sorted(results.rows, key=lambda r: r.name)}
wanted_unit = st.query_params.get("unit")
unit_ids = list(names)
unit_id = st.selectbox(
    t("unit.choose", lang),
    unit_ids,
    index=unit_ids.index(wanted_unit) if wanted_unit in unit_ids else None,
    format_func=lambda u: f"{names[u]}（{u}）",
    placeholder=t("unit.choose.placeholder", lang),
)
if unit_id is None:
    st.stop()
row = results.unit(unit_id)
assert row is not None

st.header(row.name)
group = label(f"category.{row.group}", row.group)
st.caption(t("unit.caption", lang, group=group, head=row.head_name or "—", code=row.unit_id))
if row.card == "red":
    st.error(t("unit.card.red", lang))
elif row.card == "yellow":
    st.warning(t("unit.card.yellow", lang))
if row.consecutive_unsatisfactory:
    # the head now, with the earlier year's head where it changed (主要负责人变更)
    change = published_head_changes(uow(), code).get(row.unit_id)
    st.error(t("unit.consecutive", lang, head=head_text(row.head_name, change, lang)))
    removal = published_removals(uow(), code).get(row.unit_id)
    if removal is not None:  # what was done, once recorded on the red card (services/heads.py)
        st.caption(
            t(
                "heads.public.removed",
                lang,
                head=removal.head_name or "—",
                on=removal.decided_on.isoformat() if removal.decided_on else "—",
                body=removal.decision_body,
                number=removal.document_number,
            )
        )
if not row.eligible:
    st.info(t("unit.ineligible", lang, reason=reasons_text(row.ineligible_reason, lang) or "—"))

top = st.columns(3)
top[0].metric(
    t("unit.final", lang),
    number(row.final_score),
    help=t("unit.final.help", lang, low=number(row.final_ci_low, 1), high=number(row.final_ci_high, 1)),
)
rank = f"{row.rank}/{row.group_size}" if row.rank and row.group_size else "—"
top[1].metric(
    t("unit.rank", lang),
    rank,
    help=t("unit.rank.help", lang, low=row.rank_ci_low or "—", high=row.rank_ci_high or "—"),
)
top[2].metric(t("unit.grade", lang), grade_label(row.grade, lang, grade_labels(uow(), code)) or "—")
if row.final_ci_low is not None and row.final_ci_high is not None:
    st.caption(
        t(
            "unit.uncertainty",
            lang,
            low=number(row.final_ci_low, 1),
            high=number(row.final_ci_high, 1),
            rlow=row.rank_ci_low or "—",
            rhigh=row.rank_ci_high or "—",
            pbest=f"{(row.p_best or 0) * 100:.0f}",
            pworst=f"{(row.p_worst or 0) * 100:.0f}",
        )
    )

st.subheader(t("unit.components", lang))
parts = st.columns(3)
parts[0].metric(t("home.component.survey", lang), number(row.number("survey_score")))
parts[0].caption(
    t(
        "unit.survey.detail",
        lang,
        n=row.row.get("n_survey", "—"),
        rate=number((row.number("survey_satisfaction") or 0) * 100, 1),
    )
)
parts[1].metric(t("home.component.phone", lang), number(row.number("phone_score")))
parts[1].caption(
    t(
        "unit.phone.detail",
        lang,
        n=row.row.get("n_phone", "—"),
        rate=number((row.number("phone_satisfaction") or 0) * 100, 1),
    )
)
parts[2].metric(t("home.component.bigdata", lang), number(row.number("bigdata_score")))
adjust = st.columns(3)
adjust[0].metric(t("unit.bonus", lang), number(row.number("bonus"), 1))
adjust[1].metric(t("unit.deduction", lang), number(row.number("deduction"), 1))
adjust[2].metric(t("unit.veto", lang), t("unit.yes", lang) if row.veto else t("unit.no", lang))

st.subheader(t("unit.trend", lang))
trend = unit_trend(uow(), code, unit_id)
if len(trend) > 1:
    # The years on the x axis, level and one tick each (ordinal: not the rows' positions,
    # nor numbers drawn as 2,024 with ticks between the years).
    years = pd.DataFrame({"year": [str(y.year) for y in trend], "score": [y.final_score for y in trend]})
    year_title, score_title = t("unit.year", lang), t("unit.final", lang)
    trend_chart = (
        alt.Chart(years)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=year_title, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("score:Q", title=score_title, scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("year:O", title=year_title), alt.Tooltip("score:Q", title=score_title)],
        )
        .properties(height=260)
    )
    st.altair_chart(trend_chart, width="stretch")
st.dataframe(
    {
        t("unit.year", lang): [str(y.year) for y in trend],
        t("unit.name_then", lang): [y.name for y in trend],
        t("unit.final", lang): [y.final_score for y in trend],
        t("unit.rank", lang): [f"{y.rank}/{y.group_size}" if y.rank else "—" for y in trend],
        t("unit.grade", lang): [
            grade_label(y.grade, lang, grade_labels(uow(), y.campaign_code)) for y in trend
        ],
        t("results.col.card", lang): [label(f"results.card.{y.card}", "") if y.card else "" for y in trend],
    },
    column_config={t("unit.final", lang): st.column_config.NumberColumn(format="%.2f")},
    hide_index=True,
    width="stretch",
)

st.subheader(t("unit.problems", lang))
try:
    problems = unit_problems(uow(), code, unit_id)
except NotFound:
    problems = {}
if problems:
    st.dataframe(
        {
            t("unit.problems.type", lang): [label(f"problem.{p}", p) for p in problems],
            t("unit.problems.count", lang): list(problems.values()),
        },
        column_config={
            t("unit.problems.count", lang): st.column_config.ProgressColumn(
                min_value=0, max_value=max(problems.values()), format="%d"
            )
        },
        hide_index=True,
    )
else:
    st.write(t("unit.problems.none", lang))
