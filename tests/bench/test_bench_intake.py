"""The intake benchmark runs end to end at a tiny size and reports its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_intake_benchmark_measures_both_paths_and_prints_a_verdict(tmp_path: Path) -> None:
    out = tmp_path / "intake.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_intake.py"),
            "--sqlite-only",
            "--units",
            "12",
            "--workers",
            "1,2",
            "--seconds",
            "0.5",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith(("RESULT PASS", "RESULT FAIL")) and "goal >= 0.5" in last
    figures = json.loads(out.read_text())
    assert figures["failures"] == []  # both paths stored every sheet they counted
    sqlite = figures["results"][0]
    assert sqlite["backend"] == "sqlite" and set(sqlite["workers"]) == {"1", "2"}
    for measured in sqlite["workers"].values():
        assert measured["ours"] > 0 and measured["raw"] > 0
