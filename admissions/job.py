"""What every command that writes a folder records: run.json's header and a round's counts.

One builder: ``match``, ``round``, ``whatif``, ``sweep``, ``lottery``, ``demand`` and ``plan``
start their run.json with :func:`record_header` and add what they computed.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from admissions import __version__
from admissions.round import RoundResult
from admissions.rules.lottery import LOTTERY_SOURCES
from admissions.rules.quota_game import quota_seats_to_ordinary


def environment() -> dict[str, str]:
    """Versions of Python and the libraries whose behaviour can change a result."""
    import platform

    import pandas

    return {"python": platform.python_version(), "numpy": np.__version__, "pandas": pandas.__version__}


def record_header(r: RoundResult, command: str, started_at: datetime) -> dict:
    """What every run.json starts with: the tool, the command, the settings and every input file."""
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
    assignment = r.assignment
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
        "seats_moved_from_quotas": quota_seats_to_ordinary(r.market, r.market.seats, r.result.assignment),
        "warnings": len(r.warnings),
        "timings_s": dict(r.timings.steps),
    }
