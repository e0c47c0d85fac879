"""A random-utility model of how students rank offers, with parameters shipped as data.

Student ``i`` (year-9 merit value ``m_i``, at a compulsory school) values offer ``j`` (programme
code ``c``, school unit ``s``, principal, position) at

    U_ij = appeal[c] + appeal_j
           + (merit[c] + merit_j) * (m_i - merit_centre) / merit_scale * [v_i >= merit_indifferent_j]
           + distance_per_10km * d_ij / 10
           + independent * [principal_j is independent]
           + ineligible * [c is a national programme and i does not meet its requirement]
           + introductory_for_eligible * [c is introductory and i is eligible for a vocational programme]
           + introductory_for_ineligible * [c is introductory, i is not and meets its requirement]
           + ineligible * [c is introductory, i is not eligible for a vocational programme nor for c]
           + below_last_lowest * max(0, lowest_j - m_i) / merit_scale
           + e_ij,                      e_ij ~ Gumbel(0, 1) independent,

where ``d_ij`` is the great-circle distance in km from the student's compulsory school to the
upper-secondary school unit and ``lowest_j`` the offer's lowest admitted merit value published for
the last admission (students read last year's figures; 0 where none is published). ``v_i`` is
uniform on 0-1 per student: a share ``merit_indifferent_j`` of the students choose the offer
whatever their grades (the low merit values admitted to offers that draw high ones on average,
such as ES and NA). ``appeal[c]`` and ``merit[c]`` (programme by merit) are per programme
code; ``appeal_j`` and ``merit_j`` per offer are the school's attractiveness for that programme
and how strongly it draws high merit values, fitted by ``python -m admissions.synth.calibrate`` to
the published 2025 lowest and average admitted merit values (0 for offers without published
figures). Each offer's seats are one year's intake: its students (all three years) times
``seats_per_student`` (0.37, a little over a third: classes shrink over the three years) times its
``seat_factor`` (1.0-SEATMAX, fitted too: an offer that was oversubscribed in 2025 has no seats to
spare, one that admitted everyone had a few). A student lists the top ``k`` offers of ``U`` (a
draw without replacement with probabilities proportional to ``exp(U)``: the Gumbel-max trick),
``k`` drawn from ``n_choices_share``.

Where the published lowest admitted value is far below the average (a vocational offer that
admitted a merit value of 80, an ES or NA offer at 130 beside an average of 225), the offer's
cut-off fell to the bottom of its applicants: demand just about met its seats, and weak eligible
students had applied. The model reproduces it through demand, not through spare seats: the
weakest eligible applicants are the students who became eligible over the summer
(:func:`admissions.synth.grades.summer_school`: merit values of 80-130, eligible for vocational
programmes only), who read last year's lowest admitted values (``below_last_lowest``) and so list
the offers that admitted such values, where their few alternatives are; ``appeal_j`` brings such
an offer's demand down to its seats; ``merit_indifferent_j`` lets some students with low merit
values choose an offer that otherwise draws high ones. What the model does not have: the number
of choices does not depend on the student (weak students may list more, or fewer), the
applicants of the final admission who are not in year 9 (introductory-programme students who
became eligible, older applicants; the summer school stands in for them), late applications to
vacant seats, and orientations (the programme-type table has none).

The scalar and per-code parameters are ``admissions/data/choice_model.toml``, the per-offer ones
``admissions/data/choice_offers.csv`` (keyed by school unit code and programme code).
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

MODEL_FILE = "choice_model.toml"
OFFERS_FILE = "choice_offers.csv"
OFFER_COLUMNS = ("school_unit_code", "programme_code", "appeal", "merit", "seat_factor", "merit_indifferent")
#: An offer's own terms where choice_offers.csv has none: appeal, merit, seat_factor, merit_indifferent.
NO_OFFER_TERMS = (0.0, 0.0, 1.0, 0.0)
#: Students per block when utilities are computed: bounds memory at (CHUNK, offers) floats.
CHUNK = 512


@dataclass(frozen=True)
class ChoiceModel:
    """The parameters of the choice model (see the module docstring for the utility)."""

    merit_centre: float
    merit_scale: float
    distance_per_10km: float
    independent: float
    ineligible: float
    introductory_for_eligible: float
    introductory_for_ineligible: float
    below_last_lowest: float
    seats_per_student: float
    n_choices_share: tuple[float, ...]
    programme_appeal: dict[str, float]
    programme_merit: dict[str, float]
    #: (school_unit_code, programme_code) -> (appeal_j, merit_j, seat_factor_j, merit_indifferent_j)
    offers: dict[tuple[str, str], tuple[float, float, float, float]] = field(default_factory=dict)
    source: str = "admissions (shipped)"

    @property
    def max_choices(self) -> int:
        return len(self.n_choices_share)

    def offer_terms(self, unit: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(p,) appeal, merit slope, seat factor and merit-indifferent share of each offer: the
        code's terms plus the offer's own."""
        own = np.array([self.offers.get((u, c), NO_OFFER_TERMS) for u, c in zip(unit, code)],
                       dtype=np.float64).reshape(-1, len(NO_OFFER_TERMS))
        appeal = np.array([self.programme_appeal.get(c, 0.0) for c in code]) + own[:, 0]
        merit = np.array([self.programme_merit.get(c, 0.0) for c in code]) + own[:, 1]
        return appeal, merit, own[:, 2], own[:, 3]

    def with_offers(self, offers: dict[tuple[str, str], tuple[float, float, float, float]]) -> ChoiceModel:
        return replace(self, offers=dict(offers))

    def offers_frame(self) -> pd.DataFrame:
        """The per-offer parameters as choice_offers.csv writes them (sorted, 3 decimals)."""
        keys = sorted(self.offers)
        return pd.DataFrame({
            "school_unit_code": [k[0] for k in keys],
            "programme_code": [k[1] for k in keys],
            "appeal": [round(self.offers[k][0], 3) for k in keys],
            "merit": [round(self.offers[k][1], 3) for k in keys],
            "seat_factor": [round(self.offers[k][2], 3) for k in keys],
            "merit_indifferent": [round(self.offers[k][3], 3) for k in keys],
        })


def load_choice_model(folder: Path | None = None) -> ChoiceModel:
    """The choice model from ``folder`` (choice_model.toml and choice_offers.csv), else the shipped one."""
    if folder is None:
        data = resources.files("admissions").joinpath("data")
        text = data.joinpath(MODEL_FILE).read_text(encoding="utf-8")
        offers_text = data.joinpath(OFFERS_FILE).read_text(encoding="utf-8")
        source = "admissions (shipped)"
    else:
        folder = Path(folder)
        text = (folder / MODEL_FILE).read_text(encoding="utf-8")
        path = folder / OFFERS_FILE
        offers_text = path.read_text(encoding="utf-8") if path.is_file() else ",".join(OFFER_COLUMNS) + "\n"
        source = str(folder)
    table = tomllib.loads(text)
    rows = list(csv.DictReader(io.StringIO(offers_text)))
    offers = {
        (r["school_unit_code"], r["programme_code"]): (
            float(r["appeal"]), float(r["merit"]), float(r["seat_factor"]), float(r.get("merit_indifferent") or 0.0))
        for r in rows
    }
    scalars = {k: float(table[k]) for k in (
        "merit_centre", "merit_scale", "distance_per_10km", "independent", "ineligible",
        "introductory_for_eligible", "introductory_for_ineligible", "below_last_lowest", "seats_per_student",
    )}
    share = np.array(table["n_choices_share"], dtype=np.float64)
    return ChoiceModel(
        **scalars,
        n_choices_share=tuple(float(s) for s in share / share.sum()),
        programme_appeal={k: float(v) for k, v in table["programme_appeal"].items()},
        programme_merit={k: float(v) for k, v in table["programme_merit"].items()},
        offers=offers,
        source=source,
    )


def draw_choices(
    model: ChoiceModel,
    appeal: np.ndarray,
    merit_slope: np.ndarray,
    merit_indifferent: np.ndarray,
    offer_fixed: np.ndarray,
    distance: np.ndarray,
    school: np.ndarray,
    merit: np.ndarray,
    last_lowest: np.ndarray,
    meets_requirement: np.ndarray,
    offer_requirement: np.ndarray,
    vocational: np.ndarray,
    introductory: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """(n, max_choices) offer index of each student's choices, best first, all distinct.

    Parameters
    ----------
    appeal, merit_slope : (p,) float
        The offers' appeal and merit slope (:meth:`ChoiceModel.offer_terms`).
    merit_indifferent : (p,) float
        Share of students, 0-1, for whom the offer's programme-by-merit term is 0.
    offer_fixed : (p,) float
        Terms that do not depend on the student (the principal).
    distance : (s, p) float
        km from each compulsory school to each offer.
    school : (n,) int
        Each student's compulsory school (row of ``distance``).
    merit : (n,) float
    last_lowest : (p,) float
        The offer's lowest admitted merit value published for the last admission (NaN where none).
    meets_requirement : (n, r) bool
        Whether the student meets eligibility requirement ``r`` (by the selection rules).
    offer_requirement : (p,) int
        Each offer's requirement (column of ``meets_requirement``).
    vocational : (n,) bool
        The student is eligible for a vocational programme.
    introductory : (p,) bool
        The offer is an introductory programme.
    rng : numpy.random.Generator
        Draws the Gumbel noise: (n, p) values, row after row, in blocks of CHUNK students.

    Notes
    -----
    The noise of every (student, offer) is drawn, but its two logarithms are taken only where the
    offer can still make the student's top ``k`` (:func:`_top_choices`): in the whole country
    (3,800 offers) nearly all offers are hundreds of km away. The noise is numpy's Gumbel draw
    itself (``-log(-log(1 - u))`` of the same uniform ``u``), so the choices are those of drawing
    every ``e_ij`` and sorting every utility, bit for bit.
    """
    n = len(school)
    k = min(model.max_choices, len(appeal))
    out = np.empty((n, k), dtype=np.int64)
    terms = _UtilityTerms.build(model, appeal, merit_slope, merit_indifferent, offer_fixed, distance, last_lowest,
                                meets_requirement, offer_requirement, vocational, introductory)
    z = (merit - model.merit_centre) / model.merit_scale
    # One uniform draw per student: at offer j the students below merit_indifferent_j choose
    # whatever their grades (the lower a student's draw, the more offers they are indifferent at).
    indifference = rng.random(n)
    for start in range(0, n, CHUNK):
        rows = slice(start, min(n, start + CHUNK))
        utility = terms.systematic(z[rows], merit[rows], indifference[rows], school[rows], terms.pattern[rows])
        state = rng.bit_generator.state
        uniform = rng.random(utility.shape)
        if (uniform == 0.0).any():
            # numpy's Gumbel draw rejects u == 0 and draws again, shifting the stream: draw it so.
            rng.bit_generator.state = state
            utility += rng.gumbel(size=utility.shape)
            out[rows] = _sorted_top(utility, k)
        else:
            out[rows] = _top_choices(utility, uniform, k)
    return out


#: Utility bands below a student's best systematic utility searched for k offers that set the bar.
_BANDS = (1.5, 4.0, 12.0, 40.0, np.inf)
#: At most this many offers of a band per student set the bar (any k of them give a valid bar).
_BAR_OFFERS = 48
#: Slack of the screen against rounding (utilities are within a few hundred of 0).
_SCREEN_SLACK = 1e-6


@dataclass(frozen=True)
class _UtilityTerms:
    """The systematic utility of the module docstring, as the operations of the plain computation.

    ``base`` (p,) appeal plus fixed terms, ``slope`` (p,) merit slope, ``indifferent`` (p,) the
    share choosing the offer whatever their grades, ``near`` (s, p) the distance term per
    compulsory school, ``last_lowest`` (p,) last year's lowest admitted merit value (NaN: none),
    ``reach`` the utility per point short of it, ``extra`` (patterns, p) the eligibility or
    introductory term per pattern of a student's eligibility (bit 0: a vocational programme, bit
    1 + r: requirement r), ``pattern`` (n,) each student's.
    """

    base: np.ndarray
    slope: np.ndarray
    indifferent: np.ndarray
    near: np.ndarray
    last_lowest: np.ndarray
    reach: float
    extra: np.ndarray
    pattern: np.ndarray

    @classmethod
    def build(cls, model, appeal, merit_slope, merit_indifferent, offer_fixed, distance, last_lowest,
              meets_requirement, offer_requirement, vocational, introductory):
        flags = np.column_stack([vocational, meets_requirement])
        q = flags.shape[1]
        pattern = flags.astype(np.int64) @ (1 << np.arange(q))
        used = np.unique(pattern)
        extra = np.zeros((int(used.max()) + 1, len(appeal)))
        for p in used:
            bits = (p >> np.arange(q)) & 1 == 1
            ok = bits[1:][offer_requirement]
            # A student not eligible for a vocational programme ranks the introductory offers whose
            # requirement they meet first; one who is eligible rarely lists any.
            im = np.where(bits[0], model.introductory_for_eligible,
                          np.where(ok, model.introductory_for_ineligible, model.ineligible))
            extra[p] = np.where(introductory, im, np.where(ok, 0.0, model.ineligible))
        return cls(
            base=appeal + offer_fixed,
            slope=merit_slope,
            indifferent=merit_indifferent,
            near=(model.distance_per_10km / 10.0) * distance,
            last_lowest=last_lowest,
            reach=model.below_last_lowest / model.merit_scale,
            extra=extra,
            pattern=pattern,
        )

    def systematic(self, z: np.ndarray, merit: np.ndarray, indifference: np.ndarray, school: np.ndarray,
                   pattern: np.ndarray) -> np.ndarray:
        """(rows, p) utility without the noise."""
        by_merit = np.where(indifference[:, None] < self.indifferent[None, :], 0.0, z[:, None])
        utility = self.base[None, :] + by_merit * self.slope[None, :]
        utility += self.near[school]
        # Students read last year's lowest admitted merit values: an offer beyond reach is less likely.
        if self.reach != 0.0:
            short = np.nan_to_num(self.last_lowest[None, :] - merit[:, None], nan=0.0)
            utility += self.reach * np.maximum(short, 0.0)
        utility += self.extra[pattern]
        return utility


def _sorted_top(utility: np.ndarray, k: int) -> np.ndarray:
    """(rows, k) columns of the k largest utilities of each row, largest first."""
    top = np.argpartition(-utility, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(utility, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def _gumbel(uniform: np.ndarray) -> np.ndarray:
    """numpy's Gumbel(0, 1) draw from the uniform it drew, ``0 - 1 * log(-log(1 - u))``, bit for bit."""
    return -np.log(-np.log(1.0 - uniform))


def _top_choices(systematic: np.ndarray, uniform: np.ndarray, k: int) -> np.ndarray:
    """The k offers of largest ``systematic + gumbel(uniform)`` per row, best first, taking few logarithms.

    1. A bar per row: the k-th largest total utility among (at most _BAR_OFFERS of) the offers
       within a band of the row's best systematic utility, the band widening for rows with fewer
       than k offers in it. The row's true k-th largest total is at least this bar.
    2. The row's largest noise comes from its smallest uniform; an offer whose systematic utility
       plus that noise stays below the bar cannot be among the k best: its noise is not drawn.
    3. The total utility of the offers left, and the k largest of those that reach the bar.
    """
    rows = len(systematic)
    best = systematic.max(axis=1)
    bar = np.empty(rows)
    todo = np.arange(rows)
    for band in _BANDS:
        part = systematic if len(todo) == rows else systematic[todo]
        near = part >= (best[todo] - band)[:, None]
        enough = np.count_nonzero(near, axis=1) >= k
        row, column = np.nonzero(near if enough.all() else near[enough])
        done = todo[enough]
        row = done[row]
        bar[done] = _kth_largest(systematic[row, column] + _gumbel(uniform[row, column]), row, done, k)
        todo = todo[~enough]
        if len(todo) == 0:
            break
    floor = bar - _gumbel(uniform.min(axis=1)) - _SCREEN_SLACK
    row, column = np.nonzero(systematic >= floor[:, None])
    total = systematic[row, column] + _gumbel(uniform[row, column])
    reach = total >= bar[row]
    row, column, total = row[reach], column[reach], total[reach]
    order = np.lexsort((-total, row))
    first = np.searchsorted(row[order], np.arange(rows))
    return column[order[first[:, None] + np.arange(k)[None, :]]]


def _kth_largest(value: np.ndarray, row: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """(len(rows),) a lower bound of the k-th largest ``value`` of each row of ``rows``: the k-th
    largest of its first _BAR_OFFERS values (``row`` sorted, each of ``rows`` at least k times)."""
    start = np.searchsorted(row, rows)
    position = np.arange(len(row)) - np.repeat(start, np.diff(np.append(start, len(row))))
    kept = position < _BAR_OFFERS
    table = np.full((len(rows), _BAR_OFFERS), -np.inf)
    table[np.searchsorted(rows, row[kept]), position[kept]] = value[kept]
    return -np.partition(-table, k - 1, axis=1)[:, k - 1]
