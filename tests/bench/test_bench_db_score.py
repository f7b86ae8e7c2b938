"""The stored-campaign scoring benchmark runs end to end at a tiny size (so it cannot rot)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from bench import bench_db_score


def test_the_benchmark_prints_a_ratio_and_a_verdict_and_saves_its_figures(tmp_path: Path) -> None:
    out = io.StringIO()
    figures = tmp_path / "figures.json"
    with contextlib.redirect_stdout(out):
        status = bench_db_score.main(
            [
                "--units",
                "12",
                "--responses",
                "300",
                "--cases",
                "80",
                "--replicates",
                "5",
                "--repeat",
                "1",
                "--sqlite-only",
                "--json",
                str(figures),
            ]
        )
    assert status == 0
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith(("RESULT PASS", "RESULT FAIL")) and "goal <= 1.3" in last
    saved = json.loads(figures.read_text(encoding="utf-8"))
    assert "error" not in saved
    assert saved["backends"]["sqlite"]["ratio"] > 0 and saved["backends"]["sqlite"]["cpu_ratio"] > 0
    assert "CPU" in last
