"""Take the README's screenshots from the demo city: ``.venv/bin/python scripts/screenshots.py``.

Loads the demo into a throwaway SQLite database, serves the app as ./scripts/start does,
and drives Debian's Chromium (Playwright) to take these shots (name: file in
``docs/screenshots/``):

* ``survey``: ``survey-phone.png``, the citizen survey opened from a window ticket's QR
  code, on a 375-pixel phone, partly answered;
* ``review``: ``review.png``, the review page (问卷复核) of lj-2024, signed in as the demo
  administrator, with the answers held back for review;
* ``scoring``: ``scoring.png``, the scoring and publishing page (计分与发布) of lj-2024;
* ``results``: ``results.png``, the public results page (结果公示), nobody signed in;
* ``register``: ``register.png``, the unit register (评议对象名录) at 1366 px, filtered to one
  category;
* ``designer``: ``designer.png``, the campaign designer (评议活动) on the draft lj-2026, made
  from lj-2025 by "next year in one step" (换届), on its method tab;
* ``preview``: ``preview-phone.png``, the questionnaire designer's preview (问卷设计 → 预览)
  of lj-2026 on a 375-pixel phone, for a grassroots unit and the deputies, who get the
  extra questions of their item sets;
* ``visit``: ``visit-phone.png``, the inspector's page (检查记录) on a 375-pixel phone,
  signed in as ``inspector1``, in the round 2025-AF-1 with a unit chosen and the head
  counts typed, so the three rates (三率) show;
* ``accountability``: ``accountability.png``, the accountability cases (问责案件) of
  lj-2024 at 1366 px;
* ``typical``: ``typical-cases.png``, the public typical cases (典型问题通报) at 1366 px,
  nobody signed in.

Name shots to take only those (``scripts/screenshots.py register designer preview``);
without names it takes every one. ``--out DIR`` writes them elsewhere (to compare).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"
#: Each shot and the file it writes, in the order they are taken.
FILES: Final = {
    "survey": "survey-phone.png",
    "review": "review.png",
    "scoring": "scoring.png",
    "results": "results.png",
    "register": "register.png",
    "designer": "designer.png",
    "preview": "preview-phone.png",
    "visit": "visit-phone.png",
    "accountability": "accountability.png",
    "typical": "typical-cases.png",
}
DESK: Final = {"width": 1400, "height": 1500}  # the first four shots' window
WIDE: Final = {"width": 1366, "height": 1100}  # the set-up pages: a common laptop's width
TALL: Final = {"width": 1366, "height": 1420}  # the designer: the list, the selector and one tab
DRAFT: Final = "lj-2026"  # next year's campaign, made by the script for the designer shots
PREVIOUS: Final = "lj-2025"
INVITED_UNIT: Final = "G0101"  # 汉兴街派出所
REVIEWED: Final = "lj-2024"  # the year in review: its accountability cases


def parse_shots(argv: Sequence[str] | None = None) -> tuple[list[str], Path]:
    """The shots asked for (all of them when none is named) and the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shots", nargs="*", metavar="SHOT", help=f"one of {', '.join(FILES)} (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write to (default: %(default)s)")
    args = parser.parse_args(argv)
    unknown = [s for s in args.shots if s not in FILES]
    if unknown:
        parser.error(f"unknown shot(s): {', '.join(unknown)}; choose from {', '.join(FILES)}")
    wanted = set(args.shots) or set(FILES)
    return [s for s in FILES if s in wanted], args.out


def top(page: Any) -> None:
    """Scroll back to the top: Streamlit scrolls its main container, not the document."""
    page.evaluate(
        "for (const el of document.querySelectorAll('*')) { if (el.scrollTop > 0) el.scrollTop = 0; }"
    )
    page.wait_for_timeout(300)


def settled(page: Any) -> None:
    """Wait until the script run is over (the status widget shows while it runs)."""
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)
    page.wait_for_timeout(600)


def pick(page: Any, label: str, option: str | re.Pattern[str]) -> None:
    """Choose ``option`` in the visible selectbox ``label``."""
    page.get_by_role("combobox", name=label, exact=True).filter(visible=True).first.click()
    page.get_by_role("option", name=option).first.click()
    settled(page)
    # no focus ring on the box, no table toolbar under the pointer
    page.evaluate("document.activeElement && document.activeElement.blur()")
    away(page)


def away(page: Any) -> None:
    """Move the pointer to the window's bottom right corner, where it shows no hover."""
    size = page.viewport_size
    page.mouse.move(size["width"] - 2, size["height"] - 2)
    page.wait_for_timeout(300)


def open_tab(page: Any, label: str) -> None:
    """Open a tab; again if a rerun drew the tabs afresh on their first one."""
    found = page.get_by_role("tab", name=label, exact=True)
    for _ in range(4):
        found.click()
        settled(page)
        if found.get_attribute("aria-selected") == "true":
            return
    raise RuntimeError(f"the tab {label} does not open")


@dataclass
class Shooter:
    """The served app, the browser and the signed-in pages the shots share."""

    base: str
    browser: Any
    out: Path
    invitation: str = ""
    preview_unit: str = ""
    _desk: Any = None

    def save(self, page: Any, name: str) -> None:
        path = self.out / FILES[name]
        page.screenshot(path=str(path))
        print(f"wrote {path}")

    def sign_in(self, page: Any, username: str = "admin") -> Any:
        from db.demo import DEMO_PASSWORD

        page.goto(f"{self.base}/login")
        page.locator("#login-username").fill(username)
        page.locator("#login-password").fill(DEMO_PASSWORD)
        page.locator("form.login-form button").click()
        page.wait_for_url(re.compile(r"^(?!.*login).*$"))
        return page

    def desk(self) -> Any:
        """The demo admin's page in a desktop window (signed in once, shared)."""
        if self._desk is None:
            context = self.browser.new_context(viewport=DESK, locale="zh-CN")
            context.set_default_timeout(60_000)
            self._desk = self.sign_in(context.new_page())
        return self._desk

    def wide(self) -> Any:
        """The demo admin's page at 1366 px."""
        page = self.desk()
        page.set_viewport_size(WIDE)
        return page


def shot_survey(s: Shooter) -> None:
    from tests.serving import phone_page
    from ui.messages import t

    page = phone_page(s.browser, height=1500)
    page.goto(f"{s.base}/?t={s.invitation}")
    page.get_by_text(t("survey.questions", "zh")).wait_for()
    radios = page.locator('[data-testid="stMain"] [data-testid="stRadio"]')
    radios.nth(0).locator("[data-testid=stRadioOption]").nth(1).click()
    for n, option in ((1, 0), (2, 1), (3, 0)):
        radios.nth(n).locator("[data-testid=stRadioOption]").nth(option).click()
    page.wait_for_timeout(500)
    top(page)
    s.save(page, "survey")
    page.context.close()


def shot_review(s: Shooter) -> None:
    from ui.messages import t

    desk = s.desk()
    desk.set_viewport_size(DESK)
    desk.goto(f"{s.base}/review")
    desk.get_by_text(t("review.title", "zh")).first.wait_for()
    desk.wait_for_timeout(1500)
    s.save(desk, "review")


def shot_scoring(s: Shooter) -> None:
    from ui.messages import t

    desk = s.desk()
    desk.set_viewport_size(DESK)
    desk.goto(f"{s.base}/scoring")
    desk.get_by_text(t("scoring.title", "zh")).first.wait_for()
    # the page opens on the campaign in fieldwork; the one in review has a run to show
    desk.locator('[data-testid="stSelectbox"]').first.click()
    desk.get_by_role("option", name=re.compile("lj-2024")).click()
    desk.wait_for_timeout(4000)
    s.save(desk, "scoring")


def shot_results(s: Shooter) -> None:
    from ui.messages import t

    public = s.browser.new_page(viewport=DESK, locale="zh-CN")
    public.goto(f"{s.base}/results")
    public.get_by_text(t("results.best", "zh")).first.wait_for()
    public.wait_for_timeout(1500)
    s.save(public, "results")
    public.close()


def shot_register(s: Shooter) -> None:
    """The register filtered to the health institutions (a readable page of rows)."""
    from ui.messages import t

    page = s.wide()
    page.goto(f"{s.base}/units")
    page.get_by_role("heading", name=t("register.title", "zh")).first.wait_for()
    settled(page)
    pick(page, t("register.col.category", "zh"), re.compile("^" + t("category.health", "zh")))
    found = re.escape(t("register.found", "zh", n=999)).replace("999", r"\d+")  # "共 50 个单位。"
    page.get_by_text(re.compile(found)).first.wait_for()
    top(page)
    s.save(page, "register")


def shot_designer(s: Shooter) -> None:
    """The draft lj-2026 (the newest, so the page opens on it) on the method tab."""
    from ui.messages import t

    page = s.desk()
    page.set_viewport_size(TALL)
    page.goto(f"{s.base}/campaigns")
    page.get_by_role("heading", name=t("nav.campaigns", "zh")).first.wait_for()
    settled(page)
    open_tab(page, t("designer.tab.method", "zh"))
    away(page)
    top(page)
    s.save(page, "designer")


def shot_preview(s: Shooter) -> None:
    """The preview tab at phone width, for a grassroots unit and the deputies."""
    from tests.serving import phone_page
    from ui.messages import t

    page = s.sign_in(phone_page(s.browser, height=1420))
    page.goto(f"{s.base}/questionnaire?campaign={DRAFT}")
    page.get_by_role("heading", name=t("qdesign.title", "zh")).first.wait_for()
    settled(page)
    open_tab(page, t("qdesign.tab.preview", "zh"))
    pick(page, t("qdesign.preview.unit", "zh"), re.compile("^" + re.escape(s.preview_unit)))
    pick(page, t("qdesign.preview.group", "zh"), "人大代表、政协委员")
    preview = page.locator(".st-key-qdesign-preview")
    preview.get_by_text(t("survey.rating", "zh", unit=s.preview_unit)).wait_for()
    # from the tabs down: the preview tab chosen, the unit and group, what the citizen sees
    # (Streamlit's header, fixed at the top, would cover them: scroll back by its height)
    page.get_by_role("tablist").first.evaluate(
        "el => { el.scrollIntoView({block: 'start'});"
        " const header = document.querySelector('[data-testid=stHeader]');"
        " let box = el.parentElement; while (box && box.scrollTop === 0) box = box.parentElement;"
        " if (box && header) box.scrollTop -= header.getBoundingClientRect().height + 8; }"
    )
    page.wait_for_timeout(500)
    s.save(page, "preview")
    page.context.close()


def shot_visit(s: Shooter) -> None:
    """The inspector at a unit of the open round, the head counts typed: the three rates show."""
    from db.demo_registries import OPEN_ROUND  # 2025-AF-1, assigned to inspector1
    from tests.serving import phone_page
    from ui.messages import t

    page = s.sign_in(phone_page(s.browser, height=1300), "inspector1")
    page.goto(f"{s.base}/visits")
    page.get_by_role("heading", name=t("visits.title", "zh")).first.wait_for()
    settled(page)
    pick(page, t("visits.round", "zh"), re.compile("^" + re.escape(OPEN_ROUND[1])))
    units = page.get_by_role("combobox", name=t("visits.unit", "zh"), exact=True)
    units.click()
    page.get_by_role("option").nth(2).click()  # a unit not visited yet, a little down the list
    settled(page)
    for name, value in (("expected", "8"), ("present", "7"), ("on_post", "6"), ("focused", "5")):
        field = page.get_by_label(t(f"inspections.count.{name}", "zh"), exact=True)
        field.fill(value)
        field.press("Enter")
        settled(page)
    rates = t("inspections.rates.line", "zh", attendance="88%", on_post="75%", focus="62%")
    page.get_by_text(rates).wait_for()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    away(page)
    top(page)
    s.save(page, "visit")
    page.context.close()


def shot_accountability(s: Shooter) -> None:
    """The register of cases of the year in review, at a laptop's width."""
    from ui.messages import t

    page = s.wide()
    page.goto(f"{s.base}/accountability")
    page.get_by_role("heading", name=t("accountability.title", "zh")).first.wait_for()
    settled(page)
    pick(page, t("accountability.filter.campaign", "zh"), re.compile(re.escape(f"（{REVIEWED}）")))
    found = re.escape(t("accountability.list.found", "zh", n=999)).replace("999", r"\d+")  # "共 24 件。"
    page.get_by_text(re.compile(found)).wait_for()
    away(page)
    top(page)
    s.save(page, "accountability")


def shot_typical(s: Shooter) -> None:
    """The public typical cases, nobody signed in."""
    from ui.messages import t

    public = s.browser.new_page(viewport=WIDE, locale="zh-CN")
    public.goto(f"{s.base}/typical-cases")
    public.get_by_role("heading", name=t("typical.title", "zh")).first.wait_for()
    settled(public)
    s.save(public, "typical")
    public.close()


SHOTS: Final[dict[str, Callable[[Shooter], None]]] = {
    "survey": shot_survey,
    "review": shot_review,
    "scoring": shot_scoring,
    "results": shot_results,
    "register": shot_register,
    "designer": shot_designer,
    "preview": shot_preview,
    "visit": shot_visit,
    "accountability": shot_accountability,
    "typical": shot_typical,
}


def prepare_draft() -> str:
    """Next year's campaign lj-2026 made from lj-2025 as an admin would (换届), with two
    item sets (题组) in its questionnaire; returns the name of the unit to preview."""
    from db.models import Role
    from db.uow import UnitOfWork
    from services import questionnaire_design as qd
    from services.design_rollover import new_campaign_from
    from services.permissions import CurrentUser
    from services.questionnaire_files import BUILTIN_SCALE, SURVEY, ItemSpec

    admin = CurrentUser(id=1, username="admin", role=Role.admin)
    new_campaign_from(
        UnitOfWork(actor="cli"),
        admin,
        PREVIOUS,
        code=DRAFT,
        name="临江市2026年度机关和基层单位“十佳十差”评议",
        year=2026,
    )
    # a service window is asked about waiting; deputies about their proposals
    for item in (
        ItemSpec(
            SURVEY, "waiting", BUILTIN_SCALE, "排队等候时间是否合理", "reasonable waiting time",
            unit_categories=("grassroots", "utility"),
        ),
        ItemSpec(
            SURVEY, "proposals", BUILTIN_SCALE, "对代表委员建议、提案的办理和答复",
            "handling of deputies' proposals", respondent_groups=("deputy",),
        ),
    ):  # fmt: skip
        qd.add_item(UnitOfWork(actor="cli"), admin, DRAFT, item)
    units = qd.preview_units(UnitOfWork(actor="cli"), admin, DRAFT)
    return next(u.name for u in units if u.category == "grassroots")


def main(argv: Sequence[str] | None = None) -> int:
    shots, out = parse_shots(argv)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        data = Path(tmp)
        from tests.serving import chromium, serve_app, server_env

        env = server_env(f"sqlite:///{data / 'demo.sqlite3'}", data)
        os.environ.update(env)  # this process prepares data on the same database
        for command in (["upgrade"], ["demo"]):
            subprocess.run([sys.executable, "-m", "db", *command], cwd=ROOT, env=env, check=True)

        from db.models import Role
        from db.uow import UnitOfWork
        from services.invitations import issue_batch
        from services.permissions import CurrentUser

        invitation = preview_unit = ""
        if "survey" in shots:
            admin = CurrentUser(id=1, username="admin", role=Role.admin)
            [issued] = issue_batch(
                UnitOfWork(actor="cli"), admin, "lj-2025", INVITED_UNIT, 1, references=["A-0417"]
            )
            invitation = issued.token
        if {"designer", "preview"} & set(shots):
            preview_unit = prepare_draft()
        out.mkdir(parents=True, exist_ok=True)
        with serve_app(ROOT, env, data / "streamlit.log") as base, chromium() as browser:
            shooter = Shooter(base, browser, out, invitation, preview_unit)
            for name in shots:
                SHOTS[name](shooter)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
