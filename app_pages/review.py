"""Response review (问卷复核), for administrators: run the quality check, decide on the
quarantined responses one by one or in bulk with a reason, and see what the held-back
responses would change in the scores.

Only services are called (services/review.py); they do the permission checks, the
audit trail and every database change. Nothing here deletes a response.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import review
from services.errors import InputsFrozen, NotFound, ServiceError
from services.permissions import Permission, PermissionDenied
from survey.quality import FLAGS
from ui.auth import require_page_permission
from ui.labels import data_label
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_time
from ui.widgets import multi_choice, show_flash

GEN_KEY = "review.gen"  # bumped after a change: fresh selection, filters and reason
FLASH_KEY = "review.flash"  # a success message to show after st.rerun()
CHECK_KEY = "review.check_results"  # {campaign code: summary of the last quality check}
COMPARE_KEY = "review.compare_results"  # {campaign code: rows of score_with_and_without}
CHANNELS = ("wechat", "sms", "web", "kiosk", "paper", "phone")
CAMPAIGN_STATUSES = ("draft", "fieldwork", "scoring", "review", "published", "final")
MOVED_ROW_STYLE = "background-color: rgba(255, 193, 7, 0.22)"
PAGE_SIZE: Final = 100  # rows of the pending queue shown at once
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def md(text: str) -> str:
    """``text`` (a respondent's comment, a unit's name) shown literally inside markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def error_text(exc: ServiceError, lang: str) -> str:
    if isinstance(exc, PermissionDenied):
        return t("review.error.denied", lang)
    if isinstance(exc, InputsFrozen):
        return t("review.error.frozen", lang)
    if isinstance(exc, NotFound):
        return t("review.error.not_found", lang)
    return t("review.error.refused", lang)


def flag_label(flag: str, lang: str) -> str:
    return t(f"review.flag.{flag}", lang) if flag in FLAGS else flag


def channel_label(channel: str, lang: str) -> str:
    return t(f"review.channel.{channel}", lang) if channel in CHANNELS else channel


def status_label(status: str, lang: str) -> str:
    return t(f"review.campaign_status.{status}", lang) if status in CAMPAIGN_STATUSES else status


def decision_label(decision: str, lang: str) -> str:
    return t(f"review.decision.{decision}", lang)


def when(stamp: str) -> str:
    """A response's stamp (ISO 8601, stored UTC) as Beijing time, ``2024-11-02 12:42``."""
    return beijing_time(stamp, empty="")


def bump() -> None:
    """Start the selection, filters and reason afresh (after a decision or a check)."""
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1


def results(key: str) -> dict[str, Any]:
    return st.session_state.setdefault(key, {})


lang = current_lang()
user = require_page_permission(Permission.score, lang)

st.title(t("review.title", lang))
st.caption(t("review.intro", lang))

show_flash(FLASH_KEY)

try:
    campaigns = review.reviewable_campaigns(uow(), user)
except ServiceError as exc:
    st.error(error_text(exc, lang))
    st.stop()
if not campaigns:
    st.info(t("review.no_campaigns", lang))
    st.stop()

by_code = {c["code"]: c for c in campaigns}
first_pending = next((i for i, c in enumerate(campaigns) if c["pending"]), 0)
code: str = st.selectbox(
    t("review.campaign", lang),
    list(by_code),
    index=first_pending,
    format_func=lambda c: t(
        "review.campaign_option",
        lang,
        name=by_code[c]["name"] or c,
        code=c,
        status=status_label(by_code[c]["status"], lang),
    ),
    key="review.campaign",
)
gen = st.session_state.get(GEN_KEY, 0)

# ---------------------------------------------------------------- quality check
st.subheader(t("review.check.header", lang))
st.caption(t("review.check.help", lang))
if st.button(t("review.check.run", lang), key="review.check.run", icon=":material/search:"):
    with st.spinner(t("review.check.running", lang)):
        try:
            summary = review.flag_responses(uow(), user, code)
        except ServiceError as exc:
            st.error(error_text(exc, lang))
        else:
            results(CHECK_KEY)[code] = summary
            results(COMPARE_KEY).pop(code, None)
            bump()
            gen = st.session_state[GEN_KEY]
summary = results(CHECK_KEY).get(code)
if summary is not None:
    with st.container(border=True):
        st.markdown(t("review.check.done", lang))
        cols = st.columns(4)
        cols[0].metric(t("review.check.checked", lang), summary["checked"])
        cols[1].metric(t("review.check.flagged", lang), summary["flagged"])
        cols[2].metric(t("review.check.quarantined", lang), len(summary["quarantined"]))
        cols[3].metric(t("review.check.no_qr", lang), len(summary["no_qr_units"]))
        if summary["no_qr_units"]:
            st.warning(t("review.check.no_qr_units", lang, units="、".join(summary["no_qr_units"])))

# ---------------------------------------------------------------- where the campaign stands
try:
    counts = review.review_counts(uow(), user, code)
    # One read of the checked responses; the pending ones are among them, in the same order.
    checked = review.review_queue(uow(), user, code, pending_only=False)
except ServiceError as exc:
    st.error(error_text(exc, lang))
    st.stop()
pending = [r for r in checked if r["decision"] == review.PENDING]

st.subheader(t("review.counts.header", lang))
cols = st.columns(4)
cols[0].metric(t("review.counts.pending", lang), counts["pending"], border=True)
cols[1].metric(t("review.counts.accepted", lang), counts["accepted"], border=True)
cols[2].metric(t("review.counts.rejected", lang), counts["rejected"], border=True)
cols[3].metric(
    t("review.counts.counted", lang),
    counts["counted"],
    help=t("review.counts.counted_help", lang, total=counts["total"]),
    border=True,
)
other = [
    t("review.counts.flagged", lang, n=counts["flagged"]) if counts["flagged"] else "",
    t("review.counts.withdrawn", lang, n=counts["withdrawn"]) if counts["withdrawn"] else "",
    t("review.counts.duplicate", lang, n=counts["duplicate"]) if counts["duplicate"] else "",
]
if any(other):
    st.caption(" · ".join(x for x in other if x))
with st.expander(t("review.counts.flags", lang), expanded=False):
    st.dataframe(
        pd.DataFrame(
            {
                "flag": [flag_label(f, lang) for f in FLAGS],
                "meaning": [t(f"review.flag.{f}.help", lang) for f in FLAGS],
                "n": [counts["flags"].get(f, 0) for f in FLAGS],
            }
        ),
        hide_index=True,
        column_config={
            "flag": st.column_config.TextColumn(t("review.col.flag", lang), width="small"),
            "meaning": st.column_config.TextColumn(t("review.col.meaning", lang), width="large"),
            "n": st.column_config.NumberColumn(t("review.col.n", lang), width="small"),
        },
    )

decided = [r for r in checked if r["decision"] in ("accepted", "rejected")]
flagged_counted = [r for r in checked if r["decision"] == "flagged"]
tab_queue, tab_decided, tab_compare = st.tabs(
    [
        t("review.tab.pending", lang, n=len(pending)),
        t("review.tab.decided", lang, n=len(decided)),
        t("review.tab.compare", lang),
    ]
)


def queue_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": [r["code"] for r in rows],
            "unit": [f"{r['unit_name']}（{r['unit_code']}）" for r in rows],
            "flags": ["、".join(flag_label(f, lang) for f in r["flags"]) for r in rows],
            "mean_score": pd.array([r["mean_score"] for r in rows], dtype="Float64"),
            "duration": pd.array([r["duration_seconds"] for r in rows], dtype="Float64"),
            "submitted_at": [when(r["submitted_at"]) for r in rows],
            "channel": [channel_label(r["channel"], lang) for r in rows],
            "group": [data_label(r[f"group_{lang}"], lang) for r in rows],
            "comment": [r["comment"] for r in rows],
        }
    )


def queue_columns() -> dict[str, Any]:
    return {
        "select": st.column_config.CheckboxColumn(t("review.col.select", lang), width="small"),
        "code": st.column_config.TextColumn(t("review.col.code", lang)),
        "unit": st.column_config.TextColumn(t("review.col.unit", lang), width="medium"),
        "group": st.column_config.TextColumn(t("review.col.group", lang)),
        "channel": st.column_config.TextColumn(t("review.col.channel", lang)),
        "submitted_at": st.column_config.TextColumn(t("review.col.submitted_at", lang)),
        "duration": st.column_config.NumberColumn(t("review.col.duration", lang), format="%.0f"),
        "mean_score": st.column_config.NumberColumn(
            t("review.col.mean_score", lang), format="%.0f", help=t("review.col.mean_score_help", lang)
        ),
        "flags": st.column_config.TextColumn(t("review.col.flags", lang), width="medium"),
        "comment": st.column_config.TextColumn(t("review.col.comment", lang), width="medium"),
        "decision": st.column_config.TextColumn(t("review.col.decision", lang)),
        "review_note": st.column_config.TextColumn(t("review.col.review_note", lang), width="large"),
    }


def show_detail(row: dict[str, Any]) -> None:
    with st.container(border=True):
        st.markdown(
            t(
                "review.detail.heading",
                lang,
                code=row["code"],
                unit=md(row["unit_name"]),
                unit_code=row["unit_code"],
            )
        )
        st.markdown(" ".join(f":orange-badge[{md(flag_label(f, lang))}]" for f in row["flags"]) or "—")
        duration = row["duration_seconds"]
        st.caption(
            t(
                "review.detail.meta",
                lang,
                group=data_label(row[f"group_{lang}"], lang),
                channel=channel_label(row["channel"], lang),
                submitted_at=when(row["submitted_at"]),
                duration="—" if duration is None else f"{duration:.0f}",
                items=len(row["answers"]),
            )
        )
        text_key, label_key = f"text_{lang}", f"label_{lang}"
        st.dataframe(
            pd.DataFrame(
                {
                    "item": [data_label(a[text_key], lang) for a in row["answers"]],
                    "answer": [data_label(a[label_key], lang) for a in row["answers"]],
                    "score": pd.array([a["score"] for a in row["answers"]], dtype="Float64"),
                }
            ),
            hide_index=True,
            column_config={
                "item": st.column_config.TextColumn(t("review.col.item", lang), width="large"),
                "answer": st.column_config.TextColumn(t("review.col.answer", lang)),
                "score": st.column_config.NumberColumn(t("review.col.score", lang), format="%.0f"),
            },
        )
        if row["comment"]:
            st.info(md(row["comment"]), icon=":material/chat:")
        else:
            st.caption(t("review.detail.no_comment", lang))
        if row["review_note"]:
            st.caption(t("review.detail.note", lang, note=md(row["review_note"])))


# ---------------------------------------------------------------- pending responses
with tab_queue:
    if not pending:
        st.success(t("review.queue.empty", lang))
    else:
        st.caption(t("review.queue.help", lang))
        present = [f for f in FLAGS if any(f in r["flags"] for r in pending)]
        left, right = st.columns([3, 2])
        with left:
            chosen_flags = multi_choice(
                t("review.queue.filter_flags", lang),
                present,
                lang,
                format_func=lambda f: flag_label(f, lang),
                key=f"review.filter_flags.{gen}",
                placeholder=t("review.queue.filter_flags", lang),
                label_visibility="collapsed",
            )
        unit_text = right.text_input(
            t("review.queue.filter_unit", lang),
            key=f"review.filter_unit.{gen}",
            placeholder=t("review.queue.filter_unit", lang),
            label_visibility="collapsed",
        ).strip()
        shown = [
            r
            for r in pending
            if all(f in r["flags"] for f in chosen_flags)
            and (not unit_text or unit_text.casefold() in f"{r['unit_code']} {r['unit_name']}".casefold())
        ]
        select_all = st.checkbox(
            t("review.queue.select_all", lang, n=len(shown)), key=f"review.select_all.{gen}"
        )
        filters = f"{'+'.join(chosen_flags)}.{unit_text}"
        # A long queue is shown a page at a time: the editor (and the browser) get PAGE_SIZE
        # rows, not thousands. "Select all" still means every response the filters show.
        n_pages = max(1, math.ceil(len(shown) / PAGE_SIZE))
        page_no = 1
        if n_pages > 1:
            page_no = int(
                st.number_input(
                    t("review.queue.page", lang, pages=n_pages),
                    min_value=1,
                    max_value=n_pages,
                    value=1,
                    step=1,
                    key=f"review.page.{code}.{gen}.{filters}",
                )
            )
        start = (page_no - 1) * PAGE_SIZE
        window = shown[start : start + PAGE_SIZE]
        if n_pages > 1:
            st.caption(
                t("review.queue.page_rows", lang, first=start + 1, last=start + len(window), shown=len(shown))
            )
        table = queue_table(window)
        table.insert(0, "select", select_all)
        # The key names everything that changes the rows or the preset ticks, so a new
        # filter, page or "select all" starts a fresh editor instead of keeping stale ticks.
        editor_key = f"review.queue.{code}.{gen}.{int(select_all)}.{filters}.{page_no}"
        edited = st.data_editor(
            table,
            key=editor_key,
            hide_index=True,
            disabled=[c for c in table.columns if c != "select"],
            column_config=queue_columns(),
            column_order=[c for c in table.columns],
        )
        ticked = {c for c, tick in zip(edited["code"], edited["select"], strict=True) if tick}
        on_page = {r["code"] for r in window}
        selected = [
            r["code"] for r in shown if r["code"] in ticked or (select_all and r["code"] not in on_page)
        ]
        st.caption(
            t("review.queue.counter", lang, shown=len(shown), total=len(pending), selected=len(selected))
        )

        if window:
            by_response = {r["code"]: r for r in window}
            options = list(by_response)
            first = next((options.index(c) for c in selected if c in by_response), 0)
            detail_code = st.selectbox(
                t("review.detail.choose", lang),
                options,
                index=first,
                format_func=lambda c: f"{c} · {by_response[c]['unit_name']}",
                key=f"review.detail.{gen}",
            )
            show_detail(by_response[detail_code])

        st.markdown(f"**{t('review.decide.header', lang)}**")
        with st.form(f"review.decide.{gen}", enter_to_submit=False, border=False):
            reason = st.text_area(
                t("review.decide.reason", lang),
                key=f"review.reason.{gen}",
                placeholder=t("review.decide.reason_placeholder", lang),
                height=80,
            )
            left, right, _ = st.columns([1, 1, 2])
            accept = left.form_submit_button(
                t("review.decide.accept", lang, n=len(selected)),
                key="review.accept",
                type="primary",
                icon=":material/check:",
                width="stretch",
            )
            reject = right.form_submit_button(
                t("review.decide.reject", lang, n=len(selected)),
                key="review.reject",
                icon=":material/close:",
                width="stretch",
            )
        st.caption(t("review.decide.help", lang))
        if accept or reject:
            if not selected:
                st.warning(t("review.decide.none_selected", lang))
            elif not reason.strip():
                st.warning(t("review.decide.reason_required", lang))
            else:
                try:
                    n = review.decide(uow(), user, code, selected, bool(accept), reason)
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    st.session_state[FLASH_KEY] = (
                        t("review.decide.accepted", lang, n=n)
                        if accept
                        else t("review.decide.rejected", lang, n=n)
                    )
                    results(COMPARE_KEY).pop(code, None)
                    bump()
                    st.rerun()

# ---------------------------------------------------------------- decided responses
with tab_decided:
    if not decided:
        st.info(t("review.decided.empty", lang))
    else:
        st.caption(t("review.decided.help", lang))
        table = queue_table(decided)
        table.insert(1, "decision", [decision_label(r["decision"], lang) for r in decided])
        table.insert(2, "review_note", [r["review_note"] for r in decided])
        st.dataframe(
            table.style.apply(
                lambda col: [
                    "color: #1e7b34" if r["decision"] == "accepted" else "color: #b03a2e" for r in decided
                ],
                subset=["decision"],
            ),
            hide_index=True,
            column_config=queue_columns(),
        )
    if flagged_counted:
        with st.expander(t("review.flagged.header", lang, n=len(flagged_counted))):
            st.caption(t("review.flagged.help", lang))
            st.dataframe(queue_table(flagged_counted), hide_index=True, column_config=queue_columns())

# ---------------------------------------------------------------- with and without
with tab_compare:
    st.caption(t("review.compare.help", lang))
    if st.button(t("review.compare.run", lang), key="review.compare.run", icon=":material/balance:"):
        with st.spinner(t("review.compare.running", lang)):
            try:
                results(COMPARE_KEY)[code] = review.score_with_and_without(uow(), user, code)
            except ServiceError as exc:
                st.error(error_text(exc, lang))
    rows = results(COMPARE_KEY).get(code)
    if rows is not None:
        compare = pd.DataFrame(rows).rename(columns={"unit_id": "unit_code"})
        for column in ("rank_without", "rank_with"):
            compare[column] = pd.array(compare[column].tolist(), dtype="Int64")
        for column in ("survey_without", "survey_with", "final_without", "final_with"):
            compare[column] = pd.array(compare[column].tolist(), dtype="Float64")
        # Positive: the unit would move up (a smaller rank number) if the held-back responses counted.
        compare["rank_move"] = (compare["rank_without"] - compare["rank_with"]).astype("Int64")
        compare["survey_delta"] = compare["survey_with"] - compare["survey_without"]
        moved = (compare["rank_without"].fillna(-1) != compare["rank_with"].fillna(-1)).to_numpy()
        compare["moved"] = moved
        compare["abs_move"] = compare["rank_move"].abs().fillna(0)
        compare = compare.sort_values(
            ["moved", "abs_move", "n_quarantined", "rank_without"],
            ascending=[False, False, False, True],
            na_position="last",
            kind="stable",
        ).reset_index(drop=True)
        n_moved = int(compare["moved"].sum())
        cols = st.columns(3)
        cols[0].metric(t("review.compare.units_moved", lang), n_moved, border=True)
        cols[1].metric(
            t("review.compare.units_with_quarantined", lang),
            int((compare["n_quarantined"] > 0).sum()),
            border=True,
        )
        cols[2].metric(t("review.compare.responses", lang), int(compare["n_quarantined"].sum()), border=True)
        only = st.toggle(t("review.compare.only_affected", lang), key="review.compare.only")
        if only:
            compare = compare[compare["moved"] | (compare["n_quarantined"] > 0)].reset_index(drop=True)
        columns = [
            "unit_code",
            "name",
            "n_quarantined",
            "rank_without",
            "rank_with",
            "rank_move",
            "survey_without",
            "survey_with",
            "survey_delta",
            "final_without",
            "final_with",
        ]
        highlight = compare["moved"].tolist()
        shown_compare = compare[columns]
        st.dataframe(
            shown_compare.style.apply(
                lambda row: [MOVED_ROW_STYLE if highlight[row.name] else ""] * len(row), axis=1
            ),
            hide_index=True,
            column_config={
                "unit_code": st.column_config.TextColumn(t("review.col.unit_code", lang)),
                "name": st.column_config.TextColumn(t("review.col.unit_name", lang), width="medium"),
                "n_quarantined": st.column_config.NumberColumn(t("review.col.n_quarantined", lang)),
                "survey_without": st.column_config.NumberColumn(
                    t("review.col.survey_without", lang), format="%.2f"
                ),
                "survey_with": st.column_config.NumberColumn(
                    t("review.col.survey_with", lang), format="%.2f"
                ),
                "survey_delta": st.column_config.NumberColumn(
                    t("review.col.survey_delta", lang), format="%+.2f"
                ),
                "final_without": st.column_config.NumberColumn(
                    t("review.col.final_without", lang), format="%.2f"
                ),
                "final_with": st.column_config.NumberColumn(t("review.col.final_with", lang), format="%.2f"),
                "rank_without": st.column_config.NumberColumn(t("review.col.rank_without", lang)),
                "rank_with": st.column_config.NumberColumn(t("review.col.rank_with", lang)),
                "rank_move": st.column_config.NumberColumn(
                    t("review.col.rank_move", lang), format="%+d", help=t("review.col.rank_move_help", lang)
                ),
            },
        )
        st.caption(t("review.compare.legend", lang))
