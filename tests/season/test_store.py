"""The season database: docs/season.md's schema, the migration of version-1 seasons, two writers at once."""

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from admissions.season import store
from admissions.season.kinds import ROUND_KINDS, RUN_KINDS
from admissions.season.rounds import export_run, run_round

from .conftest import answers_file, placed

ROOT = Path(__file__).resolve().parents[2]

V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (run_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('preliminary', 'final', 'reserve', 'simulation')),
    started_at TEXT NOT NULL, finished_at TEXT NOT NULL, tool_version TEXT NOT NULL, seed INTEGER NOT NULL,
    config TEXT NOT NULL, input_folder TEXT NOT NULL, base_run_id INTEGER REFERENCES runs(run_id), record TEXT NOT NULL);
CREATE TABLE run_inputs (run_id INTEGER NOT NULL REFERENCES runs(run_id), name TEXT NOT NULL, file TEXT NOT NULL,
    sha256 TEXT NOT NULL, rows INTEGER, PRIMARY KEY (run_id, name));
CREATE TABLE placements (run_id INTEGER NOT NULL REFERENCES runs(run_id), student_id TEXT NOT NULL, programme_id TEXT,
    choice_rank INTEGER, merit REAL, lottery REAL NOT NULL, PRIMARY KEY (run_id, student_id));
CREATE TABLE applications (run_id INTEGER NOT NULL REFERENCES runs(run_id), student_id TEXT NOT NULL,
    choice_rank INTEGER NOT NULL, programme_id TEXT NOT NULL, eligible INTEGER, tier INTEGER, score REAL,
    outcome TEXT NOT NULL, reserve_position INTEGER, PRIMARY KEY (run_id, student_id, choice_rank));
CREATE TABLE answers (run_id INTEGER NOT NULL REFERENCES runs(run_id), student_id TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('accept', 'decline', 'withdraw')), programme_id TEXT,
    PRIMARY KEY (run_id, student_id));
INSERT INTO meta VALUES ('schema_version', '1');
"""


def documented_schema() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "season.md").read_text(encoding="utf-8")
    section = text.split("## Schema (version 2)", 1)[1]
    tables = {}
    for line in section.splitlines():
        match = re.match(r"\| `(\w+)` \| (.*) \|$", line)
        if match:
            cell = re.sub(r"\([^)]*\)", "", match.group(2))  # notes in brackets are not columns
            tables[match.group(1)] = re.findall(r"`(\w+)`", cell)
    return tables


def test_docs_schema_matches_the_database(tmp_path):
    with store.recording(tmp_path / "season") as (connection, _):
        assert documented_schema() == store.table_columns(connection)
        assert connection.execute("SELECT value FROM meta").fetchone() == (str(store.SCHEMA_VERSION),)


def test_the_kind_constraint_cli_choices_and_type_come_from_one_table(tmp_path):
    from admissions.cli.round import RoundKind

    assert [k.value for k in RoundKind] == list(ROUND_KINDS) == list(RUN_KINDS)
    with store.recording(tmp_path / "season") as (connection, _):
        sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'runs'").fetchone()[0]
    assert "CHECK (kind IN ('preliminary', 'final', 'reserve', 'trial', 'simulation'))" in sql


def test_a_version_1_season_is_migrated_and_goes_on(small_region, final_admission, tmp_path):
    source = sqlite3.connect(store.season_path(final_admission.season))
    old_path = tmp_path / "old" / "season.sqlite"
    old_path.parent.mkdir()
    old = sqlite3.connect(old_path)
    old.executescript(V1_SCHEMA)
    old.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", source.execute(
        "SELECT run_id, kind, started_at, finished_at, tool_version, seed, config, input_folder, base_run_id, record FROM runs"))
    for table in ("run_inputs", "placements", "applications"):
        rows = source.execute(f"SELECT * FROM {table}").fetchall()
        old.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in rows[0])})", rows)
    old.commit()
    old.close()

    connection = store.connect(old_path)
    assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("2",)
    assert store.table_columns(connection) == documented_schema()
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    connection.close()
    holders = sorted(placed(old_path, 1))
    _, record = run_round("trial", small_region, old_path,
                          answers=answers_file(tmp_path / "a.csv", [(holders[0], "decline")]))
    assert (record["kind"], record["base_run_id"]) == ("trial", 1)
    with pytest.raises(store.SeasonError, match=r"run 1: its output files are not in the season \(recorded before schema 2\)"):
        export_run(old_path, 1, tmp_path / "out")


@pytest.mark.slow
def test_two_reserve_rounds_at_once_run_one_after_the_other_on_the_right_base(small_region, tmp_path):
    season = tmp_path / "season"
    run_round("final", small_region, season)
    holders = sorted(placed(season, 1))
    first = answers_file(tmp_path / "first.csv", [(holders[0], "decline"), (holders[1], "withdraw")])
    second = answers_file(tmp_path / "second.csv", [(holders[2], "decline")])
    command = [sys.executable, "-m", "admissions", "round", "reserve", str(small_region), "--season", str(season), "-q"]
    processes = [subprocess.Popen(command + ["--answers", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for path in (first, second)]
    for process in processes:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err.decode()
    connection = store.connect(season)
    history = store.history(connection)
    assert [(r.kind, r.base_run_id) for r in history] == [("final", None), ("reserve", 1), ("reserve", 2)]
    # Both answers files count: every decline and the withdrawal hold in the last run.
    answered = store.season_answers(connection, 3)
    assert sorted((s, a) for s, a, _, _ in answered) == sorted(
        [(holders[0], "decline"), (holders[1], "withdraw"), (holders[2], "decline")])
    last = placed(season, 3)
    first_seats = placed(season, 1)
    assert holders[1] not in last
    for student in (holders[0], holders[2]):
        assert last.get(student) != first_seats[student]


def test_the_season_records_every_application_as_applications_csv_says(final_admission):
    """Season rows come from the round's arrays, not from parsing the formatted file: both agree, cell by cell."""
    import pandas as pd

    written = pd.read_csv(final_admission.out / "applications.csv", dtype=str, keep_default_na=False)
    connection = sqlite3.connect(store.season_path(final_admission.season))
    recorded = connection.execute(
        "SELECT student_id, choice_rank, programme_id, eligible, tier, score, outcome, reserve_position"
        " FROM applications WHERE run_id = 1").fetchall()
    connection.close()
    assert len(recorded) == len(written) > 0

    def text(value) -> str:
        return "" if value is None else str(value)

    as_csv = sorted((s, str(c), p, {None: "", 1: "true", 0: "false"}[e], text(t), s2, o, text(r))
                    for s, c, p, e, t, s2, o, r in ((*row[:5], "" if row[5] is None else f"{row[5]:g}", *row[6:])
                                                    for row in recorded))
    expected = sorted(zip(written["student_id"], written["choice_rank"], written["programme_id"], written["eligible"],
                          written["tier"], [f"{float(v):g}" if v else "" for v in written["score"]],
                          written["outcome"], written["reserve_position"]))
    assert as_csv == expected
    assert {row[3] for row in recorded} <= {0, 1}
    assert {"admitted", "reserve"} <= {row[6] for row in recorded}


def test_a_season_made_before_a_kind_was_added_takes_runs_of_the_new_kind(small_region, tmp_path, after_final):
    """Adding a round kind is one entry of ROUND_KINDS: an existing season's CHECK follows when it is opened."""
    season = after_final
    path = store.season_path(season)
    old = sqlite3.connect(path, isolation_level=None)
    sql = old.execute("SELECT sql FROM sqlite_master WHERE name = 'runs'").fetchone()[0]
    assert "'trial', " in sql
    old.execute("PRAGMA foreign_keys = OFF")
    old.executescript("BEGIN; " + sql.replace("'trial', ", "").replace("CREATE TABLE runs", "CREATE TABLE runs_old", 1)
                      + "; INSERT INTO runs_old SELECT * FROM runs; DROP TABLE runs; ALTER TABLE runs_old RENAME TO runs;"
                      " COMMIT;")
    with pytest.raises(sqlite3.IntegrityError):  # what the season was: no trial could be recorded
        old.execute("UPDATE runs SET kind = 'trial' WHERE run_id = 1")
    old.close()

    holders = sorted(placed(season, 1))
    _, record = run_round("trial", small_region, season,
                          answers=answers_file(tmp_path / "a.csv", [(holders[0], "decline")]))
    assert (record["kind"], record["run_id"], record["base_run_id"]) == ("trial", 2, 1)
    connection = store.connect(season)
    assert "CHECK (kind IN ('preliminary', 'final', 'reserve', 'trial', 'simulation'))" in connection.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'runs'").fetchone()[0]
    assert [(r.run_id, r.kind) for r in store.history(connection)] == [(1, "final"), (2, "trial")]
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    connection.close()


def test_a_season_holding_a_kind_no_longer_known_is_a_clear_error(after_final):
    season = after_final
    path = store.season_path(season)
    old = sqlite3.connect(path, isolation_level=None)
    sql = old.execute("SELECT sql FROM sqlite_master WHERE name = 'runs'").fetchone()[0]
    old.execute("PRAGMA foreign_keys = OFF")
    old.executescript("BEGIN; " + sql.replace("'trial', ", "'trial', 'lottery_rerun', ")
                      .replace("CREATE TABLE runs", "CREATE TABLE runs_old", 1)
                      + "; INSERT INTO runs_old SELECT * FROM runs; DROP TABLE runs; ALTER TABLE runs_old RENAME TO runs;"
                      " UPDATE runs SET kind = 'lottery_rerun'; COMMIT;")
    old.close()
    with pytest.raises(store.SeasonError, match=r"holds runs of kinds this version does not know \(lottery_rerun\), "
                                                 r"must be one of preliminary, final, reserve, trial, simulation"):
        store.connect(season)
