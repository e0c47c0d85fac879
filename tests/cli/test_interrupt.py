"""Ctrl-C: one line saying what was left, exit status 130, nothing half-written or half-recorded.

Ctrl-C is a KeyboardInterrupt raised where the command is at that moment; here it is raised by
the flush of the output folder (os.fsync), the last step before the swap, where most is at stake.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest

from typer.testing import CliRunner

from admissions.cli import app
from admissions.io import atomic
from admissions.io.policy import make_folders

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "analysis" / "data" / "small"
runner = CliRunner()


def invoke(args):
    return runner.invoke(app, [str(a) for a in args])


def ctrl_c(*args, **kwargs):
    raise KeyboardInterrupt


def test_ctrl_c_in_match_is_one_line_and_leaves_no_output(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fsync", ctrl_c)
    result = invoke(["match", SMALL, "--out", tmp_path / "out", "--quiet"])
    assert result.exit_code == 130, result.output
    assert result.stderr == "Error: interrupted (Ctrl-C); no file was left half-written\n"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_in_a_round_says_where_to_see_the_season(tmp_path, monkeypatch):
    folder = tmp_path / "input"
    shutil.copytree(SMALL, folder)
    season = tmp_path / "season"
    assert invoke(["round", "final", folder, "--season", season, "--quiet"]).exit_code == 0
    recorded = (season / "season.sqlite").read_bytes()
    monkeypatch.setattr(os, "fsync", ctrl_c)
    result = invoke(["round", "simulation", folder, "--season", season, "--out", tmp_path / "out", "--quiet"])
    assert result.exit_code == 130, result.output
    assert result.stderr == (f"Error: interrupted (Ctrl-C); no file was left half-written and no run half-recorded: "
                             f"admissions history --season {season} shows what the season holds\n")
    monkeypatch.undo()
    assert (season / "season.sqlite").read_bytes() == recorded
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input", "season"]
    assert invoke(["history", "--season", season]).output.count("simulation") == 0


def test_folders_made_for_out_are_removed_when_the_command_stops(tmp_path, monkeypatch):
    """OUT's missing parents, made for its temporary folder, went with neither Ctrl-C nor a failed
    write: an empty a/b was left where a refused command leaves nothing."""
    monkeypatch.setattr(os, "fsync", ctrl_c)
    assert invoke(["match", SMALL, "--out", tmp_path / "a" / "b" / "out", "--quiet"]).exit_code == 130
    monkeypatch.setattr(os, "replace", ctrl_c)  # a single file is renamed into place, not flushed
    assert invoke(["validate", SMALL, "--problems-csv", tmp_path / "c" / "problems.csv"]).exit_code == 130
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = invoke(["match", SMALL, "--out", tmp_path / "a" / "b" / "out", "--quiet"])
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {tmp_path / 'a' / 'b' / 'out'}: cannot write")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "mine.txt").write_text("kept")
    assert invoke(["match", SMALL, "--out", tmp_path / "a" / "b" / "out", "--quiet"]).exit_code == 1
    assert [p.name for p in tmp_path.rglob("*")] == ["a", "mine.txt"]


def fail_at_second_mkdir(monkeypatch, error):
    """Make Path.mkdir raise ``error`` at its second call; returns the list of folders it was asked for."""
    real_mkdir = Path.mkdir
    asked = []

    def mkdir(self, *args, **kwargs):
        asked.append(self)
        if len(asked) == 2:
            raise error
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    return asked


@pytest.mark.parametrize("error", [OSError(13, "Permission denied"), KeyboardInterrupt()])
def test_make_folders_removes_what_it_made_when_it_fails_partway(tmp_path, monkeypatch, error):
    """make_folders failing at its second folder returned nothing, so the first stayed behind."""
    asked = fail_at_second_mkdir(monkeypatch, error)
    with pytest.raises(type(error)):
        make_folders(tmp_path / "a" / "b" / "c")
    monkeypatch.undo()
    assert asked == [tmp_path / "a", tmp_path / "a" / "b"]
    assert list(tmp_path.iterdir()) == []


def test_a_failed_second_mkdir_for_out_leaves_nothing(tmp_path, monkeypatch):
    fail_at_second_mkdir(monkeypatch, OSError(13, "Permission denied"))
    out = tmp_path / "a" / "b" / "out"
    result = invoke(["match", SMALL, "--out", out, "--quiet"])
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {out}: cannot create the output folder: Permission denied\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", [(atomic, "remove_stale_staging"), (tempfile, "mkdtemp"), (tempfile, "mkstemp")])
def test_ctrl_c_before_the_temporary_folder_exists_removes_the_folders_made(tmp_path, monkeypatch, where):
    """Ctrl-C while stale temporary folders were removed or the new one made (only OSError was
    caught there): OUT's missing parents, just made, stayed."""
    module, name = where
    real = getattr(module, name)

    made = {(tmp_path / "a" / "b").resolve(), (tmp_path / "c" / "d").resolve()}

    def ctrl_c_for_out(*args, **kwargs):  # mkdtemp and mkstemp serve others too: only the one in the folders made
        if name == "remove_stale_staging" or Path(kwargs.get("dir", "")).resolve() in made:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, ctrl_c_for_out)
    if where[1] == "mkstemp":  # a single file's temporary file
        result = invoke(["validate", SMALL, "--problems-csv", tmp_path / "c" / "d" / "problems.csv"])
    else:
        result = invoke(["match", SMALL, "--out", tmp_path / "a" / "b" / "out", "--quiet"])
    monkeypatch.undo()
    assert result.exit_code == 130, result.output
    assert result.stderr == "Error: interrupted (Ctrl-C); no file was left half-written\n"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_in_a_command_reading_the_season_says_nothing_of_the_season(tmp_path, monkeypatch):
    """Ctrl-C in a command that only reads the season told the user to run history --season S to see
    what the season holds, as if a run might have been half-recorded: the plain line; the season
    sentence only for the commands that record (round, void)."""
    folder = tmp_path / "input"
    shutil.copytree(SMALL, folder)
    season = tmp_path / "season"
    assert invoke(["round", "final", folder, "--season", season, "--quiet"]).exit_code == 0
    plain = "Error: interrupted (Ctrl-C); no file was left half-written\n"
    recording = (f"Error: interrupted (Ctrl-C); no file was left half-written and no run half-recorded: "
                 f"admissions history --season {season} shows what the season holds\n")
    commands = {
        "history": ["history", "--season", season],
        "export": ["export", "--season", season, "1", "--out", tmp_path / "again"],
        "statistics": ["statistics", "--season", season, "--out", tmp_path / "stats"],
        "answers": ["answers", "--season", season, "--out", tmp_path / "answers.csv"],
        "void": ["void", "1", "--season", season, "--reason", "test"],
    }
    monkeypatch.setattr(sqlite3, "connect", ctrl_c)
    said = {name: invoke(args) for name, args in commands.items()}
    monkeypatch.undo()
    assert {name: (r.exit_code, r.stderr) for name, r in said.items()} == {
        "history": (130, plain), "export": (130, plain), "statistics": (130, plain), "answers": (130, plain),
        "void": (130, recording),
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input", "season"]
