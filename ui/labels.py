"""Coded values and data in words, in the reader's language: ranking groups, grades,
cards, reasons, labels that come from the data, and the words of the files people
download from the results page.

services/exports.py writes the ranking XLSX and the PDF notice; it cannot read the
message catalogue (services sit below ui), so the page passes the words through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from services.exports import ABOUT_ROWS, CODED_COLUMNS, RANKING_COLUMNS, RankingLabels, cards_notice_pdf
from services.exports import ranking_xlsx as write_ranking_xlsx
from services.results import PublishedResults
from ui.messages import MESSAGES, Lang, t
from ui.timefmt import beijing_time

# Catalogue prefixes of the coded values (a code the catalogue lacks is shown as it is).
VALUE_KEYS = {
    "grade": "results.grade.",
    "list": "results.list.",
    "card": "results.card.",
    "ineligible_reason": "scoring.reason_code.",
}
assert set(VALUE_KEYS) == set(CODED_COLUMNS)


def known(key: str, lang: Lang, fallback: str) -> str:
    """The catalogue's text for ``key``, or ``fallback`` (a code from the data) without one."""
    return t(key, lang) if key in MESSAGES else fallback


def data_label(text: str, lang: Lang) -> str:
    """A label that comes from the data (a respondent group's or an option's name in a
    bundle or an older database) as a label is written: English begins with a capital
    ("Citizens", not "citizens"); Chinese is shown as it is."""
    return text[:1].upper() + text[1:] if lang == "en" else text


def group_name(group: str, lang: Lang) -> str:
    """A ranking group (序列) in words; groups that are not in the catalogue keep their name."""
    return known(f"category.{group}", lang, group)


def grade_label(grade: str, lang: Lang, labels: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """A grade (等次) in words: the campaign's own label of the band (``services.grades.
    grade_labels``) in ``lang``, else the catalogue's words for the default bands, else the
    band's name; empty for an unranked unit's empty grade."""
    own = (labels or {}).get(grade, {}).get(lang)
    if own:
        return own
    return known(VALUE_KEYS["grade"] + grade, lang, grade) if grade else ""


def grade_scheme_text(bands: Mapping[str, float], labels: Mapping[str, Mapping[str, str]], lang: Lang) -> str:
    """The grade scheme in one line: ``优秀 ≥ 90；良好 ≥ 80；……；不满意：其余``."""
    parts = [
        t("grades.band", lang, label=grade_label(b, lang, labels), bound=f"{x:g}") for b, x in bands.items()
    ]
    parts.append(t("grades.bottom", lang, label=grade_label("dissatisfied", lang, labels)))
    return t("grades.scheme", lang, bands=t("grades.sep", lang).join(parts))


def reasons_text(codes: str, lang: Lang) -> str:
    """Why a unit is not ranked, in words: ``few_survey;few_phone`` → ``问卷不足；电话访问不足``."""
    return "；".join(
        known(VALUE_KEYS["ineligible_reason"] + code, lang, code) for code in codes.split(";") if code
    )


def ranking_labels(lang: Lang, grade_labels: Mapping[str, Mapping[str, str]] | None = None) -> RankingLabels:
    """Everything the ranking XLSX says, in ``lang``; times in Beijing time; grades by the
    campaign's own labels where it has them."""

    def value(column: str, code: str) -> str:
        if column == "grade":
            return grade_label(code, lang, grade_labels)
        return known(VALUE_KEYS[column] + code, lang, code)

    return RankingLabels(
        headers={key: t(f"results.xlsx.{key}", lang) for key, _ in RANKING_COLUMNS},
        about_sheet=t("results.xlsx.about", lang),
        about={key: t(f"results.xlsx.about.{key}", lang) for key in ABOUT_ROWS},
        group=lambda group: group_name(group, lang),
        value=value,
        status=lambda status: known(f"scoring.status.{status}", lang, status),
        when=lambda at: beijing_time(at, empty=""),
    )


def ranking_xlsx(
    results: PublishedResults, lang: Lang, grade_labels: Mapping[str, Mapping[str, str]] | None = None
) -> bytes:
    """The ranking workbook in ``lang`` (grades by the campaign's own labels, if given)."""
    return write_ranking_xlsx(results, ranking_labels(lang, grade_labels))


def notice_day(at: datetime) -> str:
    """A day as the (Chinese) notice writes it, in Beijing: ``2026年01月02日``."""
    return beijing_time(at, "%Y年%m月%d日")


def cards_notice(results: PublishedResults) -> bytes:
    """The PDF notice of red and yellow cards (an official Chinese document)."""
    return cards_notice_pdf(
        results, day=notice_day, group_names={g: group_name(g, "zh") for g in results.groups}
    )
