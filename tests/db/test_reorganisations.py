"""Reorganisations (services/reorganisations.py) on SQLite and PostgreSQL: the events and
links each kind writes (as db/models.py describes them for the history derivation), the
register after it, the audit trail, every refusal, and a property: links never form a loop."""

from __future__ import annotations

import base64
import hashlib
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import CampaignStatus, CampaignUnit, Reorganisation, ReorganisationLink, Role, Unit
from services import reorganisations as reorg
from services import units
from services.defects import LabelRefused
from services.permissions import CurrentUser, PermissionDenied
from services.reorganisations import NewUnit
from services.units import RegisterRefused
from tests.db.kit import MakeUow, add_user, audit_actions, seed_campaign

KEY = base64.b64encode(hashlib.sha256(b"reorganisation-test-key").digest()).decode()
ON = date(2025, 3, 1)


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    user = add_user(make_uow, "admin1", Role.admin)
    for code, category in (("a", "office"), ("b", "office"), ("c", "grassroots"), ("d", "grassroots")):
        units.add_unit(make_uow(), user, code=code, name=f"单位{code}", category=category)
    return user


def links(make_uow: MakeUow, event_id: int) -> list[tuple[str, str, bool]]:
    """(from code, to code, principal) of an event's links."""
    with make_uow() as uow:
        codes = dict(uow.session.execute(select(Unit.id, Unit.code)).all())
        rows = uow.session.execute(
            select(ReorganisationLink).where(ReorganisationLink.reorganisation_id == event_id)
        ).scalars()
        return sorted((codes[r.from_unit_id], codes[r.to_unit_id], r.principal) for r in rows)


def event(make_uow: MakeUow, event_id: int) -> tuple[str, date, str, dict]:
    with make_uow() as uow:
        e = uow.session.get(Reorganisation, event_id)
        assert e is not None
        return (str(e.kind), e.effective_on, e.reason, dict(e.details))


def state(make_uow: MakeUow, code: str) -> tuple[bool, date | None, str | None]:
    """(active, retired_on, successor code) of a unit."""
    with make_uow() as uow:
        unit = uow.session.execute(select(Unit).where(Unit.code == code)).scalar_one()
        return unit.active, unit.retired_on, unit.successor.code if unit.successor else None


# ---------------------------------------------------------------- what each kind records


def test_a_rename_keeps_the_unit_and_links_it_to_itself(make_uow: MakeUow, admin: CurrentUser) -> None:
    result = reorg.rename(make_uow(), admin, "a", "新单位a", ON, "机构改革")

    assert event(make_uow, result.id) == ("rename", ON, "机构改革", {"name": ["单位a", "新单位a"]})
    assert links(make_uow, result.id) == [("a", "a", False)]
    assert units.get_unit(make_uow(), admin, "a").name == "新单位a"
    assert state(make_uow, "a") == (True, None, None)


def test_a_move_changes_the_category_and_links_the_unit_to_itself(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    result = reorg.move(make_uow(), admin, "a", "grassroots", ON, "调整序列")

    assert event(make_uow, result.id)[3] == {"category": ["office", "grassroots"]}
    assert links(make_uow, result.id) == [("a", "a", False)]
    assert units.get_unit(make_uow(), admin, "a").category == "grassroots"


def test_a_merge_into_a_new_unit_retires_the_predecessors_and_marks_the_principal(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    result = reorg.merge(
        make_uow(), admin, ["a", "b"], "b", NewUnit("ab", "合并单位", "office", district="东区"), ON, "合并"
    )

    assert (result.created, result.retired) == (("ab",), ("a", "b"))
    assert links(make_uow, result.id) == [("a", "ab", False), ("b", "ab", True)]
    assert state(make_uow, "a") == (False, ON, "ab") and state(make_uow, "b") == (False, ON, "ab")
    assert units.get_unit(make_uow(), admin, "ab").district == "东区"
    assert ("admin1", "reorganisation.merge") in audit_actions(make_uow)


def test_a_predecessor_may_absorb_the_others(make_uow: MakeUow, admin: CurrentUser) -> None:
    result = reorg.merge(make_uow(), admin, ["a", "b"], "a", "a", ON, "吸收合并")

    assert links(make_uow, result.id) == [("a", "a", True), ("b", "a", False)]
    assert result.retired == ("b",)
    assert state(make_uow, "a") == (True, None, None) and state(make_uow, "b") == (False, ON, "a")


def test_a_split_links_the_unit_to_each_part_and_retires_it_unless_it_stays(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    gone = reorg.split(
        make_uow(),
        admin,
        "c",
        [NewUnit("c1", "一所", "grassroots"), NewUnit("c2", "二所", "grassroots")],
        ON,
        "拆分",
    )
    kept = reorg.split(make_uow(), admin, "d", ["d", "a"], ON, "部分职能划入 a")

    assert links(make_uow, gone.id) == [("c", "c1", False), ("c", "c2", False)]
    assert state(make_uow, "c") == (False, ON, None)  # several successors: the links say which
    assert links(make_uow, kept.id) == [("d", "a", False), ("d", "d", False)]
    assert state(make_uow, "d") == (True, None, None) and kept.retired == ()


def test_the_list_is_newest_first_with_the_units_before_and_after(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    reorg.rename(make_uow(), admin, "a", "新a", date(2024, 1, 1), "更名")
    reorg.merge(make_uow(), admin, ["a", "b"], "a", NewUnit("ab", "合并单位", "office"), ON, "合并")
    reorg.move(make_uow(), admin, "c", "office", date(2024, 6, 1), "调整")

    views = reorg.list_reorganisations(make_uow(), admin)
    assert [(v.kind.value, v.effective_on) for v in views] == [
        ("merge", ON),
        ("move", date(2024, 6, 1)),
        ("rename", date(2024, 1, 1)),
    ]
    merge = views[0]
    assert [(r.code, r.principal) for r in merge.before] == [("a", True), ("b", False)]
    assert [r.code for r in merge.after] == ["ab"]
    assert [(r.name, s.name) for r, s in zip(views[2].before, views[2].after, strict=True)] == [
        ("单位a", "新a")
    ]
    assert [v.kind.value for v in reorg.list_reorganisations(make_uow(), admin, "a")] == ["merge", "rename"]


def test_a_chain_across_three_years_is_recorded_in_order(make_uow: MakeUow, admin: CurrentUser) -> None:
    reorg.rename(make_uow(), admin, "a", "甲", date(2023, 3, 1), "更名")
    reorg.merge(make_uow(), admin, ["a", "b"], "a", NewUnit("e", "戊", "office"), date(2024, 3, 1), "合并")
    last = reorg.split(make_uow(), admin, "e", ["e", NewUnit("f", "己", "office")], date(2025, 3, 1), "拆分")

    assert links(make_uow, last.id) == [("e", "e", False), ("e", "f", False)]
    assert [v.effective_on.year for v in reorg.list_reorganisations(make_uow(), admin, "e")] == [2025, 2024]


def test_a_draft_campaign_takes_a_rename_and_is_named_after_a_merger(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, "draft1", units=("a", "b"))
    seed_campaign(make_uow, "done1", units=("a",), status=CampaignStatus.final)

    reorg.rename(make_uow(), admin, "a", "新a", ON, "更名")
    result = reorg.merge(make_uow(), admin, ["a", "b"], "a", "a", ON, "吸收")

    with make_uow() as uow:
        names = sorted(uow.session.execute(select(CampaignUnit.name)).scalars())
    assert names == ["单位a", "单位b", "新a"]  # the final campaign keeps what it appraised
    assert result.drafts_to_review == ("draft1",)


# ---------------------------------------------------------------- refusals


def refused(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(RegisterRefused) as caught:
        call(*args, **kwargs)
    return caught.value.key


def test_merges_are_refused_when_they_make_no_sense(make_uow: MakeUow, admin: CurrentUser) -> None:
    new = NewUnit("ab", "合并", "office")
    uow = make_uow
    assert refused(reorg.merge, uow(), admin, ["a"], "a", new, ON, "x") == "register.refused.fewer_than_two"
    assert refused(reorg.merge, uow(), admin, ["a", "a"], "a", new, ON, "x") == "register.refused.named_twice"
    assert refused(reorg.merge, uow(), admin, ["a", "b"], "c", new, ON, "x") == "register.refused.principal"
    assert refused(reorg.merge, uow(), admin, ["a", "zz"], "a", new, ON, "x") == "register.refused.unknown"
    assert refused(reorg.merge, uow(), admin, ["a", "b"], "a", NewUnit("A", "x", "o"), ON, "x") == (
        "register.refused.code_alike"
    )
    assert refused(reorg.merge, uow(), admin, ["a", "b"], "a", NewUnit("c", "x", "o"), ON, "x") == (
        "register.refused.code_taken"
    )
    assert refused(reorg.merge, uow(), admin, ["a", "b"], "a", new, ON, " ") == "register.refused.reason"
    assert (
        refused(reorg.merge, uow(), admin, ["a", "b"], "a", new, date(2999, 1, 1), "x")
        == "register.refused.future"
    )
    units.retire_unit(uow(), admin, "d", date(2024, 1, 1), "撤销")
    assert refused(reorg.merge, uow(), admin, ["a", "d"], "a", new, ON, "x") == "register.refused.retired"
    assert refused(reorg.merge, uow(), admin, ["a", "b"], "a", "d", ON, "x") == "register.refused.retired"
    with make_uow() as u:
        assert u.session.execute(select(Reorganisation.id)).first() is None
        assert u.session.execute(select(Unit.id).where(Unit.code == "ab")).first() is None


def test_splits_are_refused_when_they_make_no_sense(make_uow: MakeUow, admin: CurrentUser) -> None:
    uow = make_uow
    one = NewUnit("c1", "一", "grassroots")
    assert refused(reorg.split, uow(), admin, "c", [one], ON, "x") == "register.refused.fewer_than_two"
    assert refused(reorg.split, uow(), admin, "c", [one, one], ON, "x") == "register.refused.named_twice"
    assert refused(reorg.split, uow(), admin, "zz", [one, "c"], ON, "x") == "register.refused.unknown"
    assert refused(reorg.split, uow(), admin, "c", [one, NewUnit("c2", "", "g")], ON, "x") == (
        "register.refused.field_empty"
    )


def test_a_reorganisation_that_would_make_a_unit_its_own_predecessor_is_refused(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    reorg.split(make_uow(), admin, "c", ["c", NewUnit("c1", "一", "grassroots")], date(2024, 1, 1), "拆分")

    # c1 came from c: merging c into c1 would be fine, but c1 back into c closes a loop
    assert (
        refused(reorg.merge, make_uow(), admin, ["c1", "d"], "c1", "c", ON, "x") == "register.refused.cycle"
    )
    assert refused(reorg.split, make_uow(), admin, "c1", ["c1", "c"], ON, "x") == "register.refused.cycle"


def test_events_are_recorded_in_order_and_renames_must_change_something(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    reorg.rename(make_uow(), admin, "a", "新a", ON, "更名")

    assert (
        refused(reorg.move, make_uow(), admin, "a", "x", date(2025, 2, 1), "x")
        == "register.refused.before_last"
    )
    assert refused(reorg.merge, make_uow(), admin, ["b", "a"], "b", "b", date(2025, 2, 1), "x") == (
        "register.refused.before_last"
    )
    assert refused(reorg.rename, make_uow(), admin, "a", "新a", ON, "x") == "register.refused.unchanged"
    with pytest.raises(LabelRefused):
        reorg.rename(make_uow(), admin, "a", "=1+1", ON, "x")
    assert refused(reorg.move, make_uow(), admin, "a", "", ON, "x") == "register.refused.field_empty"
    reorg.move(make_uow(), admin, "a", "grassroots", ON, "同日")  # the same day is in order


def test_a_unit_retired_by_a_merger_is_not_reinstated_by_hand(make_uow: MakeUow, admin: CurrentUser) -> None:
    reorg.merge(make_uow(), admin, ["a", "b"], "a", "a", ON, "吸收")

    assert refused(units.reinstate_unit, make_uow(), admin, "b", "误") == "register.refused.retired_by_event"
    with pytest.raises(RegisterRefused, match="before the last reorganisation"):
        units.retire_unit(make_uow(), admin, "a", date(2025, 1, 1), "撤销")


def test_only_admins_record_reorganisations(make_uow: MakeUow, admin: CurrentUser) -> None:
    supervisor = add_user(make_uow, "sup1", Role.supervisor)
    with pytest.raises(PermissionDenied):
        reorg.rename(make_uow(), supervisor, "a", "x", ON, "x")
    with pytest.raises(PermissionDenied):
        reorg.list_reorganisations(make_uow(), supervisor)


# ---------------------------------------------------------------- a property


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["merge", "split"]), st.lists(st.sampled_from("abcdef"), min_size=2, max_size=3)
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_whatever_is_accepted_no_unit_becomes_its_own_predecessor(
    make_uow: MakeUow, admin: CurrentUser, steps: list[tuple[str, list[str]]]
) -> None:
    for code in "ef":
        if code not in {r.code for r in units.search_units(make_uow(), admin, include_retired=True)}:
            units.add_unit(make_uow(), admin, code=code, name=f"单位{code}", category="office")
    for kind, codes in steps:
        try:
            if kind == "merge":
                reorg.merge(make_uow(), admin, codes[1:] + codes[:1], codes[1], codes[0], ON, "性质测试")
            else:
                reorg.split(make_uow(), admin, codes[0], [*codes[1:], codes[0]], ON, "性质测试")
        except RegisterRefused:
            pass  # a refused step changes nothing
    with make_uow() as uow:
        edges = uow.session.execute(
            select(ReorganisationLink.from_unit_id, ReorganisationLink.to_unit_id).where(
                ReorganisationLink.from_unit_id != ReorganisationLink.to_unit_id
            )
        ).all()
    into: dict[int, set[int]] = {}
    for a, b in edges:
        into.setdefault(b, set()).add(a)
    for unit in into:
        seen, frontier = set(), {unit}
        while frontier:
            frontier = {p for u in frontier for p in into.get(u, ())} - seen
            seen |= frontier
        assert unit not in seen
