"""Coverage-guided fuzzing of the readers with atheris: longer runs than the hypothesis tests.

Not collected by pytest (the name does not start with test_). Run it by hand::

    pip install atheris
    python tests/safety/fuzz_atheris.py -max_total_time=600 tests/data/fuzz

Each input is tried as students.csv, students.xlsx and students.parquet; the harness fails on any
exception other than the problems the readers report (read_table never raises for a bad file).
An input that fails is written by libFuzzer as crash-*: add it to tests/data/fuzz/ with its
expected problem in tests/data/fuzz/expected.json.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris
import numpy  # noqa: F401  (imported before instrumenting: only our code is instrumented, which starts fast)
import openpyxl  # noqa: F401
import pandas  # noqa: F401
import pyarrow.csv  # noqa: F401
import pyarrow.parquet  # noqa: F401

with atheris.instrument_imports(include=["admissions"]):
    from admissions.io.readers import read_table

FOLDER = Path(tempfile.mkdtemp(prefix="admissions-fuzz-"))


def one_input(data: bytes) -> None:
    for suffix in (".csv", ".xlsx", ".parquet"):
        path = FOLDER / f"students{suffix}"
        path.write_bytes(data)
        result = read_table(path, "students")
        if result.table is None and not result.problems:
            raise AssertionError(f"{suffix}: refused without a problem")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
