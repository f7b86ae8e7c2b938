"""Bootstrap uncertainty of scores and ranks (置信区间), methodology §7.

Within each unit, valid survey responses are resampled with replacement within
each respondent group (weights travel with their response, no re-raking) and
complete phone cases are resampled with replacement; indicator scores and
adjustments stay fixed; F and ranks are recomputed with eligibility and list sizes
fixed as in the main run.

Notes
-----
The draws themselves are in :mod:`scoring.resample` (and described in
``docs/methodology.md``, "Implementation notes: the bootstrap draws"). Replicates are
drawn in blocks; every block has its own seed sequence, spawned from
``SeedSequence(seed)``, from which every tile of the block spawns the seed of its own
generator, so results do not depend on how many threads draw the tiles. Groups
with γ = 0 do not enter F and are not resampled.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from scoring.inputs import BoolArray, FloatArray, IntArray
from scoring.ranking import RankingGroups, list_membership, rank_units
from scoring.resample import make_cells, plan_tiles, resampled_means, survey_unit_means

# Cell means held at once (replicates of a block × cells), 32 MiB: the replicate axis is
# cut into blocks so that memory does not grow with replicates × cells.
BLOCK_MEANS = 1 << 22
# Replicates ranked at once and units summarised at once: a few MiB of temporaries at
# city scale instead of several copies of the (replicates × units) arrays.
CHUNK_REPLICATES = 64
CHUNK_UNITS = 512
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
    sort_threads = threads or min(MAX_THREADS, os.cpu_count() or 1)
    s_cells, s_keys = make_cells(
        unit_order[survey_unit[use]] * n_groups + group_order[survey_group[use]],
        survey_score[use],
        survey_weight[use] if weighted else None,
        sort_threads,
    )
    s_cell_unit = unit_at[s_keys // n_groups]
    s_cell_gamma = group_weight[group_at[s_keys % n_groups]]
    unit_pos = s_keys // n_groups  # sorted: a unit's cells are contiguous
    s_unit_starts = np.flatnonzero(np.r_[True, unit_pos[1:] != unit_pos[:-1]]) if unit_pos.size else unit_pos
    s_units = s_cell_unit[s_unit_starts]
    gamma_sum = np.add.reduceat(s_cell_gamma, s_unit_starts) if s_units.size else np.zeros(0)

    p_cells, p_keys = make_cells(
        unit_order[phone_unit[phone_complete]], phone_score[phone_complete], None, sort_threads
    )
    p_units = unit_at[p_keys]

    s_tiles, p_tiles = plan_tiles(s_cells), plan_tiles(p_cells)
    n_s_tiles, n_tiles = s_tiles.shape[0] - 1, s_tiles.shape[0] + p_tiles.shape[0] - 2
    block = max(1, min(replicates, BLOCK_MEANS // max(1, s_cells.n_cells + p_cells.n_cells)))
    n_blocks = -(-replicates // block)
    block_seeds = np.random.SeedSequence(seed).spawn(n_blocks)
    # Left uninitialised: the draws write every column of a unit that has cells (and so
    # first touch the pages, on the kernels' threads), the other columns are set to NaN
    # after the loop; filling ~2 × 8·replicates·units bytes first was a serial pass.
    survey_rep = np.empty((replicates, n_units))
    phone_rep = np.empty((replicates, n_units))
    workers = threads or min(MAX_THREADS, os.cpu_count() or 1, max(1, n_tiles))

    for b in range(n_blocks):
        lo, hi = b * block, min(replicates, (b + 1) * block)
        seeds = block_seeds[b].spawn(n_tiles)
        if s_units.size:
            # Cell-major (cells × replicates): a unit's cells are adjacent rows to add.
            means = resampled_means(s_cells, s_tiles, seeds[:n_s_tiles], hi - lo, workers)
            survey_unit_means(means, s_cell_gamma, s_unit_starts, gamma_sum, s_units, lo, survey_rep, workers)
            del means
        if p_units.size:
            means = resampled_means(p_cells, p_tiles, seeds[n_s_tiles:], hi - lo, workers)
            phone_rep[lo:hi, p_units] = means.T
    # Units without cells, and units whose present groups all weigh 0, have an empty S
    # (or P) in every replicate.
    no_gamma = np.ones(n_units, dtype=bool)
    if s_units.size:
        no_gamma[s_units] = False
        no_gamma[s_units[gamma_sum == 0]] = True
    survey_rep[:, no_gamma] = np.nan
    no_phone = np.ones(n_units, dtype=bool)
    no_phone[p_units] = False
    phone_rep[:, no_phone] = np.nan

    del s_cells, p_cells  # the rows' copies are not needed any more

    # F, ranks and lists in chunks of replicates, quantiles in chunks of units: each
    # replicate and each unit is computed alone, so the figures are those of one pass
    # over everything, with temporaries of a chunk's size per thread beside the
    # replicate arrays.
    net = bonus - deduction
    final_rep = np.empty((replicates, n_units))
    rank_rep = np.empty((replicates, n_units), dtype=np.int32)
    rep = {"survey": survey_rep, "phone": phone_rep}  # emptied once ranked, to free them
    del survey_rep, phone_rep

    def rank_chunk(lo: int) -> tuple[IntArray, IntArray]:
        part = slice(lo, min(replicates, lo + CHUNK_REPLICATES))
        s_rep, p_rep = rep["survey"][part], rep["phone"][part]
        final = _replicate_finals(s_rep, p_rep, bigdata, component_weights, net)
        rank = rank_units(groups, eligible, vetoed, final, s_rep, p_rep, unit_order)
        best, worst = list_membership(rank, groups, vetoed, final, worst_only_below=worst_only_below)
        final_rep[part], rank_rep[part] = final, rank
        return best.sum(axis=0), worst.sum(axis=0)

    final_ci = np.empty((n_units, 2))
    rank_ci = nan2.copy()
    ranked = np.flatnonzero(eligible)

    def final_chunk(lo: int) -> None:
        part = slice(lo, min(n_units, lo + CHUNK_UNITS))
        final_ci[part] = np.quantile(final_rep[:, part], [0.025, 0.975], axis=0).T

    def rank_ci_chunk(lo: int) -> None:
        units = ranked[lo : lo + CHUNK_UNITS]
        r = rank_rep[:, units]
        low = np.quantile(r, 0.025, axis=0, method="lower")
        high = np.quantile(r, 0.975, axis=0, method="higher")
        rank_ci[units, 0] = np.minimum(low, main_rank[units])
        rank_ci[units, 1] = np.maximum(high, main_rank[units])

    # The chunks are independent (numpy releases the GIL in their sorts and arithmetic),
    # so they run on the bootstrap's threads; the counts are integer sums, in any order.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        counts = list(pool.map(rank_chunk, range(0, replicates, CHUNK_REPLICATES)))
        n_best = np.sum([c[0] for c in counts], axis=0, dtype=np.int64)
        n_worst = np.sum([c[1] for c in counts], axis=0, dtype=np.int64)
        rep.clear()
        del counts
        list(pool.map(final_chunk, range(0, n_units, CHUNK_UNITS)))
        list(pool.map(rank_ci_chunk, range(0, ranked.size, CHUNK_UNITS)))
    final_ci[:, 0] = np.fmin(final_ci[:, 0], main_final)
    final_ci[:, 1] = np.fmax(final_ci[:, 1], main_final)
    final_ci[np.isnan(main_final)] = np.nan

    p_best = np.full(n_units, np.nan)
    p_worst = np.full(n_units, np.nan)
    p_best[ranked] = n_best[ranked] / replicates
    p_worst[ranked] = n_worst[ranked] / replicates
    return Uncertainty(final_ci, rank_ci, p_best, p_worst, replicates)
