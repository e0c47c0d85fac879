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
    APPLICATIONS,
    FALSE_WORDS,
    GRADE_POINTS,
    GRADES,
    MAX_WHOLE_NUMBER,
    MUNICIPALITIES,
    PROGRAMMES,
    ROUND_FILES,
    STUDENTS,
    TRUE_WORDS,
    Check,
    ColumnSpec,
    Consecutive,
    FileSpec,
    Known,
    NeededUnless,
    Pattern,
    Reference,
    Referenced,
    Requires,
    SumAtMost,
    Together,
    Unique,
    SUBJECTS,
    SUBJECTS_VERSION,
    column_check,
    file_check,
    subject_code,
)
from admissions.io.labels import arrow_factorize, encode_runs, expand, runs
from admissions.io.problems import FIRST_DATA_ROW, MAX_PER_RULE, Problem, ProblemLog, values_at
from admissions.io.programme_types import ProgrammeTypes
from admissions.io.readers import Table, cell_lengths, find_file, read_table, release_freed_memory, text_array
from admissions.io.round_input import CODED_COLUMNS, RoundInput, SourceFile

#: Files that must have at least one data row.
FILES_NEEDING_ROWS = frozenset({PROGRAMMES.name, STUDENTS.name, MUNICIPALITIES.name})

_INT = r"[+-]?\d+"
_NUMBER = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?"
#: Whole numbers beyond this are refused: they would lose digits as floats.
_LARGEST_INT = float(MAX_WHOLE_NUMBER + 1)


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
    report = ProblemLog()
    files: dict[str, _File] = {}
    entries = list(folder.iterdir())
    for rank, spec in enumerate(ROUND_FILES):
        files[spec.name] = _read_and_check_cells(folder, spec, rank, report, entries)
    types = _check_settings(folder, report)
    for f in files.values():
        for check in f.spec.checks:
            if isinstance(check, Reference) and check.key is None and check.where is None and check.target in files:
                f.refers[check.column] = (files[check.target], check.target_column)
    _check_keys(files, report)
    _run_checks(files, types, report)
    problems = report.sorted()
    if any(p.severity == "error" for p in problems):
        raise InvalidInput(problems)
    fields = {field.name for field in dataclasses.fields(RoundInput)}
    optional = {
        name: f.typed_frame() if f.table is not None else None
        for name, f in files.items()
        if not f.spec.required and name in fields
    }
    rows_of, codes_of = _lookups(files)
    for f in files.values():
        f.release()
    data = RoundInput(
        folder=folder,
        programmes=files[PROGRAMMES.name].typed_frame(),
        students=files[STUDENTS.name].typed_frame(),
        applications=files[APPLICATIONS.name].typed_frame(),
        municipalities=files[MUNICIPALITIES.name].typed_frame(),
        sources=tuple(
            SourceFile(f.spec.name, f.table.path, f.table.sha256) for f in files.values() if f.table is not None
        ),
        given_columns={
            f.spec.name: frozenset(f.table.columns) for f in files.values() if f.table is not None
        },
        warnings=tuple(problems),
        programme_types=types,
        rows_of=rows_of,
        codes_of=codes_of,
        **optional,
    )
    # The files as read (the typed frames hold copies of their text: Arrow's large strings) and the
    # checks' arrays, handed back before the next steps allocate theirs.
    files.clear()
    release_freed_memory()
    return data


def _lookups(files: dict[str, _File]) -> tuple[dict, dict]:
    """RoundInput's ``rows_of`` and ``codes_of`` from what the checks computed (see RoundInput)."""
    rows_of = {(f.spec.name, column, target): rows
               for f in files.values() for (column, target, _), rows in f.rows_in.items()}
    codes_of = {}
    for name, column in CODED_COLUMNS:
        f = files.get(name)
        if f is None or f.table is None or column not in f.valid:
            continue
        if column in f.positions:
            codes_of[name, column] = (f.positions[column], list(_words(f.spec.column(column))))
        elif f.spec.column(column).kind == "text":
            codes, labels = f.dictionary(column)
            codes_of[name, column] = (codes, labels.to_pylist())
    return rows_of, codes_of


def load_table(path: Path, spec: FileSpec) -> pd.DataFrame:
    """Read and validate one file against ``spec`` alone (cells and unique key, no other file).

    For files read on their own, such as the answers of a reserve round. Returns the typed frame
    (see :class:`RoundInput` for the types); raises InvalidInput with every problem found.
    """
    frame, problems = check_table(path, spec)
    if frame is None or any(p.severity == "error" for p in problems):
        raise InvalidInput(problems)
    return frame


def check_table(path: Path, spec: FileSpec) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one file against ``spec`` alone and return its typed frame with every problem found.

    For a caller with rules of its own over the rows (scenarios.csv), so that its problems are
    reported together with the cells': the frame is None when the file or its header could not be
    read (no row can be looked at); else a cell with a problem holds no meaningful value, and its
    row is named in the problems (the caller skips such rows).
    """
    path = Path(path)
    report = ProblemLog()
    f = _File(spec, 0, path.name, present=path.is_file())
    if not path.is_file():
        found = "is a folder; give the file" if path.is_dir() else "file not found"
        return None, [Problem(path.name, None, None, None, found, check=file_check(spec.name, "file"))]
    _check_file(f, path, report)
    _check_keys({spec.name: f}, report)
    problems = report.sorted()
    errors = [p for p in problems if p.severity == "error"]
    if f.table is None or any(p.row is None or p.row == 1 for p in errors):
        return None, problems
    with np.errstate(invalid="ignore"):  # a whole-number cell with a problem holds no number to cast
        return f.typed_frame(), problems


def check_rows(path: Path, spec: FileSpec) -> tuple[pd.DataFrame, list[Problem], set[tuple[int | None, str | None]]]:
    """:func:`check_table` for a caller that checks the rows further by rules of its own and reports
    every problem together (:func:`raise_errors`): raises InvalidInput when no row can be read; else
    the frame, the problems so far (the caller adds its own) and the (row, column) of each cell with
    an error, whose value means nothing (the caller skips it)."""
    frame, problems = check_table(path, spec)
    if frame is None:
        raise InvalidInput(problems)
    return frame, problems, {(p.row, p.column) for p in problems if p.severity == "error"}


def raise_errors(problems: list[Problem], order: Callable[[Problem], object] = lambda p: p.row or 0) -> None:
    """Raise InvalidInput with every problem, in ``order`` (the file's rows), when one is an error."""
    if any(p.severity == "error" for p in problems):
        raise InvalidInput(sorted(problems, key=order))


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


def _rows(
    log: ProblemLog,
    f: _File,
    column: str | None,
    positions: np.ndarray,
    rule: str | Callable[[int], str],
    values: Sequence | pd.Series | None = None,
    severity: str = "error",
    summary: str | None = None,
    check: str | None = None,
) -> None:
    """:meth:`ProblemLog.rows` for a file being checked: its name and rank, the column's cells as values."""
    if values is None and column is not None and len(positions):
        values = f.table.columns[column]
    log.rows(f.file, column, positions, rule, values, severity=severity, summary=summary, check=check, rank=f.rank)


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
    #: Per column: the parsed values, numpy for numbers and bools, Arrow strings for text and choices.
    values: dict[str, pa.Array | np.ndarray] = field(default_factory=dict)
    #: Per column: the cell holds a valid, non-empty value.
    valid: dict[str, np.ndarray] = field(default_factory=dict)
    #: Per column: the cell is empty (only spaces or nothing).
    empty: dict[str, np.ndarray] = field(default_factory=dict)
    #: Rows that are checked (empty rows inside the file are reported once by the reader).
    checked: np.ndarray | None = None
    #: Per choice or grade column: each cell's position in the column's words (-1 where none).
    positions: dict[str, np.ndarray] = field(default_factory=dict)
    #: Per (column, target file, target column): :func:`_rows_in` (a reference, then encoding).
    rows_in: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict)
    #: Per column that refers to another file's key: that file and column (set by :func:`load_round`).
    refers: dict[str, tuple[_File, str]] = field(default_factory=dict)
    _codes: dict[str, tuple[np.ndarray, int]] = field(default_factory=dict)
    _dictionaries: dict[str, tuple[np.ndarray, pa.Array]] = field(default_factory=dict)

    def has(self, *columns: str) -> bool:
        return self.table is not None and all(c in self.valid for c in columns)

    def rows_where(self, mask: np.ndarray) -> np.ndarray:
        return np.flatnonzero(mask & self.checked)

    def text(self, column: str) -> pa.Array:
        """The column's cells as read (Arrow strings)."""
        return self.table.columns[column]

    def cells(self, column: str, rows: np.ndarray) -> list[str]:
        """The column's cells at ``rows`` (positions), as read, as Python strings."""
        return values_at(self.table.columns[column], rows)

    def dictionary(self, column: str) -> tuple[np.ndarray, pa.Array]:
        """The column's cells as read: integer codes (rows,) int64 and the distinct cells (Arrow, first-seen order).

        Hashed once per column (each run of equal neighbouring cells once: admissions.io.labels),
        then shared by the key, the references, the checks on the distinct values and encoding.
        """
        if column not in self._dictionaries:
            heads, lengths = runs(self.text(column))
            self._dictionaries[column] = (self._referred_dictionary(column, heads, lengths)
                                          or encode_runs(heads, lengths))
        return self._dictionaries[column]

    def _referred_dictionary(self, column: str, heads: pa.Array, lengths: np.ndarray | None
                             ) -> tuple[np.ndarray, pa.Array] | None:
        """The dictionary of a column whose runs of equal cells are the referred key column itself, in
        order and every key once (applications.csv and grades.csv listing students.csv's students in
        its order): the runs are then distinct, numbered in order, with nothing hashed."""
        if column not in self.refers:
            return None
        target, target_column = self.refers[column]
        if target.table is None or target_column not in target.table.columns:
            return None
        keys = target.text(target_column)
        if len(heads) != len(keys) or heads.type != keys.type or not heads.equals(keys):
            return None
        if len(target.dictionary(target_column)[1]) != len(keys):  # a key there twice: hashed as usual
            return None
        return expand(np.arange(len(heads), dtype=np.int64), lengths), heads

    def isin(self, column: str, values: pa.Array | list[str]) -> np.ndarray:
        """(rows,) bool: the column's cell is one of ``values`` (its distinct cells looked up, not every cell)."""
        codes, labels = self.dictionary(column)
        value_set = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
        return (_positions(labels, value_set) >= 0)[codes]

    def codes(self, column: str, rows: np.ndarray) -> tuple[np.ndarray, int]:
        """Integer codes of the column's values at ``rows`` and the number of distinct codes.

        Text is compared exactly as written, other kinds by their parsed value, subjects by their
        code (EN and Engelska are the same subject). Cached: ids are hashed once per file.
        """
        if column not in self._codes:
            if self.spec.column(column).kind == "text":
                # Arrow's hash of the runs of equal cells (-1 at a missing cell, as pd.factorize).
                codes, uniques = self.dictionary(column)
                if self.spec.name == GRADES.name and column == "subject":
                    same, uniques = pd.factorize(np.array([subject_code(name) for name in uniques.to_pylist()],
                                                          dtype=object))
                    if len(uniques) < len(same):  # spellings of one subject (EN, Engelska): one code
                        codes = np.where(codes >= 0, same[np.maximum(codes, 0)], -1)
            elif isinstance(self.values[column], np.ndarray):
                codes, uniques = _number_codes(np.asarray(self.values[column]))
            else:
                # Choices: Arrow strings (first-seen order, as pd.factorize).
                codes, uniques = arrow_factorize(self.values[column])
            self._codes[column] = (codes.astype(np.int64, copy=False), len(uniques))
        codes, cardinality = self._codes[column]
        # Every row (the common case): the codes as they are, not a copy of 16 million.
        return (codes if len(rows) == len(codes) else codes[rows]), cardinality


    def release(self) -> None:
        """Drop what only the checks needed (masks, codes, lookups), before the typed frame is made:
        at a million students several hundred MB that the next steps' arrays can use instead."""
        self.valid, self.checked, self.positions, self.rows_in = {}, None, {}, {}
        self._codes, self._dictionaries = {}, {}

    def typed_frame(self) -> pd.DataFrame:
        """The file as typed columns (see RoundInput); only called when there was no error.

        The file's columns in its order (extra columns as strings), then the contract's columns
        it did not have; built in one go (a column set at a time costs pandas ~0.5 ms each).
        """
        n = self.table.n_rows
        specs = {column.name: column for column in self.spec.columns}
        columns = {
            name: _typed(specs[name], self.values[name], self.empty[name]) if name in specs else text_array(text)
            for name, text in self.table.columns.items()
        }
        for column in self.spec.columns:
            if column.name not in columns:
                columns[column.name] = _absent(column, n)
        return pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)


def _number_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | range]:
    """Integer codes of numbers or bools (equal values, equal codes; NaN one code) and their range.

    Whole numbers in a range not much wider than the column (choice ranks, counts) are their own
    codes less the smallest; anything else is sorted (several times faster than hashing millions
    of floats).
    """
    if values.dtype != bool and len(values):
        finite = np.isfinite(values)
        whole = values[finite]
        if len(whole) and np.array_equal(whole, np.floor(whole)):
            low, high = whole.min(), whole.max()
            if high - low <= 2 * len(values) + 1024:
                codes = np.where(finite, values - low, high - low + 1).astype(np.int64)
                return codes, range(int(high - low) + 2)
    uniques, codes = np.unique(values, return_inverse=True)
    return codes, uniques


def _read_and_check_cells(folder: Path, spec: FileSpec, rank: int, report: ProblemLog,
                          entries: list[Path]) -> _File:
    path, problems = find_file(folder, spec, entries)
    f = _File(spec, rank, path.name if path is not None else f"{spec.name}.csv",
              present=path is not None or (bool(problems) and not spec.required))
    for problem in problems:
        report.add(problem, rank)
    if path is None:
        return f
    _check_file(f, path, report)
    return f


def _check_file(f: _File, path: Path, report: ProblemLog) -> None:
    """Read one file and check its header, its number of rows and every cell."""
    spec, rank = f.spec, f.rank
    result = read_table(path, spec.name)
    title = None if result.table is None else _title_above_header(spec, result.table, result.problems)
    if title is not None:
        report.add(title, rank)
        return
    for problem in result.problems:
        report.add(problem, rank)
    if result.table is None:
        return
    table = f.table = result.table
    n = table.n_rows
    f.checked = np.ones(n, dtype=bool)
    f.checked[list(table.empty_rows)] = False
    present = list(table.columns)
    for column in spec.columns:
        if column.required and column.name not in present:
            hint = next((c for c in present if c.lower() == column.name.lower()), None)
            rule = "required column missing"
            if hint is not None:
                rule += f" (there is a column {hint!r}; column names are lower case)"
            report.add(Problem(f.file, 1, column.name, None, rule, check=column_check(spec.name, column.name, "required")),
                       rank)
    if n == 0 and spec.name in FILES_NEEDING_ROWS:
        report.add(Problem(f.file, None, None, None, "file has no rows", check=file_check(spec.name, "rows")), rank)
    for column in spec.columns:
        if column.name in present:
            _check_cells(f, column, report)
    if table.delimiter is not None:  # CSV: its numbers are text as the user's locale wrote them
        _check_decimal_marks(f, report)
    if SCHOOL_UNIT_CODE in present and SCHOOL_UNIT_CODE in f.valid:
        _check_school_unit_codes(f, report)


#: How far below row 1 the column names of a file with a title above them are looked for.
TITLE_ROWS = 10
#: The most cells a title row holds ('Elever 2027' and a date beside it).
TITLE_CELLS = 2


def _title_above_header(spec: FileSpec, table: Table, problems: Sequence[Problem]) -> Problem | None:
    """One problem when row 1 is a title ('Antagning 2027') and the column names are in a row below
    it, None otherwise. Read as the header, that title gave a problem for every required column and
    one for every row wider than it: 59 problems for one title above programmes.xlsx, none saying why.

    Row 1 holds one or two cells (``TITLE_CELLS``: 'Elever 2027', '2027-03-01'), none of them a column
    of the file; a row of the first ``TITLE_ROWS`` holds every required column's name, its cells beyond
    the title's columns read from the problems that dropped them (a CSV of another separator than the
    title's gives that row as one cell). Blank rows between them are skipped as the reader skips them.
    """
    named = [name for name in table.header if name]
    required = [c.name for c in spec.columns if c.required]
    columns = {c.name for c in spec.columns}
    if not 0 < len(named) <= TITLE_CELLS or not required or any(name in columns for name in named):
        return None
    dropped = {p.row: p.value for p in problems if p.row is not None and p.column is None and p.value}
    for i in range(min(table.n_rows, TITLE_ROWS)):
        row = i + FIRST_DATA_ROW
        cells = [str(column[i].as_py() or "") for column in table.columns.values()] + [dropped.get(row, "")]
        words = set(re.split(r'[\s,;"]+', " ".join(cells).lower()))
        if all(name in words for name in required):
            return Problem(table.file, 1, None, ", ".join(named),
                           f"row 1 is not the header: the column names are in row {row}; remove the rows above "
                           "them (the first row must hold the column names)", check=file_check(spec.name, "format"))
    return None


def _check_decimal_marks(f: _File, report: ProblemLog) -> None:
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
        text = pc.utf8_trim_whitespace(f.text(name))
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
        cells = f.text(name)
        other_mark = marks[name]["." if file_mark == "," else ","] if settled else np.zeros(len(cells), dtype=bool)
        unsure = marks[name]["ambiguous"] & ~other_mark if not settled else np.zeros(len(cells), dtype=bool)
        flagged = other_mark | unsure

        def rule(i: int, cells=cells, other_mark=other_mark) -> str:
            v = str(cells[i].as_py()).strip()
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
        _rows(report, f, name, rows, lambda i, rows=rows, rule=rule: rule(int(rows[i])), summary="decimal mark",
              check=column_check(f.spec.name, name, "decimal"))
        f.valid[name] = f.valid[name] & ~flagged
        values = np.asarray(f.values[name], dtype=np.float64).copy()
        values[flagged] = np.nan
        f.values[name] = values


#: A column holding Skolverket's school unit code (skolenhetskod), in any file that has one.
SCHOOL_UNIT_CODE = "school_unit_code"
SCHOOL_UNIT_CODE_RULE = "a school unit code (skolenhetskod) is 8 digits, kept as text"


def _check_school_unit_codes(f: _File, report: ProblemLog) -> None:
    """Every non-empty school unit code is exactly 8 digits (leading zeros kept)."""
    digits = _mask(pc.match_substring_regex(f.text(SCHOOL_UNIT_CODE), r"^\d{8}$"))
    _rows(report, f, SCHOOL_UNIT_CODE, f.rows_where(f.valid[SCHOOL_UNIT_CODE] & ~digits), SCHOOL_UNIT_CODE_RULE,
          check=column_check(f.spec.name, SCHOOL_UNIT_CODE, "pattern"))


def _check_cells(f: _File, column: ColumnSpec, report: ProblemLog) -> None:
    cells = text = f.text(column.name)
    empty = _empty_cells(text)
    kind = column.kind
    check = lambda rule: column_check(f.spec.name, column.name, rule)  # noqa: E731
    outside = None  # numbers outside the column's bounds
    if kind == "text":
        values, wrong = cells, _invisible(text)
        flagged = f.rows_where(wrong)
        _rows(report, f, column.name, flagged, lambda i: _invisible_rule(cells[int(flagged[i])].as_py()),
              summary="holds an invisible or formatting character", check=check("invisible"))
    elif kind in ("int", "number"):
        values, wrong = _parse_number(text, empty, integer=kind == "int")
        outside = np.zeros(len(cells), dtype=bool)
        if column.minimum is not None:
            outside |= values < column.minimum  # NaN compares False
        if column.maximum is not None:
            outside |= values > column.maximum
        values = np.where(wrong | outside, np.nan, values)
    elif kind == "bool":
        position, _ = _word_index(text, empty, sorted(TRUE_WORDS) + sorted(FALSE_WORDS))
        values = (position >= 0) & (position < len(TRUE_WORDS))
        wrong = (position < 0) & ~empty
    else:
        allowed = _words(column)
        position, as_written = _word_index(text, empty, list(allowed))
        f.positions[column.name] = position
        wrong = (position < 0) & ~empty
        if as_written and not empty.any():
            values = text  # every cell is a word as the contract spells it (grades: 16 million)
        else:
            canonical = pc.take(pa.array(allowed, pa.string()), pa.array(np.maximum(position, 0)))
            values = pc.if_else(pa.array(position >= 0), canonical, "")
    invalid = wrong if outside is None else wrong | outside
    if _defaults_empty(column):
        values = _fill(column, values, empty)
        valid, empty = ~invalid, np.zeros(len(cells), dtype=bool)
    else:
        valid = ~invalid & ~empty
    f.values[column.name] = values
    f.empty[column.name] = empty
    f.valid[column.name] = valid
    rule = kind_rule(column)
    if not column.nullable:
        _rows(report, f, column.name, f.rows_where(empty),
              rule if kind == "text" else f"must not be empty ({rule})", check=check("empty"))
    if kind == "text":
        return
    if kind not in ("int", "number"):
        _rows(report, f, column.name, f.rows_where(wrong), rule, check=check("type"))
        return
    for flagged, what in ((wrong, "type"), (outside, "range")):
        rows = f.rows_where(flagged)
        if len(rows):
            # '400.000' is a number above 340 or a thousands separator: the rule says both readings.
            shown = pc.utf8_trim_whitespace(f.text(column.name).take(pa.array(rows[:MAX_PER_RULE]))).to_pylist()
            _rows(report, f, column.name, rows, lambda i, shown=shown: number_rule(shown[i], kind == "int", rule),
                  summary=rule, check=check(what))


#: Characters that no key or label may hold: format characters (zero-width space U+200B,
#: bidirectional overrides U+202A-U+202E and isolates, the byte-order mark U+FEFF, soft hyphen),
#: control characters but tab and line ends, line and paragraph separators, and every space
#: but the ordinary one (no-break space U+00A0, narrow no-break space U+202F, ...). They are
#: invisible on screen, so "Malmö" with one of them looks like "Malmö" and is not found.
INVISIBLE = r"[\p{Cf}\x{0000}-\x{0008}\x{000B}\x{000C}\x{000E}-\x{001F}\x{007F}-\x{009F}\p{Zl}\p{Zp}\x{00A0}\x{1680}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]"


_GROUPED = re.compile(r"([+-]?)(\d{1,3})((?:[.,\u00a0\u202f ]\d{3})+)")
_DECIMAL = re.compile(r"[+-]?\d*[.,]\d+")


def number_rule(value: str, integer: bool, rule: str) -> str:
    """The rule broken by a cell that is not a plain number, with the readings it could have.

    ``1.000`` in an integer column: "reads as 1000 with '.' as thousands separator or 1 with '.'
    as decimal mark". Nothing is guessed: the user writes the number they mean in digits.
    """
    if "\u2212" in value and _GROUPED.fullmatch(value.replace("\u2212", "-")) is None:
        plain = value.replace("\u2212", "-")
        if re.fullmatch(r"\s*[+-]?\d+([.,]\d+)?\s*", plain):
            # A spreadsheet's typographic minus (Numbers, some locales): it looks like '-'.
            return f"{rule}: {value!r} has the minus sign U+2212 (−), where numbers take '-' (hyphen-minus)"
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
    if integer and re.fullmatch(r"\s*[+-]?\d+\s*", value) and abs(int(value)) > MAX_WHOLE_NUMBER:
        # A whole number in digits that is refused all the same: say why (it read 'must be a whole number').
        return f"{rule} and at most {MAX_WHOLE_NUMBER:,}"
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


def _words(column: ColumnSpec) -> tuple[str, ...]:
    """The words a choice or grade column allows, in the contract's spelling."""
    return column.choices if column.kind == "choice" else tuple(GRADE_POINTS)


def _word_index(text: pa.ChunkedArray, empty: np.ndarray, words: list[str]) -> tuple[np.ndarray, bool]:
    """(n,) int64: index of each cell in ``words``, compared without case and surrounding spaces; -1 if none;
    and whether every cell but the empty ones is written exactly as its word.

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
    return position, len(retry) == 0


def _invisible(text: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """(n,) bool: the cell holds a character of INVISIBLE.

    Only cells with a control byte or the first byte of a character that can be one can: those
    are found in the column's bytes with numpy, and only they are matched with the (Unicode)
    regular expression, which takes ~0.3 ms to compile for each call (a column of Swedish names,
    "Malmö", has no such byte: å, ä, ö and é start with 0xC3).
    """
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    suspect = np.concatenate([_non_plain_cells(chunk) for chunk in chunks] or [np.zeros(0, dtype=bool)])
    found = np.zeros(len(suspect), dtype=bool)
    rows = np.flatnonzero(suspect)
    if len(rows):
        cells = pc.take(text, pa.array(rows))
        found[rows] = _mask(pc.match_substring_regex(cells, INVISIBLE))
    return found


def _cell_bytes(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The column's offsets (rows + 1,) into its data buffer, and its cells' bytes (uint8), as views."""
    width = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(column.buffers()[1], dtype=width)[column.offset:column.offset + len(column) + 1]
    data = column.buffers()[2]
    if data is None or len(column) == 0 or offsets[-1] == offsets[0]:
        return offsets, np.zeros(0, dtype=np.uint8)
    return offsets, np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]


def _digits_only(column: pa.Array) -> bool:
    """Every byte of the column's cells is a digit 0-9 (so every non-empty cell is a plain whole number)."""
    _, data = _cell_bytes(column)
    return len(data) > 0 and bool(data.min() >= 0x30) and bool(data.max() <= 0x39)


def _empty_cells(text: pa.Array) -> np.ndarray:
    """(rows,) bool: the cell is empty or holds only white space.

    A column of printable ASCII without a space (ids, codes, numbers; its smallest and largest byte
    tell) has no cell of white space: Arrow's Unicode test runs only on the other columns.
    """
    _, data = _cell_bytes(text)
    empty = cell_lengths(text) == 0
    if len(data) == 0 or (data.min() > 0x20 and data.max() < 0x7F):
        return empty
    return empty | _mask(pc.utf8_is_space(text))


def _non_plain_cells(chunk: pa.Array) -> np.ndarray:
    """(len(chunk),) bool: the cell has a byte that may start a character of INVISIBLE.

    Those are the control bytes (but tab and line ends) and DEL, 0xC2 (U+0080-U+00BF: the C1
    controls, the no-break space, the soft hyphen) and 0xD8 and above (U+0600 and up); no
    character of INVISIBLE lies in U+00C0-U+05FF (lead bytes 0xC3-0xD7), which Arrow's
    regular expression confirms over every code point (tests/io). Continuation bytes are
    0x80-0xBF, so none of them is taken for a first byte.
    """
    n = len(chunk)
    rows = np.zeros(n, dtype=bool)
    if n == 0 or chunk.null_count == n:
        return rows
    buffers = chunk.buffers()
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(buffers[1], dtype=width)[chunk.offset:chunk.offset + n + 1].astype(np.int64)
    if buffers[2] is None or offsets[-1] == offsets[0]:
        return rows
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    if data.min() >= 0x20 and data.max() < 0x7F:  # printable ASCII (ids, codes): nothing to look at
        return rows
    odd = ((data < 0x20) & (data != 0x09) & (data != 0x0A) & (data != 0x0D)) | (data == 0x7F) | (data == 0xC2) \
        | (data >= 0xD8)
    at = np.flatnonzero(odd) + offsets[0]
    if len(at):
        rows[np.searchsorted(offsets, at, side="right") - 1] = True
    return rows


def _mask(result: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A pyarrow boolean result as a numpy bool array (null counts as False)."""
    if result.null_count:  # fill_null costs ~40 us a call even when there is nothing to fill
        result = pc.fill_null(result, False)
    return result.to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _defaults_empty(column: ColumnSpec) -> bool:
    """An empty cell of an optional column with a default takes the default (test_seats: 0)."""
    return not column.required and not column.nullable and column.default is not None


def _fill(column: ColumnSpec, values, empty: np.ndarray):
    if not empty.any():
        return values
    if column.kind in ("int", "number", "bool"):
        return np.where(empty, column.default, values)
    return pc.if_else(pa.array(empty), str(column.default), values)


def _parse_number(text: pa.Array, empty: np.ndarray, integer: bool) -> tuple[np.ndarray, np.ndarray]:
    """(values as float64 with NaN where empty or not a number, mask of cells that are not a number).

    A column of digits only (choice ranks, seats), every cell filled, is cast as it is; anything
    else is trimmed and matched against the pattern of its kind first.
    """
    if len(text) and not empty.any() and _digits_only(text):
        ok = np.ones(len(text), dtype=bool)
        points = text
    else:
        stripped = pc.utf8_trim_whitespace(text)
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
    """A checked column's values as the typed frame holds them (see RoundInput)."""
    kind = column.kind
    if kind == "int":
        return values if column.nullable else values.astype(np.int64)
    if kind == "number":
        return values
    if kind == "bool":
        if column.nullable:
            return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), np.asarray(empty, dtype=bool))
        return values
    return text_array(values)


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
    # One value taken n times by Arrow: a list of n Python strings took ~0.4 s a million rows.
    text = pa.array([default if default is not None else ""], pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))
    return text_array(text)


# --- keys and references -----------------------------------------------------------------------


def _first_seen(parts: list[tuple[np.ndarray, int]]) -> np.ndarray | None:
    """For each row, the position of the first row with the same key (itself when it is the first);
    None when every key is there once.

    ``parts`` are the key's columns as integer codes (>= 0) with the number of distinct codes.
    When the keys are few enough to mark (at most 8 a row), one mark per key tells whether any is
    there twice, the common case, without sorting; otherwise, and to find the first rows of the
    repeated ones, a stable sort of the combined codes (rows of a file are mostly in key order, so
    it is nearly linear) finds the groups: 16 million grade rows take 0.1 s where hashing them took 6 s.
    """
    codes = parts[0][0].astype(np.int64, copy=True)
    space = parts[0][1]
    for part, cardinality in parts[1:]:
        codes *= cardinality
        codes += part
        space *= cardinality
    if space <= 8 * len(codes) + 1024:
        seen = np.zeros(space, dtype=bool)
        seen[codes] = True
        if np.count_nonzero(seen) == len(codes):
            return None
        del seen
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    same = ordered[1:] == ordered[:-1]
    if not same.any():  # the common case: every key once
        return np.arange(len(codes))
    start = np.r_[True, ~same]
    # Stable: the first of each group in sorted order is its first row in the file.
    first = order[start][np.cumsum(start) - 1]
    result = np.empty(len(codes), dtype=np.int64)
    result[order] = first
    return result


def _rows_in(f: _File, column: str, target: _File, target_column: str) -> np.ndarray:
    """(rows,) int64: for each cell of ``column`` the first row of ``target`` whose ``target_column``
    holds the same text and is valid, -1 where there is none.

    The distinct cells are looked up (a hash of the target's column), and the answer is kept: it
    is the row index encoding needs (:class:`admissions.io.round_input.RoundInput` ``rows_of``).
    A text column's validity follows from its text alone, fixed once its cells are checked.
    """
    key = (column, target.spec.name, target_column)
    if key not in f.rows_in:
        codes, labels = f.dictionary(column)
        known = target.valid[target_column]
        values = target.text(target_column)
        everything = bool(known.all())
        if not everything:
            values = values.filter(pa.array(known))
        at = _positions(labels, values)
        if not everything:  # positions among the valid rows, made rows of the target
            found = at >= 0
            at[found] = np.flatnonzero(known)[at[found]]
        f.rows_in[key] = at[codes]
    return f.rows_in[key]


def _positions(labels: pa.Array, values: pa.Array) -> np.ndarray:
    """(len(labels),) int64: the first position of each label in ``values``, -1 where it is not there.

    Where the labels are the values themselves, in order (the students of applications.csv and
    grades.csv as students.csv lists them), nothing is hashed: comparing them is a memcmp.
    """
    if len(labels) == len(values) and labels.type == values.type and labels.equals(values):
        return np.arange(len(labels), dtype=np.int64)
    found = pc.fill_null(pc.index_in(labels, value_set=values), -1)
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def _isin(cells: pa.Array, values: pa.Array | list[str]) -> np.ndarray:
    """(len(cells),) bool: each cell is one of ``values``.

    pyarrow's hash lookup: pandas' isin on Arrow strings walks ``values`` in Python, 15 s for the
    900,000 student ids of a region's grades.
    """
    value_set = pc.unique(values if isinstance(values, pa.Array) else pa.array(values, type=pa.string()))
    heads, lengths = runs(cells)
    found = pc.is_in(heads, value_set=value_set)
    return expand(found.to_numpy(zero_copy_only=False).astype(bool, copy=False), lengths)


def _check_keys(files: dict[str, _File], report: ProblemLog) -> None:
    for f in files.values():
        key = f.spec.key
        if not key or not f.has(*key):
            continue
        rows = np.flatnonzero(np.logical_and.reduce([f.valid[c] for c in key]) & f.checked)
        if len(rows) == 0:
            continue
        first = _first_seen([f.codes(c, rows) for c in key])
        if first is None:
            continue
        first = rows[first]
        duplicate = first != rows
        at, was = rows[duplicate], first[duplicate]
        last = key[-1]
        if len(key) == 1:
            rule = lambda k, was=was, c=last: f"duplicate {c}; first seen in row {was[k] + FIRST_DATA_ROW}"
        else:
            owners = f.cells(key[0], at[:MAX_PER_RULE])
            earlier = f.cells(last, was[:MAX_PER_RULE])
            given = f.cells(last, at[:MAX_PER_RULE])

            def rule(k, was=was, c=last, owner=key[0]):
                same = "" if earlier[k] == given[k] else f" ({earlier[k]!r})"
                return (f"duplicate {c} for {owner} {owners[k]}; first seen in row "
                        f"{was[k] + FIRST_DATA_ROW}{same}")

        _rows(report, f, last, at, rule, summary=f"duplicate {last}", check=f.spec.key_check)


# --- the contract's checks ---------------------------------------------------------------------


@dataclass
class _Context:
    """What a check may read besides its own file: the folder's files and the programme-type table."""

    files: dict[str, _File]
    types: ProgrammeTypes | None


def _run_checks(files: dict[str, _File], types: ProgrammeTypes | None, report: ProblemLog) -> None:
    """Every check the contract declares on the files, in the order declared (file by file)."""
    context = _Context(files, types)
    for f in files.values():
        if f.table is None:
            continue
        for check in f.spec.checks:
            _EXECUTORS[type(check)](check, f, context, report)


def _true(f: _File, column: str) -> np.ndarray:
    """(rows,) bool: the bool ``column`` holds true (no such column: never)."""
    if column not in f.valid:
        return np.zeros(f.table.n_rows, dtype=bool)
    return f.valid[column] & np.asarray(f.values[column], dtype=bool)


class _Cells:
    """One row's cells as text with spaces trimmed, for a rule's ``{first[c]}`` and ``{at[c]}``."""

    def __init__(self, f: _File, position: int) -> None:
        self.f, self.position = f, int(position)

    def __getitem__(self, column: str) -> str:
        return str(self.f.text(column)[self.position].as_py()).strip()


def _reference(check: Reference, f: _File, context: _Context, report: ProblemLog) -> None:
    key = check.key or check.column
    target = context.files[check.target]
    if not f.has(key) or not target.has(check.target_column):
        return
    if check.where is not None and check.where not in f.valid:
        return
    known = target.valid[check.target_column]
    found = _rows_in(f, key, target, check.target_column) >= 0
    mask = f.valid[key] if check.where is None else f.valid[key] & f.valid[check.where]
    if check.target_where is None:
        flagged = mask & ~found
    else:
        # Values not in the target at all are the plain reference's problem.
        chosen = target.text(check.target_column).filter(pa.array(known & _true(target, check.target_where)))
        flagged = mask & found & ~f.isin(key, chosen)
    rows = f.rows_where(flagged)
    if "{value}" in check.rule:
        values = f.cells(key, rows[:MAX_PER_RULE])
        rule = lambda k: check.rule.format(target=target.file, value=values[k])  # noqa: E731
    else:
        rule = check.rule.format(target=target.file)
    summary = check.summary
    near = near_misses(f.cells(key, rows[:MAX_PER_RULE]), target.dictionary(check.target_column)[1]) \
        if check.target_where is None and len(rows) else []
    if any(near):
        plain, summary = rule, summary or (rule if isinstance(rule, str) else None)
        rule = lambda k: ((plain(k) if callable(plain) else plain)  # noqa: E731
                          + meant_suffix(near[k], target.file, check.target_column))
    _rows(report, f, check.column, rows, rule, severity=check.severity, summary=summary, check=check.id)


def did_you_mean(value: str, known: pa.Array | Sequence[str]) -> str:
    """"; did you mean 'Malmö'?" for the value of ``known`` that ``value`` differs from only by spaces,
    case, Unicode form or leading zeros (:func:`near_misses`), "" when none does: the end of a problem's rule."""
    return meant_suffix(near_misses([value], known)[0])


@dataclass(frozen=True)
class NearMiss:
    """The values of a file a reference not found differs from only by spaces, case, Unicode form or
    leading zeros (:func:`near_misses`), and whether those values lost leading zeros the reference has
    ('1' for '0000001' in ``value``: the file referred to was read as numbers, not the file referring)."""

    value: str
    meant: tuple[str, ...]
    zeros_lost: bool = False


def meant_suffix(near: NearMiss | None, file: str | None = None, column: str | None = None) -> str:
    """The end of a problem's rule for a near miss (:func:`near_misses`), "" for None: "; did you mean
    'Malmö'?" (or "'012' or '0012'?" when two fold alike). When the values of ``file`` lost their leading
    zeros, it says that file is what to correct: "; the student_id values of students.csv look like
    numbers that lost their leading zeros ('1' for '0000001': a spreadsheet stripped them); keep that
    column as text"."""
    if near is None:
        return ""
    meant = " or ".join(repr(value) for value in near.meant)
    if not near.zeros_lost:
        return f"; did you mean {meant}?"
    where = "the values referred to" if file is None else \
        f"the {column} values of {file}" if column is not None else f"the values of {file}"
    return (f"; {where} look like numbers that lost their leading zeros ({meant} for {near.value!r}: a spreadsheet "
            "stripped them); keep that column as text")


def near_misses(values: Sequence[str], known: pa.Array | Sequence[str]) -> list[NearMiss | None]:
    """For each value a reference did not find, the values of ``known`` it differs from only by spaces
    at either end, letter case, Unicode form or zeros before its first digit ('Malmö ' for 'Malmö',
    '000123' for '123': a spreadsheet leaves the spaces, and reads an id of digits as a number and
    drops its zeros), else None. Every such value is named ('012' and '0012' for '12'), none picked
    at random; when each has fewer leading zeros than the value, ``zeros_lost`` says the file of
    ``known`` lost them. For the problems shown only: ``known`` is folded whole, so call it on the
    error path."""
    def folded(array: pa.Array) -> pa.Array:
        text = pc.utf8_lower(pc.utf8_normalize(pc.utf8_trim_whitespace(array), form="NFC"))
        return pc.replace_substring_regex(text, pattern="^0+([0-9])", replacement="\\1")

    def zeros(text: str) -> int:
        text = text.strip()
        return len(text) - len(text.lstrip("0"))

    known = known if isinstance(known, pa.Array) else pa.array(list(known), type=pa.string())
    known = pc.unique(known.filter(pc.invert(pc.is_null(known))))
    keys, known_keys = folded(pa.array(values, type=pa.string())), folded(known)
    # Only the known values some value folds to go into Python (a million students' ids: a few).
    hit = pc.is_in(known_keys, value_set=keys)
    by_fold: dict[str, list[str]] = {}
    for key, value in zip(known_keys.filter(hit).to_pylist(), known.filter(hit).to_pylist()):
        by_fold.setdefault(key, []).append(value)
    misses: list[NearMiss | None] = []
    for value, key in zip(values, keys.to_pylist()):
        meant = by_fold.get(key)
        if not meant or value is None:
            misses.append(None)
            continue
        lost = all(zeros(m) < zeros(value) for m in meant)
        misses.append(NearMiss(value, tuple(meant), lost))
    return misses


def _referenced(check: Referenced, f: _File, context: _Context, report: ProblemLog) -> None:
    by = context.files[check.by]
    if not f.has(check.column) or not by.has(check.by_column):
        return
    codes, labels = f.dictionary(check.column)
    used = (_positions(labels, by.dictionary(check.by_column)[1]) >= 0)[codes]
    _rows(report, f, check.column, f.rows_where(f.valid[check.column] & ~used), check.rule.format(by=by.file),
          severity=check.severity, check=check.id)


def _unique(check: Unique, f: _File, context: _Context, report: ProblemLog) -> None:
    group = check.group
    if not f.has(check.column) or (group is not None and not f.has(group)):
        return
    mask = f.valid[check.column]
    if group is not None:
        mask = mask & f.valid[group]
    if check.where is not None:
        mask = mask & _true(f, check.where)
    rows = f.rows_where(mask)
    if len(rows) == 0:
        return
    # With ``where`` the column's value is the same on every row kept: the group alone is the key.
    key = ([group] if group is not None else []) + ([check.column] if check.where is None else [])
    first = _first_seen([f.codes(c, rows) for c in key])
    if first is None:
        return
    first = rows[first]
    again = first != rows
    at, was = rows[again], first[again]
    shown = at[:MAX_PER_RULE]
    values = f.cells(check.column, shown)
    owners = f.cells(group, shown) if group is not None else [None] * len(shown)

    def rule(k: int) -> str:
        return check.rule.format(first_row=was[k] + FIRST_DATA_ROW, owner=owners[k], value=values[k],
                                 first=_Cells(f, was[k]), at=_Cells(f, at[k]))

    _rows(report, f, check.column, at, rule, severity=check.severity, summary=check.summary or check.rule,
          check=check.id)


def _consecutive(check: Consecutive, f: _File, context: _Context, report: ProblemLog) -> None:
    """Each group's numbers, sorted, must be 1, 2, 3, ...; the first broken one of a group is reported."""
    group, column = check.group, check.column
    if not f.has(group, column):
        return
    rows = f.rows_where(f.valid[group])
    if len(rows) == 0:
        return
    codes, n_groups = f.codes(group, rows)
    # A group with an unreadable number is left out: that cell is reported already.
    bad_group = np.zeros(n_groups, dtype=bool)
    bad_group[codes[~f.valid[column][rows]]] = True
    if bad_group.any():
        keep = ~bad_group[codes]
        rows, codes = rows[keep], codes[keep]
    numbers = f.values[column][rows].astype(np.int64)
    # A file listing each group's rows together, numbers rising (as applications.csv usually does), is
    # in order already, with no number repeated: checked in one pass instead of sorting millions of rows.
    same = codes[1:] == codes[:-1]
    if np.all((codes[1:] > codes[:-1]) | (same & (numbers[1:] > numbers[:-1]))):
        u_rows, u_codes, u_numbers = rows, codes, numbers
    else:
        order = np.lexsort((rows, numbers, codes))
        r_rows, r_codes, r_numbers = rows[order], codes[order], numbers[order]
        # Repeated numbers are reported as duplicate keys; the gap check sees each number once.
        repeat = np.zeros(len(r_rows), dtype=bool)
        repeat[1:] = (r_codes[1:] == r_codes[:-1]) & (r_numbers[1:] == r_numbers[:-1])
        u_rows, u_codes, u_numbers = r_rows[~repeat], r_codes[~repeat], r_numbers[~repeat]
    del same
    # Within each group (sorted by number) the j-th number must be j.
    start = np.r_[True, u_codes[1:] != u_codes[:-1]]
    group_start = np.maximum.accumulate(np.where(start, np.arange(len(u_codes)), 0))
    broken = np.flatnonzero(u_numbers != np.arange(len(u_codes)) - group_start + 1)
    _, first = np.unique(u_codes[broken], return_index=True)
    flagged = broken[first]
    flagged = flagged[np.argsort(u_rows[flagged], kind="stable")]
    bounds = np.searchsorted(u_codes, u_codes[flagged]), np.searchsorted(u_codes, u_codes[flagged], side="right")
    owners = f.cells(group, u_rows[flagged[:MAX_PER_RULE]])
    noun = group.removesuffix("_id")

    def rule(k: int) -> str:
        has = u_numbers[bounds[0][k]:bounds[1][k]]
        listed = ", ".join(str(r) for r in has[:20]) + (", ..." if len(has) > 20 else "")
        return f"{check.rule}; {noun} {owners[k]} has {listed}"

    _rows(report, f, column, u_rows[flagged], rule, severity=check.severity, summary=check.rule, check=check.id)


def _sum_at_most(check: SumAtMost, f: _File, context: _Context, report: ProblemLog) -> None:
    if not f.has(check.column):
        return
    parts = [c for c in check.parts if c in f.valid]
    if not parts:
        return
    ok = f.valid[check.column] & np.logical_and.reduce([f.valid[c] | f.empty[c] for c in parts])
    total = sum(np.nan_to_num(f.values[c]) for c in parts)
    over = f.rows_where(ok & (total > f.values[check.column]))
    held = {c: f.cells(c, over[:MAX_PER_RULE]) for c in parts}
    generic = check.rule.format(parts=" + ".join(parts))
    _rows(report, f, check.column, over,
          lambda k: f"{generic} = " + " + ".join(held[c][k].strip() or "0" for c in parts),
          severity=check.severity, summary=generic, check=check.id)


def _requires(check: Requires, f: _File, context: _Context, report: ProblemLog) -> None:
    if not f.has(check.column):
        return
    above = f.valid[check.column] & (np.nan_to_num(f.values[check.column]) > 0)
    _rows(report, f, check.column, f.rows_where(above & ~_true(f, check.flag)), check.rule,
          severity=check.severity, check=check.id)


def _pattern(check: Pattern, f: _File, context: _Context, report: ProblemLog) -> None:
    if check.column not in f.valid:
        return
    text = pc.utf8_trim_whitespace(f.text(check.column))
    matches = _mask(pc.match_substring_regex(text, f"^(?:{check.pattern})$"))
    bad = f.valid[check.column] & ~f.empty[check.column] & ~matches
    _rows(report, f, check.column, f.rows_where(bad), check.rule, severity=check.severity, check=check.id)


def _together(check: Together, f: _File, context: _Context, report: ProblemLog) -> None:
    if not any(c in f.empty for c in check.columns):
        return
    n = f.table.n_rows
    filled = {c: ~f.empty[c] if c in f.empty else np.zeros(n, bool) for c in check.columns}
    partial = np.logical_or.reduce(list(filled.values())) & ~np.logical_and.reduce(list(filled.values()))
    for column in check.columns:
        rule = check.rule.format(column=column, columns=", ".join(check.columns))
        if column in f.empty:
            _rows(report, f, column, f.rows_where(partial & ~filled[column]), rule, severity=check.severity,
                  check=check.id)
        elif partial.any():
            # The column is not in the file: the first row giving part of an address is named.
            row = int(f.rows_where(partial)[0]) + FIRST_DATA_ROW
            report.add(Problem(f.file, row, column, None, rule.replace("is empty", "is missing"), check.severity,
                               check.id), f.rank)


def _needed_unless(check: NeededUnless, f: _File, context: _Context, report: ProblemLog) -> None:
    other = context.files[check.file]
    if not f.has(check.key) or check.column not in f.valid:
        return
    needed = f.empty[check.column] & f.valid[check.key]
    if check.unless is not None and check.unless in f.empty:
        needed &= f.empty[check.unless]
    if not needed.any():
        return
    if not other.present:
        _rows(report, f, check.column, f.rows_where(needed), check.absent_rule, severity=check.severity,
              check=check.id)
    elif other.has(check.key):
        # The few rows that need the other file are looked up in it (not its millions of rows hashed).
        rows = np.flatnonzero(needed)
        wanted = f.text(check.key).take(pa.array(rows))
        there = other.text(check.key).filter(pa.array(other.valid[check.key] & other.isin(check.key, wanted)))
        given = np.zeros(len(needed), dtype=bool)
        given[rows] = _isin(wanted, there)
        _rows(report, f, check.column, f.rows_where(needed & ~given), check.rule.format(file=other.file),
              severity=check.severity, check=check.id)


def _known(check: Known, f: _File, context: _Context, report: ProblemLog) -> None:
    if not f.has(check.column):
        return
    cells = f.text(check.column)
    if check.vocabulary == "subjects":
        # The distinct spellings only (a few dozen in millions of grades) are looked up.
        uniques = f.dictionary(check.column)[1].drop_null().to_pylist()
        unknown = [s for s in uniques if s.strip() and subject_code(s) not in SUBJECTS]
        if not unknown:
            return
        wrong = f.valid[check.column] & f.isin(check.column, unknown)
        rows = f.rows_where(wrong)
        values = f.cells(check.column, rows[:MAX_PER_RULE])
        _rows(report, f, check.column, rows,
              lambda k: f"{check.rule}; nearest known: {nearest_subjects(values[k])} ({SUBJECTS_VERSION})",
              severity=check.severity, summary=check.rule, check=check.id)
        f.valid[check.column] = f.valid[check.column] & ~wrong
        return
    types = context.types
    if types is None:
        return
    known = sorted(types.types)
    unknown = f.valid[check.column] & ~_isin(cells, known)
    # The wording of admissions.io.programme_types.check_programme_codes, capped like every rule.
    _rows(report, f, check.column, f.rows_where(unknown),
          f"{check.rule}; the programme-type table {types.version} knows {', '.join(known)}",
          severity=check.severity, check=check.id)


#: The executor of each kind of check the contract declares.
_EXECUTORS: dict[type, Callable[[Check, _File, _Context, ProblemLog], None]] = {
    Reference: _reference,
    Referenced: _referenced,
    Unique: _unique,
    Consecutive: _consecutive,
    SumAtMost: _sum_at_most,
    Requires: _requires,
    Pattern: _pattern,
    Together: _together,
    NeededUnless: _needed_unless,
    Known: _known,
}


def _check_settings(folder: Path, report: ProblemLog) -> ProgrammeTypes | None:
    """Problems of admissions.toml and of the programme-type table; returns the table (None when it is not valid)."""
    from admissions.config import read_settings
    from admissions.io.programme_types import read_programme_types

    _, problems = read_settings(folder)
    types, more = read_programme_types(folder)
    report.extend(problems + more, len(ROUND_FILES))
    return types


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


