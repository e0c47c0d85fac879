"""Every failure ends in one line on stderr and a non-zero exit: OS and SQLite faults, option and environment ranges.

Faults are injected by monkeypatching the operating-system calls every write goes through
(os.mkdir, os.fsync, os.rename, os.replace, os.chmod, tempfile.mkstemp) and the season's SQLite
calls; never by filling the real disk.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from admissions.cli import app
from admissions.io.atomic import MANIFEST

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "analysis" / "data" / "small"
runner = CliRunner()

SCENARIOS = "scenario,programme_id,seats\nmore_a,A,+1\n"
#: The OS faults: a full disk, a read-only file system, no permission.
FAULTS = {
    errno.ENOSPC: "No space left on device",
    errno.EROFS: "Read-only file system",
    errno.EACCES: "Permission denied",
}
#: The calls a fault is injected into: creating a folder, flushing, the swap, the file modes, a single file.
POINTS = ("os.mkdir", "os.fsync", "os.rename", "os.replace", "os.chmod", "tempfile.mkstemp")


def invoke(args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def work_made(tmp_path_factory) -> Path:
    """The small round, a scenarios file and an earlier season with two runs, made once per module."""
    made = tmp_path_factory.mktemp("work")
    folder = made / "input"
    shutil.copytree(SMALL, folder)
    (made / "scenarios.csv").write_text(SCENARIOS)
    season = made / "season"
    assert invoke(["round", "final", folder, "--season", season, "--quiet", "--seed", 1]).exit_code == 0
    assert invoke(["round", "simulation", folder, "--season", season, "--quiet", "--seed", 2]).exit_code == 0
    return made


@pytest.fixture()
def work(work_made, tmp_path):
    """A private copy of ``work_made`` (modes kept): each test may change its input and season."""
    for entry in work_made.iterdir():
        if entry.is_dir():
            shutil.copytree(entry, tmp_path / entry.name)
        else:
            shutil.copy2(entry, tmp_path / entry.name)
    return tmp_path


def commands(work: Path) -> dict[str, list]:
    """Every command that writes, with its arguments, writing below ``work``."""
    folder = work / "input"
    return {
        "match": ["match", folder, "--out", work / "out-match", "--quiet"],
        "round": ["round", "simulation", folder, "--season", work / "season", "--quiet"],
        "round --out": ["round", "simulation", folder, "--season", work / "season", "--out", work / "out-round", "--quiet"],
        "round (new season)": ["round", "simulation", folder, "--season", work / "new-season", "--quiet"],
        "whatif": ["whatif", folder, "--scenarios", work / "scenarios.csv", "--out", work / "out-whatif", "--workers", 1,
                   "--quiet"],
        "sweep": ["sweep", folder, "--programme", "A", "--seats", "1:2", "--out", work / "out-sweep", "--workers", 1,
                  "--quiet"],
        "lottery": ["lottery", folder, "--draws", 3, "--out", work / "out-lottery", "--workers", 1, "--quiet"],
        "generate": ["generate", "--out", work / "out-generate", "--students", 30, "--force"],
        # --force: the tests run a command again on what it wrote (an existing file is refused without).
        "validate --problems-csv": ["validate", folder, "--problems-csv", work / "problems.csv", "--force"],
        "diff --csv": ["diff", 1, 2, "--season", work / "season", "--csv", work / "moves.csv", "--force"],
    }


COMMANDS = list(commands(Path("/")))
#: Commands whose failure must leave the season as it was (`round --out` swaps OUT inside the
#: transaction that records the run: a run is recorded only with its OUT complete).
RECORDED_ONLY_WHOLE = ("round", "round --out")


def failing(real, code: int, at_call: int = 1):
    """``real`` that raises OSError(code) on its ``at_call``-th call (counted from 1) and works otherwise."""
    calls = {"n": 0}

    def call(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == at_call:
            raise OSError(code, os.strerror(code), str(args[0]) if args else None)
        return real(*args, **kwargs)

    return call


def inject(monkeypatch, point: str, code: int, at_call: int = 1) -> None:
    module, name = point.split(".")
    target = {"os": os, "tempfile": tempfile}[module]
    monkeypatch.setattr(target, name, failing(getattr(target, name), code, at_call))


def assert_one_line(result, *needles: str) -> None:
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in result.output


def season_runs(season: Path) -> int:
    with sqlite3.connect(season / "season.sqlite") as connection:
        return connection.execute("SELECT count(*) FROM runs").fetchone()[0]


def assert_nothing_half_written(work: Path) -> None:
    """No temporary folder or file is left, and an OUT that exists is complete (its manifest lists it)."""
    leftovers = [p.name for p in work.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    assert leftovers == []
    for out in work.glob("out-*"):
        if out.name == "out-generate":
            assert (out / "programmes.csv").is_file()  # an input folder: no manifest
        else:
            assert (out / MANIFEST).is_file() and (out / "run.json").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_under_each_fault_ends_in_one_line(work, monkeypatch, command):
    """Each command, each injection point, one of the three faults: one line, exit 1, nothing half-written."""
    args = commands(work)[command]
    for i, point in enumerate(POINTS):
        code = list(FAULTS)[(i + COMMANDS.index(command)) % len(FAULTS)]
        runs_before = season_runs(work / "season")
        # A new season each time: a final recorded where the fault did not strike would make the
        # next try a second final, which the season refuses before any fault can happen.
        shutil.rmtree(work / "new-season", ignore_errors=True)
        with monkeypatch.context() as patch:
            inject(patch, point, code)
            result = invoke(args)
        if result.exit_code == 0:
            continue  # this command does not call this function (e.g. no os.fsync without OUT)
        assert_one_line(result, FAULTS[code])
        assert_nothing_half_written(work)
        if command in RECORDED_ONLY_WHOLE:
            assert season_runs(work / "season") == runs_before, f"{point}: a failed round was recorded"


#: The commands that write a folder, each met by every fault at the first folder it creates: one
#: fault each in the quick set (the three in turn, so that every fault fires there too), the other
#: two in the full suite.
WRITING_FAULTS = [
    pytest.param(command, code, id=f"{command}-{errno.errorcode[code]}",
                 marks=() if i % len(FAULTS) == j else pytest.mark.slow)
    for i, command in enumerate(["match", "whatif", "lottery", "round --out", "generate"])
    for j, code in enumerate(FAULTS)
]


@pytest.mark.parametrize("command, code", WRITING_FAULTS)
def test_each_writing_command_meets_every_fault_somewhere(work, monkeypatch, command, code):
    """The faults really fire: at the first folder the command creates, every fault gives its own line."""
    with monkeypatch.context() as patch:
        inject(patch, "os.mkdir", code)
        result = invoke(commands(work)[command])
    assert_one_line(result, FAULTS[code])


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS), point=st.sampled_from(POINTS), code=st.sampled_from(list(FAULTS)),
       at_call=st.integers(1, 6))
def test_random_faults_in_writes(work, monkeypatch, command, point, code, at_call):
    """A fault at any call of any write: either the command succeeds whole, or one line and nothing half-written."""
    runs_before = season_runs(work / "season")
    shutil.rmtree(work / "new-season", ignore_errors=True)  # the examples share `work`: a new season each
    with monkeypatch.context() as patch:
        inject(patch, point, code, at_call)
        result = invoke(commands(work)[command])
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        if command.startswith("round") and command != "round (new season)":
            assert season_runs(work / "season") == runs_before + 1
    else:
        assert_one_line(result, FAULTS[code])
        if command in RECORDED_ONLY_WHOLE:
            assert season_runs(work / "season") == runs_before
    assert_nothing_half_written(work)


@pytest.mark.parametrize("message, name, expected", [
    ("database is locked", "SQLITE_BUSY", "database is locked (another command held the season database too long"),
    ("database or disk is full", "SQLITE_FULL", "database or disk is full"),
    ("attempt to write a readonly database", "SQLITE_READONLY", "attempt to write a readonly database"),
])
def test_season_database_errors_are_one_line(work, monkeypatch, message, name, expected):
    from admissions.season import store

    def broken(*args, **kwargs):
        error = sqlite3.OperationalError(message)
        error.sqlite_errorname = name  # as SQLite sets it
        raise error

    monkeypatch.setattr(store, "insert_run", broken)
    result = invoke(commands(work)["round"])
    assert_one_line(result, "season database: " + expected, str(work / "season"))
    monkeypatch.setattr(sqlite3, "connect", broken)
    for command in (["history", "--season", work / "season"], commands(work)["diff --csv"]):
        assert_one_line(invoke(command), expected)


def test_a_season_folder_that_cannot_be_created_is_one_line(work, monkeypatch):
    # Issue 13: a --season folder on a read-only file system, or without permission, gave a traceback.
    for code in (errno.EROFS, errno.EACCES):
        with monkeypatch.context() as patch:
            inject(patch, "os.mkdir", code)
            result = invoke(commands(work)["round (new season)"])
        assert_one_line(result)
        assert result.stderr == (f"Error: {work / 'new-season' / 'season.sqlite'}: cannot create the season's "
                                 f"folder: {FAULTS[code]}\n")
        assert not (work / "new-season").exists()


def test_an_input_folder_that_cannot_be_entered_is_one_line(work, monkeypatch):
    # Issue 13: an input path under a folder the user cannot enter gave a traceback. (Tests run as
    # root, which enters every folder, so the refusal is injected.)
    real = Path.iterdir

    def iterdir(self):
        if self.name == "input":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    for command in ("match", "validate --problems-csv", "whatif", "round"):
        assert_one_line(invoke(commands(work)[command]), "Permission denied", "input")


@pytest.mark.parametrize("command", ["match", "round", "whatif", "sweep", "lottery", "generate", "demand", "answers"])
@pytest.mark.parametrize("seed", ["99999999999999999999", str(2**63), "-1"])
def test_seed_out_of_range_is_refused_everywhere(work, command, seed):
    # Issue 13: --seed 99999999999999999999 overflowed SQLite in `round`; match accepted it.
    args = (["demand", work / "input", "--out", work / "out-demand", "--quiet"] if command == "demand"
            else ["answers", "--season", work / "season", "--out", work / "answers.csv"] if command == "answers"
            else commands(work)[command])
    result = invoke(args + ["--seed", seed])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Invalid value for '--seed'" in result.stderr
    assert ("greater than or equal to 0" if seed == "-1" else "less than or equal to 9223372036854775807") in " ".join(
        result.stderr.replace("│", " ").split())


def test_the_largest_seed_is_accepted_and_recorded(work):
    seed = 2**63 - 1
    result = invoke(commands(work)["round --out"] + ["--seed", seed])
    assert result.exit_code == 0, result.output
    assert season_runs(work / "season") == 3


def test_a_seed_out_of_range_in_admissions_toml_is_one_line(work):
    (work / "input" / "admissions.toml").write_text(f"seed = {2**63}\n")
    for command in ("match", "round", "validate --problems-csv"):
        result = invoke(commands(work)[command])
        assert result.exit_code == 1, (command, result.output)
        assert "seed == 9223372036854775808" in result.stderr
        assert "Traceback" not in result.output


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "0", "-5", "many", "1e10"])
def test_max_input_mb_must_be_a_positive_finite_number(work, value):
    for command in ("match", "validate --problems-csv"):
        result = invoke(commands(work)[command], env={"ADMISSIONS_MAX_INPUT_MB": value})
        assert_one_line(result, f"ADMISSIONS_MAX_INPUT_MB == {value!r}, must be a number of megabytes")


def test_a_positive_max_input_mb_is_accepted(work):
    result = invoke(commands(work)["match"], env={"ADMISSIONS_MAX_INPUT_MB": "0.5"})
    assert result.exit_code == 0, result.output


def test_history_shows_runs_whose_out_is_not_on_disk(work):
    # Issue 13: a run could be recorded while its OUT never appeared; history now tells.
    out = work / "out-round"
    result = invoke(commands(work)["round --out"])
    assert result.exit_code == 0, result.output
    shown = invoke(["history", "--season", work / "season"])
    assert shown.exit_code == 0
    assert "not on disk" not in shown.stdout
    shutil.rmtree(out)
    shown = invoke(["history", "--season", work / "season"])
    assert "(not on disk)" in shown.stdout
    # The command to write it again, whole on a line of its own: it named no season nor OUT. Said by
    # step_command, its arguments in the command's order (--season first, as its help and the README), as
    # every command a message names.
    assert shown.stdout.splitlines()[-1] == (
        f"Run 3's OUT is not on disk: admissions export --season {work / 'season'} 3 --out {out} writes it again")


@pytest.mark.parametrize("text, word", [
    ("season-2027", "season-2027"), ("säsong/2027.sqlite", "säsong/2027.sqlite"), ("TEXT", "TEXT"),
    ("säsong 2027", "'säsong 2027'"), ("it's", "'it'\"'\"'s'"), ("a;b", "'a;b'"), ("$HOME", "'$HOME'"), ("", "''"),
])
def test_a_word_of_a_suggested_command_is_quoted_only_where_a_shell_needs_it(text, word):
    from admissions.cli._output import shell_word

    assert shell_word(text) == word


@pytest.mark.parametrize("command", ["match", "round --out", "whatif", "sweep", "lottery", "generate", "demand"])
def test_an_output_folder_that_cannot_be_written_is_refused_before_any_work(work, monkeypatch, command):
    # demand, whatif, generate computed everything and then failed at the write ('... write' and then
    # the error): the folder beside OUT is tried first. Without --quiet, one line on stderr is also
    # proof that no step started (each prints '... STEP').
    args = (["demand", work / "input", "--out", work / "out-demand"] if command == "demand"
            else [a for a in commands(work)[command] if a != "--quiet"])
    inject(monkeypatch, "tempfile.mkdtemp", errno.EROFS)
    result = invoke(args)
    out = args[args.index("--out") + 1]
    assert_one_line(result)
    assert result.stderr == f"Error: {out}: cannot create the output folder: Read-only file system\n"
    assert not Path(out).exists()
