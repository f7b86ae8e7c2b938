"""End to end: the public results page served by ``streamlit run asgi.py`` in headless
Chromium, with nobody signed in; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.results import published_results
from tests.db.kit import MakeUow
from tests.db.publishing import publish, small_bundle
from tests.serving import CHROMIUM, chromium, serve_app, server_env
from ui.messages import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (.ci/run installs it)"),
]


def test_anyone_reads_the_lists_and_opens_a_unit(
    repo_root: Path, database_url: str, make_uow: MakeUow, tmp_path: Path
) -> None:
    code = publish(make_uow, small_bundle(tmp_path / "bundle"))
    results = published_results(make_uow(), code)
    group = results.groups[0]
    worst = results.worst(group)[0]
    env = server_env(database_url, tmp_path / "data")

    with serve_app(repo_root, env, tmp_path / "streamlit.log") as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.set_default_timeout(30_000)
        page.goto(f"{base}/results")
        page.get_by_text(t("results.title", "zh")).first.wait_for()
        page.get_by_role("link", name=worst.name).first.wait_for()
        body = page.inner_text("body")
        for row in results.best(group)[:3]:
            assert row.name in body
        assert t("results.metric.yellow", "zh") in body

        page.get_by_role("tab", name=t("results.tab.files", "zh")).click()
        page.get_by_text(results.campaign.bundle_sha256).wait_for()

        page.get_by_role("tab", name=t("results.tab.lists", "zh")).click()
        link = page.get_by_role("link", name=worst.name).first
        href = link.get_attribute("href")
        assert href is not None and href.startswith(f"/unit?campaign={code}&unit={worst.unit_id}")
        page.goto(f"{base}{href}")  # the unit's own page (a markdown link opens a new tab)
        page.get_by_role("heading", name=worst.name).wait_for()
        page.get_by_text(f"{worst.final_score:.2f}", exact=True).first.wait_for()  # its score
