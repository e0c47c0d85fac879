"""Matched rounds shared by the report tests: every worked example, a small generated region and the
committed 2,000-student sample region.

Each round is matched once per session, when a test first asks for it. The sample takes seconds to
match and seconds per test: the tests on it are marked slow, and each also runs on the small region
(three municipalities, 60 offers, 400 students), which the quick set (`-m "not slow"`) keeps.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from admissions.match import run_match

# render_tools (the outside renderers) sits beside the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "tests" / "data" / "rules"
SAMPLE = ROOT / "data" / "samples" / "skane-2000"
SMALL_REGION = "small-region"
#: The small region: the generated 400 students of Lund, Lomma and Staffanstorp (60 offers), seed 5
#: (tests/conftest.py, generated_small_region), with a third of the seats.
#: The regions (the generated ones; the worked examples are hand-made): the sample is slow.
REGIONS = [SMALL_REGION, pytest.param("skane-2000", marks=pytest.mark.slow)]
ROUNDS = [*sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()), *REGIONS]


def read(path: Path) -> pd.DataFrame:
    """A CSV as text, empty cells as ""."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@dataclass
class Matched:
    """A round's input folder and the output folder of `admissions match` on it.

    Each CSV is read once (the round is shared by many tests); every call returns a copy of it.
    """

    name: str
    folder: Path
    out: Path
    _read: dict[Path, pd.DataFrame] = field(default_factory=dict, repr=False)

    def _csv(self, path: Path) -> pd.DataFrame:
        if path not in self._read:
            self._read[path] = read(path)
        return self._read[path].copy()

    def input(self, name: str) -> pd.DataFrame:
        path = self.folder / f"{name}.csv"
        return self._csv(path) if path.is_file() else pd.DataFrame()

    def output(self, name: str) -> pd.DataFrame:
        return self._csv(self.out / f"{name}.csv")


class MatchedRounds(dict):
    """Round name -> Matched; a round is matched when it is first looked up (a worked example's OUT is
    the one every directory shares: tests/conftest.py, worked_example_outs)."""

    def __init__(self, tmp_path_factory, worked_example_outs, generated_small_region):
        super().__init__()
        self._tmp = tmp_path_factory
        self._worked = worked_example_outs
        self._generated = generated_small_region

    def __missing__(self, name: str) -> Matched:
        if name not in ("skane-2000", SMALL_REGION):
            self[name] = Matched(name, EXAMPLES / name, self._worked[name])
            return self[name]
        if name == "skane-2000":
            folder = SAMPLE
        else:
            folder = self._tmp.mktemp("reports-input") / name
            shutil.copytree(self._generated, folder)
            # A third of the seats: cut-offs and reserves at most offers, as in the sample.
            programmes = read(folder / "programmes.csv")
            programmes["seats"] = [str(max(1, int(s) // 3)) for s in programmes["seats"]]
            programmes.to_csv(folder / "programmes.csv", index=False)
        out = self._tmp.mktemp(f"reports-{name}") / "out"
        run_match(folder, out, seed=0)
        self[name] = Matched(name, folder, out)
        return self[name]


@pytest.fixture(scope="session")
def matched_rounds(tmp_path_factory, worked_example_outs, generated_small_region) -> MatchedRounds:
    return MatchedRounds(tmp_path_factory, worked_example_outs, generated_small_region)


@pytest.fixture(params=ROUNDS)
def matched(request, matched_rounds) -> Matched:
    return matched_rounds[request.param]


@pytest.fixture(params=REGIONS)
def region(request, matched_rounds) -> Matched:
    """A generated region: the small one (quick) and the sample (slow)."""
    return matched_rounds[request.param]


@pytest.fixture
def sample(matched_rounds) -> Matched:
    """The committed 2,000-student sample region (for slow tests only: it takes seconds to match)."""
    return matched_rounds["skane-2000"]
