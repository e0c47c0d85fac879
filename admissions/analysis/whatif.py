"""What-ifs and sweeps: the round re-matched under other seats, compared with the round as it is.

The library behind ``admissions whatif`` and ``admissions sweep``. The round is loaded, validated,
encoded and its priorities built once (:func:`admissions.round.prepare_round`), its applications
ranked once (:func:`admissions.analysis.market.build_context`); each scenario is then one quota
loop of deferred acceptance with new seats, run on the executor chosen
(:mod:`admissions.analysis.executors`). Results are gathered in scenario order, so the files do
not depend on the executor.

Outputs carry no student ids: only counts per scenario and figures per offer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from admissions import __version__
from admissions.analysis.executors import TaskProgress, check_workers, executor_name, run_all
from admissions.analysis.market import MarketContext, Outcome, build_context, evaluate
from admissions.analysis.scenarios import load_scenarios
from admissions.errors import InvalidArgument
from admissions.io.contract import MAX_WHOLE_NUMBER
from admissions.io.readers import as_read
from admissions.io.write import write_csv
from admissions.job import Job, start_job
from admissions.round import Progress, RoundResult, prepare_round
from admissions.reports.language import Texts, check_chosen_language, texts
from admissions.reports.whatif import programme_changes_table, scenarios_table, sweep_table

#: Files written by ``admissions whatif``.
WHATIF_FILES = ("scenarios.csv", "programme_changes.csv", "whatif.html", "run.json")
#: Files written by ``admissions sweep``.
SWEEP_FILES = ("sweep.csv", "sweep.html", "run.json")

#: Most seat values a sweep may have.
MAX_SWEEP_VALUES = 10_000


@dataclass(frozen=True)
class Analysis:
    """What an analysis computed: the round, the baseline outcome and one outcome per task."""

    round: RoundResult
    baseline: Outcome
    outcomes: list[Outcome]
    executor: str
    timings: dict[str, float]


def _evaluate_task(context: MarketContext, seats: np.ndarray) -> Outcome:
    return evaluate(context, seats)


def analyse(
    r: RoundResult,
    seats: list[np.ndarray],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    task_progress: TaskProgress | None = None,
) -> Analysis:
    """Match the prepared round once per seats vector (p,) and once as it is (the baseline)."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    if progress is not None:
        progress("rank applications")
    context = build_context(r)
    baseline = evaluate(context, r.encoded.seats)
    timings["rank applications"] = round(time.perf_counter() - start, 4)
    if progress is not None:
        progress(f"match {len(seats)} scenario{'s' if len(seats) != 1 else ''} ({executor_name(workers, scheduler)})")
    start = time.perf_counter()
    outcomes = run_all(_evaluate_task, context, seats, workers=workers, scheduler=scheduler, progress=task_progress)
    timings["match scenarios"] = round(time.perf_counter() - start, 4)
    return Analysis(r, baseline, outcomes, executor_name(workers, scheduler), timings)


def analysis_record(job: Job, analysis: Analysis, settings: dict, outputs: tuple, language: str) -> dict:
    """run.json of an analysis: what was run, on which input (sha256), where, and how long it took,
    and the language of its page."""
    r = analysis.round
    return job.record(
        r,
        language=language,
        settings=settings,
        executor=analysis.executor,
        counts={
            "students": r.encoded.n_students,
            "programmes": r.encoded.n_programmes,
            "matchings": len(analysis.outcomes) + 1,
        },
        timings_s={**r.timings.steps, **analysis.timings},
        outputs=list(outputs),
    )


def run_whatif(
    folder: Path,
    scenarios_path: Path,
    out: Path,
    *,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    task_progress: TaskProgress | None = None,
    language: str | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Run every scenario of ``scenarios_path`` against the round in ``folder`` and write OUT.

    Writes scenarios.csv, programme_changes.csv, whatif.html and run.json into ``out`` (replaced
    whole only when every file was written); ``language``: the page's (default: admissions.toml's,
    else Swedish). Returns the scenarios table and the run record.
    Raises InvalidInput (round or scenarios file) before anything is written.
    """
    from admissions.reports.analysis_pages import whatif_html

    job = start_job("whatif", folder, out)
    check_workers(workers)  # before the work, so a wrong option fails fast
    check_chosen_language(language)
    r = prepare_round(folder, seed=seed, progress=progress, language=language)
    _ = page_texts(r)
    scenarios = load_scenarios(scenarios_path, r.encoded.programme_ids, r.encoded.seats)
    analysis = analyse(r, [s.seats for s in scenarios], workers=workers, scheduler=scheduler,
                       progress=progress, task_progress=task_progress)
    summary = scenarios_table(analysis, scenarios)
    changes = programme_changes_table(analysis, scenarios)
    record = analysis_record(job, analysis, {"scenarios_file": Path(scenarios_path).name, "scenarios": len(scenarios),
                                             "workers": workers, "scheduler": scheduler}, WHATIF_FILES,
                             _.language)

    def files(staging: Path) -> None:
        write_csv(summary, staging / "scenarios.csv")
        write_csv(changes, staging / "programme_changes.csv")
        (staging / "whatif.html").write_text(whatif_html(summary, changes, page_meta(r, _), _), encoding="utf-8")

    return summary, job.write(record, files, progress)


def parse_seat_range(text: str) -> list[int]:
    """Seat values of ``START:STOP:STEP`` (STOP included when the steps reach it), ``START:STOP`` or ``N``.

    ``0:200:10`` gives 0, 10, ..., 200; ``5:12:5`` gives 5, 10.
    """
    rule = (f"must be START:STOP:STEP, START:STOP or N with whole numbers, 0 <= START <= STOP <= "
            f"{MAX_WHOLE_NUMBER:,} and STEP >= 1")
    parts = text.strip().split(":")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        raise InvalidArgument(f"seats == {text!r}, {rule}") from None
    if len(numbers) == 1:
        numbers = [numbers[0], numbers[0], 1]
    elif len(numbers) == 2:
        numbers.append(1)
    if len(numbers) != 3:
        raise InvalidArgument(f"seats == {text!r}, {rule}")
    start, stop, step = numbers
    if start < 0 or stop < start or step < 1 or stop > MAX_WHOLE_NUMBER:
        raise InvalidArgument(f"seats == {text!r}, {rule}")
    values = range(start, stop + 1, step)  # counted before it is listed: 0:10**12 is refused, not built
    if len(values) > MAX_SWEEP_VALUES:
        raise InvalidArgument(f"seats == {text!r} gives {len(values):,} values, must give at most {MAX_SWEEP_VALUES:,}")
    return list(values)


def run_sweep(
    folder: Path,
    programme_id: str,
    seat_values: list[int],
    out: Path | None,
    *,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    task_progress: TaskProgress | None = None,
    language: str | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Match the round once per seat value of one offer; write sweep.csv, sweep.html, run.json to ``out``.

    With ``out`` None nothing is written (the caller shows the returned table); ``language``: the
    page's (default: admissions.toml's, else Swedish). Raises InvalidArgument when the offer is not
    in programmes.csv.
    """
    from admissions.reports.analysis_pages import sweep_html

    job = start_job("sweep", folder, out)
    check_workers(workers)  # before the work, so a wrong option fails fast
    check_chosen_language(language)
    r = prepare_round(folder, seed=seed, progress=progress, language=language)
    _ = page_texts(r)
    where = np.flatnonzero(r.encoded.programme_ids.astype(str) == as_read(programme_id))
    if len(where) == 0:
        from admissions.io.validate import did_you_mean

        raise InvalidArgument(f"programme_id == {programme_id!r}, must be a programme_id of programmes.csv"
                              + did_you_mean(programme_id, r.encoded.programme_ids.astype(str).tolist()))
    p = int(where[0])
    tasks = []
    for value in seat_values:
        seats = r.encoded.seats.copy()
        seats[p] = value
        tasks.append(seats)
    analysis = analyse(r, tasks, workers=workers, scheduler=scheduler, progress=progress, task_progress=task_progress)
    table = sweep_table(analysis, p, seat_values)
    record = analysis_record(job, analysis, {"programme_id": programme_id, "seats": seat_values,
                                             "baseline_seats": int(r.encoded.seats[p]), "workers": workers,
                                             "scheduler": scheduler}, SWEEP_FILES if out is not None else (),
                             _.language)

    def files(staging: Path) -> None:
        write_csv(table, staging / "sweep.csv")
        (staging / "sweep.html").write_text(
            sweep_html(table, int(r.encoded.seats[p]), _programme_label(r, p), page_meta(r, _), _), encoding="utf-8")

    return table, job.write(record, files, progress)


def _programme_label(r: RoundResult, p: int) -> str:
    row = r.data.programmes.iloc[p]
    return f"{row['programme_id']} ({row['programme_code']}, {row['school']})"


def page_texts(r: RoundResult) -> Texts:
    """The texts of an analysis page: the round's language (``language`` given to prepare_round, else
    admissions.toml's, else Swedish), which run.json's config records."""
    return texts(r.config.language)


def page_meta(r: RoundResult, _: Texts) -> str:
    """The line under an analysis page's title: the input, its size, the lottery, the version."""
    from admissions.reports.analysis_pages import analysis_meta

    return analysis_meta(r.data.folder.name, r.encoded.n_students, r.encoded.n_programmes,
                         r.lottery_source == "input", r.config.seed, __version__, _)
