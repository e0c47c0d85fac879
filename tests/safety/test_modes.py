"""Output files are the owner's only (0600, folders 0700) unless --shared-output (0644 / 0755)."""

from __future__ import annotations

import os
import stat

from admissions.match import MATCH_FILES

from .conftest import run


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def modes_in(folder) -> dict[str, int]:
    return {path.name: mode(path) for path in folder.iterdir()}


def test_match_outputs_are_private(region, tmp_path):
    out = tmp_path / "out"
    assert run("match", region, "--out", out, "--quiet").exit_code == 0
    assert mode(out) == 0o700
    assert set(modes_in(out).values()) == {0o600}
    assert sorted(modes_in(out)) == sorted(MATCH_FILES)


def test_shared_output_is_readable_by_all(region, tmp_path):
    out = tmp_path / "out"
    assert run("match", region, "--out", out, "--quiet", "--shared-output").exit_code == 0
    assert mode(out) == 0o755
    assert set(modes_in(out).values()) == {0o644}


def test_single_files_and_the_season_are_private(region, tmp_path):
    season = tmp_path / "season"
    assert run("round", "final", region, "--season", season, "--quiet").exit_code == 0
    assert run("round", "simulation", region, "--season", season, "--quiet", "--seed", "5").exit_code == 0
    assert mode(season / "season.sqlite") == 0o600
    moves = tmp_path / "moves.csv"
    result = run("diff", "1", "2", "--season", season, "--csv", moves)
    assert result.exit_code == 0, result.output
    assert mode(moves) == 0o600
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "students.csv").write_text("student_id\n")
    problems = tmp_path / "problems.csv"
    assert run("validate", bad, "--problems-csv", problems).exit_code == 1
    assert mode(problems) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_generate_writes_private_files(tmp_path):
    out = tmp_path / "region"
    assert run("generate", "--out", out, "--students", "50").exit_code == 0
    assert mode(out) == 0o700
    assert set(modes_in(out).values()) == {0o600}
    assert run("generate", "--out", out, "--students", "50", "--force", "--shared-output").exit_code == 0
    assert set(modes_in(out).values()) == {0o644}


def test_the_season_folder_is_private_whatever_the_umask(region, tmp_path):
    # Issue 13: under umask 000 the season folder was 0777 (anyone could replace season.sqlite).
    season = tmp_path / "seasons" / "2027"
    old = os.umask(0)
    try:
        result = run("round", "final", region, "--season", season, "--quiet", "--shared-output")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert mode(tmp_path / "seasons") == 0o700
    assert mode(season) == 0o700
    assert mode(season / "season.sqlite") == 0o600
