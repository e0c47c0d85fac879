"""Realistic synthetic matching instances for the benchmarks (numpy only, reproducible from a seed).

- about ``n / 60`` programmes with skewed popularity (log-normal weights: a few programmes draw
  many first choices, many draw few);
- 1 to 8 choices per student (mostly 3 to 6), drawn by popularity without replacement, the first
  draw being the first choice;
- a merit value per student (multiples of 2.5 between 0 and 340, many ties), test points at about
  5 % of programmes, about 5 % of applications second-hand (tier 2);
- priority from :func:`admissions.matching.build_priority` with the default chain (score, then a
  seeded lottery), so the core sees exactly what a round (admissions/round.py) gives it;
- seats about 95 % of the applicants, split by first-choice demand blended with an even share
  (capacities are decided from first-choice demand, never exactly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from admissions.matching import build_priority

MAX_CHOICES = 8
#: Probability of 1..8 choices.
N_CHOICES_P = np.array([0.08, 0.12, 0.18, 0.2, 0.16, 0.12, 0.08, 0.06])


@dataclass(frozen=True)
class Instance:
    """Inputs of one matching: choices (n, 8), priority (n, 8), seats (p,).

    ``float_priority`` (n, 8) orders every programme's applications as ``priority`` does, as the
    real numbers a caller without the priority builder would pass: ``score - 1000 * (tier - 1)``
    plus the student's lottery number as a fraction below one half (unique per programme, not in
    rank form, so the core ranks by sorting). Below one half, since two scores differ by 0.5 or
    more (merit values in steps of 2.5, whole test points): with a fraction up to 1 a lottery could
    outweigh half a point, and the float priority then ordered some programmes differently from
    ``priority`` (2-8 students placed differently at seeds 0, 2, 3, 4, 5; not a fault of the core).
    """

    choices: np.ndarray
    priority: np.ndarray
    seats: np.ndarray
    float_priority: np.ndarray

    @property
    def n_students(self) -> int:
        return self.choices.shape[0]

    @property
    def nbytes(self) -> int:
        """Size of the input arrays in bytes."""
        return self.choices.nbytes + self.priority.nbytes + self.seats.nbytes


def make_instance(n_students: int, seed: int = 0) -> Instance:
    """A realistic instance with ``n_students`` students (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_programmes = max(n_students // 60, 2)
    weight = rng.lognormal(0.0, 1.0, n_programmes)
    weight /= weight.sum()

    # Drawing 3 x 8 programmes with replacement and keeping the first distinct ones is sampling
    # without replacement in draw order (rare rows with fewer distinct draws get fewer choices).
    draws = rng.choice(n_programmes, size=(n_students, 3 * MAX_CHOICES), p=weight)
    repeated = np.zeros(draws.shape, dtype=bool)
    for j in range(1, draws.shape[1]):
        repeated[:, j] = (draws[:, :j] == draws[:, j : j + 1]).any(axis=1)
    order = np.argsort(repeated, axis=1, kind="stable")[:, :MAX_CHOICES]
    distinct = np.take_along_axis(draws, order, axis=1)
    distinct_ok = ~np.take_along_axis(repeated, order, axis=1)
    wanted = rng.choice(np.arange(1, MAX_CHOICES + 1), size=n_students, p=N_CHOICES_P)
    keep = distinct_ok & (np.arange(MAX_CHOICES)[None, :] < wanted[:, None])
    choices = np.where(keep, distinct, -1).astype(np.int64)

    merit = np.clip(np.round(rng.normal(230, 45, n_students) / 2.5) * 2.5, 0, 340)
    has_test = rng.random(n_programmes) < 0.05
    test_points = np.where(has_test[np.maximum(choices, 0)], np.round(rng.uniform(0, 100, choices.shape)), 0.0)
    score = np.where(keep, merit[:, None] + test_points, 0.0)
    tier = np.where(rng.random(choices.shape) < 0.05, 2, 1)
    lottery = (rng.permutation(n_students) + 1).astype(np.float64)
    priority = build_priority(choices, tier, score, lottery=lottery)
    float_priority = np.where(keep, score - 1000.0 * (tier - 1) + lottery[:, None] / (2 * (n_students + 1)), -np.inf)

    first_demand = np.bincount(choices[:, 0][choices[:, 0] >= 0], minlength=n_programmes)
    share = 0.7 * first_demand / max(first_demand.sum(), 1) + 0.3 / n_programmes
    seats = np.floor(share * 0.95 * n_students).astype(np.int64)
    return Instance(choices=choices, priority=priority, seats=seats, float_priority=float_priority)


def region_instance(n_students: int | None = None, area: str = "default", seed: int = 0) -> Instance:
    """The market of a generated round of a real admission area (``admissions generate``'s students
    and choices, Skolverket's offers and seats), as the core sees it after the selection rules.

    Ineligible applications are dropped (the selection rules do so); priority is the merit value
    with a lottery, ``build_priority`` (first-hand only: the generator draws no second-hand
    applications); ``float_priority`` the merit value plus the lottery number as a fraction.
    ``n_students`` None: the area's year-9 cohort (``area="sweden"``: the whole country, about
    120,000 students at 3,814 offers).
    """
    from admissions.synth.area import load_area
    from admissions.synth.choice import load_choice_model
    from admissions.synth.generate import generate_market

    region = load_area(area)
    market = generate_market(region, load_choice_model(), n_students, seed)
    listed = np.arange(market["choices"].shape[1])[None, :] < market["n_choices"][:, None]
    kept = listed & market["eligible"]
    # Eligible choices moved to the front of each row, in the student's order.
    order = np.argsort(~kept, axis=1, kind="stable")
    kept = np.take_along_axis(kept, order, axis=1)
    choices = np.where(kept, np.take_along_axis(market["choices"], order, axis=1), -1).astype(np.int64)
    n = len(choices)
    score = np.where(kept, market["merit"][:, None], 0.0)
    lottery = (np.random.default_rng(seed + 1).permutation(n) + 1).astype(np.float64)
    priority = build_priority(choices, np.ones(choices.shape, dtype=np.int64), score, lottery=lottery)
    float_priority = np.where(kept, score + lottery[:, None] / (n + 1), -np.inf)
    return Instance(choices=choices, priority=priority, seats=np.asarray(market["seats"], dtype=np.int64),
                    float_priority=float_priority)
