"""Cells a spreadsheet would run as formulas, escaped in CSV and exactly reversed when read.

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula (or DDE command) when the CSV is opened in Excel or LibreOffice. :func:`escape_cell`
puts one apostrophe ``'`` before such a cell (the OWASP convention), so the spreadsheet shows
it as text: ``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``. A cell that already begins
with apostrophes followed by one of those characters gets one more, so the escape is exactly
reversible: a program reading the CSV gets the exact value back with :func:`unescape_cell`,
which removes one leading apostrophe from a cell matching ``^'+[=+\\-@\\t\\r]`` and leaves
every other cell alone. Only text columns are escaped; numeric columns (``-3`` as a number)
are written as numbers. A text id ``-123`` is text and is written ``'-123``.

XLSX needs no apostrophe: :func:`admissions.io.xlsx.write_xlsx` types every text cell as a
string, which Excel, LibreOffice and openpyxl never evaluate.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The character put before such a cell in CSV.
ESCAPE = "'"
_NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
_NEEDS_ESCAPE_PATTERN = r"^'*[=+\-@\t\r]"
_ESCAPED_PATTERN = r"^'+[=+\-@\t\r]"


def escape_cell(text: str) -> str:
    """The cell as written to CSV: with one ``'`` before it when a spreadsheet would run it as a formula."""
    return ESCAPE + text if _NEEDS_ESCAPE.match(text) else text


def unescape_cell(text: str) -> str:
    """The exact value of a CSV cell written by :func:`escape_cell` (its inverse)."""
    return text[1:] if _ESCAPED.match(text) else text


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell escaped by :func:`escape_cell`; numbers are left as they are.

    Only object and string columns are looked at, with one vectorised match per column; the frame
    is returned unchanged (not copied) when no cell needs escaping.
    """
    changed: dict[int, pd.Series] = {}
    texts = [(j, column) for j, (_, column) in enumerate(frame.items()) if _is_text(column)]
    for (j, column), mask in zip(texts, _escape_masks([column for _, column in texts])):
        if mask.any():
            changed[j] = column.astype(object).where(~mask, ESCAPE + column.astype(object).where(mask, ""))
    if not changed:
        return frame
    out = frame.copy()
    for j, column in changed.items():
        out.isetitem(j, column)
    return out


def unescape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a frame read from this tool's CSV (as text) with every cell unescaped by :func:`unescape_cell`."""
    out = frame
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        if not _is_text(column):
            continue
        mask = _match(column, _ESCAPED_PATTERN)
        if mask.any():
            if out is frame:
                out = frame.copy()
            fixed = column.astype(object).copy()
            fixed[mask] = column[mask].str.slice(1)
            out.isetitem(j, fixed.astype(column.dtype) if isinstance(column.dtype, pd.StringDtype) else fixed)
    return out


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or isinstance(column.dtype, pd.StringDtype)


def _match(column: pd.Series, pattern: str) -> np.ndarray:
    # Cells that are not strings (numbers in an object column, missing values) never match.
    if column.dtype == object:
        is_str = np.fromiter((isinstance(v, str) for v in column.to_numpy()), dtype=bool, count=len(column))
        if not is_str.any():
            return is_str
        found = column.where(is_str, "").astype(str).str.contains(pattern, regex=True)
        return found.to_numpy(dtype=bool) & is_str
    if pattern == _NEEDS_ESCAPE_PATTERN:
        return _needs_escape(column)
    return column.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)


#: First bytes of a cell that needs the escape (FORMULA_STARTS), and the escape itself.
_FIRST = np.zeros(256, dtype=bool)
_FIRST[[ord(c) for c in FORMULA_STARTS + (ESCAPE,)]] = True


def _escape_masks(columns: list[pd.Series]) -> list[np.ndarray]:
    """``_match(column, _NEEDS_ESCAPE_PATTERN)`` of each text column.

    The string columns are scanned together, as one Arrow array: a table pays the Arrow and numpy
    calls once rather than once a column (most of the cost of a small round's tables).
    """
    from admissions.io.csv_format import BATCH_ROWS

    masks: list[np.ndarray] = [np.zeros(0, dtype=bool)] * len(columns)
    strings = []
    for i, column in enumerate(columns):
        # An object column, or a long one (together they would only take more memory), on its own.
        if column.dtype == object or len(column) > BATCH_ROWS:
            masks[i] = _match(column, _NEEDS_ESCAPE_PATTERN)
        else:
            strings.append((i, _string_array(column)))
    if strings:
        arrays = [array for _, array in strings]
        found = _needs_escape_text(pa.concat_arrays(arrays) if len(arrays) > 1 else arrays[0])
        start = 0
        for i, array in strings:
            masks[i] = found[start:start + len(array)]
            start += len(array)
    return masks


def _string_array(column: pd.Series) -> pa.StringArray:
    text = pa.array(column, pa.string(), from_pandas=True)
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _needs_escape(column: pd.Series) -> np.ndarray:
    """``column.str.contains(_NEEDS_ESCAPE_PATTERN)`` of a text column (:func:`_needs_escape_text`)."""
    return _needs_escape_text(_string_array(column))


def _needs_escape_text(text: pa.StringArray) -> np.ndarray:
    """(n,) bool: the cells of an Arrow string array that need the escape, from each cell's first byte.

    A cell needs the escape when its first byte is a formula start; one beginning with ``'`` is
    matched by the pattern itself (rare). A scan of the Arrow column's bytes with numpy: the regular
    expression over every row took ~0.2 s a million cells.
    """
    from admissions.io.csv_format import text_bytes

    offsets, data = text_bytes(text)
    filled = offsets[1:] > offsets[:-1]
    first = np.zeros(len(text), dtype=np.uint8)
    first[filled] = data[offsets[:-1][filled]]
    found = filled & _FIRST[first]
    if text.null_count:
        found &= np.asarray(text.is_valid())
    quoted = np.flatnonzero(found & (first == ord(ESCAPE)))
    if len(quoted):
        cells = text.take(pa.array(quoted)).to_pylist()
        found[quoted] = [bool(_NEEDS_ESCAPE.match(cell)) for cell in cells]
    return found
