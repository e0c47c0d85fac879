"""The library functions behind ``admissions lists`` and ``admissions letters``: read a run, write its documents."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from admissions.analysis.executors import check_workers
from admissions.errors import InvalidArgument
from admissions.job import start_job
from admissions.reports.letters import write_letters
from admissions.reports.lists import write_lists
from admissions.reports.run_folder import read_run_folder, season_label


@contextmanager
def run_source(run_folder: Path | None, season: Path | None = None, run_id: int | None = None,
               allow_void: bool = False) -> Iterator[tuple[Path, tuple[str, str] | None]]:
    """The output folder to read and the run's (void_at, void_reason) when it is void: RUN_FOLDER
    itself, or a season run's recorded files (default: the newest valid preliminary, final or
    reserve run) in a private temporary folder.

    A void run of the season is refused unless ``allow_void``: its documents would tell schools and
    students a result that no longer holds (with ``allow_void`` they are marked void).
    """
    if (run_folder is None) == (season is None):
        raise InvalidArgument("give the output folder of a run, or {season} S [{run_id} N], not both",
                              parameters=("season", "run_id"))
    if season is None:
        if run_id is not None:
            raise InvalidArgument("{run_id} needs {season}", parameters=("run_id", "season"))
        yield Path(run_folder), None
        return
    from admissions.season.rounds import recorded_run_files
    from admissions.season.store import SeasonError

    with tempfile.TemporaryDirectory(prefix="admissions-run-") as temporary:
        row = recorded_run_files(Path(season), run_id, Path(temporary))
        if row.void_at is not None and not allow_void:
            raise SeasonError("run {run} is void since {void_at}: {reason}; documents of a void run are written "
                              "only with {allow_void} (each marked as a void run)", parameters=("allow_void",),
                              values={"run": row.run_id, "void_at": row.void_at, "reason": row.void_reason})
        yield Path(temporary), None if row.void_at is None else (row.void_at, row.void_reason)


def run_lists(run_folder: Path | None, out: Path, inputs: Path | None = None, language: str | None = None,
              season: Path | None = None, run_id: int | None = None, allow_void: bool = False) -> dict:
    """Write the lists per school and the summaries per admission office of a run to ``out`` (replaced whole)."""
    with run_source(run_folder, season, run_id, allow_void) as (source, void):
        return _write_documents("lists", write_lists, source, out, inputs, language, void, season)


def run_letters(run_folder: Path | None, out: Path, inputs: Path | None = None, language: str | None = None,
                season: Path | None = None, run_id: int | None = None, allow_void: bool = False,
                workers: int | None = None) -> dict:
    """Write one decision letter per student and one merged file per home municipality to ``out``,
    laid out by ``workers`` processes (None: every core; the bytes do not depend on it)."""
    if workers is not None:
        check_workers(workers)  # before any work
    with run_source(run_folder, season, run_id, allow_void) as (source, void):
        return _write_documents("letters", partial(write_letters, workers=workers), source, out, inputs, language,
                                void, season)


def _check_decides(run) -> None:
    """Refuse letters of a run that binds nobody (a simulation, a trial): each would be headed
    'Antagningsbesked', a decision, for a result no student gets."""
    from admissions.season.kinds import BINDING_KINDS, RUN_KINDS

    kind = run.round_kind
    if kind in RUN_KINDS and kind not in BINDING_KINDS:
        where = f"run {run.run_id}" if run.run_id is not None else "the run"
        raise InvalidArgument(f"{where} is a {kind} round, which binds nobody: its letters would be decisions no "
                              f"student gets; letters are written for {', '.join(BINDING_KINDS)} runs (a {kind} "
                              "round's lists and explain show its result)")


def _write_documents(command: str, write, run_folder: Path, out: Path, inputs: Path | None,
                     language: str | None, void: tuple[str, str] | None = None, season: Path | None = None) -> dict:
    """Read the run, write ``command``'s documents with ``write(run, context, folder)`` (which returns
    their counts) and run.json; ``void``: the run's (void_at, void_reason), marked in every document."""
    from admissions.season.store import season_path

    job = start_job(command, run_folder, out, None if season is None else season_path(season), also_read=inputs)
    run, context = read_run_folder(run_folder, inputs, language, void,
                                   season_label(season) if season is not None else None)
    if command == "letters":
        _check_decides(run)
    source = run.record
    record = job.record(
        None,
        language=context.language,
        run={**{key: source.get(key) for key in ("command", "kind", "run_id", "seed", "started_at")
                if source.get(key) is not None},
             **({} if void is None else {"void_at": void[0], "void_reason": void[1]})},
        run_folder=str(Path(run.folder).resolve()) if "run_id" not in source else None,
        counts=None,
        student_level=True,
    )
    return job.write(record, lambda staging: record.update(counts=write(run, context, staging)))
