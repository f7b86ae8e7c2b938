"""The scorer benchmark runs end to end at a tiny size (so it cannot rot)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from bench import run_bench


def test_the_benchmark_times_both_processes_and_prints_ratios_and_a_verdict(tmp_path: Path) -> None:
    out = io.StringIO()
    figures = tmp_path / "figures.json"
    with contextlib.redirect_stdout(out):
        status = run_bench.main(
            [
                "--bundle",
                str(tmp_path / "bundle"),
                "--units",
                "12",
                "--responses",
                "300",
                "--cases",
                "80",
                "--replicates",
                "5",
                "0",
                "--repeat",
                "1",
                "--json",
                str(figures),
            ]
        )
    assert status == 0
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith(("RESULT PASS", "RESULT FAIL"))
    assert "5 replicates: wall ratio" in last and "0 replicates: wall ratio" in last
    assert "CPU ratio <= 0.7" in last and "wall ratio <= 1" in last
    saved = json.loads(figures.read_text(encoding="utf-8"))
    assert [s["replicates"] for s in saved["settings"]] == [5, 0]
    for setting in saved["settings"]:
        assert "error" not in setting and setting["result_rows"] == 12
        assert setting["wall_ratio"] > 0 and setting["cpu_ratio"] > 0 and setting["peak_mib"] > 0
        (base,) = setting["baseline_runs"]
        (scorer,) = setting["scorer_runs"]
        # both are whole processes, timed alike: spawn to exit, CPU from wait4
        assert base["returncode"] == 0 and scorer["returncode"] == 0
        assert base["cpu_s"] > 0 and scorer["cpu_s"] > 0


def test_a_failing_scorer_is_reported_and_the_benchmark_still_exits_0(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "units.csv").write_text("unit_id,name\nU1,x\n", encoding="utf-8")  # no campaign.toml
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = run_bench.main(
            ["--bundle", str(bundle), "--use-existing", "--replicates", "0", "--repeat", "1"]
        )
    assert status == 0
    text = out.getvalue()
    assert "scorer failed (exit 2)" in text
    assert text.strip().splitlines()[-1].startswith("RESULT FAIL")
