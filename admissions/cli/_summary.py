"""Terminal feedback of long commands: a progress line per step and a bar of finished tasks on stderr, a summary table at the end."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from admissions.wording import counted  # noqa: F401 (the commands import it from here)


def data_console(**options) -> Console:
    """A console for text that holds data (ids, names, paths, void reasons): printed as it is, never
    read as rich markup ('[red]' in a folder's name, '[b]' in a reason were styles and vanished)."""
    return Console(highlight=False, markup=False, **options)


def percent(part: float, whole: float | None = None, decimals: int = 1) -> str:
    """``part`` of ``whole`` (or a share 0-1 when ``whole`` is None) as the documents print it:
    halves rounded up, as report.html and report.xlsx round them ('96.4 %' for 1,927 of 2,000,
    where Python's float formatting gives 96.3 %). Counts are divided exactly; a share is taken
    as the decimal it prints as."""
    exact = Fraction(part) / Fraction(whole) if whole is not None else Fraction(decimal.Decimal(repr(float(part))))
    with decimal.localcontext(prec=50):
        value = decimal.Decimal(exact.numerator * 100) / decimal.Decimal(exact.denominator)
        shown = value.quantize(decimal.Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_UP)
    return f"{shown:,} %"


def progress_printer(console: Console | None = None) -> Callable[[str], None]:
    """A progress callback that prints each step's name on stderr as it starts."""
    console = console or Console(stderr=True, highlight=False)

    def show(step: str) -> None:
        console.print(f"[dim]... {step}[/dim]")

    return show


def print_summary(record: dict, out: Path | str, console: Console | None = None) -> None:
    """Print the headline counts of a run (from its run.json record) as a small table on stdout."""
    console = console or data_console()
    counts = record["counts"]
    students = counts["students"]
    title = out if isinstance(out, str) else f"Matching written to {out}"
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")

    def share(value: int) -> str:
        return f"{value:,}" + (f" ({percent(value, students)})" if students else "")

    table.add_row("students", f"{students:,}")
    table.add_row("placed", share(counts["placed"]))
    table.add_row("placed on first choice", share(counts["placed_first_choice"]))
    table.add_row("unplaced", share(counts["unplaced"]))
    table.add_row("programmes", f"{counts['programmes']:,}")
    table.add_row("seats / vacant", f"{counts['seats']:,} / {counts['vacant_seats']:,}")
    check = record.get("check", {})
    table.add_row("stable, student-optimal", f"{check.get('is_stable')}, {check.get('is_student_optimal')}")
    table.add_row("seconds", f"{sum(record['timings_s'].values()):.2f}")
    console.print(table)


@contextmanager
def task_bar(quiet: bool, label: str) -> Iterator[tuple[Callable[[str], None] | None, Callable[[int, int], None] | None]]:
    """Step and task progress callbacks for a command: step lines, then a bar of finished tasks (stderr)."""
    if quiet:
        yield None, None
        return
    console = Console(stderr=True, highlight=False)
    # How long it has taken and, from the tasks done so far, how long it will take yet: a run of a
    # million lottery draws says at once whether to wait or to stop it (Ctrl-C stops it at once).
    bar = Progress(TextColumn(f"[dim]... {label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("elapsed,"), TimeRemainingColumn(), TextColumn("left"), console=console, transient=False)
    state: dict[str, int | None] = {"task": None}

    def tasks(done: int, total: int) -> None:
        if state["task"] is None:
            bar.start()
            state["task"] = bar.add_task(label, total=total)
        bar.update(state["task"], completed=done)

    try:
        yield progress_printer(console), tasks
    finally:
        if state["task"] is not None:
            bar.stop()
