"""End to end, in headless Chromium on ``streamlit run asgi.py``: a department runs two
consecutive appraisals of its own city from an empty database (两年评议，从空库开始).

Only ``python -m db upgrade`` and two admin accounts made with ``python -m db create-user``
exist at the start. An admin, in Chinese, then does every set-up step on the pages:
imports the unit register from XLSX (评议对象名录), designs the 2025 campaign with its own
grade scheme (优秀/良好/合格) and survey-only weights (评议活动), builds a questionnaire
with one item set per unit category and previews it as a citizen (问卷设计), and opens
fieldwork. The grade bands are plain inputs, one under the other on a phone (checked at
375 px), and the designer's, the register's and the questionnaire's tabs stay open after
a save and its message (checked after each save). One citizen answers on a phone through
the survey page; the other answer sheets are stored by the test process with the survey's
own service, so that one unit per category is clearly worst. Scoring, review, publication
requested by one admin and approved by the other, and the end of the notice period follow
on the scoring page.

Next year: a rename and a merge (whose principal predecessor was on the 2025 worst list)
are recorded on the register page, the merged unit's head is set with the register's edit
form, the 2026 campaign is made from last year's, its derived history is shown, fieldwork
opens, answers make the merged unit worst again, and after scoring it has a red card and
the results name its head, with the note that the head changed.

Each step is named: a failure says which step failed and leaves a screenshot of the page.
Runs on SQLite and PostgreSQL (``database_url``).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import select

from db.models import Campaign, Role, ScoringRun, Unit, UnitResult, User
from services.invitations import issue_batch
from services.permissions import CurrentUser
from tests.db.kit import MakeUow
from tests.db.test_designed_campaign_bundle import (
    ENFORCEMENT,
    ITEM_SET,
    MIN_SURVEY,
    REGISTER,
    REPLICATES,
    WINDOW,
    answer,
    first_year_patterns,
    item_text,
    items_csv,
    register_xlsx,
)
from tests.serving import CHROMIUM, chromium, phone_page, serve_app, server_env
from ui.messages import t
from ui.timefmt import beijing_today

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (.ci/run installs it)"),
]

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {"wang": "东城 appraisal 2025 第一", "li": "西城 appraisal 2025 第二"}
FIRST, NEXT = "city-2025", "city-2026"
RENAMED = ("W05", "住房公积金服务中心")  # on the 2025 worst list: keeps its own past
MERGED = ("E07", "农业和市场综合执法支队")  # E06 (principal, worst in 2025) + E01 (best)
NEW_HEAD = "韩梅"


def zh(key: str, **params: Any) -> str:
    return t(key, "zh", **params)


# ---------------------------------------------------------------------------- the browser


def settled(page: Any) -> None:
    """Wait until the script run is over (the status widget shows while it runs)."""
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)
    page.wait_for_timeout(400)


class Steps:
    """Named steps: a failure says which one failed and saves a screenshot of the page."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.timings: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def __call__(self, name: str, page: Any) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        except Exception as exc:
            shot = self.folder / f"failed-{len(self.timings):02d}.png"
            with contextlib.suppress(Exception):
                page.screenshot(path=str(shot), full_page=True)
            raise AssertionError(f"step «{name}» failed (screenshot {shot}): {exc}") from exc
        self.timings.append((name, time.monotonic() - started))


def visible(locator: Any) -> Any:
    """The locator's elements that are shown (hidden tabs hold widgets with the same label)."""
    return locator.filter(visible=True)


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORDS[username])
    page.locator("form.login-form button").click()
    page.wait_for_url(re.compile(r"^(?!.*login).*$"))
    settled(page)


def open_page(page: Any, base: str, path: str, title: str) -> None:
    page.goto(f"{base}/{path}")
    page.get_by_role("heading", name=title).first.wait_for()
    settled(page)


def flash(page: Any, text: str) -> None:
    """The success message a page leaves for itself after a change."""
    page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text=text).first.wait_for()
    settled(page)


def tab(page: Any, label: str | re.Pattern[str]) -> None:
    """Open a tab. The designer's, the register's and the questionnaire's tabs keep the
    open one as widget state (a click reruns the page), so it stays open after a save."""
    found = page.get_by_role("tab", name=label, exact=isinstance(label, str))
    found.click()
    settled(page)
    assert found.get_attribute("aria-selected") == "true", f"tab {label} does not open"


def still_on(page: Any, label: str) -> None:
    """The tab ``label`` is still the open one (after a save and its message)."""
    found = page.get_by_role("tab", name=label, exact=True)
    assert found.get_attribute("aria-selected") == "true", f"tab {label} is no longer open"


def button(page: Any, label: str) -> None:
    visible(page.get_by_role("button", name=label, exact=True)).first.click()
    settled(page)


def fill(page: Any, label: str, value: str) -> None:
    field = visible(page.get_by_label(label, exact=True)).first
    field.fill(value)
    field.press("Tab")
    settled(page)


def type_in(page: Any, label: str, value: str) -> None:
    """Fill a field inside a form: typing there does not run the script, so no wait."""
    field = visible(page.get_by_label(label, exact=True)).first
    field.fill(value)
    field.press("Tab")


def pick(page: Any, label: str, option: str) -> None:
    """Choose the option that contains ``option`` in the selectbox or multiselect ``label``."""
    box = visible(page.get_by_role("combobox", name=label, exact=True)).first
    box.scroll_into_view_if_needed()
    box.click()
    wanted = page.get_by_role("option", name=option).first
    with contextlib.suppress(Exception):  # a click while an expander opens may not open the list
        wanted.wait_for(timeout=5_000)
    if not wanted.is_visible():
        box.click()
    wanted.click()
    page.keyboard.press("Escape")
    settled(page)


def set_date(page: Any, label: str, value: date) -> None:
    """Type a date into a date field: its year, month and day segments (YYYY/MM/DD)."""
    field = visible(page.get_by_label(label, exact=True)).first
    field.locator('[role="spinbutton"]').first.click()
    page.keyboard.type(value.strftime("%Y%m%d"))
    page.keyboard.press("Tab")
    page.wait_for_timeout(300)


def upload(page: Any, path: Path) -> None:
    field = visible(page.locator('[data-testid="stFileUploaderDropzone"]')).first
    field.locator('input[type="file"]').set_input_files(str(path))
    # the file's name shows under the field once it has arrived
    page.get_by_text(path.name).first.wait_for()
    settled(page)


def lifecycle_step(page: Any, step: str, code: str) -> None:
    """A lifecycle button of the scoring page and its confirmation."""
    button(page, zh(f"scoring.step.{step}"))
    button(page, zh("scoring.confirm.yes"))
    flash(page, zh(f"scoring.done.{step}", code=code))


def grid_text(page: Any) -> str:
    """The text of the tables shown (the data grid's accessible cells) and of the page."""
    cells = visible(page.locator('[data-testid="stDataFrame"]')).locator('[role="gridcell"]')
    return "\n".join([page.locator('[data-testid="stMain"]').inner_text(), *cells.all_inner_texts()])


# ---------------------------------------------------------------------------- the database


def cli(env: dict[str, str], *args: str, stdin: str = "") -> None:
    done = subprocess.run(
        [sys.executable, "-m", "db", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def admin_user(make_uow: MakeUow, username: str) -> CurrentUser:
    with make_uow() as uow:
        user = uow.session.execute(select(User).where(User.username == username)).scalar_one()
        return CurrentUser(id=user.id, username=username, role=Role.admin)


class Outcome(NamedTuple):
    """A unit's stored result, as the test checks it."""

    list_name: str
    card: str
    grade: str
    consecutive_unsatisfactory: bool


def latest_results(make_uow: MakeUow, code: str) -> dict[str, Outcome]:
    with make_uow() as uow:
        run = (
            uow.session.execute(
                select(ScoringRun)
                .join(Campaign, Campaign.id == ScoringRun.campaign_id)
                .where(Campaign.code == code)
                .order_by(ScoringRun.id.desc())
            )
            .scalars()
            .first()
        )
        assert run is not None, f"{code} has no scoring run"
        rows = uow.session.execute(
            select(
                Unit.code,
                UnitResult.list_name,
                UnitResult.card,
                UnitResult.grade,
                UnitResult.consecutive_unsatisfactory,
            )
            .join(Unit, Unit.id == UnitResult.unit_id)
            .where(UnitResult.run_id == run.id)
        ).all()
        # plain values: the session is closed when the test reads them
        return {unit: Outcome(*values) for unit, *values in rows}


def end_notice_period(make_uow: MakeUow, code: str) -> None:
    """The notice period (公示期) is over: days pass between publication and finalizing."""
    with make_uow() as uow:
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        campaign.notice_ends_at = datetime.now().astimezone() - timedelta(minutes=1)
        uow.commit()


# ---------------------------------------------------------------------------- the test


def test_a_department_runs_two_consecutive_appraisals_from_an_empty_database(
    repo_root: Path, database_url: str, make_uow: MakeUow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = time.monotonic()
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(data))  # the test process's services share the key
    env = server_env(database_url, data)
    cli(env, "upgrade")
    for username in PASSWORDS:
        cli(
            env,
            "create-user",
            username,
            "--role",
            "admin",
            "--password-stdin",
            stdin=PASSWORDS[username] + "\n",
        )
    files = tmp_path / "files"
    files.mkdir()
    (files / "名录.xlsx").write_bytes(register_xlsx())
    (files / "items.csv").write_bytes(items_csv())
    today = beijing_today()  # the app's dates are Beijing dates; the server may be on UTC
    year1, year2 = today.year - 1, today.year
    head_since = today - timedelta(days=20)
    names = {code: name for code, name, *_ in REGISTER}
    steps = Steps(tmp_path)

    with serve_app(repo_root, env, tmp_path / "streamlit.log") as base, chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
        context.set_default_timeout(30_000)
        page = context.new_page()
        with steps("admin 1 signs in", page):
            sign_in(page, base, "wang")

        # ------------------------------------------------------------ the register from XLSX
        with steps("import the unit register from XLSX", page):
            open_page(page, base, "units", zh("register.title"))
            upload(page, files / "名录.xlsx")
            button(page, zh("register.import.run"))
            flash(page, zh("register.import.done", rows=12, created=12, updated=0, unchanged=0))
            with make_uow() as uow:
                stored = {u.code: (u.head_name, u.kind) for u in uow.session.execute(select(Unit)).scalars()}
            assert set(stored) == set(names)
            assert stored["E06"] == ("卫东", "执法队")

        # ------------------------------------------------------------ the 2025 campaign
        with steps("create the 2025 campaign", page):
            open_page(page, base, "campaigns", zh("nav.campaigns"))
            fill(page, zh("designer.col.code"), FIRST)
            fill(page, zh("designer.col.year"), str(year1))
            fill(page, zh("designer.col.name"), f"{year1}年度市直单位评议")
            fill(page, zh("designer.new.series_code"), "city")
            fill(page, zh("designer.new.series_name"), "市直单位满意度评议")
            button(page, zh("designer.new.create"))
            flash(page, zh("designer.new.created", code=FIRST))

        with steps("set the fieldwork dates", page):
            set_date(page, zh("designer.field.fieldwork_opens"), date(year1, 10, 1))
            set_date(page, zh("designer.field.fieldwork_closes"), date(year1, 11, 30))
            button(page, zh("designer.save"))
            flash(page, zh("designer.saved", code=FIRST))

        with steps("choose the units of both categories", page):
            tab(page, zh("designer.tab.units"))
            for category in (WINDOW, ENFORCEMENT):
                pick(page, zh("designer.col.category"), f"{category} (6)")
            page.get_by_text(zh("designer.units.preview", n=12).replace("**", "")).first.wait_for()
            button(page, zh("designer.units.apply"))
            flash(page, zh("designer.units.done", code=FIRST, n=12))
            still_on(page, zh("designer.tab.units"))

        with steps("set survey-only weights and eligibility", page):
            tab(page, zh("designer.tab.method"))
            for field, value in (
                ("survey_weight", "1"),
                ("phone_weight", "0"),
                ("bigdata_weight", "0"),
                ("min_survey", str(MIN_SURVEY)),
                ("min_phone", "0"),
                ("min_indicator_share", "0"),
                ("replicates", str(REPLICATES)),
            ):
                type_in(page, zh(f"designer.field.{field}"), value)
            button(page, zh("designer.save"))
            flash(page, zh("designer.saved", code=FIRST))

        with steps("name the campaign's own grade scheme", page):
            still_on(page, zh("designer.tab.method"))
            tab(page, zh("designer.tab.grades"))
            visible(page.get_by_text(zh("designer.grades.custom"), exact=True)).first.click()
            settled(page)
            bands = (
                ("excellent", "90", "优秀", "Excellent"),
                ("good", "80", "良好", "Good"),
                ("pass", "60", "合格", "Pass"),
            )
            for n, values in enumerate(bands, start=1):
                for field, value in zip(("name", "lower", "label_zh", "label_en"), values, strict=True):
                    type_in(page, zh(f"designer.grades.{field}", n=n), value)
            button(page, zh("designer.save"))
            flash(page, zh("designer.saved", code=FIRST))
            still_on(page, zh("designer.tab.grades"))
            with make_uow() as uow:
                method = uow.session.execute(
                    select(Campaign.method_toml).where(Campaign.code == FIRST)
                ).scalar_one()
            assert re.search(
                r"\[grades\]\s*excellent = 90(\.0)?\s*good = 80(\.0)?\s*pass = 60(\.0)?", method
            ), method

        narrow = phone_page(browser)
        with steps("the grade scheme reads on a phone", narrow):
            sign_in(narrow, base, "wang")
            open_page(narrow, base, "campaigns", zh("nav.campaigns"))
            tab(narrow, zh("designer.tab.grades"))
            fields = [
                visible(narrow.get_by_label(zh(f"designer.grades.{field}", n=1), exact=True)).first
                for field in ("name", "lower", "label_zh", "label_en")
            ]
            boxes = [field.bounding_box() for field in fields]
            # one under the other, each most of the screen wide (not four squeezed in a row)
            assert all(b["width"] > 200 for b in boxes), boxes
            assert [b["y"] for b in boxes] == sorted(b["y"] for b in boxes), boxes
            assert len({round(b["y"]) for b in boxes}) == 4, boxes
            assert fields[0].input_value() == "excellent"
        narrow.context.close()

        # ------------------------------------------------------------ the questionnaire
        with steps("import the questionnaire with two item sets", page):
            open_page(page, base, "questionnaire", zh("qdesign.title"))
            tab(page, zh("qdesign.tab.files"))
            upload(page, files / "items.csv")
            button(page, zh("qdesign.files.import"))
            page.locator('[data-testid="stAlertContentSuccess"]').first.wait_for()
            settled(page)
            still_on(page, zh("qdesign.tab.files"))

        for unit, category in (("W02", WINDOW), ("E03", ENFORCEMENT)):
            with steps(f"preview the questionnaire of {unit} as a citizen", page):
                tab(page, zh("qdesign.tab.preview"))
                pick(page, zh("qdesign.preview.unit"), f"{names[unit]}（{category}）")
                pick(page, zh("qdesign.preview.group"), "群众")
                preview = page.locator(".st-key-qdesign-preview")
                preview.get_by_text(zh("survey.rating", unit=names[unit])).wait_for()
                asked = preview.locator(
                    '[data-testid="stRadio"] [data-testid="stWidgetLabel"]'
                ).all_inner_texts()
                expected = [f"{n}. {item_text(code)}" for n, code in enumerate(ITEM_SET[category], start=1)]
                assert [a.strip() for a in asked] == expected

        with steps("open fieldwork", page):
            open_page(page, base, "campaigns", zh("nav.campaigns"))
            tab(page, zh("designer.tab.lifecycle"))
            button(page, zh("designer.lifecycle.open"))
            flash(page, zh("designer.lifecycle.opened", code=FIRST))

        # ------------------------------------------------------------ answers
        wang = admin_user(make_uow, "wang")
        [ticket] = issue_batch(make_uow(), wang, FIRST, "W06", 1)
        phone = phone_page(browser)
        with steps("a citizen answers on a phone", phone):
            phone.goto(f"{base}/?t={ticket.token}")
            phone.get_by_text(zh("survey.rating", unit=names["W06"])).wait_for()
            radios = phone.locator('[data-testid="stRadio"]')
            radios.filter(has_text=zh("survey.group")).get_by_text("群众", exact=True).click()
            for n, code in enumerate(ITEM_SET[WINDOW], start=1):
                radios.filter(has_text=f"{n}. {item_text(code)}").get_by_text("不满意", exact=True).click()
            phone.get_by_text(zh("survey.about_you")).click()
            visible(phone.get_by_role("combobox", name=zh("survey.sex"), exact=True)).first.wait_for()
            phone.wait_for_timeout(500)  # the expander's opening animation
            pick(phone, zh("survey.sex"), "男")
            phone.get_by_role("button", name=zh("survey.next")).click()
            phone.get_by_role("button", name=zh("survey.confirm.submit")).click()
            phone.get_by_text(zh("survey.done.title")).wait_for()
        for unit, (category, pattern) in first_year_patterns().items():
            answer(make_uow, FIRST, unit, category, pattern, skip=1 if unit == "W06" else 0)

        # ------------------------------------------------------------ scoring and publishing
        with steps("score the 2025 campaign", page):
            open_page(page, base, "scoring", zh("scoring.title"))
            lifecycle_step(page, "start_scoring", FIRST)
            button(page, zh("scoring.run.button"))
            page.locator('[data-testid="stAlertContentSuccess"]').first.wait_for(timeout=120_000)
            settled(page)
            results = latest_results(make_uow, FIRST)
            assert {u for u, r in results.items() if r.list_name == "worst"} == {
                "W04",
                "W05",
                "W06",
                "E04",
                "E05",
                "E06",
            }
            assert results["W01"].grade == "excellent" and results["W06"].grade == "dissatisfied"
            tab(page, zh("scoring.tab.ranking"))
            shown = grid_text(page)
            assert "优秀" in shown and "合格" in shown  # the campaign's own labels

        with steps("review and request publication", page):
            lifecycle_step(page, "start_review", FIRST)
            lifecycle_step(page, "request_publication", FIRST)

        other = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
        other.set_default_timeout(30_000)
        page2 = other.new_page()
        with steps("admin 2 approves the publication", page2):
            sign_in(page2, base, "li")
            open_page(page2, base, "scoring", zh("scoring.title"))
            lifecycle_step(page2, "approve_publication", FIRST)

        end_notice_period(make_uow, FIRST)
        with steps("end the notice period (final)", page):
            open_page(page, base, "scoring", zh("scoring.title"))
            lifecycle_step(page, "finalize", FIRST)
            with make_uow() as uow:
                status = uow.session.execute(
                    select(Campaign.status).where(Campaign.code == FIRST)
                ).scalar_one()
            assert str(getattr(status, "value", status)) == "final"

        # ------------------------------------------------------------ next year: the register
        with steps("record a rename", page):
            open_page(page, base, "units", zh("register.title"))
            tab(page, zh("register.tab.reorg"))
            pick(page, zh("register.edit.unit"), f"{names[RENAMED[0]]}（{RENAMED[0]}）")
            fill(page, zh("register.rename.new"), RENAMED[1])
            fill(page, zh("register.reason"), "机构改革更名")
            button(page, zh("register.rename.run"))
            page.locator('[data-testid="stAlertContentSuccess"]').first.wait_for()
            settled(page)

        with steps("record a merge with E06 as principal predecessor", page):
            still_on(page, zh("register.tab.reorg"))
            visible(page.get_by_text(zh("register.kind.merge"), exact=True)).first.click()
            settled(page)
            for code in ("E06", "E01"):
                pick(page, zh("register.merge.predecessors"), f"{names[code]}（{code}）")
            pick(page, zh("register.merge.principal"), f"{names['E06']}（E06）")
            fill(page, zh("register.col.code"), MERGED[0])
            fill(page, zh("register.col.name"), MERGED[1])
            fill(page, zh("register.reason"), "机构改革合并")
            visible(page.locator('[data-testid="stCheckbox"]')).filter(
                has_text=zh("register.merge.confirm", n=2, units="E06、E01")
            ).first.click()
            settled(page)
            button(page, zh("register.merge.run"))
            page.locator('[data-testid="stAlertContentSuccess"]').first.wait_for()
            settled(page)

        with steps("give the merged unit its head with the register's edit form", page):
            tab(page, zh("register.tab.edit"))
            pick(page, zh("register.edit.unit"), f"{MERGED[1]}（{MERGED[0]}）")
            fill(page, zh("register.col.head_name"), NEW_HEAD)
            set_date(page, zh("register.col.head_since"), head_since)
            button(page, zh("register.edit.run"))
            flash(page, zh("register.edit.done", code=MERGED[0]))
            still_on(page, zh("register.tab.edit"))
            with make_uow() as uow:
                merged_unit = uow.session.execute(select(Unit).where(Unit.code == MERGED[0])).scalar_one()
                assert (merged_unit.head_name, merged_unit.head_since) == (NEW_HEAD, head_since)

        # ------------------------------------------------------------ next year: the campaign
        with steps("make the 2026 campaign from last year's", page):
            open_page(page, base, "campaigns", zh("nav.campaigns"))
            page.get_by_text(zh("designer.new.title"), exact=True).click()
            settled(page)
            visible(page.get_by_text(zh("designer.new.mode.rollover"), exact=True)).first.click()
            settled(page)
            fill(page, zh("designer.col.code"), NEXT)
            fill(page, zh("designer.col.year"), str(year2))
            fill(page, zh("designer.col.name"), f"{year2}年度市直单位评议")
            button(page, zh("designer.new.create"))
            flash(page, zh("designer.new.rolled", code=NEXT, n=11))

        with steps("the derived history is shown", page):
            tab(page, zh("designer.tab.history"))
            visible(page.locator('[data-testid="stDataFrame"]')).first.wait_for()
            page.wait_for_timeout(800)
            shown = grid_text(page)
            assert f"{MERGED[1]}（{MERGED[0]}）" in shown, shown
            assert zh("history.source.derived", campaign=FIRST, unit=f"{names['E06']}（E06）") in shown, shown
            assert f"{RENAMED[1]}（{RENAMED[0]}）" in shown, shown
            assert zh("history.source.derived", campaign=FIRST, unit=f"{names['W05']}（W05）") in shown, shown

        with steps("set the 2026 fieldwork dates and open fieldwork", page):
            tab(page, zh("designer.tab.basics"))
            set_date(page, zh("designer.field.fieldwork_opens"), today)
            set_date(page, zh("designer.field.fieldwork_closes"), today + timedelta(days=30))
            button(page, zh("designer.save"))
            flash(page, zh("designer.saved", code=NEXT))
            still_on(page, zh("designer.tab.basics"))
            tab(page, zh("designer.tab.history"))
            assert not visible(page.get_by_text(zh("history.stale"))).count()  # derived at the rollover
            tab(page, zh("designer.tab.lifecycle"))
            button(page, zh("designer.lifecycle.open"))
            flash(page, zh("designer.lifecycle.opened", code=NEXT))

        patterns = {u: p for u, p in first_year_patterns().items() if u not in ("E01", "E06")}
        patterns[MERGED[0]] = (ENFORCEMENT, "DDDD")
        for unit, (category, pattern) in patterns.items():
            answer(make_uow, NEXT, unit, category, pattern)

        with steps("score 2026: the merged unit has a red card and the results name its head", page):
            open_page(page, base, "scoring", zh("scoring.title"))
            pick(page, zh("scoring.campaign"), NEXT)
            lifecycle_step(page, "start_scoring", NEXT)
            button(page, zh("scoring.run.button"))
            page.locator('[data-testid="stAlertContentSuccess"]').first.wait_for(timeout=120_000)
            settled(page)
            results = latest_results(make_uow, NEXT)
            merged = results[MERGED[0]]
            assert (merged.list_name, merged.card, merged.consecutive_unsatisfactory) == (
                "worst",
                "red",
                True,
            )
            tab(page, re.compile("^" + re.escape(zh("scoring.tab.cards", n=0)).replace("0", r"\d+") + "$"))
            page.wait_for_timeout(800)
            shown = grid_text(page)
            assert f"{MERGED[1]}（{MERGED[0]}）" in shown, shown
            head = zh(
                "history.head.changed",
                name=NEW_HEAD,
                since=head_since.isoformat(),
                earlier=zh("history.head.earlier", year=year1, name="卫东"),
            )
            assert head in shown, shown

    total = time.monotonic() - started
    report = "\n".join(f"{seconds:6.1f} s  {name}" for name, seconds in steps.timings)
    print(f"\n{database_url.split(':')[0]}: {total:.0f} s in all\n{report}")
    if os.environ.get("H7_TIMINGS"):
        Path(os.environ["H7_TIMINGS"]).write_text(f"{total:.1f}\n{report}\n", encoding="utf-8")
