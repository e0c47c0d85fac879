"""Fast string-label lookups with Arrow's hash kernels (pandas' own string lookups loop in Python)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _text(values: pd.Series | np.ndarray | list) -> pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        # pandas keeps Arrow strings as large_string: taken as they are, not cast to string and
        # copied (~50 us a column at any size, and the offsets copied at a million rows). The
        # hash kernels compare a large_string column with a string value set all the same.
        column = values.array.__arrow_array__()
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return pa.array(values, type=pa.string())


def runs(values: pd.Series | np.ndarray | list | pa.Array) -> tuple[pa.Array, np.ndarray | None]:
    """The column as runs of equal neighbouring cells: the first cell of each run and the run lengths.

    A file's rows come grouped by student (grades.csv: 16 per student), so hashing the first cell
    of each run and repeating the answer (``np.repeat(answer, lengths)``) gives every cell's answer
    at a fraction of hashing them all. Lengths None (and the column itself) when runs would not make
    it at least half as long. A null cell is a run of its own.
    """
    text = _text(values)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    n = len(text)
    if n < 1024:
        return text, None
    # A column whose first thousands of cells are mostly not runs (subjects, programmes) is taken
    # as it is without comparing every cell: the answer is the same either way, only slower.
    m = min(4096, n - 1)
    sample = pc.equal(text.slice(1, m), text.slice(0, m))
    if 2 * (len(sample) - pc.sum(pc.fill_null(sample, False)).as_py()) > len(sample) + 1:
        return text, None
    same = pc.fill_null(pc.equal(text.slice(1), text.slice(0, n - 1)), False).to_numpy(zero_copy_only=False)
    start = np.empty(n, dtype=bool)
    start[0] = True
    np.logical_not(same, out=start[1:])
    heads = np.flatnonzero(start)
    if 2 * len(heads) > n:
        return text, None
    return text.take(pa.array(heads)), np.diff(np.append(heads, n))


def expand(answer: np.ndarray, lengths: np.ndarray | None) -> np.ndarray:
    """Each cell's answer from its run's (:func:`runs`)."""
    return answer if lengths is None else np.repeat(answer, lengths)


def index_of(values: pd.Series | np.ndarray | list, labels: pd.Series | np.ndarray | list) -> np.ndarray:
    """(len(values),) int64 position of each value in ``labels``, -1 where it is not there.

    ``labels`` should be unique; the first position counts otherwise.
    """
    heads, lengths = runs(values)
    found = pc.index_in(heads, value_set=_text(labels))
    return expand(pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64), lengths)


def factorize(values: pd.Series | np.ndarray | list) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (len(values),) int64 and the distinct labels (object array), labels in first-seen order."""
    codes, labels = arrow_factorize(values)
    return codes, np.asarray(labels.to_pylist(), dtype=object)


def arrow_factorize(values: pd.Series | np.ndarray | list) -> tuple[np.ndarray, pa.Array]:
    """Integer codes (len(values),) int64 (-1 at a null) and the distinct labels (Arrow, first-seen order)."""
    return encode_runs(*runs(values))


def encode_runs(heads: pa.Array, lengths: np.ndarray | None) -> tuple[np.ndarray, pa.Array]:
    """:func:`arrow_factorize` of a column given as its :func:`runs`."""
    encoded = pc.dictionary_encode(heads)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return expand(codes, lengths), encoded.dictionary


def labels_array(values: pd.Series) -> np.ndarray:
    """The values as a numpy object array of Python strings."""
    return np.asarray(_text(values).to_pylist(), dtype=object)
