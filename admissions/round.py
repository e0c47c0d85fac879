"""One round from input folder to result: read, encode, apply the rules, rank, match, check.

This module only orchestrates; every rule lives in :mod:`admissions.rules` (the selection rules,
the eligibility requirements, the market and its priority, the guarantee, the quota game, which
lottery numbers apply) and the matching in :mod:`admissions.matching`. ``match``, ``round``, the
what-ifs, the lottery draws and the plans start from :func:`prepare_round` and the
:class:`RoundResult` it returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from admissions.config import RoundConfig, load_config
from admissions.io.encode import EncodedRound, encode_round, ids_in_errors
from admissions.io.problems import Problem
from admissions.io.programme_types import ProgrammeTypes
from admissions.io.readers import release_freed_memory
from admissions.io.round_input import RoundInput
from admissions.io.validate import load_round
from admissions.matching import MatchingCheck, MatchResult, PreparedMarket, prepare
from admissions.rules.eligibility import programme_requirements
from admissions.rules.guarantee import Guarantee, guaranteed_selection, holders_own_tier
from admissions.rules.lottery import round_lottery
from admissions.rules.market import eligible_market, market_priority, tie_break_sources
from admissions.rules.quota_game import check_quota_matching, final_quota_sizes, match_quotas
from admissions.rules.quotas import Market
from admissions.rules.selection import Selection, apply_rules
from admissions.rules.warnings import merit_warnings, seat_warnings

Progress = Callable[[str], None]

#: The largest market (applications after the selection rules) whose student-optimality the round
#: checks against the pure-Python reference (:func:`reference_quota_deferred_acceptance`, independent
#: of the core: about 0.3 s at 55,000 students and 270,000 applications, 4-5 s and a few hundred MB of
#: Python objects at 1,000,000 students). Larger markets are checked against the core re-run on the
#: prepared market; capacity and blocking pairs are checked in full at every size, and run.json's
#: ``check.optimality_checked_with`` says which of the two was used.
REFERENCE_CHECK_MAX_APPLICATIONS = 400_000


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

    Two index spaces, named so that they cannot be confused:

    - the market's (``sub_``): the matching ran on ``market``, the eligible choices pushed to the
      left, each application to an offer with quotas written as one entry per quota, a
      sub-programme (admissions.rules.quotas), each offer with quotas choosing by its choice rule
      (admissions.rules.quota_game). ``priority`` (n, w) is its priority matrix, ``prepared`` the
      market ranked once by it (what-ifs, reserve positions, plans and lottery draws re-match it
      without ranking again), ``quota_seats`` (q,) the size of each sub-programme after the choice
      (an ordinary quota with the quota seats nobody in the quota held) and ``sub_result`` the
      core's result: ``sub_result.assignment`` (= ``sub_assignment``) holds sub-programme indices.
    - the input's offers (``offer_``): ``offer_assignment`` (n,) and ``offer_admitted`` (p,) hold
      indices into and counts per ``encoded.programme_ids``; ``placed_column`` (n,) is a column of
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
    priority: np.ndarray  # (n, w) float64, the market's columns
    prepared: PreparedMarket  # the market ranked by ``priority``
    quota_seats: np.ndarray  # (q,) int64 per sub-programme
    sub_result: MatchResult  # sub-programme indices
    check: MatchingCheck
    timings: Timings
    rule_warnings: tuple[Problem, ...] = ()

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Every warning of the round: the validator's and the selection rules'."""
        return tuple(self.data.warnings) + self.rule_warnings

    @property
    def sub_assignment(self) -> np.ndarray:
        """(n,) int64 sub-programme of ``market`` each student is placed at, -1 unplaced."""
        return self.sub_result.assignment

    @property
    def offer_assignment(self) -> np.ndarray:
        """(n,) int64 offer (index into ``encoded.programme_ids``) each student is placed at, -1 unplaced."""
        sub = self.sub_result.assignment
        return np.where(sub >= 0, self.market.parent[np.maximum(sub, 0)], -1)

    @property
    def placed_column(self) -> np.ndarray:
        """(n,) int64 column in ``encoded.choices`` of the choice each student got, -1 unplaced."""
        got = self.sub_result.choice_index
        column = np.full(len(got), -1, dtype=np.int64)
        placed = got >= 0
        column[placed] = self.market.column[np.flatnonzero(placed), got[placed]]
        return column

    @property
    def offer_admitted(self) -> np.ndarray:
        """(p,) int64 students admitted per offer, all quotas together."""
        return np.bincount(self.market.parent, weights=self.sub_result.admitted,
                           minlength=self.encoded.n_programmes).astype(np.int64)


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
    keep_grades: bool = True,
    language: str | None = None,
) -> RoundResult:
    """Load and validate a round's input folder and compute its matching (nothing is written).

    ``quotas`` and ``free_quota``: see :func:`admissions.rules.market.eligible_market`.
    ``guarantee``, given the encoded round, returns the placements the round must honour and the
    students' answers (reserve rounds). ``recorded_lottery``: lottery numbers a season recorded
    earlier, kept for those students (a lottery column in students.csv still wins); everyone else
    gets the number of the seed. ``keep_grades`` False: the grade rows are dropped once the selection
    rules have used them (``encoded``'s grade arrays empty, ``data.grades`` without columns, its
    number of rows kept), for a caller that only writes the result (at a million students 16
    million rows, about 1 GB). Raises InvalidInput with every problem when the input breaks the
    contract, and ConfigError when a setting is not allowed. ``language``: the documents' language
    (admissions.toml ``language`` when None; recorded in run.json's config).
    """
    timings = Timings()
    folder = Path(folder)
    with timings.step("read and validate", progress):
        # One entry point (shared with `validate`): every problem of the files, admissions.toml and
        # the programme-type table together; then the options on top of the file's settings.
        data = load_round(folder)
        config = load_config(folder, seed=seed, tie_break=tie_break, max_choices=max_choices, language=language)
        types = data.programme_types  # load_round has checked every code against it
    with timings.step("encode", progress):
        encoded = encode_round(data, config.max_choices)
        data = data.without_lookups()  # what validation computed for encoding: not needed after it
    with timings.step("selection rules", progress):
        selection = apply_rules(encoded, *programme_requirements(types, encoded.programme_code))
        rule_warnings = tuple(merit_warnings(data, encoded, selection))
        if not keep_grades:
            encoded, data = encoded.without_grade_rows(), data.without_grade_rows()
            release_freed_memory()
        lottery, lottery_source = round_lottery(encoded, config.seed, recorded_lottery)
        own_tier = selection.tier
        if guarantee is not None:
            selection, seats = guaranteed_selection(encoded.choices, selection, encoded.seats, guarantee(encoded))
            rule_warnings += tuple(seat_warnings(encoded, seats, data.file_name("programmes")))
            # An offer keeps every holder: its effective seats are reported, never negative vacancies.
            encoded = replace(encoded, seats=seats)
        market = eligible_market(encoded, selection, encoded.seats, quotas=quotas, free_quota=free_quota)
        with ids_in_errors(encoded, market.parent):
            priority = market_priority(market, config.tie_break,
                                       tie_break_sources(encoded, selection, market, lottery))
    selection = holders_own_tier(selection, own_tier)
    with timings.step("match", progress), ids_in_errors(encoded, market.parent):
        prepared = prepare(market.choices, priority)  # the one ranking of the round
        result = match_quotas(market, prepared, market.seats)
    with timings.step("check", progress), ids_in_errors(encoded, market.parent):
        reference = int(np.count_nonzero(market.choices >= 0)) <= REFERENCE_CHECK_MAX_APPLICATIONS
        check = check_quota_matching(market, priority, market.seats, result.assignment, reference=reference,
                                     prepared=prepared)
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
        prepared=prepared,
        quota_seats=final_quota_sizes(market, market.seats, result.assignment),
        sub_result=result,
        check=check,
        timings=timings,
        rule_warnings=rule_warnings,
    )
