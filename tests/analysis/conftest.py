"""Rounds shared by the analysis tests: two hand-made ones and a small generated region."""

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# choice_regions (this folder) for the demand-model tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from admissions.synth import write_region

DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "small"
TIES = DATA / "ties"


#: The municipalities of the small generated region: 60 offers instead of the default area's 506.
SMALL_AREA = "Lund,Lomma,Staffanstorp"


@pytest.fixture(scope="session")
def large_region(tmp_path_factory) -> Path:
    """A generated 3,000-student region of the default area (tiers and many tied merit values)."""
    folder = tmp_path_factory.mktemp("region") / "region-3000"
    write_region(folder, 3000, seed=11)
    return folder


@pytest.fixture(scope="session")
def small_region(tmp_path_factory) -> Path:
    """A generated 600-student region of three municipalities (60 offers) with half of the seats, so
    that tied merit values compete for the last seats: quick rounds the lottery decides."""
    import pandas as pd

    folder = tmp_path_factory.mktemp("small-region") / "region-600"
    write_region(folder, 600, seed=11, area=SMALL_AREA)
    programmes = pd.read_csv(folder / "programmes.csv", dtype=str, keep_default_na=False)
    programmes["seats"] = [str(max(1, int(s) // 2)) for s in programmes["seats"]]
    programmes.to_csv(folder / "programmes.csv", index=False)
    return folder


@pytest.fixture(params=["small", pytest.param("large", marks=pytest.mark.slow)])
def region(request) -> Path:
    """A generated region: the small one (quick) and the 3,000-student one (slow); each built once."""
    return request.getfixturevalue(f"{request.param}_region")


@pytest.fixture(scope="session")
def prepared() -> Callable:
    """``prepared(folder, tie_break=None)``: ``prepare_round`` of an input folder, each folder and chain
    prepared once per session. Shared: read the result, never change it (a test that changes a
    round's arrays prepares its own)."""
    from functools import cache

    from admissions.round import prepare_round

    @cache
    def prepare(folder: Path, tie_break: tuple[str, ...] | None = None):
        return prepare_round(folder, tie_break=tie_break)

    return prepare


def write_scenarios(path: Path, text: str) -> Path:
    path.write_text(text.lstrip(), encoding="utf-8")
    return path
