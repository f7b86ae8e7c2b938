"""The Streamlit app: every page renders in both languages, and the real server starts."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.models import Role
from services.permissions import CurrentUser
from ui.auth import SEEDED_USER_KEY
from ui.messages import LANGS, t

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(path.relative_to(REPO_ROOT).as_posix() for path in (REPO_ROOT / "app_pages").glob("*.py"))

ADMIN = CurrentUser(id=1, username="admin1", role=Role.admin, display_name="王主任")
CALLER = CurrentUser(
    id=2, username="caller1", role=Role.caller, display_name="李访问员"
)  # the only role that calls
INSPECTOR = CurrentUser(id=3, username="inspector1", role=Role.inspector, display_name="赵检查员")
ONLY_FOR = {"app_pages/calls.py": CALLER, "app_pages/visits.py": INSPECTOR}  # pages of one role


def make_app(repo_root: Path) -> AppTest:
    # Generous timeout: the first run imports streamlit's heavy dependencies.
    return AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)


def test_app_runs_and_shows_the_chinese_title_by_default(repo_root: Path) -> None:
    at = make_app(repo_root).run()

    assert not at.exception
    assert at.title[0].value == "十佳十差评议平台"


def test_switching_language_shows_the_english_title(repo_root: Path) -> None:
    at = make_app(repo_root).run()

    at.sidebar.radio(key="lang").set_value("en").run()

    assert not at.exception
    assert at.title[0].value == "Ten Best, Ten Worst appraisal platform"
    assert at.session_state["lang"] == "en"


def test_language_choice_survives_a_rerun(repo_root: Path) -> None:
    at = make_app(repo_root).run()
    at.sidebar.radio(key="lang").set_value("en").run()

    at.run()

    assert at.title[0].value == t("app.title", "en")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_page_runs_in_both_languages(repo_root: Path, page: str, lang: str, app_database: str) -> None:
    """Every page on an empty database, as an administrator (who sees every staff page but
    the caller's and the inspector's); the caller's workstation as a caller, the inspector's
    visit page as an inspector; the login page, listed only when nobody is signed in, signed out."""
    at = make_app(repo_root)
    at.session_state["lang"] = lang
    if page != "app_pages/login.py":
        at.session_state[SEEDED_USER_KEY] = ONLY_FOR.get(page, ADMIN)
    at.run()

    at.switch_page(page).run()

    assert not at.exception
    assert not at.error
    # The selector is drawn by streamlit_app.py, so this proves the page ran through it.
    assert at.sidebar.radio(key="lang").value == lang


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8", "replace")


@pytest.mark.slow
def test_the_real_server_starts_and_reports_healthy(repo_root: Path, tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=repo_root, stdout=log, stderr=subprocess.STDOUT)
        try:
            health = ""
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    _, health = get(f"http://127.0.0.1:{port}/_stcore/health")
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.5)
                    continue
                if health == "ok":
                    break
            output = log_path.read_text(encoding="utf-8", errors="replace")
            assert health == "ok", f"server exit code {server.poll()}; output:\n{output}"
            status, _ = get(f"http://127.0.0.1:{port}/")
            assert status == 200
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
