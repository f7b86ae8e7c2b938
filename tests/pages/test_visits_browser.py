"""End to end on a phone: an inspector signs in to the app served by ``streamlit run asgi.py``
in headless Chromium with a 375 px wide window, records a visit with head counts, a finding
and a photo carrying GPS EXIF (uploaded through the uploader's ``<input type=file>``), and
the visit is stored with its photo stripped of the location. The page never scrolls
sideways at 375 px and never shows a traceback. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from db.engine import get_engine
from db.models import CampaignStatus, Role
from db.models_registries import InspectionPhoto, InspectionVisit
from db.uow import UnitOfWork
from services import inspection_rounds as ir
from tests.db.kit import PASSWORD, add_user, seed_campaign
from tests.serving import CHROMIUM, PHONE, chromium, phone_page, serve_app, server_env
from ui.messages import t
from ui.timefmt import beijing_today

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (.ci/run installs it)"),
]

KEY = "q6Y0m3S1b0cH3m8v5m0x8ZkQmJ2nq3m7a9m5Yk1Vw2c="
LANG = "zh"


def gps_photo(path: Path) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "SecretPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (45.0, 17.0, 42.0)
    Image.new("RGB", (640, 480), (30, 90, 160)).save(path, "JPEG", exif=exif)
    raw = path.read_bytes()
    with Image.open(io.BytesIO(raw)) as image:
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the photo really carries a location
    return raw


def no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide at {PHONE['width']} px"
    assert "Traceback" not in page.content()


def test_an_inspector_records_a_visit_with_a_photo_on_a_phone(
    repo_root: Path, database_url: str, tmp_path: Path
) -> None:
    factory = sessionmaker(get_engine(database_url), expire_on_commit=False)

    def make_uow(actor: str = "test") -> UnitOfWork:
        return UnitOfWork(factory, actor=actor)

    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    admin = add_user(make_uow, "admin1", Role.admin)
    add_user(make_uow, "ann", Role.inspector)
    today = beijing_today()
    rnd = ir.plan_round(
        make_uow(),
        admin,
        "c1",
        code="R1",
        name="窗口暗访",
        mode="covert",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=1),
        unit_codes=["u1", "u2"],
        inspector_usernames=["ann"],
    )
    ir.start_round(make_uow(), admin, rnd.id)
    photo = tmp_path / "IMG_0042.jpg"
    raw = gps_photo(photo)
    env = server_env(database_url, tmp_path / "data", APPRAISAL_SECRET_KEY=KEY)

    with serve_app(repo_root, env, tmp_path / "streamlit.log") as base, chromium() as browser:
        page = phone_page(browser)
        page.set_default_timeout(60_000)
        page.goto(f"{base}/login")
        page.locator("#login-username").fill("ann")
        page.locator("#login-password").fill(PASSWORD)
        page.locator("#login-password").press("Enter")
        page.wait_for_url(re.compile(r"^(?!.*login).*$"))
        page.goto(f"{base}/visits")
        page.get_by_text(t("visits.title", LANG)).first.wait_for()
        page.get_by_text(t("visits.counts.help", LANG)).wait_for()
        no_sideways_scroll(page)

        for name, value in (("expected", "6"), ("present", "5"), ("on_post", "4"), ("focused", "3")):
            field = page.get_by_label(t(f"inspections.count.{name}", LANG), exact=True)
            field.fill(value)
            field.press("Enter")
        rates = t("inspections.rates.line", LANG, attendance="83%", on_post="67%", focus="50%")
        page.get_by_text(rates).wait_for()

        harms = page.locator('[data-testid="stMultiSelect"]').filter(has_text=t("visits.harms", LANG))
        choose = harms.locator("input")
        choose.click()
        choose.press_sequentially("懒政")
        page.get_by_role("option", name=t("inspections.harm.懒", LANG)).wait_for()
        choose.press("Enter")
        page.keyboard.press("Escape")
        finding = page.get_by_label(t("visits.finding", LANG, harm=t("inspections.harm.懒", LANG)))
        finding.fill("两人在玩手机游戏")
        finding.press("Tab")

        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(photo))
        page.get_by_text(photo.name).first.wait_for()
        no_sideways_scroll(page)

        page.get_by_role("button", name=t("visits.review", LANG)).click()
        page.get_by_text(t("visits.confirm.header", LANG)).wait_for()
        no_sideways_scroll(page)
        page.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
        with make_uow() as uow:  # nothing is stored before the confirmation
            assert uow.session.scalars(select(InspectionVisit)).all() == []

        page.get_by_role("button", name=t("visits.confirm.save", LANG)).click()
        page.get_by_text(t("visits.saved", LANG, unit="单位u1")).wait_for()
        page.get_by_text(t("visits.today", LANG)).wait_for()
        no_sideways_scroll(page)
        page.screenshot(path=str(tmp_path / "saved.png"), full_page=True)

    with make_uow() as uow:
        visit = uow.session.scalars(select(InspectionVisit)).one()
        counts = (visit.staff_expected, visit.staff_present, visit.staff_on_post, visit.staff_focused)
        assert (visit.inspector, visit.status, counts) == ("ann", "recorded", (6, 5, 4, 3))
        assert [(f.harm, f.description) for f in visit.findings] == [("懒", "两人在玩手机游戏")]
        [stored] = uow.session.scalars(select(InspectionPhoto)).all()
        name, content_type, data = stored.name, stored.content_type, stored.data
    assert (name, content_type) == ("IMG_0042.jpg", "image/jpeg")
    assert data != raw and b"Exif" not in data and b"SecretPhone" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (640, 480)
        assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
