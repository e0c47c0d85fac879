"""The admission offices: which office (antagningskansli) serves each municipality, for the lists' office summaries.

A round's input folder may give ``admission_offices.csv`` (admission_office, municipality; the
contract's ``admission_offices`` file, checked with the folder's other files): it then replaces
the shipped list whole. The shipped list, ``admissions/data/admission_offices.csv``, is
Skolverket's register of the admission offices of the area (see ../shared/data/register/README.md),
read and checked through the same contract (every cell and the unique key).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from admissions.io.contract import ADMISSION_OFFICES
from admissions.io.validate import load_table


def shipped_offices() -> pd.DataFrame:
    """The shipped list as the contract types it: admission_office, municipality (text).

    Read and checked once per process (package data does not change); each call gets its own copy.
    """
    return _shipped_offices().copy()


@lru_cache(maxsize=1)
def _shipped_offices() -> pd.DataFrame:
    with resources.as_file(resources.files("admissions").joinpath("data", "admission_offices.csv")) as path:
        return load_table(path, ADMISSION_OFFICES)


def office_of(offices: pd.DataFrame | None = None) -> dict[str, str]:
    """The admission office of each municipality (municipality -> office): from ``offices`` (a
    round's own admission_offices file) when given, else from the shipped list."""
    table = shipped_offices() if offices is None else offices
    return dict(zip(table["municipality"], table["admission_office"]))
