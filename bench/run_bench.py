"""Benchmark the scorer, whole process against whole process, against pandas reading the bundle.

    python bench/run_bench.py [--bundle DIR] [--units 5000] [--responses 1000000]
                              [--cases 250000] [--seed 1] [--replicates 1000 0]
                              [--repeat 3] [--json FILE]

Steps: generate the city-scale bundle into a cache folder (reused when it was made
with the same parameters by the same generator), then, in every repetition and for
every ``--replicates`` setting, two fresh subprocesses one right after the other:

* baseline: ``python -c "import pandas; pandas.read_csv(f, dtype=str,
  keep_default_na=False) for every *.csv of the bundle"``: what any tool that
  reads the bundle at all must spend, start-up and ``import pandas`` included;
* scorer: ``python -m scoring score BUNDLE --out TMP --replicates N``: start-up,
  imports, reading, validation, scoring, bootstrap and writing the three files.

Both are timed the same way, from spawn to exit: wall time, CPU time (user + system
of the child and all its threads, from ``os.wait4``) and peak resident memory. The
ratios are scorer / baseline of the same repetition, median over the repetitions.

Goals (issue 12): with 1000 replicates the wall ratio is at most 1.0 and the peak at
most 1 GiB; with ``--replicates 0`` (reading, validation, the main run and writing)
the CPU ratio is at most 0.7. Any other N > 0 is judged like 1000. The script always
exits 0: it is a measurement, not a test; its last line is ``RESULT PASS|FAIL`` with
the ratios and goals. The machine's load shows in both figures of a pair alike, so
the ratios hold better than the times, but a shared machine makes every figure noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script (python bench/run_bench.py): make `bench` importable
    sys.path.insert(0, str(ROOT))

from bench import generate_bundle  # noqa: E402

DEFAULT_BUNDLE = HERE / ".data" / "city"
DEFAULT_REPLICATES = (1000, 0)
GOAL_WALL_RATIO = 1.0  # with replicates: scorer wall time / baseline wall time
GOAL_CPU_RATIO_MAIN = 0.7  # with --replicates 0: scorer CPU time / baseline CPU time
GOAL_PEAK_MIB = 1024.0

# The baseline, a whole process like the scorer: every CSV read as text, as the scorer does.
BASELINE_CODE = r"""
import pathlib, sys
import pandas as pd
rows = 0
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.csv")):
    rows += len(pd.read_csv(f, dtype=str, keep_default_na=False))
print(rows)
"""


@dataclass
class Run:
    """One subprocess measurement, spawn to exit."""

    wall_s: float
    cpu_s: float  # user + system time of the child (all its threads, and reaped descendants)
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
    """Run ``cmd`` and return its wall time, CPU time and peak memory.

    CPU time and ``ru_maxrss`` are the child's own, as ``os.wait4`` reports them for
    that pid (``getrusage(RUSAGE_CHILDREN)`` would mix in earlier children); the peak
    is at least the largest RSS sum of its process tree sampled every 50 ms, so that
    worker processes are counted.
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
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, peak_kib / 1024.0, proc.returncode, stdout, stderr, timed_out.is_set())


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


def measure_baseline(python: str, bundle: Path, timeout_s: float) -> Run:
    """The pandas reading process, spawn to exit."""
    run = run_measured([python, "-c", BASELINE_CODE, str(bundle)], timeout_s)
    if run.returncode != 0 or run.timed_out:
        raise RuntimeError(f"baseline failed (exit {run.returncode}):\n{_tail(run.stderr)}")
    return run


def measure_scorer(python: str, bundle: Path, replicates: int, timeout_s: float) -> tuple[Run, int | None]:
    """The scorer CLI, spawn to exit; also the number of result rows it wrote."""
    out_dir = Path(tempfile.mkdtemp(prefix="bench-results-"))
    try:
        cmd = [python, "-m", "scoring", "score", str(bundle), "--out", str(out_dir / "results")]
        cmd += ["--replicates", str(replicates)]
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


@dataclass
class Setting:
    """The pairs measured for one ``--replicates`` value, and its verdict."""

    replicates: int
    baseline: list[Run]
    scorer: list[Run]
    result_rows: int | None = None
    failure: str | None = None

    def wall_ratio(self) -> float:
        pairs = zip(self.baseline, self.scorer, strict=True)
        return statistics.median(s.wall_s / b.wall_s for b, s in pairs)

    def cpu_ratio(self) -> float:
        pairs = zip(self.baseline, self.scorer, strict=True)
        return statistics.median(s.cpu_s / b.cpu_s for b, s in pairs)

    def peak(self) -> float:
        return max(s.peak_mib for s in self.scorer)

    def goal(self) -> str:
        if self.replicates == 0:
            return f"CPU ratio <= {GOAL_CPU_RATIO_MAIN:g}, peak <= {GOAL_PEAK_MIB:.0f} MiB"
        return f"wall ratio <= {GOAL_WALL_RATIO:g}, peak <= {GOAL_PEAK_MIB:.0f} MiB"

    def passed(self) -> bool:
        if self.failure is not None or not self.scorer:
            return False
        ratio_ok = (
            self.cpu_ratio() <= GOAL_CPU_RATIO_MAIN
            if self.replicates == 0
            else self.wall_ratio() <= GOAL_WALL_RATIO
        )
        return ratio_ok and self.peak() <= GOAL_PEAK_MIB

    def report(self) -> dict[str, object]:
        out: dict[str, object] = {
            "replicates": self.replicates,
            "goal": self.goal(),
            "baseline_runs": [_run_dict(r) for r in self.baseline],
            "scorer_runs": [_run_dict(r) for r in self.scorer],
            "result_rows": self.result_rows,
            "verdict": "PASS" if self.passed() else "FAIL",
        }
        if self.failure is not None:
            out["error"] = self.failure
        elif self.scorer:
            out.update(wall_ratio=self.wall_ratio(), cpu_ratio=self.cpu_ratio(), peak_mib=self.peak())
        return out


def _run_dict(run: Run) -> dict[str, object]:
    return {k: v for k, v in asdict(run).items() if k not in ("stdout", "stderr")}


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; always returns 0 (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description="Scorer vs pandas.read_csv of the same bundle, whole processes"
    )
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
    parser.add_argument(
        "--replicates",
        type=int,
        nargs="+",
        default=list(DEFAULT_REPLICATES),
        help="bootstrap replicates, one setting each (default: 1000 0)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="pairs measured per setting (medians)")
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
    print(f"          {os.cpu_count()} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")

    settings = [Setting(n, [], []) for n in args.replicates]
    for i in range(repeat):
        for s in settings:
            if s.failure is not None:
                continue
            # baseline and scorer back to back, so that both see the same machine state
            try:
                base = measure_baseline(args.python, bundle, args.timeout)
            except RuntimeError as exc:
                s.failure = str(exc)
                continue
            run, s.result_rows = measure_scorer(args.python, bundle, s.replicates, args.timeout)
            print(
                f"  run {i + 1}/{repeat}, {s.replicates} replicates: "
                f"baseline {base.wall_s:.2f} s (CPU {base.cpu_s:.2f} s, {base.peak_mib:.0f} MiB), "
                f"scorer {run.wall_s:.2f} s (CPU {run.cpu_s:.2f} s, {run.peak_mib:.0f} MiB), "
                f"exit {run.returncode}"
            )
            if run.returncode != 0 or run.timed_out:
                why = f"timed out after {args.timeout:.0f} s" if run.timed_out else f"exit {run.returncode}"
                s.failure = (
                    f"scorer failed ({why}); stderr tail:\n{_tail(run.stderr)}\n"
                    f"stdout tail:\n{_tail(run.stdout)}"
                )
                continue
            s.baseline.append(base)
            s.scorer.append(run)

    print()
    for s in settings:
        print(f"--replicates {s.replicates} (medians of {len(s.scorer)}; {s.result_rows} result rows)")
        if s.failure is not None:
            print(s.failure)
            continue
        print(
            f"  baseline  {_median([r.wall_s for r in s.baseline]):7.2f} s wall  "
            f"{_median([r.cpu_s for r in s.baseline]):7.2f} s CPU  pandas.read_csv(dtype=str) of every CSV"
        )
        print(
            f"  scorer    {_median([r.wall_s for r in s.scorer]):7.2f} s wall  "
            f"{_median([r.cpu_s for r in s.scorer]):7.2f} s CPU  python -m scoring score --replicates "
            f"{s.replicates}"
        )
        print(
            f"  ratio     {s.wall_ratio():7.2f}   wall {s.cpu_ratio():7.2f}   CPU   "
            f"peak {s.peak():.0f} MiB   goal: {s.goal()}  {'PASS' if s.passed() else 'FAIL'}"
        )
    verdict = "PASS" if all(s.passed() for s in settings) else "FAIL"
    summary = "; ".join(
        f"{s.replicates} replicates: scorer failed"
        if s.failure is not None or not s.scorer
        else f"{s.replicates} replicates: wall ratio {s.wall_ratio():.2f}, CPU ratio {s.cpu_ratio():.2f}, "
        f"peak {s.peak():.0f} MiB (goal {s.goal()})"
        for s in settings
    )
    if args.json:
        report = {
            "bundle": str(bundle),
            "params": params,
            "repeat": repeat,
            "settings": [s.report() for s in settings],
            "verdict": verdict,
        }
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"RESULT {verdict} {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
