"""`admissions history`: what was run in a season."""

from __future__ import annotations

from rich.table import Table

from admissions.cli._options import SeasonOption
from admissions.cli._output import error_line, fail, step_command, terminal_safe
from admissions.cli._summary import data_console, percent
from admissions.errors import AdmissionsError, Step


def _out_cell(run) -> str:
    """The OUT of a run, and 'not on disk' when that folder no longer holds the run."""
    if run.out is None:
        return ""
    return run.out if run.out_on_disk else f"{run.out} (not on disk)"


def _export_line(run, season) -> str:
    """The command that writes a run's OUT again, on a line of its own (never wrapped in a cell)."""
    step = Step.call("export_run", season=season, run_id=run.run_id, out=run.out)
    return f"Run {run.run_id}'s OUT is not on disk: {step_command(step)} writes it again"


def _count(value) -> str:
    """A count as the other tables print it (19,717); '' where the run has none."""
    return f"{value:,}" if isinstance(value, int) else str(value)


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
        fail(error_line(exc, history))
    table = Table(title=f"Runs in {season}", title_justify="left")
    columns = ("run", "kind", "started (UTC)", "seed", "base run", "void", "students", "placed", "first choice",
               "answers a/d/w", "moved up", "newly placed", "lost", "input", "OUT")
    for column in columns:
        # A long path is folded over lines, never cut short with '…'.
        table.add_column(column, justify="right" if column in ("run", "seed", "students", "placed", "moved up",
                                                              "newly placed", "lost") else "left",
                         overflow="fold")
    for run in runs:
        share = percent(run.placed_first_choice, run.students) if run.students else "-"
        moved = run.season
        answers = moved.get("answers", {})
        table.add_row(str(run.run_id), run.kind, run.started_at, str(run.seed),
                      "" if run.base_run_id is None else str(run.base_run_id),
                      # A reason recorded before reasons were checked may hold control characters.
                      "" if run.void_at is None else terminal_safe(f"void {run.void_at}: {run.void_reason}"),
                      _count(run.students), _count(run.placed), share,
                      "/".join(_count(answers.get(a, 0)) for a in ("accept", "decline", "withdraw")),
                      _count(moved.get("moved_up", "")), _count(moved.get("newly_placed", "")),
                      _count(moved.get("lost", "")), run.input_folder, _out_cell(run))
    console = data_console(width=260)
    console.print(table)
    for run in runs:
        if run.out is not None and not run.out_on_disk:
            console.print(_export_line(run, season), soft_wrap=True)
