"""Rules for names and labels that people type or import (单位名称、指标名称、标签).

A cell that begins with ``=``, ``+``, ``-`` or ``@`` is taken for a formula by Excel,
LibreOffice and WPS when a file holding it is opened (CSV or XLSX injection, OWASP
"CSV Injection"); a leading tab or carriage return is the usual way to smuggle one past
a naive check. Names and labels are text, never numbers, so the platform refuses such
values wherever they enter (bundle reader, imports, forms) and writes every text cell of
its spreadsheets as text (``services/exports.py``).

Pure: no I/O. The bundle reader, the import services and the forms share this one rule
and its message so that a person sees the same words wherever they typed the value.
"""

from __future__ import annotations

from typing import Final

from scoring.errors import Defect

#: First characters that make a spreadsheet cell a formula (or hide one).
FORMULA_PREFIXES: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")

#: The English message of the bundle reader and the CLI; the UI shows ``text.formula_like``.
FORMULA_MESSAGE: Final = (
    "must not begin with =, +, -, @, a tab or a carriage return "
    "(a spreadsheet would take it for a formula)"
)


def formula_like(value: str) -> bool:
    """True when ``value`` would be read as a formula by a spreadsheet program.

    Examples
    --------
    >>> formula_like('=HYPERLINK("http://x","y")'), formula_like("-2+3"), formula_like("临江市")
    (True, True, False)
    """
    return value.startswith(FORMULA_PREFIXES)


def label_defect(file: str, line: int | None, column: str | None, value: str) -> Defect | None:
    """The defect for a name or label that a spreadsheet would take for a formula, or None."""
    if not formula_like(value):
        return None
    shown = value.replace("\t", "\\t").replace("\r", "\\r")[:40]
    return Defect(file, line, column, f'"{shown}" {FORMULA_MESSAGE}')
