"""The one scalar check: its messages name the parameter, the CLI names the flag."""

from __future__ import annotations

import math

import pytest
import typer
from typing_extensions import Annotated

from admissions.arguments import SEED_LIMIT, check_count, check_scalar, check_seed, check_share
from admissions.cli._output import with_option_names
from admissions.errors import InvalidArgument


@pytest.mark.parametrize(("call", "message"), [
    (lambda: check_count("draws", 0, high=1_000_000), "draws == 0, must be a whole number from 1 to 1,000,000"),
    (lambda: check_count("workers", True), "workers == True, must be a whole number >= 1"),
    (lambda: check_count("workers", 2.0), "workers == 2.0, must be a whole number >= 1"),
    (lambda: check_share("holdout", 0.95, high=0.9), "holdout == 0.95, must be a number from 0 to 0.9"),
    (lambda: check_share("accept", math.nan), "accept == nan, must be a number from 0 to 1"),
    (lambda: check_scalar("growth", 0, low=0, low_open=True, note=" (1.05: 5 % more students)"),
     "growth == 0, must be a number > 0 (1.05: 5 % more students)"),
    (lambda: check_scalar("budget", -1.5, low=0), "budget == -1.5, must be a number >= 0"),
    # A number option arrives as a float: shown as typed (--budget -5), not as the float's repr (-5.0).
    (lambda: check_scalar("budget", -5.0, low=0), "budget == -5, must be a number >= 0"),
    (lambda: check_share("holdout", 1.0, high=0.9), "holdout == 1, must be a number from 0 to 0.9"),
    # Beyond 2^53 as Python writes the float, not its hundreds of digits.
    (lambda: check_scalar("budget", -1e300, low=0), "budget == -1e+300, must be a number >= 0"),
    (lambda: check_share("holdout", 1e20, high=0.9), "holdout == 1e+20, must be a number from 0 to 0.9"),
    (lambda: check_seed(-1), "seed == -1, must be a whole number >= 0 and < 2**63"),
    (lambda: check_seed(SEED_LIMIT), f"seed == {SEED_LIMIT}, must be a whole number >= 0 and < 2**63"),
    (lambda: check_seed("1"), "seed == '1', must be a whole number >= 0 and < 2**63"),
])
def test_a_broken_scalar_is_one_invalid_argument_naming_the_parameter(call, message):
    with pytest.raises(InvalidArgument) as caught:
        call()
    assert str(caught.value) == message
    assert caught.value.parameter == message.split(" == ")[0]


def test_a_good_scalar_comes_back_typed():
    assert check_count("draws", 3) == 3 and type(check_count("draws", 3)) is int
    assert check_share("holdout", 0) == 0.0 and type(check_share("holdout", 0)) is float
    assert check_seed(SEED_LIMIT - 1) == SEED_LIMIT - 1


def command(
    class_size: Annotated[int, typer.Option("--class-size")] = 32,
    folder: Annotated[str, typer.Argument()] = ".",
) -> None:
    """A command with options named as the CLI names them."""


def test_the_cli_names_the_flag_of_the_parameter():
    with pytest.raises(InvalidArgument) as caught:
        check_count("class_size", 0)
    assert caught.value.parameter == "class_size"
    assert with_option_names(str(caught.value), command) == "--class-size == 0, must be a whole number >= 1"
    assert with_option_names("seed == -1, must be a whole number >= 0 and < 2**63", command) == (
        "seed == -1, must be a whole number >= 0 and < 2**63")  # not an option of the command


def test_the_cli_names_every_parameter_a_library_error_names_and_only_those():
    from admissions.cli._output import error_line
    from admissions.errors import OutputError

    def generate(
        force: Annotated[bool, typer.Option("--force")] = False,
        run_id: Annotated[int | None, typer.Option("--run")] = None,
        season: Annotated[str | None, typer.Option("--season")] = None,
    ) -> None:
        """A command whose parameters differ from their options' names."""

    error = OutputError("folder {out} is not empty; use {force} to write into it", parameters=("force",),
                        values={"out": "force-out"})
    assert str(error) == "folder force-out is not empty; use force to write into it"
    assert error_line(error, generate) == "folder force-out is not empty; use --force to write into it"
    # A value is never renamed, whatever it holds: a folder named as a parameter, braces, a step.
    error = OutputError("folder {out} is not empty; use {force} to write into it", parameters=("force",),
                        values={"out": "force"})
    assert error_line(error, generate) == "folder force is not empty; use --force to write into it"
    error = OutputError("{path}: exists; use {force}", parameters=("force",), values={"path": "my force {x}.csv"})
    assert error_line(error, generate) == "my force {x}.csv: exists; use --force"
    error = InvalidArgument("{run_id} needs {season}; a run of the {season}", parameters=("run_id", "season"))
    assert error_line(error, generate) == "--run needs --season; a run of the --season"  # every mention
    # A parameter the message does not declare stays as it is, and so does one the command lacks.
    assert error_line(OutputError("use force"), generate) == "use force"
    assert error_line(OutputError("use {class_size}", parameters=("class_size",)), generate) == "use class_size"
    # A message without fields is plain text, braces and all.
    assert str(OutputError("a {b}")) == "a {b}"
    # The leading parameter of an InvalidArgument is named as before.
    assert error_line(InvalidArgument("run_id == 0, must be >= 1"), generate) == "--run == 0, must be >= 1"
