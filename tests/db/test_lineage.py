"""Earlier years follow units through reorganisations (services/lineage.py, pure)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.lineage import (
    Derived,
    Link,
    PastYear,
    Step,
    derive,
    format_via,
    parse_via,
)

D23, D24, D25 = date(2023, 3, 1), date(2024, 3, 1), date(2025, 1, 1)


def year(y: int, took_part: str, worst: str = "") -> PastYear:
    """A past year whose units are the letters of ``took_part`` (worst: of ``worst``)."""
    return PastYear(y, f"c-{y}", frozenset(took_part), frozenset(worst))


def table(entries: list[Derived]) -> set[tuple[object, int, bool, object, str]]:
    return {(e.unit, e.year, e.unsatisfactory, e.source_unit, e.via) for e in entries}


def test_a_unit_without_reorganisations_has_its_own_years() -> None:
    years = [year(2023, "AB", "A"), year(2024, "AB", "B")]
    assert table(derive(["A", "B"], years)) == {
        ("A", 2023, True, "A", ""),
        ("A", 2024, False, "A", ""),
        ("B", 2023, False, "B", ""),
        ("B", 2024, True, "B", ""),
    }


def test_a_year_in_which_no_ancestor_took_part_gives_no_entry() -> None:
    assert derive(["N"], [year(2024, "AB", "A")]) == []


def test_a_renamed_unit_keeps_its_own_past_and_names_the_rename() -> None:
    links = [Link("rename", D24, "A", "A", event=1)]
    assert table(derive(["A"], [year(2023, "A", "A"), year(2024, "A")], links)) == {
        ("A", 2023, True, "A", "rename 2024-03-01"),
        ("A", 2024, False, "A", ""),  # the rename came before the 2024 appraisal's year ended
    }


def test_a_moved_unit_keeps_its_own_past() -> None:
    links = [Link("move", D24, "A", "A", event=1)]
    assert table(derive(["A"], [year(2023, "A", "A")], links)) == {("A", 2023, True, "A", "move 2024-03-01")}


def test_a_merged_unit_takes_the_past_of_its_principal_predecessor_only() -> None:
    links = [
        Link("merge", D25, "A", "C", principal=True, event=1),
        Link("merge", D25, "B", "C", event=1),
    ]
    years = [year(2023, "AB", "A"), year(2024, "AB", "AB")]
    assert table(derive(["C"], years, links)) == {
        ("C", 2023, True, "A", "merge 2025-01-01 (principal)"),
        ("C", 2024, True, "A", "merge 2025-01-01 (principal)"),
    }


def test_a_merged_unit_inherits_nothing_from_a_predecessor_that_is_not_principal() -> None:
    links = [
        Link("merge", D25, "A", "C", principal=True, event=1),
        Link("merge", D25, "B", "C", event=1),
    ]
    # only B (the other predecessor) was on the worst list: C's past is A's, satisfactory
    assert table(derive(["C"], [year(2024, "AB", "B")], links)) == {
        ("C", 2024, False, "A", "merge 2025-01-01 (principal)")
    }


def test_a_unit_that_absorbs_another_keeps_its_own_past() -> None:
    links = [
        Link("merge", D25, "A", "A", principal=True, event=1),
        Link("merge", D25, "B", "A", event=1),
    ]
    assert table(derive(["A"], [year(2024, "AB", "B")], links)) == {("A", 2024, False, "A", "")}


def test_each_part_of_a_split_takes_the_past_of_the_unit_it_came_from() -> None:
    links = [Link("split", D25, "A", "P", event=1), Link("split", D25, "A", "Q", event=1)]
    assert table(derive(["P", "Q"], [year(2024, "A", "A")], links)) == {
        ("P", 2024, True, "A", "split 2025-01-01"),
        ("Q", 2024, True, "A", "split 2025-01-01"),
    }


def test_a_chain_across_three_years_follows_the_closest_ancestor_each_year() -> None:
    # A → B renamed with a new code in 2023 (legacy successor), B + C → D in 2024 (B principal)
    links = [
        Link("merge", D24, "B", "D", principal=True, event=2),
        Link("merge", D24, "C", "D", event=2),
    ]
    successors = [("A", "B"), ("B", "D"), ("C", "D")]  # the merger also sets successor_id
    years = [year(2022, "AC", "A"), year(2023, "BC", "B"), year(2024, "D", "D")]
    assert table(derive(["D"], years, links, successors)) == {
        ("D", 2022, True, "A", "successor; merge 2024-03-01 (principal)"),
        ("D", 2023, True, "B", "merge 2024-03-01 (principal)"),
        ("D", 2024, True, "D", ""),
    }


def test_renames_and_structural_steps_are_listed_oldest_first() -> None:
    links = [
        Link("rename", D24, "A", "A", event=1),
        Link("merge", D25, "A", "C", principal=True, event=2),
        Link("rename", date(2025, 6, 1), "C", "C", event=3),
    ]
    [entry] = derive(["C"], [year(2023, "A", "A")], links)
    assert entry.via == "rename 2024-03-01; merge 2025-01-01 (principal); rename 2025-06-01"


def test_a_legacy_successor_with_several_predecessors_is_not_followed() -> None:
    # two units pointing at one successor without a reorganisation: no principal is known
    assert derive(["C"], [year(2024, "AB", "AB")], successors=[("A", "C"), ("B", "C")]) == []


def test_a_legacy_successor_with_one_predecessor_is_followed_like_a_rename() -> None:
    assert table(derive(["B"], [year(2023, "A", "A")], successors=[("A", "B")])) == {
        ("B", 2023, True, "A", "successor")
    }


def test_reorganisations_after_the_reference_date_are_not_yet_followed() -> None:
    links = [Link("split", date(2026, 1, 1), "A", "P", event=1)]
    assert derive(["P"], [year(2024, "A", "A")], links, until=date(2025, 12, 31)) == []
    assert len(derive(["P"], [year(2024, "A", "A")], links, until=date(2026, 12, 31))) == 1


def test_a_cycle_of_links_ends_without_an_entry() -> None:
    links = [Link("split", D24, "A", "B", event=1), Link("split", D25, "B", "A", event=2)]
    assert derive(["A"], [year(2023, "X", "X")], links) == []


def test_the_depth_guard_stops_a_long_chain() -> None:
    chain = [Link("split", D24, f"u{i + 1}", f"u{i}", event=i) for i in range(20)]
    past = [PastYear(2023, "c", frozenset({"u20"}), frozenset({"u20"}))]
    assert derive(["u0"], past, chain, max_depth=20)[0].source_unit == "u20"
    assert derive(["u0"], past, chain, max_depth=19) == []


def test_two_campaigns_of_one_year_are_refused() -> None:
    with pytest.raises(ValueError, match="one campaign per earlier year"):
        derive(["A"], [year(2024, "A"), year(2024, "A")])


def test_via_reads_back_into_its_steps_and_keeps_unknown_text() -> None:
    steps = [Step("rename", D24), Step("merge", D25, principal=True), Step("successor")]
    assert parse_via(format_via(steps)) == steps
    assert parse_via("rename 2024-03-01; by hand") == [Step("rename", D24), "by hand"]
    assert parse_via("") == []


def test_a_via_too_long_to_store_gives_way_in_the_middle() -> None:
    steps = [Step("rename", date(2000 + i, 1, 1)) for i in range(40)]
    text = format_via(steps, width=100)
    assert len(text) <= 100
    assert text.startswith("rename 2000-01-01") and text.endswith("rename 2039-01-01")
    assert "…" in text


@given(
    took_part=st.lists(st.sets(st.sampled_from("ABCDEF")), min_size=1, max_size=5),
    data=st.data(),
)
def test_without_reorganisations_a_unit_gets_exactly_its_own_worst_list_years(
    took_part: list[set[str]], data: st.DataObject
) -> None:
    past = []
    for offset, units in enumerate(took_part):
        worst = data.draw(st.sets(st.sampled_from(sorted(units)))) if units else set()
        past.append(PastYear(2020 + offset, f"c{offset}", frozenset(units), frozenset(worst)))
    entries = derive("ABCDEF", past)
    for unit in "ABCDEF":
        mine = {(e.year, e.unsatisfactory) for e in entries if e.unit == unit}
        assert mine == {(p.year, unit in p.worst) for p in past if unit in p.took_part}
    assert all(e.source_unit == e.unit and e.via == "" for e in entries)
