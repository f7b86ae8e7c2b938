"""Benchmark the scorer against the time pandas needs just to read the same bundle.

    python bench/run_bench.py [--bundle DIR] [--units 5000] [--responses 1000000]
                              [--cases 250000] [--seed 1] [--replicates 1000] [--repeat 1]

Steps: generate the city-scale bundle into a cache folder (reused when it was made
with the same parameters by the same generator), then, each in a fresh subprocess:

* baseline: ``pandas.read_csv`` of every ``.csv`` of the bundle, default engine,
  timed inside the subprocess around the reads only (interpreter start-up and
  ``import pandas`` excluded, so the baseline is as fast as it can honestly be);
* scorer: ``python -m scoring score BUNDLE --out TMP --replicates N``, whole-process
  wall time (start-up, imports, validation, scoring, bootstrap and writing included),
  and its peak resident memory.

Goal: scorer time ≤ 2 × baseline and peak memory ≤ 2 GiB. The script always exits 0:
it is a measurement, not a test; the verdict is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script (python bench/run_bench.py): make `bench` importable
    sys.path.insert(0, str(ROOT))

from bench import generate_bundle  # noqa: E402

DEFAULT_BUNDLE = HERE / ".data" / "city"
GOAL_RATIO = 2.0
GOAL_PEAK_MIB = 2048.0

# Runs in a fresh interpreter: imports first, then the clock runs around the reads only.
BASELINE_CODE = r"""
import json, pathlib, sys, time
import pandas as pd
files = sorted(pathlib.Path(sys.argv[1]).glob("*.csv"))
t0 = time.perf_counter()
rows = 0
for f in files:
    rows += len(pd.read_csv(f))
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "files": len(files), "rows": rows}))
"""


@dataclass
class Run:
    """One subprocess measurement."""

    wall_s: float  # whole process, from spawn to reaped
    peak_mib: float  # max of the kernel's ru_maxrss and the sampled RSS of the process tree
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


# ---------------------------------------------------------------------------- processes


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                kids.extend(int(x) for x in f.read().split())
    except OSError:
        pass
    return kids


def _tree_rss_kib(root: int) -> int:
    """Sum of RSS over a process and its descendants (worker pools would escape ru_maxrss)."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_kib(pid)
        stack.extend(_children(pid))
    return total


def run_measured(cmd: Sequence[str], timeout_s: float, cwd: Path = ROOT) -> Run:
    """Run ``cmd`` and return its wall time and peak memory.

    The peak is the child's own ``ru_maxrss`` as ``os.wait4`` reports it for that
    pid (``getrusage(RUSAGE_CHILDREN)`` would mix in earlier children such as the
    baseline), and at least the largest RSS sum of its process tree sampled every 50 ms.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True)
        peak_sampled = 0
        done = threading.Event()
        timed_out = threading.Event()

        def sample() -> None:
            nonlocal peak_sampled
            while not done.wait(0.05):
                peak_sampled = max(peak_sampled, _tree_rss_kib(proc.pid))
                if time.perf_counter() - t0 > timeout_s and not timed_out.is_set():
                    timed_out.set()
                    # the child leads its own session: this signals only what we started
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    peak_kib = max(usage.ru_maxrss, peak_sampled)  # ru_maxrss is in KiB on Linux
    return Run(wall, peak_kib / 1024.0, proc.returncode, stdout, stderr, timed_out.is_set())


# ---------------------------------------------------------------------------- bundle


def _generator_digest() -> str:
    return hashlib.sha256(Path(generate_bundle.__file__).read_bytes()).hexdigest()


def ensure_bundle(bundle: Path, params: dict[str, int]) -> bool:
    """Generate the bundle unless the cache was made with ``params`` by this generator.

    The stamp lives beside the bundle, not in it, so that the scorer's input hashes
    cover only bundle files. Returns True when the bundle was (re)generated.
    """
    stamp = bundle.parent / f"{bundle.name}.params.json"
    wanted = {**params, "generator_sha256": _generator_digest()}
    try:
        if json.loads(stamp.read_text(encoding="utf-8")) == wanted and (bundle / "campaign.toml").exists():
            return False
    except (OSError, ValueError):
        pass
    stamp.unlink(missing_ok=True)  # a half-written bundle must not look cached
    generate_bundle.generate(bundle, **params)
    stamp.write_text(json.dumps(wanted, indent=1) + "\n", encoding="utf-8")
    return True


# ---------------------------------------------------------------------------- measuring


def measure_baseline(python: str, bundle: Path, timeout_s: float) -> tuple[float, Run]:
    """Seconds pandas spends in ``read_csv`` over the bundle, and the whole run."""
    run = run_measured([python, "-c", BASELINE_CODE, str(bundle)], timeout_s)
    if run.returncode != 0:
        raise RuntimeError(f"baseline failed (exit {run.returncode}):\n{run.stderr}")
    return float(json.loads(run.stdout.strip().splitlines()[-1])["seconds"]), run


def measure_scorer(python: str, bundle: Path, replicates: int, timeout_s: float) -> tuple[Run, int | None]:
    """Whole-process run of the scorer CLI; also the number of result rows it wrote."""
    out_dir = Path(tempfile.mkdtemp(prefix="bench-results-"))
    try:
        cmd = [
            python,
            "-m",
            "scoring",
            "score",
            str(bundle),
            "--out",
            str(out_dir / "results"),
            "--replicates",
            str(replicates),
        ]
        run = run_measured(cmd, timeout_s)
        results = out_dir / "results" / "results.csv"
        n_rows = None
        if results.exists():
            with results.open("rb") as f:
                n_rows = sum(1 for _ in f) - 1
        return run, n_rows
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; always returns 0 (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Scorer time vs pandas.read_csv of the same bundle")
    parser.add_argument(
        "--bundle",
        type=Path,
        default=DEFAULT_BUNDLE,
        help="cache folder of the generated bundle (default bench/.data/city)",
    )
    parser.add_argument(
        "--use-existing",
        action="store_true",
        help="benchmark --bundle as it is, without generating (e.g. a real exported bundle)",
    )
    parser.add_argument("--units", type=int, default=generate_bundle.DEFAULT_UNITS)
    parser.add_argument("--responses", type=int, default=generate_bundle.DEFAULT_RESPONSES)
    parser.add_argument("--cases", type=int, default=generate_bundle.DEFAULT_CASES)
    parser.add_argument("--seed", type=int, default=generate_bundle.DEFAULT_SEED)
    parser.add_argument("--replicates", type=int, default=1000, help="bootstrap replicates (scorer flag)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (medians)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds before a run is killed")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the subprocesses")
    parser.add_argument("--json", type=Path, help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat)
    bundle: Path = args.bundle.resolve()

    params = {"units": args.units, "responses": args.responses, "cases": args.cases, "seed": args.seed}
    if args.use_existing:
        state = "existing, not generated"
    else:
        t0 = time.perf_counter()
        made = ensure_bundle(bundle, params)
        state = f"generated in {time.perf_counter() - t0:.1f} s" if made else "reused from cache"
    csvs = sorted(bundle.glob("*.csv"))
    size_mib = sum(f.stat().st_size for f in csvs) / 2**20
    print(f"bundle    {bundle} ({state}; {len(csvs)} CSV files, {size_mib:.0f} MiB)")
    if not args.use_existing:
        print(
            f"          {args.units:,} units, {args.responses:,} responses, {args.cases:,} phone cases, "
            f"seed {args.seed}"
        )

    base_reads: list[float] = []
    base_wall: list[float] = []
    score_wall: list[float] = []
    peaks: list[float] = []
    failure: str | None = None
    n_rows: int | None = None
    for i in range(repeat):
        # alternate baseline and scorer so that both see the same page-cache and machine state
        reads, brun = measure_baseline(args.python, bundle, args.timeout)
        base_reads.append(reads)
        base_wall.append(brun.wall_s)
        srun, n_rows = measure_scorer(args.python, bundle, args.replicates, args.timeout)
        print(
            f"  run {i + 1}/{repeat}: baseline reads {reads:.3f} s (process {brun.wall_s:.3f} s), "
            f"scorer {srun.wall_s:.3f} s, peak {srun.peak_mib:.0f} MiB, exit {srun.returncode}"
        )
        if srun.returncode != 0 or srun.timed_out:
            why = f"timed out after {args.timeout:.0f} s" if srun.timed_out else f"exit {srun.returncode}"
            failure = (
                f"scorer failed ({why}); stderr tail:\n{_tail(srun.stderr)}\n"
                f"stdout tail:\n{_tail(srun.stdout)}"
            )
            break
        score_wall.append(srun.wall_s)
        peaks.append(srun.peak_mib)

    baseline = statistics.median(base_reads)
    print()
    print(
        f"baseline  {baseline:8.3f} s  pandas.read_csv of every CSV, reads only "
        f"(median of {len(base_reads)}; whole process {statistics.median(base_wall):.3f} s)"
    )
    report: dict[str, object] = {
        "bundle": str(bundle),
        "params": params,
        "replicates": args.replicates,
        "baseline_s": baseline,
        "baseline_runs_s": base_reads,
        "baseline_process_s": base_wall,
        "goal_ratio": GOAL_RATIO,
        "goal_peak_mib": GOAL_PEAK_MIB,
    }
    if failure is not None:
        print(failure)
        print("RESULT    FAIL (the scorer did not finish)")
        report.update(verdict="FAIL", error=failure)
    else:
        scorer = statistics.median(score_wall)
        ratio = scorer / baseline
        peak = max(peaks)
        ok_ratio, ok_peak = ratio <= GOAL_RATIO, peak <= GOAL_PEAK_MIB
        print(
            f"scorer    {scorer:8.3f} s  python -m scoring score --replicates {args.replicates}, "
            f"whole process (median of {len(score_wall)}; {n_rows} result rows)"
        )
        print(
            f"ratio     {ratio:8.2f}    scorer / baseline, goal <= {GOAL_RATIO:g}  "
            f"{'PASS' if ok_ratio else 'FAIL'}"
        )
        print(
            f"peak      {peak:8.0f} MiB scorer peak RSS (max of runs), goal <= {GOAL_PEAK_MIB:.0f} MiB  "
            f"{'PASS' if ok_peak else 'FAIL'}"
        )
        verdict = "PASS" if ok_ratio and ok_peak else "FAIL"
        print(f"RESULT    {verdict}")
        report.update(
            scorer_s=scorer,
            scorer_runs_s=score_wall,
            ratio=ratio,
            peak_mib=peak,
            peak_runs_mib=peaks,
            result_rows=n_rows,
            verdict=verdict,
        )
    # Sanity line: the benchmark's own children, as the kernel aggregates them.
    children_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print(f"(max RSS of any child process, getrusage(RUSAGE_CHILDREN): {children_mib:.0f} MiB)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
