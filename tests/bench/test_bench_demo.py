"""The demo benchmark (bench/bench_demo.py) runs end to end at a tiny scale, so it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.bench_demo import run_timed

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "bench_demo.py"


@pytest.mark.slow
def test_the_demo_benchmark_times_upgrade_and_demo_and_prints_its_verdict(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, str(BENCH), "--repeat", "1", "--scale", "0.05", "--sqlite-only", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith(("RESULT PASS ratio sqlite", "RESULT FAIL ratio sqlite")), run.stdout
    assert "goal ≤ 1.00" in last
    figures = json.loads(out.read_text(encoding="utf-8"))
    (sqlite,) = figures["results"]
    assert sqlite["backend"] == "sqlite" and sqlite["ok"], run.stdout
    assert min(sqlite["upgrade_wall_s"], sqlite["demo_cpu_s"], sqlite["demo_wall_s"]) > 0
    assert sqlite["ratio"] == pytest.approx(sqlite["demo_wall_s"] / 15.0)


def test_a_failing_command_is_reported_as_a_failure_not_a_crash() -> None:
    result = run_timed([sys.executable, "-c", "print('half-way'); raise SystemExit(3)"], {}, 60)
    assert not result["ok"] and result["tail"] == "half-way" and result["wall"] > 0
