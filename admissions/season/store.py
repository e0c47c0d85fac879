"""The season database: one SQLite file (no server) that records every run of the admission year.

Every SQL statement of the season is in this module. Schema (version 2), documented in
docs/season.md as well (tests/season checks that the two agree):

``meta``
    key, value: ``schema_version`` (2).
``runs``
    run_id INTEGER PRIMARY KEY, kind (admissions.season.kinds), started_at and finished_at (ISO
    8601, UTC), tool_version, seed, config (JSON), input_folder, base_run_id (the run whose
    placements a reserve or trial round guarantees), record (the whole run.json, JSON), void_at and
    void_reason (NULL while the run is valid).
``run_inputs``
    run_id, name (contract file), file, sha256, rows: every input file of a run.
``placements``
    run_id, student_id, programme_id and choice_rank (NULL when unplaced), merit, lottery.
``applications``
    run_id, student_id, choice_rank, programme_id, eligible, tier, score, outcome,
    reserve_position: every application as the run saw it.
``answers``
    run_id, student_id, answer (accept, decline, withdraw), programme_id (the seat declined or
    accepted; NULL for a withdrawal or a student without a seat), source (``file``: answers.csv;
    ``no_answer``: a holder who did not answer, under ``no_answer = "accept"``): the answers a
    reserve round applied. They hold for the rest of the season unless their run is voided.
``run_files``
    run_id, name, content: every file of the run's output folder as written (``admissions export``
    writes them back byte for byte).

A version-1 season is migrated to version 2 when it is first opened (in one transaction): runs
gains void_at and void_reason and the kind ``trial``, answers gains source, run_files is added.
Its lottery numbers stay what they were (numpy permutations then): a season keeps each student's
number from the first run that saw the student.

Every run is written in one transaction (BEGIN IMMEDIATE ... COMMIT): a run that fails or is killed
half-way leaves the database as it was, and a second command writing at the same time waits for the
first (up to ``BUSY_TIMEOUT_S``) instead of interleaving with it. A round reads its base inside
that transaction, so a second round started at the same time starts from the first one's result.
The journal mode is the default rollback journal, so after a command ends the season is a single
file that can be copied and opened with any SQLite tool.

A season is created only by the commit of its first run (:func:`recording`): it is built in a
temporary file beside it and linked into place then, so a refused first round leaves nothing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from admissions.errors import AdmissionsError, Step
from admissions.io.atomic import DATABASE_COMPANIONS
from admissions.io.policy import make_folders, remove_made_folders
from admissions.season.kinds import BASE_KINDS, BINDING_KINDS, RUN_KINDS, kind_check

SCHEMA_VERSION = 2
#: How long a command waits for another one writing the season (a large round holds the lock while it matches).
BUSY_TIMEOUT_S = 3600.0
DB_NAME = "season.sqlite"

RUNS_TABLE = f"""
CREATE TABLE IF NOT EXISTS {{name}} (
    run_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL {kind_check()},
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    seed INTEGER NOT NULL,
    config TEXT NOT NULL,
    input_folder TEXT NOT NULL,
    base_run_id INTEGER REFERENCES runs(run_id),
    record TEXT NOT NULL,
    void_at TEXT,
    void_reason TEXT
)"""

SCHEMA = RUNS_TABLE.format(name="runs") + """;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
    source TEXT NOT NULL DEFAULT 'file' CHECK (source IN ('file', 'no_answer')),
    PRIMARY KEY (run_id, student_id)
);
CREATE TABLE IF NOT EXISTS run_files (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
"""

#: Statements that take a version-1 season to version 2 (run with foreign keys off, in one transaction).
MIGRATE_1_TO_2 = (
    RUNS_TABLE.format(name="runs_v2"),
    "INSERT INTO runs_v2 (run_id, kind, started_at, finished_at, tool_version, seed, config, input_folder,"
    " base_run_id, record) SELECT run_id, kind, started_at, finished_at, tool_version, seed, config,"
    " input_folder, base_run_id, record FROM runs",
    "DROP TABLE runs",
    "ALTER TABLE runs_v2 RENAME TO runs",
    "ALTER TABLE answers ADD COLUMN source TEXT NOT NULL DEFAULT 'file' CHECK (source IN ('file', 'no_answer'))",
    "CREATE TABLE IF NOT EXISTS run_files (run_id INTEGER NOT NULL REFERENCES runs(run_id), name TEXT NOT NULL,"
    " content BLOB NOT NULL, PRIMARY KEY (run_id, name))",
    "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
)


_RUNS_COLUMNS = ("run_id, kind, started_at, finished_at, tool_version, seed, config, input_folder, base_run_id, "
                 "record, void_at, void_reason")
#: Statements that rebuild the runs table under the CHECK of the kinds known now (ROUND_KINDS): a
#: season made before a kind was added takes runs of the new kind with no new schema version.
REBUILD_RUNS = (
    RUNS_TABLE.format(name="runs_rebuilt"),
    f"INSERT INTO runs_rebuilt ({_RUNS_COLUMNS}) SELECT {_RUNS_COLUMNS} FROM runs",
    "DROP TABLE runs",
    "ALTER TABLE runs_rebuilt RENAME TO runs",
)


class SeasonError(AdmissionsError):
    """The season database is missing, of another schema version, or does not hold what was asked,
    or a round, an answer or a void breaks the order of the season."""


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
    void_at: str | None
    void_reason: str | None
    season: dict  # the run's "season" block of run.json: answers applied, moved up, newly placed, lost
    out: str | None = None  # the folder `round --out` wrote, None when it wrote none

    @property
    def out_on_disk(self) -> bool | None:
        """Whether OUT holds this run's run.json (None when the run wrote no OUT)."""
        if self.out is None:
            return None
        try:
            return json.loads((Path(self.out) / "run.json").read_text(encoding="utf-8")).get("run_id") == self.run_id
        except (OSError, ValueError, AttributeError):
            return False


@dataclass(frozen=True)
class RunRow:
    """One run as recorded."""

    run_id: int
    kind: str
    base_run_id: int | None
    seed: int
    void_at: str | None
    void_reason: str | None
    record: dict

    @property
    def void_note(self) -> str:
        """' (void since T: REASON)' after a void run's name in a line of output, '' for a run that holds."""
        return "" if self.void_at is None else f" (void since {self.void_at}: {self.void_reason})"


class SeasonConnection(sqlite3.Connection):
    """A connection to a season's database that knows the season's path (as given), for messages
    that name a next step on it (``admissions history --season S``) even where only the connection
    is at hand. A first round's connection opens a temporary file but names the season's path."""

    season: Path | None = None


def _history_step(connection: sqlite3.Connection) -> Step:
    season = getattr(connection, "season", None)
    return Step.call("history") if season is None else Step.call("history", season=season)


def season_path(season: Path) -> Path:
    """The database file of a season given as a folder (created on first use) or as the file itself."""
    season = Path(season)
    if season.suffix in (".sqlite", ".db", ".sqlite3") or season.is_file():
        return season  # a file given is the database, whatever its name: never a folder below a file
    return season / DB_NAME


#: SQLite error kinds that are faults of the machine (busy, locked, full, read-only, cannot open,
#: I/O, permission), not of the file: connect lets them through rather than calling the file no season.
_FAULTS = [["SQLITE", kind] for kind in ("BUSY", "LOCKED", "FULL", "READONLY", "CANTOPEN", "IOERR", "PERM")]


def connect(season: Path) -> sqlite3.Connection:
    """Open the season's database (migrating a version-1 season); SeasonError when there is none.

    A round creates a season with :func:`recording`, never here: a command that fails leaves no
    season behind.
    """
    path = season_path(season)
    if not path.exists():
        raise SeasonError(f"{path}: no season database here (a round command creates it)")
    if holds_nothing(path):
        raise SeasonError(f"{path}: empty, no season yet (a round command starts the season in it)")
    return _open(path, season)


def holds_nothing(path: Path) -> bool:
    """Whether ``path`` is an empty file or a SQLite database without a single table: what a command of
    an earlier version left when it opened a season that did not exist and then failed. It holds no
    run, so nothing can be lost: a round starts the season in it (:func:`recording`), and every other
    command says there is no season yet. Anything else (a table, even empty; not SQLite) is opened as
    a season and refused when it is not one."""
    try:
        if path.stat().st_size == 0:
            return True
        # Read-only: looking must never create or change anything.
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            return connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    except (OSError, sqlite3.DatabaseError):
        return False  # unreadable or not SQLite: opening it says why


def _open(file: Path, season: Path, create: bool = False) -> sqlite3.Connection:
    """Open ``file`` as the season ``season`` (as given: the folder, or the file; its database is
    named in messages); with ``create`` give it the schema."""
    path = season_path(season)
    try:
        connection = sqlite3.connect(file, timeout=BUSY_TIMEOUT_S, isolation_level=None, factory=SeasonConnection)
        connection.season = Path(season)
        if create:
            with transaction(connection):
                _create(connection)
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if version is not None and version[0] == "1":
            _migrate(connection)
            version = ("2",)
        connection.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        if (getattr(exc, "sqlite_errorname", None) or "").split("_")[:2] in _FAULTS:
            raise  # locked, disk full, read-only: not the file's fault; the command says so (admissions.cli)
        raise SeasonError(f"{path}: not a season database: {exc}") from exc
    if version is None or int(version[0]) != SCHEMA_VERSION:
        found = None if version is None else version[0]
        raise SeasonError(f"{path}: schema_version == {found!r}, must be {SCHEMA_VERSION} (or 1, migrated)")
    if kind_check() not in _runs_sql(connection):
        _rebuild_runs(connection, path)
    return connection


def _pending_prefix(path: Path) -> str:
    return f".{path.name}.new-"


@contextmanager
def recording(season: Path) -> Iterator[tuple[sqlite3.Connection, Callable[[], None]]]:
    """Open the season for a round inside BEGIN IMMEDIATE; yields ``(connection, commit)``.

    The round records its run and calls ``commit()``; an exception before that rolls it back. An
    existing season is committed when the block ends (``commit()`` does nothing there). A season
    that does not exist yet is built in a private temporary file beside it
    (``.season.sqlite.new-PID-XXXX``): ``commit()`` commits the first run there and links the file
    into place, which fails when the database exists by then (another command started the season
    meanwhile: that one wins and this one records nothing, SeasonError). A failure before leaves
    no database and removes the folders made for it: nothing of a season that never started.
    """
    path = season_path(season)
    if path.exists():
        if holds_nothing(path):
            yield from _recording_in_empty(path, Path(season))
            return
        connection = _open(path, season)  # what connect opens, without looking at the file again
        try:
            with transaction(connection):
                _claim_write(connection)
                yield connection, lambda: None
        finally:
            connection.close()
        return
    # Personal data: the folders, the database (and the journal SQLite makes with the same
    # mode) are the owner's only, whatever the umask and --shared-output.
    try:
        made = make_folders(path.parent, shared=False)
    except OSError as exc:
        raise SeasonError(f"{path}: cannot create the season's folder: {exc.strerror or exc}") from exc
    pending: Path | None = None
    published = False

    def commit() -> None:
        nonlocal published
        connection.execute("COMMIT")
        try:
            _publish(pending, path)
        finally:
            connection.execute("BEGIN IMMEDIATE")  # the block's transaction, now empty, ends as usual
        published = True

    try:
        _remove_stale_pending(path)
        try:
            handle, name = tempfile.mkstemp(prefix=f"{_pending_prefix(path)}{os.getpid()}-", dir=path.parent)  # 0600
        except OSError as exc:
            raise SeasonError(f"{path}: cannot create the season: {exc.strerror or exc}") from exc
        os.close(handle)
        pending = Path(name)
        connection = _open(pending, season, create=True)
        try:
            with transaction(connection):
                yield connection, commit
        finally:
            connection.close()
    finally:
        if pending is not None:
            for end in ("", *DATABASE_COMPANIONS):
                pending.with_name(pending.name + end).unlink(missing_ok=True)
        if not published:
            remove_made_folders(made)


def _claim_write(connection: sqlite3.Connection) -> None:
    """Write a row and take it back: a season SQLite cannot write (a read-only file, folder, mount or
    share) fails here, with SQLITE_READONLY, before the round computes anything, not when it
    records its run at the end. BEGIN IMMEDIATE alone succeeds on a read-only database, and so does
    an update that changes nothing (SQLite writes no page for it, so it opens no journal in the
    folder); the row rolled back to its savepoint leaves the database's bytes as they were."""
    connection.execute("SAVEPOINT claim")
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('claim', '')")
    connection.execute("ROLLBACK TO claim")
    connection.execute("RELEASE claim")


def _recording_in_empty(path: Path, season: Path) -> Iterator[tuple[sqlite3.Connection, Callable[[], None]]]:
    """:func:`recording` for a season file that holds nothing (:func:`holds_nothing`): the schema and the
    first run are written in it in one transaction, under SQLite's write lock, so a round that fails
    leaves it as empty as it was, and of two first rounds started together exactly one records."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, factory=SeasonConnection)
    connection.season = season
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        with transaction(connection):
            if connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] != 0:
                raise _taken(path)
            os.chmod(path, 0o600)  # personal data, as a season this tool creates
            _create(connection)
            yield connection, lambda: None
    finally:
        connection.close()


def _publish(pending: Path, path: Path) -> None:
    """Put the committed new season ``pending`` in place as ``path``, never over a database there."""
    taken = _taken(path)
    try:
        os.link(pending, path)  # atomic, and fails when path exists: exactly one first round wins
    except FileExistsError:
        raise taken from None
    except OSError:
        # A file system without hard links: claim the name exclusively, then replace the empty claim.
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            raise taken from None
        os.replace(pending, path)


def _taken(path: Path) -> SeasonError:
    """A first round that lost the race to start the season."""
    return SeasonError(f"{path}: the season was started by another command while this round ran (see "
                       f"{Step.call('history', season=path)}); nothing was recorded by this one: run it again",
                       steps=(Step.call("history", season=path),))


def _remove_stale_pending(path: Path) -> None:
    """Remove the temporary new seasons of first rounds that were killed (their PID no longer runs)."""
    from admissions.io.atomic import process_running

    prefix = _pending_prefix(path)
    for candidate in path.parent.glob(f"{prefix}*"):
        pid = candidate.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not process_running(int(pid)):
            candidate.unlink(missing_ok=True)


def _runs_sql(connection: sqlite3.Connection) -> str:
    return connection.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'").fetchone()[0]


def _rebuild_runs(connection: sqlite3.Connection, path: Path) -> None:
    """Give the runs table the CHECK of the kinds known now (ROUND_KINDS changed since the season was made)."""
    connection.execute("PRAGMA foreign_keys = OFF")  # the runs table is rebuilt under its references
    try:
        with transaction(connection):
            if kind_check() not in _runs_sql(connection):  # another process may have done it while this one waited
                for statement in REBUILD_RUNS:
                    connection.execute(statement)
    except sqlite3.IntegrityError as exc:
        kinds = sorted({row[0] for row in connection.execute("SELECT DISTINCT kind FROM runs")} - set(RUN_KINDS))
        raise SeasonError(f"{path}: holds runs of kinds this version does not know ({', '.join(kinds)}), "
                          f"must be one of {', '.join(RUN_KINDS)}") from exc
    finally:
        connection.execute("PRAGMA foreign_keys = ON")


def _create(connection: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            connection.execute(statement)
    connection.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
    )


def _migrate(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA foreign_keys = OFF")  # the runs table is rebuilt under its references
    with transaction(connection):
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if version == ("1",):  # another process may have migrated it while this one waited
            for statement in MIGRATE_1_TO_2:
                connection.execute(statement)


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


def next_run_id(connection: sqlite3.Connection) -> int:
    """The id the next run will get (read inside the write transaction, it is the one it gets)."""
    return int(connection.execute("SELECT COALESCE(MAX(run_id), 0) + 1 FROM runs").fetchone()[0])


def insert_run(
    connection: sqlite3.Connection,
    *,
    run_id: int,
    kind: str,
    record: dict,
    input_folder: str,
    finished_at: str,
    base_run_id: int | None,
    placements: Iterable[tuple],
    applications: Iterable[tuple],
    answers: Iterable[tuple] = (),
    files: Iterable[tuple[str, bytes]] = (),
) -> int:
    """Record one run with all its rows; the caller holds the write transaction. Returns ``run_id``.

    ``placements`` rows: (student_id, programme_id, choice_rank, merit, lottery);
    ``applications`` rows: (student_id, choice_rank, programme_id, eligible, tier, score, outcome,
    reserve_position); ``answers`` rows: (student_id, answer, programme_id, source); ``files``:
    (name, bytes) of the output folder.
    """
    if kind not in RUN_KINDS:
        raise SeasonError(f"kind == {kind!r}, must be one of {', '.join(RUN_KINDS)}")
    connection.execute(
        "INSERT INTO runs (run_id, kind, started_at, finished_at, tool_version, seed, config, input_folder,"
        " base_run_id, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, kind, record["started_at"], finished_at, record["version"], record["seed"],
         json.dumps(record["config"], sort_keys=True), input_folder, base_run_id,
         json.dumps(record, sort_keys=True, ensure_ascii=False)),
    )
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
    connection.executemany(
        "INSERT INTO answers (run_id, student_id, answer, programme_id, source) VALUES (?, ?, ?, ?, ?)",
        ((run_id, *row) for row in answers),
    )
    connection.executemany(
        "INSERT INTO run_files (run_id, name, content) VALUES (?, ?, ?)",
        ((run_id, name, zlib.compress(content, 6)) for name, content in files),
    )
    return run_id


def run_files(connection: sqlite3.Connection, run_id: int) -> list[tuple[str, bytes]]:
    """Every file of the run's output folder, as written when it ran (the run exists: :func:`run` first)."""
    rows = connection.execute(
        "SELECT name, content FROM run_files WHERE run_id = ? ORDER BY rowid", (run_id,)
    ).fetchall()
    if not rows:
        raise SeasonError(f"run {run_id}: its output files are not in the season (recorded before schema 2)")
    return [(name, zlib.decompress(content)) for name, content in rows]


def history(connection: sqlite3.Connection) -> list[RunSummary]:
    """Every run of the season, oldest first, void runs included."""
    rows = connection.execute(
        "SELECT run_id, kind, started_at, seed, base_run_id, record, input_folder, void_at, void_reason"
        " FROM runs ORDER BY run_id"
    ).fetchall()
    summaries = []
    for run_id, kind, started_at, seed, base, record, folder, void_at, void_reason in rows:
        record = json.loads(record)
        counts = record["counts"]
        summaries.append(RunSummary(run_id, kind, started_at, seed, base, counts["students"],
                                    counts["placed"], counts["placed_first_choice"], folder,
                                    void_at, void_reason, record.get("season", {}), record.get("out")))
    return summaries


def run(connection: sqlite3.Connection, run_id: int, parameter: str = "run_id") -> RunRow:
    """One run; SeasonError when the season has no such run, naming it as the caller's ``parameter``
    (``run_b == 9, must be a run of this season``)."""
    row = connection.execute(
        "SELECT run_id, kind, base_run_id, seed, void_at, void_reason, record FROM runs WHERE run_id = ?",
        (run_id,),
    ).fetchone()
    if row is None:
        history = _history_step(connection)
        raise SeasonError("{" + parameter + "} == {value}, must be a run of this season (see {history})",
                          parameters=(parameter,), values={"value": run_id, "history": history})
    return RunRow(*row[:6], json.loads(row[6]))


def run_kind(connection: sqlite3.Connection, run_id: int, parameter: str = "run_id") -> str:
    """The kind of a run; SeasonError when the season has no such run (:func:`run`)."""
    return run(connection, run_id, parameter).kind


def latest_valid_run(connection: sqlite3.Connection, kinds: tuple[str, ...]) -> int | None:
    """The newest valid (not void) run of one of these kinds, or None."""
    marks = ", ".join("?" for _ in kinds)
    row = connection.execute(
        f"SELECT MAX(run_id) FROM runs WHERE void_at IS NULL AND kind IN ({marks})", kinds
    ).fetchone()
    return None if row[0] is None else int(row[0])


def latest_base(connection: sqlite3.Connection) -> int | None:
    """The run the next reserve or trial round starts from: the newest valid final or reserve run."""
    return latest_valid_run(connection, BASE_KINDS)


def valid_dependants(connection: sqlite3.Connection, run_id: int) -> list[int]:
    """Valid runs that started from ``run_id``."""
    rows = connection.execute(
        "SELECT run_id FROM runs WHERE base_run_id = ? AND void_at IS NULL ORDER BY run_id", (run_id,)
    ).fetchall()
    return [int(r[0]) for r in rows]


def void(connection: sqlite3.Connection, run_ids: list[int], at: str, reason: str) -> None:
    """Mark runs void (the caller holds the write transaction and has checked the order)."""
    connection.executemany(
        "UPDATE runs SET void_at = ?, void_reason = ? WHERE run_id = ? AND void_at IS NULL",
        [(at, reason, r) for r in run_ids],
    )


def held_seats(connection: sqlite3.Connection, run_id: int) -> dict[str, str]:
    """student_id -> programme_id of every student placed in the run."""
    return dict(connection.execute(
        "SELECT student_id, programme_id FROM placements WHERE run_id = ? AND programme_id IS NOT NULL",
        (run_id,),
    ).fetchall())


def placement_ranks(connection: sqlite3.Connection, run_id: int) -> dict[str, int]:
    """student_id -> choice_rank of every student placed in the run."""
    return dict(connection.execute(
        "SELECT student_id, choice_rank FROM placements WHERE run_id = ? AND programme_id IS NOT NULL",
        (run_id,),
    ).fetchall())


def season_answers(connection: sqlite3.Connection, run_id: int) -> list[tuple[str, str, str | None, int]]:
    """Every answer given in the reserve rounds from the final admission up to ``run_id``, oldest first.

    Follows base_run_id back from ``run_id`` to the final round (a base is always valid, and so is
    every run it started from); rows (student_id, answer, programme_id, run_id).
    """
    chain = []
    current: int | None = run_id
    while current is not None:
        kind, base = connection.execute(
            "SELECT kind, base_run_id FROM runs WHERE run_id = ?", (current,)
        ).fetchone()
        if kind not in ("reserve", "trial"):
            break
        chain.append(current)
        current = base
    rows: list[tuple[str, str, str | None, int]] = []
    for r in reversed(chain):
        rows += connection.execute(
            "SELECT student_id, answer, programme_id, run_id FROM answers WHERE run_id = ? ORDER BY student_id", (r,)
        ).fetchall()
    return rows


def run_answer_counts(connection: sqlite3.Connection, run_id: int) -> dict[str, int]:
    """Answers a run applied, per answer."""
    counts = dict(connection.execute(
        "SELECT answer, COUNT(*) FROM answers WHERE run_id = ? GROUP BY answer", (run_id,)
    ).fetchall())
    return {a: int(counts.get(a, 0)) for a in ("accept", "decline", "withdraw")}


def recorded_lottery(connection: sqlite3.Connection) -> dict[str, float]:
    """Each student's lottery number from the first valid binding run that saw the student."""
    marks = ", ".join("?" for _ in BINDING_KINDS)
    rows = connection.execute(
        "SELECT p.student_id, p.lottery, MIN(p.run_id) FROM placements p JOIN runs r ON r.run_id = p.run_id"
        f" WHERE r.void_at IS NULL AND r.kind IN ({marks}) GROUP BY p.student_id",
        BINDING_KINDS,
    ).fetchall()
    return {student: lottery for student, lottery, _ in rows}


def season_seed(connection: sqlite3.Connection) -> tuple[int, int] | None:
    """(seed, run_id) of the first valid binding run: the seed of the season's lottery; None before it."""
    marks = ", ".join("?" for _ in BINDING_KINDS)
    row = connection.execute(
        f"SELECT seed, run_id FROM runs WHERE void_at IS NULL AND kind IN ({marks}) ORDER BY run_id LIMIT 1",
        BINDING_KINDS,
    ).fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


def placements(connection: sqlite3.Connection, run_id: int) -> list[tuple]:
    """(student_id, programme_id, choice_rank, merit, lottery) of every student of the run."""
    return connection.execute(
        "SELECT student_id, programme_id, choice_rank, merit, lottery FROM placements WHERE run_id = ?", (run_id,)
    ).fetchall()


def applications(connection: sqlite3.Connection, run_id: int) -> list[tuple]:
    """(student_id, choice_rank, programme_id, outcome) of every application of the run, by student and rank."""
    return connection.execute(
        "SELECT student_id, choice_rank, programme_id, outcome FROM applications WHERE run_id = ?"
        " ORDER BY student_id, choice_rank",
        (run_id,),
    ).fetchall()


def admitted_merits(connection: sqlite3.Connection, run_id: int) -> list[tuple]:
    """(programme_id, merit, score) of every student admitted in the run, by offer.

    ``merit`` is the student's merit value (no test points; NULL for one without, e.g. in the free
    quota); ``score`` what the offer ranked them by (merit plus the offer's test points).
    """
    return connection.execute(
        "SELECT a.programme_id, p.merit, a.score FROM applications a JOIN placements p"
        " ON p.run_id = a.run_id AND p.student_id = a.student_id"
        " WHERE a.run_id = ? AND a.outcome = 'admitted' ORDER BY a.programme_id, a.student_id",
        (run_id,),
    ).fetchall()


def run_answers(connection: sqlite3.Connection, run_id: int) -> dict[str, str]:
    """student_id -> answer given in the run."""
    return dict(connection.execute(
        "SELECT student_id, answer FROM answers WHERE run_id = ?", (run_id,)
    ).fetchall())


def table_columns(connection: sqlite3.Connection) -> dict[str, list[str]]:
    """Every table of the season and its columns, as SQLite has them."""
    tables = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    )]
    return {t: [row[1] for row in connection.execute(f"PRAGMA table_info({t})")] for t in tables}
