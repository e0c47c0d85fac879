"""Library messages name parameters; the command names its options."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from admissions.analysis.plan import run_plan
from admissions.cli import app
from admissions.cli._output import option_names, with_option_names
from admissions.cli.plan import plan
from admissions.cli.sweep import sweep
from admissions.errors import InvalidArgument

SMALL = Path(__file__).resolve().parents[1] / "analysis" / "data" / "small"


def test_the_library_names_the_parameter(tmp_path):
    with pytest.raises(InvalidArgument) as error:
        run_plan(SMALL, tmp_path / "out", budget=1000.0, class_size=0)
    assert str(error.value) == "class_size == 0, must be a whole number >= 1"


def test_the_command_names_its_option(tmp_path):
    result = CliRunner().invoke(app, ["plan", str(SMALL), "--budget", "1000", "--class-size", "0",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output == "Error: --class-size == 0, must be a whole number >= 1\n"
    assert not (tmp_path / "out").exists()


def test_only_the_commands_own_parameters_are_renamed():
    assert option_names(sweep)["programme_id"] == "--programme"
    assert option_names(plan)["class_size"] == "--class-size"
    assert with_option_names("programme_id == 'Z', must be a programme_id of programmes.csv", sweep) == \
        "--programme == 'Z', must be a programme_id of programmes.csv"
    assert with_option_names("student_id == 'Z', must be a student", sweep) == "student_id == 'Z', must be a student"
    assert with_option_names("the seats of programme_id == 'Z'", sweep) == "the seats of programme_id == 'Z'"
    # A setting not given on the command line came from admissions.toml: its name stays.
    assert with_option_names("programme_id == 'Z', must be", sweep, {"programme_id": None}) == "programme_id == 'Z', must be"
    assert with_option_names("programme_id == 'Z', must be", sweep, {"programme_id": "Z"}) == "--programme == 'Z', must be"
