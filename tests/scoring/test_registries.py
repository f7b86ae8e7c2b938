"""scoring/registries.py: the three rates pooled over visits, head-count checks and the
deductions from findings and cases, against hand-computed values and as properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.registries import (
    CASE_SUBTYPES,
    HARMS,
    case_deduction,
    check_head_counts,
    finding_deductions,
    three_rates,
)


def rates(visits: list[tuple[int, int, int, int, int]], n_units: int):  # type: ignore[no-untyped-def]
    """``visits`` as (unit, expected, present, on post, focused)."""
    cols = list(zip(*visits, strict=True)) if visits else [(), (), (), (), ()]
    return three_rates(*(np.array(c, dtype=np.int64) for c in cols), n_units)


def test_the_vocabularies_are_the_seeds() -> None:
    assert "".join(HARMS) == "冷硬推等靠要庸懒散假慢拖" and len(set(HARMS)) == 12
    assert {k: len(v) for k, v in CASE_SUBTYPES.items()} == {"inaction": 5, "slow": 4, "misconduct": 4}
    assert sum(len(v) for v in CASE_SUBTYPES.values()) == 13


def test_two_visits_pool_by_head_count_not_by_visit() -> None:
    # (10, 9, 8, 7) and (5, 5, 4, 4): 14/15, 12/15, 11/15 — not the mean of 90% and 100%
    r = rates([(0, 10, 9, 8, 7), (0, 5, 5, 4, 4), (2, 4, 4, 4, 2)], 3)
    assert r.visits.tolist() == [2, 0, 1]
    assert (r.expected.tolist(), r.present.tolist(), r.on_post.tolist(), r.focused.tolist()) == (
        [15, 0, 4],
        [14, 0, 4],
        [12, 0, 4],
        [11, 0, 2],
    )
    assert round(r.attendance_rate[0], 2) == 93.33
    assert round(r.on_post_rate[0], 2) == 80.00
    assert round(r.focus_rate[0], 2) == 73.33
    assert (r.attendance_rate[2], r.on_post_rate[2], r.focus_rate[2]) == (100.0, 100.0, 50.0)
    assert math.isnan(r.attendance_rate[1]) and math.isnan(r.focus_rate[1])  # no visit: no rate


def test_a_unit_index_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        rates([(3, 1, 1, 1, 1)], 3)
    with pytest.raises(ValueError, match="out of range"):
        rates([(-1, 1, 1, 1, 1)], 3)
    assert rates([], 2).visits.tolist() == [0, 0]


@pytest.mark.parametrize(
    ("counts", "problem"),
    [
        ((5, 5, 5, 5), None),
        ((1, 0, 0, 0), None),
        ((0, 0, 0, 0), "at least one member of staff"),
        ((5, 6, 5, 5), "present (6) exceeds expected (5)"),
        ((5, 4, 5, 4), "on post (5) exceeds present (4)"),
        ((5, 5, 3, 4), "focused (4) exceeds on post (3)"),
        ((5, -1, 0, 0), "cannot be negative"),
    ],
)
def test_head_counts(counts: tuple[int, int, int, int], problem: str | None) -> None:
    found = check_head_counts(*counts)
    assert found == problem if problem is None else problem in (found or "")


def test_finding_deductions_by_hand() -> None:
    assert finding_deductions(np.array([0, 1, 3, 40]), 0.5, 10.0).tolist() == [0.0, 0.5, 1.5, 10.0]
    assert finding_deductions(np.array([3]), 4.0, 10.0).tolist() == [10.0]  # 12 capped
    with pytest.raises(ValueError):
        finding_deductions(np.array([1]), -0.5, 10.0)
    with pytest.raises(ValueError):
        finding_deductions(np.array([1]), 0.5, -1.0)


def test_case_deduction_by_hand() -> None:
    points = {"inaction": 3.0, "slow": 2.0, "misconduct": 12.0}
    assert case_deduction("inaction", points, 10.0) == 3.0
    assert case_deduction("misconduct", points, 10.0) == 10.0
    assert case_deduction("slow", {}, 10.0) == 0.0
    with pytest.raises(ValueError, match="unknown case type"):
        case_deduction("laziness", points, 10.0)
    with pytest.raises(ValueError):
        case_deduction("slow", {"slow": -1.0}, 10.0)


@st.composite
def visit_lists(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, int, int, int]]]:
    n_units = draw(st.integers(1, 6))
    visits = []
    for _ in range(draw(st.integers(0, 25))):
        expected = draw(st.integers(1, 200))
        present = draw(st.integers(0, expected))
        on_post = draw(st.integers(0, present))
        focused = draw(st.integers(0, on_post))
        visits.append((draw(st.integers(0, n_units - 1)), expected, present, on_post, focused))
    return n_units, visits


@settings(max_examples=150, deadline=None)
@given(visit_lists())
def test_rates_are_the_pooled_shares_and_nest(case: tuple[int, list[tuple[int, int, int, int, int]]]) -> None:
    n_units, visits = case
    r = rates(visits, n_units)
    for u in range(n_units):
        mine = [v for v in visits if v[0] == u]
        assert r.visits[u] == len(mine)
        if not mine:
            assert math.isnan(r.attendance_rate[u])
            continue
        expected = sum(v[1] for v in mine)
        assert r.attendance_rate[u] == pytest.approx(100 * sum(v[2] for v in mine) / expected)
        assert r.on_post_rate[u] == pytest.approx(100 * sum(v[3] for v in mine) / expected)
        assert r.focus_rate[u] == pytest.approx(100 * sum(v[4] for v in mine) / expected)
        # nobody is focused who is not on post, nor on post who is absent
        assert 0 <= r.focus_rate[u] <= r.on_post_rate[u] <= r.attendance_rate[u] <= 100
        # the pooled rate lies between the visits' own rates
        own = [100 * v[2] / v[1] for v in mine]
        assert min(own) - 1e-9 <= r.attendance_rate[u] <= max(own) + 1e-9
    # the order of the visits does not matter
    again = rates(list(reversed(visits)), n_units)
    np.testing.assert_array_equal(again.expected, r.expected)
    np.testing.assert_array_equal(again.focused, r.focused)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 1000), max_size=20),
    st.floats(0, 20, allow_nan=False),
    st.floats(0, 50, allow_nan=False),
)
def test_finding_deductions_are_monotone_and_capped(counts: list[int], per: float, cap: float) -> None:
    got = finding_deductions(np.array(counts, dtype=np.int64), per, cap)
    assert got.shape == (len(counts),)
    for n, points in zip(counts, got.tolist(), strict=True):
        assert 0 <= points <= cap
        assert points == pytest.approx(min(n * per, cap))
    order = np.argsort(counts, kind="stable")
    assert np.all(np.diff(got[order]) >= 0)
