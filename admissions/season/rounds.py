"""The rounds of the admission year, each matched, recorded in the season and optionally written to OUT.

- ``preliminary`` (April, autumn-term grades): a fresh matching; nobody is placed in the free quota
  yet (its seats pass to the ordinary selection).
- ``final`` (1 July, final grades): a fresh matching with the free quota; its placements are
  guaranteed from now on.
- ``reserve`` (August-September): starts from the newest final or reserve run of the season;
  every student keeps their seat or moves up their own list (admissions.rules.guarantee), declined
  and withdrawn seats are freed, and freed seats go to the best-placed reserves. Offers are
  matched as one queue each (the quotas were applied at the final admission).
- ``simulation``: a matching recorded for comparison only (capacity decisions before admission).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from admissions.errors import InvalidInput
from admissions.io.answers import read_answers
from admissions.io.encode import EncodedRound
from admissions.io.problems import Problem
from admissions.io.output import check_output_folder, output_folder, write_json
from admissions.outputs import write_match_outputs
from admissions.pipeline import Progress, RoundResult, prepare_round, run_record
from admissions.reports.placements import applications_table, placements_table
from admissions.rules.guarantee import Guarantee
from admissions.season import store

RoundKind = Literal["preliminary", "final", "reserve", "simulation"]


def run_round(
    kind: RoundKind,
    folder: Path,
    season: Path,
    *,
    answers: Path | None = None,
    out: Path | None = None,
    seed: int | None = None,
    tie_break: tuple[str, ...] | None = None,
    max_choices: int | None = None,
    progress: Progress | None = None,
) -> tuple[RoundResult, dict]:
    """Run one round on the input ``folder``, record it in ``season`` and write OUT when given.

    Returns the round's result and its run record (with ``run_id``). Nothing is recorded or written
    when the input or the answers are invalid.
    """
    if kind not in store.RUN_KINDS:
        raise store.SeasonError(f"kind == {kind!r}, must be one of {', '.join(store.RUN_KINDS)}")
    if out is not None:
        check_output_folder(out, inputs=folder)
    if answers is not None and kind != "reserve":
        raise store.SeasonError("answers are applied in reserve rounds only")
    started_at = datetime.now(timezone.utc)
    connection = store.connect(season, create=True)
    try:
        base_run_id = None
        guarantee = None
        answer_rows: list[tuple[str, str, str | None]] = []
        if kind == "reserve":
            base_run_id = store.latest_run(connection, ("final", "reserve"))
            if base_run_id is None:
                raise store.SeasonError("a reserve round needs a final admission in the season first")
            held = dict(connection.execute(
                "SELECT student_id, programme_id FROM placements WHERE run_id = ? AND programme_id IS NOT NULL",
                (base_run_id,),
            ).fetchall())
            if answers is not None:
                frame = read_answers(answers)
                answer_rows = [
                    (student, answer, None if answer == "withdraw" else held.get(student))
                    for student, answer in zip(frame["student_id"], frame["answer"])
                ]
            earlier = store.season_answers(connection, base_run_id)
            guarantee = _guarantee_builder(held, earlier, answer_rows, answers)
        r = prepare_round(
            folder,
            seed=seed,
            tie_break=tie_break,
            max_choices=max_choices,
            progress=progress,
            quotas=kind != "reserve",
            free_quota=kind in ("final", "simulation"),
            guarantee=guarantee,
        )
        record = run_record(r, f"round {kind}", started_at)
        record["kind"] = kind
        record["base_run_id"] = base_run_id
        if kind == "reserve":
            record["answers"] = {a: sum(1 for _, x, _ in answer_rows if x == a) for a in ("accept", "decline", "withdraw")}
        placements = placements_table(r)
        applications = applications_table(r)

        def save() -> int:
            return store.insert_run(
                connection,
                kind=kind,
                record=record,
                input_folder=str(Path(folder).resolve()),
                finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                base_run_id=base_run_id,
                placements=_placement_rows(placements, r.selection.merit),
                applications=_application_rows(applications),
                answers=answer_rows,
            )

        if out is None:
            record["run_id"] = save()
        else:
            with output_folder(out, inputs=folder) as staging:
                # OUT is complete before the run is recorded; run.json gets the run id last.
                record = write_match_outputs(r, staging, f"round {kind}", started_at, record=record)
                record["run_id"] = save()
                write_json(record, staging / "run.json")
        return r, record
    finally:
        connection.close()


def _guarantee_builder(
    held: dict[str, str],
    earlier: list[tuple[str, str, str | None]],
    answers: list[tuple[str, str, str | None]],
    answers_path: Path | None,
):
    """The guarantee callback for prepare_round: base-run seats and every answer of the season."""

    def build(encoded: EncodedRound) -> Guarantee:
        students = pd.Index(encoded.student_ids)
        programmes = pd.Index(encoded.programme_ids)
        n = encoded.n_students
        if answers:
            at = students.get_indexer([student for student, _, _ in answers])
            unknown = np.flatnonzero(at < 0)
            if len(unknown):
                raise InvalidInput([
                    Problem(answers_path.name, int(i) + 2, "student_id", answers[i][0],
                            "student_id not found in students of the round")
                    for i in unknown
                ])
        held_index = np.full(n, -1, dtype=np.int64)
        ids = students.get_indexer(list(held))
        offers = programmes.get_indexer(list(held.values()))
        known = (ids >= 0) & (offers >= 0)
        held_index[ids[known]] = offers[known]

        everything = earlier + answers
        withdrawn = np.zeros(n, dtype=bool)
        gone = students.get_indexer([s for s, a, _ in everything if a == "withdraw"])
        withdrawn[gone[gone >= 0]] = True
        declines = [(s, p) for s, a, p in everything if a == "decline" and p is not None]
        decline_student = students.get_indexer([s for s, _ in declines]).astype(np.int64)
        decline_offer = programmes.get_indexer([p for _, p in declines]).astype(np.int64)
        keep = (decline_student >= 0) & (decline_offer >= 0)
        return Guarantee(held=held_index, withdrawn=withdrawn,
                         decline_student=decline_student[keep], decline_offer=decline_offer[keep])

    return build


def _placement_rows(placements: pd.DataFrame, merit: np.ndarray):
    choice_rank = placements["choice_rank"]
    for student, programme, rank, m, lottery in zip(
        placements["student_id"], placements["programme_id"], choice_rank, merit, placements["lottery"]
    ):
        yield (
            str(student),
            programme or None,
            None if pd.isna(rank) else int(rank),
            None if np.isnan(m) else float(m),
            float(lottery),
        )


def _application_rows(applications: pd.DataFrame):
    for row in applications.itertuples(index=False):
        yield (
            str(row.student_id),
            int(row.choice_rank),
            str(row.programme_id),
            None if row.eligible == "" else int(row.eligible == "true"),
            None if pd.isna(row.tier) else int(row.tier),
            None if pd.isna(row.score) else float(row.score),
            str(row.outcome),
            None if pd.isna(row.reserve_position) else int(row.reserve_position),
        )
