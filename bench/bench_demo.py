"""Benchmark loading the demo city: ``python -m db demo`` on an empty database, goal ≤ 15 s.

    python bench/bench_demo.py [--repeat 3] [--scale 1.0] [--sqlite-only] [--json FILE]
                               [--timeout 600] [--python EXE]

For each backend (SQLite always; PostgreSQL when ``DATABASE_URL`` names one), every
repetition makes a fresh database (a new SQLite file in a temporary folder, or a new
PostgreSQL database, dropped afterwards) and a fresh data folder (``APPRAISAL_DATA_DIR``,
where the key file is created), then runs two subprocesses one after the other:

* baseline: ``python -m db upgrade`` on the empty database: interpreter start-up, imports
  and the whole schema, the least a first start costs;
* demo: ``python -m db demo`` on the database the baseline just migrated (empty: no units,
  no campaigns), as ``scripts/start`` does on a first start: simulating, writing, scoring
  and publishing three campaigns, opening the card cases and creating the accounts, in
  one transaction.

Each figure is the wall time of the whole subprocess, spawn to exit; the demo's CPU time
(user + system, from ``os.wait4`` of that very child) is printed beside it, since on a
shared machine the wall time mostly says how busy the other processes kept the cores.
With ``--repeat K`` the figures are medians over the K repetitions. The ratio is the
demo's median wall time / 15 s; the goal is ratio ≤ 1.0 on each backend (issue 12). The
machine's load average is printed before and after.

The script always exits 0: it is a measurement, not a test; it prints its verdict
(``RESULT PASS`` / ``RESULT FAIL``) on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

GOAL_SECONDS = 15.0


def run_timed(argv: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Wall and CPU seconds of one subprocess (spawn to exit), whether it succeeded, and
    the end of its output. The CPU time is that very child's (``os.wait4``)."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as out:
        began = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = began + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        output = out.read()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "ok": proc.returncode == 0,
        "tail": "\n".join(output.strip().splitlines()[-3:]),
    }


def _pg_url(base: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(base).set(drivername="postgresql+psycopg", database=database).render_as_string(
        hide_password=False
    )


class Databases:
    """Fresh empty databases, one per repetition, removed afterwards."""

    def __init__(self, backend: str, base_url: str, work: Path) -> None:
        self.backend, self.base_url, self.work = backend, base_url, work
        self._admin: Any = None
        if backend == "postgresql":
            from sqlalchemy import create_engine

            self._admin = create_engine(_pg_url(base_url, "postgres"), isolation_level="AUTOCOMMIT")

    def make(self) -> tuple[str, str]:
        """(URL, name) of a new database without tables."""
        name = f"bench_demo_{uuid.uuid4().hex[:10]}"
        if self.backend == "sqlite":
            return f"sqlite:///{self.work / (name + '.sqlite3')}", name
        from sqlalchemy import text

        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return _pg_url(self.base_url, name), name

    def drop(self, name: str) -> None:
        if self.backend == "sqlite":
            for path in self.work.glob(name + ".sqlite3*"):
                path.unlink()
            return
        from sqlalchemy import text

        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if self._admin is not None:
            self._admin.dispose()


def bench_backend(backend: str, base_url: str, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench_demo_"))
    dbs = Databases(backend, base_url, work)
    upgrade: list[dict[str, Any]] = []
    demo: list[dict[str, Any]] = []
    try:
        for k in range(args.repeat):
            url, name = dbs.make()
            data = work / f"data{k}"
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "APPRAISAL_DATA_DIR": str(data),
                "APPRAISAL_SECRET_KEY": "",  # the demo creates the key file, as on a first start
                "PYTHONPATH": str(ROOT),
            }
            try:
                upgrade.append(run_timed([args.python, "-m", "db", "upgrade"], env, args.timeout))
                demo_argv = [args.python, "-m", "db", "demo", "--scale", str(args.scale)]
                demo.append(run_timed(demo_argv, env, args.timeout))
            finally:
                dbs.drop(name)
                shutil.rmtree(data, ignore_errors=True)
            last_up, last = upgrade[-1], demo[-1]
            print(
                f"  {backend} run {k + 1}/{args.repeat}: upgrade {last_up['wall']:.2f} s; "
                f"demo {last['wall']:.2f} s wall, {last['cpu']:.2f} s CPU"
                + ("" if last["ok"] and last_up["ok"] else f"  FAILED: {last['tail'] or last_up['tail']}"),
                flush=True,
            )
    finally:
        dbs.close()
        shutil.rmtree(work, ignore_errors=True)
    ok = all(r["ok"] for r in (*upgrade, *demo))
    demo_wall = statistics.median(r["wall"] for r in demo)
    return {
        "backend": backend,
        "ok": ok,
        "repeat": args.repeat,
        "scale": args.scale,
        "upgrade_wall_s": statistics.median(r["wall"] for r in upgrade),
        "demo_wall_s": demo_wall,
        "demo_cpu_s": statistics.median(r["cpu"] for r in demo),
        "demo_runs_wall_s": [round(r["wall"], 3) for r in demo],
        "demo_runs_cpu_s": [round(r["cpu"], 3) for r in demo],
        "ratio": demo_wall / GOAL_SECONDS,
        "goal_ratio": 1.0,
        "passed": ok and demo_wall <= GOAL_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; figures are medians")
    parser.add_argument("--scale", type=float, default=1.0, help="the demo's --scale (1.0: the real demo)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even with DATABASE_URL")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a run is killed")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run the commands")
    parser.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    args = parser.parse_args(argv)
    args.repeat = max(1, args.repeat)

    base = os.environ.get("DATABASE_URL", "").strip()
    backends = [("sqlite", "")]
    if base.startswith("postgresql") and not args.sqlite_only:
        backends.append(("postgresql", base))
    load_before = os.getloadavg()
    print(
        f"demo load benchmark: scale {args.scale}, {args.repeat} repetition(s), goal ≤ {GOAL_SECONDS:.0f} s; "
        f"load average {load_before[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )
    results = []
    for backend, url in backends:
        try:
            results.append(bench_backend(backend, url, args))
        except Exception as exc:  # a measurement: report the failure, never crash
            print(f"  {backend}: failed: {exc!r}", flush=True)
            results.append({"backend": backend, "ok": False, "passed": False, "error": repr(exc)})
    load_after = os.getloadavg()

    print()
    print(f"{'backend':<11} {'upgrade (s)':>11} {'demo (s)':>9} {'demo CPU (s)':>13} {'ratio':>6}  goal")
    for r in results:
        if "demo_wall_s" not in r:
            print(f"{r['backend']:<11} {'failed':>11}")
            continue
        print(
            f"{r['backend']:<11} {r['upgrade_wall_s']:>11.2f} {r['demo_wall_s']:>9.2f} "
            f"{r['demo_cpu_s']:>13.2f} {r['ratio']:>6.2f}  ≤ 1.00 (demo ≤ {GOAL_SECONDS:.0f} s)"
        )
    print(f"load average after: {load_after[0]:.1f} (before: {load_before[0]:.1f})")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "goal_seconds": GOAL_SECONDS,
                    "load_average": {"before": load_before, "after": load_after},
                    "results": results,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    passed = bool(results) and all(r.get("passed") for r in results)
    ratios = ", ".join(
        f"{r['backend']} {r['ratio']:.2f}" if "ratio" in r else f"{r['backend']} failed" for r in results
    )
    print(f"RESULT {'PASS' if passed else 'FAIL'} ratio {ratios} (demo / {GOAL_SECONDS:.0f} s, goal ≤ 1.00)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
