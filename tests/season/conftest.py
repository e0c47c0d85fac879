"""A small generated region for the season's rules, and helpers to change a round's input."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from admissions.synth import write_region


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def scarce_region(folder: Path, n_students: int, seed: int) -> Path:
    """A generated region with a quarter of the seats (quotas at most half of them): competition and reserves."""
    write_region(folder, n_students, seed=seed)
    programmes = read(folder / "programmes.csv")
    seats = [max(1, int(s) // 4) for s in programmes["seats"]]
    programmes["seats"] = [str(s) for s in seats]
    for column in ("test_seats", "free_quota_seats"):
        if column in programmes:  # the generated real region has no quotas
            programmes[column] = [str(min(int(v), s // 2)) for v, s in zip(programmes[column], seats)]
    write(programmes, folder / "programmes.csv")
    return folder


@pytest.fixture(scope="session")
def small_region(tmp_path_factory) -> Path:
    """A generated 400-student region with a quarter of the seats: competition and reserves, fast rounds."""
    return scarce_region(tmp_path_factory.mktemp("season-region") / "region-400", 400, seed=5)


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
