"""Several app processes behind a proxy: does the capacity add up?

    python bench/load_cluster.py [--processes 2] [--database-url URL] [--path page|html]
                                 [--levels ...] [--hold 60] [--warmup 20] [--think 5,15]
                                 [--repeat 1] [--json FILE]

Starts 1 and then ``--processes`` app processes (``streamlit run asgi.py``, as
deploy/appraisal@.service does) on one PostgreSQL database (default: a scratch one with
the demo city, dropped afterwards), puts HAProxy in front of them with deploy/haproxy.cfg
itself (only its ``bind`` port and ``server`` lines are replaced: sticky sessions by
cookie, the websocket passed through, ``/_stcore/health`` as the health check), and runs
bench/load_survey.py's ramp through the proxy for each. With ``--repeat`` the two
alternate (1, N, then N, 1, ...) and the capacities are medians.

**Figure: capacity of N processes / capacity of 1 process**, both through the proxy, in
the same run. Goal: ≥ 0.8 × N (1.6 for two processes): nearly additive. On a machine
with fewer cores than processes + database + proxy + load generator, they share the
cores and the honest expectation is below that; the CPU figures printed per level say
where the time went.

Always exits 0; the last line is ``RESULT PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from bench import load_survey as ls  # noqa: E402

HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
GOAL_SHARE = 0.8  # of N × one process's capacity


def proxy_config(template: str, port: int, backends: Sequence[str]) -> str:
    """deploy/haproxy.cfg with its frontend on ``port`` and one server line per backend
    (``host:port``), keeping every other line, so the bench runs the recipe's config."""
    lines = []
    servers_done = False
    for line in template.splitlines():
        stripped = line.strip()
        if stripped.startswith("bind "):
            line = re.sub(r"bind \S+", f"bind 127.0.0.1:{port}", line)
        elif stripped.startswith("server app"):
            if servers_done:
                continue
            indent = line[: len(line) - len(line.lstrip())]
            for n, backend in enumerate(backends, start=1):
                lines.append(f"{indent}server app{n} {backend} check cookie app{n}")
            servers_done = True
            continue
        lines.append(line)
    if not servers_done:
        raise ValueError("the proxy config has no `server app...` line to replace")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def haproxy(backends: Sequence[str], work: Path) -> Iterator[str]:
    """HAProxy in the foreground on a free port with deploy/haproxy.cfg; yield its URL."""
    exe = shutil.which("haproxy") or "/usr/sbin/haproxy"
    port = ls.free_port()
    config = work / "haproxy.cfg"
    config.write_text(proxy_config(HAPROXY_CFG.read_text(), port, backends))
    log_path = work / "haproxy.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([exe, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as response:
                        if response.read() == b"ok":
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"haproxy did not start:\n{log_path.read_text(errors='replace')[-2000:]}"
                    )
                time.sleep(0.3)
            time.sleep(2.5)  # the health checks (every 2 s) mark every server up
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def sticky_check(base: str, count: int) -> int:
    """How many distinct processes the proxy's cookie sent fresh browsers to (it should
    spread them over all ``count``), reading the cookie it sets."""
    seen = set()
    for _ in range(max(4, 3 * count)):
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as response:
            cookies = " ".join(response.headers.get_all("Set-Cookie") or [])
        match = re.search(r"APPRAISAL_SRV=(\w+)", cookies)
        if match:
            seen.add(match[1])
    return len(seen)


def measure_cluster(
    n: int, args: argparse.Namespace, database_url: str, data_dir: Path, tokens: ls.TokenPool
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"cluster{n}-") as tmp:
        work = Path(tmp)
        extra = {"APPRAISAL_TRUST_PROXY": "true"}
        with (
            ls.serve(n, database_url, data_dir, work, **extra) as apps,
            haproxy([base.removeprefix("http://") for base, _ in apps], work) as proxy,
        ):
            spread = sticky_check(proxy, n)
            ls.say(f"  {n} process(es) behind haproxy at {proxy}; fresh browsers spread over {spread}")
            pids = [process.pid for _, process in apps]

            async def run() -> list[ls.LevelResult]:
                for base, _ in apps:  # each process imports its pages once before measuring
                    await ls.warm(base, args.path, tokens)
                return await ls.ramp(
                    proxy,
                    args.path,
                    tokens,
                    ls.parse_levels(args.levels),
                    args.hold,
                    args.warmup,
                    ls.parse_think(args.think),
                    lambda: pids,
                    say=lambda line: ls.say(line.replace(f"[{args.path}]", f"[{n} proc]")),
                )

            results = asyncio.run(run())
    return {"capacity": ls.capacity(results), "spread": spread, "levels": [asdict(r) for r in results]}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--data-dir", default="", help="the app's data folder (its secret.key) for --database-url"
    )
    parser.add_argument("--pg-server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--path", choices=ls.PATHS, default="page")
    parser.add_argument("--levels", default=",".join(map(str, ls.DEFAULT_LEVELS)))
    parser.add_argument("--hold", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--think", default="5,15")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", default="")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    n = max(2, args.processes)
    runs: dict[int, list[dict[str, Any]]] = {1: [], n: []}
    try:
        with contextlib.ExitStack() as stack:
            data_dir = Path(
                args.data_dir or stack.enter_context(tempfile.TemporaryDirectory(prefix="cluster-data-"))
            )
            url = args.database_url
            if not url:
                url = stack.enter_context(ls.scratch_postgres(args.pg_server, "cluster"))
                ls.say(f"scratch database {url.rsplit('/', 1)[-1]}: loading the demo city")
                ls.load_demo(url, data_dir)
            levels = ls.parse_levels(args.levels)
            need = ls.tokens_needed(levels, args.hold, ls.parse_think(args.think)) * 2 * args.repeat
            tokens = ls.TokenPool(ls.issue_tokens(url, need))
            ls.say(f"  {len(tokens.tokens)} invitation tokens issued")
            for k in range(args.repeat):
                for count in (1, n) if k % 2 == 0 else (n, 1):
                    runs[count].append(measure_cluster(count, args, url, data_dir, tokens))
    except Exception as exc:  # a measurement: say what broke, exit 0
        print(f"cluster load test failed: {type(exc).__name__}: {exc}")
    caps = {count: [r["capacity"] for r in rs] for count, rs in runs.items()}
    one = statistics.median(caps[1]) if caps[1] else 0
    many = statistics.median(caps[n]) if caps[n] else 0
    ratio = many / one if one else 0.0
    goal = GOAL_SHARE * n
    result = (
        f"RESULT {'PASS' if ratio >= goal else 'FAIL'} ratio {ratio:.2f} "
        f"({n} processes {many:g} / 1 process {one:g} people at once, {args.path} path, "
        f"p95 < {ls.P95_LIMIT_S:g} s; goal >= {goal:.2f})"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "result": result}, indent=1, default=str))
    print(f"1 process: {caps[1]}; {n} processes: {caps[n]}")
    print(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
