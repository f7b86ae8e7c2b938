"""Benchmark the app's pages as a person waits for them, in headless Chromium on the demo city.

    python bench/bench_pages.py [--repeat 1] [--scale 1.0] [--roles admin,supervisor,caller,liaison]
                                [--pages review,units,...] [--demo-dir DIR] [--json FILE] [--python EXE]

Each repetition starts the real app (``streamlit run asgi.py``, as ./scripts/start does) on a
fresh copy of a demo database (SQLite in a temporary folder; the demo is loaded once with
``python -m db demo --scale S`` and cached under ``bench/.data/``) and drives Debian's Chromium
through Playwright (headless, --no-sandbox). It times, from the Python side of Playwright:

* ``server start``: spawning the process until ``/_stcore/health`` answers (shown, no goal);
* ``first render``: the first page anyone opens after the start (``/``, the home page): from
  ``page.goto`` until its heading is drawn and the script run is over. Goal < 1 s;
* ``sign-in <role>``: the login form submitted until the page the app lands on is drawn and
  its run is over (the POST, the password check, the redirect and the new session's first run).
  Goal < 1 s;
* ``<role> /<page>``: each staff page the role's navigation lists, opened by clicking its link
  in the sidebar as a person does, until the page's heading is drawn and the run is over (the
  first visit of each page in this process: cold imports are counted). Goal < 1 s;
* ``review rerun``: on the review page (admin), the rerun after a filter change (a unit code
  typed in the queue's filter and Enter), until the run is over. Goal < 0.3 s.

"The run is over": the server's ``script_finished`` message (a successful run) has reached the
page, read off the app's websocket, and the page shows the expected heading with no run going
on (Streamlit's ``data-test-script-state`` on the app's root). Beside each figure the server's
and the browser's CPU seconds meanwhile are printed (/proc): on a shared machine the wall time
also holds waiting for a core, the CPU figures do not. The goals are absolute (issue 12), so
each figure is printed as ``figure / goal`` (a ratio ≤ 1 meets it); with ``--repeat K`` figures
are medians over K fresh processes. The last line is ``RESULT PASS`` or ``RESULT FAIL`` with
the worst ratio. The script always exits 0: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from tests.serving import CHROMIUM, free_port, server_env  # noqa: E402
from ui.messages import t  # noqa: E402

DATA = HERE / ".data"
PASSWORD = "linjiang-demo"  # the demo's public password (db/demo.py)
ROLES = ("admin", "supervisor", "caller", "liaison")
# Staff pages in the navigation's order, with their headings' catalogue keys.
STAFF_PAGES = {
    "units": "register.title",
    "campaigns": "nav.campaigns",
    "questionnaire": "qdesign.title",
    "invitations": "nav.invitations",
    "sampling": "nav.sampling",
    "calls": "calls.title",
    "fieldwork": "fieldwork.title",
    "indicators": "indicators.title",
    "adjustments": "adjustments.title",
    "scoring": "scoring.title",
    "appeals": "appeals.title",
    "rectification": "rectification.title",
    "review": "review.title",
    "accounts": "accounts.admin.title",
    "password": "accounts.admin.password.title",
}
GOAL_FIRST = 1.0
GOAL_SIGN_IN = 1.0
GOAL_PAGE = 1.0
GOAL_RERUN = 0.3
TIMEOUT_MS = 120_000

# Drawn and idle: the main heading reads ``title`` (any heading for None) and no run is going on.
DRAWN = """(title) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  return h1 !== null && (title === null || h1.textContent.trim() === title);
}"""


class Runs:
    """Counts the script runs the server reports finished to a page: Streamlit's
    ``ForwardMsg.script_finished`` (FINISHED_SUCCESSFULLY) read off the app's websocket.
    A run's deltas come before it, so once it has arrived the page has everything to draw.
    (Watching the DOM's run state instead misses runs short enough for the frontend to
    batch "running" and "not running" into one render.)"""

    def __init__(self, page: Any) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._message = ForwardMsg
        self._done = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
        self.finished = 0
        self.page = page
        page.on("websocket", self._socket)

    def _socket(self, socket: Any) -> None:
        if "/_stcore/stream" in socket.url:
            socket.on("framereceived", self._frame)

    def _frame(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        message = self._message()
        try:
            message.ParseFromString(payload)
        except Exception:  # not one of Streamlit's messages
            return
        if message.WhichOneof("type") == "script_finished" and message.script_finished == self._done:
            self.finished += 1

    def wait(self, after: int, title: str | None) -> None:
        """Until a run finished after the ``after``-th and the page is drawn (``title``)."""
        deadline = time.perf_counter() + TIMEOUT_MS / 1000
        while self.finished <= after:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no script run finished within {TIMEOUT_MS / 1000:.0f} s")
            self.page.wait_for_timeout(5)  # lets Playwright deliver the websocket's frames
        self.page.wait_for_function(DRAWN, arg=title, polling="raf", timeout=TIMEOUT_MS)


def demo_database(scale: float, python: str) -> Path:
    """A folder holding a freshly loaded demo database and its key (made once, then reused
    while db/ and the migrations are unchanged)."""
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "db").rglob("*.py")]):
        digest.update(path.read_bytes())
    folder = DATA / f"pages-demo-{scale:g}-{digest.hexdigest()[:12]}"
    if (folder / "appraisal.sqlite3").exists():
        return folder
    for old in DATA.glob(f"pages-demo-{scale:g}-*"):
        shutil.rmtree(old, ignore_errors=True)
    building = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    env = server_env("", building)
    print(f"loading the demo city (scale {scale:g}) into {folder} ...", flush=True)
    for command in (["upgrade"], ["demo", "--scale", str(scale)]):
        subprocess.run(
            [python, "-m", "db", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    building.rename(folder)
    return folder


@contextmanager
def served(
    python: str, data_dir: Path, log_path: Path, options: tuple[str, ...] = ()
) -> Iterator[tuple[str, float, int]]:
    """The app on a free port; yields its base URL, the seconds from spawn to healthy and
    the server's process id."""
    import urllib.error
    import urllib.request

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        python, "-m", "streamlit", "run", "asgi.py",
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", *options,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        started = time.perf_counter()
        server = subprocess.Popen(
            command, cwd=ROOT, env=server_env("", data_dir), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            healthy = False
            while time.perf_counter() - started < 120 and server.poll() is None and not healthy:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as response:
                        healthy = response.read() == b"ok"
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.05)
            if not healthy:
                raise RuntimeError(f"the app did not start:\n{log_path.read_text(errors='replace')}")
            yield base, time.perf_counter() - started, server.pid
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stats() -> dict[int, tuple[int, float]]:
    """Every process's parent and CPU seconds (user + system), from /proc."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    return stats


class Meter:
    """Wall time of an action, and the CPU seconds the server process and the browser (every
    other descendant of this script: Playwright's driver and Chromium) spent meanwhile. On a
    shared machine the wall time also holds waiting for a core; the CPU figures do not."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.cpu: dict[str, tuple[float, float]] = {}

    def _sample(self) -> tuple[float, float]:
        stats = _proc_stats()
        children: dict[int, list[int]] = {}
        for pid, (parent, _cpu) in stats.items():
            children.setdefault(parent, []).append(pid)
        browser, todo = 0.0, [os.getpid()]
        while todo:
            for child in children.get(todo.pop(), []):
                if child != self.server_pid:
                    browser += stats[child][1]
                    todo.append(child)
        return stats.get(self.server_pid, (0, 0.0))[1], browser

    def timed(self, name: str, action: Any) -> float:
        """Seconds ``action`` took; infinity (a missed goal) when it failed or timed out."""
        server0, browser0 = self._sample()
        started = time.perf_counter()
        try:
            action()
        except Exception as exc:  # one stuck page must not lose the other figures
            print(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0]}", flush=True)
            seconds = math.inf
        else:
            seconds = time.perf_counter() - started
        server1, browser1 = self._sample()
        self.cpu[name] = (server1 - server0, browser1 - browser0)
        return seconds


def one_run(
    python: str, demo: Path, roles: list[str], pages: list[str] | None, options: tuple[str, ...] = ()
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """One fresh process: every figure of one repetition, in seconds, and the server's and
    the browser's CPU seconds of each."""
    from playwright.sync_api import sync_playwright

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        data_dir = Path(tmp) / "data"
        shutil.copytree(demo, data_dir)
        with (
            served(python, data_dir, Path(tmp) / "streamlit.log", options) as (base, start_seconds, pid),
            sync_playwright() as playwright,
        ):
            figures["server start"] = start_seconds
            meter = Meter(pid)
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
                runs = Runs(page)

                def first() -> None:
                    page.goto(base + "/")
                    runs.wait(0, t("app.title", "zh"))

                figures["first render"] = meter.timed("first render", first)
                page.context.close()
                for role in roles:
                    figures.update(role_run(meter, browser, base, role, pages))
            finally:
                browser.close()
    return figures, meter.cpu


def role_run(meter: Meter, browser: Any, base: str, role: str, pages: list[str] | None) -> dict[str, float]:
    figures: dict[str, float] = {}
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    runs = Runs(page)
    page.goto(f"{base}/login")
    runs.wait(0, t("login.title", "zh"))
    page.locator("#login-username").fill(role)
    page.locator("#login-password").fill(PASSWORD)

    def sign_in() -> None:
        before = runs.finished
        page.locator("form.login-form button").click()
        page.wait_for_url(lambda url: "/login" not in url, timeout=TIMEOUT_MS)
        runs.wait(before, None)

    figures[f"sign-in {role}"] = meter.timed(f"sign-in {role}", sign_in)
    nav = page.locator('[data-testid="stSidebarNav"]')
    listed = [path for path in STAFF_PAGES if nav.locator(f'a[href$="/{path}"]').count()]
    for path in listed:
        if pages and path not in pages:
            continue
        link = nav.locator(f'a[href$="/{path}"]').first
        title = t(STAFF_PAGES[path], "zh")

        def open_page(link: Any = link, title: str = title) -> None:
            before = runs.finished
            link.click()
            runs.wait(before, title)

        figures[f"{role} /{path}"] = meter.timed(f"{role} /{path}", open_page)
        if path == "review":
            figures["review rerun"] = review_rerun(meter, page, runs)
    context.close()
    return figures


def review_rerun(meter: Meter, page: Any, runs: Runs) -> float:
    """The rerun after typing a unit code into the review queue's filter (NaN, not measured,
    when no response waits for review)."""
    box = page.get_by_placeholder(t("review.queue.filter_unit", "zh"))
    if box.count() == 0:
        return math.nan
    box.first.fill("A")

    def rerun() -> None:
        before = runs.finished
        box.first.press("Enter")
        runs.wait(before, t("review.title", "zh"))

    return meter.timed("review rerun", rerun)


def goal_of(name: str) -> float:
    if name == "first render":
        return GOAL_FIRST
    if name.startswith("sign-in"):
        return GOAL_SIGN_IN
    if name == "review rerun":
        return GOAL_RERUN
    return GOAL_PAGE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="fresh app processes; figures are medians")
    parser.add_argument("--scale", type=float, default=1.0, help="demo size (python -m db demo --scale)")
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated demo accounts")
    parser.add_argument("--pages", default="", help="comma-separated staff pages (default: every listed)")
    parser.add_argument(
        "--demo-dir", type=Path, help="use this data folder (appraisal.sqlite3 and secret.key) as the demo"
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Streamlit option for the served app, e.g. server.fileWatcherType=auto (repeatable)",
    )
    parser.add_argument("--python", default=sys.executable, help="the interpreter that serves the app")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)

    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: nothing measured")
        print("RESULT FAIL (no browser)")
        return 0
    roles = [r for r in args.roles.split(",") if r]
    pages = [p for p in args.pages.split(",") if p] or None
    try:
        demo = args.demo_dir or demo_database(args.scale, args.python)
        runs, cpus = [], []
        for k in range(max(1, args.repeat)):
            print(f"repetition {k + 1}/{args.repeat} ...", flush=True)
            options = tuple(f"--{option}" for option in args.option)
            figures, cpu = one_run(args.python, demo, roles, pages, options)
            runs.append(figures)
            cpus.append(cpu)
    except Exception as exc:  # a measurement: report, never crash the caller
        print(f"the benchmark could not run: {type(exc).__name__}: {exc}")
        print("RESULT FAIL (not measured)")
        return 0

    names = list(dict.fromkeys(name for run in runs for name in run))
    rows: list[dict[str, Any]] = []
    print(f"\n{'figure':<28} {'seconds':>8} {'goal':>6} {'ratio':>6} {'server CPU':>11} {'browser CPU':>12}")
    for name in names:
        values = [run[name] for run in runs if name in run and run[name] == run[name]]
        if not values:
            continue
        seconds = statistics.median(values)
        if name == "server start":
            print(f"{name:<28} {seconds:8.2f} {'-':>6} {'-':>6}  (no goal)")
            rows.append({"figure": name, "seconds": seconds, "samples": values})
            continue
        goal = goal_of(name)
        ratio = seconds / goal
        server_cpu = statistics.median([cpu[name][0] for cpu in cpus if name in cpu])
        browser_cpu = statistics.median([cpu[name][1] for cpu in cpus if name in cpu])
        mark = "" if ratio <= 1 else "  MISSED"
        print(
            f"{name:<28} {seconds:8.2f} {goal:6.1f} {ratio:6.2f} {server_cpu:11.2f} {browser_cpu:12.2f}{mark}"
        )
        rows.append(
            {
                "figure": name,
                "seconds": seconds,
                "goal": goal,
                "ratio": ratio,
                "server_cpu_seconds": server_cpu,
                "browser_cpu_seconds": browser_cpu,
                "samples": values,
            }
        )
    rated = [row for row in rows if "ratio" in row]
    worst = max(rated, key=lambda row: row["ratio"]) if rated else None
    if args.json:
        args.json.write_text(
            json.dumps(
                {"repeat": args.repeat, "scale": args.scale, "cpus": os.cpu_count(), "figures": rows},
                indent=2,
                ensure_ascii=False,
            )
        )
    if worst is None:
        print("RESULT FAIL (nothing measured)")
    else:
        verdict = "PASS" if worst["ratio"] <= 1 else "FAIL"
        print(
            f"RESULT {verdict} worst ratio {worst['ratio']:.2f} ({worst['figure']}: "
            f"{worst['seconds']:.2f} s, goal {worst['goal']:.1f} s); {len(rated)} figures, "
            f"{sum(row['ratio'] > 1 for row in rated)} missed"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
