"""A problem found in the input: where it is (file, row, column), what was there, and which rule it breaks.

:class:`ProblemLog` collects the problems of a check in the order they are reported and holds the
one cap every check shares: at most :data:`MAX_PER_RULE` problems are listed per file, column and
rule, and one more line counts the rest ("... and 12345 more rows with the same problem"), so a
broken 1 GB file cannot produce a 1 GB report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

Severity = Literal["error", "warning"]

#: Longest cell value quoted in a message; longer values are cut so a 10 MB cell cannot flood a report.
MAX_VALUE_CHARS = 60
#: Problems listed per file, column and rule; the rest are counted in one summary line.
MAX_PER_RULE = 50
#: Row number of the first data row: the header is row 1.
FIRST_DATA_ROW = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule.

    ``row`` is the line number as a spreadsheet shows it (the header is line 1, the first data row
    line 2), or None for a problem with the whole file or column. ``check`` is the stable id of the
    contract's rule it breaks (``applications.programme_id.ref``, ``students.merit_value.range``,
    ``grades.format``; see :mod:`admissions.io.contract`), None for a problem outside the contract
    (admissions.toml, the programme-type table, a season's answers beyond their file's form).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    severity: Severity = "error"
    check: str | None = field(default=None, compare=False)
    #: The problems this one stands for: 1, or N for the line '... and N more rows' counting those not listed.
    count: int = field(default=1, compare=False)

    def describe(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        text = f"{where}: {self.rule}"
        if self.value is not None:
            text = f"{where}: value {quote_value(self.value)}: {self.rule}"
        if self.check is not None:
            text += f" (check {self.check})"
        return text


def quote_value(value: object) -> str:
    """Quote a cell value for a message, cut to MAX_VALUE_CHARS characters."""
    text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"... ({len(text)} characters)"
    return repr(text)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """The problems as a table with columns file, row, column, value, rule, severity, check."""
    return pd.DataFrame(
        [(p.file, p.row, p.column, p.value, p.rule, p.severity, p.check) for p in problems],
        columns=["file", "row", "column", "value", "rule", "severity", "check"],
    )


class ProblemLog:
    """The problems found, in the order they are reported, each rule capped at MAX_PER_RULE.

    Problems are sorted by the rank of their file (the contract's order), then row (problems of a
    whole file or column first), then the order they were added. Every check that can flag many
    rows goes through :meth:`listed` or :meth:`rows`, which keep the first MAX_PER_RULE and count
    the rest in one line placed right after the last one shown.
    """

    def __init__(self) -> None:
        self._items: list[tuple[int, float, int, Problem]] = []

    def add(self, problem: Problem, rank: int = 0) -> None:
        row = -1.0 if problem.row is None else float(problem.row)
        self._items.append((rank, row, len(self._items), problem))

    def extend(self, problems: Iterable[Problem], rank: int = 0) -> None:
        for problem in problems:
            self.add(problem, rank)

    def listed(self, first: Sequence[Problem], total: int, more: str, *, file: str, column: str | None = None,
               severity: Severity = "error", check: str | None = None, rank: int = 0) -> None:
        """The first MAX_PER_RULE of ``first`` and, when ``total`` exceeds them, '... and N more {more}'.

        ``first`` holds at least min(total, MAX_PER_RULE) problems (more are ignored), so a
        streaming check keeps only the first ones and counts the rest.
        """
        shown = list(first[:MAX_PER_RULE])
        self.extend(shown, rank)
        if total > MAX_PER_RULE:
            last = next((p.row for p in reversed(shown) if p.row is not None), None)
            # Sorted right after the last row shown.
            row = -1.0 if last is None else last + 0.5
            line = Problem(file, None, column, None, f"... and {total - MAX_PER_RULE:,} more {more}", severity, check,
                           count=total - MAX_PER_RULE)
            self._items.append((rank, row, len(self._items), line))

    def rows(self, file: str, column: str | None, positions: np.ndarray, rule: str | Callable[[int], str],
             values: Sequence | pd.Series | pa.Array | None = None, *, severity: Severity = "error",
             summary: str | None = None, check: str | None = None, rank: int = 0) -> None:
        """One problem per flagged row, at most MAX_PER_RULE of them and a line counting the rest.

        ``positions`` (n,) are 0-based data-row positions in file order; ``rule`` is the rule, or a
        function of the flagged row's index in ``positions`` giving it (then ``summary`` names the
        rule in the line counting the rest); ``values`` (the file's cells of ``column``) give the
        value shown. Only the rows shown are formatted: the check itself stays vectorised.
        """
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) == 0:
            return
        shown = positions[:MAX_PER_RULE]
        cells = None if values is None else values_at(values, shown)
        first = [
            Problem(file, int(position) + FIRST_DATA_ROW, column, None if cells is None else str(cells[k]),
                    rule(k) if callable(rule) else rule, severity, check)
            for k, position in enumerate(shown)
        ]
        generic = rule if isinstance(rule, str) else summary or "similar"
        self.listed(first, len(positions), f"rows with the same problem ({generic})", file=file, column=column,
                    severity=severity, check=check, rank=rank)

    @property
    def problems(self) -> list[Problem]:
        """The problems in the order they were added."""
        return [item[3] for item in self._items]

    def sorted(self) -> list[Problem]:
        """The problems in report order: file rank, row, order added."""
        return [item[3] for item in sorted(self._items, key=lambda item: item[:3])]


def values_at(values: Sequence | pd.Series | pa.Array | pa.ChunkedArray, positions: np.ndarray) -> list:
    """The values at ``positions`` (0-based) as Python objects: an Arrow column's by one take."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.take(pa.array(np.asarray(positions, dtype=np.int64))).to_pylist()
    return pd.Series(values).iloc[positions].tolist()
