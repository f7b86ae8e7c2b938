"""What was done about the head, on the cards page (app_pages/rectification.py) under
AppTest, on SQLite and PostgreSQL: an admin sees the pending recommended removal, records
a removal naming the new head and closes the escalated card, in both languages; the
unit's liaison sees the recorded action read-only; the public unit page names a recorded
removal (not the internal reason)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import CardCase, Role, Unit
from services import cards, heads
from tests.db.kit import MakeUow, add_user
from tests.db.publishing import publish, small_bundle
from tests.pages.chrome import enter_submitting_forms, nodes
from tests.pages.test_rectification_page import admin, page
from tests.pages.test_results_page import page as results_page
from ui.messages import t
from ui.timefmt import beijing_today

CONSECUTIVE = "U00028"  # red, escalated: the head's removal recommended


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("heads-page") / "bundle")


@pytest.fixture
def card(app_database: str, make_uow: MakeUow, bundle: Path) -> cards.CardView:
    code = publish(make_uow, bundle)
    cards.issue_cards(make_uow(), admin(make_uow), code)
    return next(c for c in cards.list_cards(make_uow(), admin(make_uow), code) if c.unit_code == CONSECUTIVE)


def texts(at: AppTest) -> list[str]:
    return [e.value for e in (*at.markdown, *at.text, *at.caption, *at.success, *at.info, *at.error)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_admin_records_a_removal_and_closes_the_card(
    repo_root: Path, card: cards.CardView, make_uow: MakeUow, lang: str
) -> None:
    at = page(repo_root, admin(make_uow), lang)
    header = t("heads.pending.header", lang, n=1)
    assert any(header in m for m in texts(at))
    at.selectbox(key="cards.choose.0").set_value(card.id).run()
    assert not at.exception, at.exception
    assert nodes(at, "form") and enter_submitting_forms(at) == []
    assert not [b for b in at.button if b.key == "heads.close"]  # nothing recorded yet

    today = beijing_today()
    key = f"0.{card.id}"
    at.radio(key=f"heads.outcome.{key}").set_value("removed")
    at.date_input(key=f"heads.decided_on.{key}").set_value(today)
    at.text_input(key=f"heads.body.{key}").input("中共临江市委")
    at.button(key="heads.submit").click().run()
    assert not at.exception, at.exception
    # the document number is missing: refused in the page's language, nothing recorded
    field = t("heads.field.document_number", lang)
    assert t("heads.refused.required", lang, field=field) in [e.value for e in at.error]
    assert heads.head_actions(make_uow(), admin(make_uow), card.campaign) == []

    at.text_input(key=f"heads.number.{key}").input("临委干〔2026〕8号")
    at.text_input(key=f"heads.new_head.{key}").input("林新民")
    at.date_input(key=f"heads.new_since.{key}").set_value(today)
    at.button(key="heads.submit").click().run()
    assert not at.exception, at.exception
    assert t("heads.done", lang) in [s.value for s in at.success]
    [action] = heads.head_actions(make_uow(), admin(make_uow), card.campaign)
    assert (action.outcome, action.decided_on, action.new_head_name) == ("removed", today, "林新民")
    with make_uow() as uow:
        assert uow.session.execute(
            select(Unit.head_name, Unit.head_since).where(Unit.code == CONSECUTIVE)
        ).one() == ("林新民", today)
    assert not any(header in m for m in texts(at))  # no longer pending

    at.selectbox(key="cards.choose.1").set_value(card.id).run()
    assert not at.exception, at.exception
    summary = t(
        "heads.summary.removed",
        lang,
        head=action.head_name,
        on=today.isoformat(),
        body="中共临江市委",
        number="临委干〔2026〕8号",
    )
    assert summary in [s.value for s in at.success]
    assert not [b for b in at.button if b.key == "heads.submit"]
    at.button(key="heads.close").click().run()
    assert not at.exception, at.exception
    assert t("heads.close.done", lang) in [s.value for s in at.success]
    with make_uow() as uow:
        assert uow.session.get_one(CardCase, card.id).status == "closed"
    at.selectbox(key="cards.choose.2").set_value(card.id).run()
    assert not at.exception, at.exception
    assert t("cards.closed", lang) in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "heads.close"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_liaison_sees_the_recorded_action_read_only(
    repo_root: Path, card: cards.CardView, make_uow: MakeUow, lang: str
) -> None:
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=CONSECUTIVE)
    at = page(repo_root, liaison, lang)
    assert t("heads.not_yet", lang) in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key in ("heads.submit", "heads.close")]

    heads.record_head_action(
        make_uow(), admin(make_uow), card.id, outcome="not_removed", reason="已于上年调任他职"
    )
    at = page(repo_root, liaison, lang)
    head = card.head.now.name if card.head is not None else ""
    assert t("heads.summary.not_removed", lang, head=head, reason="已于上年调任他职") in [
        i.value for i in at.info
    ]
    assert not [b for b in at.button if b.key in ("heads.submit", "heads.close")]


def test_the_public_unit_page_names_a_recorded_removal(
    repo_root: Path, card: cards.CardView, make_uow: MakeUow
) -> None:
    public = results_page(repo_root, "app_pages/unit.py", "en", campaign=card.campaign, unit=CONSECUTIVE)
    assert not [c for c in at_captions(public) if c.startswith("Done:")]
    today = beijing_today()
    view = heads.record_head_action(
        make_uow(),
        admin(make_uow),
        card.id,
        outcome="removed",
        decided_on=today,
        decision_body="中共临江市委",
        document_number="临委干〔2026〕8号",
        reason="内部说明",
    )
    for lang in ("zh", "en"):
        public = results_page(repo_root, "app_pages/unit.py", lang, campaign=card.campaign, unit=CONSECUTIVE)
        expected = t(
            "heads.public.removed",
            lang,
            head=view.head_name,
            on=today.isoformat(),
            body="中共临江市委",
            number="临委干〔2026〕8号",
        )
        assert expected in at_captions(public)
        assert not [c for c in at_captions(public) if "内部说明" in c]  # the reason stays internal


def at_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]
