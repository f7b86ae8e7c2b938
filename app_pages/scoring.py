"""Scoring, review of the results and publishing (计分、结果审核与发布), for administrators.

Runs the offline scorer's own code on the stored campaign (services.scoring.run_scoring),
shows a run's ranking with its uncertainty, the lists, cards, consecutive and ineligible
units, a funnel plot, rank intervals and the lists' sensitivity to the component
weights, and moves the campaign through its lifecycle (services.campaigns), where
publishing needs a request by one admin and the approval of another.

Only services are called; they check permissions, write the audit trail and refuse
what the lifecycle does not allow. This page only explains their refusals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, Final

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from scoring.funnel import funnel
from scoring.params import MAX_REPLICATES
from scoring.sensitivity import Sensitivity
from services import campaigns
from services import grades as grades_svc
from services import history as history_svc
from services import scoring as svc
from services.errors import InputsFrozen, NotFound, ServiceError
from services.permissions import CurrentUser, Permission, PermissionDenied, allowed
from ui.auth import require_page_permission
from ui.history import head_text
from ui.labels import grade_label as labels_grade
from ui.labels import grade_scheme_text
from ui.messages import MESSAGES, t
from ui.page import current_lang
from ui.timefmt import beijing_time
from ui.widgets import show_flash

FLASH_KEY: Final = "scoring.flash"  # a success message to show after st.rerun()
CONFIRM_KEY: Final = "scoring.confirm"  # (campaign code, lifecycle step) waiting for confirmation
ANALYSIS_KEY: Final = "scoring.analysis"  # {(code, run id): BundleAnalysis without sensitivity}
SENSITIVITY_KEY: Final = "scoring.sensitivity"  # {(code, run id): (input sha256, Sensitivity)}
STATUSES: Final = ("draft", "fieldwork", "scoring", "review", "published", "final")
REASONS: Final = ("few_survey", "few_phone", "no_bigdata")
COMPONENTS: Final = ("survey", "phone", "bigdata")
# Lifecycle steps offered in each status, in the order the buttons appear.
STEPS: Final[dict[str, tuple[str, ...]]] = {
    "fieldwork": ("start_scoring",),
    "scoring": ("start_review", "reopen_fieldwork"),
    "review": ("request_publication", "approve_publication", "return_to_scoring", "reopen_fieldwork"),
    "published": ("finalize",),
}
STEP_PERMISSION: Final = {
    "start_scoring": Permission.score,
    "start_review": Permission.score,
    "return_to_scoring": Permission.score,
    "reopen_fieldwork": Permission.configure_campaign,
    "request_publication": Permission.publish,
    "approve_publication": Permission.publish,
    "finalize": Permission.publish,
}
STEP_CALL: Final[dict[str, Callable[[UnitOfWork, CurrentUser, str], object]]] = {
    "start_scoring": campaigns.start_scoring,
    "start_review": campaigns.start_review,
    "return_to_scoring": campaigns.return_to_scoring,
    "reopen_fieldwork": campaigns.reopen_fieldwork,
    "request_publication": campaigns.request_publication,
    "approve_publication": campaigns.approve_publication,
    "finalize": campaigns.finalize,
}
# The services' English refusals that this page can say in the user's language; the
# named groups fill the message's placeholders. Anything else is shown as the service
# wrote it, under a translated headline.
KNOWN_REASONS: Final = (
    (re.compile(r"^(?P<user>.+?) requested this publication and cannot also approve it"), "self_approval"),
    (re.compile(r"no admin has requested its publication"), "no_request"),
    (re.compile(r"was already requested by (?P<user>\S+)"), "already_requested"),
    (re.compile(r"was scored again after the request"), "outdated_request"),
    (re.compile(r"changed after scoring run (?P<run>\d+)"), "inputs_changed"),
    (re.compile(r"its notice period runs until (?P<ends>\S+)"), "notice"),
    (re.compile(r"(?P<n>\d+) appeal\(s\) are undecided"), "appeals"),
    (re.compile(r"no scoring run since it entered scoring"), "score_first"),
    (re.compile(r"it has no survey responses"), "no_responses"),
    (re.compile(r"(?P<n>\d+) phone case\(s\) were called"), "open_cases"),
    (re.compile(r"cannot score campaign \S+: it is (?P<status>\w+), scoring runs in"), "not_runnable"),
    (re.compile(r"it is (?P<status>\w+), this step needs (?P<needed>.+)$"), "wrong_status"),
)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def md(text: str) -> str:
    """``text`` (a unit's name, a service's message) shown literally inside markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def status_label(status: str, lang: str) -> str:
    return t(f"scoring.status.{status}", lang) if status in STATUSES else status


def group_label(group: str, lang: str) -> str:
    key = f"category.{group}"
    return t(key, lang) if key in MESSAGES else group


def reason_text(exc: ServiceError, lang: str) -> str:
    """The service's reason in ``lang`` where this page knows it, else as written."""
    message = str(exc)
    for pattern, key in KNOWN_REASONS:
        found = pattern.search(message)
        if found:
            values = found.groupdict()
            if "ends" in values:  # the service writes UTC (ISO 8601); people read Beijing time
                values["ends"] = beijing_time(values["ends"])
            if "status" in values:
                values["status"] = status_label(values["status"], lang)
            if "needed" in values:
                values["needed"] = " / ".join(
                    status_label(s.strip(), lang) for s in values["needed"].split(" or ")
                )
            return t(f"scoring.reason.{key}", lang, **values)
    return message


def show_error(exc: ServiceError, lang: str) -> None:
    if isinstance(exc, PermissionDenied):
        headline = t("scoring.error.denied", lang)
    elif isinstance(exc, InputsFrozen):
        headline = t("scoring.error.frozen", lang)
    elif isinstance(exc, NotFound):
        headline = t("scoring.error.not_found", lang)
    else:
        headline = t("scoring.error.refused", lang)
    st.error(f"**{headline}**  \n{md(reason_text(exc, lang))}", icon=":material/block:")


def number(text: str) -> float:
    """A results.csv cell as a float; nan when empty (not computed)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def optional_int(text: str) -> int | None:
    value = number(text)
    return None if math.isnan(value) else int(value)


def missing_fieldwork(row: dict[str, str], view: svc.RunView, lang: str) -> str:
    """What an ineligible unit lacks, e.g. "survey answers 12 of 30 needed; phone completes 3 of 10"."""
    parts = []
    reasons = set(row.get("ineligible_reason", "").split(";"))
    if "few_survey" in reasons:
        parts.append(t("scoring.missing.survey", lang, have=row.get("n_survey", "0"), need=view.min_survey))
    if "few_phone" in reasons:
        parts.append(t("scoring.missing.phone", lang, have=row.get("n_phone", "0"), need=view.min_phone))
    if "no_bigdata" in reasons:
        parts.append(t("scoring.missing.bigdata", lang))
    return t("scoring.list_sep", lang).join(parts)


def not_robust(row: dict[str, str]) -> bool:
    """A worst-list unit whose place rests on too little evidence (p_worst < 0.9)."""
    return row.get("list") == "worst" and row.get("robust_worst") != "true" and row.get("p_worst", "") != ""


def list_label(name: str, lang: str) -> str:
    return t(f"results.list.{name}", lang) if name in ("best", "worst") else ""


def card_label(card: str, lang: str) -> str:
    return t(f"results.card.{card}", lang) if card in ("red", "yellow") else ""


def grade_label(grade: str, lang: str, labels: grades_svc.GradeLabels | None = None) -> str:
    """The campaign's own label of a band, else the catalogue's words, else the band name."""
    return labels_grade(grade, lang, labels)  # type: ignore[arg-type]  # lang is a Lang


def ranking_frame(
    rows: list[dict[str, str]], lang: str, grade_labels: grades_svc.GradeLabels | None = None
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": [group_label(r["group"], lang) for r in rows],
            "rank": pd.array([optional_int(r["rank"]) for r in rows], dtype="Int64"),
            "unit": [f"{r['name']}（{r['unit_id']}）" for r in rows],
            "final": [number(r["final_score"]) for r in rows],
            "final_ci": [
                ""
                if math.isnan(number(r["final_ci_low"]))
                else f"{number(r['final_ci_low']):.1f}–{number(r['final_ci_high']):.1f}"
                for r in rows
            ],
            "rank_ci": [f"{r['rank_ci_low']}–{r['rank_ci_high']}" if r["rank_ci_low"] else "" for r in rows],
            "p_best": [number(r["p_best"]) for r in rows],
            "p_worst": [number(r["p_worst"]) for r in rows],
            "list": [list_label(r["list"], lang) for r in rows],
            "grade": [grade_label(r["grade"], lang, grade_labels) if r["rank"] else "" for r in rows],
            "card": [card_label(r["card"], lang) for r in rows],
            "note": [t("scoring.not_robust", lang) if not_robust(r) else "" for r in rows],
        }
    )


def ranking_columns(lang: str) -> dict[str, Any]:
    return {
        "group": st.column_config.TextColumn(t("scoring.col.group", lang)),
        "rank": st.column_config.NumberColumn(t("scoring.col.rank", lang), width="small"),
        "unit": st.column_config.TextColumn(t("scoring.col.unit", lang), width="medium"),
        "final": st.column_config.NumberColumn(t("scoring.col.final", lang), format="%.2f"),
        "final_ci": st.column_config.TextColumn(t("scoring.col.final_ci", lang)),
        "rank_ci": st.column_config.TextColumn(t("scoring.col.rank_ci", lang)),
        "p_best": st.column_config.NumberColumn(t("scoring.col.p_best", lang), format="%.2f"),
        "p_worst": st.column_config.NumberColumn(
            t("scoring.col.p_worst", lang), format="%.2f", help=t("scoring.col.p_worst_help", lang)
        ),
        "list": st.column_config.TextColumn(t("scoring.col.list", lang)),
        "grade": st.column_config.TextColumn(t("scoring.col.grade", lang)),
        "card": st.column_config.TextColumn(t("scoring.col.card", lang)),
        "note": st.column_config.TextColumn(t("scoring.col.note", lang), width="medium"),
    }


def in_rank_order(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    ranked = sorted((r for r in rows if r["rank"]), key=lambda r: (r["group"], int(r["rank"])))
    return ranked + sorted((r for r in rows if not r["rank"]), key=lambda r: (r["group"], r["unit_id"]))


lang = current_lang()
user = require_page_permission(Permission.score, lang)

st.title(t("scoring.title", lang))
st.caption(t("scoring.intro", lang))

show_flash(FLASH_KEY)

try:
    campaign_list = svc.scoring_campaigns(uow(), user)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
if not campaign_list:
    st.info(t("scoring.no_campaigns", lang))
    st.stop()
by_code = {c["code"]: c for c in campaign_list}
code: str = st.selectbox(
    t("scoring.campaign", lang),
    list(by_code),
    format_func=lambda c: t(
        "scoring.campaign_option",
        lang,
        name=by_code[c]["name"] or c,
        code=c,
        status=status_label(by_code[c]["status"], lang),
    ),
    key="scoring.campaign",
)
try:
    state = svc.scoring_state(uow(), user, code)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()

# ---------------------------------------------------------------- lifecycle and publishing
st.subheader(t("scoring.lifecycle.header", lang))
cols = st.columns(4)
cols[0].metric(t("scoring.lifecycle.status", lang), status_label(state.status, lang), border=True)
cols[1].metric(
    t("scoring.lifecycle.latest_run", lang),
    "—" if state.latest_run_id is None else f"#{state.latest_run_id}",
    border=True,
)
cols[2].metric(t("scoring.lifecycle.notice_ends", lang), beijing_time(state.notice_ends_at), border=True)
cols[3].metric(t("scoring.lifecycle.open_appeals", lang), state.open_appeals, border=True)
if state.pending is not None:
    st.info(
        t(
            "scoring.lifecycle.requested",
            lang,
            user=md(state.pending.requested_by),
            run=state.pending.run_id,
        ),
        icon=":material/how_to_reg:",
    )
if state.published is not None:
    with st.container(border=True):
        st.markdown(
            t(
                "scoring.publication.done",
                lang,
                requested=md(state.published.requested_by),
                approved=md(state.published.approved_by or ""),
                run=state.published.run_id,
                at=beijing_time(state.published.published_at),
            )
        )
        st.caption(t("scoring.publication.snapshot", lang))
        st.code(state.published.snapshot_sha256, language=None)
        st.caption(t("scoring.publication.bundle", lang))
        st.code(state.published.bundle_sha256, language=None)

steps = [s for s in STEPS.get(state.status, ()) if allowed(user, STEP_PERMISSION[s])]
# Whether a publication request is waiting: it decides which publishing step is offered
# and what going back does to it.
pending_request = state.pending is not None
if state.status == "review":
    # one of the two publishing steps, depending on whether a request is waiting; the
    # admin who requested it is not offered the approval (the service refuses it anyway)
    drop = {"request_publication"} if pending_request else {"approve_publication"}
    if state.pending is not None and state.pending.requested_by == user.username:
        drop.add("approve_publication")
        st.caption(t("scoring.lifecycle.own_request", lang))
    steps = [s for s in steps if s not in drop]
if steps:
    buttons = st.columns(len(steps))
    for column, step in zip(buttons, steps, strict=True):
        if column.button(
            t(f"scoring.step.{step}", lang),
            key=f"scoring.step.{step}",
            type="primary"
            if step in ("approve_publication", "request_publication", "start_review")
            else "secondary",
            width="stretch",
        ):
            st.session_state[CONFIRM_KEY] = (code, step)
else:
    st.caption(t("scoring.lifecycle.no_steps", lang))

pending_step = st.session_state.get(CONFIRM_KEY)
if pending_step is not None and pending_step[0] == code and pending_step[1] in steps:
    step = pending_step[1]
    with st.container(border=True):
        question = t(f"scoring.confirm.{step}", lang, code=code)
        if pending_request and step in ("return_to_scoring", "reopen_fieldwork"):
            question += " " + t("scoring.confirm.request_lapses", lang)
        st.warning(question, icon=":material/help:")
        yes, no, _ = st.columns([1, 1, 3])
        if yes.button(t("scoring.confirm.yes", lang), key="scoring.confirm.yes", type="primary"):
            st.session_state.pop(CONFIRM_KEY, None)
            try:
                STEP_CALL[step](uow(), user, code)
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                st.session_state[FLASH_KEY] = t(f"scoring.done.{step}", lang, code=code)
                st.rerun()
        if no.button(t("scoring.confirm.no", lang), key="scoring.confirm.no"):
            st.session_state.pop(CONFIRM_KEY, None)
            st.rerun()

# ---------------------------------------------------------------- running the engine
st.subheader(t("scoring.run.header", lang))
if state.status in svc.RUNNABLE_STATUSES:
    left, right = st.columns([1, 3])
    replicates = int(
        left.number_input(
            t("scoring.run.replicates", lang),
            min_value=0,
            max_value=MAX_REPLICATES,
            value=state.default_replicates,
            step=100,
            key=f"scoring.replicates.{code}",
            help=t("scoring.run.replicates_help", lang),
        )
    )
    right.caption(t("scoring.run.help", lang))
    if st.button(
        t("scoring.run.button", lang), key="scoring.run", type="primary", icon=":material/calculate:"
    ):
        with st.spinner(t("scoring.run.running", lang, n=replicates)):
            try:
                run = svc.run_scoring(uow(), user, code, replicates=replicates)
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                st.session_state[FLASH_KEY] = t("scoring.run.done", lang, run=run.id, sha=run.input_sha256)
                st.session_state.pop("scoring.run_id", None)  # show the new run
                st.rerun()
else:
    st.caption(t("scoring.run.not_now", lang, status=status_label(state.status, lang)))

# ---------------------------------------------------------------- a run's results
try:
    runs = svc.list_runs(uow(), user, code)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
if not runs:
    st.info(t("scoring.no_runs", lang))
    st.stop()
run_by_id = {r.id: r for r in runs}
if st.session_state.get("scoring.run_id") not in run_by_id:
    st.session_state.pop("scoring.run_id", None)
run_id: int = st.selectbox(
    t("scoring.run.choose", lang),
    list(run_by_id),
    format_func=lambda i: t(
        "scoring.run.option",
        lang,
        id=i,
        at=beijing_time(run_by_id[i].created_at),
        by=run_by_id[i].created_by,
        n=run_by_id[i].replicates,
    ),
    key="scoring.run_id",
)
try:
    view = svc.run_rows(uow(), user, code, run_id)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
assert view is not None
st.caption(
    t(
        "scoring.run.meta",
        lang,
        version=view.run.method_version,
        seed=view.run.seed,
        n=view.run.replicates,
    )
)
st.caption(t("scoring.run.sha", lang))
st.code(view.run.input_sha256, language=None)

rows = list(view.rows)
name_of = {r["unit_id"]: r["name"] for r in rows}
groups = sorted({r["group"] for r in rows if r["rank"]}) or sorted({r["group"] for r in rows})
has_uncertainty = view.run.replicates > 0
carded = [r for r in rows if r["card"] in ("red", "yellow")]
consecutive = [r for r in rows if r["consecutive_unsatisfactory"] == "true"]
ineligible = [r for r in rows if r["eligible"] != "true"]

tabs = st.tabs(
    [
        t("scoring.tab.lists", lang),
        t("scoring.tab.ranking", lang),
        t("scoring.tab.cards", lang, n=len(carded) + len(consecutive)),
        t("scoring.tab.ineligible", lang, n=len(ineligible)),
        t("scoring.tab.funnel", lang),
        t("scoring.tab.intervals", lang),
        t("scoring.tab.sensitivity", lang),
    ]
)

with tabs[0]:
    if not has_uncertainty:
        st.caption(t("scoring.no_uncertainty", lang))
    for group in groups:
        st.markdown(f"#### {md(group_label(group, lang))}")
        in_group = in_rank_order([r for r in rows if r["group"] == group])
        best = [r for r in in_group if r["list"] == "best"]
        worst = [r for r in reversed(in_group) if r["list"] == "worst"]  # the bottom leads
        left, right = st.columns(2)
        for column, members, title in (
            (left, best, "scoring.lists.best"),
            (right, worst, "scoring.lists.worst"),
        ):
            column.markdown(f"**{t(title, lang, n=len(members))}**")
            if members:
                column.dataframe(
                    ranking_frame(members, lang)[
                        ["rank", "unit", "final", "final_ci", "p_best", "p_worst", "note"]
                    ],
                    hide_index=True,
                    column_config=ranking_columns(lang),
                )
            else:
                column.caption(t("scoring.lists.empty", lang))
        weak = [r for r in worst if not_robust(r)]
        if weak:
            st.warning(
                t(
                    "scoring.lists.not_robust",
                    lang,
                    units="、".join(
                        md(f"{r['name']}（{r['unit_id']}, p = {number(r['p_worst']):.2f}）") for r in weak
                    ),
                ),
                icon=":material/warning:",
            )

with tabs[1]:
    ordered = in_rank_order(rows)
    scheme = grades_svc.grade_scheme(uow(), code)  # the campaign's own bands and labels (等次方案)
    st.dataframe(
        ranking_frame(ordered, lang, scheme.labels), hide_index=True, column_config=ranking_columns(lang)
    )
    st.caption(grade_scheme_text(scheme.bands, scheme.labels, lang))  # type: ignore[arg-type]

with tabs[2]:
    st.markdown(f"**{t('scoring.cards.header', lang, n=len(carded))}**")
    if carded:
        carded.sort(key=lambda r: (r["card"] != "red", r["group"], -int(r["rank"] or 0)))
        st.dataframe(
            pd.DataFrame(
                {
                    "card": [card_label(r["card"], lang) for r in carded],
                    "group": [group_label(r["group"], lang) for r in carded],
                    "rank": [optional_int(r["rank"]) for r in carded],
                    "unit": [f"{r['name']}（{r['unit_id']}）" for r in carded],
                    "final": [number(r["final_score"]) for r in carded],
                    "why": [
                        t("scoring.cards.veto", lang)
                        if r["veto"] == "true"
                        else t("scoring.cards.consecutive", lang)
                        if r["consecutive_unsatisfactory"] == "true"
                        else t("scoring.cards.worst", lang)
                        for r in carded
                    ],
                }
            ),
            hide_index=True,
            column_config={
                "card": st.column_config.TextColumn(t("scoring.col.card", lang)),
                "group": st.column_config.TextColumn(t("scoring.col.group", lang)),
                "rank": st.column_config.NumberColumn(t("scoring.col.rank", lang)),
                "unit": st.column_config.TextColumn(t("scoring.col.unit", lang), width="medium"),
                "final": st.column_config.NumberColumn(t("scoring.col.final", lang), format="%.2f"),
                "why": st.column_config.TextColumn(t("scoring.col.why", lang), width="medium"),
            },
        )
    else:
        st.caption(t("scoring.lists.empty", lang))
    st.markdown(f"**{t('scoring.consecutive.header', lang, n=len(consecutive))}**")
    st.caption(t("scoring.consecutive.help", lang))
    if consecutive:
        # the head now, and who was in post in the earlier unsatisfactory years (主要负责人变更)
        heads = history_svc.head_changes(uow(), user, code, view.run.id)
        st.dataframe(
            pd.DataFrame(
                {
                    "unit": [f"{r['name']}（{r['unit_id']}）" for r in consecutive],
                    "head": [head_text(r["head_name"], heads.get(r["unit_id"]), lang) for r in consecutive],
                    "card": [card_label(r["card"], lang) for r in consecutive],
                }
            ),
            hide_index=True,
            column_config={
                "unit": st.column_config.TextColumn(t("scoring.col.unit", lang), width="medium"),
                "head": st.column_config.TextColumn(t("scoring.col.head", lang)),
                "card": st.column_config.TextColumn(t("scoring.col.card", lang)),
            },
        )
    else:
        st.caption(t("scoring.lists.empty", lang))

with tabs[3]:
    st.caption(t("scoring.ineligible.help", lang, survey=view.min_survey, phone=view.min_phone))
    if ineligible:
        st.dataframe(
            pd.DataFrame(
                {
                    "unit": [f"{r['name']}（{r['unit_id']}）" for r in ineligible],
                    "group": [group_label(r["group"], lang) for r in ineligible],
                    "reason": [
                        t("scoring.list_sep", lang).join(
                            t(f"scoring.reason_code.{c}", lang) if c in REASONS else c
                            for c in r["ineligible_reason"].split(";")
                            if c
                        )
                        for r in ineligible
                    ],
                    "missing": [missing_fieldwork(r, view, lang) for r in ineligible],
                }
            ),
            hide_index=True,
            column_config={
                "unit": st.column_config.TextColumn(t("scoring.col.unit", lang), width="medium"),
                "group": st.column_config.TextColumn(t("scoring.col.group", lang)),
                "reason": st.column_config.TextColumn(t("scoring.col.reason", lang)),
                "missing": st.column_config.TextColumn(t("scoring.col.missing", lang), width="large"),
            },
        )
    else:
        st.success(t("scoring.ineligible.none", lang))

with tabs[4]:
    chart_group: str = st.selectbox(
        t("scoring.chart.group", lang),
        groups,
        format_func=lambda g: group_label(g, lang),
        key="scoring.chart_group",
    )
    in_chart = [r for r in rows if r["group"] == chart_group]
    measure = st.radio(
        t("scoring.funnel.measure", lang),
        ("score", "satisfaction"),
        format_func=lambda m: t(f"scoring.funnel.measure.{m}", lang),
        horizontal=True,
        key="scoring.funnel.measure",
    )
    value = np.array(
        [number(r["survey_score" if measure == "score" else "survey_satisfaction"]) for r in in_chart]
    )
    n_eff = np.array([number(r["n_survey_eff"]) for r in in_chart])
    sd: float | None = None
    ready = True
    if measure == "score":
        cache: dict[tuple[str, int], svc.BundleAnalysis] = st.session_state.setdefault(ANALYSIS_KEY, {})
        analysis = cache.get((code, run_id))
        if analysis is None:
            try:
                analysis = svc.analyse_inputs(uow(), user, code, sensitivity_steps=None)
            except ServiceError as exc:
                show_error(exc, lang)
                ready = False
            else:
                cache[(code, run_id)] = analysis
        if analysis is not None:
            sd = analysis.survey_sd
            ready = not math.isnan(sd)
            if analysis.input_sha256 != view.run.input_sha256:
                st.caption(t("scoring.inputs_changed", lang))
    scale = 1.0 if measure == "score" else 100.0  # rates are shown in percent
    if ready and np.any(np.isfinite(value) & (n_eff > 0)):
        plot = funnel(value, n_eff, sd=sd)
        points = pd.DataFrame(
            {
                "n": n_eff,
                "value": value * scale,
                "unit": [f"{r['name']}（{r['unit_id']}）" for r in in_chart],
                "list": [list_label(r["list"], lang) or t("scoring.funnel.other", lang) for r in in_chart],
            }
        )[plot.used]
        lines = pd.concat(
            [
                pd.DataFrame({"n": plot.grid, "value": y * scale, "line": label, "part": part})
                for y, label, part in (
                    (np.full(plot.grid.shape, plot.target), t("scoring.funnel.target", lang), "t"),
                    (plot.lower95, t("scoring.funnel.limit95", lang), "l95"),
                    (plot.upper95, t("scoring.funnel.limit95", lang), "u95"),
                    (plot.lower998, t("scoring.funnel.limit998", lang), "l998"),
                    (plot.upper998, t("scoring.funnel.limit998", lang), "u998"),
                )
            ]
        )
        x = alt.X("n:Q", title=t("scoring.funnel.x", lang), scale=alt.Scale(type="log"))
        y_title = t(f"scoring.funnel.measure.{measure}", lang)
        chart = alt.layer(
            alt.Chart(lines)
            .mark_line()
            .encode(
                x=x,
                y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
                color=alt.Color("line:N", title=None, scale=alt.Scale(range=["#555", "#e69f00", "#d55e00"])),
                detail="part:N",
            ),
            alt.Chart(points)
            .mark_circle(size=70)
            .encode(
                x=x,
                y="value:Q",
                shape=alt.Shape("list:N", title=None),
                tooltip=[
                    alt.Tooltip("unit:N", title=t("scoring.col.unit", lang)),
                    alt.Tooltip("value:Q", title=y_title, format=".1f"),
                    alt.Tooltip("n:Q", title=t("scoring.funnel.x", lang), format=".1f"),
                ],
            ),
        ).properties(height=420)
        st.altair_chart(chart, width="stretch")
        outside = [in_chart[i] for i in np.flatnonzero(plot.outside998)]
        st.caption(
            t(
                "scoring.funnel.help",
                lang,
                target=plot.target * scale,
                sd=plot.sd * scale,
                phi=plot.phi,
            )
        )
        if outside:
            st.markdown(
                t(
                    "scoring.funnel.outside",
                    lang,
                    units="、".join(md(f"{r['name']}（{r['unit_id']}）") for r in outside),
                )
            )
    elif ready:
        st.caption(t("scoring.funnel.empty", lang))

with tabs[5]:
    if not has_uncertainty:
        st.caption(t("scoring.no_uncertainty", lang))
    st.caption(t("scoring.intervals.help", lang))
    for group in groups:
        ranked = sorted((r for r in rows if r["group"] == group and r["rank"]), key=lambda r: int(r["rank"]))
        if not ranked:
            continue
        st.markdown(f"#### {md(group_label(group, lang))}")
        frame = pd.DataFrame(
            {
                "unit": [f"{r['name']}（{r['unit_id']}）" for r in ranked],
                "rank": [int(r["rank"]) for r in ranked],
                "low": [number(r["rank_ci_low"]) for r in ranked],
                "high": [number(r["rank_ci_high"]) for r in ranked],
                "list": [list_label(r["list"], lang) or t("scoring.funnel.other", lang) for r in ranked],
            }
        )
        y = alt.Y("unit:N", sort=frame["unit"].tolist(), title=None)
        rank_title = t("scoring.col.rank", lang)
        chart = alt.layer(
            alt.Chart(frame)
            .mark_rule(strokeWidth=2, color="#999")
            .encode(x=alt.X("low:Q", title=rank_title), x2="high:Q", y=y),
            alt.Chart(frame)
            .mark_point(filled=True, size=60)
            .encode(
                x="rank:Q",
                y=y,
                color=alt.Color("list:N", title=None),
                tooltip=[
                    alt.Tooltip("unit:N", title=t("scoring.col.unit", lang)),
                    alt.Tooltip("rank:Q", title=rank_title),
                    alt.Tooltip("low:Q", title=t("scoring.intervals.low", lang)),
                    alt.Tooltip("high:Q", title=t("scoring.intervals.high", lang)),
                ],
            ),
        ).properties(height=max(200, 18 * len(frame)))
        st.altair_chart(chart, width="stretch")

with tabs[6]:
    st.caption(t("scoring.sens.help", lang))
    store: dict[tuple[str, int], tuple[str, Sensitivity]] = st.session_state.setdefault(SENSITIVITY_KEY, {})
    if st.button(t("scoring.sens.run", lang), key="scoring.sens.run", icon=":material/tune:"):
        with st.spinner(t("scoring.sens.running", lang)):
            try:
                result = svc.analyse_inputs(uow(), user, code)
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                assert result.sensitivity is not None
                store[(code, run_id)] = (result.input_sha256, result.sensitivity)
    stored = store.get((code, run_id))
    if stored is not None:
        sha, sens = stored
        if sha != view.run.input_sha256:
            st.caption(t("scoring.inputs_changed", lang))

        def names(ids: tuple[str, ...] | list[str]) -> str:
            return "、".join(f"{name_of.get(u, u)}（{u}）" for u in ids) or "—"

        left, right = st.columns(2)
        stable_best = t("scoring.sens.stable_best", lang, n=len(sens.stable_best))
        stable_worst = t("scoring.sens.stable_worst", lang, n=len(sens.stable_worst))
        left.markdown(f"**{stable_best}**  \n{md(names(sens.stable_best))}")
        right.markdown(f"**{stable_worst}**  \n{md(names(sens.stable_worst))}")
        settings = sens.settings
        st.dataframe(
            pd.DataFrame(
                {
                    "setting": [
                        t(
                            "scoring.sens.setting",
                            lang,
                            component=t(f"scoring.component.{s.setting.component}", lang),
                            delta=f"{s.setting.delta * 100:+.0f}",
                        )
                        for s in settings
                    ],
                    "weights": [
                        " · ".join(
                            f"{t(f'scoring.component.{c}', lang)} {s.setting.weights[c]:.3f}"
                            for c in COMPONENTS
                        )
                        for s in settings
                    ],
                    "entered_best": [names(s.entered_best) for s in settings],
                    "left_best": [names(s.left_best) for s in settings],
                    "entered_worst": [names(s.entered_worst) for s in settings],
                    "left_worst": [names(s.left_worst) for s in settings],
                }
            ),
            hide_index=True,
            column_config={
                "setting": st.column_config.TextColumn(t("scoring.sens.col.setting", lang)),
                "weights": st.column_config.TextColumn(t("scoring.sens.col.weights", lang), width="medium"),
                "entered_best": st.column_config.TextColumn(t("scoring.sens.col.entered_best", lang)),
                "left_best": st.column_config.TextColumn(t("scoring.sens.col.left_best", lang)),
                "entered_worst": st.column_config.TextColumn(t("scoring.sens.col.entered_worst", lang)),
                "left_worst": st.column_config.TextColumn(t("scoring.sens.col.left_worst", lang)),
            },
        )
        base_best = {u for ids in sens.base.best.values() for u in ids}
        base_worst = {u for ids in sens.base.worst.values() for u in ids}
        touched = sorted(
            {
                u
                for s in (sens.base, *settings)
                for lists in (s.best, s.worst)
                for ids in lists.values()
                for u in ids
            }
        )
        stable = set(sens.stable_best) | set(sens.stable_worst)
        st.dataframe(
            pd.DataFrame(
                {
                    "unit": [f"{name_of.get(u, u)}（{u}）" for u in touched],
                    "base": [
                        list_label("best" if u in base_best else "worst" if u in base_worst else "", lang)
                        for u in touched
                    ],
                    "best": [f"{sens.best_count(u)}/{len(settings)}" for u in touched],
                    "worst": [f"{sens.worst_count(u)}/{len(settings)}" for u in touched],
                    "stable": [t("scoring.sens.stable", lang) if u in stable else "" for u in touched],
                }
            ),
            hide_index=True,
            column_config={
                "unit": st.column_config.TextColumn(t("scoring.col.unit", lang), width="medium"),
                "base": st.column_config.TextColumn(t("scoring.sens.col.base", lang)),
                "best": st.column_config.TextColumn(t("scoring.sens.col.best", lang)),
                "worst": st.column_config.TextColumn(t("scoring.sens.col.worst", lang)),
                "stable": st.column_config.TextColumn(t("scoring.sens.col.stable", lang)),
            },
        )
