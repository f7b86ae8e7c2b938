"""Files made from published results: the ranking as XLSX and the notice of red and yellow
cards (红黄牌公示) as PDF with embedded Chinese fonts.

Both are built from :class:`services.results.PublishedResults`, i.e. from the frozen
snapshot, and carry its SHA-256 so that a printed copy can be matched to the publication.
The PDF is an official Chinese document; the XLSX is written in the reader's language,
whose words (column titles, sheet names, group names, coded values, times) the page hands
over as :class:`RankingLabels` from the message catalogue. The bundle's CSV files are not
written here: they keep the spec's codes.

Every cell goes through :func:`_put`, which stores text as text: a unit named
``=HYPERLINK(...)`` must never become a live formula in a published spreadsheet.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from scoring.textrules import formula_like
from services.invitations import CJK_FONT_PATH, CJK_FONT_SC
from services.results import PublishedResults, UnitRow

# fpdf and openpyxl (about a second to import) are imported in the functions that write the
# files, so that the pages which only show results do not pay for them.
if TYPE_CHECKING:
    from fpdf import FPDF
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

# The ranking's columns: key, how a row gives its value.
RANKING_COLUMNS: Final[tuple[tuple[str, Callable[[UnitRow], object]], ...]] = (
    ("group", lambda r: r.group),
    ("rank", lambda r: r.rank),
    ("unit_id", lambda r: r.unit_id),
    ("name", lambda r: r.name),
    ("final_score", lambda r: None if r.final_score is None else round(r.final_score, 2)),
    ("final_ci_low", lambda r: None if r.final_ci_low is None else round(r.final_ci_low, 2)),
    ("final_ci_high", lambda r: None if r.final_ci_high is None else round(r.final_ci_high, 2)),
    ("rank_ci_low", lambda r: r.rank_ci_low),
    ("rank_ci_high", lambda r: r.rank_ci_high),
    ("survey_score", lambda r: _round(r.number("survey_score"))),
    ("phone_score", lambda r: _round(r.number("phone_score"))),
    ("bigdata_score", lambda r: _round(r.number("bigdata_score"))),
    ("grade", lambda r: r.grade),
    ("list", lambda r: r.list_name),
    ("card", lambda r: r.card),
    ("p_worst", lambda r: _round(r.p_worst, 3)),
    ("ineligible_reason", lambda r: r.ineligible_reason),
)
# Coded columns whose values the reader sees in words (ineligible_reason holds
# ";"-separated codes such as "few_survey;few_phone").
CODED_COLUMNS: Final = ("grade", "list", "card", "ineligible_reason")
# The rows of the sheet that describes the publication, in order.
ABOUT_ROWS: Final = (
    "campaign",
    "name",
    "year",
    "status",
    "published_at",
    "snapshot_sha256",
    "bundle_sha256",
    "input_sha256",
    "method_version",
)
CARD_FILL: Final = {"red": "F4CCCC", "yellow": "FFF2CC"}


@dataclass(frozen=True)
class RankingLabels:
    """The words of the ranking XLSX in one language (filled by the page from the catalogue).

    ``headers`` maps each key of :data:`RANKING_COLUMNS` to its column title, ``about``
    each key of :data:`ABOUT_ROWS` to its label; ``group`` names a ranking group (序列),
    ``value(column, code)`` says a coded value of :data:`CODED_COLUMNS`, ``status`` a
    campaign status, and ``when`` a time as people read it (Beijing time)."""

    headers: Mapping[str, str]
    about_sheet: str
    about: Mapping[str, str]
    group: Callable[[str], str]
    value: Callable[[str, str], str]
    status: Callable[[str], str]
    when: Callable[[datetime | None], str]


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _put(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write one cell; text is stored as text, never as a formula.

    openpyxl turns a string that begins with ``=`` into a formula cell: forcing the type
    back to a string writes it as an inline string. A value that a spreadsheet program
    would take for a formula once someone edits the cell (``+1+1``, ``@SUM(1)``) also
    gets Excel's quote prefix, the mark a typed leading apostrophe leaves."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if formula_like(value):
            cell.quotePrefix = True
    return cell


def append_row(sheet: Worksheet, values: Sequence[object]) -> list[Cell]:
    """Write ``values`` as the next row of ``sheet`` through :func:`_put`."""
    row = 1 if sheet.max_row == 1 and sheet.cell(row=1, column=1).value is None else sheet.max_row + 1
    return [_put(sheet, row, column, value) for column, value in enumerate(values, start=1)]


def _words(labels: RankingLabels, column: str, value: object) -> object:
    """A cell's value as the reader sees it: group and coded values in words."""
    if not isinstance(value, str) or not value:
        return value
    if column == "group":
        return labels.group(value)
    if column in CODED_COLUMNS:
        return "；".join(labels.value(column, code) for code in value.split(";") if code)
    return value


def ranking_xlsx(results: PublishedResults, labels: RankingLabels) -> bytes:
    """One sheet per ranking group plus a first sheet describing the publication, all in
    the language of ``labels``."""
    from openpyxl import Workbook  # imported here: heavy, and only the download needs it
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    about = book.active
    assert about is not None
    about.title = _sheet_title(labels.about_sheet, set())
    campaign = results.campaign
    facts: dict[str, object] = {
        "campaign": campaign.code,
        "name": campaign.name,
        "year": campaign.year,
        "status": labels.status(campaign.status.value),
        "published_at": labels.when(campaign.published_at),
        "snapshot_sha256": campaign.snapshot_sha256,
        "bundle_sha256": campaign.bundle_sha256,
        "input_sha256": results.input_sha256,
        "method_version": results.method_version,
    }
    for key in ABOUT_ROWS:
        append_row(about, [labels.about[key], facts[key]])
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 70
    titles = {about.title}
    for group in results.groups:
        sheet = book.create_sheet(_sheet_title(labels.group(group), titles))
        titles.add(sheet.title)
        for cell in append_row(sheet, [labels.headers[key] for key, _ in RANKING_COLUMNS]):
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in results.ranking(group):
            cells = append_row(
                sheet, [_words(labels, key, value_of(row)) for key, value_of in RANKING_COLUMNS]
            )
            if row.card in CARD_FILL:
                fill = PatternFill("solid", fgColor=CARD_FILL[row.card])
                for cell in cells:
                    cell.fill = fill
        sheet.freeze_panes = "E2"
        widths = {"name": 34, "ineligible_reason": 40, "group": 14}
        for index, (key, _) in enumerate(RANKING_COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = widths.get(key, 11)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str, taken: set[str]) -> str:
    """``name`` as a valid, unused sheet title (Excel forbids []:*?/\\ and allows 31 characters)."""
    cleaned = ("".join("_" if c in "[]:*?/\\" else c for c in name).strip("'") or "sheet")[:31]
    title, n = cleaned, 1
    while title.casefold() in {t.casefold() for t in taken}:
        n += 1
        title = f"{cleaned[: 31 - len(str(n)) - 1]}~{n}"
    return title


# ---------------------------------------------------------------- PDF notice of the cards

GROUP_NAMES_ZH: Final = {
    "office": "机关处室",
    "grassroots": "基层站所",
    "health": "医疗卫生单位",
    "utility": "公共服务企业",
}


def _reason_zh(row: UnitRow) -> str:
    reasons = []
    if row.veto:
        reasons.append("一票否决")
    if row.consecutive_unsatisfactory:
        head = f"，主要负责人{row.head_name}就地免职" if row.head_name else "，主要负责人就地免职"
        reasons.append("连续两年不满意" + head)
    if row.list_name == "worst":
        reasons.append("列入本序列“十差”")
    return "；".join(reasons) or "—"


def cards_notice_pdf(
    results: PublishedResults,
    *,
    day: Callable[[datetime], str],
    group_names: Mapping[str, str] = GROUP_NAMES_ZH,
    font_path: Path = CJK_FONT_PATH,
) -> bytes:
    """The notice of red and yellow cards (红黄牌公示), A4, with Noto Sans CJK embedded.

    ``day`` writes a stored (UTC) time as the Beijing calendar day, e.g. ``2026年01月02日``
    (the page passes ui.timefmt's formatter). Raises FileNotFoundError without the font:
    a notice must not fall back to boxes."""
    if not Path(font_path).is_file():
        raise FileNotFoundError(f"the Chinese font {font_path} is missing (Debian package fonts-noto-cjk)")
    from fpdf import FPDF  # imported here: heavy, and only the download needs it
    from fpdf.enums import XPos, YPos

    campaign = results.campaign
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"{campaign.name}红黄牌公示")
    pdf.set_creator("civic appraisal")
    pdf.add_font("NotoSansSC", fname=str(font_path), collection_font_number=CJK_FONT_SC)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font("NotoSansSC", size=16)
    pdf.multi_cell(0, 9, f"{campaign.name}\n红黄牌名单公示", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("NotoSansSC", size=10)
    if campaign.notice_ends_at and campaign.published_at:
        period = f"公示期：{day(campaign.published_at)}至{day(campaign.notice_ends_at)}。"
    else:
        period = ""
    pdf.multi_cell(
        0,
        6,
        "根据群众满意度评议结果（问卷评议、第三方电话抽访和大数据指标综合计分，分序列排名），"
        f"现将亮牌单位公示如下。{period}对公示结果有异议的单位，可在公示期内提出申诉。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(2)
    carded = results.carded()
    for card, title in (("red", "一、红牌单位"), ("yellow", "二、黄牌单位")):
        rows = [r for r in carded if r.card == card]
        pdf.set_font("NotoSansSC", size=12)
        pdf.cell(0, 9, f"{title}（{len(rows)}个）", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("NotoSansSC", size=9)
        if not rows:
            pdf.cell(0, 7, "无", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            continue
        _table(pdf, rows, group_names)
        pdf.ln(3)
    pdf.set_font("NotoSansSC", size=8)
    pdf.set_text_color(90)
    pdf.multi_cell(
        0,
        4.5,
        f"结果快照 SHA-256：{campaign.snapshot_sha256}\n评议数据包 SHA-256：{campaign.bundle_sha256 or '—'}\n"
        "任何人均可下载评议数据包，用离线评分程序（python -m scoring score）重新计算并核对。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())


def _table(pdf: FPDF, rows: Sequence[UnitRow], group_names: Mapping[str, str]) -> None:
    widths = (10.0, 62.0, 26.0, 18.0, 18.0, 56.0)
    from fpdf.fonts import FontFace  # fpdf is loaded already: the caller made the document

    header = ("序号", "单位", "序列", "综合得分", "序列排名", "亮牌原因")
    # One font file (regular only): the headings are set apart by shading, not bold.
    headings = FontFace(emphasis="", fill_color=(235, 235, 235))
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5.5, headings_style=headings) as table:
        table.row(header)
        for n, row in enumerate(rows, start=1):
            score = "—" if row.final_score is None else f"{row.final_score:.2f}"
            rank = f"{row.rank}/{row.group_size}" if row.rank and row.group_size else "—"
            table.row((str(n), row.name, group_names.get(row.group, row.group), score, rank, _reason_zh(row)))
