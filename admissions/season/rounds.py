"""The rounds of the admission year, each matched, recorded in the season and optionally written to OUT.

The kinds and what each does are declared once, in :mod:`admissions.season.kinds`. The season
moves preliminary (any number) -> final -> reserve (any number); a trial computes what the next
reserve round would give and is never a base; simulations run at any time. A run can be voided
(:func:`void_run`), never deleted; the season then behaves as if the void runs had never happened.

Everything a round reads from the season (its base, the holders, the answers of earlier rounds,
the lottery numbers) is read inside the transaction that records it, so two rounds started at the
same time run one after the other, the second from the first one's result.
"""

from __future__ import annotations

import dataclasses
import unicodedata

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from admissions.config import load_config
from admissions.errors import Blank, InvalidInput, Step
from admissions.io.answers import check_answers
from admissions.io.encode import EncodedRound
from admissions.io.problems import FIRST_DATA_ROW, Problem
from admissions.io.readers import as_read
from admissions.job import run_record, start_job
from admissions.match import MATCH_FILES, write_match_files
from admissions.reports.language import check_chosen_language
from admissions.round import Progress, RoundResult, prepare_round
from admissions.rules.guarantee import Guarantee
from admissions.season import store
from admissions.season.kinds import BASE_KINDS, BINDING_KINDS, RunKind, round_kind
from admissions.season.store import SeasonError
from admissions.wording import counted


@dataclass(frozen=True)
class SeasonState:
    """What a round reads from the season before it is matched."""

    base_run_id: int | None
    held: dict[str, str]  # student_id -> offer held in the base run
    earlier: list[tuple[str, str, str | None, int]]  # answers of the base's chain, with their run
    lottery: dict[str, float]
    seed: int | None


def void_step(run_id: int, season: Path) -> Step:
    """The step that voids ``run_id`` and every run based on it (the reason left to the reader)."""
    return Step.call("void_run", season=season, run_id=run_id, reason=Blank("TEXT"), with_later=True)


def season_state(connection, kind: str, season: Path, base: int | None) -> SeasonState:
    """Check that a round of ``kind`` may run now and read what it starts from."""
    policy = round_kind(kind)
    if kind == "preliminary":
        # The final, root of every reserve run: voiding it with its later runs clears the way at once
        # (voiding the newest reserve run would leave the final in the way).
        later = store.latest_valid_run(connection, ("final",)) or store.latest_valid_run(connection, BASE_KINDS)
        if later is not None:
            raise SeasonError(
                f"a preliminary round after the final admission is refused: run {later} "
                f"({store.run_kind(connection, later)}) is in the way; to start again, void it and "
                f"every run based on it: {void_step(later, season)}", steps=(void_step(later, season),)
            )
    if kind == "final":
        final = store.latest_valid_run(connection, ("final",))
        if final is not None:
            raise SeasonError(
                f"the season already has a final admission, run {final}; a second final is refused. "
                f"To redo it, void it first: {void_step(final, season)}", steps=(void_step(final, season),)
            )
    base_run_id = None
    held: dict[str, str] = {}
    earlier: list = []
    if policy.guarantee:
        base_run_id = store.latest_base(connection)
        if base_run_id is None:
            raise SeasonError(f"a {kind} round needs a final admission in the season first (a valid final run)")
        if base is not None and base != base_run_id:
            raise SeasonError(
                f"{{base}} == {{value}} is not the run a {kind} round starts from now: that is run {base_run_id}, "
                "the newest valid final or reserve run (see {history})",
                parameters=("base",), values={"value": base, "history": Step.call("history", season=season)}
            )
        held = store.held_seats(connection, base_run_id)
        earlier = store.season_answers(connection, base_run_id)
    elif base is not None:
        raise SeasonError(f"{{base}} is for reserve and trial rounds; a {kind} round starts from no run",
                          parameters=("base",))
    first = store.season_seed(connection)
    return SeasonState(base_run_id, held, earlier, store.recorded_lottery(connection),
                       None if first is None else first[0])


def run_round(
    kind: RunKind,
    folder: Path,
    season: Path,
    *,
    answers: Path | None = None,
    out: Path | None = None,
    base: int | None = None,
    seed: int | None = None,
    tie_break: tuple[str, ...] | None = None,
    max_choices: int | None = None,
    progress: Progress | None = None,
    language: str | None = None,
) -> tuple[RoundResult, dict]:
    """Run one round on the input ``folder``, record it in ``season`` and write OUT when given.

    ``language``: of the run's report.xlsx and report.html, and the default of its lists and letters
    (admissions.toml ``language`` when None, else Swedish).

    Returns the round's result and its run record (with ``run_id``). Nothing is recorded or written
    when the input, the answers or the order of the season is wrong. The run's output files are
    recorded in the season either way (``admissions export`` writes them again).
    """
    policy = round_kind(kind)
    if answers is not None and not policy.accepts_answers:
        raise SeasonError(f"{{answers}} is for reserve and trial rounds; a {kind} round applies no answers",
                          parameters=("answers",))
    job = start_job(f"round {kind}", folder, out, season_database=store.season_path(season))
    check_chosen_language(language)
    answer_frame, answer_problems = check_answers(answers) if answers is not None else (None, [])
    if answers is not None and answer_frame is None:
        raise InvalidInput(answer_problems)  # no row to look at
    no_answer = load_config(folder).no_answer
    _check_new_season(season, folder)
    with store.recording(season) as (connection, commit):
        state = season_state(connection, kind, season, base)
        own_seed = state.seed is not None and seed is not None and seed != state.seed
        if own_seed and (policy.binding or policy.guarantee):
            raise SeasonError(
                # "seed" only as the parameter: the command names it as its option (--seed).
                f"{{seed}} == {seed} differs from the season's, {state.seed} (set by its first run); leave {{seed}} "
                "out: every round of a season draws its lottery with the season's", parameters=("seed",)
            )
        answer_rows: list[tuple[str, str, str | None, str]] = []
        guarantee = None
        if policy.guarantee:
            guarantee = _guarantee_builder(state, answer_frame, answers, answer_rows, no_answer, season,
                                           answer_problems)
        r = prepare_round(
            folder,
            seed=seed if state.seed is None or own_seed else state.seed,
            tie_break=tie_break,
            max_choices=max_choices,
            progress=progress,
            language=language,
            quotas=policy.quotas,
            free_quota=policy.free_quota,
            guarantee=guarantee,
            # A simulation with a seed of its own draws its own lottery; every other round keeps the season's.
            recorded_lottery=None if own_seed else state.lottery,
        )
        run_id = store.next_run_id(connection)
        record = run_record(r, job.command, job.started_at)
        record["kind"] = kind
        record["base_run_id"] = state.base_run_id
        record["run_id"] = run_id
        # Where OUT was written, so that `history` can tell a run whose OUT is not on disk.
        record["out"] = None if out is None else str(Path(out).resolve())
        record["season"] = _movement(connection, state, r, answer_rows)

        def save(folder_written: Path) -> None:
            files = [(name, (folder_written / name).read_bytes()) for name in MATCH_FILES
                     if (folder_written / name).is_file()]
            store.insert_run(
                connection,
                run_id=run_id,
                kind=kind,
                record=record,
                input_folder=str(Path(folder).resolve()),
                finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                base_run_id=state.base_run_id,
                placements=_placement_rows(r),
                applications=_application_rows(r),
                answers=answer_rows,
                files=files,
            )
            commit()  # a new season's database takes its place now, before OUT does

        # The files are recorded in the season whether or not OUT is given (without OUT they are
        # written to a temporary folder); OUT is complete and in place before the run is
        # committed, and a failure rolls both back (a new season is in place before OUT: the
        # first round of a season that another command started meanwhile writes no OUT).
        job.write(record, lambda staging: write_match_files(r, staging, record), then=save)
    return r, record


def _check_new_season(season: Path, folder: Path) -> None:
    """Refuse to create a season's database in the round's input folder or inside it.

    The input folder is only read (as OUT may not lie in it); a season is the officers' record of
    every round, each of which may read another input folder. A season that already exists is
    used wherever it is.
    """
    database = store.season_path(season)
    if database.exists():
        return
    inputs = Path(folder).resolve()
    where = database.resolve().parent
    if where == inputs or inputs in where.parents:
        # "season" only as the parameter (a command names it --season).
        raise SeasonError("{season} == {value!r} lies in the input folder {inputs}, which is only read: "
                          "give a folder beside it for the database (e.g. season-2027)", parameters=("season",),
                          values={"value": str(season), "inputs": inputs})


_UNKNOWN_STUDENT = "student_id not found in students of the round"


def _with_near_students(problems: list[Problem], student_ids) -> list[Problem]:
    """The problems, an unknown student's naming the round's student it differs from only by spaces,
    case, Unicode form or leading zeros ('S000003 ' for 'S000003'; admissions.io.validate.near_misses)."""
    from admissions.io.validate import meant_suffix, near_misses

    unknown = [k for k, p in enumerate(problems) if p.rule == _UNKNOWN_STUDENT]
    if not unknown:
        return problems
    near = near_misses([problems[k].value for k in unknown], [str(s) for s in student_ids])
    problems = list(problems)
    for k, meant in zip(unknown, near):
        if meant is not None:
            problems[k] = dataclasses.replace(problems[k], rule=_UNKNOWN_STUDENT
                                              + meant_suffix(meant, "students.csv", "student_id"))
    return problems


def _applied_before(given: dict[str, str], earlier: list[tuple[str, str, str | None, int]]) -> int | None:
    """The run whose recorded answers hold every answer of ``given`` (student -> answer), when one does
    and ``given`` declines or withdraws (accepts alone are harmless again); else None."""
    if not given or not any(answer in ("decline", "withdraw") for answer in given.values()):
        return None
    by_run: dict[int, dict[str, str]] = {}
    for student, answer, _programme, run_id in earlier:
        by_run.setdefault(run_id, {})[student] = answer
    return next((run_id for run_id, recorded in sorted(by_run.items(), reverse=True)
                 if all(recorded.get(student) == answer for student, answer in given.items())), None)


def _guarantee_builder(
    state: SeasonState,
    frame: pd.DataFrame | None,
    answers_path: Path | None,
    answer_rows: list,
    no_answer: str,
    season: Path,
    file_problems: list[Problem] = (),
):
    """The guarantee callback for prepare_round: checks every answer and holder, then base seats and answers.

    Fills ``answer_rows`` (student_id, answer, programme_id, source) with the answers this round
    records. Raises InvalidInput with every problem together.
    """
    name = answers_path.name if answers_path is not None else "answers.csv"

    def build(encoded: EncodedRound) -> Guarantee:
        students = pd.Index(encoded.student_ids)
        programmes = pd.Index(encoded.programme_ids)
        n = encoded.n_students
        problems: list[Problem] = []
        steps: list[Step] = []  # the voids the problems name
        earlier_by_student: dict[str, list[tuple[str, str | None, int]]] = {}
        for student, answer, programme, run_id in state.earlier:
            earlier_by_student.setdefault(student, []).append((answer, programme, run_id))
        given: dict[str, str] = {}
        # Rows the file's own check found wrong hold no meaningful value: reported with the rest, not read.
        bad_rows = {p.row for p in file_problems if p.severity == "error"}
        if frame is not None:
            for row, (student, answer) in enumerate(zip(frame["student_id"], frame["answer"]), start=2):
                if row in bad_rows:
                    continue
                student, answer = str(student), str(answer)
                given[student] = answer
                seat = state.held.get(student)
                if students.get_indexer([student])[0] < 0:
                    if answer == "withdraw" and seat is not None:  # a holder who left the admission
                        answer_rows.append((student, answer, None, "file"))
                        continue
                    problems.append(Problem(name, row, "student_id", student, _UNKNOWN_STUDENT))
                    continue
                for before, before_seat, run_id in earlier_by_student.get(student, []):
                    if before == "withdraw":
                        steps.append(void_step(run_id, season))
                        problems.append(Problem(name, row, "answer", answer,
                            f"student {student} withdrew in run {run_id}: no later answer counts; "
                            f"if the withdrawal was a mistake, void run {run_id}: {steps[-1]}"))
                        break
                    if before == "decline" and before_seat is not None and answer in ("accept", "decline") \
                            and seat is None:
                        steps.append(void_step(run_id, season))
                        problems.append(Problem(name, row, "answer", answer,
                            f"contradicts the answer 'decline' of {before_seat} given in run {run_id}: student {student} "
                            f"holds no seat since; to correct the decline, void run {run_id}: {steps[-1]}"))
                        break
                else:
                    if answer in ("accept", "decline") and seat is None:
                        problems.append(Problem(name, row, "answer", answer,
                            f"student {student} holds no seat in the base run {state.base_run_id}: "
                            "only a holder can accept or decline (a reserve may withdraw)"))
                    else:
                        answer_rows.append((student, answer, None if answer == "withdraw" else seat, "file"))
        # Nothing lost silently: every holder is in the round with the held offer among their choices.
        withdrawing = {s for s, a in given.items() if a == "withdraw"}
        withdrawing |= {s for s, rows in earlier_by_student.items() if any(a == "withdraw" for a, _, _ in rows)}
        declining = {s for s, a in given.items() if a == "decline"}
        held_students = [s for s in state.held if s not in withdrawing]
        at = students.get_indexer(held_students)
        missing = [s for s, i in zip(held_students, at) if i < 0]
        answer_row = {student: row for row, student in enumerate(given, start=FIRST_DATA_ROW)}
        for student in sorted(missing):
            # The holder has no row in students.csv; their answer's row when they answered.
            problems.append(Problem("students.csv" if student not in answer_row else name, answer_row.get(student),
                                    "student_id", student,
                f"student {student} holds {state.held[student]} from run {state.base_run_id} but is not in "
                "students.csv; a holder keeps the seat unless they withdraw (answer withdraw)"))
        present = [(s, i) for s, i in zip(held_students, at) if i >= 0 and s not in declining]
        if present:
            rows = np.array([i for _, i in present], dtype=np.int64)
            offers = programmes.get_indexer([state.held[s] for s, _ in present])
            listed = (encoded.choices[rows] == offers[:, None]).any(axis=1) & (offers >= 0)
            for (student, i), ok in zip(present, listed):
                if not ok:
                    # Named at the student's row of students.csv: no application row holds the offer.
                    problems.append(Problem("students.csv", int(i) + FIRST_DATA_ROW, "student_id", student,
                        f"student {student} holds {state.held[student]} from run {state.base_run_id} but it is "
                        "not among their applications (or not an offer of the round); a holder keeps the seat "
                        "unless they decline it or withdraw"))
        if problems and not bad_rows and (again := _applied_before(given, state.earlier)) is not None:
            # The same file given again: one line for the cause, not one per decline it repeats.
            problems = [Problem(name, None, None, None,
                                f"every answer in it was applied by run {again} already ({counted(len(given), 'answer')}): "
                                "a reserve round takes the answers given since the round before; give the new "
                                "answers (run the same round again only after voiding run "
                                f"{again}: {void_step(again, season)})")]
            steps = [void_step(again, season)]
        problems = sorted([*file_problems, *_with_near_students(problems, encoded.student_ids)],
                          key=lambda p: (p.file != name, p.row or 0))
        if any(p.severity == "error" for p in problems):
            raise InvalidInput(problems, steps)
        if no_answer == "accept":
            answered = {s for s, *_ in answer_rows}
            accepted_before = {s for s, rows in earlier_by_student.items() if any(a == "accept" for a, _, _ in rows)}
            for student in sorted(set(state.held) - answered - accepted_before - withdrawing):
                answer_rows.append((student, "accept", state.held[student], "no_answer"))

        held_index = np.full(n, -1, dtype=np.int64)
        ids = students.get_indexer(list(state.held))
        offers = programmes.get_indexer(list(state.held.values()))
        known = (ids >= 0) & (offers >= 0)
        held_index[ids[known]] = offers[known]
        everything = [(s, a, p) for s, a, p, _ in state.earlier] + [(s, a, p) for s, a, p, _ in answer_rows]
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


def _movement(connection, state: SeasonState, r: RoundResult, answer_rows: list) -> dict:
    """Answers applied and, against the base run (or the previous valid binding run), who moved.

    ``moved_up``: placed before and now at a higher choice; ``newly_placed``: unplaced (or absent)
    before and placed now; ``lost``: placed before, in the round, and now unplaced or lower without
    having declined or withdrawn (must be 0 after a final admission).
    """
    counts = {a: sum(1 for _, x, _, _ in answer_rows if x == a) for a in ("accept", "decline", "withdraw")}
    compared = state.base_run_id
    if compared is None:
        compared = store.latest_valid_run(connection, BINDING_KINDS)
    result = {"answers": counts, "compared_with_run": compared, "moved_up": 0, "newly_placed": 0, "lost": 0}
    if compared is None:
        return result
    before = store.placement_ranks(connection, compared)
    gave_up = {s for s, a, *_ in state.earlier if a in ("decline", "withdraw")}
    gave_up |= {s for s, a, *_ in answer_rows if a in ("decline", "withdraw")}
    ids = r.encoded.student_ids
    rank = np.where(r.placed_column >= 0, r.placed_column + 1, 0)
    for student, now in zip(ids, rank.tolist()):
        was = before.get(str(student))
        if now and was is None:
            result["newly_placed"] += 1
        elif now and was is not None and now < was:
            result["moved_up"] += 1
        elif was is not None and (not now or now > was) and str(student) not in gave_up:
            result["lost"] += 1
    return result


def _placement_rows(r: RoundResult):
    """Rows for the placements table, built from the round's arrays."""
    enc = r.encoded
    column = r.placed_column
    offer = r.offer_assignment
    merit = r.selection.merit
    for student, o, c, m, lottery in zip(enc.student_ids, offer.tolist(), column.tolist(), merit.tolist(),
                                         r.lottery.tolist()):
        yield (
            str(student),
            None if o < 0 else str(enc.programme_ids[o]),
            None if c < 0 else int(c) + 1,
            None if np.isnan(m) else float(m),
            float(lottery),
        )


def _application_rows(r: RoundResult):
    """Rows for the applications table, built from the round's arrays (never from formatted text)."""
    from admissions.reports.placements import OUTCOMES, application_columns

    a = application_columns(r)
    outcome = np.asarray(OUTCOMES, dtype=object)[a.outcome]
    for student, rank, programme, considered, eligible, tier, score, name, position in zip(
            a.student_id.tolist(), a.choice_rank.tolist(), a.programme_id.tolist(), a.considered.tolist(),
            a.eligible.tolist(), a.tier.tolist(), a.score.tolist(), outcome.tolist(), a.reserve_position.tolist()):
        yield (
            str(student),
            int(rank),
            str(programme),
            int(eligible) if considered else None,
            None if tier == 0 else int(tier),
            None if np.isnan(score) else float(score),
            str(name),
            None if position == 0 else int(position),
        )


def void_run(season: Path, run_id: int, reason: str, with_later: bool = False) -> list[int]:
    """Mark a run void (and, with ``with_later``, every valid run based on it, transitively).

    Refused while a valid run is based on it and ``with_later`` is not given. Returns the runs
    voided, oldest first.
    """
    if not reason.strip():
        raise SeasonError("{reason} must say why the run is voided (it is kept in the history)", parameters=("reason",))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in reason):
        # Printed in the history and at the head of every document of the run: a line break, an
        # escape sequence or a direction override would break or restyle them.
        raise SeasonError("{reason} == {value!r}, must be one line of text without control or formatting "
                          "characters", parameters=("reason",), values={"value": reason})
    connection = store.connect(season)
    try:
        with store.transaction(connection):
            row = store.run(connection, run_id)
            if row.void_at is not None:
                raise SeasonError(f"run {run_id} is already void since {row.void_at}: {row.void_reason}")
            chain = [run_id]
            frontier = [run_id]
            while frontier:
                later = [d for r in frontier for d in store.valid_dependants(connection, r)]
                chain += later
                frontier = later
            if len(chain) > 1 and not with_later:
                later = chain[1:]
                raise SeasonError(
                    f"run {run_id} is the base of valid run(s) {', '.join(map(str, later))}: void the later "
                    f"one(s) first, or void the chain with {void_step(run_id, season)}",
                    steps=(void_step(run_id, season),)
                )
            store.void(connection, chain, datetime.now(timezone.utc).isoformat(timespec="seconds"), reason)
        return sorted(chain)
    finally:
        connection.close()


def export_run(season: Path, run_id: int, out: Path) -> tuple[store.RunRow, list[str]]:
    """Write the output folder of a recorded run to OUT, byte for byte as it was written when it ran.

    A void run is written too (the record of what it gave). Returns the run as recorded (its void
    state included) and the names of the files written, read from the season in one connection.
    """
    from admissions.io.atomic import check_output_folder, output_folder as folder_of

    check_output_folder(out, season_database=store.season_path(season))
    row, files = _recorded(season, run_id)
    with folder_of(out) as staging:
        for name, content in files:
            (staging / name).write_bytes(content)
    return row, [name for name, _ in files]


def recorded_run_files(season: Path, run_id: int | None, folder: Path) -> store.RunRow:
    """Write the recorded files of a run (default: the newest valid binding run) into ``folder``; the
    run as recorded (its void state included)."""
    row, files = _recorded(season, run_id)
    for name, content in files:
        (folder / name).write_bytes(content)
    return row


def _recorded(season: Path, run_id: int | None) -> tuple[store.RunRow, list[tuple[str, bytes]]]:
    """A run as recorded and the files of its output folder, read in one connection; ``run_id``
    None: the newest valid binding run."""
    connection = store.connect(season)
    try:
        if run_id is None:
            run_id = store.latest_valid_run(connection, BINDING_KINDS)
            if run_id is None:
                # Said for explain, lists and letters alike (they all read the newest binding run).
                history = Step.call("history", season=season)
                raise SeasonError(f"{season}: no valid preliminary, final or reserve run yet (see {history})",
                                  steps=(history,))
        return store.run(connection, run_id), store.run_files(connection, run_id)
    finally:
        connection.close()


def held_seat(season: Path, run_id: int, student_id: str) -> tuple[int, str, str] | None:
    """(base run id, its kind, the offer the student held there) when run ``run_id`` is a reserve or
    trial round that started from a seat the student held; None otherwise."""
    connection = store.connect(season)
    try:
        base = store.run(connection, run_id).base_run_id
        if base is None:
            return None
        offer = store.held_seats(connection, base).get(as_read(student_id))
        return None if offer is None else (int(base), store.run_kind(connection, base), offer)
    finally:
        connection.close()


def base_holders(season: Path) -> tuple[int, list[str]]:
    """(run id, holders) of the run the next reserve round starts from."""
    connection = store.connect(season)
    try:
        base = store.latest_base(connection)
        if base is None:
            raise SeasonError(f"{season}: no valid final or reserve run yet, so nobody holds a seat")
        return base, sorted(store.held_seats(connection, base))
    finally:
        connection.close()
