"""`admissions history`: what was run in a season."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from admissions.cli._options import SeasonOption
from admissions.cli._output import fail, with_commands
from admissions.cli._summary import percent
from admissions.errors import AdmissionsError


def _out_cell(run) -> str:
    """The OUT of a run, and 'not on disk' when that folder no longer holds the run (admissions export writes it)."""
    if run.out is None:
        return ""
    return run.out if run.out_on_disk else f"{run.out} (not on disk: admissions export {run.run_id})"


def history(
    season: SeasonOption,
) -> None:
    """List every run recorded in the season: id, kind, time, base run, void state and reason, answers and movement.

    Per run: answers applied (accepted/declined/withdrawn), students moved up, newly placed and
    lost (placed in the run compared with, now unplaced or lower without their own answer: always
    0 after the final admission), compared with the base run (reserve, trial) or the previous
    valid run. Void runs stay listed with the time and the reason. OUT is the folder `round --out`
    wrote, marked when it no longer holds the run (moved, deleted or overwritten).

    Example: admissions history --season season-2027
    """
    from admissions.season import store

    try:
        connection = store.connect(season)
        runs = store.history(connection)
        connection.close()
    except AdmissionsError as exc:
        fail(with_commands(str(exc), exc.steps))
    table = Table(title=f"Runs in {season}", title_justify="left")
    columns = ("run", "kind", "started (UTC)", "seed", "base run", "void", "students", "placed", "first choice",
               "answers a/d/w", "moved up", "newly placed", "lost", "input", "OUT")
    for column in columns:
        table.add_column(column, justify="right" if column in ("run", "seed", "students", "placed", "moved up",
                                                              "newly placed", "lost") else "left")
    for run in runs:
        share = percent(run.placed_first_choice, run.students) if run.students else "-"
        moved = run.season
        answers = moved.get("answers", {})
        table.add_row(str(run.run_id), run.kind, run.started_at, str(run.seed),
                      "" if run.base_run_id is None else str(run.base_run_id),
                      "" if run.void_at is None else f"void {run.void_at}: {run.void_reason}",
                      f"{run.students}", f"{run.placed}", share,
                      "/".join(str(answers.get(a, 0)) for a in ("accept", "decline", "withdraw")),
                      str(moved.get("moved_up", "")), str(moved.get("newly_placed", "")), str(moved.get("lost", "")),
                      run.input_folder, _out_cell(run))
    Console(width=260, highlight=False).print(table)
