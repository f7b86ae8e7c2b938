"""Defects of an uploaded file (导入文件的问题), worded once for every language.

Each importer (sampling frames and the do-not-call list in :mod:`services.sampling`,
indicator values and overdue cases in :mod:`services.indicators`) reports what is wrong
with a file as :class:`ImportDefect`: where (file, 1-based line with the header as line
1, column), what in English (``message``: logs, exceptions, a command line) and the same
thing as a message key of ``ui/messages.py`` with its parameters, so that a page shows
it in the person's language (``ui.defects``). The English text and the key come from
one :class:`Wording`, so they cannot drift apart; every wording registers itself in
:data:`WORDINGS`, which the catalogue test checks against ``ui/messages.py``.

Forms that store a name or a label refuse one a spreadsheet would take for a formula
with :class:`LabelRefused`, worded the same way (:func:`check_label`), using the shared
rule of :mod:`scoring.textrules`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Self

from scoring.errors import Defect
from scoring.textrules import FORMULA_MESSAGE, formula_like, label_defect
from services.errors import Refused

#: Every wording by its message key (filled as the importers' modules define theirs).
WORDINGS: dict[str, Wording] = {}


@dataclass(frozen=True, slots=True)
class Wording:
    """One kind of defect: its key in ``ui/messages.py`` and its English template (the
    same ``{placeholders}`` as the catalogue's texts)."""

    key: str
    english: str

    def __post_init__(self) -> None:
        known = WORDINGS.setdefault(self.key, self)
        if known.english != self.english:
            raise ValueError(f"two wordings share the key {self.key!r}")

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(self.english) if name)


@dataclass(frozen=True, slots=True)
class ImportDefect:
    """One problem in an uploaded file: where, what (English), and how to say it in the
    person's language (``key`` and ``params``). ``kind`` is the importer's own class of
    defect (the frame importer's ``structure``, ``invalid_phone``...), or empty."""

    file: str
    line: int | None
    column: str | None
    message: str
    key: str
    params: tuple[tuple[str, Any], ...] = ()
    kind: str = ""

    @classmethod
    def of(
        cls,
        file: str,
        line: int | None,
        column: str | None,
        wording: Wording,
        kind: str = "",
        **params: Any,
    ) -> Self:
        """The defect ``wording`` describes, with its English text filled in."""
        missing = wording.placeholders - set(params)
        if missing:
            raise TypeError(f"{wording.key} needs {', '.join(sorted(missing))}")
        return cls(
            file, line, column, wording.english.format(**params), wording.key, tuple(params.items()), kind
        )

    @classmethod
    def from_scoring(cls, defect: Defect, kind: str = "") -> Self:
        """A defect of the bundle's CSV reader (:mod:`scoring.csvfile`, English only),
        worded for the page; its English stays the reader's own."""
        # a reader defect without a wording of its own keeps its English as a detail
        wording, params = OTHER, {"detail": defect.message}
        for pattern, candidate in _SCORING_MESSAGES:
            found = pattern.fullmatch(defect.message)
            if found:
                wording, params = candidate, found.groupdict()
                break
        worded = cls.of(defect.file, defect.line, defect.column, wording, kind, **params)
        return replace(worded, message=defect.message)

    @classmethod
    def for_label(
        cls, file: str, line: int | None, column: str | None, value: str, kind: str = ""
    ) -> Self | None:
        """The defect of a name or label a spreadsheet would take for a formula, or None
        (the rule and its English are :func:`scoring.textrules.label_defect`'s)."""
        found = label_defect(file, line, column, value)
        if found is None:
            return None
        return cls(
            found.file,
            found.line,
            found.column,
            found.message,
            FORMULA.key,
            (("value", _shown(value)),),
            kind,
        )

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.params)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


# ---------------------------------------------------------------- wordings shared by the importers

EMPTY: Final = Wording("import.defect.empty", "the file is empty")
TOO_LARGE: Final = Wording("import.defect.too_large", "the file is larger than {mb} MB; split it")
NOT_XLSX: Final = Wording(
    "import.defect.not_xlsx", "cannot be read as an Excel workbook (XLSX); save it again as .xlsx or as CSV"
)
NOT_TEXT: Final = Wording(
    "import.defect.not_text", "the file is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8"
)
NOT_CSV: Final = Wording("import.defect.not_csv", "cannot be read as CSV: {detail}")
NO_HEADER: Final = Wording("import.defect.no_header", "the file has no header row")
COLUMN_TWICE: Final = Wording("import.defect.column_twice", 'column "{name}" appears twice in the header')
COLUMN_MISSING: Final = Wording(
    "import.defect.column_missing", 'the required column "{name}" is missing (accepted headers: {accepted})'
)
TOO_MANY_ROWS: Final = Wording(
    "import.defect.too_many_rows", "the file has {rows} rows; at most {max} are accepted at once, split it"
)
FIELD_COUNT: Final = Wording(
    "import.defect.field_count", "the line has {actual} fields, the header has {expected}"
)
NO_ROWS: Final = Wording("import.defect.no_rows", "the file has no data rows")
TOO_LONG: Final = Wording("import.defect.too_long", "longer than {max} characters")
FORMULA: Final = Wording("import.defect.formula_like", '"{value}" ' + FORMULA_MESSAGE)
UNIT_MISSING: Final = Wording("import.defect.unit_missing", "the unit is missing")
UNIT_UNKNOWN: Final = Wording(
    "import.defect.unit_unknown", 'unit "{unit}" is not appraised in campaign {campaign}'
)
OTHER: Final = Wording("import.defect.other", "{detail}")
NOT_CHINESE: Final = Wording(
    "import.defect.not_chinese",
    "the file is not UTF-8 and read as GBK/GB18030 it is not Chinese text (such as {shown}); "
    "save it as UTF-8",
)
LONG_LINE: Final = Wording("import.defect.long_line", "the line is longer than {max} bytes")
STRAY_CR: Final = Wording(
    "import.defect.stray_cr", "a carriage return ends this line without a line feed (old Mac OS line endings)"
)
NUL_CELL: Final = Wording("import.defect.nul", "the cell holds a NUL character (byte 0)")

# What the bundle's CSV reader says, matched whole; its quoted row text is left out.
_SCORING_MESSAGES: Final = (
    (re.compile(r"the file is neither UTF-8 nor GBK/GB18030 text"), NOT_TEXT),
    (re.compile(r"the file has no header row"), NO_HEADER),
    (re.compile(r'column "(?P<name>.*)" appears twice in the header'), COLUMN_TWICE),
    (re.compile(r"cannot be read as CSV: (?P<detail>.*)", re.DOTALL), NOT_CSV),
    (
        re.compile(r'".*" has (?P<actual>\d+) fields, the header has (?P<expected>\d+)', re.DOTALL),
        FIELD_COUNT,
    ),
    (
        re.compile(
            r"the file is not UTF-8, and read as GBK/GB18030 .*\(such as (?P<shown>.*?)\).*", re.DOTALL
        ),
        NOT_CHINESE,
    ),
    (re.compile(r"the line is longer than (?P<max>[\d,]+) bytes.*", re.DOTALL), LONG_LINE),
    (re.compile(r"a carriage return ends this line without a line feed.*", re.DOTALL), STRAY_CR),
    (re.compile(r"the cell holds a NUL character.*", re.DOTALL), NUL_CELL),
)


# ---------------------------------------------------------------- names and labels


class LabelRefused(Refused):
    """A name or label typed into a form that a spreadsheet would take for a formula;
    ``key`` and ``params`` word it for the page, ``field`` names the form's field."""

    def __init__(self, field: str, value: str) -> None:
        self.field = field
        self.key = FORMULA.key
        self.params: Mapping[str, Any] = {"value": _shown(value)}
        super().__init__(f"{field}: {FORMULA.english.format(value=_shown(value))}")


def _shown(value: str) -> str:
    """A refused value as the message quotes it: tabs and returns made visible, cut short."""
    return value.replace("\t", "\\t").replace("\r", "\\r")[:40]


def check_label(field: str, value: str) -> str:
    """``value`` if a spreadsheet would read it as text, else :class:`LabelRefused`."""
    if formula_like(value):
        raise LabelRefused(field, value)
    return value
