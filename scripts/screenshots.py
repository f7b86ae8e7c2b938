"""Take the README's screenshots from the demo city: ``.venv/bin/python scripts/screenshots.py``.

Loads the demo into a throwaway SQLite database, serves the app as ./scripts/start does,
and drives Debian's Chromium (Playwright) to
* ``docs/screenshots/survey-phone.png``: the citizen survey opened from a window ticket's
  QR code, on a 375-pixel phone, partly answered;
* ``docs/screenshots/review.png``: the review page (问卷复核) of lj-2024, signed in as the
  demo administrator, with the answers held back for review;
* ``docs/screenshots/scoring.png``: the scoring and publishing page (计分与发布) of lj-2024;
* ``docs/screenshots/results.png``: the public results page (结果公示), nobody signed in.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"


def top(page: Any) -> None:
    """Scroll back to the top: Streamlit scrolls its main container, not the document."""
    page.evaluate(
        "for (const el of document.querySelectorAll('*')) { if (el.scrollTop > 0) el.scrollTop = 0; }"
    )
    page.wait_for_timeout(300)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        data = Path(tmp)
        from tests.serving import chromium, phone_page, serve_app, server_env

        env = server_env(f"sqlite:///{data / 'demo.sqlite3'}", data)
        os.environ.update(env)  # this process issues the invitation on the same database
        for command in (["upgrade"], ["demo"]):
            subprocess.run([sys.executable, "-m", "db", *command], cwd=ROOT, env=env, check=True)

        from db.demo import DEMO_PASSWORD
        from db.models import Role
        from db.uow import UnitOfWork
        from services.invitations import issue_batch
        from services.permissions import CurrentUser
        from ui.messages import t

        admin = CurrentUser(id=1, username="admin", role=Role.admin)
        unit = "G0101"  # 汉兴街派出所
        [issued] = issue_batch(UnitOfWork(actor="cli"), admin, "lj-2025", unit, 1, references=["A-0417"])
        OUT.mkdir(parents=True, exist_ok=True)
        with serve_app(ROOT, env, data / "streamlit.log") as base, chromium() as browser:
            page = phone_page(browser, height=1500)
            page.goto(f"{base}/?t={issued.token}")
            page.get_by_text(t("survey.questions", "zh")).wait_for()
            radios = page.locator('[data-testid="stMain"] [data-testid="stRadio"]')
            radios.nth(0).locator("[data-testid=stRadioOption]").nth(1).click()
            for n, option in ((1, 0), (2, 1), (3, 0)):
                radios.nth(n).locator("[data-testid=stRadioOption]").nth(option).click()
            page.wait_for_timeout(500)
            top(page)
            page.screenshot(path=str(OUT / "survey-phone.png"))
            print(f"wrote {OUT / 'survey-phone.png'}")

            context = browser.new_context(viewport={"width": 1400, "height": 1500}, locale="zh-CN")
            desk = context.new_page()
            desk.goto(f"{base}/login")
            desk.locator("#login-username").fill("admin")
            desk.locator("#login-password").fill(DEMO_PASSWORD)
            desk.locator("form.login-form button").click()
            desk.wait_for_url(f"{base}/**")
            desk.goto(f"{base}/review")
            desk.get_by_text(t("review.title", "zh")).first.wait_for()
            desk.wait_for_timeout(1500)
            desk.screenshot(path=str(OUT / "review.png"))
            print(f"wrote {OUT / 'review.png'}")

            desk.goto(f"{base}/scoring")
            desk.get_by_text(t("scoring.title", "zh")).first.wait_for()
            # the page opens on the campaign in fieldwork; the one in review has a run to show
            desk.locator('[data-testid="stSelectbox"]').first.click()
            desk.get_by_role("option", name=re.compile("lj-2024")).click()
            desk.wait_for_timeout(4000)
            desk.screenshot(path=str(OUT / "scoring.png"))
            print(f"wrote {OUT / 'scoring.png'}")

            public = browser.new_page(viewport={"width": 1400, "height": 1500}, locale="zh-CN")
            public.goto(f"{base}/results")
            public.get_by_text(t("results.best", "zh")).first.wait_for()
            public.wait_for_timeout(1500)
            public.screenshot(path=str(OUT / "results.png"))
            print(f"wrote {OUT / 'results.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
