"""The files a matching writes to OUT, and the library function behind ``admissions match``."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from admissions.io.output import check_output_folder, output_folder, write_csv, write_json
from admissions.pipeline import Progress, RoundResult, prepare_round, run_record
from admissions.reports.placements import applications_table, placements_table

#: Files written by every matching run, in the order they are written.
MATCH_FILES = ("placements.csv", "applications.csv", "run.json")


def write_match_outputs(
    r: RoundResult, folder: Path, command: str, started_at: datetime, record: dict | None = None
) -> dict:
    """Write every output of a matched round into ``folder``; returns the run record.

    ``record`` is the run record to write as run.json (default: made from the result).
    """
    with r.timings.step("write"):
        write_csv(placements_table(r), folder / "placements.csv")
        write_csv(applications_table(r), folder / "applications.csv")
    record = dict(run_record(r, command, started_at) if record is None else record)
    record["timings_s"] = dict(r.timings.steps)
    record["outputs"] = list(MATCH_FILES)
    write_json(record, folder / "run.json")
    return record


def run_match(
    folder: Path,
    out: Path,
    *,
    seed: int | None = None,
    tie_break: tuple[str, ...] | None = None,
    max_choices: int | None = None,
    progress: Progress | None = None,
) -> tuple[RoundResult, dict]:
    """Validate, match and write the outputs of the round in ``folder`` to ``out``.

    Nothing is written when the input is invalid (InvalidInput) or a setting is wrong
    (ConfigError); ``out`` is replaced whole only when every file was written.
    """
    started_at = datetime.now(timezone.utc)
    check_output_folder(out, inputs=folder)  # before the work, so a wrong OUT fails fast
    r = prepare_round(folder, seed=seed, tie_break=tie_break, max_choices=max_choices, progress=progress)
    if progress is not None:
        progress("write")
    with output_folder(out, inputs=folder) as staging:
        record = write_match_outputs(r, staging, "match", started_at)
    return r, record
