"""The public typical-case page (app_pages/typical_cases.py) under AppTest, on SQLite and
PostgreSQL, in both languages and without signing in: published cases marked for
publication only, grouped by type, newest first, persons as post and sanction with no
name; an empty state when none is published."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.models import Role
from services import accountability as acc
from services import accountability_cases as lifecycle
from services.permissions import CurrentUser
from tests.db.kit import Clock, MakeUow, add_user, seed_campaign
from ui.messages import t

KEY = base64.b64encode(hashlib.sha256(b"typical-cases-page-test-key").digest()).decode()
NAME = "欧阳明华"


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch) -> CurrentUser:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    seed_campaign(make_uow, "c1")
    return add_user(make_uow, "admin1", Role.admin)


def case(
    make_uow: MakeUow, admin: CurrentUser, number: str, case_type: str, published_day: int | None
) -> None:
    lifecycle.open_case(
        make_uow(),
        admin,
        number=number,
        unit_code="u2",
        case_type=case_type,
        subtype=acc.CASE_SUBTYPES[case_type][0],
        facts="内部事实，不公开",
        source="media",
        disciplinary_body="市纪委监委",
        opened_on=date(2026, 1, 5),
        clock=Clock(),
    )
    lifecycle.add_person(
        make_uow(), admin, number, name=NAME, post="窗口负责人", level="科级", sanction="admonition_talk"
    )
    lifecycle.advance(make_uow(), admin, number, "investigated", date(2026, 1, 10), clock=Clock())
    lifecycle.advance(make_uow(), admin, number, "decided", date(2026, 1, 20), "诫勉谈话", clock=Clock())
    lifecycle.mark_for_publication(make_uow(), admin, number, f"典型问题 {number}：窗口推诿。")
    if published_day is not None:
        lifecycle.advance(make_uow(), admin, number, "published", date(2026, 2, published_day), clock=Clock())


def page(repo_root: Path, lang: str) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("app_pages/typical_cases.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_empty_state(repo_root: Path, admin: CurrentUser, make_uow: MakeUow, lang: str) -> None:
    case(make_uow, admin, "M-0", "misconduct", None)  # marked but not published: not shown
    at = page(repo_root, lang)
    assert at.title[0].value == t("typical.title", lang)
    assert [i.value for i in at.info] == [t("typical.empty", lang)]
    assert "M-0" not in str([m.value for m in at.markdown])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_published_cases_by_type_newest_first_without_names(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow, lang: str
) -> None:
    case(make_uow, admin, "S-1", "slow", 3)
    case(make_uow, admin, "I-1", "inaction", 2)
    case(make_uow, admin, "I-2", "inaction", 9)
    at = page(repo_root, lang)
    assert [s.value for s in at.subheader] == [
        f"{t('accountability.type.inaction', lang)} · {t('typical.count', lang, n=2)}",
        f"{t('accountability.type.slow', lang)} · {t('typical.count', lang, n=1)}",
    ]
    headings = [m.value for m in at.markdown if m.value.startswith("**")]
    assert headings == [
        f"**{t('typical.case', lang, number=n, unit='单位u2')}**" for n in ("I-2", "I-1", "S-1")
    ]
    shown = (
        str([m.value for m in at.markdown])
        + str([x.value for x in at.text])
        + str([c.value for c in at.caption])
    )
    assert "典型问题 I-2：窗口推诿。" in shown
    person = t(
        "typical.person", lang, post="窗口负责人", sanction=t("accountability.sanction.admonition_talk", lang)
    )
    assert f"- {person}" in [m.value for m in at.markdown]
    for private in (NAME, "欧***", "内部事实"):
        assert private not in shown
