"""Matched rounds shared by the report tests: every worked example and the committed sample region."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from admissions.match import run_match

# render_tools (the outside renderers) sits beside the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "tests" / "data" / "rules"
SAMPLE = ROOT / "data" / "samples" / "skane-2000"
ROUNDS = [*sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()), "skane-2000"]


def read(path: Path) -> pd.DataFrame:
    """A CSV as text, empty cells as ""."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@dataclass
class Matched:
    """A round's input folder and the output folder of `admissions match` on it."""

    name: str
    folder: Path
    out: Path

    def input(self, name: str) -> pd.DataFrame:
        path = self.folder / f"{name}.csv"
        return read(path) if path.is_file() else pd.DataFrame()

    def output(self, name: str) -> pd.DataFrame:
        return read(self.out / f"{name}.csv")


@pytest.fixture(scope="session")
def matched_rounds(tmp_path_factory) -> dict[str, Matched]:
    rounds = {}
    for name in ROUNDS:
        folder = SAMPLE if name == "skane-2000" else EXAMPLES / name
        out = tmp_path_factory.mktemp(f"reports-{name}") / "out"
        run_match(folder, out, seed=0)
        rounds[name] = Matched(name, folder, out)
    return rounds


@pytest.fixture(params=ROUNDS)
def matched(request, matched_rounds) -> Matched:
    return matched_rounds[request.param]


@pytest.fixture
def sample(matched_rounds) -> Matched:
    return matched_rounds["skane-2000"]
