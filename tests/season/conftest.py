"""A small generated region for the season's rules, and helpers to change a round's input."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from admissions.synth import write_region


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def scarce_region(folder: Path, n_students: int, seed: int, area: str = "default") -> Path:
    """A generated region with a quarter of the seats (quotas at most half of them): competition and reserves."""
    write_region(folder, n_students, seed=seed, area=area)
    return quarter_of_the_seats(folder)


def quarter_of_the_seats(folder: Path) -> Path:
    """The region in ``folder`` with a quarter of its seats (quotas at most half of them)."""
    programmes = read(folder / "programmes.csv")
    seats = [max(1, int(s) // 4) for s in programmes["seats"]]
    programmes["seats"] = [str(s) for s in seats]
    for column in ("test_seats", "free_quota_seats"):
        if column in programmes:  # the generated real region has no quotas
            programmes[column] = [str(min(int(v), s // 2)) for v, s in zip(programmes[column], seats)]
    write(programmes, folder / "programmes.csv")
    return folder


@pytest.fixture(scope="session")
def small_region(generated_small_region, tmp_path_factory) -> Path:
    """A generated 400-student region of three municipalities (60 offers; tests/conftest.py,
    generated_small_region) with a quarter of the seats (131 seats, every one filled in a final
    admission): competition and reserves, fast rounds."""
    folder = tmp_path_factory.mktemp("season-region") / "region-400"
    shutil.copytree(generated_small_region, folder)
    return quarter_of_the_seats(folder)


@dataclass(frozen=True)
class Admitted:
    """A season whose only run is the final admission of the small region (the season's own seed),
    and that run's OUT. Shared by the tests: read it, or copy it with :func:`season_copy`."""

    season: Path
    out: Path


@pytest.fixture(scope="session")
def final_admission(small_region, tmp_path_factory) -> Admitted:
    """The small region's final admission, run once for every test that starts from one."""
    from admissions.season.rounds import run_round

    base = tmp_path_factory.mktemp("final-admission")
    run_round("final", small_region, base / "season", out=base / "out")
    return Admitted(base / "season", base / "out")


@pytest.fixture
def after_final(final_admission, tmp_path) -> Path:
    """A private copy of the season of ``final_admission``, to add runs to."""
    season = tmp_path / "season"
    shutil.copytree(final_admission.season, season)
    return season


@pytest.fixture
def region_copy(small_region, tmp_path) -> Path:
    """A private copy of the small region, to change."""
    target = tmp_path / "input"
    shutil.copytree(small_region, target)
    return target


def placed(season: Path, run_id: int) -> dict[str, str]:
    from admissions.season import store

    connection = store.connect(season)
    try:
        return store.held_seats(connection, run_id)
    finally:
        connection.close()


def answers_file(path: Path, rows: list[tuple[str, str]]) -> Path:
    write(pd.DataFrame(rows, columns=["student_id", "answer"]), path)
    return path
