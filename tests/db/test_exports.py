"""The ranking XLSX as a reader gets it (services.exports through ui.labels), on SQLite and
PostgreSQL: every text cell is text, never a formula, whatever a unit is called; the
workbook speaks the reader's language; its times, and the PDF notice's days, are Beijing
time."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from services.exports import RANKING_COLUMNS
from services.results import PublishedResults, published_results
from tests.db.kit import MakeUow
from tests.db.publishing import publish, small_bundle
from ui.labels import cards_notice, ranking_xlsx
from ui.messages import t

# What a crafted bundle or a careless form could name a unit (OWASP "CSV injection").
FORMULA_NAMES = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "=1+1")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("small") / "bundle")


def renamed(results: PublishedResults, names: tuple[str, ...]) -> PublishedResults:
    """The publication with its first units renamed (the writer must hold even if an
    entry point let such a name through)."""
    rows = list(results.rows)
    for i, name in enumerate(names):
        rows[i] = dataclasses.replace(rows[i], name=name, head_name=name)
    return dataclasses.replace(results, rows=tuple(rows))


def test_unit_names_that_look_like_formulas_are_stored_as_text(make_uow: MakeUow, bundle: Path) -> None:
    code = publish(make_uow, bundle)
    results = renamed(published_results(make_uow(), code), FORMULA_NAMES)
    campaign = dataclasses.replace(results.campaign, name="=cmd|' /C calc'!A0")
    results = dataclasses.replace(results, campaign=campaign)

    data = ranking_xlsx(results, "zh")

    book = load_workbook(io.BytesIO(data))
    seen = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    seen[cell.value] = cell
    for name in (*FORMULA_NAMES, campaign.name):
        assert name in seen, name  # the value is kept exactly as it was named
        assert seen[name].quotePrefix  # and Excel keeps it text when someone edits the cell
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert not re.search(rb"<(\w+:)?f[ >]", archive.read(name)), name  # no formula element


def test_the_chinese_workbook_has_chinese_sheets_headers_groups_and_values(
    make_uow: MakeUow, bundle: Path
) -> None:
    code = publish(make_uow, bundle)
    results = published_results(make_uow(), code)

    book = load_workbook(io.BytesIO(ranking_xlsx(results, "zh")))

    groups = [t(f"category.{g}", "zh") for g in results.groups]
    assert book.sheetnames == [t("results.xlsx.about", "zh"), *groups]
    about = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows()}
    assert about[t("results.xlsx.about.snapshot_sha256", "zh")] == results.campaign.snapshot_sha256
    assert about[t("results.xlsx.about.status", "zh")] == t("scoring.status.published", "zh")
    for group, title in zip(results.groups, groups, strict=True):
        rows = list(book[title].iter_rows(values_only=True))
        assert rows[0] == tuple(t(f"results.xlsx.{key}", "zh") for key, _ in RANKING_COLUMNS)
        assert {r[0] for r in rows[1:]} == {title}
        assert [r[2] for r in rows[1:]] == [u.unit_id for u in results.ranking(group)]  # codes stay codes
        cards = {r[2]: r[14] for r in rows[1:]}
        assert {u.unit_id for u in results.rows if u.group == group and u.card == "yellow"} == {
            unit for unit, card in cards.items() if card == t("results.card.yellow", "zh")
        }
    # no cell holds a code a reader would have to look up, nor English
    words = {
        v for sheet in book.worksheets[1:] for row in sheet.iter_rows(values_only=True) for v in row[12:]
    }
    assert not {w for w in words if isinstance(w, str) and re.search(r"[A-Za-z]", w)}


def test_the_english_workbook_is_english(make_uow: MakeUow, bundle: Path) -> None:
    code = publish(make_uow, bundle)
    results = published_results(make_uow(), code)

    book = load_workbook(io.BytesIO(ranking_xlsx(results, "en")))

    assert book.sheetnames[0] == "About"
    assert book.sheetnames[1:] == [t(f"category.{g}", "en") for g in results.groups]
    assert book.worksheets[1].cell(row=1, column=1).value == "Group"


def test_the_workbook_gives_the_publication_time_in_beijing_time(make_uow: MakeUow, bundle: Path) -> None:
    code = publish(make_uow, bundle)
    results = published_results(make_uow(), code)
    at = datetime(2026, 1, 1, 16, 30, tzinfo=UTC)  # stored UTC: 00:30 next morning in Beijing
    results = dataclasses.replace(results, campaign=dataclasses.replace(results.campaign, published_at=at))

    book = load_workbook(io.BytesIO(ranking_xlsx(results, "zh")))

    about = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows()}
    assert about[t("results.xlsx.about.published_at", "zh")] == "2026-01-02 00:30"


CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.skipif(not CJK_FONT.exists(), reason="needs fonts-noto-cjk (.ci/run installs it)")
def test_the_notice_period_in_the_pdf_runs_in_beijing_days(make_uow: MakeUow, bundle: Path) -> None:
    code = publish(make_uow, bundle)
    results = published_results(make_uow(), code)
    campaign = dataclasses.replace(
        results.campaign,
        published_at=datetime(2026, 1, 1, 16, 30, tzinfo=UTC),  # 2 January in Beijing
        notice_ends_at=datetime(2026, 1, 8, 16, 0, tzinfo=UTC),  # 9 January in Beijing
    )

    reader = PdfReader(io.BytesIO(cards_notice(dataclasses.replace(results, campaign=campaign))))

    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "").replace("\n", "")
    assert "公示期：2026年01月02日至2026年01月09日" in text
