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
