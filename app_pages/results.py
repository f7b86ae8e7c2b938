"""Published results (公示结果), for everyone: the ten best and ten worst of each group with
their cards, the whole ranking with its uncertainty, the red and yellow cards, and the
files to check them (XLSX, PDF notice, snapshot, bundle to recompute).

Everything shown comes from the frozen publication (services.results), never from the
live tables.
"""

from __future__ import annotations

from urllib.parse import quote

import streamlit as st

from db.uow import UnitOfWork
from services.errors import NotFound
from services.grades import GradeLabels, grade_labels
from services.history import published_head_changes
from services.results import (
    PublishedResults,
    UnitRow,
    published_bundle,
    published_campaigns,
    published_results,
    published_snapshot,
)
from ui.history import head_text
from ui.labels import cards_notice, grade_label, group_name, known, ranking_xlsx, reasons_text
from ui.messages import Lang, t
from ui.page import current_lang
from ui.timefmt import beijing_time
from ui.widgets import choose_campaign

lang = current_lang()


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def label(key: str, fallback: str) -> str:
    return known(key, lang, fallback)


def group_label(group: str) -> str:
    return group_name(group, lang)


def score_text(row: UnitRow) -> str:
    if row.final_score is None:
        return "—"
    if row.final_ci_low is None or row.final_ci_high is None:
        return f"{row.final_score:.2f}"
    return f"{row.final_score:.2f}（{row.final_ci_low:.1f}–{row.final_ci_high:.1f}）"


def card_text(row: UnitRow) -> str:
    return {"red": t("results.card.red", lang), "yellow": t("results.card.yellow", lang)}.get(row.card, "")


def unit_link(results: PublishedResults, row: UnitRow) -> str:
    return f"/unit?campaign={quote(results.campaign.code)}&unit={quote(row.unit_id)}&lang={lang}"


def own_grades(results: PublishedResults) -> GradeLabels:
    """The campaign's own labels of its grade bands (等次名称), if it names any."""
    return grade_labels(uow(), results.campaign.code)


def lists_tab(results: PublishedResults) -> None:
    for group in results.groups:
        ranked = sum(1 for r in results.rows if r.group == group and r.rank)
        st.subheader(t("results.group", lang, group=group_label(group), n=ranked))
        best_column, worst_column = st.columns(2)
        with best_column:
            st.markdown(f"**{t('results.best', lang)}**")
            for row in results.best(group):
                st.markdown(f"{row.rank}. [{row.name}]({unit_link(results, row)}) · {score_text(row)}")
        with worst_column:
            st.markdown(f"**{t('results.worst', lang)}**")
            for row in results.worst(group):
                card = (
                    f" · :{'red' if row.card == 'red' else 'orange'}-badge[{card_text(row)}]"
                    if row.card
                    else ""
                )
                line = f"{row.rank}. [{row.name}]({unit_link(results, row)}) · {score_text(row)}{card}"
                st.markdown(line)
                if not row.robust_worst:
                    st.caption(t("results.not_robust", lang, p=f"{(row.p_worst or 0) * 100:.0f}"))


def ranking_tab(results: PublishedResults) -> None:
    group = st.selectbox(t("results.ranking.group", lang), results.groups, format_func=group_label)
    rows = results.ranking(group)
    st.dataframe(
        {
            t("results.col.rank", lang): [r.rank for r in rows],
            t("results.col.name", lang): [r.name for r in rows],
            t("results.col.score", lang): [r.final_score for r in rows],
            t("results.col.ci", lang): [
                f"{r.final_ci_low:.1f}–{r.final_ci_high:.1f}"
                if r.final_ci_low is not None and r.final_ci_high is not None
                else ""
                for r in rows
            ],
            t("results.col.rank_ci", lang): [
                f"{r.rank_ci_low}–{r.rank_ci_high}" if r.rank_ci_low and r.rank_ci_high else "" for r in rows
            ],
            t("results.col.grade", lang): [grade_label(r.grade, lang, own_grades(results)) for r in rows],
            t("results.col.card", lang): [card_text(r) for r in rows],
            t("results.col.p_worst", lang): [r.p_worst for r in rows],
            t("results.col.note", lang): [reasons_text(r.ineligible_reason, lang) for r in rows],
            t("results.col.detail", lang): [unit_link(results, r) for r in rows],
        },
        column_config={
            t("results.col.detail", lang): st.column_config.LinkColumn(
                display_text=t("results.col.detail.text", lang)
            ),
            t("results.col.score", lang): st.column_config.NumberColumn(format="%.2f"),
            t("results.col.p_worst", lang): st.column_config.ProgressColumn(
                min_value=0.0, max_value=1.0, format="percent", help=t("results.col.p_worst.help", lang)
            ),
        },
        hide_index=True,
        width="stretch",
    )
    st.caption(t("results.ranking.help", lang))


def cards_tab(results: PublishedResults) -> None:
    carded = results.carded()
    # a consecutive unit's head, with the earlier year's head where it changed (主要负责人变更)
    consecutive = any(r.consecutive_unsatisfactory for r in carded)
    heads = published_head_changes(uow(), results.campaign.code) if consecutive else {}
    for card in ("red", "yellow"):
        rows = [r for r in carded if r.card == card]
        st.subheader(t(f"results.cards.{card}", lang, n=len(rows)))
        if not rows:
            st.write(t("results.cards.none", lang))
        for row in rows:
            reasons = []
            if row.veto:
                reasons.append(t("results.reason.veto", lang))
            if row.consecutive_unsatisfactory:
                head = head_text(row.head_name, heads.get(row.unit_id), lang)
                reasons.append(t("results.reason.consecutive", lang, head=head))
            if row.list_name == "worst":
                reasons.append(t("results.reason.worst", lang))
            st.markdown(
                f"- [{row.name}]({unit_link(results, row)}) · {group_label(row.group)} · "
                f"{score_text(row)} · {'；'.join(reasons)}"
            )


# A publication never changes (a republication has a new snapshot hash), so its files are
# made once per snapshot and language instead of on every rerun of the page (the PDF
# alone takes about half a second: it embeds a subset of the CJK font).
@st.cache_data(max_entries=32, show_spinner=False)
def ranking_file(snapshot_sha256: str, lang: Lang, _results: PublishedResults) -> bytes:
    return ranking_xlsx(_results, lang, own_grades(_results))


@st.cache_data(max_entries=32, show_spinner=False)
def notice_file(snapshot_sha256: str, _results: PublishedResults) -> bytes:
    return cards_notice(_results)


def files_tab(results: PublishedResults) -> None:
    campaign = results.campaign
    st.write(t("results.files.intro", lang))
    xlsx = ranking_file(campaign.snapshot_sha256, lang, results)
    st.download_button(
        t("results.files.xlsx", lang),
        data=xlsx,
        file_name=f"{campaign.code}-ranking.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/table:",
    )
    try:
        notice = notice_file(campaign.snapshot_sha256, results)
    except FileNotFoundError:
        st.warning(t("results.files.no_font", lang))
    else:
        st.download_button(
            t("results.files.pdf", lang),
            data=notice,
            file_name=f"{campaign.code}-cards.pdf",
            mime="application/pdf",
            on_click="ignore",
            icon=":material/picture_as_pdf:",
        )
    snapshot, snapshot_sha = published_snapshot(uow(), campaign.code)
    st.download_button(
        t("results.files.snapshot", lang),
        data=snapshot,
        file_name=f"{campaign.code}-results.json",
        mime="application/json",
        on_click="ignore",
        icon=":material/data_object:",
    )
    st.caption(t("results.files.sha", lang, sha=snapshot_sha))
    try:
        bundle, bundle_sha = published_bundle(uow(), campaign.code)
    except NotFound:
        st.info(t("results.files.no_bundle", lang))
    else:
        st.download_button(
            t("results.files.bundle", lang),
            data=bundle,
            file_name=f"{campaign.code}-bundle.zip",
            mime="application/zip",
            on_click="ignore",
            icon=":material/folder_zip:",
        )
        st.caption(t("results.files.sha", lang, sha=bundle_sha))
        st.code(
            f"unzip {campaign.code}-bundle.zip\n"
            f"python -m scoring score {campaign.code} --out results\n"
            f"# results/summary.json → input_sha256 = {results.input_sha256}",
            language="bash",
        )


# ---------------------------------------------------------------- the page

st.title(t("results.title", lang))
chosen = choose_campaign(
    published_campaigns(uow()),
    t("results.campaign", lang),
    lambda c: c.name,
    empty=t("results.none", lang),
    from_url=True,
)
results = published_results(uow(), chosen.code)
campaign = results.campaign
if campaign.status.value == "published" and campaign.notice_ends_at is not None:
    st.info(t("results.notice_period", lang, until=beijing_time(campaign.notice_ends_at)))
else:
    st.success(t("results.final", lang))
red = sum(1 for r in results.rows if r.card == "red")
yellow = sum(1 for r in results.rows if r.card == "yellow")
ranked = sum(1 for r in results.rows if r.rank)
columns = st.columns(4)
columns[0].metric(t("results.metric.units", lang), len(results.rows))
columns[1].metric(t("results.metric.ranked", lang), ranked)
columns[2].metric(t("results.metric.red", lang), red)
columns[3].metric(t("results.metric.yellow", lang), yellow)

lists, ranking, cards, files = st.tabs(
    [
        t("results.tab.lists", lang),
        t("results.tab.ranking", lang),
        t("results.tab.cards", lang),
        t("results.tab.files", lang),
    ]
)
with lists:
    lists_tab(results)
with ranking:
    ranking_tab(results)
with cards:
    cards_tab(results)
with files:
    files_tab(results)
