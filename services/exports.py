"""Files made from published results: the ranking as XLSX and the notice of red and yellow
cards (红黄牌公示) as PDF with embedded Chinese fonts.

Both are built from :class:`services.results.PublishedResults`, i.e. from the frozen
snapshot, and carry its SHA-256 so that a printed copy can be matched to the publication.
The PDF is an official Chinese document; the XLSX takes its column titles from the caller
(the page passes them from the message catalogue in the reader's language).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from services.invitations import CJK_FONT_PATH, CJK_FONT_SC
from services.results import PublishedResults, UnitRow

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
CARD_FILL: Final = {"red": "F4CCCC", "yellow": "FFF2CC"}


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def ranking_xlsx(
    results: PublishedResults,
    headers: Mapping[str, str],
    value_labels: Callable[[str, str], str] | None = None,
) -> bytes:
    """One sheet per ranking group plus a sheet describing the publication.

    ``headers`` maps each key of :data:`RANKING_COLUMNS` to its column title;
    ``value_labels(column, value)`` may translate coded values (grade, list, card)."""
    label = value_labels or (lambda _column, value: value)
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "about"
    campaign = results.campaign
    for line in (
        ("campaign", campaign.code),
        ("name", campaign.name),
        ("year", campaign.year),
        ("status", campaign.status.value),
        ("published_at", campaign.published_at.isoformat() if campaign.published_at else ""),
        ("snapshot_sha256", campaign.snapshot_sha256),
        ("bundle_sha256", campaign.bundle_sha256),
        ("input_sha256", results.input_sha256),
        ("method_version", results.method_version),
    ):
        about.append(list(line))
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 70
    for group in results.groups:
        sheet = book.create_sheet(_sheet_title(group))
        sheet.append([headers[key] for key, _ in RANKING_COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in results.ranking(group):
            values = []
            for key, value_of in RANKING_COLUMNS:
                value = value_of(row)
                if key in ("grade", "list", "card") and isinstance(value, str) and value:
                    value = label(key, value)
                values.append(value)
            sheet.append(values)
            if row.card in CARD_FILL:
                fill = PatternFill("solid", fgColor=CARD_FILL[row.card])
                for cell in sheet[sheet.max_row]:
                    cell.fill = fill
        sheet.freeze_panes = "E2"
        widths = {"name": 34, "ineligible_reason": 40, "group": 14}
        for index, (key, _) in enumerate(RANKING_COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = widths.get(key, 11)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(group: str) -> str:
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in group) or "group"
    return cleaned[:31]  # Excel's limit


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
    group_names: Mapping[str, str] = GROUP_NAMES_ZH,
    font_path: Path = CJK_FONT_PATH,
) -> bytes:
    """The notice of red and yellow cards (红黄牌公示), A4, with Noto Sans CJK embedded.

    Raises FileNotFoundError without the font: a notice must not fall back to boxes."""
    if not Path(font_path).is_file():
        raise FileNotFoundError(f"the Chinese font {font_path} is missing (Debian package fonts-noto-cjk)")
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
        period = f"公示期：{campaign.published_at:%Y年%m月%d日}至{campaign.notice_ends_at:%Y年%m月%d日}。"
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
    header = ("序号", "单位", "序列", "综合得分", "序列排名", "亮牌原因")
    # One font file (regular only): the headings are set apart by shading, not bold.
    headings = FontFace(emphasis="", fill_color=(235, 235, 235))
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5.5, headings_style=headings) as table:
        table.row(header)
        for n, row in enumerate(rows, start=1):
            score = "—" if row.final_score is None else f"{row.final_score:.2f}"
            rank = f"{row.rank}/{row.group_size}" if row.rank and row.group_size else "—"
            table.row((str(n), row.name, group_names.get(row.group, row.group), score, rank, _reason_zh(row)))
