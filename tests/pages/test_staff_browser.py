"""End to end, in headless Chromium on ``streamlit run asgi.py``, on SQLite and PostgreSQL:
what a Chinese-speaking staff member sees of Streamlit's own English. The /home address
opens the home page (no "Page not found" dialog), there is no toolbar menu (English
items), the staff navigation lists every page (no "View 4 more"), an upload field says
its limit in our words (no "Upload", no "200MB per file"), and a text box in a form
explains no Ctrl+Enter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.db.kit import PASSWORD, MakeUow
from tests.db.publishing import publish, small_bundle
from tests.serving import CHROMIUM, chromium, serve_app, server_env
from ui.messages import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (.ci/run installs it)"),
]

# Streamlit 1.67's own words that this app replaces or avoids (README lists what remains).
STREAMLIT_ENGLISH = re.compile(
    r"View \d+ more|View less|Upload|per file|Ctrl\+Enter|Press Enter|Page not found"
)


def settled(page: Any) -> None:
    """Wait until the script run is over (the status widget shows while it runs)."""
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=30_000)
    page.wait_for_timeout(500)


@pytest.mark.parametrize("width", [375, 1366])
def test_staff_pages_say_nothing_in_streamlit_s_english(
    repo_root: Path, database_url: str, make_uow: MakeUow, tmp_path: Path, width: int
) -> None:
    publish(make_uow, small_bundle(tmp_path / "bundle"))  # with the admins admin1 and admin2
    env = server_env(database_url, tmp_path / "data")

    with serve_app(repo_root, env, tmp_path / "streamlit.log") as base, chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 1400}, locale="zh-CN")
        page.set_default_timeout(30_000)

        # /home is the home page, not a "Page not found" dialog over it
        page.goto(f"{base}/home")
        page.get_by_role("heading", name=t("app.title", "zh")).wait_for()
        settled(page)
        assert page.get_by_role("dialog").count() == 0
        assert not STREAMLIT_ENGLISH.search(page.inner_text("body"))
        # no toolbar menu, whose items ("Print", "Record screen") are English
        assert page.locator('[data-testid="stMainMenu"]').count() == 0

        page.goto(f"{base}/login")
        page.locator("#login-username").fill("admin1")
        page.locator("#login-password").fill(PASSWORD)
        page.locator("form.login-form button").click()
        page.wait_for_url(re.compile(r"^(?!.*login).*$"))
        settled(page)

        # every staff page is listed: no English "View 4 more" button
        page.goto(f"{base}/adjustments")
        page.get_by_role("heading", name=t("adjustments.title", "zh")).wait_for()
        settled(page)
        if width < 500:  # on a phone the navigation sits in the collapsed sidebar
            page.locator('[data-testid="stExpandSidebarButton"]').click()
            page.wait_for_timeout(800)
        navigation = page.locator('[data-testid="stSidebarNav"]')
        for key in ("nav.scoring", "nav.appeals", "nav.rectification", "nav.review"):
            navigation.get_by_text(t(key, "zh"), exact=True).wait_for()
        assert not STREAMLIT_ENGLISH.search(navigation.inner_text())
        if width < 500:
            page.keyboard.press("Escape")
            page.mouse.click(width - 10, 700)  # close the sidebar over the page
            page.wait_for_timeout(800)

        # the upload field: our label with the limit, our word on the button, no English note
        uploader = page.locator('[data-testid="stFileUploader"]')
        uploader.get_by_text(t("adjustments.form.evidence", "zh", mb=10)).wait_for()
        assert not STREAMLIT_ENGLISH.search(uploader.inner_text())
        button_words = uploader.locator('button [data-testid="stMarkdownContainer"]').evaluate(
            "e => getComputedStyle(e, '::after').content"
        )
        assert button_words == f'"{t("widgets.upload.browse", "zh")}"'

        # a text box in a form: nothing about Ctrl+Enter under it, even while typing
        reason = page.get_by_label(t("adjustments.col.reason", "zh"), exact=True)
        reason.click()
        reason.type("完成拼搏目标")
        page.wait_for_timeout(500)
        assert not STREAMLIT_ENGLISH.search(page.locator('[data-testid="stMain"]').inner_text())


# The set-up pages (issue 11), each with its heading: a new city's admin works through them.
SETUP_PAGES = {
    "units": "register.title",
    "campaigns": "nav.campaigns",
    "questionnaire": "qdesign.title",
    "accounts": "accounts.admin.title",
    "password": "accounts.admin.password.title",
}


@pytest.mark.parametrize("width", [375, 1366])
def test_the_set_up_pages_open_in_chinese_without_streamlit_s_english_or_a_traceback(
    repo_root: Path, database_url: str, make_uow: MakeUow, tmp_path: Path, width: int
) -> None:
    publish(make_uow, small_bundle(tmp_path / "bundle"))  # a published campaign, admins admin1/admin2
    env = server_env(database_url, tmp_path / "data")

    with serve_app(repo_root, env, tmp_path / "streamlit.log") as base, chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 1400}, locale="zh-CN")
        page.set_default_timeout(30_000)
        page.goto(f"{base}/login")
        page.locator("#login-username").fill("admin1")
        page.locator("#login-password").fill(PASSWORD)
        page.locator("form.login-form button").click()
        page.wait_for_url(re.compile(r"^(?!.*login).*$"))
        settled(page)

        for path, title in SETUP_PAGES.items():
            page.goto(f"{base}/{path}")
            page.get_by_role("heading", name=t(title, "zh")).first.wait_for()
            settled(page)
            main = page.locator('[data-testid="stMain"]')
            text = main.inner_text()
            assert not STREAMLIT_ENGLISH.search(text), (path, STREAMLIT_ENGLISH.search(text))
            assert page.locator('[data-testid="stException"]').count() == 0, path
            assert "Traceback" not in text, path
            # readable on a phone: nothing wider than the window makes the page scroll sideways
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, overflow)
