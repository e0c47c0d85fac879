"""The season's error paths from the command line: one 'Error: ...' line naming what is wrong, exit 1, nothing changed."""

import shutil
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


def empty_seasons(folder: Path) -> list[Path]:
    """What a command of an earlier version left when it opened a season that did not exist and failed:
    an empty file, and a SQLite database without a table (schema_version None)."""
    (folder / "zero").mkdir()
    zero = folder / "zero" / "season.sqlite"
    zero.touch()
    (folder / "no tables").mkdir()
    no_tables = folder / "no tables" / "season.sqlite"
    connection = sqlite3.connect(no_tables)
    connection.executescript("CREATE TABLE t (x); DROP TABLE t;")
    connection.close()
    return [zero, no_tables]


def test_an_empty_season_file_is_no_season_yet_to_every_reading_command(tmp_path):
    for path in empty_seasons(tmp_path):
        before = path.read_bytes()
        for args in (["history"], ["explain", "S1"], ["answers", "--out", tmp_path / "a.csv"],
                     ["void", "1", "--reason", "x"]):
            line = fails(*args[:1], *args[1:], "--season", path.parent)
            assert line == f"Error: {path}: empty, no season yet (a round command starts the season in it)"
        assert path.read_bytes() == before
        assert not (tmp_path / "a.csv").exists()


def test_a_round_starts_the_season_in_an_empty_season_file(small_region, tmp_path):
    for path in empty_seasons(tmp_path):
        result = runner.invoke(app, ["round", "preliminary", str(small_region), "--season", str(path.parent)])
        assert result.exit_code == 0, result.output
        assert [(r.run_id, r.kind) for r in store.history(store.connect(path))] == [(1, "preliminary")]
        assert path.stat().st_mode & 0o777 == 0o600
        assert sorted(p.name for p in path.parent.iterdir()) == ["season.sqlite"]


def test_a_refused_round_leaves_an_empty_season_file_as_it_was(small_region, tmp_path):
    for path in empty_seasons(tmp_path):
        before = path.read_bytes()
        line = fails("round", "reserve", small_region, "--season", path.parent)
        assert line == "Error: a reserve round needs a final admission in the season first (a valid final run)"
        assert path.read_bytes() == before
        assert sorted(p.name for p in path.parent.iterdir()) == ["season.sqlite"]


def test_a_table_without_rows_is_not_taken_for_an_empty_season(tmp_path):
    path = tmp_path / "season.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript("CREATE TABLE notes (x);")
    connection.close()
    assert fails("history", "--season", path) == f"Error: {path}: not a season database: no such table: meta"


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


def broken_copy(small_region: Path, folder: Path) -> Path:
    """The small region with one seat count that is not a number."""
    import shutil

    shutil.copytree(small_region, folder)
    lines = (folder / "programmes.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    row = lines[1].rstrip("\n").split(",")
    row[header.index("seats")] = "many"
    lines[1] = ",".join(row) + "\n"
    (folder / "programmes.csv").write_text("".join(lines), encoding="utf-8")
    return folder


def test_a_refused_first_round_leaves_no_season_and_the_next_one_starts_it(small_region, tmp_path):
    broken = broken_copy(small_region, tmp_path / "broken")
    season = tmp_path / "new" / "season-2027"
    result = runner.invoke(app, ["round", "preliminary", str(broken), "--season", str(season), "--quiet"])
    assert result.exit_code == 1 and "programmes.csv" in result.stderr and "'many'" in result.stderr
    assert not (tmp_path / "new").exists()  # neither the database nor the folders made for it
    assert fails("round", "reserve", small_region, "--season", season, "--quiet") == (
        "Error: a reserve round needs a final admission in the season first (a valid final run)")
    assert not (tmp_path / "new").exists()
    assert fails("history", "--season", season) == (
        f"Error: {season / 'season.sqlite'}: no season database here (a round command creates it)")
    result = runner.invoke(app, ["round", "preliminary", str(small_region), "--season", str(season), "--quiet"])
    assert result.exit_code == 0, result.output
    assert [(r.run_id, r.kind) for r in store.history(store.connect(season))] == [(1, "preliminary")]
    assert sorted(p.name for p in season.iterdir()) == ["season.sqlite"]  # no temporary file left
    assert (season / "season.sqlite").stat().st_mode & 0o777 == 0o600
    assert season.stat().st_mode & 0o777 == 0o700


def test_a_refused_later_round_leaves_the_database_byte_identical(small_region, simulated, tmp_path):
    broken = broken_copy(small_region, tmp_path / "broken")
    before = store.season_path(simulated).read_bytes()
    result = runner.invoke(app, ["round", "preliminary", str(broken), "--season", str(simulated), "--quiet"])
    assert result.exit_code == 1 and "'many'" in result.stderr
    assert fails("round", "reserve", small_region, "--season", simulated, "--quiet") == (
        "Error: a reserve round needs a final admission in the season first (a valid final run)")
    assert store.season_path(simulated).read_bytes() == before
    assert sorted(p.name for p in simulated.iterdir()) == ["season.sqlite"]


def test_two_first_rounds_at_once_one_starts_the_season_the_other_is_refused(tmp_path):
    season = tmp_path / "season"
    with store.recording(season) as (first, commit_first):
        with store.recording(season) as (second, commit_second):
            first.execute("INSERT INTO meta VALUES ('started_by', 'first')")
            second.execute("INSERT INTO meta VALUES ('started_by', 'second')")
            commit_first()
            with pytest.raises(store.SeasonError) as refused:
                commit_second()
    path = season / "season.sqlite"
    assert str(refused.value) == (
        f"{path}: the season was started by another command while this round ran (see "
        f"history(season={str(path)!r})); nothing was recorded by this one: run it again")
    connection = store.connect(season)
    assert connection.execute("SELECT value FROM meta WHERE key = 'started_by'").fetchone() == ("first",)
    assert sorted(p.name for p in season.iterdir()) == ["season.sqlite"]


def test_a_first_round_killed_before_its_commit_leaves_only_a_temporary_file_the_next_removes(tmp_path):
    season = tmp_path / "season"
    season.mkdir()
    stale = season / ".season.sqlite.new-999999999-abcd"  # a process id that does not run
    stale.write_bytes(b"")
    with store.recording(season) as (_, commit):
        commit()
    assert sorted(p.name for p in season.iterdir()) == ["season.sqlite"]


def test_export_of_a_run_the_season_does_not_have_writes_nothing(simulated, tmp_path):
    assert fails("export", "--season", simulated, "9", "--out", tmp_path / "out") == (
        f"Error: RUN == 9, must be a run of this season (see admissions history --season {simulated})")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, named", [(["export", "9", "--out", "out"], "RUN"),
                                         (["void", "9", "--reason", "wrong file"], "RUN"),
                                         (["diff", "9", "1"], "RUN_A"), (["diff", "1", "9"], "RUN_B")])
def test_a_run_the_season_does_not_have_is_named_as_the_argument_given(simulated, tmp_path, args, named):
    """export, void and diff named the RUN argument by the library's parameter ('run_id == 9'; diff
    said run_id for either run): named as their help names it, as lists and letters say --run."""
    assert fails(*args, "--season", simulated) == (
        f"Error: {named} == 9, must be a run of this season (see admissions history --season {simulated})")
    assert [r.kind for r in store.history(store.connect(simulated))] == ["simulation"]


def test_a_command_a_message_names_can_be_pasted_into_a_shell(small_region, tmp_path):
    season = tmp_path / "säsong 2027"
    run_round("final", small_region, season)
    line = fails("round", "preliminary", small_region, "--season", season)
    assert line == ("Error: a preliminary round after the final admission is refused: run 1 (final) is in the way; "
                    "to start again, void it and every run based on it: "
                    f"admissions void 1 --season '{season}' --reason TEXT --with-later")
    result = runner.invoke(app, ["round", "simulation", str(small_region), "--season", str(season)])
    assert [line.rstrip() for line in result.stdout.splitlines()[:3]] == [
        f"Simulation round recorded as run 2 in {season}",
        f"No --out: admissions export --season '{season}' 2 --out OUT writes its files",
        "Run 2"]


def test_an_output_folder_that_holds_the_season_is_refused_before_anything(small_region, tmp_path):
    # round --season S --out S on a new season named its temporary file ('holds .season.sqlite.new-PID-X');
    # on an existing one, and export, lists, letters and statistics, 'holds season.sqlite, and no
    # manifest.json says this tool wrote it'.
    new = tmp_path / "new"
    assert fails("round", "final", small_region, "--season", new, "--out", new) == (
        f"Error: {new}: the output folder may not hold the season database ({new / 'season.sqlite'}); "
        "replacing it would delete the season. Give another folder")
    assert not new.exists()
    season = tmp_path / "season"
    run_round("preliminary", small_region, season)
    before = (season / "season.sqlite").read_bytes()
    for args in (["round", "simulation", small_region], ["export", "1"], ["statistics"], ["lists"], ["letters"]):
        assert fails(*args, "--season", season, "--out", season) == (
            f"Error: {season}: the output folder may not hold the season database ({season / 'season.sqlite'}); "
            "replacing it would delete the season. Give another folder"), args
    assert (season / "season.sqlite").read_bytes() == before
    assert sorted(p.name for p in season.iterdir()) == ["season.sqlite"]


def test_history_counts_with_thousands_separators(tmp_path):
    # '20000', '19717' and '5990/997/193' beside '82.0 %': the other tables print 2,000.
    sample = Path(__file__).resolve().parents[2] / "data" / "samples" / "skane-2000"
    season = tmp_path / "season"
    run_round("preliminary", sample, season)
    result = runner.invoke(app, ["history", "--season", str(season)])
    row = next(line for line in result.stdout.splitlines() if "preliminary" in line)
    cells = [cell.strip() for cell in row.split("│")]
    assert cells[7] == "2,000"
    placed = store.history(store.connect(season))[0].placed
    assert cells[8] == f"{placed:,}" and "," in cells[8]


@pytest.mark.parametrize("reason, shown", [
    ("wrong\nfile", "'wrong\\nfile'"),  # printed in the history's cell and on every document of the run
    ("\x1b[31mred", "'\\x1b[31mred'"),  # an escape sequence reached the terminal in history
    ("abc\u202edef", "'abc\\u202edef'"),  # a right-to-left override
])
def test_a_void_reason_is_one_line_of_plain_text(simulated, reason, shown):
    assert fails("void", "1", "--season", simulated, "--reason", reason) == (
        f"Error: --reason == {shown}, must be one line of text without control or formatting characters")
    assert store.run(store.connect(simulated), 1).void_at is None


def test_brackets_in_a_folder_or_a_reason_are_printed_not_read_as_styles(small_region, tmp_path):
    # rich read '[red]' in the input folder's name and '[b]...[/b]' in a void reason as styles: both vanished.
    region = tmp_path / "in [red]x"
    shutil.copytree(small_region, region)
    season = tmp_path / "s [b]"
    run_round("simulation", region, season)
    reason = "answers [b]2026[/b] [red]"
    assert runner.invoke(app, ["void", "1", "--season", str(season), "--reason", reason]).exit_code == 0
    shown = runner.invoke(app, ["history", "--season", str(season)]).stdout
    assert shown.splitlines()[0].rstrip() == f"Runs in {season}"
    assert "[b]2026[/b] [red]" in shown and "[red]x" in shown
    assert "…" not in shown  # the long input path is folded, not cut


def test_a_season_given_as_a_file_is_that_file_whatever_its_name(simulated, tmp_path):
    # '--season notes.txt' was read as the folder notes.txt/ ('notes.txt/season.sqlite: no season
    # database here'), and a copy of the database named season.db3 could not be opened.
    notes = tmp_path / "notes.txt"
    notes.write_text("notes\n")
    assert fails("history", "--season", notes) == f"Error: {notes}: not a season database: file is not a database"
    assert notes.read_text() == "notes\n"
    copy = tmp_path / "season.db3"
    shutil.copy(simulated / "season.sqlite", copy)
    result = runner.invoke(app, ["history", "--season", str(copy)])
    assert result.exit_code == 0 and result.stdout.startswith(f"Runs in {copy}")


def test_a_season_folder_named_as_a_parameter_is_never_renamed(simulated, tmp_path, monkeypatch):
    """diff 1 9 --season run_b printed 'RUN_B == 9 ... (see admissions history --season RUN_B)': the
    CLI renamed every whole word run_b of the finished message, the user's folder too."""
    (tmp_path / "run_b").mkdir()
    shutil.copy(store.season_path(simulated), store.season_path(tmp_path / "run_b"))
    monkeypatch.chdir(tmp_path)
    assert fails("diff", "1", "9", "--season", "run_b") == (
        "Error: RUN_B == 9, must be a run of this season (see admissions history --season run_b)")


def test_a_season_that_cannot_be_written_is_refused_before_the_round_computes(simulated, small_region, tmp_path,
                                                                              monkeypatch):
    """A season on a read-only copy, mount or share (tests run as root, which writes any file, so the
    database is opened read-only as SQLite opens such a file): the round says so before it computes
    anything, where it computed the whole round and failed when it recorded its run."""
    season = tmp_path / "season"
    shutil.copytree(simulated, season)
    before = (season / "season.sqlite").read_bytes()
    real = sqlite3.connect

    def read_only(database, *args, **kwargs):
        if Path(database).name == "season.sqlite" and not kwargs.get("uri"):
            return real(f"{Path(database).resolve().as_uri()}?mode=ro", *args, uri=True, **kwargs)
        return real(database, *args, **kwargs)

    def computed(*args, **kwargs):
        raise AssertionError("the round was computed")

    monkeypatch.setattr(sqlite3, "connect", read_only)
    monkeypatch.setattr("admissions.season.rounds.prepare_round", computed)
    line = fails("round", "simulation", small_region, "--season", season)
    assert line == (f"Error: {season}: season database: attempt to write a readonly database (the season's file "
                    "or folder cannot be written here: a read-only copy, mount or share; history, explain, export, "
                    "lists and statistics can still read it)")
    assert (season / "season.sqlite").read_bytes() == before
    assert runner.invoke(app, ["history", "--season", str(season)]).exit_code == 0
