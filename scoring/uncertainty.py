"""Bootstrap uncertainty of scores and ranks (置信区间), methodology §7.

Within each unit, valid survey responses are resampled with replacement within
each respondent group (weights travel with their response, no re-raking) and
complete phone cases are resampled with replacement; indicator scores and
adjustments stay fixed; F and ranks are recomputed with eligibility and list sizes
fixed as in the main run.

Notes
-----
Replicates are drawn in blocks: every block has its own generator, spawned from
``SeedSequence(seed)``, and fills a fixed slice of the replicate axis, so results
do not depend on how many threads run the blocks. A resampled index is
``start + ⌊u·n⌋`` with u uniform on [0, 1) in double precision; ⌊u·n⌋ < n holds
exactly in floating point, so no draw leaves its cell. Groups with γ = 0 do not
enter F and are not resampled.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.inputs import BoolArray, FloatArray, IntArray
from scoring.ranking import RankingGroups, list_membership, rank_units

# Elements drawn per block (replicates × resampled rows): large enough to amortise
# numpy's per-call cost, small enough to keep three buffers per thread in cache-friendly
# sizes and well under the memory budget at city scale.
BLOCK_ELEMENTS = 4_000_000
MAX_THREADS = 4


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """Bootstrap summaries per unit (NaN where not applicable).

    Attributes
    ----------
    final_ci : float64[n_units, 2], 95% percentile interval of F.
    rank_ci : float64[n_units, 2], 95% interval of the rank (ranked units only).
    p_best, p_worst : float64[n_units], share of replicates in the best / worst list.
    replicates : int, number of replicates drawn.
    """

    final_ci: FloatArray
    rank_ci: FloatArray
    p_best: FloatArray
    p_worst: FloatArray
    replicates: int


@dataclass(frozen=True, slots=True)
class _Cells:
    """Rows grouped into contiguous resampling cells."""

    # What is summed per draw: r when every weight is 1, else w·r + i·w as one complex
    # number, so that a single gather and a single segment sum give both Σw·r and Σw.
    value: npt.NDArray[np.float64] | npt.NDArray[np.complex128]
    weighted: bool
    n_per_row: FloatArray  # size of the row's cell
    start_per_row: IntArray  # first row of the row's cell
    starts: IntArray  # first row of each cell
    size: FloatArray  # rows per cell

    @property
    def rows(self) -> int:
        return int(self.value.shape[0])


def _make_cells(key: IntArray, value: FloatArray, weight: FloatArray | None) -> tuple[_Cells, IntArray]:
    """Group rows by ``key``; within a cell, rows are ordered by value and weight so
    that the draws do not depend on the order of the input files."""
    sort_keys = (value, key) if weight is None else (weight, value, key)
    order = np.lexsort(sort_keys)
    key = key[order]
    if key.size == 0:
        z = np.zeros(0, dtype=np.int64)
        return _Cells(np.zeros(0), weight is not None, np.zeros(0), z, z, np.zeros(0)), z
    new_cell = np.r_[True, key[1:] != key[:-1]]
    boundary = np.flatnonzero(new_cell)
    size = np.diff(np.r_[boundary, key.size]).astype(np.float64)
    cell_of_row = np.cumsum(new_cell) - 1
    if weight is None:
        summed = value[order]
    else:
        w = weight[order]
        summed = (value[order] * w) + 1j * w
    cells = _Cells(
        value=summed,
        weighted=weight is not None,
        n_per_row=size[cell_of_row],
        start_per_row=boundary[cell_of_row].astype(np.int64),
        starts=boundary.astype(np.int64),
        size=size,
    )
    return cells, key[boundary]


class _Buffers(threading.local):
    def get(self, n: int, dtype: type) -> tuple[FloatArray, IntArray, np.ndarray]:
        have = getattr(self, "bufs", None)
        if have is None or have[0].shape[0] < n:
            self.bufs = (np.empty(n), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.complex128))
        u, idx, v = self.bufs
        # the complex buffer doubles as a float buffer of the same length
        out = v[:n] if dtype is np.complex128 else v.view(np.float64)[:n]
        return u[:n], idx[:n], out


def _resampled_means(cells: _Cells, gen: np.random.Generator, reps: int, buffers: _Buffers) -> FloatArray:
    """Mean of each cell's resample in ``reps`` replicates: float64[reps, n_cells]."""
    n = cells.rows
    if n == 0:
        return np.zeros((reps, 0))
    u, idx, v = buffers.get(reps * n, np.complex128 if cells.weighted else np.float64)
    gen.random(out=u)
    u2, idx2 = u.reshape(reps, n), idx.reshape(reps, n)
    np.multiply(u2, cells.n_per_row, out=u2)
    np.copyto(idx2, u2, casting="unsafe")
    np.add(idx2, cells.start_per_row, out=idx2)
    offsets = (np.arange(reps)[:, None] * n + cells.starts[None, :]).ravel()
    np.take(cells.value, idx, out=v, mode="clip")
    total = np.add.reduceat(v, offsets).reshape(reps, -1)
    mean = total / cells.size if not cells.weighted else total.real / total.imag
    return np.clip(mean, 0.0, 100.0, out=mean)


def _replicate_finals(
    survey_rep: FloatArray, phone_rep: FloatArray, bigdata: FloatArray, weights: FloatArray, net: FloatArray
) -> FloatArray:
    """F in every replicate: C_u of methodology §5 plus the fixed net adjustment.

    Which components a unit has does not change under resampling, so each unit's
    component weights are normalised once and the replicate composite is two
    scaled additions (the main run uses :func:`composite_score` directly).
    """
    available = ~np.isnan(np.stack([survey_rep[0], phone_rep[0], bigdata]))
    share = np.where(available, weights[:, None], 0.0)
    total = share.sum(axis=0)
    share = np.divide(share, total, out=np.zeros_like(share), where=total > 0)
    fixed = np.where(available[2], share[2] * bigdata, 0.0) + net
    final = np.where(available[0], survey_rep, 0.0)
    final *= share[0]
    final += np.where(available[1], phone_rep, 0.0) * share[1]
    final += fixed
    final[:, total == 0] = np.nan
    return np.clip(final, 0.0, 100.0, out=final)


def bootstrap(
    *,
    replicates: int,
    seed: int,
    n_units: int,
    survey_score: FloatArray,
    survey_weight: FloatArray,
    survey_valid: BoolArray,
    survey_unit: IntArray,
    survey_group: IntArray,
    group_weight: FloatArray,
    group_names: tuple[str, ...],
    phone_score: FloatArray,
    phone_complete: BoolArray,
    phone_unit: IntArray,
    bigdata: FloatArray,
    bonus: FloatArray,
    deduction: FloatArray,
    component_weights: FloatArray,
    groups: RankingGroups,
    eligible: BoolArray,
    vetoed: BoolArray,
    unit_order: IntArray,
    worst_only_below: float | None,
    main_final: FloatArray,
    main_rank: IntArray,
    threads: int | None = None,
) -> Uncertainty:
    """Draw ``replicates`` bootstrap replicates and summarise F and rank per unit."""
    nan2 = np.full((n_units, 2), np.nan)
    if replicates <= 0:
        nan1 = np.full(n_units, np.nan)
        return Uncertainty(nan2, nan2.copy(), nan1, nan1.copy(), 0)

    # Cells are keyed by the units' id order and the groups' name order, not by row
    # positions, so that reordering any input file leaves every draw unchanged.
    n_groups = group_weight.shape[0]
    group_order = np.empty(n_groups, dtype=np.int64)
    group_order[np.argsort(np.asarray(group_names, dtype=object), kind="stable")] = np.arange(n_groups)
    unit_at = np.argsort(unit_order)
    group_at = np.argsort(group_order)
    use = survey_valid & (group_weight[survey_group] > 0)
    weighted = not np.all(survey_weight[use] == 1.0)
    s_cells, s_keys = _make_cells(
        unit_order[survey_unit[use]] * n_groups + group_order[survey_group[use]],
        survey_score[use],
        survey_weight[use] if weighted else None,
    )
    s_cell_unit = unit_at[s_keys // n_groups]
    s_cell_gamma = group_weight[group_at[s_keys % n_groups]]
    unit_pos = s_keys // n_groups  # sorted: a unit's cells are contiguous
    s_unit_starts = np.flatnonzero(np.r_[True, unit_pos[1:] != unit_pos[:-1]]) if unit_pos.size else unit_pos
    s_units = s_cell_unit[s_unit_starts]
    gamma_sum = np.add.reduceat(s_cell_gamma, s_unit_starts) if s_units.size else np.zeros(0)

    p_cells, p_keys = _make_cells(unit_order[phone_unit[phone_complete]], phone_score[phone_complete], None)
    p_units = unit_at[p_keys]

    rows = max(1, s_cells.rows + p_cells.rows)
    block = max(1, min(replicates, BLOCK_ELEMENTS // rows))
    n_blocks = -(-replicates // block)
    seeds = np.random.SeedSequence(seed).spawn(n_blocks)
    survey_rep = np.full((replicates, n_units), np.nan)
    phone_rep = np.full((replicates, n_units), np.nan)
    buffers = _Buffers()

    def run_block(b: int) -> None:
        lo, hi = b * block, min(replicates, (b + 1) * block)
        gen = np.random.Generator(np.random.PCG64(seeds[b]))
        means = _resampled_means(s_cells, gen, hi - lo, buffers)
        if s_units.size:
            num = np.add.reduceat(means * s_cell_gamma, s_unit_starts, axis=1)
            survey_rep[lo:hi, s_units] = np.clip(num / gamma_sum, 0.0, 100.0)
        phone_rep[lo:hi, p_units] = _resampled_means(p_cells, gen, hi - lo, buffers)

    workers = threads or min(MAX_THREADS, os.cpu_count() or 1, n_blocks)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run_block, range(n_blocks)))
    else:
        for b in range(n_blocks):
            run_block(b)
    # Units whose present groups all weigh 0 have an empty S in every replicate.
    no_gamma = np.zeros(n_units, dtype=bool)
    if s_units.size:
        no_gamma[s_units[gamma_sum == 0]] = True
    survey_rep[:, no_gamma] = np.nan

    final_rep = _replicate_finals(survey_rep, phone_rep, bigdata, component_weights, bonus - deduction)
    rank_rep = rank_units(groups, eligible, vetoed, final_rep, survey_rep, phone_rep, unit_order)
    best_rep, worst_rep = list_membership(
        rank_rep, groups, vetoed, final_rep, worst_only_below=worst_only_below
    )

    final_ci = np.quantile(final_rep, [0.025, 0.975], axis=0).T
    final_ci[:, 0] = np.fmin(final_ci[:, 0], main_final)
    final_ci[:, 1] = np.fmax(final_ci[:, 1], main_final)
    final_ci[np.isnan(main_final)] = np.nan

    rank_ci = nan2.copy()
    p_best = np.full(n_units, np.nan)
    p_worst = np.full(n_units, np.nan)
    if eligible.any():
        r = rank_rep[:, eligible]
        low = np.quantile(r, 0.025, axis=0, method="lower")
        high = np.quantile(r, 0.975, axis=0, method="higher")
        rank_ci[eligible, 0] = np.minimum(low, main_rank[eligible])
        rank_ci[eligible, 1] = np.maximum(high, main_rank[eligible])
        p_best[eligible] = best_rep[:, eligible].mean(axis=0)
        p_worst[eligible] = worst_rep[:, eligible].mean(axis=0)
    return Uncertainty(final_ci, rank_ci, p_best, p_worst, replicates)
