"""`admissions lottery`: the round matched under many lottery draws: how much of a result is luck."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from admissions.cli._options import FolderArgument, KeyFileOption, LanguageOption, PseudonymiseOption, QuietOption, SchedulerOption, SharedOutputOption, WorkersOption, output_options
from admissions.cli._output import failures_reported
from admissions.cli._summary import counted, data_console, percent, task_bar
from admissions.io.contract import SEED_LIMIT


#: Offers listed on the terminal, those whose placements the lottery decides most first.
SUMMARY_ROWS = 15


def lottery(
    folder: FolderArgument,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder for lottery_students.csv, lottery_programmes.csv, lottery.html and run.json; replaced whole when the run succeeds [default: only print the summary].")] = None,
    draws: Annotated[int, typer.Option("--draws", help="Number of lottery draws.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, max=SEED_LIMIT - 1, help="Seed of the draws: draw d numbers each student from the HMAC-SHA256 of SEED and the id, mixed with draw d's key.")] = 0,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: QuietOption = False,
    language: LanguageOption = None,
    pseudonymise: PseudonymiseOption = False,
    pseudonym_key_file: KeyFileOption = None,
    shared_output: SharedOutputOption = False,
) -> None:
    """Match the round under many lottery draws and report how much the lottery decides.

    Draw d (0-based) gives each student the number of the README's recipe: the first 64 bits of
    HMAC-SHA256 under SEED of the student's id, XOR those of the label "draw d", through the
    SplitMix64 finaliser, 53 bits (run.json states it), so any draw can be reproduced on its own
    ('admissions match' with those numbers as the lottery column); a lottery column in
    students.csv is ignored for the draws. Only the order of applications that tie before the
    lottery is redone per draw. Writes OUT/lottery_students.csv (student_id, programme_id (empty:
    unplaced), choice_rank, probability: one row per student and placement that happens in at
    least one draw; student-level by design), OUT/lottery_programmes.csv (per offer: cut-off min,
    p05, median, p95, max over the draws where it is oversubscribed, admitted min and max, share
    of draws oversubscribed, applicants whose placement there is uncertain), OUT/lottery.html (the
    same as a page in the document language: the draws' figures and a chart of each varying cut-off's
    spread) and OUT/run.json.
    Without --out only the summary is printed: how many students the lottery decides for, and the
    offers where it decides most.

    Example: admissions lottery data/samples/skane-2000 --draws 1000 --seed 1 --out lottery
    """
    from admissions.analysis.lottery import run_lottery

    with failures_reported(folder), output_options(pseudonymise, pseudonym_key_file, shared_output), \
            task_bar(quiet, "draws") as (steps, tasks):
        programmes, record = run_lottery(folder, out, draws=draws, seed=seed, workers=workers, scheduler=scheduler,
                                         progress=steps, task_progress=tasks, language=language)
    if not quiet:
        counts = record["counts"]
        where = f" written to {out}" if out is not None else ""
        table = Table(title=f"{counted(draws, 'lottery draw')}{where}", show_header=False, title_justify="left")
        table.add_column("figure")
        table.add_column("value", justify="right")
        table.add_row("students", f"{counts['students']:,}")
        table.add_row("same placement in every draw", f"{counts['students_certain']:,}")
        table.add_row("placement decided by the lottery", f"{counts['students_uncertain']:,}")
        table.add_row("unplaced in some draws only", f"{counts['students_sometimes_unplaced']:,}")
        table.add_row("programmes whose cut-off varies", f"{counts['programmes_cutoff_varies']:,}")
        console = data_console()
        console.print(table)
        decided = programmes[programmes["uncertain_students"] > 0].sort_values(
            "uncertain_students", ascending=False, kind="stable").head(SUMMARY_ROWS)
        if len(decided):
            offers = Table(title="Offers where the lottery decides most", title_justify="left")
            for name in ("programme_id", "uncertain students", "cut-off min", "median", "max", "draws with a cut-off"):
                offers.add_column(name, justify="left" if name == "programme_id" else "right")
            for row in decided.itertuples(index=False):
                cut = ["" if pd.isna(v) else f"{v:g}" for v in (row.cutoff_min, row.cutoff_median, row.cutoff_max)]
                offers.add_row(str(row.programme_id), f"{row.uncertain_students:,}", *cut,
                               percent(row.oversubscribed_share, decimals=0))
            console.print(offers)
        if out is None:
            console.print("Add --out OUT for lottery_students.csv and lottery_programmes.csv.")
