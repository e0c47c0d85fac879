"""Fast string-label lookups with Arrow's hash kernels (pandas' own string lookups loop in Python)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _text(values: pd.Series | np.ndarray | list) -> pa.Array:
    return pa.array(values, type=pa.string()) if not isinstance(values, pa.Array) else values


def index_of(values: pd.Series | np.ndarray | list, labels: pd.Series | np.ndarray | list) -> np.ndarray:
    """(len(values),) int64 position of each value in ``labels``, -1 where it is not there.

    ``labels`` should be unique; the first position counts otherwise.
    """
    found = pc.index_in(_text(values), value_set=_text(labels))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def factorize(values: pd.Series | np.ndarray | list) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (len(values),) int64 and the distinct labels (object array), labels in first-seen order."""
    encoded = pc.dictionary_encode(_text(values))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, np.asarray(encoded.dictionary.to_pylist(), dtype=object)


def labels_array(values: pd.Series) -> np.ndarray:
    """The values as a numpy object array of Python strings."""
    return np.asarray(_text(values).to_pylist(), dtype=object)
