"""The `admissions` command line: one module per command, registered here explicitly."""

from __future__ import annotations

from typing import Annotated

import typer

from admissions import __version__
from admissions.cli import explain, generate, history, letters, lists, match, round, validate
from admissions.cli import demand, lottery, plan, sweep, whatif

app = typer.Typer(
    name="admissions",
    help="Upper-secondary admissions matching for Skåne and western Blekinge.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help as written: rich markup would read "[default: 0]" or "admissions[cluster]" as
    # markup tags and drop them (tests/cli/test_help.py checks every help text against its source).
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"admissions {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version,
        help="Print the version and exit.")] = False,
) -> None:
    """Upper-secondary admissions matching for Skåne and western Blekinge."""


app.command("generate")(generate.generate)
app.command("validate")(validate.validate)
app.command("match")(match.match)
app.command("round")(round.round_)
app.command("void")(round.void)
app.command("export")(round.export)
app.command("answers")(round.answers)
app.command("history")(history.history)
app.command("diff")(history.diff)
app.command("explain")(explain.explain)
app.command("whatif")(whatif.whatif)
app.command("sweep")(sweep.sweep)
app.command("lottery")(lottery.lottery)
app.command("demand")(demand.demand)
app.command("plan")(plan.plan)
app.command("lists")(lists.lists)
app.command("letters")(letters.letters)


def main() -> None:
    """Entry point of the console script and of ``python -m admissions``."""
    app()
