"""`admissions diff`: who moved between two runs of a season, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from admissions.cli._options import (ForceFileOption, KeyFileOption, PseudonymiseOption, SeasonOption,
                                     SharedOutputOption, check_force_has_file, output_options)
from admissions.cli._summary import data_console, counted


def _cell(value: object) -> str:
    import pandas as pd

    return "" if pd.isna(value) else str(value)


def diff(
    run_a: Annotated[int, typer.Argument(metavar="RUN_A", help="The earlier run id.")],
    run_b: Annotated[int, typer.Argument(metavar="RUN_B", help="The later run id.")],
    season: SeasonOption,
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write every move to this CSV file.")] = None,
    force: ForceFileOption = False,
    limit: Annotated[int, typer.Option(help="Rows of moves to print (all are in --csv).")] = 50,
    pseudonymise: PseudonymiseOption = False,
    pseudonym_key_file: KeyFileOption = None,
    shared_output: SharedOutputOption = False,
) -> None:
    """Show who moved between two runs of a season and why: new grades, changed choices, a freed seat, an answer.

    --pseudonymise shows and writes keyed pseudonyms instead of student ids. An existing --csv file
    is replaced only with --force.

    Example: admissions diff 2 3 --season season-2027 --csv moves.csv
    """
    from admissions.io.atomic import check_output_file, output_file
    from admissions.io.write import write_csv
    from admissions.season import store
    from admissions.queries.diff import diff_runs

    check_force_has_file(force, csv, "--csv")
    reads = (store.season_path(season),)  # never over the season database
    with output_options(pseudonymise, pseudonym_key_file, shared_output) as chosen:
        if csv is not None:
            check_output_file(csv, reads, force)
        connection = store.connect(season)
        moves = diff_runs(connection, run_a, run_b)
        connection.close()
        shown = moves if chosen is None else chosen.frame(moves)
        console = data_console(width=200)
        console.print(f"{counted(len(moves), 'student')} placed differently in run {run_b} than in run {run_a}")
        for reason, count in moves["reason"].value_counts().sort_index().items():
            console.print(f"  {count:6d}  {reason}")
        table = Table(show_header=True)
        for column in shown.columns:
            table.add_column(column)
        for row in shown.head(limit).itertuples(index=False):
            table.add_row(*(_cell(value) for value in row))
        if len(moves):
            console.print(table)
        if csv is not None:
            with output_file(csv, reads=reads, force=force) as temporary:
                write_csv(moves, temporary)  # pseudonymised there, under the policy
