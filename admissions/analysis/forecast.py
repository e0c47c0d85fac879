"""Scenarios with the demand model (``admissions whatif --model``): new and closed offers, cohorts, many draws.

Without a model a what-if replays this year's lists with other seats. With a model
(:mod:`admissions.analysis.demand`) each scenario is a set of *draws*; in each draw every
student's list changes only by what the model implies, then the real rules and matching run:

1. **Cohort.** A municipality whose cohort grows by a factor f > 1 gets ``(f - 1) x`` its students
   again, each a copy of one of its observed students drawn at random (grades, merit value,
   list); one that shrinks loses a random ``(1 - f)`` of them. Fractions are rounded at random so
   the expected count is exact. The factor is the scenario's ``growth`` times the cohorts file's
   (cohorts.csv: municipality, year, students; the last year over the one before, or over the
   round's applicants from the municipality when it gives one year).
2. **Closed offers** (seats 0) leave every list; the lists keep their order.
3. **Added offers** enter each list at a position drawn from the model conditional on the
   student's own ordering of the listed offers (:func:`admissions.analysis.choice_model.insertion_probabilities`);
   a list that grows past its length drops its last choice.
4. **Lists shortened by a closure** get their missing choices drawn from the model among the
   offers they do not list (by the memorylessness of the Gumbel ranking that is exactly the
   next choice the student would have made).
5. The draw's round (new lottery numbers) goes through eligibility, tiers, priorities and the
   deferred acceptance with the quota choice rules as ``match`` does, and its figures are kept.

A draw is seeded by (seed, scenario, draw), so results do not depend on the executor or on the
order draws finish. Expected values are the mean over draws and the 90 % intervals the 5th and
95th percentiles.

Outputs carry no student ids: counts per scenario, offer, school and municipality.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from admissions.arguments import check_count, check_scalar
from admissions.analysis import choice_model as cm
from admissions.analysis.demand import DemandModel, load_model, municipality_centres
from admissions.analysis.executors import TaskProgress, check_workers, executor_name, run_all
from admissions.analysis.market import cutoff_lookup, offer_cutoffs, placed_columns
from admissions.analysis.scenarios import BASELINE, Scenario, load_scenarios
from admissions.errors import InvalidInput
from admissions.io.contract import ColumnSpec, FileSpec
from admissions.io.encode import EncodedRound, ids_in_errors
from admissions.io.write import write_csv
from admissions.io.problems import Problem
from admissions.io.readers import FIRST_DATA_ROW
from admissions.io.validate import check_rows, did_you_mean, raise_errors
from admissions.matching import build_priority, prepare
from admissions.job import start_job
from admissions.round import Progress, RoundResult, prepare_round
from admissions.rules.eligibility import programme_requirements
from admissions.rules.market import eligible_market
from admissions.reports.forecast import (
    closed_offers_table,
    flows_table,
    municipalities_table,
    programme_changes_table,
    scenarios_table,
    schools_table,
)
from admissions.reports.flows import round_prices
from admissions.rules.compensation import compensated, costs_by_group
from admissions.rules.quota_game import match_quotas
from admissions.rules.selection import FIRST_HAND, apply_rules
from admissions.wording import counted

COHORTS = FileSpec(
    name="cohorts",
    key=("municipality", "year"),
    description="Students per municipality and year, for the cohort of a model-based what-if.",
    columns=(
        ColumnSpec("municipality", "text"),
        ColumnSpec("year", "int", minimum=1900, maximum=2200),
        ColumnSpec("students", "number", minimum=0),
    ),
)

#: Files written by ``admissions whatif --model``.
FORECAST_FILES = ("scenarios.csv", "programme_changes.csv", "flows.csv", "municipalities.csv", "schools.csv",
                  "closed_offers.csv", "whatif.html", "run.json")
DEFAULT_DRAWS = 100
MAX_DRAWS = 10_000


@dataclass(frozen=True)
class AddedOffer:
    """An offer a scenario adds: its attributes, place and the model's attractiveness."""

    programme_id: str
    seats: int
    school: str
    municipality: str
    programme_code: str
    orientation: str
    principal: str
    latitude: float
    longitude: float
    attractiveness: float
    attractiveness_source: str


@dataclass(frozen=True)
class ScenarioPlan:
    """One scenario ready to draw: seats of the round's offers, added offers, cohort factors."""

    name: str
    seats: np.ndarray  # (p,) int64
    added: list[AddedOffer]
    factor: np.ndarray  # (m,) float64 cohort factor per municipality
    n_changes: int
    # (G, p + a) utility of every student group for every offer, the added ones last.
    group_utility: np.ndarray = field(repr=False, default=None)

    @property
    def closed(self) -> np.ndarray:
        return np.flatnonzero(self.seats == 0)


@dataclass(frozen=True, eq=False)
class ForecastContext:
    """What every draw needs, built once and sent once to each worker."""

    encoded: EncodedRound
    types: object
    tie_break: tuple[str, ...]
    student_group: np.ndarray  # (n,) int64 the student's group of the model's data
    baseline_assignment: np.ndarray  # (n,) int64 offer of each student in the round as it is, -1 unplaced
    offer_price: np.ndarray  # (p,) float64 price per student and year, NaN when none
    prices: dict[str, float]  # price per programme code
    grade_order: np.ndarray  # (g,) grade rows sorted by student
    grade_start: np.ndarray  # (n + 1,) first row in grade_order of each student
    plans: list[ScenarioPlan]


@dataclass(frozen=True)
class Draw:
    """The figures of one draw of one scenario (p' = offers of the round plus the added ones)."""

    applicants: np.ndarray  # (p',) students listing the offer
    first_choices: np.ndarray  # (p',)
    admitted: np.ndarray  # (p',)
    cutoff: np.ndarray  # (p',) float64
    n_students: int
    placed: int
    placed_first_choice: int
    eligible_first_hand_unplaced: int
    flows: np.ndarray  # (m, m) placed students by home and host
    costs: np.ndarray  # (m, m) float64 SEK per year the home pays the host (students with a price)
    unpriced: np.ndarray  # (m, m) int64 compensated students whose programme has no price
    students_by_home: np.ndarray  # (m,)
    unplaced_by_home: np.ndarray  # (m,)
    closed_destinations: dict[int, tuple[np.ndarray, np.ndarray]]  # closed offer -> (applicants', displaced') (p' + 1,)


# --- scenario preparation ----------------------------------------------------------------------


def cohort_factors(path: Path | None, r: RoundResult) -> tuple[np.ndarray, list[str]]:
    """(m,) cohort factor per municipality of the round from a cohorts file (1 where it says nothing).

    Raises InvalidInput for unknown municipalities and bad cells, every problem together.
    """
    enc = r.encoded
    factors = np.ones(len(enc.municipalities))
    if path is None:
        return factors, []
    path = Path(path)
    # The file's own problems (a number '3 500', a year missing) with the round's, all together.
    frame, problems, bad_cells = check_rows(path, COHORTS)
    bad_rows = {row for row, _ in bad_cells}
    index = {str(m): i for i, m in enumerate(enc.municipalities.astype(str))}
    applicants = np.bincount(enc.home, minlength=len(factors))
    notes: list[str] = []
    rows_of: dict[str, list[tuple[int, float, int]]] = {}
    unsure: set[str] = set()  # municipalities with a row that cannot be read: not judged on the others
    for i, (m, year, students) in enumerate(zip(frame["municipality"].astype(str), frame["year"], frame["students"])):
        row = i + FIRST_DATA_ROW
        if (row, "municipality") in bad_cells:
            continue
        if m not in index:
            problems.append(Problem(path.name, row, "municipality", m,
                                    "not in municipalities.csv of the round" + did_you_mean(m, list(index))))
            continue
        if row in bad_rows:
            unsure.add(m)
            continue
        rows_of.setdefault(m, []).append((int(year), float(students), row))
    for m, rows in rows_of.items():
        if m in unsure:
            continue
        rows.sort()
        j = index[m]
        if len(rows) >= 2:
            (_, before, row_before), (year, after, _) = rows[-2], rows[-1]
            if before <= 0:
                problems.append(Problem(path.name, row_before, "students", f"{before:g}",  # 0, not 0.0
                                        "must be > 0 (the year the growth is measured from)"))
                continue
            factors[j] = after / before
            notes.append(f"{m}: {after:g} / {before:g} ({rows[-2][0]} -> {year})")
        else:
            year, students, row = rows[0]
            if applicants[j] == 0:
                problems.append(Problem(path.name, row, "municipality", m,
                                        "has no applicants in the round, must give two years to scale by"))
                continue
            factors[j] = students / applicants[j]
            notes.append(f"{m}: {students:g} / {applicants[j]} applicants in the round ({year})")
    raise_errors(problems)
    return factors, notes


def _added_offers(r: RoundResult, model: DemandModel, scenario: Scenario, scenarios_file: str) -> tuple[list[AddedOffer], list[Problem]]:
    programmes = r.data.programmes
    enc = r.encoded
    centres = municipality_centres()
    municipalities = set(enc.municipalities.astype(str))
    offers = model.offers
    problems: list[Problem] = []
    result = []
    for pid, seats in scenario.added.items():
        given = scenario.added_attributes.get(pid, {})
        school = str(given.get("school", "")).strip()
        at_school = offers[offers["school"] == school] if school else offers.iloc[:0]
        known_school = len(at_school) > 0
        municipality = str(given.get("municipality", at_school["municipality"].iloc[0] if known_school else ""))
        code = str(given.get("programme_code", ""))
        principal = str(given.get("principal", at_school["principal"].iloc[0] if known_school else "municipal"))
        where = f"added offer {pid} of scenario {scenario.name}"
        row = scenario.added_rows.get(pid)
        # Every problem of the row together: a row may lack its code and name an unknown municipality.
        found = []
        if not code:
            found.append(Problem(scenarios_file, row, "programme_code", "",
                                 f"{where} has no programme_code, must have one to draw from the demand model"))
        elif code not in r.programme_types.types:
            found.append(Problem(scenarios_file, row, "programme_code", code,
                                 f"{where}: programme code not in the programme-type table"))
        if not municipality:
            found.append(Problem(scenarios_file, row, "municipality", "",
                                 f"{where} names no school of the round"
                                 + (f" ('{school}' is not one)" if school else "") + ", must give municipality"))
        elif municipality not in municipalities:
            found.append(Problem(scenarios_file, row, "municipality", municipality,
                                 f"{where}: not in municipalities.csv of the round"
                                 + did_you_mean(municipality, sorted(municipalities))))
        if principal not in ("municipal", "independent"):
            found.append(Problem(scenarios_file, row, "principal", principal,
                                 f"{where}: must be municipal or independent"))
        lat, lon = given.get("latitude"), given.get("longitude")
        if lat is None or lon is None:
            if known_school:
                lat, lon = float(at_school["latitude"].iloc[0]), float(at_school["longitude"].iloc[0])
            elif municipality in centres:
                lat, lon = centres[municipality]
            elif municipality in municipalities:
                column = "longitude" if lat is not None else "latitude"
                found.append(Problem(scenarios_file, row, column, "",
                                     f"{where}: {municipality} has no known centre, must give latitude and longitude"))
        if found:
            problems += found
            continue
        alpha, rule = model.effects.predict(code, school, municipality, principal == "independent")
        result.append(AddedOffer(pid, int(seats), school or f"{pid} (new school)", municipality, code,
                                 str(given.get("orientation", "")), principal, float(lat), float(lon), alpha, rule))
    del programmes
    return result, problems


def _group_utilities(model: DemandModel, data: cm.ChoiceData, added: list[AddedOffer], host_index: dict[str, int],
                     code_slope: dict[str, float], group_lat: np.ndarray, group_lon: np.ndarray) -> np.ndarray:
    """(G, p + a): the round's offers by the model's data, then the added offers by their attributes."""
    v = cm.group_utilities(data, model.coef)
    if not added:
        return v
    lat = np.array([a.latitude for a in added])
    lon = np.array([a.longitude for a in added])
    dist = cm.distance_km(group_lat, group_lon, lat, lon)
    host = np.array([host_index[a.municipality] for a in added])
    slope = np.array([code_slope.get(a.programme_code, 0.0) for a in added])
    alpha = np.array([a.attractiveness for a in added])
    extra = alpha[None, :] + model.coef.distance_per_km * dist \
        + model.coef.home_municipality * (data.group_home[:, None] == host[None, :]) \
        + data.group_merit_z[:, None] * slope[None, :]
    return np.hstack([v, extra])


def build_context(r: RoundResult, model: DemandModel, scenarios: list[Scenario], cohort: np.ndarray,
                  growth: float | None, scenarios_file: str) -> ForecastContext:
    """The shared context of every draw: the round, the model's utilities per scenario, prices."""
    from admissions.analysis.demand import choice_data, merit_scale, round_places

    enc = r.encoded
    places = round_places(r)
    data = choice_data(r, places, model.scale, model.codes)
    # Each group's place, for distances to added offers (one student of the group stands for it).
    first = np.zeros(len(data.group_home), dtype=np.int64)
    first[data.group[::-1]] = np.arange(len(data.group))[::-1]
    group_lat, group_lon = places.student_lat[first], places.student_lon[first]
    host_index = {str(m): i for i, m in enumerate(enc.municipalities.astype(str))}
    code_slope = {c: model.merit_slope(c) for c in model.codes}
    problems: list[Problem] = []
    plans = []
    for scenario in scenarios:
        added, found = _added_offers(r, model, scenario, scenarios_file)
        problems += found
        factor = cohort * (scenario.growth if scenario.growth is not None else 1.0) * (growth if growth is not None else 1.0)
        plans.append(ScenarioPlan(scenario.name, scenario.seats, added, factor, scenario.n_changes,
                                  _group_utilities(model, data, added, host_index, code_slope, group_lat, group_lon)))
    if problems:
        raise InvalidInput(sorted(problems, key=lambda p: p.row or 0))  # in file order
    del merit_scale
    prices = round_prices(r)
    price_of, offer_price = prices.price_of, prices.per_offer(enc.programme_code)
    grade_order = np.argsort(enc.grade_student, kind="stable")
    grade_start = np.zeros(enc.n_students + 1, dtype=np.int64)
    np.cumsum(np.bincount(enc.grade_student, minlength=enc.n_students), out=grade_start[1:])
    return ForecastContext(enc, r.programme_types, tuple(r.config.tie_break), data.group, r.offer_assignment,
                           offer_price, price_of, grade_order, grade_start, plans)


# --- one draw -----------------------------------------------------------------------------------


def _cohort_sample(home: np.ndarray, factor: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """(n',) source student of each student of the draw (kept students in order, then the copies),
    and the number kept."""
    keep = np.ones(len(home), dtype=bool)
    copies = []
    for m in np.flatnonzero(factor != 1.0):
        students = np.flatnonzero(home == m)
        if len(students) == 0:
            continue
        target = factor[m] * len(students)
        count = int(np.floor(target)) + int(rng.random() < target - np.floor(target))
        if count < len(students):
            drop = rng.choice(students, size=len(students) - count, replace=False)
            keep[drop] = False
        elif count > len(students):
            copies.append(rng.choice(students, size=count - len(students), replace=True))
    kept = np.flatnonzero(keep)
    return (np.concatenate([kept] + copies).astype(np.int64) if copies else kept), len(kept)


def _left_align(lists: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Push each row's entries (>= 0) to the left, keeping their order; ``source`` moves with them."""
    keep = lists >= 0
    order = np.argsort(~keep, axis=1, kind="stable")
    return np.take_along_axis(lists, order, axis=1), np.take_along_axis(source, order, axis=1)


def _insert(lists: np.ndarray, source: np.ndarray, lengths: np.ndarray, gv: np.ndarray, group: np.ndarray,
            open_mask: np.ndarray, new: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Insert offer ``new`` into each list at a position drawn from the model; keep each list's length.

    ``gv`` (G, p') is the utility of each student group, ``group`` (n,) each student's group: the
    choice set's weight is summed once per group, and only the listed offers are per student.
    """
    n, k = lists.shape
    valid = lists >= 0
    others = open_mask.copy()
    others[new] = False
    w = np.where(others[None, :], gv, -np.inf)
    top = w.max(axis=1)
    total = np.exp(w - top[:, None]).sum(axis=1)  # (G,) weight of the others' choice set
    v_lists = np.where(valid, gv[group[:, None], np.where(valid, lists, 0)], -np.inf)
    e_lists = np.exp(v_lists - top[group][:, None])
    den = total[group][:, None] - (np.cumsum(e_lists, axis=1) - e_lists)
    remaining = np.log(np.maximum(den, total[group][:, None] * 1e-300)) + top[group][:, None]
    prob = cm.insertion_probabilities(np.where(valid, v_lists, 0.0), valid, remaining, gv[group, new])
    cum = np.cumsum(prob, axis=1)
    u = rng.random(n)[:, None]
    position = np.minimum((u > cum).sum(axis=1), k)  # 0-based; k = not listed
    position = np.where(position >= valid.sum(axis=1), k, position)  # beyond the list: not listed
    inserted = position < k
    col = np.arange(k + 1)[None, :]
    from_col = np.clip(np.where(col > position[:, None], col - 1, col), 0, k - 1)
    wide = np.take_along_axis(lists, from_col, axis=1)
    wide_source = np.take_along_axis(source, from_col, axis=1)
    at = inserted[:, None] & (col == position[:, None])
    wide[at] = new
    wide_source[at] = -1
    wide[~inserted, k] = -1
    wide_source[~inserted, k] = -1
    # Keep each list at its length: what was pushed past it is dropped.
    beyond = col >= lengths[:, None]
    wide[beyond] = -1
    wide_source[beyond] = -1
    return wide[:, :k], wide_source[:, :k]


def _fill(lists: np.ndarray, source: np.ndarray, lengths: np.ndarray, gv: np.ndarray, group: np.ndarray,
          open_mask: np.ndarray, rng: np.random.Generator) -> None:
    """Draw the missing choices of lists shorter than their length among the open offers they do not list."""
    have = (lists >= 0).sum(axis=1)
    short = np.flatnonzero(have < lengths)
    if len(short) == 0:
        return
    u = np.where(open_mask[None, :], gv[group[short]], -np.inf) + rng.gumbel(size=(len(short), gv.shape[1]))
    rows = np.arange(len(short))
    listed = lists[short]
    for c in range(lists.shape[1]):
        present = listed[:, c] >= 0
        u[rows[present], listed[present, c]] = -np.inf
    for c in range(lists.shape[1]):
        need = (have[short] <= c) & (c < lengths[short])
        if not need.any():
            continue
        best = u.argmax(axis=1)
        ok = need & np.isfinite(u[rows, best])
        lists[short[ok], c] = best[ok]
        source[short[ok], c] = -1
        u[rows[ok], best[ok]] = -np.inf


def draw_lists(context: ForecastContext, plan: ScenarioPlan, rng: np.random.Generator
               ) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """One draw's students and lists: src (n',) source student, the number of them that are the
    round's own (the rest are copies), lists (n', k) and each entry's column in the source list
    (-1 for a choice the draw added).

    Lists hold offer indices of the round (0..p-1) and the added offers (p, p + 1, ...).
    """
    enc = context.encoded
    p = enc.n_programmes
    n_all = p + len(plan.added)
    src, n_kept = _cohort_sample(enc.home, plan.factor, rng)
    lists = enc.choices[src].copy()
    k = lists.shape[1]
    column = np.where(lists >= 0, np.arange(k)[None, :], -1)
    lengths = (lists >= 0).sum(axis=1)
    open_mask = np.ones(n_all, dtype=bool)
    open_mask[plan.closed] = False
    if len(plan.closed):
        closed = np.isin(lists, plan.closed)
        lists[closed] = -1
        column[closed] = -1
        lists, column = _left_align(lists, column)
    group = context.student_group[src]
    for a in range(len(plan.added)):
        lists, column = _insert(lists, column, lengths, plan.group_utility, group, open_mask, p + a, rng)
    _fill(lists, column, lengths, plan.group_utility, group, open_mask, rng)
    return src, n_kept, lists, column


def _draw_round(context: ForecastContext, plan: ScenarioPlan, src: np.ndarray, lists: np.ndarray,
                column: np.ndarray, rng: np.random.Generator) -> EncodedRound:
    enc = context.encoded
    n_new = len(src)
    rows = src[:, None]
    at = np.maximum(column, 0)
    has = column >= 0
    added = plan.added
    a = len(added)
    host_index = {str(m): i for i, m in enumerate(enc.municipalities.astype(str))}
    # Grades of every student of the draw: the rows of their source student.
    order, start = context.grade_order, context.grade_start
    per = start[src + 1] - start[src]
    grade_rows = order[np.repeat(start[src], per) + (np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per))]
    return replace(
        enc,
        student_ids=enc.student_ids[src],  # a copy keeps its source's id: ids are not used after this
        programme_ids=np.concatenate([enc.programme_ids, np.array([o.programme_id for o in added], dtype=object)]),
        choices=lists,
        application_row=np.full(lists.shape, -1, dtype=np.int64),
        test_points=np.where(has, enc.test_points[rows, at], np.nan),
        eligible_override=np.where(has, enc.eligible_override[rows, at], -1).astype(np.int8),
        merit_given=enc.merit_given[src],
        lottery_given=None,
        home=enc.home[src],
        # Lateness is per choice: a drawn choice from the source's list keeps its group; a new one
        # is late only when every choice of the source was (late in students.csv).
        late=np.where(has, enc.late[rows, at], enc.late[src].all(axis=1)[:, None]),
        free_quota_rank=enc.free_quota_rank[src],
        seats=np.concatenate([plan.seats, np.array([o.seats for o in added], dtype=np.int64)]),
        host=np.concatenate([enc.host, np.array([host_index[o.municipality] for o in added], dtype=np.int64)]),
        programme_code=np.concatenate([enc.programme_code, np.array([o.programme_code for o in added], dtype=object)]),
        independent=np.concatenate([enc.independent, np.array([o.principal == "independent" for o in added], dtype=bool)]),
        national_recruitment=np.concatenate([enc.national_recruitment, np.zeros(a, dtype=bool)]),
        has_test=np.concatenate([enc.has_test, np.zeros(a, dtype=bool)]),
        test_seats=np.concatenate([enc.test_seats, np.zeros(a, dtype=np.int64)]),
        free_quota_seats=np.concatenate([enc.free_quota_seats, np.zeros(a, dtype=np.int64)]),
        grade_student=np.repeat(np.arange(n_new), per),
        grade_subject=enc.grade_subject[grade_rows],
        grade_points=enc.grade_points[grade_rows],
        grade_language_choice=enc.grade_language_choice[grade_rows],
    )


def run_draw(context: ForecastContext, task: tuple[int, int, int]) -> Draw:
    """Draw scenario ``task[0]``'s round number ``task[1]`` (seed ``task[2]``), match it and count."""
    index, draw, seed = task
    plan = context.plans[index]
    rng = np.random.default_rng([seed, index, draw])
    src, n_kept, lists, column = draw_lists(context, plan, rng)
    enc = _draw_round(context, plan, src, lists, column, rng)
    return match_draw(context, plan, enc, src, n_kept, rng)


def match_draw(context: ForecastContext, plan: ScenarioPlan, enc: EncodedRound, src: np.ndarray, n_kept: int,
               rng: np.random.Generator) -> Draw:
    """Eligibility, tiers, priorities and the matching (quota choice rules) on a drawn round, and its figures."""
    requirements, programme_requirement = programme_requirements(context.types, enc.programme_code)
    selection = apply_rules(enc, requirements, programme_requirement)
    market = eligible_market(enc, selection, enc.seats)
    lottery = (rng.permutation(enc.n_students) + 1).astype(np.float64)
    with ids_in_errors(enc, market.parent):  # a draw's own students and offers (added ones included)
        priority = build_priority(market.choices, market.tier, market.score, tie_break=context.tie_break,
                                  lottery=lottery, grade_value=np.nan_to_num(selection.merit, nan=0.0),
                                  n_grades=selection.n_grades, choice_rank=market.column)
        result = match_quotas(market, prepare(market.choices, priority), market.seats)
    return figures(context, plan, enc, market, priority, result, src, n_kept)


def figures(context: ForecastContext, plan: ScenarioPlan, enc: EncodedRound, market, priority: np.ndarray,
            result, src: np.ndarray, n_kept: int) -> Draw:
    """The figures of one matched round (a draw, or the round as it is with ``src`` = every student)."""
    p_all = enc.n_programmes
    m = len(enc.municipalities)
    placed_column = placed_columns(market, result.choice_index)
    sub = result.assignment
    offer = np.where(sub >= 0, market.parent[np.maximum(sub, 0)], -1)
    admitted = np.bincount(market.parent, weights=result.admitted, minlength=p_all).astype(np.int64)
    cutoff = offer_cutoffs(market, cutoff_lookup(market, priority), result.cutoff, result.admitted,
                           placed_column, p_all)
    listed = enc.choices >= 0
    placed = offer >= 0
    home = enc.home
    host = enc.host[np.maximum(offer, 0)]
    pair = home[placed] * m + host[placed]
    flows = np.bincount(pair, minlength=m * m).reshape(m, m)
    price = np.concatenate([context.offer_price, np.array(
        [context.prices.get(o.programme_code, np.nan) for o in plan.added], dtype=np.float64)])
    paid = compensated(home[placed], host[placed], enc.independent[offer[placed]])
    cost, without_price = costs_by_group(pair, paid, price[offer[placed]], m * m)
    costs, unpriced = cost.reshape(m, m), without_price.reshape(m, m)
    # Eligible first-hand applicants left unplaced: the first aim for seat plans.
    first_hand = ((market.tier == FIRST_HAND) & (market.choices >= 0)).any(axis=1)
    closed: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    original = np.arange(len(src)) < n_kept  # the round's own students, not the cohort's copies
    destination = np.where(placed, offer, p_all)
    for j in plan.closed:
        applied = (context.encoded.choices[src] == j).any(axis=1) & original
        displaced = (context.baseline_assignment[src] == j) & original
        closed[int(j)] = (np.bincount(destination[applied], minlength=p_all + 1),
                          np.bincount(destination[displaced], minlength=p_all + 1))
    return Draw(
        applicants=np.bincount(enc.choices[listed], minlength=p_all),
        first_choices=np.bincount(enc.choices[enc.choices[:, 0] >= 0, 0], minlength=p_all),
        admitted=admitted,
        cutoff=cutoff,
        n_students=enc.n_students,
        placed=int(placed.sum()),
        placed_first_choice=int((placed_column == 0).sum()),
        eligible_first_hand_unplaced=int((first_hand & ~placed).sum()),
        flows=flows,
        costs=costs,
        unpriced=unpriced,
        students_by_home=np.bincount(home, minlength=m),
        unplaced_by_home=np.bincount(home[~placed], minlength=m),
        closed_destinations=closed,
    )


def baseline_figures(context: ForecastContext, r: RoundResult) -> Draw:
    """The round as it is, counted as a draw is."""
    plan = ScenarioPlan(BASELINE, r.encoded.seats, [], np.ones(len(r.encoded.municipalities)), 0)
    n = r.encoded.n_students
    return figures(context, plan, r.encoded, r.market, r.priority, r.sub_result, np.arange(n), n)


# --- many draws, summarised ---------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """Every draw of every scenario, the round as it is, and the tables written from them."""

    round: RoundResult
    context: ForecastContext
    baseline: Draw
    draws: list[list[Draw]]  # per scenario, per draw
    executor: str
    timings: dict[str, float]


def forecast(r: RoundResult, model: DemandModel, scenarios: list[Scenario], *, draws: int = DEFAULT_DRAWS,
             seed: int = 0, cohort: np.ndarray | None = None, growth: float | None = None,
             scenarios_file: str = "scenarios.csv", workers: int | None = None, scheduler: str | None = None,
             progress: Progress | None = None, task_progress: TaskProgress | None = None) -> Forecast:
    """Run ``draws`` draws of every scenario with the model (see the module docstring)."""
    draws = check_count("draws", draws, high=MAX_DRAWS)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    if progress is not None:
        progress("model utilities")
    if cohort is None:
        cohort = np.ones(len(r.encoded.municipalities))
    context = build_context(r, model, scenarios, cohort, growth, scenarios_file)
    baseline = baseline_figures(context, r)
    timings["model utilities"] = round(time.perf_counter() - start, 4)
    tasks = [(s, d, seed) for s in range(len(scenarios)) for d in range(draws)]
    if progress is not None:
        progress(f"draw and match {counted(len(tasks), 'round')} ({executor_name(workers, scheduler)})")
    start = time.perf_counter()
    results = run_all(run_draw, context, tasks, workers=workers, scheduler=scheduler, progress=task_progress)
    timings["draws"] = round(time.perf_counter() - start, 4)
    per = [results[i * draws:(i + 1) * draws] for i in range(len(scenarios))]
    return Forecast(r, context, baseline, per, executor_name(workers, scheduler), timings)


def run_forecast(folder: Path, scenarios_path: Path, model_dir: Path, out: Path, *, draws: int = DEFAULT_DRAWS,
                 seed: int | None = None, cohorts: Path | None = None, growth: float | None = None,
                 workers: int | None = None, scheduler: str | None = None, progress: Progress | None = None,
                 task_progress: TaskProgress | None = None,
                 language: str | None = None) -> tuple[pd.DataFrame, dict]:
    """``admissions whatif --model``: load, draw, match, and write OUT (FORECAST_FILES); whatif.html in
    ``language`` (default: admissions.toml's, else Swedish)."""
    from admissions.reports.analysis_pages import forecast_html, forecast_meta
    from admissions.analysis.whatif import page_meta, page_texts
    from admissions.reports.language import check_chosen_language

    job = start_job("whatif", folder, out)
    check_workers(workers)
    check_chosen_language(language)
    if growth is not None:
        growth = check_scalar("growth", growth, low=0, low_open=True, note=" (1.05: 5 % more students)")
    r = prepare_round(folder, seed=seed, progress=progress, language=language)
    _ = page_texts(r)
    model = load_model(model_dir, r.encoded.programme_ids)
    scenarios = load_scenarios(scenarios_path, r.encoded.programme_ids, r.encoded.seats)
    cohort, cohort_notes = cohort_factors(cohorts, r)
    draw_seed = r.config.seed if seed is None else seed
    f = forecast(r, model, scenarios, draws=draws, seed=draw_seed, cohort=cohort, growth=growth,
                 scenarios_file=Path(scenarios_path).name, workers=workers, scheduler=scheduler,
                 progress=progress, task_progress=task_progress)
    summary = scenarios_table(f)
    changes = programme_changes_table(f)
    flows = flows_table(f)
    municipalities = municipalities_table(f)
    schools = schools_table(f, changes)
    closed = closed_offers_table(f)
    price_source = round_prices(r).source
    record = job.record(
        r,
        language=_.language,
        settings={"scenarios_file": Path(scenarios_path).name, "scenarios": len(scenarios), "model": str(model_dir),
                  "draws": draws, "draw_seed": draw_seed, "cohorts_file": Path(cohorts).name if cohorts else None,
                  "cohorts": cohort_notes, "growth": growth, "workers": workers, "scheduler": scheduler,
                  "prices": price_source},
        added_offers={plan.name: [{"programme_id": o.programme_id, "school": o.school,
                                   "municipality": o.municipality, "programme_code": o.programme_code,
                                   "principal": o.principal, "latitude": o.latitude, "longitude": o.longitude,
                                   "attractiveness": round(o.attractiveness, 6),
                                   "attractiveness_from": o.attractiveness_source} for o in plan.added]
                      for plan in f.context.plans if plan.added},
        executor=f.executor,
        counts={"students": r.encoded.n_students, "programmes": r.encoded.n_programmes,
                "matchings": len(scenarios) * draws + 1},
        timings_s={**r.timings.steps, **f.timings},
        outputs=list(FORECAST_FILES),
    )

    def files(staging: Path) -> None:
        write_csv(summary, staging / "scenarios.csv")
        write_csv(changes, staging / "programme_changes.csv")
        write_csv(flows, staging / "flows.csv")
        write_csv(municipalities, staging / "municipalities.csv")
        write_csv(schools, staging / "schools.csv")
        write_csv(closed, staging / "closed_offers.csv")
        meta = forecast_meta(page_meta(r, _), draws, draw_seed, _)
        (staging / "whatif.html").write_text(forecast_html(summary, changes, municipalities, closed, meta, _),
                                             encoding="utf-8")

    return summary, job.write(record, files, progress)
