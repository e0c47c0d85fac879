"""The one CSV writer of the project: UTF-8, comma-separated, ``\\n`` line ends, minimal quoting.

Values are written as the data contract reads them: booleans as true/false, numbers without
needless decimals (340, 237.5), missing values as empty cells. It formats whole columns with numpy
and pandas string operations, in blocks of rows, so a million rows take about a second and memory
stays bounded (pandas' own ``to_csv`` is several times slower on Arrow-backed strings).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Rows formatted at a time.
BLOCK_ROWS = 200_000
#: Columns up to this long are formatted together with the table's other columns of their kind.
BATCH_ROWS = 10_000


def format_column(values: pd.Series) -> pa.Array:
    """The text of every cell of a column (an Arrow string array, no nulls), quoted where CSV needs it."""
    return format_columns([values])[0]


def format_columns(columns: list[pd.Series]) -> list[pa.Array]:
    """:func:`format_column` of each column (of equal or different lengths).

    The columns of one kind (booleans, floats, integers of one type, text) are formatted together,
    as one array cut back into columns afterwards: every value is formatted on its own, so the text
    is the same, and a table pays the dozen Arrow calls of a kind once rather than once a column
    (~0.5 ms a column, most of the cost of writing a small round's CSV files).
    """
    kinds: dict[tuple, list[tuple[int, object]]] = {}
    for i, values in enumerate(columns):
        kind, prepared = _prepare(values)
        # A long column is formatted on its own: together they would only take more memory.
        kinds.setdefault((kind, i if len(values) > BATCH_ROWS else None), []).append((i, prepared))
    out: list[pa.Array] = [pa.array([], pa.string())] * len(columns)
    for (kind, _), members in kinds.items():
        parts = [prepared for _, prepared in members]
        if kind == "bool" or kind == "float":
            joined = np.concatenate(parts) if len(parts) > 1 else parts[0]
        else:
            joined = pa.concat_arrays(parts) if len(parts) > 1 else parts[0]
        text = _format_prepared(kind, joined)
        # pandas' Arrow-backed columns come back chunked; the writer needs one contiguous array.
        text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
        start = 0
        for (i, _), part in zip(members, parts):
            out[i] = text.slice(start, len(part))
            start += len(part)
    return out


def _prepare(values: pd.Series) -> tuple[object, np.ndarray | pa.Array]:
    """A column's kind and its values ready to be formatted with other columns of that kind."""
    # Numbers and booleans never need quoting; only text is checked. (The checks on the dtype rather
    # than on the Series: the same answers, several times faster.)
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        present = values.notna().to_numpy()
        truth = values.fillna(False).to_numpy(dtype=bool)
        return "bool", np.where(present, np.where(truth, 1, 0), -1).astype(np.int8)
    if pd.api.types.is_float_dtype(dtype):
        return "float", values.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_integer_dtype(dtype):
        array = pa.array(values)
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        return ("integer", str(array.type)), array
    text = pa.array(values, pa.string(), from_pandas=True)
    return "text", text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _format_prepared(kind: object, values: np.ndarray | pa.Array) -> pa.Array | pa.ChunkedArray:
    if kind == "bool":
        return pa.array(np.array(["", "false", "true"])[values + 1])
    if kind == "float":
        return float_texts(values)
    if kind != "text":
        return pc.fill_null(pc.cast(values, pa.string()), "")
    text = pc.fill_null(values, "")
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    special = rows_with_bytes(text, _SPECIAL)
    if special is not None:
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        text = pc.if_else(pa.array(special), quoted, text)
    return text


def _quoted(text: str) -> str:
    """One text cell as :func:`format_column` writes it (the header's names, without Arrow calls)."""
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in '",\r\n') else text


def _byte_table(characters: str) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(characters.encode("ascii"))] = True
    return table


#: Bytes that make a CSV cell need quotes.
_SPECIAL = _byte_table('",\r\n')


def text_bytes(text: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (n + 1,) int64 and the UTF-8 bytes of an Arrow string array, as numpy views.

    ``data[offsets[i]:offsets[i + 1]]`` is row i (empty at a null).
    """
    buffers = text.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[text.offset:text.offset + len(text) + 1].astype(np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, dtype=np.uint8)
    return offsets, data


def rows_with_bytes(text: pa.StringArray, table: np.ndarray) -> np.ndarray | None:
    """(n,) bool: the rows holding a byte marked in ``table`` (256,), or None when no row does.

    A scan of the array's bytes with numpy, for ASCII bytes (a UTF-8 multi-byte character never
    contains one), several times faster than a regular expression over the rows.
    """
    offsets, data = text_bytes(text)
    cells = data[offsets[0]:offsets[-1]]
    marked = np.flatnonzero(table)
    if len(marked) <= 4:
        # A few bytes: compared one at a time (vectorised), 4x faster than looking every byte up.
        hit = cells == marked[0]
        for byte in marked[1:]:
            hit |= cells == byte
    else:
        hit = table[cells]
    if not hit.any():
        return None
    rows = np.searchsorted(offsets, np.flatnonzero(hit) + offsets[0], side="right") - 1
    mask = np.zeros(len(text), dtype=bool)
    mask[rows] = True
    return mask


def format_floats(array: np.ndarray) -> np.ndarray:
    """Shortest decimal text of each float, "" for NaN; whole numbers without decimals (340).

    An object array of str (:func:`float_texts` gives the same as an Arrow array, for whole columns).
    """
    return np.asarray(float_texts(array).to_pylist(), dtype=object)


def float_texts(array: np.ndarray) -> pa.StringArray:
    """:func:`format_floats` as an Arrow string array, without a Python string per value.

    Values exact with at most 6 decimals (all merit values, scores and lotteries) are formatted
    with integer arithmetic and Arrow's string kernels, as are whole numbers below 2**53 (lottery
    numbers); any other value falls back to repr. Each kind is formatted on its own values and the
    column is put together by one take from their concatenation.
    """
    array = np.asarray(array, dtype=np.float64)
    finite = np.isfinite(array)
    micro = np.round(np.where(finite, array, 0.0) * 1e6)
    exact = finite & (np.abs(micro) < 2**53) & (micro / 1e6 == array)
    # Larger whole numbers (lottery numbers go up to 2**53) stay integers too.
    whole = finite & ~exact & (np.abs(array) < 2**53) & (array == np.trunc(array))
    other = finite & ~exact & ~whole
    # Pieces, in this order: "", "inf", "-inf", then the texts of the exact, whole and other values.
    pieces: list[pa.Array] = [pa.array(["", "inf", "-inf"], pa.string())]
    index = np.where(np.isinf(array), np.where(array > 0, 1, 2), 0).astype(np.int64)
    start = 3
    if exact.any():
        signed = micro[exact].astype(np.int64)
        if len(signed) > BATCH_ROWS:
            # A long column (scores, merit values) repeats few values: each is formatted once.
            codes, distinct = pd.factorize(signed)
            if 2 * len(distinct) < len(signed):
                pieces.append(_micro_texts(np.asarray(distinct, dtype=np.int64)).take(pa.array(codes)))
            else:
                pieces.append(_micro_texts(signed))
        else:
            pieces.append(_micro_texts(signed))
    if whole.any():
        pieces.append(pc.cast(pa.array(array[whole].astype(np.int64)), pa.string()))
    if other.any():
        pieces.append(pa.array([repr(float(v)) for v in array[other]], pa.string()))
    for mask in (exact, whole, other):
        count = int(np.count_nonzero(mask))
        if count:
            index[mask] = np.arange(start, start + count)
            start += count
    return pa.concat_arrays(pieces).take(pa.array(index))


def _micro_texts(signed: np.ndarray) -> pa.Array:
    """The shortest decimal text of each value given in millionths (int64), as :func:`float_texts` writes it."""
    units = np.abs(signed)
    whole_part = pc.cast(pa.array(units // 1_000_000), pa.string())
    fraction = pc.utf8_rtrim(
        pc.utf8_lpad(pc.cast(pa.array(units % 1_000_000), pa.string()), width=6, padding="0"),
        characters="0",
    )
    point = pc.if_else(pc.greater(pc.utf8_length(fraction), 0), ".", "")
    sign = pc.if_else(pa.array(signed < 0), "-", "")
    return pc.binary_join_element_wise(sign, whole_part, point, fraction, "")


def write_frame_csv(frame: pd.DataFrame, path: Path, block: int = BLOCK_ROWS) -> None:
    """Write ``frame`` (header and rows, no index) to ``path``."""
    header = ",".join(_quoted(str(name)) for name in frame.columns.tolist())
    with open(path, "wb") as handle:
        handle.write((header + "\n").encode("utf-8"))
        for start in range(0, len(frame), block):
            part = frame.iloc[start:start + block] if len(frame) > block else frame
            columns = format_columns([values for _, values in part.items()])
            if not columns:
                continue
            rows = pc.binary_join_element_wise(*columns, ",") if len(columns) > 1 else columns[0]
            lines = pc.binary_join_element_wise(rows, "", "\n")
            # The values buffer of an Arrow string array is its strings back to back: the CSV text.
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset:lines.offset + len(lines) + 1]
            handle.write(memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]])
