"""What was done about the head (services/heads.py) of a unit whose card recommends the
head's removal: both outcomes, every refusal, the unit register following a new head,
and the card that can be closed (or lifted) only once the action is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.models import AuditEntry, Campaign, CampaignSeries, CampaignStatus, CampaignUnit, CardCase, Role, Unit
from db.models import HistoryEntry as History
from db.models_registries import HeadAction
from services import cards, heads, history
from services.errors import NotFound, Refused
from services.heads import HeadRefused
from services.permissions import PermissionDenied
from services.rectification import generate_items, ledger, update_item
from services.units import RegisterRefused
from tests.db.kit import T0, Clock, MakeUow, add_user, add_year_campaign, set_status
from tests.db.publishing import publish, small_bundle
from tests.db.test_cards import CONSECUTIVE, YELLOW, admin

LATER = Clock(T0 + timedelta(days=20))  # 2026-03-21 in Beijing; cards are issued on 2026-03-01
DECIDED = date(2026, 3, 10)
REMOVAL = {
    "outcome": "removed",
    "decided_on": DECIDED,
    "decision_body": "中共临江市委",
    "document_number": "临委干〔2026〕8号",
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("heads") / "bundle")


@pytest.fixture
def code(make_uow: MakeUow, bundle: Path) -> str:
    code = publish(make_uow, bundle)
    cards.issue_cards(make_uow(), admin(make_uow), code, clock=Clock())
    return code


def card_of(make_uow: MakeUow, code: str, unit: str) -> cards.CardView:
    return next(c for c in cards.list_cards(make_uow(), admin(make_uow), code) if c.unit_code == unit)


def appraised_head(make_uow: MakeUow, code: str, unit: str) -> str:
    with make_uow() as uow:
        return uow.session.execute(
            select(CampaignUnit.head_name)
            .join(Campaign, Campaign.id == CampaignUnit.campaign_id)
            .join(Unit, Unit.id == CampaignUnit.unit_id)
            .where(Campaign.code == code, Unit.code == unit)
        ).scalar_one()


def register_head(make_uow: MakeUow, unit: str) -> tuple[str, date | None]:
    with make_uow() as uow:
        found = uow.session.execute(select(Unit.head_name, Unit.head_since).where(Unit.code == unit)).one()
        return found[0], found[1]


def actions_count(make_uow: MakeUow) -> int:
    with make_uow() as uow:
        return uow.session.execute(select(func.count()).select_from(HeadAction)).scalar_one()


def audits(make_uow: MakeUow, action: str) -> list[AuditEntry]:
    with make_uow() as uow:
        found = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        uow.session.expunge_all()
        return list(found)


def test_a_removal_naming_the_new_head_updates_the_register_in_the_same_change(
    make_uow: MakeUow, code: str
) -> None:
    card = card_of(make_uow, code, CONSECUTIVE)
    assert card.head_removal_recommended and card.head_action is None
    head = appraised_head(make_uow, code, CONSECUTIVE)
    assert head  # the generated bundle names the head
    assert [p.card_id for p in heads.pending_head_actions(make_uow(), admin(make_uow), code)] == [card.id]

    view = heads.record_head_action(
        make_uow(),
        admin(make_uow),
        card.id,
        **REMOVAL,
        new_head_name="林新民",
        new_head_since=date(2026, 3, 12),
        clock=LATER,
    )
    assert (view.outcome, view.head_name, view.decided_on, view.document_number) == (
        "removed",
        head,
        DECIDED,
        "临委干〔2026〕8号",
    )
    assert (view.new_head_name, view.new_head_since, view.recorded_by) == (
        "林新民",
        date(2026, 3, 12),
        "admin1",
    )
    assert register_head(make_uow, CONSECUTIVE) == ("林新民", date(2026, 3, 12))
    assert card_of(make_uow, code, CONSECUTIVE).head_action == view
    assert heads.head_actions(make_uow(), admin(make_uow), code) == [view]
    assert heads.pending_head_actions(make_uow(), admin(make_uow), code) == []

    [recorded] = audits(make_uow, "head_action.record")
    assert recorded.actor == "admin1" and recorded.before is None
    assert recorded.after["unit"] == CONSECUTIVE and recorded.after["head_name"] == head
    assert recorded.after["new_head_name"] == "林新民"
    [unit_change] = audits(make_uow, "unit.update")
    assert unit_change.actor == "admin1" and unit_change.entity_id == CONSECUTIVE
    assert unit_change.before["head_name"] == head  # the bundle's import put it in the register too
    assert unit_change.after == {
        "head_name": "林新民",
        "head_since": "2026-03-12",
        "head_action_card": card.id,
    }


def test_not_removed_needs_the_reason_and_a_given_decision_complete(make_uow: MakeUow, code: str) -> None:
    card = card_of(make_uow, code, CONSECUTIVE).id
    before = register_head(make_uow, CONSECUTIVE)
    with pytest.raises(HeadRefused, match="reason is required") as refused:
        heads.record_head_action(make_uow(), admin(make_uow), card, outcome="not_removed", clock=LATER)
    assert (refused.value.key, refused.value.field) == ("heads.refused.required", "reason")
    with pytest.raises(HeadRefused, match="document_number is required for a decision"):
        heads.record_head_action(
            make_uow(),
            admin(make_uow),
            card,
            outcome="not_removed",
            decision_body="市委",
            decided_on=DECIDED,
            reason="已调任他职",
            clock=LATER,
        )
    with pytest.raises(HeadRefused, match="new_head_name: a new head is named with a removal"):
        heads.record_head_action(
            make_uow(),
            admin(make_uow),
            card,
            outcome="not_removed",
            reason="已调任他职",
            new_head_name="某人",
            new_head_since=DECIDED,
            clock=LATER,
        )
    assert actions_count(make_uow) == 0
    view = heads.record_head_action(
        make_uow(), admin(make_uow), card, outcome="not_removed", reason="  已于2025年调任他职  ", clock=LATER
    )
    assert (view.outcome, view.reason, view.decided_on, view.document_number) == (
        "not_removed",
        "已于2025年调任他职",
        None,
        "",
    )
    assert register_head(make_uow, CONSECUTIVE) == before  # the register is not touched
    assert audits(make_uow, "unit.update") == []


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"outcome": "demoted"}, "heads.refused.outcome", "not removed or not_removed"),
        ({"decided_on": None}, "heads.refused.required", "decided_on is required for a removal"),
        ({"decision_body": " "}, "heads.refused.required", "decision_body is required for a removal"),
        ({"document_number": ""}, "heads.refused.required", "document_number is required for a removal"),
        ({"decided_on": date(2026, 3, 22)}, "heads.refused.future", "2026-03-22 is after today"),
        ({"decided_on": date(2026, 2, 28)}, "heads.refused.before_card", "before the card was issued"),
        ({"document_number": "=HYPERLINK()"}, "heads.refused.formula", "document_number"),
        ({"decision_body": "委" * 101}, "heads.refused.too_long", "at most 100 characters"),
        ({"new_head_name": "林新民"}, "heads.refused.new_head_since", "date the new head took post"),
        (
            {"new_head_name": "林新民", "new_head_since": date(2026, 3, 9)},
            "heads.refused.new_head_before",
            "before the removal was decided",
        ),
        (
            {"new_head_name": "林新民", "new_head_since": date(2026, 3, 25)},
            "heads.refused.future",
            "new_head_since: 2026-03-25 is after today",
        ),
    ],
)
def test_a_removal_is_refused_when_a_field_is_missing_or_wrong(
    make_uow: MakeUow, code: str, changes: dict[str, object], key: str, message: str
) -> None:
    card = card_of(make_uow, code, CONSECUTIVE).id
    with pytest.raises(HeadRefused, match=message) as refused:
        heads.record_head_action(make_uow(), admin(make_uow), card, **{**REMOVAL, **changes}, clock=LATER)
    assert refused.value.key == key
    assert actions_count(make_uow) == 0 and audits(make_uow, "head_action.record") == []


def test_who_and_which_card(make_uow: MakeUow, code: str) -> None:
    card = card_of(make_uow, code, CONSECUTIVE).id
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=CONSECUTIVE)
    with pytest.raises(PermissionDenied):
        heads.record_head_action(make_uow(), liaison, card, **REMOVAL, clock=LATER)
    with pytest.raises(NotFound, match="no card case has the id 999999"):
        heads.record_head_action(make_uow(), admin(make_uow), 999999, **REMOVAL, clock=LATER)
    yellow = card_of(make_uow, code, YELLOW).id
    with pytest.raises(HeadRefused, match="does not recommend the removal"):
        heads.record_head_action(make_uow(), admin(make_uow), yellow, **REMOVAL, clock=LATER)
    head = appraised_head(make_uow, code, CONSECUTIVE)
    with pytest.raises(HeadRefused, match=f"new_head_name: {head} is the head concerned"):
        heads.record_head_action(
            make_uow(),
            admin(make_uow),
            card,
            **REMOVAL,
            new_head_name=head,
            new_head_since=DECIDED,
            clock=LATER,
        )

    heads.record_head_action(make_uow(), admin(make_uow), card, **REMOVAL, clock=LATER)
    with pytest.raises(HeadRefused, match="already recorded"):
        heads.record_head_action(make_uow(), admin(make_uow, "admin2"), card, **REMOVAL, clock=LATER)
    assert actions_count(make_uow) == 1
    # the liaison sees the own unit's action, read-only
    assert [v.card_id for v in heads.head_actions(make_uow(), liaison, code)] == [card]
    other = add_user(make_uow, "liaison2", Role.liaison, unit_code=YELLOW)
    assert heads.head_actions(make_uow(), other, code) == []
    assert heads.pending_head_actions(make_uow(), other, code) == []
    with pytest.raises(PermissionDenied):
        heads.head_actions(make_uow(), add_user(make_uow, "caller1", Role.caller), code)


def test_the_register_refuses_a_new_head_and_nothing_is_recorded(make_uow: MakeUow, code: str) -> None:
    card = card_of(make_uow, code, CONSECUTIVE).id
    with make_uow() as uow:  # the register already knows a head who took post later
        unit = uow.session.execute(select(Unit).where(Unit.code == CONSECUTIVE)).scalar_one()
        unit.head_since = date(2026, 3, 15)
        uow.commit()
    with pytest.raises(RegisterRefused, match="later than 2026-03-15") as refused:
        heads.record_head_action(
            make_uow(),
            admin(make_uow),
            card,
            **REMOVAL,
            new_head_name="林新民",
            new_head_since=date(2026, 3, 12),
            clock=LATER,
        )
    assert refused.value.key == "register.refused.head_since"
    assert actions_count(make_uow) == 0 and audits(make_uow, "head_action.record") == []

    with make_uow() as uow:  # a retired unit takes no new head
        unit = uow.session.execute(select(Unit).where(Unit.code == CONSECUTIVE)).scalar_one()
        unit.active, unit.retired_on = False, date(2026, 3, 16)
        uow.commit()
    with pytest.raises(RegisterRefused, match="retired"):
        heads.record_head_action(
            make_uow(),
            admin(make_uow),
            card,
            **REMOVAL,
            new_head_name="林新民",
            new_head_since=date(2026, 3, 20),
            clock=LATER,
        )
    assert actions_count(make_uow) == 0


def test_an_escalated_card_is_closed_only_with_its_head_action_and_items_done(
    make_uow: MakeUow, code: str
) -> None:
    card = card_of(make_uow, code, CONSECUTIVE).id
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=CONSECUTIVE)
    generate_items(make_uow(), admin(make_uow), code, date(2026, 6, 30), clock=Clock())
    items = [i for i in ledger(make_uow(), liaison, code) if i.card_id == card]
    assert items

    with pytest.raises(Refused, match="cannot be closed: what was done about the unit's head"):
        cards.close_card(make_uow(), admin(make_uow), card)
    with pytest.raises(Refused, match="cannot be lifted: it recommends the removal"):
        cards.lift_card(make_uow(), admin(make_uow), card)
    heads.record_head_action(make_uow(), admin(make_uow), card, **REMOVAL, clock=LATER)
    with pytest.raises(Refused, match=f"cannot be closed: {len(items)} of its ledger item"):
        cards.close_card(make_uow(), admin(make_uow), card)
    with pytest.raises(Refused, match="is escalated: lifting needs the follow-up check first"):
        cards.lift_card(make_uow(), admin(make_uow), card)
    for item in items:
        update_item(make_uow(), liaison, item.id, status="done", progress_note="已整改")
    with pytest.raises(PermissionDenied):
        cards.close_card(make_uow(), liaison, card)
    cards.close_card(make_uow(), admin(make_uow, "admin2"), card, clock=LATER)

    closed = card_of(make_uow, code, CONSECUTIVE)
    assert closed.status == "closed" and closed.head_action is not None
    [step] = audits(make_uow, "card.close")
    assert (step.actor, step.before, step.after) == ("admin2", {"status": "escalated"}, {"status": "closed"})
    with pytest.raises(Refused, match="is closed: closing is for an escalated card"):
        cards.close_card(make_uow(), admin(make_uow), card)
    with pytest.raises(HeadRefused, match="is closed: its head action can no longer change"):
        heads.correct_head_action(
            make_uow(), admin(make_uow), card, correction="笔误", **REMOVAL, clock=LATER
        )
    yellow = card_of(make_uow, code, YELLOW).id
    with pytest.raises(Refused, match="is issued: closing is for an escalated card"):
        cards.close_card(make_uow(), admin(make_uow), yellow)


def test_a_card_recommending_removal_is_lifted_only_after_the_head_action(
    make_uow: MakeUow, code: str
) -> None:
    card = card_of(make_uow, code, CONSECUTIVE).id
    with make_uow() as uow:  # as if it had reached the check (an older case)
        uow.session.get_one(CardCase, card).status = "check"
        uow.commit()
    with pytest.raises(Refused, match="not recorded yet"):
        cards.lift_card(make_uow(), admin(make_uow), card)
    heads.record_head_action(
        make_uow(), admin(make_uow), card, outcome="not_removed", reason="已退休", clock=LATER
    )
    cards.lift_card(make_uow(), admin(make_uow), card)
    assert card_of(make_uow, code, CONSECUTIVE).status == "lifted"
    with pytest.raises(HeadRefused, match="is lifted"):
        heads.record_head_action(make_uow(), admin(make_uow), card, **REMOVAL, clock=LATER)


def test_a_correction_needs_its_reason_and_is_audited_before_and_after(make_uow: MakeUow, code: str) -> None:
    card = card_of(make_uow, code, CONSECUTIVE).id
    with pytest.raises(HeadRefused, match="nothing is recorded"):
        heads.correct_head_action(make_uow(), admin(make_uow), card, correction="改", **REMOVAL, clock=LATER)
    heads.record_head_action(
        make_uow(),
        admin(make_uow),
        card,
        **REMOVAL,
        new_head_name="林新民",
        new_head_since=date(2026, 3, 12),
        clock=LATER,
    )
    with pytest.raises(HeadRefused, match="correction is required"):
        heads.correct_head_action(make_uow(), admin(make_uow), card, correction=" ", **REMOVAL, clock=LATER)
    with pytest.raises(HeadRefused, match="cannot keep it"):
        heads.correct_head_action(
            make_uow(),
            admin(make_uow),
            card,
            correction="改",
            outcome="not_removed",
            reason="未免职",
            clock=LATER,
        )
    with pytest.raises(HeadRefused, match="before the removal was decided"):
        heads.correct_head_action(
            make_uow(),
            admin(make_uow),
            card,
            correction="改日期",
            **{**REMOVAL, "decided_on": date(2026, 3, 13)},
            clock=LATER,
        )
    view = heads.correct_head_action(
        make_uow(),
        admin(make_uow, "admin2"),
        card,
        correction="文号笔误",
        **{**REMOVAL, "document_number": "临委干〔2026〕9号"},
        clock=LATER,
    )
    assert view.document_number == "临委干〔2026〕9号" and view.new_head_name == "林新民"
    [fixed] = audits(make_uow, "head_action.correct")
    assert fixed.actor == "admin2"
    assert fixed.before == {"document_number": "临委干〔2026〕8号"}
    assert fixed.after == {"document_number": "临委干〔2026〕9号", "correction": "文号笔误"}


def test_the_next_years_draft_follows_the_new_head_and_history_notes_the_change(
    make_uow: MakeUow, code: str
) -> None:
    with make_uow() as uow:
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        series = uow.session.get_one(CampaignSeries, campaign.series_id).code
        year, method = campaign.year, campaign.method_toml
    add_year_campaign(make_uow, "next", year + 1, [CONSECUTIVE], status=CampaignStatus.draft, series=series)
    old_head = appraised_head(make_uow, code, CONSECUTIVE)
    with make_uow() as uow:  # the next year's history: this year unsatisfactory
        s = uow.session
        nxt = s.execute(select(Campaign).where(Campaign.code == "next")).scalar_one()
        nxt.method_toml = method
        unit_id = s.execute(select(Unit.id).where(Unit.code == CONSECUTIVE)).scalar_one()
        unit_row = s.execute(
            select(CampaignUnit).where(CampaignUnit.campaign_id == nxt.id, CampaignUnit.unit_id == unit_id)
        ).scalar_one()
        unit_row.head_name = old_head  # the draft as it stood before the removal
        s.add(
            History(
                campaign_id=nxt.id,
                unit_id=unit_id,
                year=year,
                unsatisfactory=True,
                source_campaign_code=code,
                source_unit_code=CONSECUTIVE,
            )
        )
        uow.commit()
    card = card_of(make_uow, code, CONSECUTIVE).id
    heads.record_head_action(
        make_uow(),
        admin(make_uow),
        card,
        **REMOVAL,
        new_head_name="林新民",
        new_head_since=date(2026, 3, 12),
        clock=LATER,
    )
    [unit_change] = audits(make_uow, "unit.update")
    assert unit_change.after["draft_campaigns"] == ["next"]
    with make_uow() as uow:
        nxt = uow.session.execute(select(Campaign).where(Campaign.code == "next")).scalar_one()
        change = history._heads(uow, nxt, [unit_id])[CONSECUTIVE]
    assert (change.now.name, change.now.since) == ("林新民", date(2026, 3, 12))
    assert change.changed and [h.name for h in change.others] == [old_head]


def test_published_removals_name_only_removals_of_published_campaigns(make_uow: MakeUow, code: str) -> None:
    card = card_of(make_uow, code, CONSECUTIVE).id
    heads.record_head_action(
        make_uow(), admin(make_uow), card, outcome="not_removed", reason="已调任", clock=LATER
    )
    assert heads.published_removals(make_uow(), code) == {}  # not removed: nothing public
    heads.correct_head_action(
        make_uow(), admin(make_uow), card, correction="实为免职", **REMOVAL, reason="内部说明", clock=LATER
    )
    [removal] = heads.published_removals(make_uow(), code).values()
    assert (removal.unit_code, removal.decided_on, removal.document_number) == (
        CONSECUTIVE,
        DECIDED,
        "临委干〔2026〕8号",
    )
    assert not hasattr(removal, "reason")
    set_status(make_uow, code, CampaignStatus.review)
    assert heads.published_removals(make_uow(), code) == {}


# ---------------------------------------------------------------- the rules, as properties


@settings(max_examples=200, deadline=None)
@given(
    outcome=st.sampled_from(["removed", "not_removed", "other"]),
    decided_on=st.none() | st.dates(date(2026, 2, 1), date(2026, 4, 30)),
    body=st.sampled_from(["", " ", "中共临江市委", "=cmd", "委" * 101]),
    number=st.sampled_from(["", "临委干〔2026〕8号", "+1"]),
    reason=st.sampled_from(["", "  ", "已调任"]),
)
def test_what_is_accepted_is_complete_and_dated_within_the_cards_life(
    outcome: str, decided_on: date | None, body: str, number: str, reason: str
) -> None:
    case = CardCase(created_at=datetime(2026, 3, 1, 9, tzinfo=UTC))
    try:
        fields = heads._checked(
            case,
            outcome=outcome,
            decided_on=decided_on,
            decision_body=body,
            document_number=number,
            reason=reason,
            clock=LATER,
        )
    except HeadRefused as exc:
        assert exc.key.startswith("heads.refused.") and exc.field in (
            "outcome",
            "decided_on",
            "decision_body",
            "document_number",
            "reason",
        )
        return
    assert fields["outcome"] in heads.OUTCOMES
    decided = fields["decided_on"]
    if fields["outcome"] == "removed":
        assert decided is not None and fields["decision_body"] and fields["document_number"]
    else:
        assert fields["reason"]
        # a decision is all or nothing
        assert (decided is None) == (not fields["decision_body"]) == (not fields["document_number"])
    if decided is not None:
        assert date(2026, 3, 1) <= decided <= date(2026, 3, 21)
    assert all(v == v.strip() for v in fields.values() if isinstance(v, str))
