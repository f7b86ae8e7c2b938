"""Layering rules: the scoring engine stays pure, and only the UI layer imports streamlit."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

# scoring/ must run anywhere a published bundle is recomputed: no UI, database or telephony.
FORBIDDEN_IN_SCORING = ("streamlit", "sqlalchemy", "twilio", "db")

# Imports every scoring module in a clean interpreter and reports what got loaded.
# __main__ is skipped because importing it would run the command-line interface.
PROBE = """
import importlib, json, pkgutil, sys
import scoring
names = sorted(
    info.name
    for info in pkgutil.walk_packages(scoring.__path__, "scoring.")
    if not info.name.endswith(".__main__")
)
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted(sys.modules)}))
"""

# Directories whose code is the UI layer (or tests of it) and may import streamlit.
UI_LAYER = {"app_pages", "ui", "tests", ".venv", ".git"}


def test_scoring_imports_no_ui_database_or_telephony_code(repo_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(repo_root)!r})\n{PROBE}"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["modules"], "scoring has no modules to check"
    leaked = sorted(
        name
        for name in report["loaded"]
        for forbidden in FORBIDDEN_IN_SCORING
        if name == forbidden or name.startswith(f"{forbidden}.")
    )
    assert not leaked, f"importing scoring loaded {leaked}"


def imported_top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def imports_only_the_wire_protocol(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    modules += [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
    ]
    return all(m.startswith("streamlit.proto.") for m in modules if m.split(".")[0] == "streamlit")


def test_only_the_ui_layer_imports_streamlit(repo_root: Path) -> None:
    offenders = sorted(
        path.relative_to(repo_root).as_posix()
        for path in repo_root.rglob("*.py")
        if path.relative_to(repo_root).parts[0] not in UI_LAYER
        # the entry points: the script, and the st.App module that serves it with the login routes
        and path.relative_to(repo_root).as_posix() not in {"streamlit_app.py", "asgi.py"}
        and "streamlit" in imported_top_level_names(path)
        # a load generator speaks Streamlit's wire protocol (its protobuf messages), not its UI
        and not (path.relative_to(repo_root).parts[0] == "bench" and imports_only_the_wire_protocol(path))
    )
    assert not offenders, (
        f"these modules import streamlit outside app_pages/, ui/ and the entry points: {offenders}"
    )


def test_there_is_no_pages_folder_beside_the_entry_point(repo_root: Path) -> None:
    # A pages/ folder puts Streamlit in its legacy multipage mode, where reruns skip
    # streamlit_app.py (and with it page_setup and the language selector).
    assert not (repo_root / "pages").exists(), "put pages in app_pages/ and register them with st.Page"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


# A page may open a unit of work for a service and name the models' enums; it never queries.
PAGE_DB_MODULES = {"db.uow", "db.models"}


def test_pages_only_call_services_and_draw(repo_root: Path) -> None:
    offenders = {
        path.relative_to(repo_root).as_posix(): sorted(
            m
            for m in imported_modules(path)
            if m.split(".")[0] == "sqlalchemy" or (m.split(".")[0] == "db" and m not in PAGE_DB_MODULES)
        )
        for path in sorted((repo_root / "app_pages").glob("*.py"))
    }
    assert not {page: found for page, found in offenders.items() if found}


def test_every_role_can_be_given_from_the_command_line() -> None:
    from db.cli_accounts import ROLES
    from db.models import Role

    assert set(ROLES) == {role.value for role in Role}
