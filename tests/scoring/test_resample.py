"""The bootstrap's draws (scoring/resample.py and its compiled kernel): a cell is resampled
with replacement, exactly, with numpy's own bounded integers; what is drawn depends on the
seeds alone, not on the threads; cells and tiles do not depend on the input order."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from scoring import resample
from scoring.resample import Cells, make_cells, plan_tiles, resampled_means


@dataclass(frozen=True)
class Moments:
    mean: float
    var: float
    fourth: float  # central fourth moment, for the standard error of a sample variance


def exact_bootstrap_moments(score: np.ndarray, weight: np.ndarray) -> Moments:
    """Mean, variance and fourth moment of Σw·r / Σw over all nⁿ equally likely resamples."""
    n = score.size
    idx = np.array(list(itertools.product(range(n), repeat=n)))
    means = (score[idx] * weight[idx]).sum(axis=1) / weight[idx].sum(axis=1)
    mu = means.mean()
    return Moments(float(mu), float(((means - mu) ** 2).mean()), float(((means - mu) ** 4).mean()))


def draw(cells: Cells, reps: int, seed: int, threads: int = 1) -> np.ndarray:
    bounds = plan_tiles(cells)
    seeds = np.random.SeedSequence(seed).spawn(bounds.size - 1)
    return resampled_means(cells, bounds, seeds, reps, threads).T  # replicates × cells


def draw_one_cell(score: np.ndarray, weight: np.ndarray | None, *, reps: int, seed: int) -> np.ndarray:
    cells, _ = make_cells(np.zeros(score.size, dtype=np.int64), score, weight)
    return draw(cells, reps, seed)[:, 0]


def assert_moments_match(draws: np.ndarray, exact: Moments) -> None:
    """Sample mean and variance within 4.5 standard errors of the exact ones (fixed seeds:
    deterministic; a wrong draw, e.g. one row never drawn, is off by dozens of errors)."""
    r = draws.size
    assert abs(draws.mean() - exact.mean) <= 4.5 * np.sqrt(exact.var / r)
    se_var = np.sqrt((exact.fourth - exact.var**2) / r)
    assert abs(draws.var() - exact.var) <= 4.5 * se_var


# Six weighted responses with a repeated (score, weight) pair and a repeated score under
# another weight: each is a row of its own.
SCORE = np.array([100.0, 100.0, 60.0, 0.0, 60.0, 86.66666666666667])
WEIGHT = np.array([0.8, 0.8, 1.7, 1.2, 0.8, 2.5])


def test_a_weighted_cell_has_the_exact_bootstrap_mean_and_variance() -> None:
    exact = exact_bootstrap_moments(SCORE, WEIGHT)
    assert_moments_match(draw_one_cell(SCORE, WEIGHT, reps=40_000, seed=5), exact)


def test_an_unweighted_cell_has_variance_sigma_squared_over_n() -> None:
    # A big cell on a coarse scale: 600 rows, three distinct scores.
    score = np.repeat([0.0, 60.0, 100.0], [90, 210, 300])
    n = score.size
    var = score.var() / n  # the exact bootstrap variance of a plain mean (divisor n)
    fourth = ((score - score.mean()) ** 4).mean() / n**3 + 3 * (n - 1) * var**2 / n  # of a mean of n draws
    draws = draw_one_cell(score, None, reps=40_000, seed=6)
    assert_moments_match(draws, Moments(float(score.mean()), float(var), float(fourth)))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_the_drawn_rows_are_exactly_numpys_bounded_integers_from_each_tiles_pcg64(
    monkeypatch: pytest.MonkeyPatch, weighted: bool
) -> None:
    # Rows score their position in the cell (times a weight of 1 to 3): every sum is an
    # integer, exact in any order, so the means must match to the last bit. Tiles of
    # several cells of several sizes: one row (no draw, as in numpy), a power of two, odd.
    monkeypatch.setattr(resample, "ROWS_PER_TILE", 64)
    sizes = [1, 7, 64, 3, 1, 100, 33, 2, 99]
    key = np.repeat(np.arange(len(sizes)), sizes)
    position = np.concatenate([np.arange(n, dtype=np.float64) for n in sizes])
    w = (1.0 + (np.arange(key.size) % 3)) if weighted else None
    cells, _ = make_cells(key, position, w)
    reps = 37
    bounds = plan_tiles(cells)
    assert bounds.size - 1 >= 3
    seeds = np.random.SeedSequence(11).spawn(bounds.size - 1)
    got = resampled_means(cells, bounds, seeds, reps, 2).T

    expected = np.empty_like(got)
    for t in range(bounds.size - 1):
        gen = np.random.Generator(np.random.PCG64(seeds[t]))
        for c in range(bounds[t], bounds[t + 1]):
            lo, n = cells.starts[c], cells.size[c]
            idx = lo + gen.integers(0, n, size=(reps, n), dtype=np.int64)
            num = cells.value[idx].sum(axis=1)
            den = cells.weight[idx].sum(axis=1) if cells.weight is not None else n
            expected[:, c] = num / den
    assert_array_equal(got, expected)


def test_the_kernels_rejection_rule_is_numpys_for_bounds_up_to_two_to_the_32() -> None:
    # The kernel's rule, copied, on bounds where rejection is rare and where it is
    # frequent (3·2²⁹ + 1 rejects a quarter of the draws): cells that large cannot be held.
    def bounded(n: int, k: int, next_uint32, state: int) -> np.ndarray:  # type: ignore[no-untyped-def]
        out = np.empty(k, dtype=np.int64)
        n64 = np.uint64(n)
        threshold = (np.uint64(1 << 32) - n64) % n64
        for j in range(k):
            m = np.uint64(next_uint32(state)) * n64
            while (m & np.uint64(0xFFFFFFFF)) < threshold:
                m = np.uint64(next_uint32(state)) * n64
            out[j] = np.int64(m >> np.uint64(32))
        return out

    rule = numba.njit(bounded)
    for n in (2, 3, 100, 65_537, 3 * 2**29 + 1, 2**32 - 1):
        ours, theirs = np.random.PCG64(n), np.random.PCG64(n)
        got = rule(n, 2000, ours.ctypes.next_uint32, ours.ctypes.state_address)
        assert_array_equal(got, np.random.Generator(theirs).integers(0, n, 2000, dtype=np.int64))


def test_the_same_seeds_give_the_same_means_on_one_or_two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resample, "ROWS_PER_TILE", 64)  # many tiles
    rng = np.random.default_rng(2)
    key = np.r_[rng.integers(0, 300, 20_000), np.repeat(np.arange(5), 500)]
    score = rng.choice([0.0, 30.0, 60.0, 100.0], key.size)
    weight = rng.choice([0.7, 1.3], key.size)
    cells, _ = make_cells(key, score, weight)
    one = draw(cells, 50, 9, threads=1)
    assert_array_equal(one, draw(cells, 50, 9, threads=2))
    assert not np.isnan(one).any()
    assert not np.array_equal(one, draw(cells, 50, 10, threads=2))


def test_a_resampled_mean_stays_within_its_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    # Cells far apart in value: a draw from a neighbouring cell would show at once.
    monkeypatch.setattr(resample, "ROWS_PER_TILE", 8)
    key = np.repeat(np.arange(6), [1, 2, 3, 7, 7, 50])
    base = np.repeat(np.arange(6) * 10.0, [1, 2, 3, 7, 7, 50])
    score = base + np.random.default_rng(0).random(key.size)
    cells, _ = make_cells(key, score, None)
    means = draw(cells, 257, 3)
    assert ((means >= np.arange(6) * 10.0) & (means < np.arange(6) * 10.0 + 1)).all()


def test_cells_do_not_depend_on_the_order_of_the_rows() -> None:
    rng = np.random.default_rng(1)
    key = rng.integers(0, 20, 500)
    score = rng.choice([0.0, 60.0, 100.0], 500)
    weight = rng.choice([0.5, 1.0, 2.0], 500)
    a, ka = make_cells(key, score, weight)
    order = rng.permutation(500)
    b, kb = make_cells(key[order], score[order], weight[order])
    assert_array_equal(ka, kb)
    assert_array_equal(a.value, b.value)
    assert a.weight is not None and b.weight is not None
    assert_array_equal(a.weight, b.weight)
    assert_array_equal(a.starts, b.starts)


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 3000), min_size=1, max_size=40), per_tile=st.sampled_from([1, 64, 8192]))
def test_tiles_are_runs_of_consecutive_cells_covering_each_cell_once(sizes: list[int], per_tile: int) -> None:
    key = np.repeat(np.arange(len(sizes)), sizes)
    cells, _ = make_cells(key, np.zeros(key.size), None)
    saved = resample.ROWS_PER_TILE
    resample.ROWS_PER_TILE = per_tile
    try:
        bounds = plan_tiles(cells)
    finally:
        resample.ROWS_PER_TILE = saved
    assert bounds[0] == 0 and bounds[-1] == len(sizes)
    assert (np.diff(bounds) > 0).all()
    # A tile starts where the rows before a cell cross a multiple of ROWS_PER_TILE.
    tile = cells.starts // per_tile
    assert_array_equal(
        np.repeat(np.arange(bounds.size - 1), np.diff(bounds)), np.unique(tile, return_inverse=True)[1]
    )


def test_an_empty_cell_set_has_one_bound_and_no_means() -> None:
    cells, keys = make_cells(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    assert isinstance(cells, Cells) and cells.n_cells == 0 and keys.size == 0
    assert_array_equal(plan_tiles(cells), [0])
    assert resampled_means(cells, plan_tiles(cells), [], 5, 1).shape == (0, 5)


# Few distinct values, so that ties in the key, the weight and the score are common.
few_values = st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.5, 100.0]), min_size=0, max_size=60)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n_keys=st.integers(1, 12), threads=st.sampled_from([1, 2]))
def test_the_compiled_cell_order_is_numpys_lexsort(data: st.DataObject, n_keys: int, threads: int) -> None:
    from scoring.resample_kernel import cell_order

    first = np.array(data.draw(few_values))
    second = np.array(
        data.draw(st.lists(st.sampled_from([0.0, 1.0, 3.0]), min_size=first.size, max_size=first.size))
    )
    key = np.array(
        data.draw(st.lists(st.integers(0, n_keys - 1), min_size=first.size, max_size=first.size)),
        dtype=np.int64,
    )
    if first.size == 0:
        return
    assert_array_equal(cell_order(key, first, second, threads), np.lexsort((second, first, key)))
    assert_array_equal(cell_order(key, first, None, threads), np.lexsort((first, key)))


def test_cells_with_keys_beyond_the_counting_sort_are_made_by_lexsort_alike() -> None:
    rng = np.random.default_rng(3)
    key = rng.integers(0, 5, 200) * 10**9  # too sparse for the counting sort's buckets
    score = rng.integers(0, 5, 200) * 25.0
    weight = rng.integers(1, 4, 200) * 0.5
    cells, keys = make_cells(key, score, weight)
    dense, dense_keys = make_cells(key // 10**9, score, weight)
    assert_array_equal(keys // 10**9, dense_keys)
    assert_array_equal(cells.value, dense.value)
    assert_array_equal(cells.weight, dense.weight)


@settings(max_examples=150, deadline=None)
@given(
    sizes=st.lists(st.one_of(st.integers(1, 30), st.sampled_from([129, 130, 200])), min_size=1, max_size=12),
    reps=st.integers(1, 9),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_compiled_unit_means_are_numpys_reduceat_bit_for_bit(
    sizes: list[int], reps: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    n_cells = sum(sizes)
    means = rng.uniform(0, 100, (n_cells, reps))
    gamma = rng.choice([0.0, 0.3, 1.0, 1.7], n_cells)
    starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    gamma_sum = np.add.reduceat(gamma, starts)
    units = rng.permutation(len(sizes) + 3)[: len(sizes)].astype(np.int64)
    expected = np.full((reps + 2, len(sizes) + 3), -1.0)
    num = np.add.reduceat(means * gamma[:, None], starts, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        num /= gamma_sum[:, None]
    expected[1 : 1 + reps, units] = np.clip(num, 0.0, 100.0).T
    out = np.full_like(expected, -1.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # units whose γ sum is 0, as numpy
        resample.survey_unit_means(means, gamma, starts, gamma_sum, units, 1, out, 2)
    assert_array_equal(out.view(np.int64), expected.view(np.int64))
