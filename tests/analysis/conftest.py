"""Rounds shared by the analysis tests: two hand-made ones and a small generated region."""

import sys
from pathlib import Path

import pytest

# choice_regions (this folder) for the demand-model tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from admissions.synth import write_region

DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "small"
TIES = DATA / "ties"


@pytest.fixture(scope="session")
def region(tmp_path_factory) -> Path:
    """A generated 3,000-student region (quotas, tiers and many tied merit values)."""
    folder = tmp_path_factory.mktemp("region") / "region-3000"
    write_region(folder, 3000, seed=11)
    return folder


def write_scenarios(path: Path, text: str) -> Path:
    path.write_text(text.lstrip(), encoding="utf-8")
    return path
