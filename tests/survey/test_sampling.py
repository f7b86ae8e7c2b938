"""Sample sizes, allocation and the reproducible draw (survey/sampling.py): hand-computed
oracles, scipy, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.stats import norm

from survey.sampling import (
    DesignParams,
    allocate,
    design_sample,
    draw,
    margin_of_error,
    plan_unit,
    replacement_size,
    sample_size,
    stream_id,
    z_value,
)

# ---------------------------------------------------------------- sample size


@pytest.mark.parametrize("confidence", [0.80, 0.90, 0.95, 0.99, 0.999])
def test_z_is_the_two_sided_normal_quantile_of_scipy(confidence: float) -> None:
    assert_allclose(z_value(confidence), norm.ppf(1 - (1 - confidence) / 2), rtol=1e-12)


def test_the_textbook_size_for_five_points_at_95_percent() -> None:
    # n0 = z² p(1−p) / e² = 1.959964² · 0.25 / 0.0025 = 384.146
    size = sample_size(0.05)
    assert_allclose(size.z, 1.959964, atol=1e-6)
    assert_allclose(size.n0, 384.1459, atol=1e-4)
    assert size.n == 385


@pytest.mark.parametrize(
    ("p", "population", "n_fpc", "n"),
    [
        # n = n0 / (1 + (n0 − 1)/N); statistics notes §4 (N = 1000 row verified with samplics)
        (0.5, 1000, 277.7335, 278),
        (0.5, 10_000, 369.9706, 370),
        (0.5, 500, 217.4872, 218),
        (0.8, None, 245.8534, 246),
    ],
)
def test_the_finite_population_correction_matches_hand_computed_sizes(
    p: float, population: int | None, n_fpc: float, n: int
) -> None:
    size = sample_size(0.05, 0.95, p, population)
    assert_allclose(size.n_fpc, n_fpc, atol=1e-4)
    assert size.n == n


def test_the_second_form_of_the_fpc_formula_gives_the_same_size() -> None:
    # N z² p q / ((N − 1) e² + z² p q), the form samplics uses
    z, e, p, big_n = norm.ppf(0.975), 0.07, 0.3, 640
    expected = big_n * z**2 * p * (1 - p) / ((big_n - 1) * e**2 + z**2 * p * (1 - p))
    assert_allclose(sample_size(e, 0.95, p, big_n).n_fpc, expected, rtol=1e-12)


def test_an_empty_or_tiny_frame_needs_at_most_everybody() -> None:
    assert sample_size(0.05, population=0).n == 0
    assert sample_size(0.05, population=1).n == 1
    assert sample_size(0.05, population=7).n == 7


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"margin_of_error": 0.0}, "margin of error"),
        ({"margin_of_error": 0.05, "p": 1.0}, "expected proportion"),
        ({"margin_of_error": 0.05, "confidence": 1.0}, "confidence"),
        ({"margin_of_error": 0.05, "population": -1}, "negative"),
    ],
)
def test_impossible_inputs_are_refused_with_a_reason(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sample_size(**kwargs)  # type: ignore[arg-type]


def test_the_margin_of_error_inverts_the_sample_size() -> None:
    size = sample_size(0.05, population=1000)
    # at n_fpc (not rounded) the margin is exactly the target
    assert_allclose(margin_of_error(size.n_fpc, 1000), 0.05, rtol=1e-12)
    assert margin_of_error(size.n, 1000) < 0.05
    assert margin_of_error(1000, 1000) == 0.0 and math.isinf(margin_of_error(0, 1000))


@given(
    e=st.floats(0.01, 0.5),
    p=st.floats(0.01, 0.99),
    population=st.integers(0, 100_000),
    confidence=st.sampled_from([0.9, 0.95, 0.99]),
)
def test_the_size_never_exceeds_the_frame(e: float, p: float, population: int, confidence: float) -> None:
    size = sample_size(e, confidence, p, population)
    assert 0 <= size.n <= population
    # the correction only shrinks a size (below one interview it rounds up to one)
    assert size.n_fpc <= max(size.n0, 1.0) + 1e-9


@given(
    e=st.floats(0.01, 0.4),
    wider=st.floats(0.0, 0.3),
    p=st.floats(0.01, 0.99),
    population=st.one_of(st.none(), st.integers(1, 100_000)),
)
def test_a_larger_margin_of_error_never_needs_more(
    e: float, wider: float, p: float, population: int | None
) -> None:
    assert sample_size(e + wider, 0.95, p, population).n <= sample_size(e, 0.95, p, population).n


# ---------------------------------------------------------------- allocation and design


def test_largest_remainders_with_ties_to_the_first_key() -> None:
    assert allocate(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert allocate(7, {"x": 0.5, "y": 0.3, "z": 0.2}) == {"x": 4, "y": 2, "z": 1}  # 3.5, 2.1, 1.4


def test_what_a_full_group_cannot_take_goes_to_the_others() -> None:
    assert allocate(10, {"a": 3, "b": 1}, {"a": 2, "b": 100}) == {"a": 2, "b": 8}
    # zero-weight groups are used only when the weighted ones are full
    assert allocate(6, {"a": 1, "b": 0}, {"a": 4, "b": 5}) == {"a": 4, "b": 2}
    assert allocate(50, {"a": 1, "b": 1}, {"a": 3, "b": 4}) == {"a": 3, "b": 4}


@given(
    total=st.integers(0, 500),
    groups=st.dictionaries(
        st.text("abcdef", min_size=1, max_size=3),
        st.tuples(st.floats(0, 10), st.integers(0, 200)),
        max_size=6,
    ),
)
def test_an_allocation_sums_to_what_fits_and_respects_every_capacity(
    total: int, groups: dict[str, tuple[float, int]]
) -> None:
    weights = {g: w for g, (w, _) in groups.items()}
    capacity = {g: c for g, (_, c) in groups.items()}
    out = allocate(total, weights, capacity)
    assert sum(out.values()) == min(total, sum(capacity.values()))
    assert all(0 <= out[g] <= capacity[g] for g in groups)


def test_a_unit_plan_divides_by_the_response_rate_and_caps_at_the_frame() -> None:
    params = DesignParams(margin_of_error=0.05, response_rate=0.4, attempts_per_case=2.5)
    big = plan_unit("u1", {"": 1000}, params)
    # 278 completes / 0.4 = 695 to draw; 695 · 0.4 = 278 expected completes; 695 · 2.5 calls
    assert (big.target_completes, big.to_draw, big.capped) == (278, 695, False)
    assert_allclose((big.expected_completes, big.expected_calls), (278.0, 1737.5))
    assert big.expected_margin <= 0.05
    small = plan_unit("u2", {"": 300}, params)
    # 300 → n = 384.15 / (1 + 383.15/300) = 168.7 → 169; 169 / 0.4 = 423 > 300: everybody, capped
    assert (small.target_completes, small.to_draw, small.capped) == (169, 300, True)
    assert small.expected_margin > 0.05


def test_a_fixed_size_replaces_the_formula() -> None:
    params = DesignParams(fixed_completes=30, response_rate=0.5)
    assert (plan_unit("u", {"": 200}, params).to_draw, plan_unit("u", {"": 40}, params).to_draw) == (60, 40)
    assert plan_unit("u", {"": 20}, params).target_completes == 20


def test_quotas_follow_the_frame_or_the_given_shares() -> None:
    frame = {"public": 300, "client": 100}
    proportional = plan_unit("u", frame, DesignParams(margin_of_error=0.1, response_rate=0.5, quotas=True))
    assert proportional.to_draw == 156  # 78 completes / 0.5
    assert proportional.groups == (("client", 100, 39, 20), ("public", 300, 117, 58))
    shares = DesignParams(
        margin_of_error=0.1, response_rate=0.5, quotas=True, group_shares=(("public", 0.5), ("client", 0.5))
    )
    assert plan_unit("u", frame, shares).groups == (("client", 100, 78, 39), ("public", 300, 78, 39))


def test_the_design_totals_add_up_over_units() -> None:
    params = DesignParams(margin_of_error=0.1, response_rate=0.5, attempts_per_case=3)
    design = design_sample({"a": {"": 50}, "b": {"": 500}, "c": {}}, params)
    assert [u.unit for u in design.units] == ["a", "b", "c"]
    assert design.to_draw == sum(u.to_draw for u in design.units)
    assert design.expected_calls == 3 * design.to_draw and design.capped_units == 1
    assert design.units[2].to_draw == 0


def test_bad_parameters_are_listed() -> None:
    bad = DesignParams(margin_of_error=2, response_rate=0, attempts_per_case=0.5, fixed_completes=None)
    assert len(bad.problems()) == 3
    with pytest.raises(ValueError, match="response rate"):
        plan_unit("u", {"": 10}, bad)


# ---------------------------------------------------------------- draw

keys_strategy = st.lists(st.text("0123456789abcdef", min_size=4, max_size=8), unique=True, max_size=80)


@settings(max_examples=60)
@given(keys=keys_strategy, n=st.integers(0, 100), seed=st.integers(0, 2**63 - 1), batch=st.integers(1, 5))
def test_the_draw_is_a_subset_without_repeats(keys: list[str], n: int, seed: int, batch: int) -> None:
    drawn = draw(keys, n, seed, batch, "u1")
    assert len(drawn) == min(n, len(keys)) and len(set(drawn)) == len(drawn) and set(drawn) <= set(keys)


@settings(max_examples=60)
@given(keys=keys_strategy, n=st.integers(0, 100), seed=st.integers(0, 2**32), data=st.data())
def test_the_same_seed_gives_the_same_draw_whatever_the_order_of_the_rows(
    keys: list[str], n: int, seed: int, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(keys))
    assert draw(keys, n, seed, 1, "u1", "g") == draw(shuffled, n, seed, 1, "u1", "g")


def test_batches_units_and_groups_have_their_own_streams() -> None:
    keys = [f"{k:04d}" for k in range(200)]
    first = draw(keys, 20, 7, 1, "u1")
    assert draw(keys, 20, 7, 2, "u1") != first
    assert draw(keys, 20, 7, 1, "u2") != first
    assert draw(keys, 20, 7, 1, "u1", "client") != first
    assert draw(keys, 20, 8, 1, "u1") != first


def test_the_stream_is_pcg64_of_a_seed_sequence_spawned_by_batch_unit_and_group() -> None:
    # written down in the design record, so anyone can redo a draw with numpy alone
    keys = [f"h{k:03d}" for k in range(50)]
    sequence = np.random.SeedSequence(123, spawn_key=(3, stream_id("u7"), stream_id("")))
    picks = np.random.Generator(np.random.PCG64(sequence)).choice(50, size=5, replace=False)
    assert draw(list(reversed(keys)), 5, 123, 3, "u7") == tuple(sorted(keys)[i] for i in picks)
    assert stream_id("u7") == int.from_bytes(__import__("hashlib").sha256(b"u7").digest()[:4], "big")


def test_a_draw_refuses_repeated_keys_and_negative_sizes() -> None:
    with pytest.raises(ValueError, match="unique"):
        draw(["a", "a"], 1, 1, 1, "u")
    with pytest.raises(ValueError, match="negative"):
        draw(["a"], -1, 1, 1, "u")
    with pytest.raises(ValueError, match="batches"):
        draw(["a"], 1, 1, 0, "u")


def test_a_replacement_batch_covers_the_shortfall_at_the_response_rate() -> None:
    assert replacement_size(20, 14, 0.5, 60) == 12
    assert replacement_size(20, 14, 0.5, 5) == 5
    assert replacement_size(20, 20, 0.5, 60) == 0
    assert replacement_size(20, 19, 0.3, 60) == 4  # 1 / 0.3 = 3.3 → 4
