"""`admissions plan`: seat changes in whole classes, within a budget, verified by the real matching."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from admissions.cli._options import FolderArgument, LanguageOption, QuietOption, SeedOption, SharedOutputOption, output_options
from admissions.cli._output import failures_reported
from admissions.cli._summary import data_console, progress_printer


def plan(
    folder: FolderArgument,
    budget: Annotated[float, typer.Option("--budget", help="Yearly budget in SEK for the added seats (seats x price per student and year).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder for plan.csv, plan.html and run.json; replaced whole when the run succeeds.")],
    class_size: Annotated[int, typer.Option("--class-size", help="Seats of one class: seats are added in whole classes.")] = 32,
    max_seats: Annotated[Path | None, typer.Option("--max-seats", help="CSV of school, max_seats: the most seats each school can have [default: no limit].")] = None,
    seed: SeedOption = None,
    quiet: QuietOption = False,
    language: LanguageOption = None,
    shared_output: SharedOutputOption = False,
) -> None:
    """Propose seats in whole classes that leave the fewest eligible first-hand applicants unplaced.

    A mixed-integer programme (scipy's milp) chooses classes of --class-size seats per offer,
    within each school's --max-seats and a yearly --budget in SEK (added seats x the offer's price
    per student and year, from prices.csv in the input or the shipped riksprislista): first the
    fewest eligible first-hand applicants left unplaced, then the fewest not placed on their first
    choice, then the lowest cost. The plan is verified by the real matching on the proposed seats
    and repaired where the matching differs (a class left empty is removed, a class that helps is
    added while budget remains). Writes OUT/plan.csv (programme_id, seats_before, seats_after,
    cost_sek per offer that gets classes), OUT/plan.html (in the document language) and OUT/run.json
    with the verified figures.

    Example: admissions plan data/samples/skane-2000 --budget 20000000 --class-size 32 --out plan
    """
    from admissions.analysis.plan import run_plan

    console = Console(stderr=True, highlight=False)
    with failures_reported(folder, max_seats), output_options(False, None, shared_output):
        table, record = run_plan(folder, out, budget=budget, class_size=class_size, max_seats=max_seats, seed=seed,
                                 progress=None if quiet else progress_printer(console), language=language)
    if quiet:
        return
    v = record["verified"]
    summary = Table(title=f"Seat plan written to {out} (verified by the matching)", title_justify="left")
    for name in ("", "today", "with the plan"):
        summary.add_column(name, justify="left" if not name else "right")
    for label, key in (("eligible first-hand unplaced", "eligible_first_hand_unplaced"),
                       ("not on their first choice", "not_first_choice"), ("placed", "placed"), ("seats", "seats")):
        summary.add_row(label, f"{v['before'][key]:,}", f"{v['after'][key]:,}")
    summary.caption = (f"{v['classes_added']} classes at {len(table)} offers, {v['cost_sek']:,} SEK a year "
                       f"(budget {record['settings']['budget_sek']:,.0f})")
    data_console().print(summary)
