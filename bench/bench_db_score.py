"""Benchmark scoring a stored campaign against scoring its bundle offline (issue 12).

    python bench/bench_db_score.py [--units 1000] [--responses 200000] [--cases 50000]
                                   [--seed 1] [--replicates 1000] [--override N]
                                   [--repeat 3] [--sqlite-only] [--json FILE]

For each backend (SQLite always; PostgreSQL when ``DATABASE_URL`` names one), the
generated bundle is imported into a fresh, migrated database and exported again (the
export is the bundle a person downloads; the offline scorer reads it). Then, alternating,
each in its own process, spawn to exit (interpreter start-up and imports included):

* ours: ``python -m db score CODE`` (arrays from the database, the run and its results
  stored and committed);
* theirs: ``python -m scoring score EXPORT --out TMP`` on the export;
* ratio: median(ours) / median(theirs) of the wall times over ``--repeat`` rounds,
  goal <= 1.3; the same ratio of CPU times (user + system of the child) is printed
  beside it, as it depends less on what else the machine runs.

Both commands score with the campaign's own ``[uncertainty] replicates`` (what an admin
runs: neither the scoring page nor ``db score`` is given a count), which ``--replicates``
writes into the generated campaign.toml (default 1000, the generator's city setting).
``--override N`` passes ``--replicates N`` to both commands instead (``0``: no bootstrap,
where the fixed costs show most).

Each run of ours adds a scoring run to the benchmark's own database, nothing else. The
script always exits 0: it is a measurement, not a test; the last line is
``RESULT PASS|FAIL`` with the ratios and the goal (judged on the wall-time ratio).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import generate_bundle  # noqa: E402

GOAL_RATIO = 1.3


def _run(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one process, spawn to exit; an error if
    it fails. The CPU time is the children's usage before and after: one child at a time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def _db(cmd: list[str], url: str, timeout: float) -> str:
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "db", *cmd], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"db {cmd[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def bench_backend(
    name: str, url: str, bundle: Path, work: Path, code: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Store the campaign, export it, then time ours and theirs alternately."""
    _db(["upgrade"], url, args.timeout)
    _db(["import-bundle", str(bundle)], url, args.timeout)
    export = work / f"export-{name}"
    _db(["export-bundle", code, str(export)], url, args.timeout)
    env = {**os.environ, "DATABASE_URL": url}
    reps = [] if args.override is None else ["--replicates", str(args.override)]
    ours, theirs, ours_cpu, theirs_cpu = [], [], [], []
    for k in range(args.repeat):
        out = work / f"results-{name}-{k}"
        wall, cpu = _run([sys.executable, "-m", "db", "score", code, *reps], env, args.timeout)
        ours.append(wall)
        ours_cpu.append(cpu)
        wall, cpu = _run(
            [sys.executable, "-m", "scoring", "score", str(export), "--out", str(out), *reps],
            env,
            args.timeout,
        )
        theirs.append(wall)
        theirs_cpu.append(cpu)
        print(
            f"  {name} round {k + 1}: db score {ours[-1]:.2f} s (CPU {ours_cpu[-1]:.2f} s), "
            f"scoring score {theirs[-1]:.2f} s (CPU {theirs_cpu[-1]:.2f} s)",
            flush=True,
        )
    ratio = statistics.median(ours) / statistics.median(theirs)
    cpu_ratio = statistics.median(ours_cpu) / statistics.median(theirs_cpu)
    print(
        f"{name}: db score {statistics.median(ours):.2f} s / scoring score {statistics.median(theirs):.2f} s "
        f"= {ratio:.2f} (goal <= {GOAL_RATIO}); CPU {statistics.median(ours_cpu):.2f} s / "
        f"{statistics.median(theirs_cpu):.2f} s = {cpu_ratio:.2f}",
        flush=True,
    )
    return {
        "ours_s": ours,
        "theirs_s": theirs,
        "ours_cpu_s": ours_cpu,
        "theirs_cpu_s": theirs_cpu,
        "ratio": ratio,
        "cpu_ratio": cpu_ratio,
    }


def _pg_database(base: str) -> tuple[str, str]:
    """A new, empty PostgreSQL database beside ``base``: its URL and name."""
    name = f"bench_db_score_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False), name


def _drop_pg(base: str, name: str) -> None:
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--replicates",
        type=int,
        default=generate_bundle.DEFAULT_REPLICATES,
        help="the campaign's own [uncertainty] replicates, written into the generated bundle",
    )
    parser.add_argument(
        "--override", type=int, metavar="N", help="pass --replicates N to both commands instead"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    results: dict[str, Any] = {
        "goal_ratio": GOAL_RATIO,
        "params": {k: v for k, v in vars(args).items() if k != "json"},
    }
    results["params"]["json"] = str(args.json) if args.json else None
    backends: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-db-score-") as tmp:
            work = Path(tmp)
            bundle = work / "bundle"
            generate_bundle.generate(
                bundle,
                units=args.units,
                responses=args.responses,
                cases=args.cases,
                seed=args.seed,
                replicates=args.replicates,
            )
            code = generate_bundle_code(bundle)
            backends["sqlite"] = bench_backend(
                "sqlite", f"sqlite:///{work / 'bench.sqlite3'}", bundle, work, code, args
            )
            base = os.environ.get("DATABASE_URL", "")
            if not args.sqlite_only and base and make_url(base).get_backend_name() == "postgresql":
                url, name = _pg_database(base)
                try:
                    backends["postgresql"] = bench_backend("postgresql", url, bundle, work, code, args)
                finally:
                    _drop_pg(base, name)
    except Exception as exc:  # a measurement: report, never crash
        print(f"error: {exc}", file=sys.stderr)
        results["error"] = str(exc)
    results["backends"] = backends
    ratios = {k: v["ratio"] for k, v in backends.items()}
    passed = bool(ratios) and "error" not in results and all(r <= GOAL_RATIO for r in ratios.values())
    results["pass"] = passed
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    shown = (
        ", ".join(f"{k} {v['ratio']:.2f} (CPU {v['cpu_ratio']:.2f})" for k, v in backends.items())
        or "no ratio"
    )
    print(f"RESULT {'PASS' if passed else 'FAIL'}: db score / scoring score = {shown} (goal <= {GOAL_RATIO})")
    return 0


def generate_bundle_code(bundle: Path) -> str:
    """The bundle's ``[campaign] id``."""
    import tomllib

    return str(tomllib.loads((bundle / "campaign.toml").read_text(encoding="utf-8"))["campaign"]["id"])


if __name__ == "__main__":
    sys.exit(main())
