"""Resampling cells with replacement: the draws of the bootstrap (methodology §7).

A *cell* is the set of rows resampled together: one unit's valid responses of one
respondent group, or one unit's complete phone cases. A replicate of a cell draws as
many rows as the cell holds, uniformly with replacement, and reports their mean
(weighted when the rows carry weights: Σw·r / Σw, weights travelling with their row).

The draws are one compiled loop (:mod:`scoring.resample_kernel`, numba): per drawn row
one exact bounded random index (numpy's ``PCG64`` and numpy's rejection rule), and the
row's value (and weight) added at once, so that no array of replicates × rows is ever
made. Cells are cut into *tiles* of consecutive cells; each tile has its own generator,
so everything drawn for a cell depends only on the seed and the cells' contents, never
on the number of threads.

This module imports numba only when replicates are drawn (see
:func:`resampled_means`): scoring without replicates never loads it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.inputs import FloatArray, IntArray

# Rows per tile: cell c belongs to tile ⌊(rows of the cells before c) / ROWS_PER_TILE⌋.
# About a hundred tiles at city scale: enough to keep every thread busy to the end,
# few enough that making their generators (about 20 µs each) costs nothing.
ROWS_PER_TILE = 1 << 13
# Decimals of the weights and scores that order the rows of a cell (see make_cells).
SORT_DECIMALS = 9


_preloading: list[threading.Thread] = []


def _warm_kernel() -> None:
    try:
        from scoring.resample_kernel import cell_order, draw_means, survey_unit_means

        # One tiny call of each loads the compiled kernels from numba's cache (or
        # compiles them) with the argument types of the real calls; the generator is a
        # throwaway.
        one = np.ones(2)
        draw_means(
            one,
            one,
            np.zeros(1, dtype=np.int64),
            np.full(1, 2, dtype=np.int64),
            np.array([0, 1], dtype=np.int64),
            [np.random.PCG64(0)],
            1,
            1,
        )
        survey_unit_means(
            np.ones((1, 1)),
            one[:1],
            np.zeros(1, dtype=np.int64),
            one[:1],
            np.zeros(1, dtype=np.int64),
            0,
            np.zeros((1, 1)),
            1,
        )
        cell_order(np.zeros(1, dtype=np.int64), one[:1], one[:1], 1)
    except Exception:  # the draws import the kernel again and report any failure there
        pass


def preload_kernel() -> None:
    """Import numba and load the compiled draws on a background thread, once.

    Only worth calling when replicates will be drawn: the offline scorer calls it as
    soon as it knows that, so that numba's import and the kernel's loading (about half
    a CPU-second, mostly waiting on the disk and the linker) overlap the reading of the
    bundle instead of following it. No coordination is needed: importing
    :mod:`scoring.resample_kernel` from the main thread waits on Python's import lock
    while the background import runs, and the tiny warm-up draw holds the kernel's own
    lock. What is drawn does not change (the warm-up uses a throwaway generator).
    """
    if _preloading:
        return
    thread = threading.Thread(target=_warm_kernel, name="numba-preload", daemon=True)
    _preloading.append(thread)
    thread.start()


@dataclass(frozen=True, slots=True)
class Cells:
    """Rows grouped into contiguous resampling cells.

    Attributes
    ----------
    value : float64[rows], what is summed per drawn row: r, or w·r when ``weight`` is set.
    weight : float64[rows] or None (every weight 1), summed per drawn row as the divisor.
    starts : int64[n_cells], first row of each cell.
    size : int64[n_cells], rows per cell.
    """

    value: FloatArray
    weight: FloatArray | None
    starts: IntArray
    size: IntArray

    @property
    def weighted(self) -> bool:
        return self.weight is not None

    @property
    def rows(self) -> int:
        return int(self.value.shape[0])

    @property
    def n_cells(self) -> int:
        return int(self.starts.shape[0])


def make_cells(
    key: IntArray, value: FloatArray, weight: FloatArray | None, threads: int = 1
) -> tuple[Cells, IntArray]:
    """Group rows by ``key`` (cells in ascending key order) and return the cells and
    their keys.

    Within a cell, rows are ordered by weight, then value, both rounded to
    ``SORT_DECIMALS`` decimals, so that the draws do not depend on the order of the input
    files: raked weights and response scores are sums whose last bits change with the
    order of their terms, and two rows whose weights differ only in those bits would
    otherwise swap places and change every draw of their cell. Rows equal once rounded
    keep their input order; they differ by less than 10⁻⁹, and so do the means.

    The order is ``np.lexsort`` of those keys; for keys from 0 to a few times the number
    of rows and values without NaN (every bootstrap) the compiled
    :func:`scoring.resample_kernel.cell_order` computes the same permutation on
    ``threads`` threads, several times faster.
    """
    rounded = np.round(value, SORT_DECIMALS)
    rounded_w = None if weight is None else np.round(weight, SORT_DECIMALS)
    sort_keys = (rounded, key) if rounded_w is None else (rounded, rounded_w, key)
    compiled = (
        key.size > 0
        and key.min() >= 0
        and key.max() < 4 * key.size + (1 << 16)  # the counting sort's buckets stay small
        and not np.isnan(rounded).any()
        and (rounded_w is None or not np.isnan(rounded_w).any())
    )
    if compiled:
        from scoring.resample_kernel import cell_order

        order = (
            cell_order(key, rounded, None, threads)
            if rounded_w is None
            else cell_order(key, rounded_w, rounded, threads)
        )
    else:
        order = np.lexsort(sort_keys)
    key = key[order]
    if key.size == 0:
        z = np.zeros(0, dtype=np.int64)
        return Cells(np.zeros(0), None if weight is None else np.zeros(0), z, z.copy()), z
    new_cell = np.r_[True, key[1:] != key[:-1]]
    boundary = np.flatnonzero(new_cell)
    size = np.diff(np.r_[boundary, key.size])
    if weight is None:
        cells = Cells(value[order].astype(np.float64), None, boundary.astype(np.int64), size.astype(np.int64))
    else:
        w = weight[order].astype(np.float64)
        cells = Cells(value[order] * w, w, boundary.astype(np.int64), size.astype(np.int64))
    return cells, key[boundary]


def plan_tiles(cells: Cells) -> IntArray:
    """Tile bounds, int64[n_tiles + 1]: tile t holds cells ``bounds[t]`` … ``bounds[t + 1] − 1``.

    Cell c goes to tile ⌊starts[c] / ROWS_PER_TILE⌋ (starts[c] is the number of rows of the
    cells before it), tiles left empty by large cells are skipped: a function of the cells'
    sizes alone.
    """
    if cells.n_cells == 0:
        return np.zeros(1, dtype=np.int64)
    tile = cells.starts // ROWS_PER_TILE
    first = np.flatnonzero(np.r_[True, tile[1:] != tile[:-1]])
    return np.r_[first, cells.n_cells].astype(np.int64)


def resampled_means(
    cells: Cells, bounds: IntArray, seeds: Sequence[np.random.SeedSequence], reps: int, threads: int
) -> FloatArray:
    """Means of every cell in ``reps`` replicates, cell by cell: float64[n_cells, reps].

    ``bounds`` are the cells' tiles (:func:`plan_tiles`) and ``seeds`` one seed sequence per
    tile: tile t draws from ``PCG64(seeds[t])``. ``threads`` sets how many threads draw,
    never what is drawn.
    """
    if cells.n_cells == 0:
        return np.zeros((0, reps))
    if len(seeds) != bounds.shape[0] - 1:
        raise ValueError(f"{bounds.shape[0] - 1} tiles but {len(seeds)} seeds")
    # Imported here: numba and the compiled kernel load only when replicates are drawn.
    from scoring.resample_kernel import draw_means

    generators = [np.random.PCG64(s) for s in seeds]
    return draw_means(cells.value, cells.weight, cells.starts, cells.size, bounds, generators, reps, threads)


def survey_unit_means(
    means: FloatArray,
    gamma: FloatArray,
    unit_starts: IntArray,
    gamma_sum: FloatArray,
    units: IntArray,
    lo: int,
    out: FloatArray,
    threads: int,
) -> None:
    """Each unit's survey score S in the replicates ``lo`` … ``lo + means.shape[1] − 1``,
    written into ``out[lo + r, units[k]]`` (replicates × units): the γ-weighted mean of the
    unit's cell means (``means``, cells × replicates, a unit's cells from
    ``unit_starts[k]`` on), clipped to 0…100; bit for bit
    ``np.clip(np.add.reduceat(means * γ, unit_starts, axis=0) / Σγ, 0, 100)``, in
    parallel and without temporaries (:func:`scoring.resample_kernel.survey_unit_means`).
    """
    cells_per_unit = np.diff(np.r_[unit_starts, means.shape[0]])
    if cells_per_unit.size and cells_per_unit.max() > 129:
        # Beyond one block of numpy's pairwise sum (the kernel's copy of it stops there).
        num = np.add.reduceat(means * gamma[:, None], unit_starts, axis=0)
        num /= gamma_sum[:, None]
        out[lo : lo + means.shape[1], units] = np.clip(num, 0.0, 100.0, out=num).T
        return
    from scoring.resample_kernel import survey_unit_means as kernel

    kernel(means, gamma, unit_starts, gamma_sum, units, lo, out, threads)
