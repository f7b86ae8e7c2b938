"""A campaign's own grade bands (等次方案) on the public results pages and in the ranking XLSX:
each band is shown by the campaign's label in the reader's language, never by its code."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from services.grades import grade_labels
from services.results import published_results
from tests.db.kit import MakeUow
from tests.db.publishing import publish, small_bundle
from ui.labels import ranking_xlsx
from ui.messages import t

SCHEME = """
[grades]
excellent = 80.0
good = 70.0
pass = 60.0

[platform.grade_labels.excellent]
zh = "优秀"
en = "Excellent"

[platform.grade_labels.good]
zh = "良好"
en = "Good"

[platform.grade_labels.pass]
zh = "合格"
en = "Pass"

[platform.grade_labels.dissatisfied]
zh = "不合格"
en = "Unsatisfactory"
"""
WORDS = {
    "zh": {"优秀", "良好", "合格", "不合格"},
    "en": {"Excellent", "Good", "Pass", "Unsatisfactory"},
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = small_bundle(tmp_path_factory.mktemp("graded") / "bundle")
    with (out / "campaign.toml").open("a", encoding="utf-8") as fh:
        fh.write(SCHEME)
    return out


@pytest.fixture
def published(app_database: str, make_uow: MakeUow, bundle: Path) -> str:
    return publish(make_uow, bundle)


def page(repo_root: Path, path: str, lang: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_ranking_shows_the_campaigns_own_band_labels(
    repo_root: Path, published: str, make_uow: MakeUow, lang: str
) -> None:
    at = page(repo_root, "app_pages/results.py", lang)
    shown = set(at.dataframe[0].value[t("results.col.grade", lang)]) - {""}
    assert shown and shown <= WORDS[lang], shown

    results = published_results(make_uow(), published)
    row = next(r for r in results.rows if r.grade)
    at = page(repo_root, "app_pages/unit.py", lang, campaign=published, unit=row.unit_id)
    metric = next(m for m in at.metric if m.label == t("unit.grade", lang))
    assert metric.value in WORDS[lang]


def test_the_ranking_workbook_names_grades_by_the_campaigns_labels(published: str, make_uow: MakeUow) -> None:
    results = published_results(make_uow(), published)
    book = openpyxl.load_workbook(
        io.BytesIO(ranking_xlsx(results, "zh", grade_labels(make_uow(), published)))
    )
    cells = {str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value}
    assert cells & WORDS["zh"]
    assert not cells & {"excellent", "good", "pass", "dissatisfied"}
