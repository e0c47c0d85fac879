"""One job skeleton and one run.json builder for every command that writes a folder.

A command that writes a folder (``match``, ``round``, ``whatif``, ``sweep``, ``lottery``,
``demand``, ``plan``, ``lists``, ``letters``, ``statistics``) is the same five steps:

1. check OUT (:func:`start_job`: before any work, so that a wrong OUT fails fast);
2. prepare (usually :func:`admissions.round.prepare_round`);
3. compute (the command's own work);
4. record (:meth:`Job.record`: run.json, the header of :func:`record_header` and what the command
   adds);
5. write (:meth:`Job.write`: every file into a private staging folder, run.json last, which then
   replaces OUT whole; nothing when OUT is None).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from admissions import __version__
from admissions.io.atomic import check_output_folder, output_folder
from admissions.io.write import RUN_RECORD, write_json
from admissions.round import Progress, RoundResult
from admissions.rules.lottery import LOTTERY_SOURCES
from admissions.rules.quota_game import quota_seats_to_ordinary


def environment() -> dict[str, str]:
    """Versions of Python and the libraries whose behaviour can change a result."""
    import platform

    import pandas

    return {"python": platform.python_version(), "numpy": np.__version__, "pandas": pandas.__version__}


@dataclass(frozen=True)
class Job:
    """A command that writes a folder, from :func:`start_job` to :meth:`write`.

    ``inputs`` is the folder the command reads (OUT may not be it, inside it or hold it);
    ``out`` None: the command writes nothing (it only prints).
    """

    command: str
    inputs: Path
    out: Path | None
    started_at: datetime

    def record(self, r: RoundResult | None, **fields: object) -> dict:
        """run.json: :func:`record_header` of the round (``r`` None: the tool, the command and the
        time only, for the documents, which read a finished run) followed by ``fields``."""
        return {**record_header(r, self.command, self.started_at), **fields}

    def write(self, record: dict, files: Callable[[Path], None], progress: Progress | None = None,
              then: Callable[[Path], None] | None = None) -> dict:
        """Write OUT: ``files(staging)`` writes the command's files, then run.json; returns ``record``.

        OUT is replaced whole only when every file was written and ``then(staging)`` returned
        (admissions.io.atomic.output_folder; a season round records the files there). When ``out``
        is None nothing is written, unless ``then`` needs the files: then they are written to a
        private temporary folder, removed afterwards.
        """
        if self.out is None and then is None:
            return record
        if progress is not None:
            progress("write")
        with self._staging() as staging:
            files(staging)
            write_json(record, staging / RUN_RECORD)
            if then is not None:
                then(staging)
        return record

    @contextmanager
    def _staging(self) -> Iterator[Path]:
        if self.out is None:
            with tempfile.TemporaryDirectory(prefix=f".admissions-{self.command.split()[0]}-") as temporary:
                yield Path(temporary)
        else:
            with output_folder(self.out, inputs=self.inputs) as staging:
                yield staging


def start_job(command: str, inputs: Path, out: Path | None, season_database: Path | None = None,
              also_read: Path | None = None) -> Job:
    """Begin a job: note the time and check OUT before any work (a wrong OUT fails fast); OUT may
    not hold ``season_database``, the season the command reads or records into, nor be or lie in
    ``also_read``, another folder it reads (lists and letters: the round's input folder)."""
    started_at = datetime.now(timezone.utc)
    if out is not None:
        read = (inputs,) if also_read is None else (inputs, also_read)
        check_output_folder(out, inputs=read, season_database=season_database)
    return Job(command, Path(inputs), None if out is None else Path(out), started_at)


def record_header(r: RoundResult | None, command: str, started_at: datetime) -> dict:
    """What every run.json starts with: the tool, the command, the settings and every input file.

    ``r`` None (a command that reads a finished run, not a round's input): the tool, its version,
    the command and the time.
    """
    if r is None:
        return {"tool": "admissions", "version": __version__, "command": command,
                "started_at": started_at.isoformat(timespec="seconds")}
    frames = {
        "programmes": r.data.programmes,
        "students": r.data.students,
        "applications": r.data.applications,
        "municipalities": r.data.municipalities,
        "grades": r.data.grades,
        "prices": r.data.prices,
    }
    inputs = {}
    for source in r.data.sources:
        frame = frames.get(source.name)
        inputs[source.name] = {
            "file": source.path.name,
            "sha256": source.sha256,
            "rows": None if frame is None else int(len(frame)),
        }
    return {
        "tool": "admissions",
        "version": __version__,
        # The versions that made this run are part of its record (the lottery depends on none:
        # it is HMAC-SHA256 of the seed and each student's id).
        "environment": environment(),
        "command": command,
        "started_at": started_at.isoformat(timespec="seconds"),
        "seed": r.config.seed,
        "lottery": LOTTERY_SOURCES[r.lottery_source],
        "config": r.config.model_dump(mode="json"),
        "programme_types": {"version": r.programme_types.version, "source": r.programme_types.source},
        "inputs": inputs,
    }


def run_record(round_result: RoundResult, command: str, started_at: datetime) -> dict:
    """The content of run.json: what was run, on which data, with which settings, and the counts."""
    r, enc = round_result, round_result.encoded
    assignment = r.offer_assignment
    placed = assignment >= 0
    placed_column = r.placed_column
    considered = int((enc.choices >= 0).sum())
    eligible = int(r.selection.eligible.sum())
    seats = int(enc.seats.sum())
    admitted = int(placed.sum())
    return {
        **record_header(r, command, started_at),
        "counts": {
            "students": enc.n_students,
            "programmes": enc.n_programmes,
            "seats": seats,
            "applications": int(len(r.data.applications)),
            "applications_considered": considered,
            "applications_beyond_max_choices": enc.n_dropped_choices,
            "eligible_applications": eligible,
            "placed": admitted,
            "unplaced": int(enc.n_students - admitted),
            "placed_first_choice": int((placed_column == 0).sum()),
            "vacant_seats": int(seats - admitted),
            "merit_value_differs_from_grades": int(len(r.selection.merit_mismatch)),
        },
        "check": r.check.to_dict(),
        # Offers that chose by the quota rule, and the seats of their free and test quotas that
        # nobody in the quota held and that therefore went to the ordinary selection.
        "quota_offers": int(r.market.game.n_offers),
        "seats_moved_from_quotas": quota_seats_to_ordinary(r.market, r.market.seats, r.sub_assignment),
        "warnings": len(r.warnings),
        "timings_s": dict(r.timings.steps),
    }
