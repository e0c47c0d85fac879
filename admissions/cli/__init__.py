"""The `admissions` command line: one module per command, registered here explicitly."""

from __future__ import annotations

import typer

from admissions.cli import explain, generate, history, match, round, validate
from admissions.cli import demand, lottery, plan, sweep, whatif

app = typer.Typer(
    name="admissions",
    help="Upper-secondary admissions matching for Skåne and western Blekinge.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

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


def main() -> None:
    """Entry point of the console script and of ``python -m admissions``."""
    app()
