"""Ctrl-C: one line saying what was left, exit status 130, nothing half-written or half-recorded.

Ctrl-C is a KeyboardInterrupt raised where the command is at that moment; here it is raised by
the flush of the output folder (os.fsync), the last step before the swap, where most is at stake.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from typer.testing import CliRunner

from admissions.cli import app

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
