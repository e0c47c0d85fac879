"""The validated input of a round, as typed pandas frames, and where each file came from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from admissions.io.problems import Problem
from admissions.io.programme_types import ProgrammeTypes

#: Columns whose integer codes the validator hands to encoding (besides every reference's rows):
#: grades.csv's subjects as written and its grades, 16 rows a student.
CODED_COLUMNS = (("grades", "subject"), ("grades", "grade"))


@dataclass(frozen=True)
class SourceFile:
    """An input file that was read: its contract name, path and the sha256 of its bytes."""

    name: str
    path: Path
    sha256: str


@dataclass(frozen=True)
class RoundInput:
    """Every file of a round's input folder, validated against the contract.

    Column types after validation: text and choice columns are strings (empty text is ""), int
    columns int64 (a nullable int column is float64 with NaN for empty), number columns float64 with
    NaN for empty, bool columns bool (a nullable bool column is pandas "boolean" with NA for empty).
    An optional column that the file did not have is present, filled with its default, or with
    missing values when it has none; ``given_columns`` tells which columns the file really had.
    Extra columns are kept as strings. Rows keep the order of the file.
    """

    folder: Path
    programmes: pd.DataFrame
    students: pd.DataFrame
    applications: pd.DataFrame
    municipalities: pd.DataFrame
    grades: pd.DataFrame | None
    sources: tuple[SourceFile, ...]
    prices: pd.DataFrame | None = None
    admission_offices: pd.DataFrame | None = None  # the folder's own, else None (the lists use the shipped one)
    given_columns: dict[str, frozenset[str]] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()
    programme_types: ProgrammeTypes | None = None  # the folder's own table, or the shipped one
    #: What validation computed that encoding needs again, so that no id column is hashed twice:
    #: ``(file, column, target)`` -> (rows,) int64, for each column the contract checks against another
    #: file's key (applications' student_id and programme_id, grades' student_id, municipalities),
    #: the row of ``target`` holding each cell's value. Encoding computes what is not here.
    rows_of: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    #: ``(file, column)`` -> ((rows,) int64 codes, labels) for CODED_COLUMNS: each cell's position in
    #: ``labels`` (text columns: the distinct cells as read; grades: the contract's letters).
    codes_of: dict[tuple[str, str], tuple[np.ndarray, list[str]]] = field(default_factory=dict, repr=False,
                                                                         compare=False)

    def without_grade_rows(self) -> RoundInput:
        """The same input with ``grades`` reduced to its number of rows (no columns), once it is encoded."""
        return self if self.grades is None else replace(self, grades=self.grades.iloc[:, :0])

    def without_lookups(self) -> RoundInput:
        """The same input without ``rows_of`` and ``codes_of`` (once encoded: hundreds of MB at a million students)."""
        return replace(self, rows_of={}, codes_of={})

    def file_name(self, file: str) -> str:
        """The name of contract file ``file`` as the folder has it (programmes.xlsx, Students.CSV), for
        messages about its rows; ``{file}.csv`` for one that was not read."""
        return next((s.path.name for s in self.sources if s.name == file), f"{file}.csv")

    def has_column(self, file: str, column: str) -> bool:
        """Whether the input file really had this column (not just its default)."""
        return column in self.given_columns.get(file, frozenset())
