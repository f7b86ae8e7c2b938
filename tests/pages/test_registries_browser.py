"""End to end, in headless Chromium on ``streamlit run asgi.py``: the seeds' registries
(issue 13) on the demo city (a third of its answers), in Chinese, each page for the role
that uses it, on a 375 px phone and at a 1366 px laptop's width: the public inspection
bulletin and typical cases; the admin's inspections, three rates, accountability cases
(lj-2024, a case open), fault tolerance and the heads section of the rectification page
(an escalated red card with its head's removal recorded, and one still waiting for it);
the liaison's fault tolerance; the inspector's visit with the head counts typed, up to its
summary, and a day outside the round refused. Every page: no traceback or unexpected
error, no element id, file path or message key in its text, nothing wider than the
window, and no English but what Streamlit itself prints (README, "Streamlit's own
English") and codes (G0101, DT-2024-001, 2025-AF-1, dates).

The text checked is every shown text node of the main area (icons, which are ligature
names such as "gavel", left out) and the placeholder of every empty box, with each tab
open in turn and the first few expanders of each tab opened (Streamlit draws neither a
closed tab nor a closed expander's content).
One demo load, one server and one browser for the module. SQLite only (the demo's size,
not the database, is what this exercises; tests/db covers both databases)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from db.demo import DEMO_PASSWORD
from db.demo_registries import OPEN_ROUND
from db.engine import get_engine
from db.models import Campaign, CardCase, Unit
from db.models_registries import HeadAction
from tests.pages.test_demo_pages import KEY, demo_database  # noqa: F401 (the module's demo city)
from tests.pages.test_staff_browser import settled
from tests.serving import CHROMIUM, chromium, serve_app, server_env
from ui.messages import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (.ci/run installs it)"),
]

LANG = "zh"
REVIEWED = "lj-2024"  # the year in review: inspections, cases, deductions
CARDS_YEAR = "lj-2023"  # published, with red cards escalated for units unsatisfactory two years
RECORDED_UNIT = "G0508"  # an escalated card whose head's removal the demo records
PENDING_UNIT = "U0906"  # an escalated card whose record this module takes away: the form shows

# What Streamlit 1.67 prints in English on these pages and offers no option to change
# (README, "Streamlit's own English"): an empty table cell, the note under a box holding
# typing not yet applied, a drop-down whose search matches nothing, an empty date box's format.
STREAMLIT_WORDS = {"None", "Press", "Enter", "Ctrl", "to", "apply", "No", "results", "yyyy", "mm", "dd"}
# Names that are data, not words: the demo's accounts (who recorded what); file formats and
# sizes as Chinese writes them (CSV、XLSX、MB) and a file's extension (情况说明.txt).
DATA_WORDS = {"admin", "liaison", "CSV", "XLSX", "Excel", "MB", "JPG", "JPEG", "PNG", "WEBP", "WebP", "PDF"}
EXTENSION = re.compile(r"\.(?:txt|csv|xlsx|pdf|jpe?g|png|webp)\b", re.I)
CODE = re.compile(r"[\w-]*\d[\w-]*", re.ASCII)  # G0101, lj-2024, DT-2024-001, 2025-AF-1, admin2
WORD = re.compile(r"[A-Za-z]{2,}")
# What only a programmer should see: a traceback, a source file, an element id, a message key.
INTERNALS = re.compile(
    r"Traceback|File \"|\.py\b|app_pages|services\.|/work/|st-key-|data-testid|stMain"
    r"|\b[a-z_]+\.[a-z_]+\.[a-z_.]+\b",
    re.ASCII,
)

TEXT_OF = """root => {
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
        acceptNode(node) {
            if (node.nodeType === Node.TEXT_NODE) return NodeFilter.FILTER_ACCEPT;
            const icon = '[data-testid="stIconMaterial"], [data-testid$="DynamicIcon"], style, script, svg';
            return node.matches(icon) || getComputedStyle(node).display === 'none'
                ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_SKIP;
        },
    });
    while (walker.nextNode()) {
        const text = walker.currentNode.nodeValue.trim();
        if (text) out.push(text);
    }
    for (const el of root.querySelectorAll('[placeholder]')) {  // shown in an empty box
        if (!el.value) out.push(el.getAttribute('placeholder'));
    }
    return out.join('\\n');
}"""

OVERFLOW = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return Math.max(document.documentElement.scrollWidth - window.innerWidth,
                    main ? main.scrollWidth - main.clientWidth : 0);
}"""


def english(text: str) -> list[str]:
    """The English words of ``text`` that are neither Streamlit's nor data nor codes."""
    plain = CODE.sub(" ", EXTENSION.sub(" ", text))
    return sorted({w for w in WORD.findall(plain) if w not in STREAMLIT_WORDS | DATA_WORDS})


def test_the_english_check_finds_our_english_and_lets_streamlit_s_and_codes_pass() -> None:
    assert english("共 3 件 None Press Enter to apply G0101 lj-2024 DT-2024-001 2025-12-31 admin2") == []
    found = english("检查轮次 Round：Refused, unit_code missing")
    assert found == ["Refused", "Round", "code", "missing", "unit"]
    assert INTERNALS.search("见 app_pages/visits.py") and INTERNALS.search("visits.confirm.header")
    assert not INTERNALS.search("临江市2024年度评议（lj-2024）")


# ------------------------------------------------------------------ the served demo


@pytest.fixture(scope="module")
def served(
    repo_root: Path,
    demo_database: str,  # noqa: F811 (the fixture imported above)
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Any]]:
    """The demo served once, one card's head record taken away, and one browser."""
    factory = sessionmaker(get_engine(demo_database))
    with factory() as session:
        card_id = session.execute(
            select(CardCase.id)
            .join(Campaign, Campaign.id == CardCase.campaign_id)
            .join(Unit, Unit.id == CardCase.unit_id)
            .where(Campaign.code == CARDS_YEAR, Unit.code == PENDING_UNIT, CardCase.status == "escalated")
        ).scalar_one()
        assert session.execute(delete(HeadAction).where(HeadAction.card_id == card_id)).rowcount == 1
        session.commit()
    folder = tmp_path_factory.mktemp("registries-browser")
    env = server_env(demo_database, folder / "data", APPRAISAL_SECRET_KEY=KEY)
    with serve_app(repo_root, env, folder / "streamlit.log") as base, chromium() as browser:
        yield base, browser


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(DEMO_PASSWORD)
    page.locator("form.login-form button").click()
    page.wait_for_url(re.compile(r"^(?!.*login).*$"))


def pick(page: Any, label: str, option: str | re.Pattern[str], search: str = "") -> None:
    """Choose ``option`` in the selectbox ``label``, typing ``search`` first (a long list
    draws only the options in view)."""
    box = page.get_by_role("combobox", name=label, exact=True).filter(visible=True).first
    box.click()
    if search:
        box.press_sequentially(search)
    page.get_by_role("option", name=option).first.click()
    settled(page)


# ------------------------------------------------------------------ what is done on each page


def on_accountability(page: Any) -> None:
    pick(page, t("accountability.filter.campaign", LANG), re.compile(re.escape(f"（{REVIEWED}）")))
    found = re.escape(t("accountability.list.found", LANG, n=999)).replace("999", r"\d+")
    page.get_by_text(re.compile(found)).wait_for()


def on_inspections(page: Any) -> None:
    pick(page, t("inspections.campaign", LANG), re.compile(re.escape(REVIEWED)))


def on_results(page: Any) -> None:
    pick(page, t("inspection_results.campaign", LANG), re.compile(re.escape(REVIEWED)))


def on_rectification(page: Any) -> None:
    """The heads section: a removal recorded (and the card to close), then one to record."""
    pick(page, t("rectification.campaign", LANG), re.compile(re.escape(CARDS_YEAR)))
    page.get_by_text(t("heads.pending.header", LANG, n=1)).wait_for()
    pick(page, t("cards.choose", LANG), re.compile(re.escape(f"（{RECORDED_UNIT}）")), RECORDED_UNIT)
    page.get_by_text(t("heads.summary.header", LANG), exact=True).wait_for()
    page.get_by_role("button", name=t("heads.close", LANG)).wait_for()


def on_rectification_pending(page: Any) -> None:
    pick(page, t("cards.choose", LANG), re.compile(re.escape(f"（{PENDING_UNIT}）")), PENDING_UNIT)
    page.get_by_text(t("heads.form.header", LANG), exact=True).wait_for()


def on_visits(page: Any) -> None:
    """A unit of the open round, the head counts typed: the three rates, then the summary."""
    pick(page, t("visits.round", LANG), re.compile("^" + re.escape(OPEN_ROUND[1])))
    for name, value in (("expected", "8"), ("present", "7"), ("on_post", "6"), ("focused", "5")):
        field = page.get_by_label(t(f"inspections.count.{name}", LANG), exact=True)
        field.fill(value)
        field.press("Enter")
        settled(page)
    rates = t("inspections.rates.line", LANG, attendance="88%", on_post="75%", focus="62%")
    page.get_by_text(rates).wait_for()
    page.get_by_role("button", name=t("visits.review", LANG)).click()
    page.get_by_text(t("visits.confirm.header", LANG)).wait_for()
    # a day before the round: refused in Chinese, nothing saved
    _, _, starts_on, ends_on = OPEN_ROUND
    segments = page.get_by_label(t("visits.day", LANG), exact=True).get_by_role("spinbutton")
    segments.first.click()  # year, month, day: typed in turn
    page.keyboard.type((starts_on - timedelta(days=3)).strftime("%Y%m%d"))
    page.keyboard.press("Tab")
    settled(page)
    page.get_by_role("button", name=t("visits.confirm.save", LANG)).click()
    page.get_by_text(t("visits.day.outside", LANG, start=starts_on, end=ends_on)).wait_for()


Step = tuple[str, str, Callable[[Any], None] | None]  # address, title key, what is done there
#: Each role's pages (None: nobody signed in), each step checked after what it does.
ROLES: dict[str | None, list[Step]] = {
    None: [
        ("inspection-bulletin", "inspection_results.public.title", None),
        ("typical-cases", "typical.title", None),
    ],
    "admin": [
        ("inspections", "inspections.title", None),
        ("inspections", "inspections.title", on_inspections),
        ("inspection-results", "inspection_results.title", on_results),
        ("accountability", "accountability.title", on_accountability),
        ("fault-tolerance", "ft.title", None),
        ("rectification", "rectification.title", on_rectification),
        ("", "", on_rectification_pending),  # the same page, another card
    ],
    "liaison": [("fault-tolerance", "ft.title", None)],
    "inspector1": [("visits", "visits.title", on_visits)],
}


EXPANDERS = 4  # opened in each view: a list of visits is a few hundred alike


def problems(page: Any, where: str) -> list[str]:
    """What is wrong with the page as it stands, each of its tabs open in turn with its
    expanders open (Streamlit draws only the open tab, and an expander's content once
    open), in words naming ``where``; the first tab is left open."""
    main = page.locator('[data-testid="stMain"]')
    tabs = main.get_by_role("tab")
    found = []
    for n in range(tabs.count()) or [None]:
        if n is not None:
            tabs.nth(n).click()
            page.wait_for_timeout(300)
        closed = main.locator("details:not([open]) > summary").filter(visible=True)
        for _ in range(min(closed.count(), EXPANDERS)):
            closed.first.click()
            page.wait_for_timeout(100)
        found += problems_in_view(page, main, where if n is None else f"{where} [{tabs.nth(n).inner_text()}]")
    if tabs.count():
        tabs.first.click()
        page.wait_for_timeout(300)
    return found


def problems_in_view(page: Any, main: Any, where: str) -> list[str]:
    found = []
    text = main.evaluate(TEXT_OF)
    if page.locator('[data-testid="stException"]').count():
        found.append(f"{where}: an exception box")
    unexpected = t("error.unexpected", LANG, ref="@").split("@")[0]
    if unexpected in text:
        found.append(f"{where}: {unexpected}")
    if hit := INTERNALS.search(text):
        found.append(f"{where}: internals {hit.group()!r}")
    if words := english(text):
        lines = [line for line in text.splitlines() if any(re.search(rf"\b{w}\b", line) for w in words)]
        found.append(f"{where}: English {words} in {lines[:6]}")
    if (overflow := page.evaluate(OVERFLOW)) > 1:
        found.append(f"{where}: {overflow} px wider than the window")
    return found


@pytest.mark.parametrize("width", [375, 1366])
@pytest.mark.parametrize("username", list(ROLES), ids=lambda u: u or "public")
def test_the_registries_pages_speak_chinese_fit_the_window_and_show_no_traceback(
    served: tuple[str, Any], username: str | None, width: int
) -> None:
    base, browser = served
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        if username is not None:
            sign_in(page, base, username)
        found: list[str] = []
        for path, title, action in ROLES[username]:
            if path:
                page.goto(f"{base}/{path}")
                page.get_by_role("heading", name=t(title, LANG)).first.wait_for()
                settled(page)
            if action is not None:
                action(page)
            found += problems(page, f"{path or 'the same page'} {action.__name__ if action else ''}".strip())
    finally:
        context.close()
    assert found == []
