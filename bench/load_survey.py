"""Load test of the citizen survey: how many people answering at once one app process serves.

    python bench/load_survey.py [--database-url URL] [--url BASE] [--path page|html|both]
                                [--levels 25,50,100,...] [--hold 60] [--warmup 15]
                                [--think 5,15] [--repeat 1] [--json FILE]

Each virtual person is a phone that received an invitation link (one token, one unit)
and answers it the way a browser does, with think time between the steps:

* ``page`` (the Streamlit page, app_pages/survey.py): ``GET /?t=TOKEN`` (the HTML shell),
  ``/_stcore/health`` and ``/_stcore/host-config``, then the websocket
  ``/_stcore/stream`` carrying protobuf ``BackMsg`` / ``ForwardMsg``, exactly as the
  browser's frames were recorded: a ``rerun_script`` with the query string and the
  context; the ``ForwardMsg`` deltas give the widgets (ids, options, defaults); the
  questionnaire is sent as the browser sends a submitted form (every widget's state, the
  radios by their option labels, the submit button as a trigger); the confirmation's
  button likewise. A step ends when the run that the click started has finished
  (``script_finished`` other than ``FINISHED_EARLY_FOR_RERUN``: the page's ``st.rerun()``
  is part of the step, as the person waits for it);
* ``html`` (the light path, ui/survey_routes.py): ``GET /a?t=TOKEN``, ``POST /a/q``,
  ``POST /a/send`` and its redirect, with a cookie jar, the forms read from the HTML.

Steps: ``open`` (link → questionnaire), ``form`` (questionnaire → confirmation), ``send``
(confirmation → thanks), each checked (the expected page, never an error). People arrive
and leave in a closed loop: a person who has answered is replaced by a new one with a new
token. The number of people is ramped through ``--levels``; at each level the steps that
end in the last ``hold - warmup`` seconds are measured. A level passes when every step's
95th percentile is under 1 s and under 1% of the steps failed; the ramp stops after the
first level that does not pass. **The figure: the largest level that passed, per path.
Goal: ≥ 200 people at once on one process** (the issue's threshold for the light path);
the ratio printed is that figure / 200.

Without ``--url`` the script starts one app process itself (``streamlit run asgi.py``, as
``scripts/start`` does, with the file watcher off as in deploy/), on ``--database-url``
(default: a scratch PostgreSQL database with the demo city, dropped afterwards), and
issues the tokens there. The load generator is one asyncio process (websockets +
aiohttp); it runs on the same machine and its CPU use, the app's and the whole
machine's are printed per level, so what the client costs is visible. ``--pin`` puts the
client on the last CPU and the app on the others.

Always exits 0: a measurement, not a test; the last line is ``RESULT PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import websockets  # noqa: E402
import yarl  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

GOAL_PEOPLE = 200  # the issue: fewer than this on one process calls for the light path
P95_LIMIT_S = 1.0
MAX_ERROR_RATE = 0.01
STEPS = ("open", "group", "form", "send")
PATHS = ("page", "html")
DEFAULT_LEVELS = (10, 25, 50, 75, 100, 150, 200, 300, 400, 600, 800)
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
STEP_TIMEOUT_S = 30.0
# What the pages say when they got where they should (the catalogue's Chinese texts).
DONE_KEY = "survey.done.title"


def done_text() -> str:
    from ui.messages import t  # the app's catalogue: the thanks page's title

    return t(DONE_KEY, "zh")


def say(line: str) -> None:
    print(line, flush=True)  # a ramp takes minutes: show each level as it ends


class StepFailed(Exception):
    """A step that did not reach the page it should (an error shown, a missing button)."""


# ---------------------------------------------------------------- the Streamlit protocol


@dataclass(slots=True)
class Widget:
    """One widget of a finished run, as the browser knows it from the deltas."""

    kind: str  # the Element oneof: radio, checkbox, selectbox, text_area, button, ...
    id: str
    form_id: str
    options: list[str]
    default: Any  # the browser's current value before the person touches it

    @property
    def key(self) -> str:
        """The script's ``key=`` (the id ends with it: ``$$ID-<hash>-<key>``)."""
        return (
            self.id.split("-", 2)[2] if self.id.startswith("$$ID-") and self.id.count("-") >= 2 else self.id
        )


@dataclass(slots=True)
class Run:
    """What one finished script run drew: its widgets and its texts."""

    widgets: list[Widget] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # st.error / exception bodies

    def find(self, prefix: str) -> list[Widget]:
        return [w for w in self.widgets if w.key.startswith(prefix)]

    def one(self, key: str) -> Widget:
        found = [w for w in self.widgets if w.key == key]
        if not found:
            raise StepFailed(f"no widget {key!r} (errors: {self.errors[:1]}, texts: {self.texts[:3]})")
        return found[0]


def widget_of(element: Any) -> Widget | None:
    """The widget an ``Element`` proto draws, with the value the browser starts from."""
    kind = element.WhichOneof("type")
    if kind == "radio" or kind == "selectbox":
        proto = getattr(element, kind)
        options = list(proto.options)
        default = (
            options[proto.default] if proto.HasField("default") and proto.default < len(options) else None
        )
        if proto.HasField("raw_value"):
            default = proto.raw_value
        return Widget(kind, proto.id, proto.form_id, options, default)
    if kind == "checkbox":
        return Widget(kind, element.checkbox.id, element.checkbox.form_id, [], element.checkbox.default)
    if kind in ("text_area", "text_input"):
        proto = getattr(element, kind)
        default = proto.default if proto.HasField("default") else ""
        return Widget(kind, proto.id, proto.form_id, [], default)
    if kind == "button":
        return Widget(kind, element.button.id, element.button.form_id, [], None)
    return None


def element_text(element: Any) -> tuple[str, str] | None:
    """(kind, text) of a text element: headings, markdown, alerts, exceptions."""
    kind = element.WhichOneof("type")
    if kind in ("heading", "markdown", "alert", "text"):
        return kind, getattr(element, kind).body
    if kind == "exception":
        return kind, element.exception.message
    return None


def apply_forward(run: Run, msg: Any) -> None:
    """Record one ``ForwardMsg`` delta in the run being drawn."""
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return
    element = msg.delta.new_element
    widget = widget_of(element)
    if widget is not None:
        run.widgets.append(widget)
        return
    text = element_text(element)
    if text is not None:
        kind, body = text
        run.texts.append(body)
        if kind == "exception" or (kind == "alert" and element.alert.format == element.alert.ERROR):
            run.errors.append(body)


def state_of(widget: Widget, value: Any) -> WidgetState:
    """A widget's state as the browser sends it (radios and selectboxes by label)."""
    state = WidgetState(id=widget.id)
    if widget.kind == "checkbox":
        state.bool_value = bool(value)
    elif widget.kind == "button":
        state.trigger_value = True
    else:
        state.string_value = str(value)
    return state


def widget_states(run: Run, values: dict[str, Any], trigger: str | None) -> list[WidgetState]:
    """Every widget's state after the person set ``values`` (by key) and clicked ``trigger``.

    The browser sends the current value of every widget on the page, and a trigger only
    for the button that was clicked; a widget without a value (a radio with no choice) is
    left out.
    """
    states = []
    for widget in run.widgets:
        if widget.kind == "button":
            if widget.key == trigger:
                states.append(state_of(widget, True))
            continue
        value = values.get(widget.key, widget.default)
        if value is not None:
            states.append(state_of(widget, value))
    return states


def rerun_message(query_string: str, states: Sequence[WidgetState], page_hash: str, url: str) -> bytes:
    msg = BackMsg()
    rerun = msg.rerun_script
    rerun.query_string = query_string
    rerun.widget_states.widgets.extend(states)
    if page_hash:
        rerun.page_script_hash = page_hash
    context = rerun.context_info
    context.timezone = "Asia/Shanghai"
    context.timezone_offset = -480
    context.locale = "zh-CN"
    context.url = url
    context.is_embedded = False
    context.color_scheme = "light"
    return msg.SerializeToString()


def new_http() -> aiohttp.ClientSession:
    """A phone's HTTP client: its own cookie jar (the proxy's sticky cookie, the light
    path's sealed cookie); idle connections dropped before the proxy's keep-alive timeout
    (10 s), as a browser retries them, so a connection the proxy has just closed is not
    reused for a POST."""
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        connector=aiohttp.TCPConnector(keepalive_timeout=4),
        headers={"User-Agent": PHONE_UA},
    )


class PageSession:
    """One phone on the Streamlit page: its cookies, its websocket, the last run."""

    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base = base.rstrip("/")
        self.http = http
        self.ws: Any = None
        self.query = ""
        self.page_hash = ""
        self.run = Run()

    async def open(self, token: str) -> Run:
        """What a browser does on following the link, up to the drawn questionnaire."""
        self.query = f"t={token}"
        for path in (f"/?{self.query}", "/_stcore/health", "/_stcore/host-config"):
            async with self.http.get(self.base + path) as response:
                await response.read()
                if response.status != 200:
                    raise StepFailed(f"GET {path}: HTTP {response.status}")
        ws_url = "ws" + self.base.removeprefix("http") + "/_stcore/stream"
        cookies = self.http.cookie_jar.filter_cookies(yarl.URL(self.base))  # the proxy's sticky cookie
        headers = {"Cookie": "; ".join(f"{k}={v.value}" for k, v in cookies.items())} if cookies else None
        self.ws = await websockets.connect(
            ws_url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=self.base,  # type: ignore[arg-type]
            additional_headers=headers,
            user_agent_header=PHONE_UA,
            max_size=None,
            ping_interval=None,
        )
        return await self.rerun([])

    async def rerun(self, states: Sequence[WidgetState]) -> Run:
        """Send one rerun as the browser does and read until that click's run is over."""
        await self.ws.send(rerun_message(self.query, states, self.page_hash, self.base + "/"))
        run = Run()
        while True:
            raw = await self.ws.recv()
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                run = Run()  # a run (or the page's st.rerun()) starts drawing afresh
                self.page_hash = msg.new_session.page_script_hash or self.page_hash
            elif kind == "delta":
                apply_forward(run, msg)
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "script_finished":
                if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    self.run = run
                    return run
            elif kind == "navigation":
                self.page_hash = msg.navigation.page_script_hash or self.page_hash

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
            self.ws = None


def page_answers(run: Run, rng: random.Random) -> dict[str, Any]:
    """A person's answers to the drawn questionnaire, by widget key."""
    values: dict[str, Any] = {}
    for widget in run.widgets:
        if widget.kind == "radio" and widget.key.startswith(("group-", "item-")):
            values[widget.key] = rng.choice(widget.options)
        elif widget.kind == "checkbox" and widget.key.startswith("p-"):
            values[widget.key] = rng.random() < 0.1
        elif widget.kind == "text_area" and widget.key.startswith("comment-") and rng.random() < 0.3:
            values[widget.key] = "办事排队时间较长，希望增加窗口。"
    return values


async def page_journey(base: str, token: str, rng: random.Random, step: StepTimer) -> None:
    """One person on the Streamlit page: link → questionnaire → confirmation → thanks."""
    async with new_http() as http:
        session = PageSession(base, http)
        try:
            async with step("open"):
                run = await session.open(token)
                if run.errors:
                    raise StepFailed(f"open: {run.errors[0]}")
                outside = [w for w in run.find("group-") if not w.form_id]
                if not run.find("next-") and not outside:
                    raise StepFailed(f"open: no questionnaire ({run.texts[:3]})")
            if outside and not run.find("item-"):  # item sets follow the group: chosen first
                await step.think()
                async with step("group"):
                    run = await session.rerun(
                        widget_states(run, {outside[0].key: rng.choice(outside[0].options)}, None)
                    )
            await step.think()
            async with step("form"):
                submit = run.find("next-")
                if not submit:
                    raise StepFailed("form: no submit button")
                run = await session.rerun(widget_states(run, page_answers(run, rng), submit[0].key))
                if run.errors or not run.find("survey-submit"):
                    raise StepFailed(f"form: no confirmation ({(run.errors or run.texts)[:2]})")
            await step.think()
            async with step("send"):
                run = await session.rerun(widget_states(run, {}, "survey-submit"))
                if done_text() not in run.texts:
                    raise StepFailed(f"send: no thanks ({(run.errors or run.texts)[:2]})")
        finally:
            await session.close()


# ---------------------------------------------------------------- the light HTML path


@dataclass(slots=True)
class Form:
    """An HTML form as a browser would submit it."""

    action: str
    method: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (type, name, value)
    checked: set[tuple[str, str]] = field(default_factory=set)
    buttons: list[dict[str, str]] = field(default_factory=list)


class FormParser(HTMLParser):
    """The forms of a page: inputs, textareas, buttons (enough for the answering path)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._textarea: tuple[str, list[str]] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button"):
                self.forms[-1].buttons.append(a)
                return
            self.forms[-1].fields.append(
                (kind, a.get("name", ""), a.get("value", "on" if kind == "checkbox" else ""))
            )
            if "checked" in a:
                self.forms[-1].checked.add((a.get("name", ""), a.get("value", "")))
        elif tag == "textarea":
            self._textarea = (a.get("name", ""), [])
        elif tag == "button":
            self.forms[-1].buttons.append(a)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)
        self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self.forms:
            name, parts = self._textarea
            self.forms[-1].fields.append(("textarea", name, "".join(parts).removeprefix("\n")))
            self._textarea = None


def parse_forms(html: str) -> tuple[list[Form], str]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms, "".join(parser.text)


def fill(form: Form, rng: random.Random) -> tuple[str, str, list[tuple[str, str]]]:
    """(method, action, fields) of the form filled in by a person: one choice per radio
    group, a few boxes ticked, the primary button pressed (its ``formaction`` if any)."""
    data: list[tuple[str, str]] = []
    radios: dict[str, list[str]] = {}
    for kind, name, value in form.fields:
        if not name:
            continue
        if kind == "radio":
            radios.setdefault(name, []).append(value)
        elif kind == "checkbox":
            if (name, value) in form.checked or (name == "p" and rng.random() < 0.1):
                data.append((name, value))
        elif kind == "textarea" and name == "comment" and not value and rng.random() < 0.3:
            data.append((name, "办事排队时间较长，希望增加窗口。"))
        else:
            data.append((name, value))
    for name, values in radios.items():
        already = [v for v in values if (name, v) in form.checked]
        data.append((name, already[0] if already else rng.choice(values)))
    primary = [b for b in form.buttons if "primary" in b.get("class", "")] or form.buttons[-1:]
    action = form.action
    if primary:
        button = primary[0]
        action = button.get("formaction") or action
        if button.get("name"):
            data.append((button["name"], button.get("value", "")))
    return form.method, action, data


async def html_journey(base: str, token: str, rng: random.Random, step: StepTimer) -> None:
    """One person on the light path: ``GET /a?t=``, ``POST /a/q``, ``POST /a/send``."""
    async with new_http() as http:

        async def submit(url: str, form: Form) -> tuple[str, str]:
            method, action, data = fill(form, rng)
            target = urljoin(url, action)
            request = http.get(target, params=data) if method == "get" else http.post(target, data=data)
            async with request as response:
                body = await response.text()
                if response.status != 200:
                    raise StepFailed(f"{method.upper()} {urlsplit(target).path}: HTTP {response.status}")
                return str(response.url), body

        async with step("open"):
            url = f"{base.rstrip('/')}/a?t={token}"
            async with http.get(url) as response:
                body = await response.text()
                if response.status != 200:
                    raise StepFailed(f"GET /a: HTTP {response.status}")
            forms, _ = parse_forms(body)
            if not forms:
                raise StepFailed("open: no form")
        if forms[0].method == "get":  # item sets follow the group: chosen first
            await step.think()
            async with step("group"):
                url, body = await submit(url, forms[0])
                forms, _ = parse_forms(body)
        await step.think()
        async with step("form"):
            url, body = await submit(url, forms[0])
            forms, _ = parse_forms(body)
            if not forms or not forms[-1].action.endswith("/send"):
                raise StepFailed("form: no confirmation")
        await step.think()
        async with step("send"):
            url, body = await submit(url, forms[-1])
            if done_text() not in parse_forms(body)[1]:
                raise StepFailed("send: no thanks")


JOURNEYS: dict[str, Callable[..., Any]] = {"page": page_journey, "html": html_journey}


# ---------------------------------------------------------------- timing and the ramp


@dataclass(slots=True)
class Sample:
    step: str
    end: float  # time.monotonic() when the step ended
    seconds: float
    ok: bool
    error: str = ""


class StepTimer:
    """Times the steps of one person and sleeps their think time between steps."""

    def __init__(self, samples: list[Sample], think: tuple[float, float], rng: random.Random) -> None:
        self.samples = samples
        self.think_range = think
        self.rng = rng

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.think_range))

    @contextlib.asynccontextmanager
    async def __call__(self, name: str) -> Any:
        t0 = time.monotonic()
        try:
            async with asyncio.timeout(STEP_TIMEOUT_S):
                yield
        except (Exception, TimeoutError) as exc:
            t1 = time.monotonic()
            self.samples.append(Sample(name, t1, t1 - t0, False, f"{type(exc).__name__}: {exc}"[:300]))
            raise StepFailed(name) from exc
        t1 = time.monotonic()
        self.samples.append(Sample(name, t1, t1 - t0, True))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(slots=True)
class LevelResult:
    people: int
    steps: dict[str, dict[str, float]]  # step → n, failed, p50, p95, max
    journeys_per_s: float
    failed: int
    errors: list[str]
    client_cpu: float  # the load generator's CPU, in cores
    app_cpu: float  # the app processes', in cores
    machine_busy: float  # the whole machine's busy CPU, in cores
    passed: bool

    @property
    def app_cpu_per_answer(self) -> float:
        """CPU seconds the app spent per answer (all three steps of one person)."""
        return self.app_cpu / self.journeys_per_s if self.journeys_per_s else math.nan

    @property
    def worst_p95(self) -> float:
        p95s = [s["p95"] for s in self.steps.values() if s["n"]]
        return max(p95s) if p95s else math.nan


def summarize(
    samples: Sequence[Sample], t0: float, t1: float
) -> tuple[dict[str, dict[str, float]], int, list[str]]:
    steps: dict[str, dict[str, float]] = {}
    failed = 0
    errors: list[str] = []
    for name in STEPS:
        chosen = [s for s in samples if s.step == name and t0 <= s.end < t1]
        if not chosen:
            continue
        times = [s.seconds for s in chosen]
        bad = [s for s in chosen if not s.ok]
        failed += len(bad)
        errors.extend(s.error for s in bad[:3])
        steps[name] = {
            "n": len(chosen),
            "failed": len(bad),
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "max": max(times),
        }
    return steps, failed, errors


def level_passes(steps: dict[str, dict[str, float]], failed: int) -> bool:
    total = sum(int(s["n"]) for s in steps.values())
    if total == 0:
        return False
    return all(s["p95"] < P95_LIMIT_S for s in steps.values()) and failed <= MAX_ERROR_RATE * total


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds of these processes (Linux /proc), 0 for a gone one."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine since boot (everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


class TokenPool:
    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = list(tokens)

    def take(self) -> str | None:
        return self.tokens.pop() if self.tokens else None


async def ramp(
    base: str,
    path: str,
    tokens: TokenPool,
    levels: Sequence[int],
    hold: float,
    warmup: float,
    think: tuple[float, float],
    app_pids: Callable[[], list[int]],
    seed: int = 1,
    say: Callable[[str], None] = say,
) -> list[LevelResult]:
    """Ramp the number of people through ``levels``; stop after the first failing level."""
    journey = JOURNEYS[path]
    samples: list[Sample] = []
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    results: list[LevelResult] = []

    async def person(index: int, first_delay: float) -> None:
        rng = random.Random(seed * 1_000_003 + index)
        timer = StepTimer(samples, think, rng)
        await asyncio.sleep(first_delay)  # arrivals spread out, not a thundering herd
        while not stop.is_set():
            token = tokens.take()
            if token is None:
                samples.append(Sample("open", time.monotonic(), 0.0, False, "no invitation tokens left"))
                return
            with contextlib.suppress(StepFailed):
                await journey(base, token, rng, timer)
            await timer.think()  # the next person's link arrives a while later

    for people in levels:
        for index in range(len(tasks), people):
            tasks.append(asyncio.create_task(person(index, random.Random(index).uniform(0, think[1]))))
        t_start = time.monotonic()
        cpu0, app0, busy0 = time.process_time(), cpu_seconds(app_pids()), machine_busy_seconds()
        await asyncio.sleep(warmup)
        t_measure = time.monotonic()
        cpu1, app1, busy1 = time.process_time(), cpu_seconds(app_pids()), machine_busy_seconds()
        await asyncio.sleep(max(0.0, hold - warmup))
        t_end = time.monotonic()
        cpu2, app2, busy2 = time.process_time(), cpu_seconds(app_pids()), machine_busy_seconds()
        window = t_end - t_measure
        steps, failed, errors = summarize(samples, t_measure, t_end)
        journeys = sum(1 for s in samples if s.step == "send" and s.ok and t_measure <= s.end < t_end)
        result = LevelResult(
            people=people,
            steps=steps,
            journeys_per_s=journeys / window if window else 0.0,
            failed=failed,
            errors=errors,
            client_cpu=(cpu2 - cpu1) / window if window else 0.0,
            app_cpu=(app2 - app1) / window if window else 0.0,
            machine_busy=(busy2 - busy1) / window if window else 0.0,
            passed=level_passes(steps, failed),
        )
        del t_start, cpu0, app0, busy0
        results.append(result)
        say(format_level(path, result))
        if not result.passed:
            break
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return results


def format_level(path: str, r: LevelResult) -> str:
    steps = "  ".join(
        f"{name} n={int(s['n'])} p50={s['p50']:.2f} p95={s['p95']:.2f}"
        + (f" fail={int(s['failed'])}" if s["failed"] else "")
        for name, s in r.steps.items()
    )
    verdict = "ok" if r.passed else "OVER"
    return (
        f"  [{path}] {r.people:4d} people: {steps}  | {r.journeys_per_s:.2f} answers/s, "
        f"CPU app {r.app_cpu:.2f} ({r.app_cpu_per_answer:.2f} s/answer) client {r.client_cpu:.2f} "
        f"machine {r.machine_busy:.2f} cores  {verdict}" + (f"  e.g. {r.errors[0]}" if r.errors else "")
    )


def capacity(results: Sequence[LevelResult]) -> int:
    """The largest level that passed with every lower level passing too (0: none)."""
    best = 0
    for r in results:
        if not r.passed:
            break
        best = r.people
    return best


def tokens_needed(levels: Sequence[int], hold: float, think: tuple[float, float]) -> int:
    """Enough tokens for the whole ramp: each person starts a journey every three think
    times or so (with a margin), at every level, plus the warm-ups."""
    cycle = 3 * (think[0] + think[1]) / 2 + 0.5
    return int(sum(people * (hold / cycle + 1) for people in levels) * 1.3) + 20


# ---------------------------------------------------------------- the app and its database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_command(port: int, python: str = sys.executable) -> list[str]:
    """``streamlit run asgi.py`` as deploy/ runs it: headless, no file watcher (it
    polls the source tree and would cost every process CPU for nothing)."""
    return [
        python, "-m", "streamlit", "run", "asgi.py",
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def app_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "APPRAISAL_DATA_DIR": str(data_dir),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        # Ten connections kept per process (and ten more under load) is plenty for the
        # few scripts that run at once; it keeps several processes under PostgreSQL's
        # default max_connections of 100.
        "APPRAISAL_DB_POOL_SIZE": "10",
        **extra,
    }


def wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as response:
                if response.read() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the app at {base} did not start:\n{log.read_text(errors='replace')[-3000:]}")


@contextlib.contextmanager
def serve(
    count: int,
    database_url: str,
    data_dir: Path,
    log_dir: Path,
    cpus: set[int] | None = None,
    **extra_env: str,
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """Start ``count`` app processes on one database; yield (base URL, process) each."""
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    logs = []
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        for n in range(count):
            port = free_port()
            log = (log_dir / f"app{n + 1}.log").open("wb")
            logs.append(log)
            process = subprocess.Popen(
                app_command(port),
                cwd=ROOT,
                env=app_env(database_url, data_dir, **extra_env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            if cpus:
                os.sched_setaffinity(process.pid, cpus)
            started.append((f"http://127.0.0.1:{port}", process))
        for n, (base, process) in enumerate(started):
            wait_healthy(base, process, log_dir / f"app{n + 1}.log")
        yield started
    finally:
        for _, process in started:
            process.terminate()
        for _, process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


@contextlib.contextmanager
def scratch_postgres(server_url: str, label: str = "load") -> Iterator[str]:
    """A fresh PostgreSQL database on ``server_url``'s server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(server_url).set(drivername="postgresql+psycopg", database="postgres")
    name = f"bench_{label}_{secrets.token_hex(4)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(server_url)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with engine.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()


def load_demo(database_url: str, data_dir: Path, say: Callable[[str], None] = say) -> None:
    """``db upgrade`` and ``db demo --if-empty``, as scripts/start does."""
    env = {**os.environ, "DATABASE_URL": database_url, "APPRAISAL_DATA_DIR": str(data_dir)}
    for args in (["upgrade"], ["demo", "--if-empty"]):
        t0 = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "db", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
        say(f"  db {' '.join(args)}: {time.monotonic() - t0:.0f} s")


def issue_tokens(database_url: str, count: int) -> list[str]:
    """``count`` invitation tokens of the open campaign, spread over its units, issued as
    its first active admin through the service (as the invitations page does)."""
    from sqlalchemy import select

    from db.engine import session_factory
    from db.models import Campaign, CampaignStatus, CampaignUnit, Role, Unit, User
    from db.uow import UnitOfWork
    from services.invitations import MAX_BATCH, issue_batch
    from services.permissions import CurrentUser

    factory = session_factory(database_url)
    with UnitOfWork(factory, actor="bench") as uow:
        s = uow.session
        admin = (
            s.execute(select(User).where(User.role == Role.admin, User.active.is_(True)).order_by(User.id))
            .scalars()
            .first()
        )
        if admin is None:
            raise RuntimeError("no active admin to issue invitations")
        user = CurrentUser(id=admin.id, username=admin.username, role=Role(admin.role))
        campaign_id, code = s.execute(
            select(Campaign.id, Campaign.code)
            .where(Campaign.status == CampaignStatus.fieldwork)
            .order_by(Campaign.id)
        ).first() or (None, None)
        if code is None:
            raise RuntimeError("no campaign in fieldwork")
        units = list(
            s.execute(
                select(Unit.code)
                .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
                .where(CampaignUnit.campaign_id == campaign_id)
                .order_by(Unit.code)
            ).scalars()
        )
    per_unit = min(MAX_BATCH, math.ceil(count / len(units)))
    tokens: list[str] = []
    for unit in units:
        if len(tokens) >= count:
            break
        issued = issue_batch(
            UnitOfWork(factory, actor="bench"), user, code, unit, min(per_unit, count - len(tokens))
        )
        tokens.extend(i.token for i in issued)
    random.Random(len(tokens)).shuffle(tokens)  # people of every unit arrive mixed
    return tokens


def html_path_served(base: str) -> bool:
    """Whether the app serves the light path (``/a`` answers, not the Streamlit shell)."""
    try:
        with urllib.request.urlopen(f"{base}/a?t=probe", timeout=30) as response:
            body = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError):
        return False
    return 'id="root"' not in body  # the Streamlit shell (its mount point) answers unknown paths


async def warm(base: str, path: str, tokens: TokenPool) -> None:
    """One person answers before measuring: the first run imports the pages' modules."""
    samples: list[Sample] = []
    timer = StepTimer(samples, (0.0, 0.0), random.Random(0))
    token = tokens.take()
    if token is not None:
        with contextlib.suppress(StepFailed):
            await JOURNEYS[path](base, token, random.Random(0), timer)
    bad = [s for s in samples if not s.ok]
    if bad:
        raise RuntimeError(f"warm-up journey on the {path} path failed: {bad[0].error}")


# ---------------------------------------------------------------- the command


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="", help="database with an open campaign (default: scratch PG + demo)"
    )
    parser.add_argument(
        "--pg-server",
        default=os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--data-dir", default="", help="the app's data folder (its secret.key) for --database-url"
    )
    parser.add_argument(
        "--url", default="", help="an app already running (then --database-url issues the tokens)"
    )
    parser.add_argument("--path", choices=(*PATHS, "both"), default="both")
    parser.add_argument("--levels", default=",".join(map(str, DEFAULT_LEVELS)))
    parser.add_argument("--hold", type=float, default=60.0, help="seconds per level")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds of each level not measured")
    parser.add_argument("--think", default="5,15", help="think time between steps, min,max seconds")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pin", action="store_true", help="client on the last CPU, the app on the others")
    parser.add_argument("--json", default="")
    return parser.parse_args(argv)


def parse_levels(text: str) -> list[int]:
    levels = sorted({int(v) for v in text.split(",") if v.strip()})
    if not levels or levels[0] < 1:
        raise SystemExit("--levels: positive numbers, e.g. 10,50,100")
    return levels


def parse_think(text: str) -> tuple[float, float]:
    low, high = (float(v) for v in text.split(","))
    return (low, high)


def run_path(
    base: str,
    path: str,
    args: argparse.Namespace,
    tokens: TokenPool,
    app_pids: Callable[[], list[int]],
    say: Callable[[str], None] = say,
) -> list[LevelResult]:
    think = parse_think(args.think)

    async def main() -> list[LevelResult]:
        await warm(base, path, tokens)
        return await ramp(
            base, path, tokens, parse_levels(args.levels), args.hold, args.warmup, think, app_pids, say=say
        )

    return asyncio.run(main())


def measure(
    args: argparse.Namespace, database_url: str, data_dir: Path, say: Callable[[str], None] = say
) -> dict[str, Any]:
    levels = parse_levels(args.levels)
    paths = list(PATHS) if args.path == "both" else [args.path]
    need = tokens_needed(levels, args.hold, parse_think(args.think)) * len(paths) * args.repeat
    t0 = time.monotonic()
    tokens = TokenPool(issue_tokens(database_url, need))
    say(f"  {len(tokens.tokens)} invitation tokens issued in {time.monotonic() - t0:.0f} s")
    ncpu = os.cpu_count() or 1
    app_cpus = set(range(ncpu - 1)) if args.pin and ncpu > 1 else None
    if args.pin and ncpu > 1:
        os.sched_setaffinity(0, {ncpu - 1})
    figures: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        if args.url:
            base, pids = args.url, list[int]()
        else:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-logs-")))
            [(base, process)] = stack.enter_context(serve(1, database_url, data_dir, log_dir, app_cpus))
            pids = [process.pid]
        for path in paths:
            if path == "html" and not html_path_served(base):
                say("  [html] the app does not serve the light path (/a): not measured")
                continue
            runs = []
            for k in range(args.repeat):
                say(f"  [{path}] ramp {k + 1}/{args.repeat}")
                runs.append(run_path(base, path, args, tokens, lambda: pids, say))
            caps = [capacity(r) for r in runs]
            figures[path] = {
                "capacity": statistics.median(caps),
                "capacities": caps,
                "levels": [[asdict(level) for level in r] for r in runs],
            }
    return figures


def verdict_lines(figures: dict[str, Any]) -> list[str]:
    lines = []
    for path, f in figures.items():
        lines.append(
            f"{path}: {f['capacity']:g} people at once with every step's p95 < {P95_LIMIT_S:g} s "
            f"(runs: {f['capacities']})"
        )
    best = max((f["capacity"] for f in figures.values()), default=0)
    status = "PASS" if best >= GOAL_PEOPLE else "FAIL"
    ratio = best / GOAL_PEOPLE
    detail = ", ".join(f"{p} {f['capacity']:g}" for p, f in figures.items()) or "nothing measured"
    lines.append(
        f"RESULT {status} ratio {ratio:.2f} "
        f"(people at once on one process / {GOAL_PEOPLE}; {detail}; goal >= 1.00)"
    )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    figures: dict[str, Any] = {}
    try:
        with contextlib.ExitStack() as stack:
            data_dir = Path(
                args.data_dir or stack.enter_context(tempfile.TemporaryDirectory(prefix="load-data-"))
            )
            url = args.database_url
            if not url:
                url = stack.enter_context(scratch_postgres(args.pg_server, "survey"))
                say(f"scratch database {url.rsplit('/', 1)[-1]}: loading the demo city")
                load_demo(url, data_dir)
            figures = measure(args, url, data_dir)
    except Exception as exc:  # a measurement: say what broke, exit 0
        print(f"load test failed: {type(exc).__name__}: {exc}")
    lines = verdict_lines(figures)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"figures": figures, "result": lines[-1]}, indent=1, default=str)
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
