"""--pseudonymise: stable keyed pseudonyms in every output, the key nowhere; aggregate outputs carry no student ids."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
import zipfile

import pandas as pd
import pytest

from admissions.errors import ConfigError
from admissions.io.pseudonyms import KEY_ENV, Pseudonymiser, pseudonym_key

from .conftest import KEY, read_text_csv, run

STUDENT_FILES = ("placements.csv", "applications.csv")
AGGREGATE_FILES = ("programmes.csv", "dimensioning.csv", "flows.csv", "report.html", "report.xlsx", "run.json")


def expected_pseudonym(student_id: str, key: str = KEY) -> str:
    return "p_" + hmac.new(key.encode(), student_id.encode(), hashlib.sha256).hexdigest()[:16]


def output_text(path) -> str:
    """The text of an output file; of an .xlsx, every part of the zip."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ids(region) -> list[str]:
    return read_text_csv(region / "students.csv")["student_id"].tolist()


@pytest.fixture(scope="module")
def plain(region, tmp_path_factory):
    out = tmp_path_factory.mktemp("plain") / "out"
    result = run("match", region, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def pseudonymised(region, tmp_path_factory):
    out = tmp_path_factory.mktemp("pseudo") / "out"
    result = run("match", region, "--out", out, "--quiet", "--pseudonymise", env={KEY_ENV: KEY})
    assert result.exit_code == 0, result.output
    return out


def test_pseudonym_is_hmac_sha256_of_the_id():
    p = Pseudonymiser(KEY.encode())
    assert p.pseudonym("S000001") == expected_pseudonym("S000001")
    assert len(p.pseudonym("S000001")) == 18
    assert p.pseudonym("S000001") != Pseudonymiser(b"another-key-0123456789").pseudonym("S000001")
    values = p.ids(pd.Series(["S1", None, "S2"], dtype=object))
    assert values.tolist() == [expected_pseudonym("S1"), None, expected_pseudonym("S2")]  # missing stays missing
    assert KEY not in repr(p)


def test_no_key_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(ConfigError) as error:
        pseudonym_key()
    # The library names its parameters; the CLI names them as its options (test_match_without_a_key_exits_1_and_writes_nothing).
    assert str(error.value) == (
        "pseudonymise needs a key: set ADMISSIONS_PSEUDONYM_KEY or give pseudonym_key_file FILE "
        "(at least 16 bytes, kept secret; there is no default key)")
    assert error.value.parameters == ("pseudonymise", "pseudonym_key_file")
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(ConfigError, match=r"^ADMISSIONS_PSEUDONYM_KEY: the key has 5 bytes, must have at least 16$"):
        pseudonym_key()
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    assert pseudonym_key(key_file) == KEY.encode()
    with pytest.raises(ConfigError, match=r"pseudonym key file .*missing: cannot be read: No such file"):
        pseudonym_key(tmp_path / "missing")


def test_match_without_a_key_exits_1_and_writes_nothing(region, tmp_path):
    out = tmp_path / "out"
    result = run("match", region, "--out", out, "--pseudonymise", env={KEY_ENV: ""})
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --pseudonymise needs a key: set ADMISSIONS_PSEUDONYM_KEY or give --pseudonym-key-file FILE "
        "(at least 16 bytes, kept secret; there is no default key)\n")
    assert "Traceback" not in result.output
    assert not out.exists()


def test_student_files_hold_pseudonyms_only(pseudonymised, ids):
    placements = read_text_csv(pseudonymised / "placements.csv")
    assert placements["student_id"].tolist() == [expected_pseudonym(i) for i in ids]
    applications = read_text_csv(pseudonymised / "applications.csv")
    assert set(applications["student_id"]) <= set(placements["student_id"])
    everything = "\n".join(output_text(pseudonymised / name) for name in (*STUDENT_FILES, *AGGREGATE_FILES))
    assert KEY not in everything
    assert set(re.findall(r"S\d{6}", everything)) & set(ids) == set()


def test_run_json_says_ids_were_pseudonymised_without_the_key(pseudonymised):
    record = json.loads((pseudonymised / "run.json").read_text(encoding="utf-8"))
    assert record["pseudonymised"] == {
        "columns": ["student_id"],
        "method": "p_ + first 16 hex digits of HMAC-SHA256(key, id)",
        "key": "not recorded",
    }


def test_pseudonyms_are_stable_across_runs_and_the_rest_is_unchanged(region, pseudonymised, plain, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    again = tmp_path / "again"
    result = run("match", region, "--out", again, "--quiet", "--pseudonym-key-file", key_file)
    assert result.exit_code == 0, result.output
    for name in STUDENT_FILES:
        assert (again / name).read_bytes() == (pseudonymised / name).read_bytes(), name
    for name in ("programmes.csv", "dimensioning.csv", "flows.csv", "report.xlsx"):
        assert (pseudonymised / name).read_bytes() == (plain / name).read_bytes(), name
    plain_placements = read_text_csv(plain / "placements.csv")
    pseudo_placements = read_text_csv(pseudonymised / "placements.csv")
    assert plain_placements.drop(columns="student_id").equals(pseudo_placements.drop(columns="student_id"))


def test_aggregate_outputs_carry_no_student_ids(plain, ids):
    assert all(re.fullmatch(r"S\d{6}", i) for i in ids)
    assert set(re.findall(r"S\d{6}", output_text(plain / "placements.csv"))) == set(ids)  # the search finds them
    for name in AGGREGATE_FILES:
        assert set(re.findall(r"S\d{6}", output_text(plain / name))) & set(ids) == set(), name
    with zipfile.ZipFile(plain / "report.xlsx") as archive:
        assert "xl/worksheets/sheet5.xml" not in archive.namelist()  # cover, programmes, dimensioning, flows only


def test_explain_with_pseudonymise_looks_up_the_real_id(pseudonymised):
    result = run("explain", pseudonymised, "S000002", "--pseudonymise", env={KEY_ENV: KEY})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Student {expected_pseudonym('S000002')} ")
    assert "S000002" not in result.stdout
    missing = run("explain", pseudonymised, "S000002")
    assert missing.exit_code == 1
    assert "student_id == 'S000002', must be a student of" in missing.stderr
    assert "Traceback" not in missing.output


def test_round_keeps_real_ids_in_the_season_and_pseudonyms_in_out(region, tmp_path, ids):
    season, out = tmp_path / "season", tmp_path / "out"
    result = run("round", "final", region, "--season", season, "--out", out, "--quiet", "--pseudonymise",
                 env={KEY_ENV: KEY})
    assert result.exit_code == 0, result.output
    assert read_text_csv(out / "placements.csv")["student_id"].tolist() == [expected_pseudonym(i) for i in ids]
    with sqlite3.connect(season / "season.sqlite") as connection:
        stored = [row[0] for row in connection.execute("SELECT student_id FROM placements ORDER BY student_id")]
    assert stored == sorted(ids)


def test_lottery_students_are_pseudonymised(region, tmp_path, ids):
    out = tmp_path / "lottery"
    result = run("lottery", region, "--out", out, "--draws", "3", "--workers", "1", "--quiet", "--pseudonymise",
                 env={KEY_ENV: KEY})
    assert result.exit_code == 0, result.output
    students = read_text_csv(out / "lottery_students.csv")
    assert set(students["student_id"]) == {expected_pseudonym(i) for i in ids}
    assert "pseudonymised" in json.loads((out / "run.json").read_text(encoding="utf-8"))
