"""A problem found in the input: where it is (file, row, column), what was there, and which rule it breaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning"]

#: Longest cell value quoted in a message; longer values are cut so a 10 MB cell cannot flood a report.
MAX_VALUE_CHARS = 60


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule.

    ``row`` is the line number as a spreadsheet shows it (the header is line 1, the first data row
    line 2), or None for a problem with the whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    severity: Severity = "error"

    def describe(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        text = f"{where}: {self.rule}"
        if self.value is not None:
            text = f"{where}: value {quote_value(self.value)}: {self.rule}"
        return text


def quote_value(value: object) -> str:
    """Quote a cell value for a message, cut to MAX_VALUE_CHARS characters."""
    text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"... ({len(text)} characters)"
    return repr(text)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """The problems as a table with columns file, row, column, value, rule, severity."""
    return pd.DataFrame(
        [(p.file, p.row, p.column, p.value, p.rule, p.severity) for p in problems],
        columns=["file", "row", "column", "value", "rule", "severity"],
    )
