"""``admissions plan``: seat changes in whole classes that leave the fewest eligible first-hand applicants unplaced.

The plan is found in three steps:

1. **A mixed-integer programme** (:func:`scipy.optimize.milp`, HiGHS) on the demand of the round:
   ``classes[j]`` (integer) classes of ``class_size`` seats added at offer j, within each school's
   maximum seats and a yearly budget (added seats x the offer's price per student and year,
   the round's prices.csv or the shipped riksprislista). Continuous ``place[i, j]`` in [0, 1]
   places an eligible first-hand applicant i who is unplaced today at an offer j they applied to
   (eligible, first-hand there); ``first[j]`` counts students placed elsewhere today whose
   eligible first choice is j and who could move there. New seats hold them:
   ``sum_i place[i, j] + first[j] <= class_size x classes[j]``, each student placed at most once.
   The objective is lexicographic: first the most unplaced applicants placed (weight larger than
   any count of first-choice moves), then the most first-choice moves, then the lowest cost.
2. **Verification**: the real matching (the rules and the quota choice rules of ``match``) on the
   proposed seats: the figures in run.json and on the terminal are the verified ones.
3. **Repair**, because the programme does not know priorities (a new seat goes to the best-ranked
   applicant who wants it, not necessarily to one of the unplaced): a class whose seats are not
   all taken in the verification is removed while that leaves the verified unplaced as they are;
   then, while budget remains, the class that most lowers the verified unplaced (among the offers
   the unplaced applied to) is added. Each step is verified by a matching.

Outputs hold counts per offer and per round, no student ids.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, sparse

from admissions.arguments import check_count, check_scalar
from admissions.io.contract import ColumnSpec, FileSpec
from admissions.io.write import write_csv
from admissions.io.problems import Problem
from admissions.io.readers import FIRST_DATA_ROW
from admissions.io.validate import check_rows, did_you_mean, raise_errors
from admissions.job import start_job
from admissions.round import Progress, RoundResult, prepare_round
from admissions.rules.quota_game import match_quotas, quota_sizes
from admissions.reports.flows import round_prices
from admissions.reports.plan import plan_table
from admissions.rules.selection import FIRST_HAND

MAX_SEATS = FileSpec(
    name="max_seats",
    key=("school",),
    description="Most seats each school can have (all its offers together), for the plan.",
    columns=(
        ColumnSpec("school", "text"),
        ColumnSpec("max_seats", "int", minimum=0),
    ),
)

PLAN_FILES = ("plan.csv", "plan.html", "run.json")
#: Most repair steps (each one matching).
MAX_REPAIRS = 60
#: Offers tried at each repair step that adds a class.
REPAIR_CANDIDATES = 25
#: Seconds HiGHS may spend on the programme.
MILP_TIME_LIMIT = 60.0


@dataclass(frozen=True)
class Verified:
    """Figures of one real matching on given seats."""

    seats: np.ndarray  # (p,)
    admitted: np.ndarray  # (p,)
    placed: int
    placed_first_choice: int
    eligible_first_hand_unplaced: int
    not_first_choice: int  # students not placed on their first choice (unplaced included)


class Verifier:
    """The round's market ranked once, re-matched for any seats (as a what-if task is)."""

    def __init__(self, r: RoundResult):
        self.market = r.market
        self.priority = r.priority
        self.prepared = r.prepared
        self.n_offers = r.encoded.n_programmes
        self.first_hand = ((r.market.tier == FIRST_HAND) & (r.market.choices >= 0)).any(axis=1)
        self.matchings = 0

    def __call__(self, seats: np.ndarray) -> Verified:
        seats = np.asarray(seats, dtype=np.int64)
        result = match_quotas(self.market, self.prepared, quota_sizes(self.market, seats))
        self.matchings += 1
        placed = result.assignment >= 0
        got = result.choice_index
        column = np.full(len(got), -1, dtype=np.int64)
        rows = np.flatnonzero(placed)
        column[rows] = self.market.column[rows, got[rows]]
        admitted = np.bincount(self.market.parent, weights=result.admitted, minlength=self.n_offers).astype(np.int64)
        first = int((column == 0).sum())
        return Verified(seats, admitted, int(placed.sum()), first, int((self.first_hand & ~placed).sum()),
                        int(len(column) - first))


def load_max_seats(path: Path | None, r: RoundResult) -> np.ndarray:
    """(p,) most seats each offer's school may reach in all (inf where the file says nothing)."""
    schools = r.data.programmes["school"].astype(str).to_numpy()
    limit = np.full(len(schools), np.inf)
    if path is None:
        return limit
    path = Path(path)
    # The file's own problems (a count '1 000', an empty cell) with the round's, all together.
    frame, problems, bad_cells = check_rows(path, MAX_SEATS)
    bad_rows = {row for row, _ in bad_cells}
    seats_of = pd.Series(r.encoded.seats).groupby(schools).sum()
    for i, (school, most) in enumerate(zip(frame["school"].astype(str), frame["max_seats"])):
        row = i + FIRST_DATA_ROW
        if (row, "school") in bad_cells:
            continue
        if school not in seats_of.index:
            problems.append(Problem(path.name, row, "school", school,
                                    "not a school of programmes.csv" + did_you_mean(school, list(seats_of.index))))
        elif row in bad_rows:
            continue
        elif int(most) < int(seats_of[school]):
            problems.append(Problem(path.name, row, "max_seats", str(most),
                                    f"is below the school's seats today ({int(seats_of[school])}), must be >= them"))
        else:
            limit[schools == school] = float(most)
    raise_errors(problems)
    return limit


@dataclass(frozen=True)
class Programme:
    """The mixed-integer programme's data: candidate (student, offer) pairs and per-offer figures."""

    pair_student: np.ndarray  # (e,) local index of an unplaced eligible first-hand applicant
    pair_offer: np.ndarray  # (e,) offer
    first_moves: np.ndarray  # (p,) placed students whose eligible first choice is the offer
    n_unplaced: int


def programme_data(r: RoundResult) -> Programme:
    """Who could use new seats where, from the round as it is."""
    market = r.market
    placed = r.sub_assignment >= 0
    first_hand_entry = (market.tier == FIRST_HAND) & (market.choices >= 0)
    unplaced = np.flatnonzero(~placed & first_hand_entry.any(axis=1))
    rows, cols = np.nonzero(first_hand_entry[unplaced])
    offer = market.parent[market.choices[unplaced[rows], cols]]
    pairs = np.unique(np.column_stack([rows, offer]), axis=0) if len(rows) else np.zeros((0, 2), dtype=np.int64)
    # A placed student whose first choice (column 0 of their list) is a competing entry they did not get.
    first_entry = (market.choices[:, 0] >= 0) & (market.column[:, 0] == 0)
    got = r.placed_column
    wants = placed & first_entry & (got != 0)
    first_offer = market.parent[np.maximum(market.choices[:, 0], 0)]
    moves = np.bincount(first_offer[wants], minlength=r.encoded.n_programmes)
    return Programme(pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64), moves, len(unplaced))


def solve(data: Programme, price_per_seat: np.ndarray, room_classes: np.ndarray, school: np.ndarray,
          school_room: np.ndarray, class_size: int, budget: float) -> tuple[np.ndarray, dict]:
    """The programme of the module docstring: (p,) classes to add, and HiGHS's status.

    ``room_classes`` (p,) most classes each offer may get (its school's room and what could fill
    them); ``school`` (p,) index of each offer's school; ``school_room`` (s,) seats each school may
    still add (inf: no limit).
    """
    p = len(price_per_seat)
    e = len(data.pair_student)
    # Variables: classes (p, integer), place (e), first (p).
    n_var = p + e + p
    weight_place = float(data.first_moves.sum() + 1)
    class_cost = class_size * np.nan_to_num(price_per_seat, nan=0.0)
    cost_scale = 1.0 / max(float(class_cost.sum()), 1.0)  # cost only breaks ties: below one student
    c = np.concatenate([class_cost * cost_scale, -weight_place * np.ones(e), -np.ones(p)])
    integrality = np.concatenate([np.ones(p), np.zeros(e + p)])
    upper = np.concatenate([room_classes, np.ones(e), data.first_moves.astype(float)])
    bounds = optimize.Bounds(np.zeros(n_var), upper)
    rows, cols, vals = [], [], []
    lower_b, upper_b = [], []
    r = 0
    # Capacity per offer: sum place + first - class_size * classes <= 0.
    rows += list(data.pair_offer + r)
    cols += list(p + np.arange(e))
    vals += [1.0] * e
    rows += list(np.arange(p) + r)
    cols += list(p + e + np.arange(p))
    vals += [1.0] * p
    rows += list(np.arange(p) + r)
    cols += list(np.arange(p))
    vals += [-float(class_size)] * p
    lower_b += [-np.inf] * p
    upper_b += [0.0] * p
    r += p
    # Each unplaced student at most once.
    n_students = data.n_unplaced
    rows += list(data.pair_student + r)
    cols += list(p + np.arange(e))
    vals += [1.0] * e
    lower_b += [-np.inf] * n_students
    upper_b += [1.0] * n_students
    r += n_students
    # Budget.
    rows += [r] * p
    cols += list(np.arange(p))
    vals += list(class_cost)
    lower_b.append(-np.inf)
    upper_b.append(float(budget))
    r += 1
    # School room: sum over the school's offers of class_size * classes <= room.
    limited = np.flatnonzero(np.isfinite(school_room))
    for k, s in enumerate(limited):
        at = np.flatnonzero(school == s)
        rows += [r + k] * len(at)
        cols += list(at)
        vals += [float(class_size)] * len(at)
        lower_b.append(-np.inf)
        upper_b.append(float(school_room[s]))
    r += len(limited)
    a = sparse.csr_array((vals, (rows, cols)), shape=(r, n_var))
    result = optimize.milp(c, integrality=integrality, bounds=bounds,
                           constraints=optimize.LinearConstraint(a, lower_b, upper_b),
                           options={"time_limit": MILP_TIME_LIMIT, "mip_rel_gap": 1e-6})
    status = {"status": int(result.status), "message": str(result.message)}
    if result.x is None:
        return np.zeros(p, dtype=np.int64), status
    classes = np.rint(result.x[:p]).astype(np.int64)
    status["expected_placed"] = round(float(result.x[p:p + e].sum()), 2)
    status["expected_first_choice_moves"] = round(float(result.x[p + e:].sum()), 2)
    return classes, status


def _better(a: Verified, b: Verified) -> bool:
    """a is better than b: fewer eligible first-hand unplaced, then fewer not on their first choice."""
    return (a.eligible_first_hand_unplaced, a.not_first_choice) < (b.eligible_first_hand_unplaced, b.not_first_choice)


@dataclass(frozen=True)
class Plan:
    """The verified plan: classes per offer, figures before and after, and how it was found."""

    classes: np.ndarray  # (p,)
    before: Verified
    after: Verified
    cost_sek: float
    milp: dict
    repairs: list[str]
    matchings: int


def make_plan(r: RoundResult, *, budget: float, class_size: int, max_seats: np.ndarray,
              progress: Progress | None = None) -> Plan:
    """Find, verify and repair a plan (see the module docstring)."""
    enc = r.encoded
    p = enc.n_programmes
    price = round_prices(r).per_offer(enc.programme_code)
    schools, school = np.unique(r.data.programmes["school"].astype(str).to_numpy(), return_inverse=True)
    school_seats = np.bincount(school, weights=enc.seats, minlength=len(schools))
    school_limit = np.full(len(schools), np.inf)
    for s in range(len(schools)):
        school_limit[s] = max_seats[school == s].min()
    school_room = school_limit - school_seats
    data = programme_data(r)
    wanted = np.bincount(data.pair_offer, minlength=p) + data.first_moves
    room_classes = np.ceil(wanted / class_size)
    finite_room = np.where(np.isfinite(school_room[school]), np.floor(school_room[school] / class_size), np.inf)
    room_classes = np.minimum(room_classes, finite_room)
    room_classes[np.isnan(price)] = 0  # no price: its cost is unknown, so no class is proposed
    if progress is not None:
        progress(f"mixed-integer programme ({len(data.pair_student):,} applicant-offer pairs, {p} offers)")
    classes, status = solve(data, price, room_classes, school, school_room, class_size, budget)
    verify = Verifier(r)
    if progress is not None:
        progress("verify with the real matching")
    before = verify(enc.seats)

    def seats_of(k: np.ndarray) -> np.ndarray:
        return enc.seats + class_size * k

    def cost_of(k: np.ndarray) -> float:
        return float((class_size * k * np.nan_to_num(price, nan=0.0)).sum())

    current = verify(seats_of(classes))
    repairs: list[str] = []
    ids = enc.programme_ids.astype(str)
    # Remove classes the matching does not fill while that changes nothing verified.
    for j in np.flatnonzero(classes > 0):
        while classes[j] > 0 and len(repairs) < MAX_REPAIRS:
            unused = seats_of(classes)[j] - current.admitted[j]
            if unused < class_size:
                break
            trial = classes.copy()
            trial[j] -= 1
            result = verify(seats_of(trial))
            if _better(current, result):
                break
            repairs.append(f"removed a class at {ids[j]} (its seats stayed empty in the matching)")
            classes, current = trial, result
    # Add classes while the budget allows and the verified unplaced fall.
    # The offers most unplaced applicants applied to (each try is a matching).
    demand = np.bincount(data.pair_offer, minlength=p)
    candidates = np.flatnonzero(demand > 0)
    candidates = candidates[np.argsort(-demand[candidates], kind="stable")][:REPAIR_CANDIDATES]
    while len(repairs) < MAX_REPAIRS and current.eligible_first_hand_unplaced > 0:
        left = budget - cost_of(classes)
        best = None
        for j in candidates:
            if np.isnan(price[j]) or class_size * price[j] > left:
                continue
            s = school[j]
            if class_size * (classes[school == s].sum() + 1) > school_room[s]:
                continue
            trial = classes.copy()
            trial[j] += 1
            result = verify(seats_of(trial))
            if _better(result, current) and (best is None or _better(result, best[1])):
                best = (trial, result, j)
        if best is None:
            break
        classes, current = best[0], best[1]
        repairs.append(f"added a class at {ids[best[2]]} (verified: eligible first-hand unplaced "
                       f"{current.eligible_first_hand_unplaced})")
    return Plan(classes, before, current, cost_of(classes), status, repairs, verify.matchings)


def _figures(v: Verified) -> dict:
    return {"placed": v.placed, "placed_first_choice": v.placed_first_choice,
            "eligible_first_hand_unplaced": v.eligible_first_hand_unplaced, "not_first_choice": v.not_first_choice,
            "seats": int(v.seats.sum())}


def run_plan(folder: Path, out: Path, *, budget: float, class_size: int = 32, max_seats: Path | None = None,
             seed: int | None = None, progress: Progress | None = None,
             language: str | None = None) -> tuple[pd.DataFrame, dict]:
    """``admissions plan``: find, verify and write a seat plan (PLAN_FILES); plan.html in ``language``
    (default: admissions.toml's, else Swedish)."""
    from admissions.reports.analysis_pages import plan_html
    from admissions.analysis.whatif import page_meta, page_texts
    from admissions.reports.language import check_chosen_language

    budget = check_scalar("budget", budget, low=0, note=" (SEK per year)")
    class_size = check_count("class_size", class_size)
    job = start_job("plan", folder, out)
    check_chosen_language(language)
    r = prepare_round(folder, seed=seed, progress=progress, language=language)
    _ = page_texts(r)
    limits = load_max_seats(max_seats, r)
    start = time.perf_counter()
    plan = make_plan(r, budget=budget, class_size=class_size, max_seats=limits, progress=progress)
    seconds = round(time.perf_counter() - start, 4)
    table = plan_table(r, plan, class_size)
    prices = round_prices(r)
    unpriced = sorted(set(r.encoded.programme_code.astype(str)) - set(prices.price_of))
    record = job.record(
        r,
        language=_.language,
        settings={"budget_sek": budget, "class_size": class_size,
                  "max_seats_file": Path(max_seats).name if max_seats else None, "prices": prices.source,
                  # No class is proposed where the price is unknown: its cost could not be counted.
                  "programme_codes_without_price": unpriced},
        verified={"before": _figures(plan.before), "after": _figures(plan.after),
                  "cost_sek": round(plan.cost_sek), "within_budget": plan.cost_sek <= budget,
                  "classes_added": int(plan.classes.sum())},
        milp=plan.milp,
        repairs=plan.repairs,
        matchings=plan.matchings,
        timings_s={**r.timings.steps, "plan": seconds},
        outputs=list(PLAN_FILES),
    )

    def files(staging: Path) -> None:
        write_csv(table, staging / "plan.csv")
        (staging / "plan.html").write_text(plan_html(table, record, page_meta(r, _), _), encoding="utf-8")

    return table, job.write(record, files, progress)
