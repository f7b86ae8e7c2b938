"""Heavy libraries are imported only where they are used (issue 12: the first page answers fast).

Each test imports, in a fresh interpreter, what one entry point imports: ``asgi`` (the served
app and its HTTP routes), the modules ``streamlit_app.py`` imports, and the modules each page
in app_pages/ imports (read from its source, since a page is a script, not a module). Then it
asserts that none of the slow libraries was loaded on the way: scipy (2-4 s), fpdf and openpyxl
(about a second each), segno and qrcode (QR codes), zxcvbn (password lists), twilio, and for
the start, the sign-in and every page that draws no table, pandas and pyarrow too. A page that
draws tables imports pandas itself; the services it calls must still not pull in the others.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Imported only by the functions that need them (a download, an upload, a call).
NEVER = (
    "scipy", "fpdf", "openpyxl", "segno", "qrcode", "zxcvbn", "twilio", "PIL", "fontTools",
    "numba", "llvmlite",
)
# Needed to draw tables and charts: imported by the pages that draw them, by nothing else.
TABLES = ("pandas", "pyarrow", "altair")
PAGES = sorted(path.name for path in (ROOT / "app_pages").glob("*.py"))


def imported_modules(source: Path) -> list[tuple[str, list[str]]]:
    """What a script imports at its top level (``__future__`` aside), as (module, names) for
    ``__import__``: ``from services import review`` imports the submodule services.review."""
    imports: list[tuple[str, list[str]]] = []
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            imports += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module not in (None, "__future__") and node.level == 0:
            imports.append((node.module, [alias.name for alias in node.names]))
    return imports


def loaded_after_importing(imports: list[tuple[str, list[str]]]) -> set[str]:
    """The top-level packages in sys.modules after a fresh interpreter runs ``imports``."""
    code = (
        "import json, sys\n"
        f"for name, names in {imports!r}:\n"
        "    __import__(name, fromlist=names)\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_serving_the_app_loads_no_heavy_library() -> None:
    loaded = loaded_after_importing([("asgi", [])])
    assert loaded.isdisjoint(NEVER + TABLES), sorted(loaded & {*NEVER, *TABLES})


def test_the_entry_script_and_sign_in_load_no_heavy_library() -> None:
    extra = [("ui.auth", []), ("ui.auth_routes", []), ("services.auth", []), ("ui.warmup", [])]
    loaded = loaded_after_importing([*imported_modules(ROOT / "streamlit_app.py"), *extra])
    assert loaded.isdisjoint(NEVER + TABLES), sorted(loaded & {*NEVER, *TABLES})


@pytest.mark.parametrize("page", PAGES)
def test_a_page_and_its_services_load_only_what_the_page_draws_with(page: str) -> None:
    imports = imported_modules(ROOT / "app_pages" / page)
    draws_tables = any(name.split(".")[0] in TABLES for name, _names in imports)
    loaded = loaded_after_importing(imports)
    assert loaded.isdisjoint(NEVER), sorted(loaded & set(NEVER))
    if not draws_tables:
        assert loaded.isdisjoint(TABLES), sorted(loaded & set(TABLES))


def test_the_page_list_is_read_from_the_sources() -> None:
    # a guard for the test itself: a page that imports nothing would make the checks above vacuous
    assert "review.py" in PAGES
    assert ("services", ["review"]) in imported_modules(ROOT / "app_pages" / "review.py")
