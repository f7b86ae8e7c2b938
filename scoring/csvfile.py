"""Reading one bundle file: safe opening, encoding detection, fast parsing, line numbers.

Files are parsed by pyarrow's multithreaded CSV reader with every column as text;
numbers are converted and checked afterwards, column by column, so that a bad cell
can be reported with its line and column. Government offices export GBK/GB18030,
so text that is not UTF-8 is decoded as GB18030 (a superset of GBK).

A bundle comes from outside (an office's export, a download, a crafted folder), so
before parsing, the reader refuses, naming the file and line (数据包安全检查):

- a file that is a symbolic link or not a regular file (never followed, never read);
- a line longer than :data:`MAX_LINE_BYTES` (looked for in a memory map before the
  file is read, so a 200 MB line is refused without holding it);
- non-UTF-8 text that is not plausibly Chinese GBK/GB18030 (:func:`decode_bundle_bytes`:
  GB18030 decodes almost any byte string, so Shift-JIS would turn into garbled names);
- a carriage return that ends no CRLF pair (old Mac OS line endings, or a stray one);
- a NUL character in any cell (PostgreSQL cannot store it; no text holds one).
"""

from __future__ import annotations

import csv
import errno
import functools
import io
import mmap
import os
import stat
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from scoring.errors import Defect

UTF8_BOM = b"\xef\xbb\xbf"
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
# Quoted values may hold line breaks in small, hand-made files (reasons, names);
# allowing them disables pyarrow's parallel chunking, so big files do without.
MULTILINE_VALUES_BELOW = 16 * 1024 * 1024
#: Longest line (bytes, line break excluded) of a bundle file. A record of the format
#: is a few hundred bytes; the longest legitimate cells (an adjustment's reason, a
#: unit's name) are a few kilobytes. The cap bounds every cell, keeps each record well
#: inside one of pyarrow's 1 MiB parsing blocks, and lets a crafted 200 MB line be
#: refused by line number instead of failing deep inside the parser.
MAX_LINE_BYTES: Final = 64 * 1024
# Bytes handled at a time by the scans that would otherwise copy a whole file.
SCAN_CHUNK_BYTES: Final = 8 * 1024 * 1024
#: Share of a GB18030-decoded file's non-ASCII characters that may lie outside common
#: Chinese (see :func:`decode_bundle_bytes`); Shift-JIS decoded as GB18030 is ~100%.
MAX_UNCOMMON_SHARE: Final = 0.5
_NOT_CHINESE = (
    "the file is not UTF-8, and read as GBK/GB18030 it gives mostly characters that "
    "Chinese text does not use (such as {shown}): it is probably in another encoding "
    "such as Shift-JIS or Big5; save it as UTF-8"
)


class ImplausibleEncoding(UnicodeDecodeError):
    """Bytes that decode as GB18030 but are not plausibly Chinese text (e.g. Shift-JIS).

    A :class:`UnicodeDecodeError`, so that every caller that refuses undecodable text
    refuses these too; ``start`` is the offset of the first line that shows it and
    ``reason`` says what is wrong in plain words.
    """


def decode_bundle_bytes(raw: bytes) -> tuple[bytes, str]:
    """UTF-8 bytes (BOM removed) and the encoding the file was in.

    Text that is not UTF-8 is read as GB18030 (which includes GBK), but only if the
    result is plausibly Chinese: GB18030 assigns a character to almost every byte pair,
    so a Shift-JIS or Big5 file would otherwise be read "successfully" into garbled
    names. The rule: at most half (:data:`MAX_UNCOMMON_SHARE`) of the decoded non-ASCII
    characters may lie outside *common Chinese*, which is GB2312's 6,763 hanzi and its
    punctuation, number and full-width rows (GB2312 rows 1-3 and 16-87; rows 4-9 hold
    kana, Greek, Cyrillic, pinyin and box drawing). Mainland GBK exports are nearly
    all common Chinese (rare name characters such as 喆 or 䶮 are a few per cent);
    Shift-JIS kana and JIS level-1 kanji decode to rare GBK-only ideographs (东京都庁
    becomes 搶嫗搒挕) and half-width katakana to kana rows or invalid sequences, so
    Japanese text is ~100% uncommon. A file that really is GBK with mostly rare
    characters (traditional Chinese, say) can always be saved as UTF-8.

    Raises
    ------
    UnicodeDecodeError
        When the bytes are neither UTF-8 nor GB18030; :class:`ImplausibleEncoding`
        when they are GB18030 only in form.
    """
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
        if not is_utf8(raw):
            raw.decode("utf-8")  # raises, with the offset of the first bad byte
        return raw, "utf-8-sig"
    if raw.isascii():
        return raw, "ascii"
    if is_utf8(raw):
        return raw, "utf-8"
    text = raw.decode("gb18030").encode("utf-8")
    uncommon, total, first = _uncommon_chinese(text)
    if uncommon > MAX_UNCOMMON_SHARE * total:
        line = text[:first].count(b"\n")
        start = _line_start(raw, line)
        char_end = first + 1
        while char_end < len(text) and text[char_end] & 0xC0 == 0x80:
            char_end += 1
        shown = '"' + text[first:char_end].decode("utf-8") + '"'
        raise ImplausibleEncoding("gb18030", raw, start, start + 1, _NOT_CHINESE.format(shown=shown))
    return text, "gb18030"


def is_utf8(raw: bytes | mmap.mmap) -> bool:
    """Whether ``raw`` is valid UTF-8 (the same rule as Python's decoder: no surrogates,
    no overlong forms), checked by arrow's vectorised validator over the bytes in place:
    ``raw.decode()`` would build a str of up to four times the file's size only to drop it."""
    if len(raw) < SCAN_CHUNK_BYTES // 64:
        try:
            raw[:].decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    offsets = np.array([0, len(raw)], dtype=np.int64)
    whole = pa.LargeStringArray.from_buffers(1, pa.py_buffer(offsets), pa.py_buffer(raw))
    try:
        whole.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


@functools.cache
def _common_chinese() -> np.ndarray:
    """Lookup table over the Basic Multilingual Plane: True for common Chinese characters."""
    table = np.zeros(0x10000, dtype=bool)
    rows = [*range(0xA1, 0xA4), *range(0xB0, 0xF8)]  # GB2312 rows 1-3 and 16-87
    for lead in rows:
        for trail in range(0xA1, 0xFF):
            cell = bytes((lead, trail))
            try:
                cell.decode("gb2312")  # a character GB2312 assigns...
            except UnicodeDecodeError:
                continue
            table[ord(cell.decode("gb18030"))] = True  # ...as GB18030 decodes it (· is U+00B7)
    return table


def _uncommon_chinese(text: bytes) -> tuple[int, int, int]:
    """(uncommon characters, non-ASCII characters, offset of the first uncommon one)
    in UTF-8 ``text``, counted with numpy over the encoded bytes (no Python loop)."""
    common = _common_chinese()
    u = np.frombuffer(text, dtype=np.uint8)
    uncommon = total = 0
    first = -1
    for lo in range(0, u.size, SCAN_CHUNK_BYTES):
        # Chunks end on a character boundary (never before a continuation byte).
        hi = min(lo + SCAN_CHUNK_BYTES, u.size)
        while hi < u.size and u[hi] & 0xC0 == 0x80:
            hi += 1
        part = u[lo:hi]
        if not (part >= 0x80).any():
            continue
        # 3-byte sequences (all of CJK) and 2-byte ones (Latin-1 signs such as · and ×)
        # get their code points looked up; 4-byte characters are never common.
        lead3 = np.flatnonzero((part & 0xF0) == 0xE0)
        code3 = (
            ((part[lead3] & 0x0F).astype(np.uint16) << 12)
            | ((part[lead3 + 1] & 0x3F).astype(np.uint16) << 6)
            | (part[lead3 + 2] & 0x3F)
        )
        lead2 = np.flatnonzero((part & 0xE0) == 0xC0)
        code2 = ((part[lead2] & 0x1F).astype(np.uint16) << 6) | (part[lead2 + 1] & 0x3F)
        lead4 = np.flatnonzero(part >= 0xF0)
        bad = [lead3[~common[code3]], lead2[~common[code2]], lead4]
        total += lead3.size + lead2.size + lead4.size
        uncommon += sum(b.size for b in bad)
        if first < 0 and any(b.size for b in bad):
            first = lo + int(min(b[0] for b in bad if b.size))
    return uncommon, total, first


def _line_start(raw: bytes, line: int) -> int:
    """Offset in ``raw`` where 0-based line ``line`` starts."""
    pos = 0
    for _ in range(line):
        pos = raw.index(b"\n", pos) + 1
    return pos


def encoding_defect(name: str, raw: bytes, exc: UnicodeDecodeError) -> Defect:
    """The defect for a file that cannot be read as text, at the line where it shows."""
    line = raw[: exc.start].count(b"\n") + 1
    if isinstance(exc, ImplausibleEncoding):
        return Defect(name, line, None, exc.reason)
    return Defect(name, line, None, "the file is neither UTF-8 nor GBK/GB18030 text")


# ---------------------------------------------------------------------- opening files


def read_bundle_file(
    path: Path, name: str, defects: list[Defect], *, mapped: bool = False
) -> bytes | mmap.mmap | None:
    """The bytes of the bundle file ``path``; None, with a defect, when it must not be read.

    A symbolic link is never followed (``O_NOFOLLOW``: a bundle could otherwise make
    the scorer read and echo any file of the machine), and only a regular file is read
    (a pipe named ``units.csv`` would block for ever). A file is checked for an
    over-long line (:data:`MAX_LINE_BYTES`) before it is read into memory.

    With ``mapped``, a non-empty file comes as a read-only memory map instead, for
    :func:`read_csv`: parsed and hashed where the page cache holds it, a city's
    quarter gigabyte is neither copied nor given fresh memory.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            raise OSError(errno.ELOOP, "symbolic link")
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            defects.append(
                Defect(
                    name,
                    None,
                    None,
                    "the file is a symbolic link; a bundle's files must be "
                    "regular files, and links are not followed",
                )
            )
        else:
            defects.append(Defect(name, None, None, f"the file cannot be read: {exc.strerror or exc}"))
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        defects.append(Defect(name, None, None, "the entry is not a regular file (a folder, pipe or device)"))
        return None
    with os.fdopen(fd, "rb") as fh:
        try:
            too_long = None
            if info.st_size:
                # Look for an over-long line in a read-only map of the file first: only
                # the pages around each line break are touched, so a 200 MB line is
                # refused after reading 64 KiB of it; a valid file costs a page per 64 KiB.
                view = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                too_long = first_long_line(view)
                if too_long is None and mapped:
                    return view  # the map holds its own handle on the file
                view.close()
            if too_long is not None:
                defects.append(long_line_defect(name, too_long))
                return None
            return fh.read()
        except OSError as exc:  # an I/O error, or a file system that cannot map files
            defects.append(Defect(name, None, None, f"the file cannot be read: {exc.strerror or exc}"))
            return None


def first_long_line(data: bytes | mmap.mmap, limit: int = MAX_LINE_BYTES) -> int | None:
    """The 1-based number of the first line longer than ``limit`` bytes, or None.

    From each line start, the last line break within the next ``limit + 1`` bytes is
    found with ``rfind`` (C, scanning backwards, so it stops at once on ordinary lines);
    none means the line is too long, otherwise the search jumps past that break. A file
    is thus checked in about one step per ``limit`` bytes.
    """
    size, pos = len(data), 0
    while size - pos > limit:
        nl = data.rfind(b"\n", pos, pos + limit + 1)
        if nl < 0:
            return _breaks_before(data, pos) + 1
        pos = nl + 1
    return None


def _breaks_before(data: bytes | mmap.mmap, end: int) -> int:
    """Line breaks in ``data[:end]``, counted a chunk at a time (a map is not copied whole)."""
    return sum(data[k : min(k + SCAN_CHUNK_BYTES, end)].count(b"\n") for k in range(0, end, SCAN_CHUNK_BYTES))


def long_line_defect(name: str, line: int) -> Defect:
    return Defect(
        name,
        line,
        None,
        f"the line is longer than {MAX_LINE_BYTES:,} bytes, the most a line of a bundle file may "
        "hold (a record is a few hundred bytes; is this really a CSV file of the bundle?)",
    )


@dataclass
class CsvTable:
    """A parsed CSV file; every column is a (chunked) pyarrow string array."""

    name: str
    columns: dict[str, pa.ChunkedArray]
    n_rows: int
    encoding: str
    _text: bytes | mmap.mmap = field(repr=False, default=b"")
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
            self._lines = _record_lines(self._text[:])  # a map is copied: only when a defect is reported
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


def read_csv(
    path: Path,
    name: str,
    defects: list[Defect],
    raw: bytes | mmap.mmap | None = None,
    *,
    dictionary_columns: Collection[str] = (),
) -> CsvTable | None:
    """Parse ``path`` (or its bytes ``raw``, possibly a memory map from
    :func:`read_bundle_file`); on a defect that makes the file unreadable, record it and
    return None.

    ``dictionary_columns`` (of few distinct values, such as an answer's item and code)
    come dictionary-encoded, as the parser meets them: small integers per row and each
    chunk's distinct texts, instead of millions of strings to be hashed again later.
    """
    if raw is None:
        raw = read_bundle_file(path, name, defects)
        if raw is None:
            return None
    too_long = first_long_line(raw)  # raw may come from elsewhere than read_bundle_file
    if too_long is not None:
        defects.append(long_line_defect(name, too_long))
        return None
    text: bytes | mmap.mmap
    mapped_as_is = isinstance(raw, mmap.mmap) and raw[: len(UTF8_BOM)] != UTF8_BOM
    if mapped_as_is and _is_ascii(raw):  # parsed in place: ASCII or UTF-8 as it stands
        text, encoding = raw, "ascii"
    elif mapped_as_is and is_utf8(raw):
        text, encoding = raw, "utf-8"
    else:  # a BOM or another encoding: decoded to bytes
        plain = raw if isinstance(raw, bytes) else raw[:]
        try:
            text, encoding = decode_bundle_bytes(plain)
        except UnicodeDecodeError as exc:
            defects.append(encoding_defect(name, plain, exc))
            return None
    stray_cr = _stray_carriage_return(text)
    if stray_cr is not None:
        defects.append(
            Defect(
                name,
                stray_cr,
                None,
                "a carriage return ends this line without a line feed (old Mac OS line endings, "
                "or a stray carriage return in a value): save the file with Windows (CRLF) or "
                "Unix (LF) line endings",
            )
        )
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
                column_types={h: _DICTIONARY if h in dictionary_columns else pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        defects.append(Defect(name, None, None, f"cannot be read as CSV: {exc}"))
        return None
    if bad_rows:
        for number, row_text, expected, actual in bad_rows:
            line = number + 1 if number is not None else _find_line(text[:], row_text)
            defects.append(
                Defect(name, line, None, f'"{row_text[:60]}" has {actual} fields, the header has {expected}')
            )
        return None
    columns = {h: table.column(h) for h in header}
    result = CsvTable(name=name, columns=columns, n_rows=table.num_rows, encoding=encoding, _text=text)
    if text.find(b"\x00") >= 0:  # one memchr; the cells are searched only when there is one
        _report_nul_cells(result, header, defects)
        return None
    return result


def _stray_carriage_return(text: bytes | mmap.mmap) -> int | None:
    """Line (1-based) of the first carriage return that ends a line without a line feed.

    CSV parsers (pyarrow's and Python's) take such a CR for a line break, so CR-only
    files would be read as one long header or as shifted records. A CR inside a quoted
    value is part of the value, and is left to the cell checks (a label that begins
    with one is refused by the formula rule, naming its column). Quotes are matched by
    parity: an escaped quote ("") adds two.
    """
    if text.find(b"\r") < 0 or _count(text, b"\r") == _count(text, b"\r\n"):
        return None
    u = np.frombuffer(text, dtype=np.uint8)
    cr = np.flatnonzero(u == 0x0D)
    cr = cr[(cr + 1 >= u.size) | (u[np.minimum(cr + 1, u.size - 1)] != 0x0A)]
    quotes = np.flatnonzero(u == 0x22)
    outside = cr[np.searchsorted(quotes, cr) % 2 == 0]
    if outside.size == 0:
        return None
    return _count(text, b"\n", int(outside[0])) + 1


def _count(data: bytes | mmap.mmap, sub: bytes, end: int | None = None) -> int:
    """Occurrences of ``sub`` (a byte or a CRLF, which cannot overlap itself) in
    ``data[:end]``; a map is counted a chunk at a time (it has no count of its own)."""
    end = len(data) if end is None else end
    if isinstance(data, bytes):
        return data.count(sub, 0, end)
    # A chunk reaches len(sub) - 1 bytes into the next one, so that an occurrence that
    # starts in the chunk is counted there, and only there.
    extra = len(sub) - 1
    return sum(
        data[k : min(k + SCAN_CHUNK_BYTES + extra, end)].count(sub) for k in range(0, end, SCAN_CHUNK_BYTES)
    )


def _is_ascii(data: mmap.mmap) -> bool:
    """Whether a map holds only ASCII bytes (numpy over its pages: nothing is copied)."""
    u = np.frombuffer(data, dtype=np.uint8)
    return all(int(u[k : k + SCAN_CHUNK_BYTES].max()) < 0x80 for k in range(0, u.size, SCAN_CHUNK_BYTES))


def _report_nul_cells(table: CsvTable, header: list[str], defects: list[Defect]) -> None:
    """A defect for every cell (and header name) that holds a NUL character."""
    for h in header:
        if "\x00" in h:
            defects.append(Defect(table.name, 1, h.replace("\x00", "\\0"), NUL_MESSAGE))
    for h in header:
        col = table.col(h)
        if pa.types.is_dictionary(col.type):
            col = pc.cast(col, pa.string())
        rows = np.flatnonzero(bool_mask(pc.match_substring(col, "\x00")))
        defects.extend(Defect(table.name, table.line(int(r)), h, NUL_MESSAGE) for r in rows)


NUL_MESSAGE: Final = (
    "the cell holds a NUL character (byte 0), which no text may hold; the file is damaged "
    "or not a text export"
)


def bool_mask(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An arrow boolean column as numpy (arrow packs booleans into bits); null is False."""
    if isinstance(mask, pa.ChunkedArray):
        parts = [bool_mask(chunk) for chunk in mask.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    validity, values = mask.buffers()[:2]
    end = mask.offset + len(mask)
    bits = np.unpackbits(np.frombuffer(values, dtype=np.uint8), count=end, bitorder="little")
    if mask.null_count:
        bits &= np.unpackbits(np.frombuffer(validity, dtype=np.uint8), count=end, bitorder="little")
    return bits[mask.offset :].astype(bool)


def empty_cells(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """True where a string cell is empty, read straight off the offsets buffer."""
    if isinstance(arr, pa.ChunkedArray):
        parts = [empty_cells(chunk) for chunk in arr.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    if len(arr) == 0:
        return np.zeros(0, dtype=bool)
    if isinstance(arr, pa.DictionaryArray):  # the entries' emptiness, looked up per row
        empty_entry = empty_cells(arr.dictionary)
        if not empty_entry.any():
            return np.zeros(len(arr), dtype=bool)
        return empty_entry[dictionary_indices(arr)]
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=offset_type)[arr.offset : arr.offset + len(arr) + 1]
    return offsets[1:] == offsets[:-1]


def dictionary_indices(arr: pa.DictionaryArray) -> np.ndarray:
    """The indices of a dictionary-encoded column chunk (from :func:`read_csv`, no nulls)."""
    indices = arr.indices
    dtype = np.dtype(indices.type.to_pandas_dtype())
    return np.frombuffer(indices.buffers()[1], dtype=dtype)[indices.offset : indices.offset + len(indices)]


def edge_bytes(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The first and the last UTF-8 byte of every string cell (0 for an empty cell), read
    straight off the offsets and data buffers: vectorised pre-filters for rules about how
    a value begins or ends, with no string copied."""
    first, last = _edges(arr, last=True)
    assert last is not None
    return first, last


def first_bytes(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The first UTF-8 byte of every string cell (0 for an empty cell); see :func:`edge_bytes`."""
    return _edges(arr, last=False)[0]


def _edges(arr: pa.Array | pa.ChunkedArray, *, last: bool) -> tuple[np.ndarray, np.ndarray | None]:
    if isinstance(arr, pa.ChunkedArray):
        parts = [_edges(chunk, last=last) for chunk in arr.chunks if len(chunk)]
        if not parts:
            return np.zeros(0, dtype=np.uint8), (np.zeros(0, dtype=np.uint8) if last else None)
        if len(parts) == 1:
            return parts[0]
        firsts = np.concatenate([f for f, _ in parts])
        return firsts, (np.concatenate([b for _, b in parts if b is not None]) if last else None)
    if len(arr) == 0:
        return np.zeros(0, dtype=np.uint8), (np.zeros(0, dtype=np.uint8) if last else None)
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=offset_type)[arr.offset : arr.offset + len(arr) + 1]
    buffer = arr.buffers()[2]
    if buffer is None or buffer.size == 0:
        return np.zeros(len(arr), dtype=np.uint8), (np.zeros(len(arr), dtype=np.uint8) if last else None)
    data = np.frombuffer(buffer, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    empty = ends == starts
    top = data.size - 1  # an empty cell may point just past the data: clip, then zero it
    first = data[np.minimum(starts, top)]
    first[empty] = 0
    if not last:
        return first, None
    final = data[np.clip(ends - 1, 0, top)]
    final[empty] = 0
    return first, final


def _find_line(text: bytes, row_text: str) -> int | None:
    pos = text.find(row_text.encode("utf-8"))
    return None if pos < 0 else text[:pos].count(b"\n") + 1
