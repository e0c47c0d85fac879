"""`validate` and `match` read a round folder through one entry point, so they never disagree.

Every fixture folder of the repository, and folders made from the cases of issue 13, go through
both commands: validate says valid exactly when match succeeds, and an invalid folder gets the same
problem report from both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from admissions.cli import app

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "analysis" / "data" / "small"
runner = CliRunner()


def fixture_folders() -> list[Path]:
    """Every folder in the repository that holds a round (a programmes file)."""
    found = set()
    for base in (ROOT / "data", ROOT / "tests"):
        for path in base.rglob("programmes.*"):
            if path.suffix in (".csv", ".xlsx", ".parquet") and not path.name.startswith("expected"):
                found.add(path.parent)
    return sorted(found)


def broken_folders(base: Path) -> dict[str, Path]:
    """Folders made from the cases of issue 13 that validate and match once judged differently."""
    cases: dict[str, dict[str, bytes]] = {
        "admissions.toml not TOML": {"admissions.toml": b"seed = = 3\n"},
        "admissions.toml unknown setting": {"admissions.toml": b"tie_brake = ['lottery']\n"},
        "admissions.toml seed too big": {"admissions.toml": f"seed = {2**63}\n".encode()},
        "programme_types.toml Windows-1252": {"programme_types.toml": (
            'version = "egen 2027"\n'
            '[types.NA]\nname = "Naturvetenskapsprogrammet, f\u00f6rdjupning"\nkind = "preparatory"\n'
            '[types.SA]\nname = "Samh\u00e4llsvetenskapsprogrammet"\nkind = "preparatory"\n'
            '[types.EK]\nname = "Ekonomiprogrammet"\nkind = "preparatory"\n').encode("cp1252")},
        "programme_types.toml broken": {"programme_types.toml": b'version = "x"\n[types.NA]\nkind = "nonsense"\n'},
        "applications header only": {"applications.csv": b"student_id,choice_rank,programme_id\n"},
    }
    folders = {}
    for name, files in cases.items():
        folder = base / name.replace(" ", "_")
        shutil.copytree(SMALL, folder)
        for file, data in files.items():
            (folder / file).write_bytes(data)
        folders[name] = folder
    return folders


def verdicts(folder: Path, out: Path) -> tuple:
    validated = runner.invoke(app, ["validate", str(folder)])
    matched = runner.invoke(app, ["match", str(folder), "--out", str(out), "--quiet"])
    for result in (validated, matched):
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return validated, matched


@pytest.mark.slow
@pytest.mark.parametrize("folder", fixture_folders(), ids=lambda p: str(p.relative_to(ROOT)))
def test_validate_and_match_agree_on_every_fixture_folder(tmp_path, folder):
    validated, matched = verdicts(folder, tmp_path / "out")
    assert (validated.exit_code == 0) == (matched.exit_code == 0), (validated.output, matched.output)


@pytest.mark.parametrize("case", [
    "admissions.toml not TOML",
    "admissions.toml unknown setting",
    "admissions.toml seed too big",
    "programme_types.toml Windows-1252",
    "programme_types.toml broken",
    "applications header only",
])
def test_validate_and_match_agree_on_the_cases_of_issue_13(tmp_path, case):
    folder = broken_folders(tmp_path)[case]
    validated, matched = verdicts(folder, tmp_path / "out")
    assert (validated.exit_code == 0) == (matched.exit_code == 0), (validated.output, matched.output)
    if validated.exit_code:
        # The same problem report from both, every problem of the folder together.
        assert validated.stderr == matched.stderr
        assert not (tmp_path / "out").exists()


def test_every_problem_of_the_folder_is_reported_together(tmp_path):
    folder = tmp_path / "round"
    shutil.copytree(SMALL, folder)
    (folder / "admissions.toml").write_text("seed = -1\n")
    (folder / "programme_types.toml").write_bytes(b'version = "x"\n[types.NA]\nkind = "nonsense"\n')
    students = folder / "students.csv"
    students.write_text(students.read_text().replace("S1,Lund,300", "S1,Lund,abc"))
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"4 problems in {folder} (4 errors)"
    assert ("error: students.csv, row 2, column merit_value: value 'abc': must be a number from 0 to 340 "
            "(check students.merit_value.type)") in lines
    assert "error: admissions.toml: seed == -1, input should be greater than or equal to 0" in lines
    # One line per problem of the table, in the words of a TOML file (not pydantic's report).
    assert "error: programme_types.toml: not a valid programme-type table: types.NA.name is missing, must be given" in lines
    assert ("error: programme_types.toml: not a valid programme-type table: types.NA.kind == 'nonsense', input should "
            "be 'vocational', 'preparatory', 'imv', 'not_vocational' or 'open'") in lines


def test_a_windows_1252_programme_type_table_is_read(tmp_path):
    # Issue 13: a folder's own programme_types.toml saved as Windows-1252 gave a traceback.
    folder = broken_folders(tmp_path)["programme_types.toml Windows-1252"]
    result = runner.invoke(app, ["match", str(folder), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    import json

    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["programme_types"] == {"version": "egen 2027", "source": "programme_types.toml"}
