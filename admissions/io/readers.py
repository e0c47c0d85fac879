"""Reading the files of a round's input folder as tables of text, exactly as the user gave them.

Nothing here guesses a type: every cell is read as a string, so an id like ``0012`` keeps its
leading zeros and ``237,5`` reaches the validator as written. Whatever cannot be read becomes a
:class:`~admissions.io.problems.Problem` naming the file, never a traceback.

Every header name and cell is returned in Unicode NFC, so one name written in two forms (a composed
``ö``, or ``o`` and a combining diaeresis as macOS writes it) is one name everywhere after.

Row numbers are those a spreadsheet shows: the header is row 1, so the cell at position ``i`` of
:attr:`Table.frame` is on row ``i + 2``. The readers keep that true by never dropping a row in the
middle of a file: an empty row there is reported; only empty rows at the end are dropped (Excel
often leaves some). A Parquet file has no rows to show, and its record ``i`` is numbered ``i + 2``
all the same.

Formats:

- CSV: comma-, semicolon- or tab-separated (sniffed from the header line), UTF-8 with or without
  BOM, else Windows-1252 (how Swedish Excel saves "CSV"); strict UTF-8 is tried first. Lines may
  end in LF, CR LF or CR alone (Excel for Mac's "CSV (Macintosh)"). Quoted
  fields may hold separators, quotes (doubled) and line breaks. A file with control characters
  (NUL and the like) is not text; nor is one that is not UTF-8 yet holds UTF-8 Swedish letters
  (pasted together from both encodings: read as Windows-1252 it would say "MalmÃ¶").
- XLSX: the sheet named like the file, else the only visible sheet holding data (several, or data
  on hidden sheets only, is a problem); formula cells give the value saved with them (a warning),
  and a formula without a saved value is a problem. Read with openpyxl; numbers that are whole are written without ".0", a
  whole number shown with leading zeros by its cell format (``0000``) keeps them, booleans become
  ``true``/``false`` and dates ISO 8601.
- Parquet: every column cast to text with pyarrow (whole floats without ".0").

Limits: a file that is too big, too wide, has too long a cell, or is an .xlsx that would unpack to
far more than its size (a zip bomb) is refused before it is parsed, with one problem naming the
file, so a hostile or broken export costs bounded time and memory (well under 2 GiB):

- :data:`MAX_FILE_BYTES` (128 MB; the environment variable ``ADMISSIONS_MAX_INPUT_MB`` sets
  another) per file; the largest file of a real round (grades, 55,000 students) is 18 MB;
- :data:`MAX_COLUMNS` (1,000) columns in the header, and per row of an .xlsx;
- :data:`MAX_CELL_CHARS` (10,000) characters per cell;
- .xlsx: at most :data:`MAX_XLSX_UNPACKED` bytes (256 MB) unpacked in all,
  :data:`MAX_XLSX_PARTS` parts, and no part over 1 MB unpacking to more than
  :data:`MAX_XLSX_RATIO` times its packed size, checked from the zip directory before openpyxl
  reads anything;
- .parquet: the same column limit and at most :data:`MAX_PARQUET_UNPACKED` bytes (256 MB) of data,
  from the file's metadata before any data is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from admissions.io.contract import FILE_SUFFIXES, FileSpec, file_check
from admissions.io.problems import FIRST_DATA_ROW, MAX_PER_RULE, Problem, ProblemLog

#: Environment variable that sets MAX_FILE_BYTES, in MB (10**6 bytes).
MAX_INPUT_ENV = "ADMISSIONS_MAX_INPUT_MB"
#: Largest input file read, in bytes (unless MAX_INPUT_ENV says otherwise). The largest real round
#: (55,000 students) has a 18 MB grades file; validating a 124 MB file of 4 million applications
#: peaks at 1.6 GiB, so this keeps any file accepted under 2 GiB.
MAX_FILE_BYTES = 128_000_000
#: Largest value MAX_INPUT_ENV may set, in MB (a petabyte: any real file fits, and inf does not).
MAX_INPUT_MB = 1_000_000_000
#: Most columns a file may have.
MAX_COLUMNS = 1_000
#: Longest cell, in characters: ids, names and numbers are far shorter.
MAX_CELL_CHARS = 10_000
#: An .xlsx may unpack to at most this many bytes in all ...
MAX_XLSX_UNPACKED = 256_000_000
#: ... in at most this many parts ...
MAX_XLSX_PARTS = 10_000
#: ... and no part over a megabyte may unpack to more than this many times its packed size
#: (worksheets written by Excel or by this tool pack 5-30 times; a zip bomb packs a thousand).
MAX_XLSX_RATIO = 200
#: A Parquet file may hold at most this many bytes of (uncompressed) data.
MAX_PARQUET_UNPACKED = 256_000_000

NOT_TEXT = "file is not UTF-8 or Windows-1252 text"
TRUNCATED = "file looks cut off (truncated); export it again"
# Bytes that no text file has: the C0 controls but tab, line feed and carriage return, and DEL.
_CONTROL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_UTF8_BOM = b"\xef\xbb\xbf"
# å ä ö Å Ä Ö é ü Ü in UTF-8; as Windows-1252 they read Ã¥ Ã¤ Ã¶ ..., never seen in Swedish text.
_UTF8_SWEDISH = re.compile(b"\xc3[\xa5\xa4\xb6\x85\x84\x96\xa9\xbc\x9c]")
# å ä ö Å Ä Ö é ü in Windows-1252, and in Mac Roman (Excel for Mac's "CSV (Macintosh)"), where
# Windows-1252 reads them as Œ Š š, 0x81 (no character), € … Ž Ÿ: "Malmö" would be "Malmš".
_CP1252_SWEDISH = b"\xe5\xe4\xf6\xc5\xc4\xd6\xe9\xfc"
# A word: ASCII letters and bytes above 0x7F ("Malm\x9a", "vanta\x85och").
_WORD = re.compile(b"[A-Za-z\x80-\xff]*[\x80-\xff][A-Za-z\x80-\xff]*")
# Mac Roman's å ä ö é ü and Å Ä Ö; 0x81 (Å) is no Windows-1252 character.
_MAC_LOWER = b"\x8c\x8a\x9a\x8e\x9f"
_MAC_UPPER = b"\x81\x80\x85"
# Windows-1252's š ž œ (in a word), Š Ž Œ Ÿ (starting a word or in capitals), € and … (not before a
# lower-case letter at a word's start, where Mac Roman's Ä Ö are: "€ngelholm", "…stra").
_CP1252_LOWER = b"\x9a\x9e\x9c"
_CP1252_UPPER = b"\x8a\x8e\x8c\x9f"
_CP1252_SIGNS = b"\x80\x85"
_CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"
#: Words that read as Swedish only as Mac Roman needed to refuse a file that Windows-1252 can read.
MAC_ROMAN_WORDS = 2
_CELL_END = re.compile(b'[,;\t\r\n"]')
_DELIMITERS = (",", ";", "\t")
#: The dtype of every cell read: pandas' default string type.
TEXT = pd.StringDtype(na_value=np.nan)


@dataclass(frozen=True)
class Table:
    """One input file read as text.

    ``columns`` has one Arrow string array per distinct header name, in the order of the file
    (no nulls: an empty cell is ""); cell ``i`` is on spreadsheet row ``i + FIRST_DATA_ROW``.
    ``frame`` is the same as a pandas frame of strings. ``header`` is the header as written
    (stripped of surrounding spaces), duplicates included.
    """

    name: str
    path: Path
    sha256: str
    header: tuple[str, ...]
    columns: dict[str, pa.Array]
    n_rows: int
    encoding: str | None = None  # CSV only: "utf-8", "utf-8-sig" or "cp1252"
    delimiter: str | None = None  # CSV only
    empty_rows: tuple[int, ...] = ()  # positions of empty rows inside the file (already reported)

    @property
    def file(self) -> str:
        """The file name as it is in the folder, as problems name it."""
        return self.path.name

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The columns as a pandas frame of strings (dtype TEXT), built when first asked for."""
        return text_frame(self.columns, self.n_rows)


def text_frame(columns: dict[str, pa.Array], n_rows: int) -> pd.DataFrame:
    """Arrow string columns as a pandas frame of dtype TEXT (the Arrow data is shared, not copied)."""
    return pd.DataFrame({name: text_array(column) for name, column in columns.items()},
                        index=pd.RangeIndex(n_rows), copy=False)


def text_array(column: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """An Arrow string column as a pandas array of dtype TEXT (one call: no Series is built)."""
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column], type=pa.string())
    return TEXT.__from_arrow__(column)


def one_array(column: pa.ChunkedArray) -> pa.Array:
    """The column as one contiguous array (a column of one chunk as it is, without a copy)."""
    if column.num_chunks == 1:
        return column.chunk(0)
    if column.num_chunks == 0:
        return pa.array([], type=column.type)
    return column.combine_chunks()


@dataclass
class ReadResult:
    """What reading one file gave: the table (None when it could not be read) and the problems."""

    table: Table | None
    problems: list[Problem] = field(default_factory=list)


def find_file(folder: Path, spec: FileSpec, entries: Iterable[Path] | None = None) -> tuple[Path | None, list[Problem]]:
    """The file of ``spec`` in ``folder``: NAME.csv, NAME.xlsx or NAME.parquet, exactly one.

    Names are matched case-insensitively (``Students.CSV`` is found) since Windows users cannot
    tell them apart. Returns the path, or None with a problem when the file is required and
    missing or when more than one candidate exists; None without a problem when an optional file
    is absent. ``entries``: the folder's entries when the caller has listed them already (one
    listing for all the files of a round).
    """
    wanted = {spec.name + suffix: suffix for suffix in FILE_SUFFIXES}
    found = sorted(
        (FILE_SUFFIXES.index(wanted[path.name.lower()]), path)
        for path in (Path(folder).iterdir() if entries is None else entries)
        if path.name.lower() in wanted and path.is_file()
    )
    paths = [path for _, path in found]
    if len(paths) == 1:
        return paths[0], []
    if len(paths) > 1:
        names = " and ".join(path.name for path in paths)
        return None, [Problem(paths[0].name, None, None, None,
                              f"found {names}; keep exactly one file for {spec.name}", check=file_check(spec.name, "file"))]
    if not spec.required:
        return None, []
    looked_for = ", ".join(spec.name + suffix for suffix in FILE_SUFFIXES)
    return None, [Problem(f"{spec.name}.csv", None, None, None,
                          f"required file is missing (looked for {looked_for})", check=file_check(spec.name, "file"))]


def read_table(path: Path, name: str | None = None) -> ReadResult:
    """Read a .csv, .xlsx or .parquet file as a table of strings (see the module docstring).

    ``name`` is the contract name of the file (default: the file name without suffix). Every
    problem carries the check id ``NAME.format`` (:data:`admissions.io.contract.FILE_RULES`).
    """
    path = Path(path)
    name = name or path.stem.lower()
    result = _read_table(path, name)
    check = file_check(name, "format")
    return ReadResult(result.table, [p if p.check is not None else replace(p, check=check) for p in result.problems])


def _read_table(path: Path, name: str) -> ReadResult:
    file = path.name
    limit = max_file_bytes()
    try:
        if path.stat().st_size > limit:
            size = path.stat().st_size
            return ReadResult(None, [Problem(
                file, None, None, None,
                f"file is too big: {_megabytes(size)}, the limit is {_megabytes(limit)} "
                f"(set {MAX_INPUT_ENV} to allow bigger files)")])
        with open(path, "rb") as handle:
            # Read at most one byte more than the limit: a file growing while it is read, or one
            # that lies about its size, cannot make this read more.
            data = handle.read(limit + 1)
    except OSError as exc:
        return ReadResult(None, [Problem(file, None, None, None, f"file cannot be read: {exc.strerror or exc}")])
    if len(data) > limit:
        size = max(len(data), _size(path))
        return ReadResult(None, [Problem(
            file, None, None, None,
            f"file is too big: {_megabytes(size)}, the limit is {_megabytes(limit)} "
            f"(set {MAX_INPUT_ENV} to allow bigger files)")])
    sha256 = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows, problems, encoding, delimiter = _read_csv(data, file)
    elif suffix == ".xlsx":
        rows, problems = _read_xlsx(data, file, name)
        encoding = delimiter = None
    elif suffix == ".parquet":
        rows, problems = _read_parquet(data, file)
        encoding = delimiter = None
    else:
        return ReadResult(None, [Problem(file, None, None, None,
                                         f"unknown file type; use one of {', '.join(FILE_SUFFIXES)}")])
    if rows is None:
        return ReadResult(None, problems)
    header, cells = rows
    too_long = _long_cells(header, cells, file)
    if too_long:
        return ReadResult(None, problems + too_long)
    columns, n_rows, empty_rows, more = _tidy(header, cells, file)
    problems += more
    table = Table(name, path, sha256, tuple(str(h).strip() for h in header), columns, n_rows, encoding, delimiter,
                  empty_rows)
    return ReadResult(table, problems)


def release_freed_memory() -> None:
    """Hand back to the system the memory Arrow's pool still holds from buffers already freed.

    Its allocator (mimalloc) keeps freed pages for a while for reuse; after a million students'
    files are parsed and checked that is several hundred MB, resident while the next steps grow
    (``match`` at 1,000,000 students peaked at 2.6-2.9 GB without this, 2.6 GB with it).
    """
    pa.default_memory_pool().release_unused()


def max_file_bytes() -> int:
    """The size limit of an input file: MAX_INPUT_ENV (in MB) when set, else MAX_FILE_BYTES."""
    value = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not value:
        return MAX_FILE_BYTES
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = -1.0
    if not 0 < megabytes <= MAX_INPUT_MB:  # nan, inf and 1e400 fail too
        from admissions.errors import ConfigError

        raise ConfigError(f"{MAX_INPUT_ENV} == {value!r}, must be a number of megabytes, 0 < MB <= {MAX_INPUT_MB:,}")
    return int(megabytes * 1_000_000)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _longest(text: pa.Array) -> int:
    """The most bytes a cell of the column has (its offsets' largest step: no kernel, no copy)."""
    return int(cell_lengths(text).max()) if len(text) else 0


def _offsets(chunk: pa.Array) -> np.ndarray:
    """(len(chunk) + 1,) the byte offsets of a string chunk's cells in its data buffer."""
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    return np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1]


def _megabytes(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n:,} bytes"


def _too_wide(n: int, file: str) -> Problem:
    return Problem(file, 1, None, None, f"the header has {n:,} columns, the limit is {MAX_COLUMNS:,}")


def _long_cells(header: list[str], cells: list[pa.Array], file: str) -> list[Problem]:
    """A problem for each column with a cell longer than MAX_CELL_CHARS (its first such row)."""
    problems = []
    for i, text in enumerate(cells):
        if len(text) == 0 or _longest(text) <= MAX_CELL_CHARS:
            continue  # bytes >= characters: nothing longer in characters either
        length = pc.fill_null(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
        over = np.flatnonzero(length > MAX_CELL_CHARS)
        if len(over):
            at = int(over[0])
            name = str(header[i]).strip() if i < len(header) else None
            problems.append(Problem(
                file, at + FIRST_DATA_ROW, name or None, None,
                f"cell has {int(length[at]):,} characters, the limit is {MAX_CELL_CHARS:,}"
                + (f" ({len(over):,} such cells in this column)" if len(over) > 1 else "")))
    for j, name in enumerate(header):
        if len(str(name)) > MAX_CELL_CHARS:
            problems.append(Problem(file, 1, None, None,
                                    f"column name {j + 1} has {len(str(name)):,} characters, "
                                    f"the limit is {MAX_CELL_CHARS:,}"))
    return problems


# --- CSV ---------------------------------------------------------------------------------------


#: Excel's separator line ('sep=;'), which some exports put above the header for Excel to read.
_SEPARATOR_LINE = re.compile(rb"^(?:\xef\xbb\xbf)?\s*sep=(.?)\s*(?:\r\n|\r|\n|$)", re.IGNORECASE)


def _read_csv(data: bytes, file: str):
    """(header, columns) or None, problems, encoding, delimiter."""
    if (found := _SEPARATOR_LINE.match(data[:64])) is not None:
        # Read as the header it would be six confusing problems (a column without a name, every
        # required column missing, every row too wide): one problem saying what the line is.
        line = found.group().decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r\n")
        return None, [Problem(file, 1, None, line,
                              "Excel's separator line, not the header: remove the line (the separator is found "
                              "from the header, the column names)")], None, None
    fast = _utf8_csv(data)
    if fast is not None:
        return fast
    text, encoding, problem = decode_text(data, file)
    if problem is not None:
        return None, [problem], None, None
    cr_only = "\r" in text and "\n" not in text
    if cr_only:
        # Excel for Mac's "CSV (Macintosh)" ends lines with CR alone: they are line ends.
        text = text.replace("\r", "\n")
    if re.search(r"\S", text) is None:
        return None, [Problem(file, None, None, None,
                              "file is empty; it needs a header row with the column names")], encoding, None
    first_line = text[: text.find("\n")] if "\n" in text else text
    if not first_line.strip(" \t\r,;"):
        return None, [Problem(file, 1, None, None,
                              "row 1 must hold the column names, and it is empty")], encoding, None
    if text.count('"') % 2:
        return None, [Problem(file, None, None, None,
                              f"{TRUNCATED}: a quoted value is never closed "
                              '(an odd number of " in the file; or a value holds a stray ")')], encoding, None
    delimiter = sniff_delimiter(text)
    n_columns = re.sub(r'"[^"]*"', "", first_line).count(delimiter) + 1
    if n_columns > MAX_COLUMNS:
        return None, [_too_wide(n_columns, file)], encoding, delimiter
    utf8 = (text.encode("utf-8") if cr_only or encoding == "cp1252"
            else data[len(_UTF8_BOM):] if encoding == "utf-8-sig" else data)
    rows = _csv_with_arrow(utf8, delimiter)
    if rows is not None:
        return rows, [], encoding, delimiter
    # Ragged rows, a header without a line end or anything else the fast parser refuses: read it
    # again record by record, which can say exactly which row is wrong.
    rows, problems = _csv_by_record(text, delimiter, file)
    return rows, problems, encoding, delimiter


def _utf8_csv(data: bytes):
    """(header, columns), [], encoding, delimiter of a well-formed UTF-8 CSV file; None for any other file.

    The common case read from the bytes themselves, never decoded to one Python string (for a
    330 MB grades.csv that string cost 0.2 s and 330 MB, and the control-byte scan of it 0.5 s):
    the file is UTF-8 (ASCII, checked in 0.04 s, or decoded and dropped), its lines end in LF,
    its first byte that is not a space is an ASCII character, its quotes pair up, and no cell
    holds a byte below 0x20 or DEL (each column's smallest byte, after Arrow parsed it without
    checking UTF-8 again; DEL and NUL found by ``memchr``). Anything else, even a tab inside a
    cell, returns None, and :func:`_read_csv` reads the file as before, problems and all.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"PK\x03\x04", b"PAR1")) or b"\x7f" in data or b"\x00" in data:
        return None
    encoding = "utf-8-sig" if data.startswith(_UTF8_BOM) else "utf-8"
    body = memoryview(data)[len(_UTF8_BOM):] if encoding == "utf-8-sig" else data
    if not data.isascii():
        try:
            str(body, "utf-8")
        except UnicodeDecodeError:
            return None
    if b"\r" in data and b"\n" not in data:
        return None
    start = re.search(rb"\S", body)
    if start is None or not 0x20 < body[start.start()] < 0x80:
        return None  # empty, or starting with a byte that may be Unicode white space: the text decides
    end = bytes(body[:4096]).find(b"\n")
    if end < 0:
        return None
    first_line = bytes(body[:end]).decode("utf-8", "replace")
    if not first_line.strip(" \t\r,;"):
        return None
    quoted = b'"' in data
    if quoted and data.count(b'"') % 2:
        return None
    delimiter = sniff_delimiter(first_line)
    if re.sub(r'"[^"]*"', "", first_line).count(delimiter) + 1 > MAX_COLUMNS:
        return None
    rows = _csv_with_arrow(body, delimiter, check_utf8=False, quoted=quoted)
    if rows is None or any(_has_control_byte(column) for column in rows[1]):
        return None
    header, columns = rows
    if any(_has_control_byte(pa.array([name], pa.string())) for name in header):
        return None
    return rows, [], encoding, delimiter


def _has_control_byte(column: pa.Array) -> bool:
    """A cell of the column holds a byte below 0x20 (tab and line ends included; DEL is found before)."""
    data = column.buffers()[2]
    if data is None or len(column) == 0:
        return False
    offsets = _offsets(column)
    if offsets[-1] == offsets[0]:
        return False
    return bool(np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]].min() < 0x20)


def decode_text(data: bytes, file: str) -> tuple[str, str, Problem | None]:
    """The text of a CSV file, its encoding and a problem when it is not text.

    Strict UTF-8 is tried first (a BOM is dropped), then Windows-1252. Windows-1252 decodes
    nearly any byte, so a file is also refused when it has control characters other than tab and
    line ends: that is what binary files (and UTF-16 text) look like.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Advice by the file's kind: a settings file comes from a text editor (Notepad's 'Unicode'), not Excel.
        advice = ("it is UTF-16 (Excel's 'Unicode text'); save it as CSV UTF-8" if file.lower().endswith(".csv")
                  else "it is UTF-16 (a text editor's 'Unicode'); save it as UTF-8")
        return "", "", Problem(file, None, None, None, f"{NOT_TEXT}: {advice}")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PAR1"):
        kind = "a zip archive or Excel workbook" if data.startswith(b"PK") else "a Parquet file"
        return "", "", Problem(file, None, None, None,
                               f"{NOT_TEXT}: it looks like {kind}; give it the right suffix")
    if len(data.translate(None, _CONTROL)) != len(data):
        at = min(i for i in (data.find(bytes([b])) for b in _CONTROL) if i >= 0)
        line = data.count(b"\n", 0, at) + 1
        return "", "", Problem(file, line, None, None,
                               f"{NOT_TEXT}: it has control byte 0x{data[at]:02x} on line {line}"
                               " (is it a binary file?)")
    try:
        if data.startswith(_UTF8_BOM):
            return data[len(_UTF8_BOM):].decode("utf-8"), "utf-8-sig", None
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(exc.object):
            try:
                exc.object[:exc.start].decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                # UTF-8 up to a character cut in half at the very end: the file was cut off.
                line = data.count(b"\n") + 1
                return "", "", Problem(file, line, None, None,
                                       f"{TRUNCATED}: it ends in the middle of a UTF-8 character")
    mixed = _UTF8_SWEDISH.search(data)
    if mixed is not None:
        # Read as Windows-1252 these would become "MalmÃ¶": a file pasted together from both.
        line = data.count(b"\n", 0, mixed.start()) + 1
        return "", "", Problem(file, line, None, None,
                               f"{NOT_TEXT}: it mixes both (line {line} has {mixed.group().decode()!r} in UTF-8, "
                               "other lines are not UTF-8); save it again as CSV UTF-8")
    mac = _mac_roman(data, file)
    if mac is not None:
        return "", "", mac
    try:
        return data.decode("cp1252"), "cp1252", None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return "", "", Problem(file, line, None, None,
                               f"{NOT_TEXT}: byte 0x{data[exc.start]:02x} on line {line} is neither")


def _mac_roman(data: bytes, file: str) -> Problem | None:
    """A problem when a file that is not UTF-8 looks like Mac Roman, not Windows-1252, judged by its
    words both ways: read as Windows-1252 a Mac Roman file passes with every å, ä, ö changed
    ("HŠstsportgymnasium"), while Windows-1252's own š, Œ, … read as Mac Roman ö, å, Ö ("Miloš",
    "CŒUR", "vanta…och"). Refused when a word has a Windows-1252 Swedish letter never; when the file
    is no Windows-1252 (0x81, Mac Roman's Å) on one word Swedish as Mac Roman; else only on
    :data:`MAC_ROMAN_WORDS` such words, one of them no plausible Windows-1252 ("HŠst"), and no word
    that reads as Windows-1252 only. A word both ways ("Malmš"/"Malmö", "Miloš"/"Miloö") counts for
    Mac Roman but cannot refuse a file alone."""
    if any(data.find(bytes([letter])) >= 0 for letter in _CP1252_SWEDISH):
        return None
    swedish, mac_only, cp1252_only = [], 0, 0
    for word in dict.fromkeys(m.group() for m in _WORD.finditer(data)):
        as_mac, as_cp1252 = _word_readings(word)
        if as_mac and not as_cp1252:
            mac_only += 1
        if as_cp1252 and not as_mac:
            cp1252_only += 1
        if as_mac:
            swedish.append((not as_cp1252, word))
    if not swedish:
        return None
    if any(data.find(bytes([byte])) >= 0 for byte in _CP1252_UNDEFINED):
        refused = True
    else:
        refused = not cp1252_only and mac_only and len(swedish) >= MAC_ROMAN_WORDS
    if not refused:
        return None
    shown = next((word for only, word in swedish if only), swedish[0][1])
    found = re.search(rb"(?<![A-Za-z\x80-\xff])" + re.escape(shown) + rb"(?![A-Za-z\x80-\xff])", data)
    start, end = found.start(), found.end()
    while start > 0 and not _CELL_END.match(data, start - 1) and found.end() - start < 40:
        start -= 1
    following = _CELL_END.search(data, end)
    end = min(following.start() if following else len(data), end + 40)
    word = data[start:end]
    line = data.count(b"\n", 0, found.start()) + 1
    advice = "save it as CSV UTF-8" if file.lower().endswith(".csv") else "save it as UTF-8"
    return Problem(file, line, None, None,
                   f"{NOT_TEXT}: it looks like Mac Roman (Excel for Mac's 'CSV (Macintosh)'): line {line} has "
                   f"{word.decode('mac_roman')!r}, which Windows-1252 would read as "
                   f"{word.decode('cp1252', 'replace')!r}; {advice}")


def _word_readings(word: bytes) -> tuple[bool, bool]:
    """Whether a word reads as Swedish as Mac Roman (å ä ö é ü after a letter and not before a
    capital, Å Ä Ö not after a lower-case letter and before one or after a capital), and
    whether it reads plausibly as Windows-1252 (every Š š Ž ž Œ œ Ÿ € … used as such)."""
    def lower(i: int) -> bool:
        return 0 <= i < len(word) and 0x61 <= word[i] <= 0x7A

    def upper(i: int) -> bool:
        return 0 <= i < len(word) and 0x41 <= word[i] <= 0x5A

    def letter(i: int) -> bool:
        return 0 <= i < len(word) and (lower(i) or upper(i) or word[i] >= 0x80)

    as_mac, as_cp1252, seen = False, True, False
    for i, byte in enumerate(word):
        if byte < 0x80:
            continue
        if byte in _MAC_LOWER and (lower(i - 1) or upper(i - 1)) and not upper(i + 1):
            as_mac = True
        if byte in _MAC_UPPER and not lower(i - 1) and (lower(i + 1) or upper(i - 1)):
            as_mac = True
        if byte in _CP1252_LOWER:
            seen = True
            as_cp1252 &= letter(i - 1) or letter(i + 1)
        elif byte in _CP1252_UPPER:
            seen = True
            as_cp1252 &= i == 0 or (upper(i - 1) and not lower(i + 1))
        elif byte in _CP1252_SIGNS:
            seen = True
            as_cp1252 &= not (i == 0 and lower(i + 1))
    return as_mac, as_cp1252 and seen


def sniff_delimiter(text: str) -> str:
    """The separator of a CSV file: whichever of , ; and tab occurs most in the header line outside quotes."""
    end = text.find("\n")
    line = text if end < 0 else text[:end]
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = [unquoted.count(d) for d in _DELIMITERS]
    best = max(range(len(_DELIMITERS)), key=lambda i: (counts[i], -i))
    return _DELIMITERS[best] if counts[best] else ","


def _csv_with_arrow(data: bytes | memoryview, delimiter: str, check_utf8: bool = True, quoted: bool | None = None):
    """(header, columns) read by pyarrow's CSV parser, or None when it refuses the file.

    ``columns`` are the body's Arrow string columns (the rows after the header), in file order.
    ``check_utf8=False`` when the caller has checked that ``data`` is UTF-8 (Arrow's own check
    took half the parse); ``quoted``: whether ``data`` has a quote, when the caller knows.
    """
    if quoted is None:
        quoted = b'"' in data
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            # One thread: faster on the small machines this runs on, and the cores are shared.
            # Blocks of 64 MB: fewer chunks to join than the default 1 MB (a third less CPU at 330 MB).
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, use_threads=False, block_size=1 << 26),
            # Line breaks inside quoted values cost a slower parse; without any quote there are none.
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=_all_string(data, delimiter),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=check_utf8,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows == 0 or not all(pa.types.is_string(t) for t in table.schema.types):
        return None
    header = [str(column[0].as_py()) for column in table.columns]
    body = table.slice(1).columns
    del table
    # One column at a time: each column's chunks are freed once it is one array, so a big file
    # is not held twice.
    for i, column in enumerate(body):
        body[i] = one_array(column)
    return header, body


def _all_string(data: bytes, delimiter: str) -> dict:
    # autogenerate_column_names names the columns f0, f1, ...; every one must be a string or
    # pyarrow would guess a type (and "0012" would become 12). The header line gives the number
    # of columns (more when it has quoted separators); the caller checks every column came out
    # text, and reads the file record by record when not (a header with a quoted line break).
    head = bytes(data[:MAX_COLUMNS * 64])  # the header line, without copying a memoryview's whole data
    end = head.find(b"\n")
    if end < 0:
        head, end = bytes(data), bytes(data).find(b"\n")
    n = (head if end < 0 else head[:end]).count(delimiter.encode()) + 1
    return {f"f{i}": pa.string() for i in range(n)}


#: A line with its end (\r\n, \n or \r), or the last line without one, as the csv module wants them.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _csv_by_record(text: str, delimiter: str, file: str):
    """(header, columns) and problems, read record by record with the csv module.

    Records are cut to the header's width as they are read, so a file of very wide rows takes no
    more memory than its cells under the header.
    """
    problems: list[Problem] = []
    # Lines one at a time: io.StringIO would hold a copy of the text at 4 bytes per character.
    reader = csv.reader((m.group() for m in _LINE.finditer(text)), delimiter=delimiter)
    last = [0]  # length of the last record read, before it is cut or padded

    def records():
        for record in reader:
            last[0] = len(record)
            yield record

    try:
        header = next(reader, [])
        header, columns = _rectangle(header, records(), file, problems)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            return None, [Problem(file, reader.line_num, None, None,
                                  f"a cell has more than {csv.field_size_limit():,} characters, "
                                  f"the limit is {MAX_CELL_CHARS:,}")]
        return None, [Problem(file, None, None, None, f"file is not valid CSV: {exc}")]
    n_rows = len(columns[0]) if columns else 0
    if n_rows and last[0] < len(header) and not text.endswith(("\n", "\r")):
        # A short last row is padded like any other, unless the file stops in it: then it was cut off.
        return None, [Problem(file, n_rows + 1, None, None,
                              f"{TRUNCATED}: the last row has {last[0]} of {len(header)} cells "
                              "and no line break after it")]
    return (header, columns), problems


#: Rows gathered as Python lists before they become Arrow columns (bounds the memory of slow paths).
_CHUNK_ROWS = 65_536


def _rectangle(header: list[str], records: Iterable[list[str]], file: str, problems: list[Problem]):
    """(header, columns) from rows of uneven length: short rows are padded with empty cells, a row
    with more non-empty cells than the header has columns is a problem (its extra cells are dropped).

    Rows are turned into Arrow string columns a chunk at a time, so a big file read this way holds
    its cells as Arrow data, not as millions of Python strings.
    """
    n = len(header)
    rows: list[list[str]] = []
    chunks: list[list[pa.Array]] = [[] for _ in range(n)]
    too_long = 0
    shown: list[Problem] = []

    def flush() -> None:
        for j, column in enumerate(zip(*rows) if n else ()):
            chunks[j].append(pa.array(column, type=pa.string()))
        rows.clear()

    for i, record in enumerate(records):
        if len(record) > n:
            extra = record[n:]
            if any(cell.strip() for cell in extra):
                too_long += 1
                if too_long <= MAX_PER_RULE:
                    shown.append(Problem(
                        file, i + FIRST_DATA_ROW, None, ";".join(extra),
                        f"row has {len(record)} cells but the header has {n} columns"))
            record = record[:n]
        elif len(record) < n:
            record = record + [""] * (n - len(record))
        rows.append(record)
        if len(rows) == _CHUNK_ROWS:
            flush()
    if rows:
        flush()
    log = ProblemLog()
    log.listed(shown, too_long, "rows with more cells than the header has columns", file=file)
    problems += log.problems
    return header, [one_array(pa.chunked_array(chunks[j], type=pa.string())) for j in range(n)]


# --- XLSX --------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, file: str, name: str = ""):
    """(header, columns) or None, and problems: the workbook's sheet to read, as Excel shows it.

    The sheet is the one named like the file (``students``), else the only sheet holding data when
    it is visible, else the only visible sheet; anything else (two visible sheets with data, data
    on a hidden sheet only) is a problem naming the sheets. A formula cell gives the value Excel
    saved with it, and a warning; a formula without a saved value (a workbook written by a
    program and never opened in Excel) is a problem: its value is unknown.
    """
    import openpyxl

    problem = check_zip(data, file)
    if problem is not None:
        return None, [problem]
    chosen = _choose_sheet(data, file, name)
    if isinstance(chosen, Problem):
        return None, [chosen]
    sheet_name, part = chosen
    problems = _formula_cells(part, file, sheet_name)
    if any(p.severity == "error" for p in problems):
        return None, problems
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, xml, key errors) for a broken file
        return None, [Problem(file, None, None, None,
                              f"file is not a readable Excel workbook (.xlsx): {type(exc).__name__}: {exc}")]
    try:
        sheet = workbook[sheet_name] if sheet_name in workbook.sheetnames else workbook.worksheets[0]
        # The dimension a file declares ("A1:XFD1048576") would pad every row to its width.
        sheet.reset_dimensions()
        records = []
        for row in sheet.iter_rows(min_row=1):
            if len(row) > MAX_COLUMNS:
                return None, [Problem(file, len(records) + 1, None, None,
                                      f"row has {len(row):,} columns, the limit is {MAX_COLUMNS:,}")]
            records.append([_cell_text(cell) for cell in row])
    except Exception as exc:
        return None, [Problem(file, None, None, None,
                              f"file is not a readable Excel workbook (.xlsx): {type(exc).__name__}: {exc}")]
    finally:
        workbook.close()
    while records and not any(records[-1]):
        records.pop()
    if not records:
        return None, [Problem(file, None, None, None,
                              f"sheet {sheet_name!r} is empty; it needs a header row with the column names")]
    header = records[0]
    if not any(cell.strip() for cell in header):
        return None, [Problem(file, 1, None, None, "row 1 must hold the column names, and it is empty")]
    while header and not header[-1]:
        header = header[:-1]
    return _rectangle(header, records[1:], file, problems), problems


_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_RELATION = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_HAS_VALUE = re.compile(rb"<(?:\w+:)?(?:v|t)\b[^/>]*>\s*[^<\s]")
_FORMULA_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_SAVED = re.compile(rb"<(?:\w+:)?v\b[^>]*>([^<]+)</(?:\w+:)?v>")


def _choose_sheet(data: bytes, file: str, name: str) -> tuple[str, bytes] | Problem:
    """The sheet to read (its name and XML) or a problem saying why no sheet is unambiguous.

    Read from the workbook's own parts (sheet names, visibility, which sheets hold a value).
    """
    import html

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            book = archive.read("xl/workbook.xml")
            relations = {}
            for match in _RELATION.finditer(archive.read("xl/_rels/workbook.xml.rels")):
                attributes = dict(_ATTRIBUTE.findall(match.group(1)))
                target = attributes.get(b"Target", b"").decode()
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                relations[attributes.get(b"Id", b"").decode()] = target
            sheets = []
            for match in _SHEET.finditer(book):
                attributes = {key.split(b":")[-1]: value for key, value in _ATTRIBUTE.findall(match.group(1))}
                title = html.unescape(attributes.get(b"name", b"").decode("utf-8"))
                state = attributes.get(b"state", b"visible").decode()
                rid = next((v.decode() for k, v in _ATTRIBUTE.findall(match.group(1)) if k.endswith(b":id")), "")
                part = relations.get(rid)
                xml = archive.read(part) if part in archive.namelist() else b""
                sheets.append((title, state == "visible", bool(_HAS_VALUE.search(xml)), xml))
    except Exception as exc:  # a broken part raises many kinds (zip, zlib, key, encoding errors)
        return Problem(file, None, None, None,
                       f"file is not a readable Excel workbook (.xlsx): {type(exc).__name__}: {exc}")
    if not sheets:
        return Problem(file, None, None, None, "file is not a readable Excel workbook (.xlsx): it has no sheets")
    named = [s for s in sheets if name and s[0].strip().lower() == name.lower()]
    if len(named) == 1:
        return named[0][0], named[0][3]
    with_data = [s for s in sheets if s[2]]
    visible = [s for s in sheets if s[1]]
    if len(with_data) == 1 and with_data[0][1]:
        return with_data[0][0], with_data[0][3]
    if len(visible) == 1 and (visible[0][2] or not with_data):
        return visible[0][0], visible[0][3]

    def listed(group) -> str:
        return ", ".join(repr(s[0]) + ("" if s[1] else " (hidden)") for s in group)

    wanted = f"name the sheet to read {name!r}" if name else "keep one sheet"
    if not [s for s in with_data if s[1]]:
        return Problem(file, None, None, None,
                       f"the data is on hidden sheets only ({listed(with_data)}); show the sheet, or {wanted}")
    return Problem(file, None, None, None,
                   f"the workbook has {len(with_data)} sheets holding data ({listed(with_data)}); "
                   f"it is not clear which one to read: delete the others, or {wanted}")


def _formula_cells(xml: bytes, file: str, sheet: str) -> list[Problem]:
    """A warning per formula cell with a saved value (the value is read), a problem per one without.

    At most MAX_PER_RULE of each are listed, and one more line counts the rest.
    """
    if re.search(rb"<(?:\w+:)?f[\s>/]", xml) is None:
        return []
    saved, unsaved = [], []
    for cell in _FORMULA_CELL.finditer(xml):
        body = cell.group(2) or b""
        formula = _FORMULA.search(body)
        if formula is None:
            continue
        reference = dict(_ATTRIBUTE.findall(cell.group(1))).get(b"r", b"?").decode()
        value = _SAVED.search(body)
        text = "=" + (formula.group(1) or b"").decode("utf-8", "replace")
        (saved if value is not None else unsaved).append((reference, text))
    log = ProblemLog()
    for rule_cells, severity, rule in (
        (unsaved, "error", "holds a formula without a saved value, so its value is unknown; open and save the "
                           "file in Excel or LibreOffice, or export CSV"),
        (saved, "warning", "holds a formula; the value Excel saved with it is read"),
    ):
        first = [Problem(file, int(re.sub(r"\D", "", reference) or 0) or None, None, text,
                         f"sheet {sheet!r}, cell {reference} {rule}", severity)
                 for reference, text in rule_cells[:MAX_PER_RULE]]
        log.listed(first, len(rule_cells), f"cells that {rule.split(';')[0]}", file=file, severity=severity)
    return log.problems


def check_zip(data: bytes, file: str) -> Problem | None:
    """A problem when ``data`` is not a complete zip archive or would unpack to too much (a zip bomb).

    Read from the zip's directory only, before anything is unpacked; the sizes it declares are
    the most zipfile will unpack (it stops there and checks the CRC).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except Exception as exc:  # zipfile raises many kinds: BadZipFile, NotImplementedError (a newer zip
        # version or method), RuntimeError (encrypted), ValueError, EOFError, OSError, ...
        return Problem(file, None, None, None,
                       "file is not a readable Excel workbook (.xlsx): it is not a complete zip archive "
                       f"(truncated, or not an Excel file): {exc}")
    if len(parts) > MAX_XLSX_PARTS:
        return Problem(file, None, None, None,
                       f"file is not a readable Excel workbook (.xlsx): it has {len(parts):,} parts, "
                       f"the limit is {MAX_XLSX_PARTS:,}")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_UNPACKED:
        return Problem(file, None, None, None,
                       f"file is refused: it would unpack to {_megabytes(unpacked)}, the limit is "
                       f"{_megabytes(MAX_XLSX_UNPACKED)} (a zip bomb?)")
    for part in parts:
        if part.file_size > 1_000_000 and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
            return Problem(file, None, None, None,
                           f"file is refused: its part {part.filename} would unpack to "
                           f"{part.file_size / max(part.compress_size, 1):,.0f} times its size, the limit is "
                           f"{MAX_XLSX_RATIO} (a zip bomb?)")
    return None


_ZEROS = re.compile(r"0+")


def _cell_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        number_format = getattr(cell, "number_format", None) or ""
        if value >= 0 and _ZEROS.fullmatch(number_format):
            text = text.zfill(len(number_format))  # shown as 0012 in Excel: keep what the user sees
        return text
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


# --- Parquet -----------------------------------------------------------------------------------


def _read_parquet(data: bytes, file: str):
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(io.BytesIO(data)).metadata
        unpacked = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for a file that is not Parquet
        return None, [Problem(file, None, None, None, f"file is not a readable Parquet file: {exc}")]
    if metadata.num_columns > MAX_COLUMNS:
        return None, [_too_wide(metadata.num_columns, file)]
    if unpacked > MAX_PARQUET_UNPACKED:
        return None, [Problem(file, None, None, None,
                              f"file is refused: its data would take {_megabytes(unpacked)} unpacked, the limit "
                              f"is {_megabytes(MAX_PARQUET_UNPACKED)}")]
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for a file that is not Parquet
        return None, [Problem(file, None, None, None, f"file is not a readable Parquet file: {exc}")]
    header = [str(name) for name in table.column_names]
    problems: list[Problem] = []
    columns = []
    for name, column in zip(header, table.columns):
        kind = column.type
        if pa.types.is_dictionary(kind):
            column, kind = column.cast(kind.value_type), kind.value_type
        if pa.types.is_boolean(kind):
            text = pc.if_else(column, "true", "false")
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            text = column
        else:
            try:
                text = column.cast(pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                problems.append(Problem(file, None, name, None, f"column of type {kind} cannot be read as text"))
                text = pa.chunked_array([pa.array([""] * len(table), pa.string())])
        text = pc.fill_null(text, "")
        broken = _not_utf8_rows(text)
        if broken:
            # Parquet stores text as bytes and does not promise UTF-8: a cell that is not would
            # fail later (NFC, hashing) without naming itself.
            problems.append(Problem(file, broken[0] + 2, name, None,
                                    f"cell is not UTF-8 text ({len(broken):,} cell(s) in this column, the "
                                    f"first shown); write the file again from the program that made it"))
            text = pa.chunked_array([pa.array([""] * len(table), pa.string())])
        elif not pa.types.is_string(text.type):
            text = text.cast(pa.string())  # large_string: every column is of one type
        columns.append(one_array(text))
    return (header, columns), problems


def _not_utf8_rows(text: pa.ChunkedArray) -> list[int]:
    """Positions (0-based) of the cells of a string column whose bytes are not UTF-8; empty when all are.

    Arrow's full validation is vectorised; only a column that fails it is walked cell by cell.
    """
    try:
        text.validate(full=True)
        return []
    except pa.ArrowInvalid:
        pass
    rows = []
    for position, value in enumerate(text.cast(pa.binary()).to_pylist()):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            rows.append(position)
    return rows


# --- shared ------------------------------------------------------------------------------------


def as_read(text: str) -> str:
    """An id a person gives (a command-line argument, a library call's parameter) as the readers read
    every cell: in Unicode NFC, so ``Ö000001`` typed as ``O`` and a combining diaeresis (as macOS
    writes it) finds the student whose id the files hold."""
    return unicodedata.normalize("NFC", str(text))


def _nfc(column: pa.Array) -> pa.Array:
    """The column with every cell in Unicode NFC (the column itself when it is all ASCII, as most are)."""
    if len(column) == 0 or _ascii(column):
        return column
    return pc.utf8_normalize(column, form="NFC")


def _ascii(column: pa.Array) -> bool:
    """Every byte of the column's cells is ASCII (its data buffer scanned with numpy: no kernel)."""
    offsets = _offsets(column)
    data = column.buffers()[2]
    if data is None or offsets[-1] == offsets[0]:
        return True
    return bool(np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]].max() < 0x80)


def _tidy(header: list[str], cells: list[pa.Array],
          file: str) -> tuple[dict[str, pa.Array], int, tuple[int, ...], list[Problem]]:
    """Name the columns, report duplicate and unnamed columns and empty rows inside the file.

    Of duplicate names the first column is kept (the others are reported); a column without a
    name is dropped when it is empty and reported otherwise; trailing empty rows are dropped.
    Returns the named columns, the number of rows, the empty rows inside the file and the problems.
    """
    problems: list[Problem] = []
    # Unicode NFC: "Malmö" written with a composed ö and with o + combining diaeresis (as macOS
    # writes it) is one name, in the header and in every cell.
    header = [unicodedata.normalize("NFC", str(name).strip()) for name in header]
    n_rows = len(cells[0]) if cells else 0
    columns: dict[str, pa.Array] = {}
    keep: dict[str, int] = {}
    for i, name in enumerate(header):
        column = cells[i]
        if not name:
            lengths = cell_lengths(column)
            if lengths.any():
                first = int(np.flatnonzero(lengths > 0)[0])
                problems.append(Problem(file, 1, None, None,
                                        f"column {i + 1} has no name but has values (first on row {first + FIRST_DATA_ROW})"))
            continue
        if name in keep:
            problems.append(Problem(file, 1, name, name,
                                    f"duplicate column name; column {i + 1} has the same name as column {keep[name] + 1}"))
            continue
        keep[name] = i
        columns[name] = _nfc(column)
    empty_rows: tuple[int, ...] = ()
    if n_rows and columns:
        filled = np.zeros(n_rows, dtype=bool)
        for column in columns.values():
            filled |= cell_lengths(column) > 0
        last = np.flatnonzero(filled)
        end = int(last[-1]) + 1 if len(last) else 0
        if end < n_rows:
            columns = {name: column.slice(0, end) for name, column in columns.items()}
            n_rows = end
        empty_rows = tuple(int(i) for i in np.flatnonzero(~filled[:end]))
        log = ProblemLog()
        log.listed([Problem(file, i + FIRST_DATA_ROW, None, None, "empty row inside the file; delete it or fill it in")
                    for i in empty_rows[:MAX_PER_RULE]], len(empty_rows), "empty rows", file=file)
        problems += log.problems
    return columns, n_rows, empty_rows, problems


def cell_lengths(column: pa.Array) -> np.ndarray:
    """(len(column),) the bytes of each cell (a null cell has none), from the offsets alone."""
    if len(column) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.diff(_offsets(column))
