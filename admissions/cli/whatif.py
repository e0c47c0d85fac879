"""`admissions whatif`: the round re-matched under capacity scenarios, compared with the round as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from admissions.cli._options import FolderArgument, LanguageOption, OutOption, QuietOption, SchedulerOption, SeedOption, SharedOutputOption, WorkersOption, output_options
from admissions.cli._output import failures_reported
from admissions.cli._summary import data_console, percent, task_bar

#: Scenarios listed on the terminal (the file has them all).
SUMMARY_ROWS = 20


def whatif(
    folder: FolderArgument,
    scenarios: Annotated[Path, typer.Option("--scenarios", help="CSV of changes: scenario, programme_id, seats (40, 0 to close, +32 or -10), optional added (true for a new offer not in programmes.csv).")],
    out: OutOption,
    seed: SeedOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: QuietOption = False,
    language: LanguageOption = None,
    shared_output: SharedOutputOption = False,
    model: Annotated[Path | None, typer.Option("--model", help="MODEL_DIR of admissions demand: draw each scenario's students and lists from the demand model (new offers draw applicants, closed offers' applicants choose again, cohorts scale).")] = None,
    draws: Annotated[int, typer.Option("--draws", help="With --model: draws per scenario.")] = 100,
    cohorts: Annotated[Path | None, typer.Option("--cohorts", help="With --model: CSV of municipality, year, students; each municipality's cohort scales by its last year over the one before (or over its applicants in the round).")] = None,
    growth: Annotated[float | None, typer.Option("--growth", help="With --model: cohort growth factor for every scenario (1.05: 5 % more students).")] = None,
) -> None:
    """Re-match the round under capacity scenarios and compare each with the round as it is.

    SCENARIOS has one row per changed offer: scenario (name; 'baseline' is reserved), programme_id,
    seats (the new seats, 0 closes the offer, or +N / -N to change them) and optionally added
    (true: a new offer not in programmes.csv; nobody has applied to it, so its seats only add
    vacant seats). The input is loaded and ranked once; scenarios run in parallel on the local
    cores, or on a Dask cluster with --scheduler. Writes OUT/scenarios.csv (one row per scenario,
    the baseline first: placed, first-choice share, unplaced, vacant seats, students with a
    better, worse or the same choice), OUT/programme_changes.csv (per scenario, the offers whose
    seats, admitted or cut-off changed, before and after), OUT/whatif.html (scenarios side by
    side with charts, in the document language) and OUT/run.json. No student ids in any of them. Invalid input or scenarios
    are reported, every problem at once, and nothing is written.

    With --model MODEL_DIR (from admissions demand) each scenario runs --draws times: an added
    offer (its row may say school, municipality, programme_code, orientation, principal,
    latitude, longitude) is inserted into students' lists where the model puts it, a closed offer
    (seats 0) leaves the lists and its applicants choose again, and the cohort scales (scenario
    column growth, --growth, --cohorts). OUT then has expected values with 90 % intervals:
    scenarios.csv, programme_changes.csv (every offer: applicants, applicants_low,
    applicants_high, first choices, admitted, cut-off), flows.csv and municipalities.csv (students
    and yearly costs per home and host municipality), schools.csv (demand against seats),
    closed_offers.csv (where a closed offer's applicants end up), whatif.html and run.json.

    Example: admissions whatif data/samples/skane-2000 --scenarios data/samples/scenarios.csv --out whatif
    """
    from admissions.analysis.whatif import run_whatif

    if model is not None:
        _whatif_with_model(folder, scenarios, out, model, draws, cohorts, growth, seed, workers, scheduler,
                           quiet, shared_output, language)
        return
    with failures_reported(folder, scenarios), output_options(False, None, shared_output), \
            task_bar(quiet, "scenarios") as (steps, tasks):
        if draws != 100 or cohorts is not None or growth is not None:
            from admissions.errors import InvalidArgument

            raise InvalidArgument("--draws, --cohorts and --growth need --model MODEL_DIR (admissions demand)")
        summary, record = run_whatif(folder, scenarios, out, seed=seed, workers=workers, scheduler=scheduler,
                                     progress=steps, task_progress=tasks, language=language)
    if not quiet:
        table = Table(title=f"What-ifs written to {out}", title_justify="left")
        for name in ("scenario", "placed", "first choice", "unplaced", "vacant seats", "better", "worse"):
            table.add_column(name, justify="left" if name == "scenario" else "right")
        for row in summary.head(SUMMARY_ROWS).itertuples(index=False):
            table.add_row(str(row.scenario), f"{row.placed:,}", percent(row.first_choice_share),
                          f"{row.unplaced:,}", f"{row.vacant_seats:,}", f"{row.better:,}", f"{row.worse:,}")
        if len(summary) > SUMMARY_ROWS:
            table.caption = f"first {SUMMARY_ROWS} of {len(summary)} rows; all of them in scenarios.csv"
        data_console().print(table)


def _whatif_with_model(folder: Path, scenarios: Path, out: Path, model: Path, draws: int, cohorts: Path | None,
                       growth: float | None, seed: int | None, workers: int | None, scheduler: str | None,
                       quiet: bool, shared_output: bool, language: str | None) -> None:
    from admissions.analysis.forecast import run_forecast

    with failures_reported(folder, scenarios, cohorts, model), output_options(False, None, shared_output), \
            task_bar(quiet, "draws") as (steps, tasks):
        summary, _ = run_forecast(folder, scenarios, model, out, draws=draws, seed=seed, cohorts=cohorts,
                                  growth=growth, workers=workers, scheduler=scheduler, progress=steps,
                                  task_progress=tasks, language=language)
    if quiet:
        return
    table = Table(title=f"What-ifs with the demand model written to {out} (expected, 90 % interval)",
                  title_justify="left")
    for name in ("scenario", "students", "placed", "unplaced", "eligible first-hand unplaced", "vacant seats"):
        table.add_column(name, justify="left" if name == "scenario" else "right")

    def cell(row, key: str) -> str:
        value, low, high = getattr(row, key), getattr(row, f"{key}_low"), getattr(row, f"{key}_high")
        return f"{value:,.0f}" if low == high else f"{value:,.0f} ({low:,.0f}-{high:,.0f})"

    for row in summary.head(SUMMARY_ROWS).itertuples(index=False):
        table.add_row(str(row.scenario), cell(row, "students"), cell(row, "placed"), cell(row, "unplaced"),
                      cell(row, "eligible_first_hand_unplaced"), cell(row, "vacant_seats"))
    data_console().print(table)
