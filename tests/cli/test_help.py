"""Every command's help shows its source's texts as written (brackets, defaults), and --version."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from admissions import __version__
from admissions.cli import app

runner = CliRunner()
#: The app's click command, built once (40-60 CPU ms from the 18 commands' signatures).
COMMAND = typer.main.get_command(app)
COMMANDS = sorted(COMMAND.commands)


def plain(text: str) -> str:
    """Whitespace as one space; a line broken after a hyphen (cut-/off) joined again."""
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text)).strip()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"admissions {__version__}\n"


@pytest.mark.parametrize("name", COMMANDS)
def test_help_shows_every_text_of_the_source(name):
    command = COMMAND.commands[name]
    result = runner.invoke(app, [name, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    shown = plain(result.output)
    callback = command.callback
    for paragraph in inspect.cleandoc(callback.__doc__).split("\n\n"):
        assert plain(paragraph) in shown, (name, paragraph)
    for param in command.params:
        if isinstance(param, (click.Option, click.Argument)) and getattr(param, "help", None):
            assert plain(param.help) in shown, (name, param.name)


def test_brackets_and_defaults_survive():
    result = runner.invoke(app, ["match", "--help"], terminal_width=100)
    shown = plain(result.output)
    assert "[default: 0, or admissions.toml]" in shown
    assert "[default: lottery]" in shown
    listed = plain(runner.invoke(app, ["lottery", "--help"], terminal_width=100).output)
    assert "[default: 1000]" in listed


def test_the_examples_write_to_folders_a_checkout_does_not_have():
    """generate's example wrote to data/samples/skane-2000, which a checkout holds: run from the
    repository as written, it stopped ('folder ... is not empty; use --force')."""
    root = Path(__file__).resolve().parents[2]
    for name in COMMANDS:
        example = inspect.cleandoc(COMMAND.commands[name].callback.__doc__).split("Example:")[-1]
        for out in re.findall(r"--out (\S+)", example):
            assert not (root / out).exists(), (name, out)


def test_the_files_the_examples_read_are_in_a_checkout():
    """whatif's example read a scenarios.csv that nothing in the repository provided: every file or
    folder an example reads (data/...: the round, --input, --scenarios) is committed."""
    root = Path(__file__).resolve().parents[2]
    read = {}
    for name in COMMANDS:
        example = inspect.cleandoc(COMMAND.commands[name].callback.__doc__).split("Example:")[-1]
        for path in re.findall(r"(?<!\S)(data/\S+)", example):
            read.setdefault(name, []).append(path.rstrip(")"))
            assert (root / path.rstrip(")")).exists(), (name, path)
    assert read["whatif"] == ["data/samples/skane-2000", "data/samples/scenarios.csv"]


def test_whatif_runs_its_example_on_the_committed_scenarios(tmp_path, monkeypatch):
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    out = tmp_path / "whatif"
    result = runner.invoke(app, ["whatif", "data/samples/skane-2000", "--scenarios", "data/samples/scenarios.csv",
                                 "--out", str(out), "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    lines = (out / "scenarios.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "scenario", "baseline", "more-economics-malmo", "close-aesthetics-latinskolan", "new-technology-lund"]
    assert lines[2].split(",")[1:11] == ["2", "2000", "2174", "0", "1934", "1481", "0.7405", "66", "240", "29"]


@pytest.mark.slow
def test_the_committed_scenarios_run_with_the_demand_model_too(tmp_path, monkeypatch):
    """data/samples/scenarios.csv gives its new offer a municipality and a programme code, which
    whatif --model needs to draw applicants for it (without them it refused the file)."""
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    assert runner.invoke(app, ["demand", "data/samples/skane-2000", "--out", str(tmp_path / "model"),
                               "--quiet"]).exit_code == 0
    result = runner.invoke(app, ["whatif", "data/samples/skane-2000", "--scenarios", "data/samples/scenarios.csv",
                                 "--model", str(tmp_path / "model"), "--draws", "5", "--workers", "1",
                                 "--out", str(tmp_path / "whatif"), "--quiet"])
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in (tmp_path / "whatif" / "programme_changes.csv").read_text(
        encoding="utf-8").splitlines() if ",NEW-LUND-TE," in line]
    assert [row[:6] for row in rows] == [["new-technology-lund", "NEW-LUND-TE", "true", "0", "32", "0"]]
    assert rows[0][6] == NEW_OFFER_APPLICANTS


#: Applicants the new TE offer in Lund draws, mean of 5 draws of the demand model fitted on the sample.
NEW_OFFER_APPLICANTS = "31.2"
