"""Reading one bundle CSV: encoding detection, fast parsing, line numbers for errors.

Files are parsed by pyarrow's multithreaded CSV reader with every column as text;
numbers are converted and checked afterwards, column by column, so that a bad cell
can be reported with its line and column. Government offices export GBK/GB18030,
so text that is not UTF-8 is decoded as GB18030 (a superset of GBK).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from scoring.errors import Defect

UTF8_BOM = b"\xef\xbb\xbf"
# Quoted values may hold line breaks in small, hand-made files (reasons, names);
# allowing them disables pyarrow's parallel chunking, so big files do without.
MULTILINE_VALUES_BELOW = 16 * 1024 * 1024


def decode_bundle_bytes(raw: bytes) -> tuple[bytes, str]:
    """UTF-8 bytes (BOM removed) and the encoding the file was in.

    Raises
    ------
    UnicodeDecodeError
        When the bytes are neither UTF-8 nor GB18030.
    """
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
        raw.decode("utf-8")
        return raw, "utf-8-sig"
    if raw.isascii():
        return raw, "ascii"
    try:
        raw.decode("utf-8")
        return raw, "utf-8"
    except UnicodeDecodeError:
        return raw.decode("gb18030").encode("utf-8"), "gb18030"


@dataclass
class CsvTable:
    """A parsed CSV file; every column is a (chunked) pyarrow string array."""

    name: str
    columns: dict[str, pa.ChunkedArray]
    n_rows: int
    encoding: str
    _text: bytes = field(repr=False, default=b"")
    _lines: np.ndarray | None = field(repr=False, default=None)
    _empties: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    def has(self, column: str) -> bool:
        return column in self.columns

    def col(self, column: str) -> pa.ChunkedArray:
        return self.columns[column]

    def empty(self, column: str) -> np.ndarray:
        """Rows whose cell in ``column`` is empty (cached: several checks ask)."""
        if column not in self._empties:
            self._empties[column] = empty_cells(self.columns[column])
        return self._empties[column]

    def line(self, row: int) -> int:
        """File line (header = 1) where data row ``row`` (0-based) starts."""
        if self._lines is None:
            self._lines = _record_lines(self._text)
        return int(self._lines[row]) if row < len(self._lines) else row + 2


def _record_lines(text: bytes) -> np.ndarray:
    # Fast path: without quotes or blank lines, row r sits on line r + 2.
    if (
        b'"' not in text
        and b"\n\n" not in text
        and b"\n\r\n" not in text
        and b"\r" not in text.replace(b"\r\n", b"")
    ):
        count = text.count(b"\n") + 1
        return np.arange(2, count + 2, dtype=np.int64)
    reader = csv.reader(io.StringIO(text.decode("utf-8"), newline=""))
    lines: list[int] = []
    start = 1
    for k, record in enumerate(reader):
        if k > 0 and record and any(cell != "" for cell in record):
            lines.append(start)
        start = reader.line_num + 1
    return np.array(lines, dtype=np.int64)


def read_csv(path: Path, name: str, defects: list[Defect], raw: bytes | None = None) -> CsvTable | None:
    """Parse ``path``; on a defect that makes the file unreadable, record it and return None."""
    if raw is None:
        raw = path.read_bytes()
    try:
        text, encoding = decode_bundle_bytes(raw)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        defects.append(Defect(name, line, None, "the file is neither UTF-8 nor GBK/GB18030 text"))
        return None
    first_break = text.find(b"\n")
    header_bytes = text if first_break < 0 else text[:first_break]
    header_row = next(csv.reader([header_bytes.decode("utf-8").rstrip("\r")]), [])
    header = [h.strip() for h in header_row]
    if not any(header):
        defects.append(Defect(name, 1, None, "the file has no header row"))
        return None
    seen: set[str] = set()
    for h in header:
        if h in seen:
            defects.append(Defect(name, 1, h, f'column "{h}" appears twice in the header'))
        seen.add(h)
    if len(seen) != len(header):
        return None

    bad_rows: list[tuple[int | None, str, int, int]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_rows.append((row.number, row.text, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(text)),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=True),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=len(text) < MULTILINE_VALUES_BELOW, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        defects.append(Defect(name, None, None, f"cannot be read as CSV: {exc}"))
        return None
    if bad_rows:
        for number, row_text, expected, actual in bad_rows:
            line = number + 1 if number is not None else _find_line(text, row_text)
            defects.append(
                Defect(name, line, None, f'"{row_text[:60]}" has {actual} fields, the header has {expected}')
            )
        return None
    columns = {h: table.column(h) for h in header}
    return CsvTable(name=name, columns=columns, n_rows=table.num_rows, encoding=encoding, _text=text)


def empty_cells(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """True where a string cell is empty, read straight off the offsets buffer."""
    if isinstance(arr, pa.ChunkedArray):
        parts = [empty_cells(chunk) for chunk in arr.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    if len(arr) == 0:
        return np.zeros(0, dtype=bool)
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=offset_type)[arr.offset : arr.offset + len(arr) + 1]
    return np.diff(offsets) == 0


def _find_line(text: bytes, row_text: str) -> int | None:
    pos = text.find(row_text.encode("utf-8"))
    return None if pos < 0 else text[:pos].count(b"\n") + 1
