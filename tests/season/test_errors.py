"""The season's error paths from the command line: one 'Error: ...' line naming what is wrong, exit 1, nothing changed."""

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from admissions.cli import app
from admissions.season import store
from admissions.season.rounds import run_round

from .conftest import answers_file

runner = CliRunner()


def fails(*args) -> str:
    """The one error line of a command that must fail with exit status 1."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture(scope="module")
def simulated(small_region, tmp_path_factory) -> Path:
    """A season whose only run is a simulation: nothing binding, nobody holds a seat."""
    season = tmp_path_factory.mktemp("errors") / "season"
    run_round("simulation", small_region, season)
    return season


def test_a_season_that_does_not_exist_is_not_created_by_reading_it(tmp_path):
    line = fails("history", "--season", tmp_path / "nowhere")
    assert line == f"Error: {tmp_path / 'nowhere' / 'season.sqlite'}: no season database here (a round command creates it)"
    assert not (tmp_path / "nowhere").exists()


def test_a_file_that_is_not_a_season_database(tmp_path):
    path = tmp_path / "season.sqlite"
    path.write_bytes(b"placements: not SQLite at all\n" * 10)
    line = fails("history", "--season", path)
    assert line.startswith(f"Error: {path}: not a season database: ")
    assert path.read_bytes() == b"placements: not SQLite at all\n" * 10


def test_a_season_of_another_schema_version(tmp_path):
    path = tmp_path / "season.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                             "INSERT INTO meta VALUES ('schema_version', '99');")
    connection.close()
    assert fails("history", "--season", path) == (
        f"Error: {path}: schema_version == '99', must be {store.SCHEMA_VERSION} (or 1, migrated)")


def test_answers_are_refused_by_a_round_that_takes_none(small_region, simulated, tmp_path):
    answers = answers_file(tmp_path / "answers.csv", [("S0001", "accept")])
    line = fails("round", "final", small_region, "--season", simulated, "--answers", answers)
    assert line.startswith("Error: --answers is for reserve and trial rounds; a final round ")
    assert [r.kind for r in store.history(store.connect(simulated))] == ["simulation"]


def test_a_void_needs_a_reason(simulated):
    assert fails("void", "1", "--season", simulated, "--reason", "   ") == (
        "Error: --reason must say why the run is voided (it is kept in the history)")
    assert store.run(store.connect(simulated), 1).void_at is None


def test_explain_from_a_season_with_no_binding_run(simulated, tmp_path):
    # The same words for explain, lists and letters (lists said 'no ... run to explain').
    expected = (f"Error: {simulated}: no valid preliminary, final or reserve run yet (see admissions history "
                f"--season {simulated})")
    assert fails("explain", "--season", simulated, "S0001") == expected
    assert fails("lists", "--season", simulated, "--out", tmp_path / "lists") == expected
    assert fails("letters", "--season", simulated, "--out", tmp_path / "letters") == expected


def test_answers_of_a_season_where_nobody_holds_a_seat(simulated, tmp_path):
    assert fails("answers", "--season", simulated, "--out", tmp_path / "answers.csv") == (
        f"Error: {simulated}: no valid final or reserve run yet, so nobody holds a seat")
    assert not (tmp_path / "answers.csv").exists()
