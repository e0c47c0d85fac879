"""The README's season example, word for word (at 400 students instead of 20,000)."""

import shlex
from pathlib import Path

import pytest

from typer.testing import CliRunner

from admissions.cli import app
from admissions.season import store

ROOT = Path(__file__).resolve().parents[2]


def season_example() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("### A season, start to end", 1)[1].split("```", 2)[1]
    return [shlex.split(line) for line in block.strip().splitlines()]


@pytest.mark.slow
def test_the_readme_season_runs_word_for_word(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    commands = season_example()
    assert [c[:3] for c in commands][:3] == [["admissions", "generate", "--out"], ["admissions", "round", "preliminary"],
                                             ["admissions", "round", "final"]]
    outputs = []
    for command in commands:
        args = ["400" if word == "20000" else word for word in command[1:]]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (command, result.output)
        outputs.append(result.stdout)
    history = store.history(store.connect(tmp_path / "season-2027"))
    assert [(r.run_id, r.kind, r.base_run_id, r.void_at is not None) for r in history] == [
        (1, "preliminary", None, False), (2, "final", None, False), (3, "reserve", 2, False),
        (4, "trial", 3, False), (5, "reserve", 3, True), (6, "reserve", 3, False), (7, "reserve", 6, False)]
    assert all(r.season["lost"] == 0 for r in history if r.kind in ("reserve", "trial"))
    assert history[4].void_reason == "answers-2.csv held last year's answers"
    for name in ("placements.csv", "applications.csv", "programmes.csv"):
        assert (tmp_path / "out" / "trial-2" / name).read_bytes() != b""
    assert "Run 7 of season-2027" in outputs[-2]
    assert sorted(p.name for p in (tmp_path / "out" / "reserve-3").iterdir()) == sorted(
        ["placements.csv", "applications.csv", "programmes.csv", "dimensioning.csv", "flows.csv",
         "report.xlsx", "report.html", "run.json", "manifest.json"])
