"""The bootstrap (scoring/uncertainty.py): reproducible with the seed whatever the threads
and blocks, lean in memory, and empty without replicates, when numba is not even loaded."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from scoring import resample, uncertainty
from scoring.engine import score_campaign
from tests.scoring.synthetic import random_campaign


def test_many_blocks_and_tiles_on_one_or_several_threads_give_the_same_intervals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small blocks and tiles, so that many tiles of every block run on several threads
    # at once (numba uses at most as many threads as the machine has cores).
    monkeypatch.setattr(uncertainty, "BLOCK_MEANS", 200)
    monkeypatch.setattr(resample, "ROWS_PER_TILE", 40)
    c = random_campaign(4, n_units=10, n_resp=1500, n_cases=300, replicates=120)
    one = score_campaign(c.inputs, c.params, year=2017, threads=1).uncertainty
    for threads in (2, 4):
        other = score_campaign(c.inputs, c.params, year=2017, threads=threads).uncertainty
        assert_array_equal(one.final_ci, other.final_ci)
        assert_array_equal(one.rank_ci, other.rank_ci)
        assert_array_equal(one.p_best, other.p_best)
        assert_array_equal(one.p_worst, other.p_worst)
    assert np.isfinite(one.final_ci).any()


def test_two_threads_scoring_at_once_get_what_one_gets_alone() -> None:
    # The app may score on two sessions' threads at once: the compiled draws are shared.
    c = random_campaign(8, n_units=10, n_resp=2000, n_cases=300, replicates=200)
    alone = score_campaign(c.inputs, c.params, year=2017).uncertainty
    with ThreadPoolExecutor(2) as pool:
        both = list(pool.map(lambda _: score_campaign(c.inputs, c.params, year=2017).uncertainty, range(2)))
    for other in both:
        assert_array_equal(alone.final_ci, other.final_ci)
        assert_array_equal(alone.p_worst, other.p_worst)


def test_another_seed_gives_other_draws() -> None:
    c = random_campaign(5, n_units=8, n_resp=600, replicates=100)
    a = score_campaign(c.inputs, c.params, year=2017).uncertainty
    b = score_campaign(c.inputs, replace(c.params, seed=c.params.seed + 1), year=2017).uncertainty
    assert not np.array_equal(np.nan_to_num(a.final_ci), np.nan_to_num(b.final_ci))


def test_no_replicates_leave_every_uncertainty_figure_empty() -> None:
    c = random_campaign(6, replicates=0)
    u = score_campaign(c.inputs, c.params, year=2017).uncertainty
    assert u.replicates == 0
    for values in (u.final_ci, u.rank_ci, u.p_best, u.p_worst):
        assert np.isnan(values).all()


def test_memory_does_not_grow_with_replicates_times_rows() -> None:
    # 2,000 replicates of about 40,000 resampled rows: 8e7 draws, which would take 640 MB
    # as one array of indexes; the draws are made in small steps instead.
    c = random_campaign(7, n_units=8, n_resp=60_000, n_cases=2_000, replicates=2_000)
    tracemalloc.start()
    try:
        r = score_campaign(c.inputs, c.params, year=2017, threads=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.uncertainty.replicates == 2_000
    assert peak < 48 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_scoring_without_replicates_never_loads_numba() -> None:
    # In a fresh interpreter: the engine, a whole scoring run without replicates, and
    # the layers above it must not pay for numba's import (about half a second).
    code = (
        "import sys\n"
        "from scoring.engine import score_campaign\n"
        "from tests.scoring.synthetic import random_campaign\n"
        "c = random_campaign(6, replicates=0)\n"
        "score_campaign(c.inputs, c.params, year=2017)\n"
        "print('numba' in sys.modules, 'llvmlite' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(("replicates", "loaded"), [("0", ["False", "False"]), ("5", ["True", "True"])])
def test_the_command_line_loads_numba_early_only_when_it_will_draw(
    replicates: str, loaded: list[str]
) -> None:
    # The scorer starts numba's import on a thread as soon as it knows replicates will be
    # drawn (overlapping the reading); with --replicates 0 it never loads numba at all.
    script = (
        "import sys\n"
        "from scoring import cli, resample\n"
        "def stop(path):\n"
        "    for thread in resample._preloading:\n"
        "        thread.join()\n"
        "    print(bool(resample._preloading), 'numba' in sys.modules)\n"
        "    raise SystemExit(0)\n"
        "cli.load_bundle = stop\n"
        f"cli.main(['score', 'nowhere', '--out', 'nowhere', '--replicates', '{replicates}'])\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.split() == loaded
