"""A folder's own programme_types.toml replaces the shipped table: in eligibility, in the record, in its errors."""

import json
import shutil
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from admissions.errors import InvalidInput
from admissions.match import run_match

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "tests" / "data" / "rules" / "eligibility_and_merit"
SHIPPED = resources.files("admissions").joinpath("data", "programme_types.toml").read_text(encoding="utf-8")


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "input"
    shutil.copytree(WORKED, target, ignore=shutil.ignore_patterns("expected_*"))
    return target


def test_without_a_table_of_its_own_the_shipped_one_decides(folder, tmp_path):
    _, record = run_match(folder, tmp_path / "out")
    apps = read(tmp_path / "out" / "applications.csv")
    e1 = apps[(apps["student_id"] == "E1") & (apps["programme_id"] == "MAL-NA")].iloc[0]
    assert (e1["eligible"], e1["ineligible_reason"], e1["outcome"]) == (
        "false", "7 other passed subjects, needs 9", "ineligible")
    assert record["programme_types"]["source"] == "admissions (shipped)"


def test_the_folders_own_table_replaces_the_shipped_one(folder, tmp_path):
    """NA needing 7 other passes instead of 9: E1 (7) becomes eligible there, second in line behind E3."""
    assert "kind = \"preparatory\"\nothers = 9\nrequired = [\"BI\", \"FY\", \"KE\"]" in SHIPPED
    own = SHIPPED.replace('version = "2025-07-01"', 'version = "egen 2027"').replace(
        "[types.NA]\nname = \"Naturvetenskapsprogrammet\"\nkind = \"preparatory\"\nothers = 9",
        "[types.NA]\nname = \"Naturvetenskapsprogrammet\"\nkind = \"preparatory\"\nothers = 7")
    assert own.count("others = 7") == SHIPPED.count("others = 7") + 1
    (folder / "programme_types.toml").write_text(own, encoding="utf-8")
    _, record = run_match(folder, tmp_path / "out")
    apps = read(tmp_path / "out" / "applications.csv")
    rows = apps.set_index(["student_id", "programme_id"])[["eligible", "outcome", "reserve_position"]]
    assert rows.loc[("E1", "MAL-NA")].tolist() == ["true", "reserve", "2"]
    assert rows.loc[("E3", "MAL-NA")].tolist() == ["true", "reserve", "1"]
    assert rows.loc[("E1", "MAL-BA")].tolist() == ["true", "admitted", ""]
    assert record["programme_types"] == {"version": "egen 2027", "source": "programme_types.toml"}


def test_a_programme_code_the_folders_table_lacks_is_an_error_naming_the_row(folder, tmp_path):
    own = SHIPPED.replace("[types.BA]\nname = \"Bygg- och anläggningsprogrammet\"\nkind = \"vocational\"\nothers = 5\n", "")
    assert "[types.BA]" not in own
    (folder / "programme_types.toml").write_text(own, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        run_match(folder, tmp_path / "out")
    described = [p.describe() for p in caught.value.problems]
    assert any("programmes.csv" in d and "row 3" in d and "programme_code" in d and "'BA'" in d
               and "unknown programme code" in d for d in described), described
    assert not (tmp_path / "out").exists()
