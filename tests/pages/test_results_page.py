"""The public results pages (app_pages/results.py, app_pages/unit.py) under AppTest, on
SQLite and PostgreSQL: nobody signs in, everything shown is the publication's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.bundle_io import import_bundle
from db.models import CampaignStatus, Role, User
from db.uow import UnitOfWork
from services import campaigns
from services.permissions import CurrentUser
from services.results import published_results
from services.scoring import score_stored_campaign
from tests.db.kit import Clock, MakeUow, set_status
from tests.db.publishing import publish, small_bundle
from ui.messages import t
from ui.timefmt import beijing_time


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("small") / "bundle")


@pytest.fixture
def published(app_database: str, make_uow: MakeUow, bundle: Path) -> str:
    return publish(make_uow, bundle)


def page(repo_root: Path, path: str, lang: str = "zh", **query: str) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def vega_charts(at: AppTest) -> list[Any]:
    """The charts drawn (AppTest knows them only as unknown vega_lite_chart elements)."""
    found: list[Any] = []

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", "") == "vega_lite_chart":
                found.append(child)
            walk(child)

    walk(at._tree)
    return found


def account(uow: UnitOfWork, username: str) -> CurrentUser:
    user = uow.session.execute(select(User).where(User.username == username)).scalar_one()
    return CurrentUser(user.id, user.username, Role(user.role))


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_lists_cards_and_ranking_are_public(
    repo_root: Path, published: str, make_uow: MakeUow, lang: str
) -> None:
    results = published_results(make_uow(), published)

    at = page(repo_root, "app_pages/results.py", lang)

    assert at.title[0].value == t("results.title", lang)
    assert [m.label for m in at.metric][:4] == [
        t("results.metric.units", lang),
        t("results.metric.ranked", lang),
        t("results.metric.red", lang),
        t("results.metric.yellow", lang),
    ]
    assert at.metric[0].value == "40"
    text = markdown(at)
    for group in results.groups:
        for row in results.best(group) + results.worst(group):
            assert row.name in text
    for row in results.carded():
        assert row.name in text
    assert t("results.notice_period", lang, until=beijing_time(results.campaign.notice_ends_at)) in [
        i.value for i in at.info
    ]
    ranking = at.dataframe[0].value
    assert len(ranking) == len(results.ranking(results.groups[0]))


def test_the_files_to_check_are_offered_with_their_hashes(
    repo_root: Path, published: str, make_uow: MakeUow
) -> None:
    results = published_results(make_uow(), published)

    at = page(repo_root, "app_pages/results.py")

    labels = [b.label for b in at.get("download_button")]  # type: ignore[attr-defined]
    assert labels == [
        t("results.files.xlsx", "zh"),
        t("results.files.pdf", "zh"),
        t("results.files.snapshot", "zh"),
        t("results.files.bundle", "zh"),
    ]
    captions = "\n".join(c.value for c in at.caption)
    assert results.campaign.snapshot_sha256 in captions and results.campaign.bundle_sha256 in captions
    assert f"python -m scoring score {published}" in at.code[0].value


def test_without_a_publication_the_page_says_so(repo_root: Path, app_database: str) -> None:
    at = page(repo_root, "app_pages/results.py")
    assert [i.value for i in at.info] == [t("results.none", "zh")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_unit_page_shows_its_result_components_and_trend(
    repo_root: Path, published: str, make_uow: MakeUow, lang: str
) -> None:
    results = published_results(make_uow(), published)
    row = results.worst(results.groups[0])[0]

    at = page(repo_root, "app_pages/unit.py", lang, campaign=published, unit=row.unit_id)

    assert at.header[0].value == row.name
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("unit.final", lang)] == f"{row.final_score:.2f}"
    assert metrics[t("unit.rank", lang)] == f"{row.rank}/{row.group_size}"
    assert metrics[t("home.component.survey", lang)] == f"{row.number('survey_score'):.2f}"
    if row.card == "yellow":
        assert [w.value for w in at.warning] == [t("unit.card.yellow", lang)]
    trend = at.dataframe[0].value
    assert list(trend[t("unit.year", lang)]) == [str(results.campaign.year)]


def test_the_unit_trend_chart_runs_over_the_years(
    repo_root: Path, published: str, make_uow: MakeUow, bundle: Path, tmp_path: Path
) -> None:
    # the same city a year later: a second publication in the campaign series
    later = tmp_path / "later"
    shutil.copytree(bundle, later)
    toml = (later / "campaign.toml").read_text(encoding="utf-8")
    year = published_results(make_uow(), published).campaign.year
    (later / "campaign.toml").write_text(
        toml.replace(f'id = "{published}"', f'id = "{published}-next"').replace(
            f"year = {year}", f"year = {year + 1}"
        ),
        encoding="utf-8",
    )
    with make_uow() as uow:
        code = import_bundle(uow, later).code
        uow.commit()
    with make_uow("scorer") as uow:
        score_stored_campaign(uow, code, replicates=0)
        uow.commit()
    set_status(make_uow, code, CampaignStatus.review)
    with make_uow() as uow:
        first, second = (account(uow, name) for name in ("admin1", "admin2"))
    campaigns.request_publication(make_uow(), first, code)
    campaigns.approve_publication(make_uow(), second, code, clock=Clock())
    unit_id = published_results(make_uow(), code).rows[0].unit_id

    at = page(repo_root, "app_pages/unit.py", campaign=code, unit=unit_id)

    [chart] = vega_charts(at)
    spec = json.loads(chart.proto.spec)
    x = (spec.get("encoding") or spec["layer"][0]["encoding"])["x"]
    assert x["title"] == t("unit.year", "zh")
    [dataset] = chart.proto.datasets
    frame = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
    assert frame[x["field"]].tolist() == [str(year), str(year + 1)]  # the years, not 0 and 1


def test_the_unit_page_waits_for_a_choice(repo_root: Path, published: str) -> None:
    at = page(repo_root, "app_pages/unit.py", campaign=published)
    assert not at.header
    assert at.selectbox[-1].value is None
