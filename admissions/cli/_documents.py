"""What `admissions lists` and `admissions letters` share: read a run (its folder or a season's run),
write the documents under the output policy, and report failures as every command does."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from admissions.cli._output import failures_reported
from admissions.io.policy import output_policy


def write_documents(kind: str, folder: Path | None, out: Path, inputs: Path | None, language: str | None,
                    shared_output: bool, season: Path | None, run_id: int | None,
                    allow_void: bool = False, workers: int | None = None) -> dict[str, int]:
    """Write the documents of ``kind`` ("lists" or "letters") of a run to OUT; returns their counts.
    ``workers``: the processes that lay out the letters (None: every core)."""
    from admissions.reports.documents import run_letters, run_lists

    write = {"lists": run_lists, "letters": partial(run_letters, workers=workers)}[kind]
    with failures_reported(folder or season or Path(".")), output_policy(None, shared_output):
        record = write(folder, out, inputs, language, season, run_id, allow_void)
    return record["counts"]
