"""`admissions match` end to end: exit codes, files, determinism, the run record, bad input."""

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.cli import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "skane-2000"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module", params=["small", pytest.param("sample", marks=pytest.mark.slow)])
def region(request) -> Path:
    """The round matched end to end: a generated one of 400 students of Lund, Lomma and Staffanstorp
    (60 offers; quick; tests/conftest.py, generated_small_region, read only) and the 2,000-student
    sample (slow)."""
    if request.param == "sample":
        return SAMPLE
    return request.getfixturevalue("generated_small_region")


@pytest.fixture(scope="module")
def matched(region, tmp_path_factory):
    out = tmp_path_factory.mktemp("match") / "out"
    result = run("match", region, "--out", out, "--seed", "7")
    assert result.exit_code == 0, result.output
    return out, result


def test_match_writes_the_contract_files(region, matched):
    out, _ = matched
    assert sorted(p.name for p in out.iterdir()) == [
        "applications.csv", "dimensioning.csv", "flows.csv", "manifest.json", "placements.csv", "programmes.csv",
        "report.html", "report.xlsx", "run.json",
    ]
    placements = pd.read_csv(out / "placements.csv", dtype=str, keep_default_na=False)
    assert list(placements.columns[:3]) == ["student_id", "programme_id", "choice_rank"]
    students = pd.read_csv(region / "students.csv", dtype=str, keep_default_na=False)
    assert placements["student_id"].tolist() == students["student_id"].tolist()
    unplaced = placements["programme_id"] == ""
    assert (placements.loc[unplaced, "choice_rank"] == "").all()
    assert placements.loc[~unplaced, "choice_rank"].str.fullmatch(r"[1-8]").all()


def test_run_record_has_seed_hashes_counts_and_checks(region, matched):
    out, _ = matched
    record = json.loads((out / "run.json").read_text())
    assert record["seed"] == 7
    assert record["command"] == "match"
    for name, entry in record["inputs"].items():
        data = (region / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
    placements = pd.read_csv(out / "placements.csv", dtype=str, keep_default_na=False)
    counts = record["counts"]
    assert counts["students"] == len(placements)
    assert counts["placed"] == int((placements["programme_id"] != "").sum())
    assert counts["placed"] + counts["unplaced"] == counts["students"]
    assert counts["placed_first_choice"] == int((placements["choice_rank"] == "1").sum())
    assert record["check"]["is_stable"] is True
    assert record["check"]["is_student_optimal"] is True
    assert set(record["timings_s"]) >= {"read and validate", "match", "check", "write"}


def test_same_input_and_seed_give_the_same_bytes(region, matched, tmp_path):
    out, _ = matched
    again = tmp_path / "again"
    assert run("match", region, "--out", again, "--seed", "7").exit_code == 0
    written = sorted(p.name for p in out.iterdir())
    assert sorted(p.name for p in again.iterdir()) == written
    # Every file match writes, whatever is added later; run.json is compared below without its
    # timings, and so is its hash in the manifest.
    for name in written:
        if name not in ("run.json", "manifest.json"):
            assert (again / name).read_bytes() == (out / name).read_bytes(), name
    manifests = [json.loads((d / "manifest.json").read_text()) for d in (out, again)]
    for manifest in manifests:
        del manifest["files"]["run.json"]
    assert manifests[0] == manifests[1]
    first, second = (json.loads((d / "run.json").read_text()) for d in (out, again))
    for record in (first, second):
        del record["timings_s"], record["started_at"]
    assert first == second


def test_another_seed_draws_another_lottery(region, matched, tmp_path):
    out, _ = matched
    other = tmp_path / "other"
    assert run("match", region, "--out", other, "--seed", "8").exit_code == 0
    a = pd.read_csv(out / "placements.csv")["lottery"]
    b = pd.read_csv(other / "placements.csv")["lottery"]
    assert not a.equals(b)


def test_summary_is_printed(matched):
    _, result = matched
    assert "placed on first choice" in result.stdout
    assert "stable, student-optimal" in result.stdout


def test_invalid_input_is_reported_and_nothing_is_written(tmp_path):
    folder = tmp_path / "round"
    shutil.copytree(SAMPLE, folder)
    programmes = (folder / "programmes.csv").read_text().splitlines()
    header = programmes[0].split(",")
    row = programmes[1].split(",")
    row[header.index("seats")] = "-3"
    programmes[1] = ",".join(row)
    (folder / "programmes.csv").write_text("\n".join(programmes) + "\n")
    out = tmp_path / "out"
    result = run("match", folder, "--out", out)
    assert result.exit_code == 1
    assert "programmes.csv, row 2, column seats: value '-3'" in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round"]


def test_output_inside_the_input_folder_is_refused(tmp_path):
    folder = tmp_path / "round"
    shutil.copytree(SAMPLE, folder)
    before = sorted(p.name for p in folder.iterdir())
    result = run("match", folder, "--out", folder / "results")
    assert result.exit_code == 1
    assert "may not be the input folder or inside it" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == before


def test_unknown_tie_break_key_is_a_clear_error(tmp_path):
    result = run("match", SAMPLE, "--out", tmp_path / "out", "--tie-break", "birthday")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == ("Error: --tie-break == 'birthday', input should be 'choice_rank', "
                                              "'grade_value', 'n_grades' or 'lottery'")
    assert not (tmp_path / "out").exists()


def test_every_command_is_documented_with_an_example():
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert command.help and "Example:" in command.help, name
        result = run(name, "--help")
        assert result.exit_code == 0, name


@pytest.mark.slow
def test_python_dash_m_works():
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-m", "admissions", "--help"], capture_output=True, text=True)
    assert completed.returncode == 0
    assert "match" in completed.stdout


def test_report_xlsx_holds_the_aggregate_sheets_unless_student_sheets_are_asked_for(region, matched, tmp_path):
    import openpyxl

    out, _ = matched
    assert openpyxl.load_workbook(out / "report.xlsx", read_only=True).sheetnames == [
        "Om rapporten", "Utbildningar", "Dimensionering", "Flöden och kostnader"]
    full = tmp_path / "full"
    assert run("match", region, "--out", full, "--seed", "7", "--student-sheets", "-q").exit_code == 0
    workbook = openpyxl.load_workbook(full / "report.xlsx", read_only=True)
    assert workbook.sheetnames == ["Om rapporten", "Utbildningar", "Dimensionering", "Flöden och kostnader",
                                   "Placeringar", "Ansökningar"]
    rows = list(workbook["Placeringar"].iter_rows(values_only=True))
    placements = pd.read_csv(full / "placements.csv", dtype=str, keep_default_na=False)
    assert len(rows) == len(placements) + 1
    assert list(rows[0]) == ["Elev-id", "Utbildnings-id", "Val nr", "Lottnummer"]
    assert [str(v) for v in rows[1][:2]] == placements.iloc[0, :2].tolist()
    assert json.loads((full / "run.json").read_text())["report_xlsx_sheets"] == [
        "programmes", "dimensioning", "flows", "placements", "applications"]


def test_the_terminal_rounds_percentages_as_the_documents_do(tmp_path):
    """1,927 of 2,000 placed is 96.35 %: report.html said 96,4 %, the terminal 96.3 % (float formatting).
    The sample places 1,930 of 2,000: the terminal and the page say the same."""
    from admissions.cli._summary import percent

    assert [percent(1927, 2000), percent(73, 2000), percent(0.8165), percent(0.125, decimals=0), percent(2, 3)] == [
        "96.4 %", "3.7 %", "81.7 %", "13 %", "66.7 %"]
    result = run("match", SAMPLE, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "│ 1,930 (96.5 %) │" in result.stdout and "│     70 (3.5 %) │" in result.stdout
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "96,5\u00a0%" in page and "3,5\u00a0%" in page


def test_counts_in_the_terminal_take_the_noun_in_their_number():
    """'Wrote 1 letters (1 municipality files)': every count took the plural."""
    from admissions.cli._summary import counted

    assert [counted(1, "letter"), counted(2000, "letter"), counted(1, "municipality file"), counted(0, "offer")] == [
        "1 letter", "2,000 letters", "1 municipality file", "0 offers"]
