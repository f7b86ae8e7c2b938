"""The real app for browser tests and screenshots: ``streamlit run asgi.py`` (as
./scripts/start runs it) on a given database, and Debian's Chromium driven by Playwright.

Playwright cannot download its own browser here, so it launches ``/usr/bin/chromium``
(``.ci/run`` installs it with the CJK fonts).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 375, "height": 812}  # an iPhone-sized viewport, CSS pixels


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """A clean environment for the served app: its database and data folder only."""
    return {
        "DATABASE_URL": database_url,
        "APPRAISAL_DATA_DIR": str(data_dir),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        **extra,
    }


@contextlib.contextmanager
def serve_app(repo_root: Path, env: Mapping[str, str], log_path: Path) -> Iterator[str]:
    """Start the app on a free port, wait until it is healthy, yield its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", "asgi.py",
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=repo_root, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            healthy = False
            while time.monotonic() < deadline and server.poll() is None and not healthy:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as response:
                        healthy = response.read() == b"ok"
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.5)
            if not healthy:
                raise RuntimeError(f"the app did not start:\n{log_path.read_text(errors='replace')}")
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright ``Browser``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            browser.close()


def phone_page(browser: Any, lang: str = "zh-CN", height: int = PHONE["height"]) -> Any:
    """A page in a phone-sized, touch window (a taller one for screenshots)."""
    context = browser.new_context(
        viewport={**PHONE, "height": height},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=lang,
    )
    context.set_default_timeout(30_000)
    return context.new_page()
