"""The pages benchmark (bench/bench_pages.py) runs end to end at a tiny size: a small demo,
one role, one page. It checks that the script measures and reports, not how fast the app is
(timed tests are not the way: the benchmark prints the figures)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serving import CHROMIUM

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (.ci/run installs it)"),
]


def test_the_pages_benchmark_measures_a_tiny_demo_and_prints_its_verdict(tmp_path: Path) -> None:
    out = tmp_path / "pages.json"
    done = subprocess.run(
        [
            sys.executable, str(ROOT / "bench" / "bench_pages.py"),
            "--scale", "0.1", "--roles", "admin", "--pages", "review,password", "--json", str(out),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith(("RESULT PASS", "RESULT FAIL worst ratio")), done.stdout
    figures = {row["figure"]: row for row in json.loads(out.read_text())["figures"]}
    wanted = {"server start", "first render", "sign-in admin", "admin /review", "admin /password"}
    assert wanted <= set(figures)
    assert figures["admin /review"]["goal"] == 1.0
    assert all(row["seconds"] > 0 for row in figures.values())
