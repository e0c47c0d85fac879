"""The library functions behind ``admissions lists`` and ``admissions letters``: read a run, write its documents."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from admissions import __version__
from admissions.io.output import output_folder, write_json
from admissions.reports.letters import write_letters
from admissions.reports.lists import write_lists
from admissions.reports.run_folder import read_run_folder


def _record(command: str, run, language: str, counts: dict, started_at: datetime) -> dict:
    source = run.record
    return {
        "tool": "admissions", "version": __version__, "command": command,
        "started_at": started_at.isoformat(timespec="seconds"),
        "language": language,
        "run": {key: source.get(key) for key in ("command", "kind", "run_id", "seed", "started_at")
                if source.get(key) is not None},
        "run_folder": str(Path(run.folder).resolve()),
        "counts": counts,
        "student_level": True,
    }


def run_lists(run_folder: Path, out: Path, inputs: Path | None = None, language: str | None = None) -> dict:
    """Write the lists per school and the summaries per admission office of a run to ``out`` (replaced whole)."""
    started_at = datetime.now(timezone.utc)
    run, _ = read_run_folder(run_folder, inputs, language)
    with output_folder(out, inputs=run_folder) as staging:
        counts = write_lists(run, _, staging)
        record = _record("lists", run, _.language, counts, started_at)
        write_json(record, staging / "run.json")
    return record


def run_letters(run_folder: Path, out: Path, inputs: Path | None = None, language: str | None = None) -> dict:
    """Write one decision letter per student and one merged file per home municipality to ``out``."""
    started_at = datetime.now(timezone.utc)
    run, _ = read_run_folder(run_folder, inputs, language)
    with output_folder(out, inputs=run_folder) as staging:
        counts = write_letters(run, _, staging)
        record = _record("letters", run, _.language, counts, started_at)
        write_json(record, staging / "run.json")
    return record
