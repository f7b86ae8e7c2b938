"""The three-rates page (app_pages/inspection_results.py) driven with AppTest, on SQLite and
PostgreSQL: the rates table of a month, the rule form, the feeds with their report, the
bulletin preview with its public switch; and the provenance of a fed value on the
indicators page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.models import CampaignStatus, Role
from services.indicators import IndicatorSpec, indicator_values, save_indicator
from services.inspection_bulletin import public_bulletins
from services.inspection_rates import get_rule, set_rule
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user, seed_campaign
from tests.db.test_inspection_rates import add_round, add_visit, at
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

PAGE = "app_pages/inspection_results.py"
P = "inspection_results."


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    user = add_user(make_uow, "admin1", Role.admin)
    save_indicator(
        make_uow(), user, "c1", IndicatorSpec(code="attendance", name="到岗率", direction="higher")
    )
    save_indicator(make_uow(), user, "c1", IndicatorSpec(code="overtime", name="超时件数", direction="lower"))
    r = add_round(make_uow)
    add_visit(make_uow, r, "u1", at(3), (10, 9, 8, 7), findings=[("冷", "态度生硬"), ("推", "推诿")])
    add_visit(make_uow, r, "u1", at(17), (5, 5, 4, 4))
    add_visit(make_uow, r, "u2", at(9), (4, 4, 4, 2), findings=[("散", "玩手机")])
    return user


def open_page(repo_root: Path, user: CurrentUser, lang: str = "zh", page: str = PAGE) -> AppTest:
    app = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    app.session_state["lang"] = lang
    app.session_state[SEEDED_USER_KEY] = user
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    return app


def march(app: AppTest) -> AppTest:
    app.number_input(key=P + "year").set_value(2026)
    app.selectbox(key=P + "month").set_value(3)
    app.run()
    assert not app.exception and not app.error
    return app


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_rates_of_a_month_and_the_bulletin_preview(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser, lang: str
) -> None:
    app = open_page(repo_root, admin, lang)
    assert app.title[0].value == t(P + "title", lang)
    app = march(app)
    table = app.dataframe[0].value
    assert list(table["unit"]) == ["单位u1（u1）", "单位u2（u2）"]
    assert list(table["visits"]) == [2, 1]
    assert list(table["attendance"]) == [93.33, 100.0]
    assert list(table["focus"]) == [73.33, 50.0]
    assert table["findings"][0] == ("冷 × 1、推 × 1" if lang == "zh" else "Cold (冷) × 1, Shirking (推) × 1")
    # the preview: three figures and the units with findings, lowest rates
    assert [m.value for m in app.metric] == ["3", "2", "3"]
    text = "\n".join(m.value for m in app.markdown)
    assert "态度生硬" in text and "玩手机" in text
    assert "inspector-zhang" not in text

    # another month: no visit, an empty table, a switch that cannot be turned on
    app.selectbox(key=P + "month").set_value(2).run()
    assert [i.value for i in app.info][:1] == [t(P + "rates.empty", lang)]
    assert app.toggle(key=f"{P}public.c1.2026.2").disabled


def test_the_rule_the_feed_and_the_public_switch(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    app = march(open_page(repo_root, admin, "en"))
    # only higher-is-better indicators are offered
    assert app.selectbox(key=f"{P}rule.attendance.0").options == [
        t(P + "rule.none", "en"),
        "到岗率（attendance）",
    ]
    app.selectbox(key=f"{P}rule.attendance.0").set_value("attendance")
    app.button(key=f"FormSubmitter:{P}rule.c1.0-{t(P + 'rule.save', 'en')}").click().run()
    assert not app.exception and not app.error
    assert [s.value for s in app.success] == [t(P + "rule.saved", "en")]
    assert get_rule(make_uow(), admin, "c1").indicators == {"attendance": "attendance"}

    app.button(key=P + "feed.rates").click().run()
    assert not app.exception and not app.error
    message = app.success[0].value
    assert message.startswith(
        t(P + "feed.rates_done", "en", units=2, added=2, changed=0, unchanged=0, corrections=0)
    )
    assert "u3" in message
    values = {r.unit_code: r.value for r in indicator_values(make_uow(), admin, "c1", "attendance")}
    assert values["u1"] == pytest.approx(1400 / 15) and values["u3"] is None

    # the public switch of March
    app.toggle(key=f"{P}public.c1.2026.3").set_value(True).run()
    assert not app.exception and not app.error
    assert t(P + "bulletin.public_on", "en") in [s.value for s in app.success]
    assert [b.month_key for b in public_bulletins(make_uow())] == ["2026-03"]

    # deductions: the rule says so, the button follows
    set_rule(make_uow(), admin, "c1", feed="deductions", points_per_finding=2)
    app = march(open_page(repo_root, admin, "zh"))
    assert not [b for b in app.button if b.key == P + "feed.rates"]
    app.button(key=P + "feed.deductions").click().run()
    assert not app.exception and not app.error
    message = app.success[0].value
    assert "单位u1：问题 2 个，扣 4 分" in message and "单位u2：问题 1 个，扣 2 分" in message


def test_the_indicators_page_shows_a_fed_values_provenance(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    from datetime import date

    from services.inspection_rates import feed_rates

    set_rule(make_uow(), admin, "c1", feed="rates", indicators={"attendance": "attendance"})
    feed_rates(make_uow(), admin, "c1", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))
    for lang in ("zh", "en"):
        app = open_page(repo_root, admin, lang, "app_pages/indicators.py")
        table = next(d.value for d in app.dataframe if "provenance" in d.value.columns)
        assert list(table["unit_code"]) == ["u1", "u2", "u3"]
        assert list(table["provenance"]) == [
            t(P + "provenance", lang, visits=2, start="2026-03-01", end="2026-03-31"),
            t(P + "provenance", lang, visits=1, start="2026-03-01", end="2026-03-31"),
            "",
        ]
    assert t(P + "provenance", "zh", visits=2, start="a", end="b") == "由 a 至 b 的 2 次明察暗访计算"


def test_an_inspector_does_not_get_the_page(repo_root: Path, make_uow: MakeUow, admin: CurrentUser) -> None:
    inspector = add_user(make_uow, "insp1", Role.inspector)
    app = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    app.session_state[SEEDED_USER_KEY] = inspector
    app.run()
    with pytest.raises(ValueError, match=r"inspection_results\.py"):
        app.switch_page(PAGE)
