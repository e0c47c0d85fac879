"""One round from input folder to result: load, validate, apply the rules, build priorities, match, check.

The CLI calls :func:`run_match`; what-ifs, rounds and reports reuse :func:`prepare_round` and the
:class:`RoundResult` it returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from admissions import __version__
from admissions.config import RoundConfig, load_config
from admissions.io.csv_format import format_floats
from admissions.io.encode import EncodedRound, encode_round
from admissions.io.problems import Problem
from admissions.io.programme_types import ProgrammeTypes
from admissions.io.readers import FIRST_DATA_ROW, MAX_PER_RULE
from admissions.io.round_input import RoundInput
from admissions.io.validate import load_round
from admissions.matching import (
    MatchingCheck,
    MatchResult,
    build_priority,
    TieBreakSources,
    lottery_numbers,
    tie_break_arrays,
    prepare,
)
from admissions.rules.eligibility import Requirement
from admissions.rules.guarantee import GUARANTEED_TIER, Guarantee, apply_guarantee
from admissions.rules.quota_game import check_quota_matching, final_quota_sizes, match_quotas, quota_seats_to_ordinary
from admissions.rules.quotas import Market, build_market
from admissions.rules.selection import Selection, apply_rules

Progress = Callable[[str], None]

#: How run.json describes where a round's lottery numbers came from.
LOTTERY_SOURCES = {
    "input": "given in the input",
    "seed": "HMAC-SHA256 of the seed and the student id",
    "season": "recorded in the season when each student was first seen (HMAC-SHA256 of the seed and the student id)",
}


@dataclass
class Timings:
    """Seconds spent in each step, in the order they ran."""

    steps: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str, progress: Progress | None = None) -> Iterator[None]:
        if progress is not None:
            progress(name)
        start = time.perf_counter()
        yield
        self.steps[name] = round(time.perf_counter() - start, 4)


@dataclass(frozen=True)
class RoundResult:
    """Everything a round computed, for outputs and reports.

    The matching ran on ``market``: the eligible choices, pushed to the left, each application to
    an offer with quotas written as one entry per quota (see admissions.rules.quotas), each offer
    with quotas choosing by its choice rule (admissions.rules.quota_game); ``priority`` is its
    priority matrix, ``quota_seats`` the size of each quota after the choice (an ordinary quota
    with the quota seats nobody in the quota held) and ``result`` the core's result on it.
    ``assignment`` and ``placed_column`` translate that back to offers and to columns of
    ``encoded.choices``.
    """

    data: RoundInput
    config: RoundConfig
    programme_types: ProgrammeTypes
    encoded: EncodedRound
    selection: Selection
    lottery: np.ndarray  # (n,) float64 each student's lottery number, higher wins (ties: smaller id)
    lottery_source: str  # "input", "seed" or "season" (numbers recorded in the season kept)
    market: Market
    priority: np.ndarray  # (n, w) float64
    quota_seats: np.ndarray  # (q,) int64
    result: MatchResult
    check: MatchingCheck
    timings: Timings
    rule_warnings: tuple[Problem, ...] = ()

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Every warning of the round: the validator's and the selection rules'."""
        return tuple(self.data.warnings) + self.rule_warnings

    @property
    def assignment(self) -> np.ndarray:
        """(n,) int64 offer each student is placed at, -1 unplaced."""
        sub = self.result.assignment
        return np.where(sub >= 0, self.market.parent[np.maximum(sub, 0)], -1)

    @property
    def placed_column(self) -> np.ndarray:
        """(n,) int64 column in ``encoded.choices`` of the choice each student got, -1 unplaced."""
        got = self.result.choice_index
        column = np.full(len(got), -1, dtype=np.int64)
        placed = got >= 0
        column[placed] = self.market.column[np.flatnonzero(placed), got[placed]]
        return column

    @property
    def admitted(self) -> np.ndarray:
        """(p,) int64 students admitted per offer, all quotas together."""
        return np.bincount(self.market.parent, weights=self.result.admitted,
                           minlength=self.encoded.n_programmes).astype(np.int64)


def compact_choices(choices: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Push the kept choices of each row to the left, in order, and pad with -1.

    Returns the compacted choices (n, k') and, for each entry, its column in ``choices`` (-1 at
    padding); k' is the largest number of kept choices in any row (at least 1).
    """
    # A kept entry's new column is the number of kept entries before it in its row.
    position = np.cumsum(keep, axis=1) - 1
    width = max(int(position[:, -1].max(initial=-1)) + 1 if position.size else 0, 1)
    compact = np.full((len(choices), width), -1, dtype=np.int64)
    column = np.full((len(choices), width), -1, dtype=np.int64)
    r, c = np.nonzero(keep)
    compact[r, position[r, c]] = choices[r, c]
    column[r, position[r, c]] = c
    return compact, column


def eligible_market(
    encoded: EncodedRound,
    selection: Selection,
    seats: np.ndarray,
    *,
    quotas: bool = True,
    free_quota: bool = True,
) -> Market:
    """The market the core matches: competing choices only, offers with quotas split.

    ``quotas`` False matches every offer as one queue (reserve rounds); ``free_quota`` False
    ignores free_quota_rank (before the final admission nobody is placed in the free quota, and its
    seats pass to the ordinary selection).
    """
    choices, column = compact_choices(encoded.choices, selection.competing)
    rows = np.arange(encoded.n_students)[:, None]
    at = np.maximum(column, 0)
    no_seats = np.zeros_like(encoded.test_seats)
    return build_market(
        choices,
        column,
        selection.tier[rows, at],
        selection.score[rows, at],
        encoded.test_points[rows, at],
        seats,
        encoded.test_seats if quotas else no_seats,
        encoded.free_quota_seats if quotas else no_seats,
        encoded.free_quota_rank if free_quota else np.full(encoded.n_students, np.nan),
    )


def merit_warnings(data: RoundInput, encoded: EncodedRound, selection: Selection) -> list[Problem]:
    """A warning for every student whose given merit_value differs from the one computed from grades.

    Grades win; at most MAX_PER_RULE students are listed and one more line counts the rest.
    """
    file = next((s.path.name for s in data.sources if s.name == "students"), "students.csv")
    students = selection.merit_mismatch
    problems = [
        Problem(file, int(i) + FIRST_DATA_ROW, "merit_value", format_floats(encoded.merit_given[[i]])[0],
                f"differs from the merit value computed from grades.csv "
                f"({format_floats(selection.merit[[i]])[0]}); the grades are used", "warning")
        for i in students[:MAX_PER_RULE]
    ]
    if len(students) > MAX_PER_RULE:
        problems.append(Problem(file, None, "merit_value", None,
                                f"... and {len(students) - MAX_PER_RULE} more students whose merit_value "
                                "differs from their grades", "warning"))
    return problems


def seat_warnings(encoded: EncodedRound, effective: np.ndarray) -> list[Problem]:
    """A warning per offer whose seats in the input are below the holders it keeps (reserve rounds)."""
    return [
        Problem("programmes.csv", None, "seats", str(int(encoded.seats[p])),
                f"offer {encoded.programme_ids[p]} has seats {int(encoded.seats[p])} below its "
                f"{int(effective[p])} holders, who keep their seats: effective seats {int(effective[p])}",
                severity="warning")
        for p in np.flatnonzero(effective > encoded.seats)
    ]


def input_warnings(data: RoundInput) -> list[Problem]:
    """The warnings the selection rules find in a valid input (for ``admissions validate``)."""
    encoded = encode_round(data)
    return merit_warnings(data, encoded, apply_rules(encoded))


def programme_requirements(types: ProgrammeTypes, codes: np.ndarray) -> tuple[list[Requirement], np.ndarray]:
    """The distinct eligibility requirements of the offers and, per offer, the index of its own."""
    requirements: list[Requirement] = []
    index: dict[Requirement, int] = {}
    programme_requirement = np.empty(len(codes), dtype=np.int64)
    for p, code in enumerate(codes):
        t = types.types[code]
        requirement = Requirement(t.kind, t.others, tuple(t.required))
        if requirement not in index:
            index[requirement] = len(requirements)
            requirements.append(requirement)
        programme_requirement[p] = index[requirement]
    return requirements, programme_requirement


def prepare_round(
    folder: Path,
    *,
    seed: int | None = None,
    tie_break: tuple[str, ...] | None = None,
    max_choices: int | None = None,
    progress: Progress | None = None,
    quotas: bool = True,
    free_quota: bool = True,
    guarantee: Callable[[EncodedRound], Guarantee] | None = None,
    recorded_lottery: Mapping[str, float] | None = None,
) -> RoundResult:
    """Load and validate a round's input folder and compute its matching (nothing is written).

    ``quotas`` and ``free_quota``: see :func:`eligible_market`. ``guarantee``, given the encoded
    round, returns the placements the round must honour and the students' answers (reserve rounds).
    ``recorded_lottery``: lottery numbers a season recorded earlier, kept for those students (a
    lottery column in students.csv still wins); everyone else gets the number of the seed.
    Raises InvalidInput with every problem when the input breaks the contract, and ConfigError
    when a setting is not allowed.
    """
    timings = Timings()
    folder = Path(folder)
    with timings.step("read and validate", progress):
        # One entry point (shared with `validate`): every problem of the files, admissions.toml and
        # the programme-type table together; then the options on top of the file's settings.
        data = load_round(folder)
        config = load_config(folder, seed=seed, tie_break=tie_break, max_choices=max_choices)
        types = data.programme_types  # load_round has checked every code against it
    with timings.step("encode", progress):
        encoded = encode_round(data, config.max_choices)
    with timings.step("selection rules", progress):
        requirements, programme_requirement = programme_requirements(types, encoded.programme_code)
        selection = apply_rules(encoded, requirements, programme_requirement)
        rule_warnings = tuple(merit_warnings(data, encoded, selection))
        lottery, lottery_source = round_lottery(encoded, config.seed, recorded_lottery)
        seats = encoded.seats
        if guarantee is not None:
            eligible, tier, excluded, seats = apply_guarantee(
                encoded.choices, selection.eligible, selection.tier, seats, guarantee(encoded)
            )
            held = (tier == GUARANTEED_TIER) & (encoded.choices >= 0)
            own_tier = selection.tier
            selection = replace(selection, eligible=eligible, tier=tier, excluded=excluded, held=held)
            rule_warnings += tuple(seat_warnings(encoded, seats))
            # An offer keeps every holder: its effective seats are reported, never negative vacancies.
            encoded = replace(encoded, seats=seats)
        market = eligible_market(encoded, selection, seats, quotas=quotas, free_quota=free_quota)
        priority = build_priority(
            market.choices,
            market.tier,
            market.score,
            tie_break=config.tie_break,
            **tie_break_arrays(tie_break_sources(encoded, selection, market, lottery), config.tie_break),
        )
    if selection.held is not None:
        # The market ranks holders first (tier 0); the reports show each holder's own tier, and tell
        # the held seats apart through ``selection.held``.
        selection = replace(selection, tier=np.where(selection.held, own_tier, selection.tier))
    with timings.step("match", progress):
        result = match_quotas(market, prepare(market.choices, priority), market.seats)
    with timings.step("check", progress):
        check = check_quota_matching(market, priority, market.seats, result.assignment)
    return RoundResult(
        data=data,
        config=config,
        programme_types=types,
        encoded=encoded,
        selection=selection,
        lottery=lottery,
        lottery_source=lottery_source,
        market=market,
        priority=priority,
        quota_seats=final_quota_sizes(market, market.seats, result.assignment),
        result=result,
        check=check,
        timings=timings,
        rule_warnings=rule_warnings,
    )


def tie_break_sources(encoded: EncodedRound, selection: Selection, market: Market,
                      lottery: np.ndarray) -> TieBreakSources:
    """What the round's tie-break keys are built from (admissions.matching.priority.TIE_BREAK).

    ``lottery`` (n,) are the lottery numbers; the lottery draws pass each draw's numbers instead.
    """
    return TieBreakSources(
        student_ids=np.asarray(encoded.student_ids),
        lottery=np.asarray(lottery, dtype=np.float64),
        merit=selection.merit,
        n_grades=selection.n_grades,
        choice_rank=market.column,
    )


def round_lottery(
    encoded: EncodedRound, seed: int, recorded: Mapping[str, float] | None = None
) -> tuple[np.ndarray, str]:
    """(n,) float64 each student's lottery number and where the numbers came from.

    A lottery column in students.csv wins ("input"); otherwise a number recorded in the season
    for the student is kept ("season" when any was), and every other student gets the number of
    ``seed`` (admissions.matching.lottery).
    """
    if encoded.lottery_given is not None:
        return np.asarray(encoded.lottery_given, dtype=np.float64), "input"
    numbers = lottery_numbers(encoded.student_ids, seed)
    if not recorded:
        return numbers, "seed"
    kept = np.array([recorded.get(str(s), np.nan) for s in encoded.student_ids], dtype=np.float64)
    known = ~np.isnan(kept)
    numbers[known] = kept[known]
    return numbers, "season" if known.any() else "seed"


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
