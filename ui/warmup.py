"""Import the staff pages' heavy libraries in the background once someone signs in.

The staff pages draw tables (pandas, pyarrow: about half a second of CPU to import) and
charts (altair). Imported by the first page that needs them, they make that page take
a second longer than the next ones. Importing them where a page needs them keeps public
visitors and the survey's answering path from ever loading them (tests/test_lazy_imports.py);
this starts the same imports on a background thread as soon as a signed-in person's run is
over, so that by the time they open a staff page the libraries are usually loaded. A page
that arrives earlier simply waits for the import in progress (Python's import lock), as it
would have waited for its own import.

CPython 3.11 keeps the AST converter's recursion counter per interpreter, not per thread
(python/cpython#106905, fixed in 3.12 and 3.13 only), so two threads converting syntax
trees at once can fail with ``SystemError: AST constructor recursion depth mismatch``.
Importing pandas converts trees (``inspect.signature`` of numpy's builtins parses their text
signatures), and so does the script thread when Streamlit compiles a page (``magic``). Before
the first background import, :func:`serialise_ast_parse` makes ``ast.parse`` take one
process-wide lock, so the warm-up can never break a page being compiled.
"""

from __future__ import annotations

import ast
import importlib
import logging
import threading
from typing import Final

# What the staff pages import on their first run, slowest first.
STAFF_MODULES: Final = ("pandas", "pyarrow", "altair")

_lock = threading.Lock()
_started = False
_log = logging.getLogger(__name__)
_ast_lock = threading.RLock()  # re-entrant: a parse never waits on itself


def serialise_ast_parse() -> None:
    """Make ``ast.parse`` hold a process-wide lock (once; see the module's docstring)."""
    if getattr(ast.parse, "_serialised", False):
        return
    parse = ast.parse

    def locked_parse(*args: object, **kwargs: object) -> ast.AST:
        with _ast_lock:
            return parse(*args, **kwargs)  # type: ignore[arg-type]

    locked_parse._serialised = True  # type: ignore[attr-defined]
    locked_parse.__doc__ = parse.__doc__
    ast.parse = locked_parse  # type: ignore[assignment]


def _import_all(names: tuple[str, ...]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # a warm-up must never take the app down; the page will report it
            _log.exception("background import of %s failed", name)


def warm_up_staff_pages(names: tuple[str, ...] = STAFF_MODULES) -> bool:
    """Start importing ``names`` on a daemon thread, once per process; True if this call started it."""
    global _started
    with _lock:
        if _started:
            return False
        _started = True
    serialise_ast_parse()
    threading.Thread(target=_import_all, args=(names,), name="staff-import-warm-up", daemon=True).start()
    return True
