"""The bootstrap's draws as one compiled kernel (numba), imported only when replicates are drawn.

Importing numba takes about half a second and compiling the kernel a few seconds, so
nothing imports this module but :func:`scoring.resample.resampled_means`: the scorer with
``--replicates 0`` and the app's pages never load numba.

The random numbers are numpy's: every tile of cells has its own ``PCG64`` bit generator,
which the kernel calls through numpy's ctypes interface (``PCG64().ctypes``: the state's
address and its ``next_uint64`` function), the way numpy's documentation shows for numba.
The kernel cuts each 64-bit output into the two 32-bit words numpy's ``next_uint32``
would give and turns them into exact bounded integers with numpy's own rule (Lemire's
multiply-and-reject, as ``Generator.integers`` with ``dtype=np.int64``), so a tile's
indexes are exactly ``Generator(PCG64(s)).integers(0, n, dtype=np.int64)`` drawn one by
one (tests/scoring/test_resample.py checks it).

The compiled kernel is cached on disk (``cache=True``) beside this file, in
``scoring/__pycache__``; where that folder is not writable numba uses the user's cache
folder (``~/.cache/numba``), or ``NUMBA_CACHE_DIR`` when it is set, and where no folder is
writable the kernel is compiled in every process instead of failing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from scoring.inputs import FloatArray, IntArray

# numba's "workqueue" threading layer (its fallback where neither OpenMP nor TBB loads)
# aborts the process when two threads launch parallel kernels at once, and the number of
# threads is a per-thread setting: the app may score on several threads at once.
_LOCK = threading.Lock()
_U32 = np.uint64(0xFFFFFFFF)


def _draw_means(
    value: FloatArray,
    weight: FloatArray,
    weighted: bool,
    starts: IntArray,
    size: IntArray,
    bounds: IntArray,
    next_uint64: Callable[[int], int],  # numpy's ctypes next_uint64(void* state)
    states: npt.NDArray[np.uint64],
    out: FloatArray,
) -> None:
    """Write the means of ``out.shape[1]`` replicates of every cell into ``out[cell, :]``.

    Tile t holds cells ``bounds[t]`` … ``bounds[t + 1] − 1`` and draws them, cell after
    cell and replicate after replicate, from the fresh bit generator whose state is at
    ``states[t]``. A tile runs on one thread from start to end, so what it draws depends
    on its generator alone, never on which or how many threads run.
    """
    reps = out.shape[1]
    for t in numba.prange(bounds.shape[0] - 1):
        state = states[t]
        # The 32-bit words of numpy's next_uint32, one call for two: the low half of a
        # 64-bit output, then its high half (a fresh generator has no half left over).
        word = np.uint64(0)
        have_high = False
        for c in range(bounds[t], bounds[t + 1]):
            lo = starts[c]
            n = size[c]
            n64 = np.uint64(n)
            # Lemire's rule: x·n // 2³² is uniform on 0…n−1 once the words x whose
            # x·n mod 2³² falls under (2³² − n) mod n are rejected (numpy's exact bounded
            # integers); a cell of one row draws nothing, as in numpy.
            threshold = (np.uint64(1 << 32) - n64) % n64
            for r in range(reps):
                s = 0.0
                sw = 0.0
                for _ in range(n):
                    i = lo
                    if n > 1:
                        while True:
                            if have_high:
                                x = word >> np.uint64(32)
                                have_high = False
                            else:
                                word = next_uint64(state)
                                x = word & _U32
                                have_high = True
                            m = x * n64
                            if (m & _U32) >= threshold:
                                break
                        i += np.int64(m >> np.uint64(32))
                    s += value[i]
                    if weighted:
                        sw += weight[i]
                mean = s / sw if weighted else s / n
                out[c, r] = min(max(mean, 0.0), 100.0)


def _compile(fn: Callable[..., Any]) -> Callable[..., Any]:
    try:
        return numba.njit(parallel=True, cache=True)(fn)
    except RuntimeError:  # "cannot cache function …: no locator available": nothing writable
        return numba.njit(parallel=True)(fn)


_kernel = _compile(_draw_means)


def _unit_means(
    means: FloatArray,
    gamma: FloatArray,
    unit_starts: IntArray,
    gamma_sum: FloatArray,
    units: IntArray,
    lo: int,
    out: FloatArray,
) -> None:
    """``out[lo + r, units[k]]`` = S of unit k in replicate r: its cells' means weighted by
    γ, ``Σ γ·mean / Σ γ`` clipped to 0…100.

    The arithmetic is numpy's ``np.add.reduceat(means * γ, unit_starts, axis=0) / Σγ``
    then ``np.clip``, operation for operation: each product rounded; a unit's first
    product plus numpy's pairwise sum of its other products (reduceat's inner loop, for
    at most 129 cells a unit: the caller checks); one division. So the figures are bit for
    bit those of the numpy expression (tests/scoring/test_resample.py checks), without its
    temporaries or the transposed scatter.
    """
    n_cells = means.shape[0]
    reps = means.shape[1]
    n_units = unit_starts.shape[0]
    for k in numba.prange(n_units):
        first = unit_starts[k]
        end = unit_starts[k + 1] if k + 1 < n_units else n_cells
        u = units[k]
        g = gamma_sum[k]
        rest = end - first - 1
        acc = np.empty(8)
        for r in range(reps):
            # numpy's reduceat: the first cell, plus numpy's pairwise sum of the others
            # (up to 128 of them: one block of eight running sums, then the remainder).
            tail = 0.0
            if rest < 8:
                for c in range(first + 1, end):
                    tail += means[c, r] * gamma[c]
            else:
                for j in range(8):
                    acc[j] = means[first + 1 + j, r] * gamma[first + 1 + j]
                i = 8
                while i < rest - rest % 8:
                    for j in range(8):
                        acc[j] += means[first + 1 + i + j, r] * gamma[first + 1 + i + j]
                    i += 8
                tail = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
                while i < rest:
                    tail += means[first + 1 + i, r] * gamma[first + 1 + i]
                    i += 1
            s = means[first, r] * gamma[first]
            if rest > 0:
                s += tail
            s = s / g
            # np.clip's rule: NaN stays NaN (a unit whose γ sum is 0 is blanked later).
            if s < 0.0:
                s = 0.0
            elif s > 100.0:
                s = 100.0
            out[lo + r, u] = s


def _cell_order(key: IntArray, first: FloatArray, second: FloatArray, two: bool) -> IntArray:
    """The permutation ``np.lexsort((second, first, key))`` (or ``np.lexsort((first, key))``
    when ``two`` is false) for keys 0 … K−1 and floats without NaN.

    A counting sort puts the rows in key order (stable: input order within a key), then
    every key's rows are sorted, in parallel, by ``second`` and then by ``first`` with a
    stable sort each: the order by (key, first, second, input position) that lexsort
    gives, the same permutation since that order has no ties.
    """
    n = key.shape[0]
    n_keys = 0
    for i in range(n):
        n_keys = max(n_keys, key[i] + 1)
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for i in range(n):
        start[key[i] + 1] += 1
    for k in range(n_keys):
        start[k + 1] += start[k]
    fill = start[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        order[fill[key[i]]] = i
        fill[key[i]] += 1
    for k in numba.prange(n_keys):
        lo = start[k]
        hi = start[k + 1]
        if hi - lo > 1:
            rows = order[lo:hi]
            if two:
                rows = rows[np.argsort(second[rows], kind="mergesort")]
            rows = rows[np.argsort(first[rows], kind="mergesort")]
            order[lo:hi] = rows
    return order


def _compile_numpy_errors(fn: Callable[..., None]) -> Callable[..., None]:
    # error_model="numpy": x / 0 gives inf or NaN as numpy does, instead of raising.
    try:
        return numba.njit(parallel=True, cache=True, error_model="numpy")(fn)
    except RuntimeError:  # no writable cache folder, as in _compile
        return numba.njit(parallel=True, error_model="numpy")(fn)


_unit_kernel = _compile_numpy_errors(_unit_means)
_order_kernel = _compile(_cell_order)


def cell_order(key: IntArray, first: FloatArray, second: FloatArray | None, threads: int) -> IntArray:
    """``np.lexsort((second, first, key))``, or ``np.lexsort((first, key))`` without
    ``second``, for keys ≥ 0 and floats without NaN: see :func:`_cell_order`."""
    with _LOCK:
        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        try:
            return _order_kernel(
                np.ascontiguousarray(key, dtype=np.int64),
                np.ascontiguousarray(first, dtype=np.float64),
                np.ascontiguousarray(first if second is None else second, dtype=np.float64),
                second is not None,
            )
        finally:
            numba.set_num_threads(previous)


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
    """Write every unit's S of the replicates ``lo`` … ``lo + means.shape[1] − 1`` into
    ``out`` (replicates × units) from its cells' means (cells × replicates): see
    :func:`_unit_means`."""
    with _LOCK:
        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        try:
            _unit_kernel(
                np.ascontiguousarray(means, dtype=np.float64),
                np.ascontiguousarray(gamma, dtype=np.float64),
                np.ascontiguousarray(unit_starts, dtype=np.int64),
                np.ascontiguousarray(gamma_sum, dtype=np.float64),
                np.ascontiguousarray(units, dtype=np.int64),
                lo,
                out,
            )
        finally:
            numba.set_num_threads(previous)


def draw_means(
    value: FloatArray,
    weight: FloatArray | None,
    starts: IntArray,
    size: IntArray,
    bounds: IntArray,
    generators: list[np.random.PCG64],
    reps: int,
    threads: int,
) -> FloatArray:
    """Means of ``reps`` replicates of every cell, float64[n_cells, reps]; tile t draws
    from ``generators[t]`` (whose states advance)."""
    if np.any(size >= 1 << 32):
        raise ValueError("a resampling cell of 2³² rows or more")
    out = np.empty((starts.shape[0], reps))
    states = np.array([g.ctypes.state_address for g in generators], dtype=np.uint64)
    next_uint64 = (generators[0] if generators else np.random.PCG64(0)).ctypes.next_uint64
    w = np.zeros(0) if weight is None else np.ascontiguousarray(weight, dtype=np.float64)
    with _LOCK:
        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        try:
            # Tiles handed out one at a time: a thread slowed by other work on the machine
            # does not hold back a fixed share of them.
            with numba.parallel_chunksize(1):
                _kernel(
                    np.ascontiguousarray(value, dtype=np.float64),
                    w,
                    weight is not None,
                    np.ascontiguousarray(starts, dtype=np.int64),
                    np.ascontiguousarray(size, dtype=np.int64),
                    np.ascontiguousarray(bounds, dtype=np.int64),
                    next_uint64,
                    states,
                    out,
                )
        finally:
            numba.set_num_threads(previous)
    return out
