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
weakest eligible applicants are students who became eligible over the summer
(:func:`admissions.synth.grades.summer_school`: those who lacked several subjects have merit
values from 80; some reach a preparatory programme's requirement, from 120), who read last year's lowest admitted values (``below_last_lowest``) and so list
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
#: Students per chunk of the noise: a uniform of 0 (redrawn by numpy's Gumbel draw) redraws its chunk.
CHUNK = 512
#: Students per block of the cut (_cut_choices): their uniforms are read soon after they are drawn.
CUT_ROWS = 64
#: Cells per block of the computation of every offer (three (rows, offers) buffers of this many).
DENSE_BLOCK_CELLS = 1 << 18
#: The share of a chunk's cells above which the cut does not pay: a cell left after the cut costs
#: about three times a cell of the computation of every offer.
CUT_SHARE = 0.3
#: Width of the bins of the bound (_SchoolBounds), in utility (10 km of distance is 1).
BIN_WIDTH = 0.25
#: Offers per student whose total utility is computed first: the ones of the largest bound at the
#: student's compulsory school (_SchoolBounds). Their k-th best total is the bar.
PROBES = 128


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
    The uniform of every (student, offer) is drawn, in the stream's order, but the systematic
    utility is computed only for the offers whose bound at the student's compulsory school can
    still reach the student's top ``k`` (:func:`_cut_choices`; in the whole country about 600 of
    3,800 offers: the others are hundreds of km away), or for every offer where the cut would
    leave most of them (:func:`_dense_choices`), and the noise's two logarithms only where the
    uniform can lift the offer to the bar. The noise is numpy's Gumbel draw itself
    (``-log(-log(1 - u))`` of the same uniform ``u``), so the choices are those of drawing every
    ``e_ij`` and sorting every utility, bit for bit.
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
    p = len(appeal)
    bounds = _SchoolBounds.build(terms, z, merit, school)
    cut = True
    # Students per block: the cut's block of uniforms is still near the processor when its cells
    # read them; the computation of every offer keeps three (rows, p) buffers within the cache.
    cut_rows, dense_rows = CUT_ROWS, max(1, min(CHUNK, DENSE_BLOCK_CELLS // p))
    uniform_buffer = np.empty((min(n, max(cut_rows, dense_rows)), p))
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        state = rng.bit_generator.state
        low = start
        while low < stop:
            high = min(stop, low + (cut_rows if cut else dense_rows))
            # The same doubles as one (CHUNK, p) draw: the stream runs row after row.
            uniform = uniform_buffer[: high - low]
            rng.random(out=uniform)
            smallest = uniform.min(axis=1)
            if smallest.min() == 0.0:
                break
            rows = slice(low, high)
            students = (z[rows], merit[rows], indifference[rows], school[rows], terms.pattern[rows])
            top = _cut_choices(terms, bounds, uniform, smallest, k, *students) if cut else None
            if top is None:
                # Where most offers are near every student, computing them all is cheaper.
                cut = False
                top = _dense_choices(terms, uniform, k, *students)
            out[rows] = top
            low = high
        else:
            continue
        # numpy's Gumbel draw rejects u == 0 and draws again, shifting the stream: draw the chunk so.
        rows = slice(start, stop)
        rng.bit_generator.state = state
        utility = terms.systematic(z[rows], merit[rows], indifference[rows], school[rows], terms.pattern[rows])
        utility += rng.gumbel(size=utility.shape)
        out[rows] = _sorted_top(utility, k)
    return out


#: Slack of the screen against rounding (utilities are within a few hundred of 0).
_SCREEN_SLACK = 1e-6
#: Bars below a row's best systematic utility, tried in turn (the last one takes every offer).
_DROPS = (0.0, 2.0, 8.0, 40.0, np.inf)
#: Offers per segment of a row whose largest noise screens them (the last segment takes the rest):
#: the largest of 128 noises is about 5.4, of 3,800 about 8.8.
_SEGMENT = 128
#: Steps per unit of utility of _UNIFORM_BOUND.
_STEPS = 16
#: exp(-i / _STEPS), a little raised against rounding: the largest uniform whose Gumbel noise can
#: reach i / _STEPS (``gumbel(u) <= -log(u)``; numpy's noise never exceeds 36.8, from the
#: smallest uniform above 0, 2**-53).
_UNIFORM_BOUND = np.exp(-np.arange(40 * _STEPS) / _STEPS + 1e-6)
#: Steps of the uniform of _NOISE_BELOW.
_NOISE_STEPS = 1024
#: The noise at the top of each step of the uniform: numpy's Gumbel noise falls as the uniform
#: rises, so ``_NOISE_BELOW[int(u * _NOISE_STEPS)] <= gumbel(u)`` (-inf in the last step).
with np.errstate(divide="ignore"):
    _NOISE_BELOW = -np.log(-np.log(1.0 - np.arange(1, _NOISE_STEPS + 1) / _NOISE_STEPS))


@dataclass(frozen=True)
class _UtilityTerms:
    """The systematic utility of the module docstring, as the operations of the plain computation.

    ``base`` (p,) appeal plus fixed terms, ``slope`` (p,) merit slope, ``indifferent`` (p,) the
    share choosing the offer whatever their grades, ``near`` (s, p) the distance term per
    compulsory school, ``last_lowest`` (p,) last year's lowest admitted merit value (-inf: none,
    so that the shortfall is 0 there, as the plain computation's NaN made 0), ``reach`` the utility
    per point short of it, ``extra`` (patterns, p) the eligibility or introductory term per pattern
    of a student's eligibility (bit 0: a vocational programme, bit 1 + r: requirement r),
    ``pattern`` (n,) each student's. ``indifferent_columns`` are the offers with a share above 0,
    ``extra_columns[q]`` the offers where pattern q's term is not 0.
    """

    base: np.ndarray
    slope: np.ndarray
    indifferent: np.ndarray
    near: np.ndarray
    last_lowest: np.ndarray
    reach: float
    extra: np.ndarray
    pattern: np.ndarray
    indifferent_columns: np.ndarray
    extra_columns: tuple[np.ndarray, ...]

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
        last_lowest = np.asarray(last_lowest, dtype=np.float64)
        return cls(
            base=appeal + offer_fixed,
            slope=merit_slope,
            indifferent=merit_indifferent,
            near=(model.distance_per_10km / 10.0) * distance,
            last_lowest=np.where(np.isnan(last_lowest), -np.inf, last_lowest),
            reach=model.below_last_lowest / model.merit_scale,
            extra=extra,
            pattern=pattern,
            indifferent_columns=np.flatnonzero(merit_indifferent > 0),
            extra_columns=tuple(np.flatnonzero(row != 0.0) for row in extra),
        )

    def systematic(self, z: np.ndarray, merit: np.ndarray, indifference: np.ndarray, school: np.ndarray,
                   pattern: np.ndarray, out: np.ndarray | None = None, scratch: np.ndarray | None = None) -> np.ndarray:
        """(rows, p) utility without the noise, into ``out`` (``scratch`` (rows, p) is overwritten);
        fastest with the rows in runs of one pattern.

        Each cell is ``(((base + by_merit * slope) + near) + reach * shortfall) + extra``, the plain
        computation's operations in its order, so the same doubles; a term that is 0 is not added
        (adding 0 changes at most the sign of a zero, which no comparison sees).
        """
        rows, p = len(z), len(self.base)
        utility = np.empty((rows, p)) if out is None else out
        scratch = np.empty((rows, p)) if scratch is None else scratch
        np.multiply(z[:, None], self.slope[None, :], out=utility)
        columns = self.indifferent_columns
        if len(columns):
            # Below the offer's share the student chooses whatever their grades: no merit term.
            part = utility[:, columns]
            part[indifference[:, None] < self.indifferent[columns][None, :]] = 0.0
            utility[:, columns] = part
        utility += self.base
        np.take(self.near, school, axis=0, out=scratch)
        utility += scratch
        # Students read last year's lowest admitted merit values: an offer beyond reach is less likely.
        if self.reach != 0.0:
            np.subtract(self.last_lowest[None, :], merit[:, None], out=scratch)
            np.maximum(scratch, 0.0, out=scratch)
            scratch *= self.reach
            utility += scratch
        runs = np.concatenate(([0], np.flatnonzero(np.diff(pattern)) + 1, [rows]))
        for first, last in zip(runs[:-1], runs[1:]):
            columns = self.extra_columns[pattern[first]]
            if 3 * len(columns) > p:
                utility[first:last] += self.extra[pattern[first]]
            elif len(columns):
                utility[first:last, columns] += self.extra[pattern[first], columns]
        return utility

    def cells(self, count: np.ndarray, column: np.ndarray, near: np.ndarray, z: np.ndarray, merit: np.ndarray,
              indifference: np.ndarray, pattern: np.ndarray) -> np.ndarray:
        """(cells,) the utility without the noise of b students at ``count`` (b,) offers each, in
        turn: ``column`` (cells,) the offers, ``near`` (cells,) their distance terms, ``z`` ...
        ``pattern`` (b,) per student. The same doubles as :meth:`systematic` (per-student values
        repeated and offer terms taken, not indexed: a third of the time)."""
        p = len(self.base)
        utility = np.repeat(z, count)
        utility *= np.take(self.slope, column)
        np.putmask(utility, np.repeat(indifference, count) < np.take(self.indifferent, column), 0.0)
        utility += np.take(self.base, column)
        utility += near
        if self.reach != 0.0:
            short = np.take(self.last_lowest, column)
            short -= np.repeat(merit, count)
            np.maximum(short, 0.0, out=short)
            short *= self.reach
            utility += short
        index = np.repeat(pattern * p, count)
        index += column
        utility += np.take(self.extra.reshape(-1), index)
        return utility


@dataclass(frozen=True)
class _SchoolBounds:
    """An upper bound of the systematic utility per compulsory school and offer, each school's offers
    in order of it (largest first), in bins of BIN_WIDTH.

    The bound takes each term at its largest over the school's students (the merit term over their
    merit values, 0 where a share is indifferent; the shortfall at their highest merit value; the
    eligibility term over their patterns) and adds them in the order of :meth:`_UtilityTerms.systematic`:
    rounding is monotone, so no student's computed utility exceeds it. An offer's bin is
    ``floor((top - bound) / BIN_WIDTH)``; ``order`` (s, p) the offers by bin (by offer within
    one), ``near`` (s, p) their distance terms in that order (read in order, not gathered from a
    row of 30 KB), ``within`` (s, bins) how many of the school's offers are in bin ``b`` or above.
    """

    order: np.ndarray
    near: np.ndarray
    within: np.ndarray
    top: float

    @classmethod
    def build(cls, terms: _UtilityTerms, z: np.ndarray, merit: np.ndarray, school: np.ndarray) -> _SchoolBounds:
        s, p = terms.near.shape
        present = np.bincount(school, minlength=s) > 0
        z_low, z_high = np.full(s, np.inf), np.full(s, -np.inf)
        np.minimum.at(z_low, school, z)
        np.maximum.at(z_high, school, z)
        m_low, m_high = np.full(s, np.inf), np.full(s, -np.inf)
        np.minimum.at(m_low, school, merit)
        np.maximum.at(m_high, school, merit)
        z_low, z_high = np.where(present, z_low, 0.0), np.where(present, z_high, 0.0)
        m_low, m_high = np.where(present, m_low, 0.0), np.where(present, m_high, 0.0)
        bound = np.multiply(z_low[:, None], terms.slope[None, :])
        np.maximum(bound, z_high[:, None] * terms.slope[None, :], out=bound)
        indifferent = terms.indifferent > 0
        bound[:, indifferent] = np.maximum(bound[:, indifferent], 0.0)
        bound += terms.base
        bound += terms.near
        if terms.reach != 0.0:
            fewest = m_high if terms.reach < 0 else m_low
            short = np.maximum(terms.last_lowest[None, :] - fewest[:, None], 0.0)
            short *= terms.reach
            bound += short
            del short
        # The eligibility term at its largest over the patterns of the school's students.
        patterns = np.zeros((s, len(terms.extra)), dtype=bool)
        patterns[school, terms.pattern] = True
        sets, inverse = np.unique(patterns, axis=0, return_inverse=True)
        largest = np.stack([terms.extra[used].max(axis=0) if used.any() else np.zeros(p) for used in sets])
        bound += largest[inverse.reshape(-1)]
        top = float(bound.max())
        bins = np.minimum((top - bound) / BIN_WIDTH, np.iinfo(np.int16).max - 1).astype(np.int16)
        del bound
        order = np.argsort(bins, axis=1, kind="stable")
        n_bins = int(bins.max()) + 1
        within = np.bincount((bins.astype(np.int64) + (np.arange(s) * n_bins)[:, None]).reshape(-1),
                             minlength=s * n_bins).reshape(s, n_bins).cumsum(axis=1)
        near = np.take_along_axis(terms.near, order, axis=1)
        return cls(order=order, near=near, within=within, top=top)

    def reaching(self, school: np.ndarray, floor: np.ndarray) -> np.ndarray:
        """(rows,) how many offers of the order of each row's school to take so that every offer
        whose bound is ``floor`` or more is among them (whole bins; raised a little against rounding)."""
        p, n_bins = self.order.shape[1], self.within.shape[1]
        last = np.floor((self.top - floor) / BIN_WIDTH + 1e-6)
        count = self.within[school, np.clip(last, 0, n_bins - 1).astype(np.intp)]
        return np.where(last >= n_bins - 1, p, count)


def _cut_choices(terms: _UtilityTerms, bounds: _SchoolBounds, uniform: np.ndarray, smallest: np.ndarray, k: int,
                   z: np.ndarray, merit: np.ndarray, indifference: np.ndarray, school: np.ndarray,
                   pattern: np.ndarray) -> np.ndarray:
    """(b, k) the k offers of largest ``systematic + gumbel(uniform)`` of each of b students, best
    first, computing the systematic utility only of the offers that can reach the k-th.

    ``uniform`` (b, p) the students' uniforms, ``smallest`` (b,) each row's smallest (above 0), so
    ``gumbel(smallest)`` is the row's largest noise. Each student's offers are taken in the order of
    their school's bound (:class:`_SchoolBounds`):

    1. The first PROBES offers' totals: their k-th largest is a bar that at least k offers reach.
    2. The offers whose bound plus the row's largest noise reaches the bar (a prefix of the order):
       no other offer can reach it.
    3. Of those, the ones whose uniform is small enough for the noise to lift them to the bar
       (``gumbel(u) <= -log(u)``, looked up in _UNIFORM_BOUND: no logarithm), and their totals:
       every offer whose total reaches the bar is among them, so the k largest are the row's k best.
    """
    b, p = uniform.shape
    noise = _gumbel(smallest)
    probes = min(PROBES, p)
    each = np.full(b, probes)
    position = (np.repeat(school * p, probes).reshape(b, probes) + np.arange(probes)).reshape(-1)
    column = np.take(bounds.order.reshape(-1), position)
    value = terms.cells(each, column, np.take(bounds.near.reshape(-1), position), z, merit, indifference, pattern)
    # A total of at most the true one (_NOISE_BELOW): the bar is a little lower, no logarithm taken.
    index = np.repeat(np.arange(b) * p, probes)
    index += column
    step = np.take(uniform.reshape(-1), index)
    step *= _NOISE_STEPS
    total = np.take(_NOISE_BELOW, step.astype(np.intp))
    total += value
    bar = np.partition(total.reshape(b, probes), probes - k, axis=1)[:, probes - k]
    count = np.maximum(bounds.reaching(school, bar - noise - _SCREEN_SLACK), probes)
    if count.sum() > CUT_SHARE * b * p:
        return None
    return _block_choices(terms, bounds, uniform, noise, bar, k, count, z, merit, indifference, school, pattern,
                          value, column)


def _dense_choices(terms: _UtilityTerms, uniform: np.ndarray, k: int, z: np.ndarray, merit: np.ndarray,
                   indifference: np.ndarray, school: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """(b, k) as :func:`_cut_choices`, from the systematic utility of every offer (:func:`_top_choices`),
    in blocks of DENSE_BLOCK_CELLS."""
    b, p = uniform.shape
    block = max(1, min(b, DENSE_BLOCK_CELLS // p))
    utility_buffer, scratch_buffer = np.empty((block, p)), np.empty((block, p))
    top = np.empty((b, k), dtype=np.int64)
    for low in range(0, b, block):
        high = min(b, low + block)
        # The block's students by eligibility pattern: a pattern's term applies to a run of rows.
        order = low + np.argsort(pattern[low:high], kind="stable")
        utility = terms.systematic(z[order], merit[order], indifference[order], school[order], pattern[order],
                                   out=utility_buffer[: high - low], scratch=scratch_buffer[: high - low])
        top[order] = _top_choices(utility, uniform, k, _segment_minima(uniform[low:high])[order - low], order)
    return top


def _block_choices(terms, bounds, uniform, noise, bar, k, count, z, merit, indifference, school, pattern,
                   probe_value, probe_column):
    """(b, k) the top k of each row from the first ``count`` offers of its school's order, steps 2
    and 3 of :func:`_cut_choices`; ``probe_value`` and ``probe_column`` (b * PROBES,) the
    systematic utility of the first PROBES, already computed."""
    b, p = uniform.shape
    probes = len(probe_value) // b
    # The offers after the probes, row after row.
    rest = count - probes
    starts = np.concatenate(([0], np.cumsum(rest)))
    position = np.arange(starts[-1])
    position += np.repeat(school * p + probes - starts[:-1], rest)
    column = np.take(bounds.order.reshape(-1), position)
    value = terms.cells(rest, column, np.take(bounds.near.reshape(-1), position), z, merit, indifference, pattern)
    floor = bar - noise - _SCREEN_SLACK
    near = np.flatnonzero(probe_value >= np.repeat(floor, probes))
    cell = np.flatnonzero(value >= np.repeat(floor, rest))
    cell_row = np.concatenate((near // probes, np.take(np.repeat(np.arange(b), rest), cell)))
    value = np.concatenate((np.take(probe_value, near), np.take(value, cell)))
    column = np.concatenate((np.take(probe_column, near), np.take(column, cell)))
    index = cell_row * p
    index += column
    u = np.take(uniform.reshape(-1), index)
    # An offer reaches the bar only if u <= exp(-(bar - value)); the bound is taken at the step
    # below bar - value, so it keeps every such offer.
    step = np.take(bar, cell_row)
    step -= value
    step *= _STEPS
    step -= 1e-3
    np.clip(step, 0, len(_UNIFORM_BOUND) - 1, out=step)
    lifted = np.flatnonzero(u <= np.take(_UNIFORM_BOUND, step.astype(np.intp)))
    cell_row, value, column, u = (np.take(a, lifted) for a in (cell_row, value, column, u))
    total = value + _gumbel(u)
    reach = np.flatnonzero(total >= np.take(bar, cell_row))
    column, cell_row, total = (np.take(a, reach) for a in (column, cell_row, total))
    order = np.lexsort((-total, cell_row))
    in_order_total, in_order_row = total[order], cell_row[order]
    if np.any((in_order_total[1:] == in_order_total[:-1]) & (in_order_row[1:] == in_order_row[:-1])):
        # Equal totals go by offer, as a stable sort of every total would.
        order = np.lexsort((column, -total, cell_row))
    # Rows in order, each with k or more offers reaching its bar.
    first = np.cumsum(np.bincount(cell_row, minlength=b)) - np.bincount(cell_row, minlength=b)
    return np.take(column, np.take(order, first[:, None] + np.arange(k)[None, :]))


def _sorted_top(utility: np.ndarray, k: int) -> np.ndarray:
    """(rows, k) columns of the k largest utilities of each row, largest first."""
    top = np.argpartition(-utility, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(utility, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def _gumbel(uniform: np.ndarray) -> np.ndarray:
    """numpy's Gumbel(0, 1) draw from the uniform it drew, ``0 - 1 * log(-log(1 - u))``, bit for bit."""
    return -np.log(-np.log(1.0 - uniform))


def _segment_minima(uniform: np.ndarray) -> np.ndarray:
    """(rows, segments) the smallest uniform of each _SEGMENT offers of each row (the last segment
    takes the rest)."""
    return np.minimum.reduceat(uniform, np.arange(0, uniform.shape[1], _SEGMENT), axis=1)


def _screen(systematic: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """(rows, p) bool: the systematic utility is at least the floor of its segment (``floor`` (rows,
    segments), the segments of :func:`_segment_minima`)."""
    b, p = systematic.shape
    screened = np.empty((b, p), dtype=bool)
    whole = p // _SEGMENT
    if whole:
        width = whole * _SEGMENT
        np.greater_equal(systematic[:, :width].reshape(b, whole, _SEGMENT), floor[:, :whole, None],
                         out=screened[:, :width].reshape(b, whole, _SEGMENT))
    if whole * _SEGMENT < p:
        np.greater_equal(systematic[:, whole * _SEGMENT:], floor[:, -1:], out=screened[:, whole * _SEGMENT:])
    return screened


def _top_choices(systematic: np.ndarray, uniform: np.ndarray, k: int, smallest: np.ndarray | None = None,
                 rows: np.ndarray | None = None) -> np.ndarray:
    """(b, k) the k offers of largest ``systematic + gumbel(uniform)`` per row, best first, taking
    few logarithms.

    Row r of ``systematic`` (b, p) has the noise of row ``rows[r]`` of ``uniform`` (both
    C-contiguous; ``rows`` defaults to the identity); ``smallest`` is :func:`_segment_minima` of
    the rows of ``systematic``. Equal totals go by offer, as a stable sort of every total would.

    For a bar, the row's best systematic utility less a drop (_DROPS, the next one for the rows
    where fewer than k offers reach the bar):

    1. A segment's largest noise comes from its smallest uniform: an offer whose systematic
       utility plus that noise stays below the bar cannot reach it.
    2. Of the offers left, those whose uniform is small enough for the noise to lift them to the
       bar (``gumbel(u) <= -log(u)``, looked up in _UNIFORM_BOUND: no logarithm).
    3. Their total utility: every offer whose total reaches the bar is among them, so where k or
       more do, the k largest of those are the row's k best.
    """
    b, p = systematic.shape
    rows = np.arange(b) if rows is None else rows
    if smallest is None:
        smallest = _segment_minima(uniform)[rows]
    flat_uniform = uniform.reshape(-1)
    best = systematic.max(axis=1)
    noise = _gumbel(smallest)
    top = np.empty((b, k), dtype=np.int64)
    todo = np.arange(b)
    for drop in _DROPS:
        part = systematic if len(todo) == b else systematic[todo]
        bar = best[todo] - drop
        cell = np.flatnonzero(_screen(part, bar[:, None] - noise[todo] - _SCREEN_SLACK))
        row = np.repeat(np.arange(len(todo)), np.diff(np.searchsorted(cell, np.arange(len(todo) + 1) * p)))
        column = cell - row * p
        value = part.reshape(-1)[cell]
        u = flat_uniform[rows[todo[row]] * p + column]
        # An offer reaches the bar only if u <= exp(-(bar - value)); the bound is taken at the
        # step below bar - value, so it keeps every such offer.
        step = np.clip((bar[row] - value) * _STEPS - 1e-3, 0, len(_UNIFORM_BOUND) - 1).astype(np.intp)
        lifted = u <= _UNIFORM_BOUND[step]
        row, column, value, u = row[lifted], column[lifted], value[lifted], u[lifted]
        total = value + _gumbel(u)
        reach = total >= bar[row]
        row, column, total = row[reach], column[reach], total[reach]
        enough = np.bincount(row, minlength=len(todo)) >= k
        if not enough.all():
            keep = enough[row]
            row, column, total = row[keep], column[keep], total[keep]
        order = np.lexsort((-total, row))
        done = np.flatnonzero(enough)
        first = np.searchsorted(row[order], done)
        top[todo[done]] = column[order[first[:, None] + np.arange(k)[None, :]]]
        todo = todo[~enough]
        if len(todo) == 0:
            break
    return top
