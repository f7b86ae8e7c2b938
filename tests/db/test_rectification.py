"""The rectification ledger (整改台账): items from surveys, calls, upheld appeals and
cards; updates by the unit's liaison (own items only) and admins; overdue items and the
rectification rate (整改率)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import AuditEntry, Item, PhoneAnswer, PhoneCase, Role, SurveyResponse, Unit, User
from services import cards, rectification
from services.appeals import MAX_EVIDENCE_BYTES, decide_appeal, file_appeal
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from tests.db.kit import T0, Clock, MakeUow, add_user
from tests.db.publishing import publish, small_bundle

UNIT = "U00002"  # no card
CARDED = "U00001"
DEADLINE = date(2026, 4, 30)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("ledger") / "bundle")


@pytest.fixture
def code(make_uow: MakeUow, bundle: Path) -> str:
    return publish(make_uow, bundle)


def admin(make_uow: MakeUow) -> CurrentUser:
    with make_uow() as uow:
        user_id = uow.session.execute(select(User.id).where(User.username == "admin1")).scalar_one()
    return CurrentUser(id=user_id, username="admin1", role=Role.admin)


def name_problems(make_uow: MakeUow, unit: str, plan: dict[str, int], *, counted: bool = True) -> None:
    """Tick problem types on the unit's counted responses (rows written directly); with
    ``counted=False`` the ticked responses are then marked duplicates, so they no longer count."""
    with make_uow() as uow:
        responses = uow.session.scalars(
            select(SurveyResponse)
            .join(Unit, Unit.id == SurveyResponse.unit_id)
            .where(Unit.code == unit, SurveyResponse.status == "valid")
            .order_by(SurveyResponse.code.desc())
        ).all()
        responses = [r for r in responses if not r.problem_types]
        chosen = [p for p, n in plan.items() for _ in range(n)]
        assert len(responses) >= len(chosen)
        for response, problem in zip(responses, chosen, strict=False):
            response.problem_types = [problem]
            if not counted:
                response.status = "duplicate"
        uow.commit()


def dissatisfied_calls(make_uow: MakeUow, unit: str) -> dict[str, int]:
    with make_uow() as uow:
        rows = uow.session.execute(
            select(Item.code)
            .join(PhoneAnswer, PhoneAnswer.item_id == Item.id)
            .join(PhoneCase, PhoneCase.id == PhoneAnswer.case_id)
            .join(Unit, Unit.id == PhoneCase.unit_id)
            .where(Unit.code == unit, PhoneAnswer.option_code == "dissatisfied")
        ).scalars()
        counts: dict[str, int] = {}
        for item in rows:
            counts[item] = counts.get(item, 0) + 1
        return counts


def test_items_come_from_surveys_calls_upheld_appeals_and_cards(make_uow: MakeUow, code: str) -> None:
    name_problems(make_uow, UNIT, {"cold_hard_shirking": 4, "inaction": 3, "misconduct": 1, "slow_action": 2})
    name_problems(make_uow, UNIT, {"misconduct": 2}, counted=False)  # not counted
    liaison = add_user(make_uow, "liaison2", Role.liaison, unit_code=UNIT)
    appeal = file_appeal(make_uow(), liaison, code, UNIT, "数据有误", clock=Clock(T0 + timedelta(days=1)))
    decide_appeal(make_uow(), admin(make_uow), appeal, True, "经核查数据有误")
    cards.issue_cards(make_uow(), admin(make_uow), code)

    made = rectification.generate_items(make_uow(), admin(make_uow), code, DEADLINE, clock=Clock())

    items = rectification.ledger(make_uow(), admin(make_uow), code, unit_code=UNIT, today=T0.date())
    survey = {i.source_ref: i for i in items if i.source == "survey"}
    assert sorted(survey) == ["cold_hard_shirking", "inaction"]  # the top two, named ≥ 3 times
    assert (
        "冷硬推" in survey["cold_hard_shirking"].description
        and "4" in survey["cold_hard_shirking"].description
    )
    calls = {i.source_ref for i in items if i.source == "call"}
    assert calls == {item for item, n in dissatisfied_calls(make_uow, UNIT).items() if n >= 3}
    assert [(i.source_ref, i.card_id) for i in items if i.source == "appeal"] == [(str(appeal), None)]
    assert all(i.deadline == DEADLINE and i.status == "open" and not i.overdue for i in items)
    carded = rectification.ledger(make_uow(), admin(make_uow), code, unit_code=CARDED, today=T0.date())
    card_id = next(c.id for c in cards.list_cards(make_uow(), admin(make_uow), code) if c.unit_code == CARDED)
    assert [i.source_ref for i in carded if i.source == "card"] == [str(card_id)]
    assert all(i.card_id == card_id for i in carded)
    assert (
        made["survey"] >= 2
        and made["appeal"] == 1
        and made["card"] == len(cards.list_cards(make_uow(), admin(make_uow), code))
    )

    again = rectification.generate_items(make_uow(), admin(make_uow), code, DEADLINE, clock=Clock())
    assert sum(again.values()) == 0
    with make_uow() as uow:
        opened = uow.session.scalars(
            select(AuditEntry.id).where(AuditEntry.action == "rectification.open")
        ).all()
    assert len(opened) == sum(made.values())


def test_generating_needs_an_admin_and_a_future_deadline(make_uow: MakeUow, code: str) -> None:
    liaison = add_user(make_uow, "liaison2", Role.liaison, unit_code=UNIT)
    with pytest.raises(PermissionDenied):
        rectification.generate_items(make_uow(), liaison, code, DEADLINE, clock=Clock())
    with pytest.raises(Refused, match="already passed"):
        rectification.generate_items(make_uow(), admin(make_uow), code, date(2026, 2, 1), clock=Clock())


@pytest.fixture
def items(make_uow: MakeUow, code: str) -> list[rectification.ItemView]:
    cards.issue_cards(make_uow(), admin(make_uow), code)
    rectification.generate_items(
        make_uow(), admin(make_uow), code, DEADLINE, min_dissatisfied=1, clock=Clock()
    )
    return rectification.ledger(make_uow(), admin(make_uow), code)


def test_a_liaison_updates_only_its_own_items(
    make_uow: MakeUow, code: str, items: list[rectification.ItemView]
) -> None:
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=CARDED)
    mine = rectification.ledger(make_uow(), liaison, code)
    assert mine and {i.unit_code for i in mine} == {CARDED}
    other = next(i for i in items if i.unit_code != CARDED)
    item = mine[0]

    with pytest.raises(PermissionDenied, match="own unit"):
        rectification.update_item(make_uow(), liaison, other.id, status="in_progress")
    with pytest.raises(Refused, match="progress note"):
        rectification.update_item(make_uow(), liaison, item.id, status="done")
    with pytest.raises(Refused, match="reopening is for admins"):
        rectification.update_item(make_uow(), liaison, item.id, status="open")
    with pytest.raises(Refused, match="deadline is set by"):
        rectification.update_item(make_uow(), liaison, item.id, deadline=date(2026, 12, 31))
    with pytest.raises(Refused, match="at most 5 MB"):
        rectification.update_item(
            make_uow(), liaison, item.id, evidence=b"x" * (MAX_EVIDENCE_BYTES + 1), evidence_name="a.pdf"
        )

    rectification.update_item(make_uow(), liaison, item.id, status="in_progress", progress_note="已制定制度")
    rectification.update_item(
        make_uow(), liaison, item.id, status="done", evidence=b"photo", evidence_name="整改照片.jpg"
    )
    assert rectification.item_evidence(make_uow(), liaison, item.id) == ("整改照片.jpg", b"photo")
    with pytest.raises(NotFound):
        rectification.item_evidence(make_uow(), liaison, other.id)
    updated = next(i for i in rectification.ledger(make_uow(), liaison, code) if i.id == item.id)
    assert (updated.status, updated.progress_note, updated.evidence_name) == (
        "done",
        "已制定制度",
        "整改照片.jpg",
    )
    # an admin may reopen it and move its deadline
    rectification.update_item(make_uow(), admin(make_uow), item.id, status="open", deadline=date(2026, 5, 31))
    with make_uow() as uow:
        trail = uow.session.execute(
            select(AuditEntry.actor, AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.action == "rectification.update", AuditEntry.entity_id == str(item.id))
            .order_by(AuditEntry.id)
        ).all()
    assert [actor for actor, _, _ in trail] == ["liaison1", "liaison1", "admin1"]
    assert trail[-1][1] == {"status": "done", "deadline": DEADLINE.isoformat()}
    with pytest.raises(PermissionDenied):
        rectification.ledger(make_uow(), add_user(make_uow, "sup1", Role.supervisor), code)


def test_overdue_items_and_rates_per_unit(
    make_uow: MakeUow, code: str, items: list[rectification.ItemView]
) -> None:
    mine = [i for i in items if i.unit_code == CARDED]
    assert len(mine) >= 2
    rectification.update_item(make_uow(), admin(make_uow), mine[0].id, status="done", progress_note="完成")
    rectification.update_item(make_uow(), admin(make_uow), mine[1].id, status="in_progress")
    late = DEADLINE + timedelta(days=1)

    assert not rectification.ledger(make_uow(), admin(make_uow), code, overdue_only=True, today=DEADLINE)
    overdue = rectification.ledger(make_uow(), admin(make_uow), code, overdue_only=True, today=late)
    assert len(overdue) == len(items) - 1 and mine[0].id not in {i.id for i in overdue}
    assert [i.id for i in rectification.ledger(make_uow(), admin(make_uow), code, status="done")] == [
        mine[0].id
    ]

    rates = {r.unit_code: r for r in rectification.unit_rates(make_uow(), admin(make_uow), code, today=late)}
    rate = rates[CARDED]
    assert (rate.items, rate.done, rate.in_progress, rate.open, rate.overdue) == (
        len(mine),
        1,
        1,
        len(mine) - 2,
        len(mine) - 1,
    )
    assert rate.rate == pytest.approx(1 / len(mine))
    ordered = [r.rate for r in rates.values()]
    assert ordered == sorted(ordered, key=lambda x: 1.0 if x is None else x)  # lowest rate first
