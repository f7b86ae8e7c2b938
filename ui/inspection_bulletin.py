"""Drawing a monthly inspection bulletin (明察暗访通报) and the words of the registries'
computed values: shared by app_pages/inspection_results.py (the admin's preview),
app_pages/inspection_bulletin.py (public) and app_pages/indicators.py (a value's provenance).

No heavy library: the public page imports it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

import streamlit as st

from services.inspection_bulletin import Bulletin
from services.inspection_rates import parse_provenance
from ui.messages import t

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def harm_label(harm: str, lang: str) -> str:
    try:
        return t(f"inspection_results.harm.{harm}", lang)
    except KeyError:  # a harm outside the twelve, typed by hand: shown as it is
        return harm


def harms_text(by_harm: Mapping[str, int], lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(f"{harm_label(h, lang)} × {n}" for h, n in by_harm.items())


def rate_text(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}"


def provenance_label(text: str, lang: str) -> str:
    """A value's provenance in ``lang``: the inspections' sentence translated, other text as it is."""
    found = parse_provenance(text)
    if found is None:
        return text
    visits, start, end = found
    return t("inspection_results.provenance", lang, visits=visits, start=str(start), end=str(end))


def bulletin_title(b: Bulletin, lang: str) -> str:
    return t(
        "inspection_results.bulletin.title",
        lang,
        campaign=b.campaign_name,
        year=b.year,
        month=b.month,
        month_name=MONTH_NAMES[b.month - 1],
    )


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|~$"})


def _plain(text: str) -> str:
    """Text typed by people, shown in Markdown as it is (no links, emphasis or lists)."""
    return " ".join(text.split()).translate(_MARKDOWN)


def _day(value: date) -> str:
    return value.isoformat()


def draw_bulletin(b: Bulletin, lang: str) -> None:
    """The bulletin's figures, the units with findings and the lowest rates."""
    if not b.visits:
        st.info(t("inspection_results.bulletin.no_visits", lang))
        return
    left, middle, right = st.columns(3)
    left.metric(t("inspection_results.bulletin.visits", lang), b.visits)
    middle.metric(t("inspection_results.bulletin.units", lang), b.units_visited)
    right.metric(t("inspection_results.bulletin.findings", lang), b.n_findings)
    st.markdown(
        t(
            "inspection_results.bulletin.rates",
            lang,
            attendance=rate_text(b.attendance_rate),
            on_post=rate_text(b.on_post_rate),
            focus=rate_text(b.focus_rate),
        )
    )
    if b.findings_by_harm:
        st.caption(t("inspection_results.bulletin.by_harm", lang, harms=harms_text(b.findings_by_harm, lang)))
    st.markdown(f"**{t('inspection_results.bulletin.with_findings', lang)}**")
    if not b.units_with_findings:
        st.markdown(t("inspection_results.bulletin.no_findings", lang))
    lines = []
    for u in b.units_with_findings:
        lines.append(
            "- "
            + t(
                "inspection_results.bulletin.unit_line",
                lang,
                unit=_plain(u.unit_name),
                visits=u.visits,
                harms=harms_text(u.by_harm, lang),
            )
        )
        for f in u.findings:
            line = t(
                "inspection_results.bulletin.finding_line",
                lang,
                date=_day(f.visited_on),
                harm=harm_label(f.harm, lang),
                description=_plain(f.description),
            )
            lines.append("    - " + line)
    if lines:
        st.markdown("\n".join(lines))
    if b.lowest:
        st.markdown(f"**{t('inspection_results.bulletin.lowest', lang)}**")
        st.markdown(
            "\n".join(
                "- "
                + t(
                    "inspection_results.bulletin.lowest_line",
                    lang,
                    unit=_plain(r.unit_name),
                    attendance=rate_text(r.attendance_rate),
                    on_post=rate_text(r.on_post_rate),
                    focus=rate_text(r.focus_rate),
                )
                for r in b.lowest
            )
        )
