"""Signing in: the cookie routes (TestClient), who the script sees (pure resolution and
AppTest), and the real server started the way ./scripts/start starts it."""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from db import migrate
from db.engine import dispose_all, get_engine
from db.models import LoginSession, Role
from db.uow import UnitOfWork
from services import auth
from services.permissions import CurrentUser
from tests.test_telephony_routes import CHUNK, HUGE, post_streaming
from ui.auth import SEEDED_USER_KEY, resolve_user
from ui.auth_routes import COOKIE_NAME, auth_routes
from ui.http_limits import max_body_bytes
from ui.messages import LANGS, t

PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"
LOGIN_FORM = 'form[action="/auth/login"]'
LOGOUT_FORM = 'form[action^="/auth/logout"]'


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite database with one admin, ``admin1``."""
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    migrate.upgrade(url)
    factory = sessionmaker(get_engine(url), expire_on_commit=False)
    auth.create_user(
        UnitOfWork(factory), auth.CLI_OPERATOR, "admin1", PASSWORD, "admin", display_name="王主任"
    )
    yield url
    dispose_all()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(database: str, clock: Clock) -> TestClient:
    factory = sessionmaker(get_engine(database), expire_on_commit=False)
    routes = auth_routes(lambda actor: UnitOfWork(factory, actor=actor), clock=clock)
    return TestClient(Starlette(routes=routes), follow_redirects=False)


def login(client: TestClient, username: str = "admin1", password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return client.post("/auth/login", data={"username": username, "password": password, **extra})


# ---------------------------------------------------------------- the routes


def test_login_sets_an_httponly_samesite_cookie_and_redirects_to_the_app(client: TestClient) -> None:
    response = login(client)

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http (localhost); see the https test
    session = client.get("/auth/session")
    assert session.status_code == 200
    assert session.json() == {
        "signed_in": True,
        "username": "admin1",
        "role": "admin",
        "display_name": "王主任",
    }


def test_over_https_the_cookie_is_secure(database: str, clock: Clock) -> None:
    factory = sessionmaker(get_engine(database), expire_on_commit=False)
    app = Starlette(routes=auth_routes(lambda actor: UnitOfWork(factory, actor=actor), clock=clock))
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)

    assert "Secure" in login(client).headers["set-cookie"]


@pytest.mark.parametrize(
    ("username", "password"), [("admin1", "wrong password"), ("nobody", PASSWORD), ("", ""), ("admin1", "")]
)
def test_a_bad_login_sets_no_cookie_and_returns_to_the_login_page_with_a_message(
    client: TestClient, username: str, password: str
) -> None:
    response = login(client, username, password)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?error=invalid"
    assert "set-cookie" not in response.headers
    assert client.get("/auth/session").status_code == 401


def test_the_language_survives_the_redirects(client: TestClient) -> None:
    assert login(client, password="nope", lang="en").headers["location"] == "/login?error=invalid&lang=en"
    assert login(client, lang="en").headers["location"] == "/?lang=en"
    assert login(client, lang="<script>").headers["location"] == "/"
    assert client.post("/auth/logout?lang=en").headers["location"] == "/?lang=en"


def test_logout_clears_the_cookie_and_ends_the_session_on_the_server(
    client: TestClient, database: str
) -> None:
    login(client)
    token = client.cookies[COOKIE_NAME]

    response = client.post("/auth/logout")

    assert response.status_code == 303 and response.headers["location"] == "/"
    assert (
        f'{COOKIE_NAME}=""' in response.headers["set-cookie"]
        and "Max-Age=0" in response.headers["set-cookie"]
    )
    assert COOKIE_NAME not in client.cookies
    # the old token is dead even if a copy of the cookie survived somewhere
    client.cookies.set(COOKIE_NAME, token)
    assert client.get("/auth/session").status_code == 401


def test_logout_by_get_is_refused_and_changes_nothing(client: TestClient) -> None:
    # an <img src=".../auth/logout"> on any site would otherwise sign the person out
    login(client)

    response = client.get("/auth/logout")

    assert response.status_code == 405 and "set-cookie" not in response.headers
    assert client.get("/auth/session").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{"origin": "https://evil.example"}, {"origin": "null"}, {"referer": "https://evil.example/page"}],
)
def test_a_logout_posted_from_another_site_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    login(client)

    response = client.post("/auth/logout", headers=headers)

    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert client.get("/auth/session").status_code == 200
    same_site = client.post("/auth/logout", headers={"origin": "http://testserver"})
    assert same_site.status_code == 303
    assert client.get("/auth/session").status_code == 401


def test_an_idle_session_is_rejected_by_the_server(client: TestClient, clock: Clock, database: str) -> None:
    login(client)
    clock.now += timedelta(minutes=20)
    assert client.get("/auth/session").status_code == 200  # activity keeps it alive

    clock.now += timedelta(minutes=30)

    assert client.get("/auth/session").status_code == 401
    factory = sessionmaker(get_engine(database))
    with factory() as session:
        assert session.execute(select(LoginSession.ended_at)).scalar_one() is not None


def test_a_login_form_posted_from_another_site_is_refused(client: TestClient) -> None:
    response = client.post(
        "/auth/login",
        data={"username": "admin1", "password": PASSWORD},
        headers={"origin": "https://evil.example"},
    )

    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert login(client).status_code == 303  # without a foreign Origin it works


@pytest.mark.parametrize("lang", LANGS)
def test_a_throttled_sign_in_gets_429_and_a_message_in_the_persons_language(
    client: TestClient, clock: Clock, lang: str
) -> None:
    for _ in range(5):
        assert (
            login(client, password="wrong", lang=lang).headers["location"].startswith("/login?error=invalid")
        )

    refused = login(client, lang=lang)  # even the right password waits

    assert refused.status_code == 429 and "set-cookie" not in refused.headers
    assert refused.headers["retry-after"] == "2"
    assert refused.headers["content-type"].startswith("text/html")
    assert t("login.throttled.wait", lang, seconds=2) in refused.text
    assert f'href="/login?lang={lang}"' in refused.text and t("login.throttled.back", lang) in refused.text
    clock.now += timedelta(seconds=2)
    assert login(client, lang=lang).status_code == 303  # after the wait, the right password signs in


def test_a_locked_account_is_told_to_wait_minutes_or_ask_an_administrator(
    client: TestClient, clock: Clock
) -> None:
    for _ in range(10):
        response = login(client, password="wrong")
        if response.status_code == 429:
            clock.now += timedelta(seconds=int(response.headers["retry-after"]))
            response = login(client, password="wrong")
        assert response.status_code == 303

    refused = login(client)

    assert refused.status_code == 429 and refused.headers["retry-after"] == str(15 * 60)
    assert t("login.throttled.locked", "zh", minutes=15) in refused.text  # no lang in the form: Chinese


def test_forged_forwarded_for_headers_do_not_escape_the_network_limit(
    database: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = sessionmaker(get_engine(database), expire_on_commit=False)
    app = Starlette(routes=auth_routes(lambda actor: UnitOfWork(factory, actor=actor), clock=clock))
    client = TestClient(app, follow_redirects=False)
    # 30 usernames guessed from one address, each with a new forged X-Forwarded-For
    for i in range(30):
        response = client.post(
            "/auth/login",
            data={"username": f"guess{i}", "password": "wrong"},
            headers={"x-forwarded-for": f"10.0.{i}.1"},
        )
        assert response.status_code == 303
    assert login(client).status_code == 429  # the real peer is locked out

    # behind a trusted proxy the address it appended is the client's
    monkeypatch.setenv("APPRAISAL_TRUST_PROXY", "true")
    assert login(client).status_code == 429  # no header: still the proxy's own address
    response = client.post(
        "/auth/login",
        data={"username": "admin1", "password": PASSWORD},
        headers={"x-forwarded-for": "203.0.113.50, 198.51.100.7"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


# ---------------------------------------------------------------- who the script sees


ADMIN = CurrentUser(id=1, username="admin1", role=Role.admin, display_name="王主任")
LIAISON = CurrentUser(id=2, username="lianluo", role=Role.liaison, unit_id=7)


def test_resolution_asks_the_server_for_the_cookies_session() -> None:
    asked: list[str] = []

    def lookup(token: str) -> CurrentUser | None:
        asked.append(token)
        return ADMIN if token == "good" else None

    assert resolve_user({COOKIE_NAME: "good"}, None, lookup) == (ADMIN, False)
    assert resolve_user({COOKIE_NAME: "stale"}, None, lookup) == (None, True)
    assert resolve_user({COOKIE_NAME: "good"}, LIAISON, lookup) == (ADMIN, False)  # the cookie wins
    assert asked == ["good", "stale", "good"]


def test_without_a_cookie_only_a_seeded_user_counts() -> None:
    def lookup(token: str) -> CurrentUser | None:
        raise AssertionError("no cookie, no lookup")

    assert resolve_user({}, None, lookup) == (None, False)
    assert resolve_user({}, LIAISON, lookup) == (LIAISON, False)
    assert resolve_user({"other": "x"}, {"username": "forged"}, lookup) == (None, False)  # type: ignore[arg-type]


def make_app(repo_root: Path) -> AppTest:
    return AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)


@pytest.mark.parametrize("lang", LANGS)
def test_the_login_page_posts_a_form_to_the_login_route(repo_root: Path, lang: str) -> None:
    at = make_app(repo_root)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("app_pages/login.py").run()

    assert not at.exception
    assert at.title[0].value == t("login.title", lang)
    form = at.html[0].value
    assert 'method="post" action="/auth/login"' in form
    assert 'name="username"' in form and 'name="password" type="password"' in form
    assert f'name="lang" value="{lang}"' in form
    assert t("login.submit", lang) in form
    assert not at.error


@pytest.mark.parametrize("lang", LANGS)
def test_a_failed_login_is_explained_on_the_login_page(repo_root: Path, lang: str) -> None:
    at = make_app(repo_root)
    at.session_state["lang"] = lang
    at.query_params["error"] = "invalid"
    at.run()
    at.switch_page("app_pages/login.py").run()

    assert [e.value for e in at.error] == [t("login.error.invalid", lang)]


def test_signed_out_the_sidebar_links_to_the_login_page(repo_root: Path) -> None:
    at = make_app(repo_root).run()

    assert [link.value for link in at.sidebar.get("page_link")] == [t("auth.login_link", "zh")]
    assert not at.sidebar.html


@pytest.mark.parametrize("lang", LANGS)
def test_signed_in_the_sidebar_names_the_user_and_offers_sign_out(repo_root: Path, lang: str) -> None:
    at = make_app(repo_root)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = ADMIN
    at.run()

    assert not at.exception
    caption = t("auth.signed_in_as", lang, name="王主任", role=t("role.admin", lang))
    assert caption in [c.value for c in at.sidebar.caption]
    logout = at.sidebar.html[0].value
    assert f'<form method="post" action="/auth/logout?lang={lang}"' in logout  # a POST: see the routes
    assert t("auth.logout", lang) in logout
    assert not at.sidebar.get("page_link")  # no login link once signed in


# ---------------------------------------------------------------- the real server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@pytest.fixture(scope="module")
def served(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run asgi.py`` (what ./scripts/start runs) on a fresh database with
    ``admin1``; yields the base URL."""
    tmp_path = tmp_path_factory.mktemp("served")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        # a lockout after four failures, so the browser test reaches it in a few tries
        "APPRAISAL_LOGIN_BACKOFF_AFTER": "4",
        "APPRAISAL_LOGIN_LOCKOUT_AFTER": "4",
    }
    subprocess.run(
        [sys.executable, "-m", "db", "upgrade"], cwd=repo_root, env=env, check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, "-m", "db", "create-user", "admin1", "--role", "admin",
         "--display-name", "王主任", "--password-stdin"],
        cwd=repo_root, env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", "asgi.py",
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    log_path = tmp_path / "streamlit.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=repo_root, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            healthy = False
            while time.monotonic() < deadline and server.poll() is None and not healthy:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as response:
                        healthy = response.read() == b"ok"
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.5)
            assert healthy, log_path.read_text(errors="replace")
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.mark.slow
def test_the_served_app_signs_in_with_a_cookie(served: str) -> None:
    opener = urllib.request.build_opener(NoRedirect)

    def post(path: str, data: dict[str, str]) -> urllib.error.HTTPError:
        request = urllib.request.Request(f"{served}{path}", data=urllib.parse.urlencode(data).encode())
        with pytest.raises(urllib.error.HTTPError) as redirect:  # 303 is not followed
            opener.open(request, timeout=10)
        return redirect.value

    refused = post("/auth/login", {"username": "admin1", "password": "wrong"})
    assert (refused.code, refused.headers["location"]) == (303, "/login?error=invalid")

    accepted = post("/auth/login", {"username": "admin1", "password": PASSWORD})
    assert (accepted.code, accepted.headers["location"]) == (303, "/")
    cookie = accepted.headers["set-cookie"].split(";")[0]
    request = urllib.request.Request(f"{served}/auth/session", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert b'"username":"admin1"' in response.read()
    with urllib.request.urlopen(f"{served}/", timeout=10) as response:
        assert response.status == 200


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs chromium (.ci/run installs it)")
def test_in_a_real_browser_the_login_survives_a_refresh_and_logout_ends_it(
    served: str, tmp_path: Path
) -> None:
    with Chromium(tmp_path) as browser:
        browser.goto(f"{served}/login")
        browser.wait_for(f"document.querySelector('{LOGIN_FORM} input[name=username]') !== null")
        browser.submit_login("admin1", "wrong password")
        browser.wait_for("document.body.innerText.includes('用户名或密码不正确')")
        assert "error=invalid" in browser.eval("location.search")

        browser.submit_login("admin1", PASSWORD)
        browser.wait_for("document.body.innerText.includes('当前用户：王主任')")
        assert COOKIE_NAME not in browser.eval("document.cookie")  # HttpOnly: scripts cannot read it

        browser.goto(f"{served}/")  # a refresh opens a new Streamlit session
        browser.wait_for("document.body.innerText.includes('当前用户：王主任')")

        # a link to the logout route (what another site can plant) signs no one out (the GET
        # falls through to Streamlit's own /auth/logout, which only redirects to the app)
        browser.goto(f"{served}/auth/logout")
        browser.wait_for(f"location.href === '{served}/'")
        browser.wait_for("document.body.innerText.includes('当前用户：王主任')")

        browser.wait_for(f"document.querySelector('{LOGOUT_FORM} button') !== null")
        assert browser.eval(f"document.querySelector('{LOGOUT_FORM}').method") == "post"
        browser.eval(f"document.querySelector('{LOGOUT_FORM} button').click()")
        browser.wait_for("!document.body.innerText.includes('当前用户')")
        browser.wait_for("document.body.innerText.includes('工作人员登录')")
        browser.goto(f"{served}/")
        browser.wait_for("document.body.innerText.includes('工作人员登录')")
        assert "当前用户" not in browser.eval("document.body.innerText")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs chromium (.ci/run installs it)")
def test_in_a_real_browser_guessing_ends_in_a_plain_chinese_429_page(served: str, tmp_path: Path) -> None:
    with Chromium(tmp_path) as browser:
        browser.goto(f"{served}/login")
        for _ in range(4):  # the served app locks after four failures (see ``served``)
            browser.wait_for(f"document.querySelector('{LOGIN_FORM} input[name=username]') !== null")
            browser.submit_login("ghost", "wrong password")
            browser.wait_for("document.body.innerText.includes('用户名或密码不正确')")
            browser.goto(f"{served}/login")

        browser.wait_for(f"document.querySelector('{LOGIN_FORM} input[name=username]') !== null")
        browser.submit_login("ghost", "wrong password")
        browser.wait_for("document.title === '登录尝试过多'")
        text = browser.eval("document.body.innerText")
        assert t("login.throttled.locked", "zh", minutes=15) in text and "Traceback" not in text
        browser.eval("document.querySelector('a').click()")  # back to the login page
        browser.wait_for(f"document.querySelector('{LOGIN_FORM} input[name=username]') !== null")


class Chromium:
    """Headless Chromium driven over the DevTools protocol (websockets ships with streamlit)."""

    def __init__(self, profile: Path) -> None:
        self.port = free_port()
        self.profile = profile

    def __enter__(self) -> Chromium:
        from websockets.sync.client import connect

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--remote-debugging-port={self.port}",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json", timeout=2) as response:
                    targets = json.load(response)
                page = next(t for t in targets if t["type"] == "page")
                break
            except (urllib.error.URLError, ConnectionError, StopIteration):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.stack = contextlib.ExitStack()
        self.socket = self.stack.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None))
        self.ids = itertools.count(1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.close()
        self.process.terminate()
        self.process.wait(timeout=15)

    def call(self, method: str, **params: object) -> dict[str, Any]:
        call_id = next(self.ids)
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == call_id:
                assert "error" not in message, message
                return message.get("result", {})

    def eval(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def wait_for(self, expression: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self._holds(expression):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            time.sleep(0.3)

    def _holds(self, expression: str) -> bool:
        """Whether ``expression`` is true now; false while the page is being replaced (a
        form's POST, a redirect): an evaluation sent during a navigation is answered with
        "Inspected target navigated or closed", which only means "not yet"."""
        call_id = next(self.ids)
        guarded = f"(() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }})()"
        params = {"expression": guarded, "returnByValue": True}
        self.socket.send(json.dumps({"id": call_id, "method": "Runtime.evaluate", "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") != call_id:
                continue
            if "error" in message:
                assert "navigated or closed" in message["error"].get("message", ""), message
                return False
            return bool(message.get("result", {}).get("result", {}).get("value"))

    def submit_login(self, username: str, password: str) -> None:
        self.eval(
            f"document.querySelector('{LOGIN_FORM} input[name=username]').value = {json.dumps(username)};"
            f"document.querySelector('{LOGIN_FORM} input[name=password]').value = {json.dumps(password)};"
            f"document.querySelector('{LOGIN_FORM} button').click();"
        )


@pytest.mark.parametrize("content_length", [HUGE, None], ids=["announced", "chunked"])
@pytest.mark.parametrize("route", ["login", "logout"])
def test_an_oversized_sign_in_or_out_body_gets_413_before_it_is_read(
    database: str, clock: Clock, route: str, content_length: int | None
) -> None:
    # the webhooks' limit (ui/http_limits.py): a sign-in form is a few hundred bytes
    factory = sessionmaker(get_engine(database), expire_on_commit=False)
    app = Starlette(routes=auth_routes(lambda actor: UnitOfWork(factory, actor=actor), clock=clock))

    status, consumed = post_streaming(app, f"/auth/{route}", content_length=content_length)

    assert status == 413
    assert consumed <= max_body_bytes() + CHUNK
