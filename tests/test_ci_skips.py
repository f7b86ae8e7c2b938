"""In CI a test that needs chromium, PostgreSQL or the Chinese fonts must run: its skip is a
failure there (tests/conftest.py, ``MUST_RUN_IN_CI``), and outside CI it is a plain skip."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests import conftest
from tests.db import test_results

SKIPPING = """
import pytest

@pytest.mark.{marker}
@pytest.mark.skipif(True, reason="the machine lacks it")
def test_needs_{marker}():
    pass
"""


def _run(folder: Path, repo_root: Path, *, ci: bool) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(repo_root)}
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "--rootdir", str(folder)]
    done = subprocess.run(
        [*command, str(folder)], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout + done.stderr


def test_a_skip_of_a_test_that_must_run_fails_in_ci_only(tmp_path: Path, repo_root: Path) -> None:
    (tmp_path / "conftest.py").write_text((repo_root / "tests" / "conftest.py").read_text())
    for marker in conftest.MUST_RUN_IN_CI:
        (tmp_path / f"test_{marker}.py").write_text(SKIPPING.format(marker=marker))
    n = len(conftest.MUST_RUN_IN_CI)

    status, out = _run(tmp_path, repo_root, ci=False)
    assert status == 0 and f"{n} skipped" in out, out

    status, out = _run(tmp_path, repo_root, ci=True)
    assert status == 1 and "skipped" not in out.splitlines()[-1], out
    for marker in conftest.MUST_RUN_IN_CI:
        # a skip decided at set-up is reported as an error, one decided in the test as a failure
        assert re.search(rf"(ERROR|FAILED) test_{marker}\.py::test_needs_{marker}", out), out
        assert f"skipped in CI, where {marker} tests must run" in out, out


def test_the_chinese_pdf_test_is_one_that_must_run_in_ci() -> None:
    test = test_results.test_the_cards_notice_pdf_has_a_chinese_text_layer
    marks = {mark.name for mark in getattr(test, "pytestmark", [])}
    assert "skipif" in marks and "fonts" in marks and "fonts" in conftest.MUST_RUN_IN_CI
