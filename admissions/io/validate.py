"""Validate a round's input folder against the data contract and return it as typed frames.

:func:`load_round` reads every file of :data:`admissions.io.contract.ROUND_FILES`, checks every
rule, and raises :class:`~admissions.errors.InvalidInput` with every problem found, sorted by file
(in contract order) and row. Each problem names the file as it is in the folder, the row as a
spreadsheet shows it (header = row 1), the column, the value and the rule broken.

How cells are read (all checks are vectorised; only the problems found are formatted one by one):

- text: any string, kept exactly as written (spaces included); empty or only spaces counts as
  empty, which only a nullable column allows.
- int: a whole number, ``12``, ``+12`` or ``-3``; ``12.0`` and ``12,00`` are accepted too (a
  spreadsheet or a Parquet float column writes whole numbers that way); ``12.5``, ``1e3``, ``abc``
  are not. Surrounding spaces are ignored.
- number: a decimal number with a point or a decimal comma (``237.5``, ``237,5``), optionally with
  an exponent (``1e-05``, as Parquet floats are written); no thousands separators.
- bool: one of :data:`~admissions.io.contract.TRUE_WORDS` / ``FALSE_WORDS``, any case.
- choice: one of the contract's choices, any case; the value is normalised to the contract's
  spelling (``Municipal`` becomes ``municipal``).
- grade: A-F, any case; normalised to upper case (``a`` becomes ``A``).

An empty cell is allowed in a nullable column (it becomes NaN or NA) and, in an optional column
with a default, takes the default (an empty ``test_seats`` is 0, an empty ``application_group``
is ``on_time``); anywhere else it is a problem.

At most :data:`~admissions.io.readers.MAX_PER_RULE` problems are listed per file, column and rule;
the rest are counted in one line, so a broken 1 GB file cannot produce a 1 GB report.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from admissions.errors import InvalidArgument, InvalidInput
from admissions.io.contract import (
    ADDRESS_COLUMNS,
    APPLICATIONS,
    FALSE_WORDS,
    GRADE_POINTS,
    GRADES,
    MUNICIPALITIES,
    POSTAL_CODE_PATTERN,
    PROGRAMMES,
    ROUND_FILES,
    STUDENTS,
    TRUE_WORDS,
    ColumnSpec,
    FileSpec,
    SUBJECTS,
    SUBJECTS_VERSION,
    subject_code,
)
from admissions.io.problems import Problem
from admissions.io.programme_types import ProgrammeTypes
from admissions.io.readers import FIRST_DATA_ROW, MAX_PER_RULE, TEXT, Table, find_file, read_table
from admissions.io.round_input import RoundInput, SourceFile

#: Files that must have at least one data row.
FILES_NEEDING_ROWS = frozenset({PROGRAMMES.name, STUDENTS.name, MUNICIPALITIES.name})

_INT = r"[+-]?\d+"
_NUMBER = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?"
#: Whole numbers beyond this are refused: they would lose digits as floats.
_LARGEST_INT = 2.0**53


def load_round(folder: Path) -> RoundInput:
    """Read and validate every file of a round's input folder.

    Parameters
    ----------
    folder : Path
        The input folder: programmes, students, applications, municipalities and optionally
        grades, each as NAME.csv, NAME.xlsx or NAME.parquet.

    Returns
    -------
    RoundInput
        Typed frames as documented on :class:`RoundInput`, rows in file order, extra columns kept
        as strings, with the sha256 of every file read, the programme-type table and the warnings
        found. ``admissions.toml`` and the programme-type table are checked with the files, so
        that every problem of the folder is reported together (validate and match share this).

    Raises
    ------
    InvalidInput
        With every problem found (warnings included), when any problem is an error.
    InvalidArgument
        When ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidArgument(f"input folder {folder} does not exist or is not a folder")
    report = _Report()
    files: dict[str, _File] = {}
    for rank, spec in enumerate(ROUND_FILES):
        files[spec.name] = _read_and_check_cells(folder, spec, rank, report)
    _check_keys(files, report)
    _check_references(files, report)
    _check_applications(files[APPLICATIONS.name], report)
    _check_students(files, report)
    _check_programmes(files[PROGRAMMES.name], report)
    _check_test_points(files, report)
    _check_grades(files[GRADES.name], report)
    types = _check_settings(folder, report)
    _check_programme_codes(types, files[PROGRAMMES.name], report)
    problems = report.sorted()
    if any(p.severity == "error" for p in problems):
        raise InvalidInput(problems)
    fields = {field.name for field in dataclasses.fields(RoundInput)}
    optional = {
        name: f.typed_frame() if f.table is not None else None
        for name, f in files.items()
        if not f.spec.required and name in fields
    }
    return RoundInput(
        folder=folder,
        programmes=files[PROGRAMMES.name].typed_frame(),
        students=files[STUDENTS.name].typed_frame(),
        applications=files[APPLICATIONS.name].typed_frame(),
        municipalities=files[MUNICIPALITIES.name].typed_frame(),
        sources=tuple(
            SourceFile(f.spec.name, f.table.path, f.table.sha256) for f in files.values() if f.table is not None
        ),
        given_columns={
            f.spec.name: frozenset(f.table.frame.columns) for f in files.values() if f.table is not None
        },
        warnings=tuple(problems),
        programme_types=types,
        **optional,
    )


def load_table(path: Path, spec: FileSpec) -> pd.DataFrame:
    """Read and validate one file against ``spec`` alone (cells and unique key, no other file).

    For files read on their own, such as the answers of a reserve round. Returns the typed frame
    (see :class:`RoundInput` for the types); raises InvalidInput with every problem found.
    """
    path = Path(path)
    report = _Report()
    f = _File(spec, 0, path.name, present=path.is_file())
    if not path.is_file():
        raise InvalidInput([Problem(path.name, None, None, None, "file not found")])
    _check_file(f, path, report)
    _check_keys({spec.name: f}, report)
    problems = report.sorted()
    if any(p.severity == "error" for p in problems):
        raise InvalidInput(problems)
    return f.typed_frame()


def kind_rule(column: ColumnSpec) -> str:
    """The rule a cell of ``column`` must follow, in words: 'must be a whole number >= 0'."""
    if column.kind == "text":
        return "must not be empty"
    if column.kind == "bool":
        return "must be true or false (or yes/no, ja/nej, 1/0)"
    if column.kind in ("choice", "grade"):
        choices = column.choices if column.kind == "choice" else tuple(GRADE_POINTS)
        return "must be one of " + ", ".join(choices)
    rule = "must be a whole number" if column.kind == "int" else "must be a number"
    low, high = column.minimum, column.maximum
    if low is not None and high is not None:
        return f"{rule} from {low:g} to {high:g}"
    if low is not None:
        return f"{rule} >= {low:g}"
    if high is not None:
        return f"{rule} <= {high:g}"
    return rule


# --- problems ----------------------------------------------------------------------------------


class _Report:
    """The problems found, with the order they are reported in."""

    def __init__(self) -> None:
        self._items: list[tuple[int, float, int, Problem]] = []

    def add(self, rank: int, problem: Problem) -> None:
        row = -1.0 if problem.row is None else float(problem.row)
        self._items.append((rank, row, len(self._items), problem))

    def rows(
        self,
        f: _File,
        column: str | None,
        positions: np.ndarray,
        rule: str | Callable[[int], str],
        values: Sequence | pd.Series | None = None,
        severity: str = "error",
        summary: str | None = None,
    ) -> None:
        """One problem per flagged row, at most MAX_PER_RULE of them and a line counting the rest.

        ``positions`` are frame positions in file order; ``rule`` is the rule, or a function of the
        flagged row's index in ``positions`` giving it (then ``summary`` names the rule in the
        line counting the rest); ``values`` default to the column's cells.
        """
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) == 0:
            return
        if values is None and column is not None:
            values = f.table.frame[column]
        shown = positions[:MAX_PER_RULE]
        cells = None if values is None else pd.Series(values).iloc[shown].tolist()
        for k, position in enumerate(shown):
            text = rule(k) if callable(rule) else rule
            value = None if cells is None else str(cells[k])
            self.add(f.rank, Problem(f.file, int(position) + FIRST_DATA_ROW, column, value, text, severity))
        if len(positions) > MAX_PER_RULE:
            generic = rule if isinstance(rule, str) else summary or "similar"
            # Sorted right after the last row shown.
            row = float(shown[-1]) + FIRST_DATA_ROW + 0.5
            line = Problem(f.file, None, column, None,
                           f"... and {len(positions) - MAX_PER_RULE} more rows with the same problem ({generic})",
                           severity)
            self._items.append((f.rank, row, len(self._items), line))

    def sorted(self) -> list[Problem]:
        return [item[3] for item in sorted(self._items, key=lambda item: item[:3])]


# --- one file ----------------------------------------------------------------------------------


@dataclass
class _File:
    """One contract file while it is checked: its table and the parsed value of each column."""

    spec: FileSpec
    rank: int
    file: str
    #: A file (or more than one) of this name is in the folder, readable or not.
    present: bool = False
    table: Table | None = None
    values: dict[str, pd.Series | np.ndarray] = field(default_factory=dict)
    #: Per column: the cell holds a valid, non-empty value.
    valid: dict[str, np.ndarray] = field(default_factory=dict)
    #: Per column: the cell is empty (only spaces or nothing).
    empty: dict[str, np.ndarray] = field(default_factory=dict)
    #: Rows that are checked (empty rows inside the file are reported once by the reader).
    checked: np.ndarray | None = None
    _codes: dict[str, tuple[np.ndarray, int]] = field(default_factory=dict)

    def has(self, *columns: str) -> bool:
        return self.table is not None and all(c in self.valid for c in columns)

    def rows_where(self, mask: np.ndarray) -> np.ndarray:
        return np.flatnonzero(mask & self.checked)

    def codes(self, column: str, rows: np.ndarray) -> tuple[np.ndarray, int]:
        """Integer codes of the column's values at ``rows`` and the number of distinct codes.

        Text is compared exactly as written, other kinds by their parsed value, subjects by their
        code (EN and Engelska are the same subject). Cached: ids are hashed once per file.
        """
        if column not in self._codes:
            if self.spec.column(column).kind == "text":
                codes, uniques = pd.factorize(self.table.frame[column])
                if self.spec.name == GRADES.name and column == "subject":
                    same, uniques = pd.factorize(np.array([subject_code(name) for name in uniques], dtype=object))
                    codes = same[codes]
            else:
                codes, uniques = pd.factorize(self.values[column])
            self._codes[column] = (codes.astype(np.int64, copy=False), len(uniques))
        codes, cardinality = self._codes[column]
        return codes[rows], cardinality

    def typed_frame(self) -> pd.DataFrame:
        """The file as typed columns (see RoundInput); only called when there was no error."""
        frame = self.table.frame.copy(deep=False)
        n = len(frame)
        for column in self.spec.columns:
            if column.name in frame.columns:
                frame[column.name] = _typed(column, self.values[column.name], self.empty[column.name])
            else:
                frame[column.name] = _absent(column, n)
        return frame


def _read_and_check_cells(folder: Path, spec: FileSpec, rank: int, report: _Report) -> _File:
    path, problems = find_file(folder, spec)
    f = _File(spec, rank, path.name if path is not None else f"{spec.name}.csv",
              present=path is not None or (bool(problems) and not spec.required))
    for problem in problems:
        report.add(rank, problem)
    if path is None:
        return f
    _check_file(f, path, report)
    return f


def _check_file(f: _File, path: Path, report: _Report) -> None:
    """Read one file and check its header, its number of rows and every cell."""
    spec, rank = f.spec, f.rank
    result = read_table(path, spec.name)
    for problem in result.problems:
        report.add(rank, problem)
    if result.table is None:
        return
    table = f.table = result.table
    n = table.n_rows
    f.checked = np.ones(n, dtype=bool)
    f.checked[list(table.empty_rows)] = False
    present = list(table.frame.columns)
    for column in spec.columns:
        if column.required and column.name not in present:
            hint = next((c for c in present if c.lower() == column.name.lower()), None)
            rule = "required column missing"
            if hint is not None:
                rule += f" (there is a column {hint!r}; column names are lower case)"
            report.add(rank, Problem(f.file, 1, column.name, None, rule))
    if n == 0 and spec.name in FILES_NEEDING_ROWS:
        report.add(rank, Problem(f.file, None, None, None, "file has no rows"))
    for column in spec.columns:
        if column.name in present:
            _check_cells(f, column, report)
    if table.delimiter is not None:  # CSV: its numbers are text as the user's locale wrote them
        _check_decimal_marks(f, report)
    if SCHOOL_UNIT_CODE in present and SCHOOL_UNIT_CODE in f.valid:
        _check_school_unit_codes(f, report)


def _check_decimal_marks(f: _File, report: _Report) -> None:
    """One decimal mark per file, and no number whose reading depends on the locale.

    A CSV file writes decimals with a point or with a comma, not both: the cells using the mark
    fewer cells use are problems. ``137,000`` or ``1.500`` (one separator, three digits after it)
    reads as 137 or 137000 depending on the locale that wrote it: it is a problem unless other
    cells of the file show that its separator is the file's decimal mark (``237,5``).
    """
    columns = [c.name for c in f.spec.columns if c.kind == "number" and c.name in f.valid]
    marks: dict[str, dict[str, np.ndarray]] = {}
    counts = {",": 0, ".": 0}
    for name in columns:
        text = pc.utf8_trim_whitespace(pa.array(f.table.frame[name], type=pa.string()))
        valid = f.valid[name] & f.checked
        ambiguous = _mask(pc.match_substring_regex(text, r"^[+-]?\d{1,3}[.,]\d{3}$")) & valid
        marks[name] = {"ambiguous": ambiguous}
        for mark in counts:
            uses = _mask(pc.match_substring(text, mark)) & valid
            marks[name][mark] = uses
            counts[mark] += int((uses & ~ambiguous).sum())
    file_mark = None if counts[","] == counts["."] else max(counts, key=counts.get)
    settled = file_mark is not None and counts[file_mark] > 0
    for name in columns:
        cells = f.table.frame[name]
        other_mark = marks[name]["." if file_mark == "," else ","] if settled else np.zeros(len(cells), dtype=bool)
        unsure = marks[name]["ambiguous"] & ~other_mark if not settled else np.zeros(len(cells), dtype=bool)
        flagged = other_mark | unsure

        def rule(i: int, cells=cells, other_mark=other_mark) -> str:
            v = str(cells.iloc[i]).strip()
            sep = "," if "," in v else "."
            if other_mark[i]:
                return (f"this file writes decimals with {file_mark!r} ({counts[file_mark]} values) and this value "
                        f"with {sep!r}; use one decimal mark in the whole file")
            return (f"reads as {_plain(float(v.replace(',', '.')))} with {sep!r} as decimal mark or as "
                    f"{int(re.sub(r'[.,]', '', v))} with {sep!r} as thousands separator, depending on the "
                    "locale; write it without thousands separators")

        if not flagged.any():
            continue
        rows = f.rows_where(flagged)
        report.rows(f, name, rows, lambda i, rows=rows, rule=rule: rule(int(rows[i])), summary="decimal mark")
        f.valid[name] = f.valid[name] & ~flagged
        values = np.asarray(f.values[name], dtype=np.float64).copy()
        values[flagged] = np.nan
        f.values[name] = values


#: A column holding Skolverket's school unit code (skolenhetskod), in any file that has one.
SCHOOL_UNIT_CODE = "school_unit_code"
SCHOOL_UNIT_CODE_RULE = "a school unit code (skolenhetskod) is 8 digits, kept as text"


def _check_school_unit_codes(f: _File, report: _Report) -> None:
    """Every non-empty school unit code is exactly 8 digits (leading zeros kept)."""
    cells = pa.chunked_array([pa.array(f.table.frame[SCHOOL_UNIT_CODE].to_numpy(dtype=object), type=pa.string())])
    digits = _mask(pc.match_substring_regex(cells, r"^\d{8}$"))
    report.rows(f, SCHOOL_UNIT_CODE, f.rows_where(f.valid[SCHOOL_UNIT_CODE] & ~digits), SCHOOL_UNIT_CODE_RULE)


def _check_cells(f: _File, column: ColumnSpec, report: _Report) -> None:
    cells = f.table.frame[column.name]
    text = pa.array(cells, type=pa.string())
    empty = _mask(pc.or_(pc.equal(pc.binary_length(text), 0), pc.utf8_is_space(text)))
    kind = column.kind
    if kind == "text":
        values, wrong = cells, np.zeros(len(cells), dtype=bool)
        wrong = _mask(pc.match_substring_regex(text, INVISIBLE))
        flagged = f.rows_where(wrong)
        report.rows(f, column.name, flagged, lambda i: _invisible_rule(cells.iloc[flagged[i]]),
                    summary="holds an invisible or formatting character")
    elif kind in ("int", "number"):
        values, wrong = _parse_number(pc.utf8_trim_whitespace(text), empty, integer=kind == "int")
        if column.minimum is not None:
            wrong |= values < column.minimum  # NaN compares False
        if column.maximum is not None:
            wrong |= values > column.maximum
        values = np.where(wrong, np.nan, values)
    elif kind == "bool":
        position = _word_index(text, empty, sorted(TRUE_WORDS) + sorted(FALSE_WORDS))
        values = (position >= 0) & (position < len(TRUE_WORDS))
        wrong = (position < 0) & ~empty
    else:
        allowed = column.choices if kind == "choice" else tuple(GRADE_POINTS)
        position = _word_index(text, empty, list(allowed))
        wrong = (position < 0) & ~empty
        canonical = pc.take(pa.array(allowed, pa.string()), pa.array(np.maximum(position, 0)))
        canonical = pc.if_else(pa.array(position >= 0), canonical, "")
        values = pd.Series(canonical.to_pandas(), index=cells.index, dtype=TEXT)
    if _defaults_empty(column):
        values = _fill(column, values, empty)
        valid, empty = ~wrong, np.zeros(len(cells), dtype=bool)
    else:
        valid = ~wrong & ~empty
    f.values[column.name] = values
    f.empty[column.name] = empty
    f.valid[column.name] = valid
    rule = kind_rule(column)
    if not column.nullable:
        report.rows(f, column.name, f.rows_where(empty),
                    rule if kind == "text" else f"must not be empty ({rule})")
    if kind == "text":
        return
    rows = f.rows_where(wrong)
    if kind in ("int", "number") and len(rows):
        cells_wrong = cells.iloc[rows].astype(str).str.strip().tolist()
        report.rows(f, column.name, rows,
                    lambda i: _number_rule(cells_wrong[i], kind == "int", rule), summary=rule)
    else:
        report.rows(f, column.name, rows, rule)


#: Characters that no key or label may hold: format characters (zero-width space U+200B,
#: bidirectional overrides U+202A-U+202E and isolates, the byte-order mark U+FEFF, soft hyphen),
#: control characters but tab and line ends, line and paragraph separators, and every space
#: but the ordinary one (no-break space U+00A0, narrow no-break space U+202F, ...). They are
#: invisible on screen, so "Malmö" with one of them looks like "Malmö" and is not found.
INVISIBLE = r"[\p{Cf}\x{0000}-\x{0008}\x{000B}\x{000C}\x{000E}-\x{001F}\x{007F}-\x{009F}\p{Zl}\p{Zp}\x{00A0}\x{1680}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]"


_GROUPED = re.compile(r"([+-]?)(\d{1,3})((?:[.,\u00a0\u202f ]\d{3})+)")
_DECIMAL = re.compile(r"[+-]?\d*[.,]\d+")


def _number_rule(value: str, integer: bool, rule: str) -> str:
    """The rule broken by a cell that is not a plain number, with the readings it could have.

    ``1.000`` in an integer column: "reads as 1000 with '.' as thousands separator or 1 with '.'
    as decimal mark". Nothing is guessed: the user writes the number they mean in digits.
    """
    grouped = _GROUPED.fullmatch(value)
    if grouped is not None:
        sign, head, groups = grouped.groups()
        separators = sorted(set(groups[::4]))
        whole = int(sign + head + re.sub(r"\D", "", groups))
        readings = [f"{whole} with {', '.join(map(repr, separators))} as thousands separator"]
        if len(groups) == 4 and separators[0] in ".,":
            readings.append(f"{_plain(float(value.replace(',', '.')))} with {separators[0]!r} as decimal mark")
        what = "digits only" if integer else "no thousands separators"
        return f"{rule}, in {what}: {value!r} reads as {' or as '.join(readings)}; write the number you mean"
    if integer and _DECIMAL.fullmatch(value):
        return f"{rule}, in digits only: {value!r} has a decimal mark ({_plain(float(value.replace(',', '.')))})"
    return rule


def _plain(number: float) -> str:
    return f"{number:.10g}"


def _invisible_rule(value: str) -> str:
    """'holds U+00A0 (NO-BREAK SPACE), an invisible or formatting character; remove it'."""
    import unicodedata

    found = []
    for ch in str(value):
        if unicodedata.category(ch) in ("Cf", "Zl", "Zp") or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r") \
                or (unicodedata.category(ch) == "Zs" and ch != " "):
            code = f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character')})"
            if code not in found:
                found.append(code)
    return f"holds {', '.join(found)}, an invisible or formatting character; remove it"


def _word_index(text: pa.ChunkedArray, empty: np.ndarray, words: list[str]) -> np.ndarray:
    """(n,) int64: index of each cell in ``words``, compared without case and surrounding spaces; -1 if none.

    Most cells are written exactly as the word: those are matched first, and only the others are
    trimmed and lower-cased (ASCII only: the words are ASCII).
    """
    folded = pa.array([w.lower() for w in words], pa.string())
    position = pc.fill_null(pc.index_in(text, value_set=pa.array(words, pa.string())), -1)
    position = position.to_numpy(zero_copy_only=False).astype(np.int64)
    retry = np.flatnonzero((position < 0) & ~empty)
    if len(retry):
        cells = pc.ascii_lower(pc.utf8_trim_whitespace(pc.take(text, pa.array(retry))))
        again = pc.fill_null(pc.index_in(cells, value_set=folded), -1)
        position[retry] = again.to_numpy(zero_copy_only=False)
    return position


def _mask(result: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A pyarrow boolean result as a numpy bool array (null counts as False)."""
    return pc.fill_null(result, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _defaults_empty(column: ColumnSpec) -> bool:
    """An empty cell of an optional column with a default takes the default (test_seats: 0)."""
    return not column.required and not column.nullable and column.default is not None


def _fill(column: ColumnSpec, values, empty: np.ndarray):
    if not empty.any():
        return values
    if column.kind in ("int", "number", "bool"):
        return np.where(empty, column.default, values)
    return values.mask(pd.Series(empty, index=values.index), str(column.default))


def _parse_number(stripped: pa.ChunkedArray, empty: np.ndarray, integer: bool) -> tuple[np.ndarray, np.ndarray]:
    """(values as float64 with NaN where empty or not a number, mask of cells that are not a number)."""
    pattern = _INT if integer else _NUMBER
    ok = _mask(pc.match_substring_regex(stripped, f"^(?:{pattern})$"))
    points = pc.replace_substring(pc.if_else(pa.array(ok), stripped, "0"), ",", ".")
    values = pc.cast(points, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)
    with np.errstate(invalid="ignore"):
        fine = ok & np.isfinite(values)
        if integer:
            fine &= np.abs(values) < _LARGEST_INT
    wrong = ~fine & ~empty
    values[~fine] = np.nan
    return values, wrong


def _typed(column: ColumnSpec, values, empty: np.ndarray):
    kind = column.kind
    if kind == "int":
        return values if column.nullable else values.astype(np.int64)
    if kind == "number":
        return values
    if kind == "bool":
        if column.nullable:
            return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), np.asarray(empty, dtype=bool))
        return values
    return values


def _absent(column: ColumnSpec, n: int):
    """The values of an optional column the file did not have: its default, else missing."""
    kind, default = column.kind, column.default
    if kind == "bool":
        if default is None:
            return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
        return np.full(n, bool(default))
    if kind == "int":
        return np.full(n, np.nan) if default is None else np.full(n, int(default), dtype=np.int64)
    if kind == "number":
        return np.full(n, np.nan if default is None else float(default))
    return pd.Series([default if default is not None else ""] * n, dtype=TEXT)


# --- keys and references -----------------------------------------------------------------------


def _first_seen(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """For each row, the position of the first row with the same key (itself when it is the first).

    ``parts`` are the key's columns as integer codes (>= 0) with the number of distinct codes.
    """
    codes = np.zeros(len(parts[0][0]), dtype=np.int64)
    for part, cardinality in parts:
        codes = codes * cardinality + part
    # Renumbered in order of first appearance, a row is the first of its key exactly when its
    # code exceeds every code before it: no sort needed.
    codes, _ = pd.factorize(codes)
    is_first = codes > np.maximum.accumulate(np.r_[-1, codes[:-1]])
    return np.flatnonzero(is_first)[codes]


def _isin(cells: pd.Series, values: pd.Series) -> np.ndarray:
    """(len(cells),) bool: each cell is one of ``values``.

    pyarrow's hash lookup: pandas' isin on Arrow strings walks ``values`` in Python, 15 s for the
    900,000 student ids of a region's grades.
    """
    value_set = pc.unique(pa.array(values, type=pa.string()))
    found = pc.is_in(pa.array(cells, type=pa.string()), value_set=value_set)
    return found.to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _check_keys(files: dict[str, _File], report: _Report) -> None:
    for f in files.values():
        key = f.spec.key
        if not key or not f.has(*key):
            continue
        frame = f.table.frame
        rows = np.flatnonzero(np.logical_and.reduce([f.valid[c] for c in key]) & f.checked)
        if len(rows) == 0:
            continue
        first = rows[_first_seen([f.codes(c, rows) for c in key])]
        duplicate = first != rows
        at, was = rows[duplicate], first[duplicate]
        last = key[-1]
        if len(key) == 1:
            rule = lambda k, was=was, c=last: f"duplicate {c}; first seen in row {was[k] + FIRST_DATA_ROW}"
        else:
            owners = frame[key[0]].iloc[at].tolist()[:MAX_PER_RULE]
            earlier = frame[last].iloc[was].tolist()[:MAX_PER_RULE]
            given = frame[last].iloc[at].tolist()[:MAX_PER_RULE]

            def rule(k, was=was, c=last, owner=key[0]):
                same = "" if earlier[k] == given[k] else f" ({earlier[k]!r})"
                return (f"duplicate {c} for {owner} {owners[k]}; first seen in row "
                        f"{was[k] + FIRST_DATA_ROW}{same}")

        report.rows(f, last, at, rule, summary=f"duplicate {last}")


def _check_references(files: dict[str, _File], report: _Report) -> None:
    references = (
        (APPLICATIONS, "student_id", STUDENTS, "student_id"),
        (APPLICATIONS, "programme_id", PROGRAMMES, "programme_id"),
        (GRADES, "student_id", STUDENTS, "student_id"),
        (STUDENTS, "home_municipality", MUNICIPALITIES, "municipality"),
        (PROGRAMMES, "municipality", MUNICIPALITIES, "municipality"),
    )
    for spec, column, target_spec, target_column in references:
        f, target = files[spec.name], files[target_spec.name]
        if not f.has(column) or not target.has(target_column):
            continue
        known = target.table.frame[target_column][target.valid[target_column]]
        found = _isin(f.table.frame[column], known)
        missing = f.rows_where(f.valid[column] & ~found)
        report.rows(f, column, missing, f"{column} not found in {target.file}")


# --- rules within and across files -------------------------------------------------------------


def _check_applications(f: _File, report: _Report) -> None:
    """choice_rank consecutive from 1 for each student; no programme twice for one student."""
    if not f.has("student_id", "choice_rank"):
        return
    frame = f.table.frame
    student = frame["student_id"]
    rank = f.values["choice_rank"]
    rows = np.flatnonzero(f.valid["student_id"] & f.checked)
    if len(rows) == 0:
        return
    codes, n_students = f.codes("student_id", rows)
    # A student with an unreadable rank is left out: that cell is reported already.
    bad_student = np.zeros(n_students, dtype=bool)
    bad_student[codes[~f.valid["choice_rank"][rows]]] = True
    keep = ~bad_student[codes]
    rows, codes = rows[keep], codes[keep]
    ranks = rank[rows].astype(np.int64)
    order = np.lexsort((rows, ranks, codes))
    r_rows, r_codes, r_ranks = rows[order], codes[order], ranks[order]
    # Repeated ranks are reported as duplicate keys; the gap check sees each rank once.
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = (r_codes[1:] == r_codes[:-1]) & (r_ranks[1:] == r_ranks[:-1])
    u_rows, u_codes, u_ranks = r_rows[~repeat], r_codes[~repeat], r_ranks[~repeat]
    # Within each student (sorted by rank) the j-th rank must be j.
    start = np.r_[True, u_codes[1:] != u_codes[:-1]]
    group_start = np.maximum.accumulate(np.where(start, np.arange(len(u_codes)), 0))
    broken = np.flatnonzero(u_ranks != np.arange(len(u_codes)) - group_start + 1)
    # Only the first broken rank of each student is reported, in file order.
    _, first = np.unique(u_codes[broken], return_index=True)
    flagged = broken[first]
    flagged = flagged[np.argsort(u_rows[flagged], kind="stable")]
    bounds = np.searchsorted(u_codes, u_codes[flagged]), np.searchsorted(u_codes, u_codes[flagged], side="right")
    owners = student.iloc[u_rows[flagged[:MAX_PER_RULE]]].tolist()

    def gap_rule(k: int) -> str:
        has = u_ranks[bounds[0][k]:bounds[1][k]]
        listed = ", ".join(str(r) for r in has[:20]) + (", ..." if len(has) > 20 else "")
        return f"choice_rank must be consecutive from 1 for each student; student {owners[k]} has {listed}"

    report.rows(f, "choice_rank", u_rows[flagged], gap_rule,
                summary="choice_rank must be consecutive from 1 for each student")

    if not f.has("programme_id"):
        return
    rows = np.flatnonzero(f.valid["student_id"] & f.valid["programme_id"] & f.checked)
    if len(rows) == 0:
        return
    first = rows[_first_seen([f.codes("student_id", rows), f.codes("programme_id", rows)])]
    twice = first != rows
    at, was = rows[twice], first[twice]
    rank_text = frame["choice_rank"]
    programme = frame["programme_id"].iloc[at].tolist()[:MAX_PER_RULE]
    owners = student.iloc[at].tolist()[:MAX_PER_RULE]
    rank_at = rank_text.iloc[at].tolist()[:MAX_PER_RULE]
    rank_was = rank_text.iloc[was].tolist()[:MAX_PER_RULE]
    report.rows(
        f, "programme_id", at,
        lambda k: (f"programme {programme[k]} appears twice for student {owners[k]} "
                   f"(choice_rank {rank_was[k].strip()} and {rank_at[k].strip()}; first in row "
                   f"{was[k] + FIRST_DATA_ROW})"),
        summary="a programme appears twice for one student",
    )


def _check_students(files: dict[str, _File], report: _Report) -> None:
    """Merit value or grades (unless in the free quota); lottery unique; warn about students without applications."""
    f = files[STUDENTS.name]
    if not f.has("student_id"):
        return
    ids = f.table.frame["student_id"]
    grades, applications = files[GRADES.name], files[APPLICATIONS.name]
    if "merit_value" in f.valid:
        no_merit = f.empty["merit_value"] & f.valid["student_id"]
        if "free_quota_rank" in f.empty:
            # A free-quota applicant may have grades that cannot be compared (fri kvot): no merit value
            # is needed there; in the ordinary selection such an applicant counts as merit 0.
            no_merit &= f.empty["free_quota_rank"]
        if not grades.present:
            report.rows(f, "merit_value", f.rows_where(no_merit),
                        "merit_value is empty and there is no grades file")
        elif grades.has("student_id"):
            graded = _isin(ids, grades.table.frame["student_id"][grades.valid["student_id"]])
            report.rows(f, "merit_value", f.rows_where(no_merit & ~graded),
                        f"merit_value is empty and {grades.file} has no grades for this student")
    if "lottery" in f.valid:
        rows = f.rows_where(f.valid["lottery"])
        if len(rows):
            first = rows[_first_seen([f.codes("lottery", rows)])]
            tie = first != rows
            was = first[tie]
            report.rows(f, "lottery", rows[tie],
                        lambda k: (f"lottery must be unique (a tie could not be decided); same as row "
                                   f"{was[k] + FIRST_DATA_ROW}"),
                        summary="lottery must be unique")
    _check_addresses(f, report)
    if applications.has("student_id"):
        applied = _isin(ids, applications.table.frame["student_id"])
        report.rows(f, "student_id", f.rows_where(f.valid["student_id"] & ~applied),
                    f"student has no applications in {applications.file}; they cannot be placed",
                    severity="warning")


def _check_addresses(f: _File, report: _Report) -> None:
    """A letter's address: postal_code of five digits; address, postal_code and city all given or none."""
    if "postal_code" in f.valid:
        code = f.table.frame["postal_code"].astype(str).str.strip()
        bad = f.valid["postal_code"] & ~f.empty["postal_code"] & ~code.str.fullmatch(POSTAL_CODE_PATTERN).to_numpy(bool)
        report.rows(f, "postal_code", f.rows_where(bad),
                    "postal_code must be a Swedish postal code of five digits (NNN NN or NNNNN)")
    if not any(c in f.empty for c in ADDRESS_COLUMNS):
        return
    n = len(f.table.frame)
    filled = {c: ~f.empty[c] if c in f.empty else np.zeros(n, bool) for c in ADDRESS_COLUMNS}
    partial = np.logical_or.reduce(list(filled.values())) & ~np.logical_and.reduce(list(filled.values()))
    for column in ADDRESS_COLUMNS:
        rule = (f"{column} is empty but the row gives part of an address: give "
                f"{', '.join(ADDRESS_COLUMNS)} together or none of them")
        if column in f.empty:
            report.rows(f, column, f.rows_where(partial & ~filled[column]), rule)
        elif partial.any():
            report.add(f.rank, Problem(f.file, None, column, None, rule.replace("is empty", "is missing")))


def _check_programmes(f: _File, report: _Report) -> None:
    """test_seats + free_quota_seats <= seats; test_seats only where test = true."""
    if not f.has("seats"):
        return
    if "test_seats" in f.valid:
        untested = f.rows_where(f.valid["test_seats"] & (np.nan_to_num(f.values["test_seats"]) > 0) & ~_has_test(f))
        report.rows(f, "test_seats", untested,
                    "test_seats needs an aptitude test: set test = true for this programme, or test_seats = 0")
    parts = [c for c in ("test_seats", "free_quota_seats") if c in f.valid]
    if not parts:
        return
    ok = f.valid["seats"] & np.logical_and.reduce([f.valid[c] | f.empty[c] for c in parts])
    reserved = sum(np.nan_to_num(f.values[c]) for c in parts)
    over = f.rows_where(ok & (reserved > f.values["seats"]))
    held = {c: f.table.frame[c].iloc[over].tolist()[:MAX_PER_RULE] for c in parts}
    names = " + ".join(parts)
    report.rows(
        f, "seats", over,
        lambda k: f"seats must be at least {names} = " + " + ".join(held[c][k].strip() or "0" for c in parts),
        summary=f"seats must be at least {names}",
    )


def _has_test(f: _File) -> np.ndarray:
    """(rows,) bool: the programme declares an aptitude test (no ``test`` column: none does)."""
    if "test" not in f.valid:
        return np.zeros(len(f.table.frame), dtype=bool)
    return f.valid["test"] & f.values["test"].astype(bool)


def _check_test_points(files: dict[str, _File], report: _Report) -> None:
    """Test points only at an offer with a test (a warning: they are ignored elsewhere)."""
    f, programmes = files[APPLICATIONS.name], files[PROGRAMMES.name]
    if not f.has("programme_id", "test_points") or not programmes.has("programme_id"):
        return
    frame = programmes.table.frame
    tested = set(frame["programme_id"][programmes.valid["programme_id"] & _has_test(programmes)].tolist())
    known = _isin(f.table.frame["programme_id"], frame["programme_id"][programmes.valid["programme_id"]])
    has_points = f.valid["test_points"] & f.valid["programme_id"] & known
    stray = f.rows_where(has_points & ~f.table.frame["programme_id"].isin(tested).to_numpy(dtype=bool))
    offers = f.table.frame["programme_id"].iloc[stray[:MAX_PER_RULE]].tolist()
    report.rows(
        f, "test_points", stray,
        lambda k: (f"programme {offers[k]} has no aptitude test ({programmes.file} does not set test = true "
                   "for it); these test points are ignored"),
        severity="warning",
        summary="test points at a programme without an aptitude test are ignored",
    )


def _check_grades(f: _File, report: _Report) -> None:
    """Every subject is in the subject table; at most one language_choice=true per student."""
    _check_subjects(f, report)
    if not f.has("student_id", "language_choice"):
        return
    rows = f.rows_where(f.valid["student_id"] & f.valid["language_choice"] & f.values["language_choice"])
    if len(rows) == 0:
        return
    first = rows[_first_seen([f.codes("student_id", rows)])]
    again = first != rows
    was = first[again]
    owners = f.table.frame["student_id"].iloc[rows[again]].tolist()[:MAX_PER_RULE]
    report.rows(f, "language_choice", rows[again],
                lambda k: (f"more than one language_choice for student {owners[k]}; first in row "
                           f"{was[k] + FIRST_DATA_ROW}"),
                summary="more than one language_choice for one student")


def _check_subjects(f: _File, report: _Report) -> None:
    """A problem for every subject that is neither a code nor a long name of the subject table, with the nearest codes."""
    if not f.has("subject"):
        return
    subjects = f.table.frame["subject"]
    # The distinct spellings only (a few dozen in millions of grades) are looked up.
    uniques = pc.unique(pa.array(subjects, type=pa.string(), from_pandas=True)).drop_null().to_pylist()
    unknown = [s for s in uniques if s.strip() and subject_code(s) not in SUBJECTS]
    if not unknown:
        return
    wrong = f.valid["subject"] & _isin(subjects, pd.Series(unknown, dtype=TEXT))
    rows = f.rows_where(wrong)
    values = subjects.iloc[rows[:MAX_PER_RULE]].tolist()
    report.rows(f, "subject", rows, lambda k: f"unknown subject; nearest known: {nearest_subjects(values[k])} "
                                              f"({SUBJECTS_VERSION})",
                summary="unknown subject")
    f.valid["subject"] = f.valid["subject"] & ~wrong


def nearest_subjects(value: str, n: int = 3) -> str:
    """The ``n`` known subjects nearest to ``value`` by spelling, as 'MA (Matematik), ...'."""
    import difflib

    text = str(value).strip()
    candidates = {code: code for code in SUBJECTS} | {name.lower(): code for code, name in SUBJECTS.items()}
    by_code = difflib.get_close_matches(text.upper(), list(SUBJECTS), n=n, cutoff=0.0)
    by_name = [candidates[m] for m in difflib.get_close_matches(text.lower(), list(candidates), n=n, cutoff=0.5)]
    # A long value is a misspelt name (Matematk), a short one a misspelt code (MAT).
    near = by_name + by_code if len(text) > 3 else by_code + by_name
    codes = list(dict.fromkeys(near))[:n]
    return ", ".join(f"{code} ({SUBJECTS[code]})" for code in codes)


def _check_settings(folder: Path, report: _Report) -> ProgrammeTypes | None:
    """Problems of admissions.toml and of the programme-type table; returns the table (None when it is not valid)."""
    from admissions.config import read_settings
    from admissions.io.programme_types import read_programme_types

    _, problems = read_settings(folder)
    types, more = read_programme_types(folder)
    for problem in problems + more:
        report.add(len(ROUND_FILES), problem)
    return types


def _check_programme_codes(types: ProgrammeTypes | None, f: _File, report: _Report) -> None:
    """Every programme_code is in the programme-type table (the folder's own or the shipped one)."""
    if not f.has("programme_code") or types is None:
        return
    known = pd.Series(sorted(types.types), dtype=TEXT)
    unknown = f.valid["programme_code"] & ~_isin(f.table.frame["programme_code"], known)
    # The wording of admissions.io.programme_types.check_programme_codes, capped like every rule.
    report.rows(f, "programme_code", f.rows_where(unknown),
                f"unknown programme code; the programme-type table {types.version} knows {', '.join(known)}")
