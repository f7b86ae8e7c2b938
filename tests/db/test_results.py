"""Published results (services.results) and their files (services.exports), on SQLite and
PostgreSQL: what the public sees is the frozen publication; its bundle recomputes to the
same numbers; the XLSX and the PDF notice hold what they should."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select, update

from db.bundle_io import import_bundle
from db.models import CampaignStatus, SurveyAnswer, SurveyResponse, UnitResult
from scoring import load_bundle, score_campaign
from scoring.output import result_rows
from services.errors import NotFound
from services.exports import ABOUT_ROWS, RANKING_COLUMNS, RankingLabels, cards_notice_pdf, ranking_xlsx
from services.results import published_bundle, published_campaigns, published_results, published_snapshot
from services.scoring import freeze_bundle, input_sha256
from tests.db.kit import MakeUow
from tests.db.publishing import publish, small_bundle
from ui.labels import notice_day


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("small") / "bundle")


def test_only_published_campaigns_are_public(make_uow: MakeUow, bundle: Path) -> None:
    with make_uow() as uow:
        code = import_bundle(uow, bundle).code
        uow.commit()
    assert published_campaigns(make_uow()) == []
    with pytest.raises(NotFound, match="no published results"):
        published_results(make_uow(), code)


def test_the_public_sees_the_snapshot_which_later_edits_do_not_change(
    make_uow: MakeUow, bundle: Path
) -> None:
    code = publish(make_uow, bundle)
    [campaign] = published_campaigns(make_uow())
    assert (campaign.code, campaign.status) == (code, CampaignStatus.published)
    before = published_results(make_uow(), code)
    with make_uow() as uow:
        stored = dict(uow.session.execute(select(UnitResult.unit_id, UnitResult.final_score)).all())
    assert len(before.rows) == len(stored) == 40
    assert sorted(r.final_score for r in before.rows if r.final_score is not None) == sorted(
        v for v in stored.values() if v is not None
    )
    assert any(r.card == "yellow" for r in before.rows) and before.worst(before.groups[0])

    # an edit behind the services' back (they refuse it once published) changes nothing public
    with make_uow() as uow:
        uow.session.execute(update(SurveyAnswer).values(option_code="3"))
        uow.session.execute(update(SurveyResponse).values(status="withdrawn"))
        uow.commit()

    after = published_results(make_uow(), code)
    assert after == before
    snapshot, sha = published_snapshot(make_uow(), code)
    assert json.loads(snapshot)["campaign"] == code and len(sha) == 64


def test_the_published_bundle_recomputes_to_the_published_numbers(
    make_uow: MakeUow, bundle: Path, tmp_path: Path
) -> None:
    code = publish(make_uow, bundle)
    data, sha = published_bundle(make_uow(), code)
    assert len(sha) == 64
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names) and all(n.startswith(f"{code}/") for n in names)
        archive.extractall(tmp_path)
    loaded = load_bundle(tmp_path / code)
    published = published_results(make_uow(), code)
    assert loaded.file_sha256 and published.input_sha256
    assert input_sha256(loaded.file_sha256) == published.input_sha256
    result = score_campaign(
        loaded.inputs, dataclasses.replace(loaded.params, replicates=60), year=loaded.info.year
    )
    recomputed = {row["unit_id"]: row for row in result_rows(result)}
    for row in published.rows:
        assert recomputed[row.unit_id] == row.row, row.unit_id

    # the zip is reproducible: freezing the same inputs again gives the same bytes
    with make_uow() as uow:
        assert freeze_bundle(uow, code).data == data


def test_the_ranking_xlsx_has_one_sheet_per_group_in_rank_order(make_uow: MakeUow, bundle: Path) -> None:
    code = publish(make_uow, bundle)
    results = published_results(make_uow(), code)
    headers = {key: f"H:{key}" for key, _ in RANKING_COLUMNS}
    labels = RankingLabels(
        headers=headers,
        about_sheet="about",
        about={key: key for key in ABOUT_ROWS},
        group=lambda g: g,
        value=lambda c, v: f"{c}={v}",
        status=lambda s: s,
        when=lambda at: "" if at is None else at.isoformat(),
    )

    book = load_workbook(io.BytesIO(ranking_xlsx(results, labels)))

    assert book.sheetnames == ["about", *results.groups]
    about = {row[0].value: row[1].value for row in book["about"].iter_rows()}
    assert about["snapshot_sha256"] == results.campaign.snapshot_sha256
    for group in results.groups:
        sheet = book[group]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == tuple(headers[key] for key, _ in RANKING_COLUMNS)
        assert [r[2] for r in rows[1:]] == [u.unit_id for u in results.ranking(group)]
        ranks = [r[1] for r in rows[1:] if r[1] is not None]
        assert ranks == sorted(ranks) == list(range(1, len(ranks) + 1))
        cards = {r[2]: r[14] for r in rows[1:]}
        assert {u.unit_id for u in results.rows if u.group == group and u.card == "yellow"} == {
            unit for unit, card in cards.items() if card == "card=yellow"
        }


CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.fonts  # CI fails instead of skipping (tests/conftest.py)
@pytest.mark.skipif(not CJK_FONT.exists(), reason="needs fonts-noto-cjk (.ci/run installs it)")
def test_the_cards_notice_pdf_has_a_chinese_text_layer(make_uow: MakeUow, bundle: Path) -> None:
    code = publish(make_uow, bundle)
    results = published_results(make_uow(), code)
    carded = results.carded()
    assert carded

    reader = PdfReader(io.BytesIO(cards_notice_pdf(results, day=notice_day)))
    # pypdf reads fpdf2's two-byte (Identity-H) text back with a NUL after each character
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "").replace("\n", "")

    assert "红黄牌名单公示" in text and "黄牌单位" in text
    for row in carded:
        assert row.name in text
    assert results.campaign.snapshot_sha256 in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].get_object().values()
    }
    assert any("NotoSans" in f for f in fonts)  # embedded, not a viewer's substitute


def test_cards_notice_without_the_font_refuses_instead_of_printing_boxes(
    make_uow: MakeUow, bundle: Path, tmp_path: Path
) -> None:
    code = publish(make_uow, bundle)
    with pytest.raises(FileNotFoundError, match="fonts-noto-cjk"):
        cards_notice_pdf(published_results(make_uow(), code), day=notice_day, font_path=tmp_path / "none.ttc")
