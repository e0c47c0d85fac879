"""The season database: one SQLite file (no server) that records every run of the admission year.

Schema (version 1), documented in docs/season.md as well:

``runs``
    run_id INTEGER PRIMARY KEY, kind (preliminary, final, reserve, simulation), started_at and
    finished_at (ISO 8601, UTC), tool_version, seed, config (JSON), input_folder, base_run_id (the
    run whose placements a reserve round guarantees), record (the whole run.json, JSON).
``run_inputs``
    run_id, name (contract file), file, sha256, rows: every input file of a run.
``placements``
    run_id, student_id, programme_id and choice_rank (NULL when unplaced), merit, lottery.
``applications``
    run_id, student_id, choice_rank, programme_id, eligible, tier, score, outcome,
    reserve_position: every application as the run saw it.
``answers``
    run_id, student_id, answer (accept, decline, withdraw), programme_id (the seat declined or
    accepted; NULL for a withdrawal or a student without a seat): the answers a reserve round
    applied. They hold for the rest of the season.

Every run is written in one transaction (BEGIN IMMEDIATE ... COMMIT): a run that fails or is killed
half-way leaves the database as it was, and a second command writing at the same time waits for the
first (up to ``BUSY_TIMEOUT_S``) instead of interleaving with it. The journal mode is the default
rollback journal, so after a command ends the season is a single file that can be copied and
opened with any SQLite tool.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from admissions.errors import AdmissionsError
from admissions.io.safety import make_folders

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 60.0
DB_NAME = "season.sqlite"
RUN_KINDS = ("preliminary", "final", "reserve", "simulation")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('preliminary', 'final', 'reserve', 'simulation')),
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    seed INTEGER NOT NULL,
    config TEXT NOT NULL,
    input_folder TEXT NOT NULL,
    base_run_id INTEGER REFERENCES runs(run_id),
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_inputs (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    name TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows INTEGER,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS placements (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    student_id TEXT NOT NULL,
    programme_id TEXT,
    choice_rank INTEGER,
    merit REAL,
    lottery REAL NOT NULL,
    PRIMARY KEY (run_id, student_id)
);
CREATE TABLE IF NOT EXISTS applications (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    student_id TEXT NOT NULL,
    choice_rank INTEGER NOT NULL,
    programme_id TEXT NOT NULL,
    eligible INTEGER,
    tier INTEGER,
    score REAL,
    outcome TEXT NOT NULL,
    reserve_position INTEGER,
    PRIMARY KEY (run_id, student_id, choice_rank)
);
CREATE TABLE IF NOT EXISTS answers (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    student_id TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('accept', 'decline', 'withdraw')),
    programme_id TEXT,
    PRIMARY KEY (run_id, student_id)
);
"""


class SeasonError(AdmissionsError):
    """The season database is missing, of another schema version, or does not hold what was asked."""


@dataclass(frozen=True)
class RunSummary:
    """One row of the season's history."""

    run_id: int
    kind: str
    started_at: str
    seed: int
    base_run_id: int | None
    students: int
    placed: int
    placed_first_choice: int
    input_folder: str


def season_path(season: Path) -> Path:
    """The database file of a season given as a folder (created on first use) or as the file itself."""
    season = Path(season)
    if season.suffix in (".sqlite", ".db", ".sqlite3"):
        return season
    return season / DB_NAME


def connect(season: Path, create: bool = False) -> sqlite3.Connection:
    """Open the season's database; with ``create`` make it (and its folder) when it does not exist."""
    path = season_path(season)
    if not path.exists():
        if not create:
            raise SeasonError(f"{path}: no season database here (a round command creates it)")
        # Personal data: the folders, the database (and the journal SQLite makes with the same
        # mode) are the owner's only, whatever the umask and --shared-output.
        make_folders(path.parent, shared=False)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        connection.execute("PRAGMA foreign_keys = ON")
        if create:
            with transaction(connection):
                _create(connection)
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise SeasonError(f"{path}: not a season database: {exc}") from exc
    if version is None or int(version[0]) != SCHEMA_VERSION:
        found = None if version is None else version[0]
        raise SeasonError(f"{path}: schema_version == {found!r}, must be {SCHEMA_VERSION}")
    return connection


def _create(connection: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            connection.execute(statement)
    connection.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
    )


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (KeyboardInterrupt included)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def insert_run(
    connection: sqlite3.Connection,
    *,
    kind: str,
    record: dict,
    input_folder: str,
    finished_at: str,
    base_run_id: int | None,
    placements: Iterable[tuple],
    applications: Iterable[tuple],
    answers: Iterable[tuple] = (),
) -> int:
    """Record one run with all its rows in one transaction; returns the new run id.

    ``placements`` rows: (student_id, programme_id, choice_rank, merit, lottery);
    ``applications`` rows: (student_id, choice_rank, programme_id, eligible, tier, score, outcome,
    reserve_position); ``answers`` rows: (student_id, answer, programme_id).
    """
    if kind not in RUN_KINDS:
        raise SeasonError(f"kind == {kind!r}, must be one of {', '.join(RUN_KINDS)}")
    with transaction(connection):
        cursor = connection.execute(
            "INSERT INTO runs (kind, started_at, finished_at, tool_version, seed, config, input_folder,"
            " base_run_id, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, record["started_at"], finished_at, record["version"], record["seed"],
             json.dumps(record["config"], sort_keys=True), input_folder, base_run_id,
             json.dumps(record, sort_keys=True, ensure_ascii=False)),
        )
        run_id = int(cursor.lastrowid)
        connection.executemany(
            "INSERT INTO run_inputs (run_id, name, file, sha256, rows) VALUES (?, ?, ?, ?, ?)",
            [(run_id, name, e["file"], e["sha256"], e["rows"]) for name, e in record["inputs"].items()],
        )
        connection.executemany(
            "INSERT INTO placements VALUES (?, ?, ?, ?, ?, ?)", ((run_id, *row) for row in placements)
        )
        connection.executemany(
            "INSERT INTO applications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((run_id, *row) for row in applications),
        )
        connection.executemany("INSERT INTO answers VALUES (?, ?, ?, ?)", ((run_id, *row) for row in answers))
    return run_id


def history(connection: sqlite3.Connection) -> list[RunSummary]:
    """Every run of the season, oldest first."""
    rows = connection.execute(
        "SELECT run_id, kind, started_at, seed, base_run_id, record, input_folder FROM runs ORDER BY run_id"
    ).fetchall()
    summaries = []
    for run_id, kind, started_at, seed, base, record, folder in rows:
        counts = json.loads(record)["counts"]
        summaries.append(RunSummary(run_id, kind, started_at, seed, base, counts["students"],
                                    counts["placed"], counts["placed_first_choice"], folder))
    return summaries


def run_kind(connection: sqlite3.Connection, run_id: int) -> str:
    """The kind of a run; SeasonError when the season has no such run."""
    row = connection.execute("SELECT kind FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    if row is None:
        raise SeasonError(f"run_id == {run_id}, must be a run of this season (see admissions history)")
    return str(row[0])


def season_answers(connection: sqlite3.Connection, run_id: int) -> list[tuple[str, str, str | None]]:
    """Every answer given in the reserve rounds from the final admission up to ``run_id``, oldest first.

    Follows base_run_id back from ``run_id`` to the final round; rows (student_id, answer,
    programme_id).
    """
    chain = []
    current: int | None = run_id
    while current is not None:
        kind, base = connection.execute(
            "SELECT kind, base_run_id FROM runs WHERE run_id = ?", (current,)
        ).fetchone()
        if kind != "reserve":
            break
        chain.append(current)
        current = base
    rows: list[tuple[str, str, str | None]] = []
    for run in reversed(chain):
        rows += connection.execute(
            "SELECT student_id, answer, programme_id FROM answers WHERE run_id = ? ORDER BY student_id", (run,)
        ).fetchall()
    return rows


def latest_run(connection: sqlite3.Connection, kinds: tuple[str, ...]) -> int | None:
    """The newest run of one of these kinds, or None."""
    marks = ", ".join("?" for _ in kinds)
    row = connection.execute(
        f"SELECT MAX(run_id) FROM runs WHERE kind IN ({marks})", kinds
    ).fetchone()
    return None if row[0] is None else int(row[0])
