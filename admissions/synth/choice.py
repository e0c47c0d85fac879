"""A random-utility model of how students rank offers, with parameters shipped as data.

Student ``i`` (year-9 merit value ``m_i``, at a compulsory school) values offer ``j`` (programme
code ``c``, school unit ``s``, principal, position) at

    U_ij = appeal[c] + appeal_j
           + (merit[c] + merit_j) * (m_i - merit_centre) / merit_scale
           + distance_per_10km * d_ij / 10
           + independent * [principal_j is independent]
           + ineligible * [i is not eligible for code c]
           + introductory_for_eligible * [c is introductory and i is eligible for a vocational programme]
           + introductory_for_ineligible * [c is introductory and i is not]
           + e_ij,                      e_ij ~ Gumbel(0, 1) independent,

where ``d_ij`` is the great-circle distance in km from the student's compulsory school to the
upper-secondary school unit. ``appeal[c]`` and ``merit[c]`` (programme by merit) are per programme
code; ``appeal_j`` and ``merit_j`` per offer are the school's attractiveness for that programme
and how strongly it draws high merit values, fitted by ``python -m admissions.synth.calibrate`` to
the published 2025 lowest and average admitted merit values (0 for offers without published
figures). Each offer's seats are its students times ``seats_per_student`` (a third: one year's
intake) times its ``seat_factor`` (0.9-2.5, fitted too: an offer that was oversubscribed in 2025 has
no seats to spare, one with a low cut-off had vacant seats). A student lists the top ``k`` offers of ``U`` (a draw without replacement with
probabilities proportional to ``exp(U)``: the Gumbel-max trick), ``k`` drawn from
``n_choices_share``.

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
OFFER_COLUMNS = ("school_unit_code", "programme_code", "appeal", "merit", "seat_factor")
#: Students per block when utilities are computed: bounds memory at (CHUNK, offers) floats.
CHUNK = 4096


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
    seats_per_student: float
    n_choices_share: tuple[float, ...]
    programme_appeal: dict[str, float]
    programme_merit: dict[str, float]
    #: (school_unit_code, programme_code) -> (appeal_j, merit_j, seat_factor_j)
    offers: dict[tuple[str, str], tuple[float, float, float]] = field(default_factory=dict)
    source: str = "admissions (shipped)"

    @property
    def max_choices(self) -> int:
        return len(self.n_choices_share)

    def offer_terms(self, unit: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(p,) appeal, merit slope and seat factor of each offer: the code's terms plus the offer's own."""
        own = np.array([self.offers.get((u, c), (0.0, 0.0, 1.0)) for u, c in zip(unit, code)],
                       dtype=np.float64).reshape(-1, 3)
        appeal = np.array([self.programme_appeal.get(c, 0.0) for c in code]) + own[:, 0]
        merit = np.array([self.programme_merit.get(c, 0.0) for c in code]) + own[:, 1]
        return appeal, merit, own[:, 2]

    def with_offers(self, offers: dict[tuple[str, str], tuple[float, float, float]]) -> ChoiceModel:
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
        (r["school_unit_code"], r["programme_code"]): (float(r["appeal"]), float(r["merit"]), float(r["seat_factor"]))
        for r in rows
    }
    scalars = {k: float(table[k]) for k in (
        "merit_centre", "merit_scale", "distance_per_10km", "independent", "ineligible",
        "introductory_for_eligible", "introductory_for_ineligible", "seats_per_student",
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
    offer_fixed: np.ndarray,
    distance: np.ndarray,
    school: np.ndarray,
    merit: np.ndarray,
    eligible_kind: np.ndarray,
    offer_kind: np.ndarray,
    introductory: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """(n, max_choices) offer index of each student's choices, best first, all distinct.

    Parameters
    ----------
    appeal, merit_slope : (p,) float
        The offers' appeal and merit slope (:meth:`ChoiceModel.offer_terms`).
    offer_fixed : (p,) float
        Terms that do not depend on the student (the principal).
    distance : (s, p) float
        km from each compulsory school to each offer.
    school : (n,) int
        Each student's compulsory school (row of ``distance``).
    merit : (n,) float
    eligible_kind : (n, q) bool
        Whether the student meets requirement kind ``q``.
    offer_kind : (p,) int
        Each offer's requirement kind (column of ``eligible_kind``); introductory offers are
        marked by ``introductory`` and their kind is ignored.
    introductory : (p,) bool
    rng : numpy.random.Generator
        Draws the Gumbel noise, (n, p) values in blocks of CHUNK students.
    """
    n = len(school)
    k = min(model.max_choices, len(appeal))
    out = np.empty((n, k), dtype=np.int64)
    base = appeal + offer_fixed
    z = (merit - model.merit_centre) / model.merit_scale
    vocational = eligible_kind[:, 0]
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        utility = base[None, :] + z[start:stop, None] * merit_slope[None, :]
        utility += (model.distance_per_10km / 10.0) * distance[school[start:stop]]
        national_ok = eligible_kind[start:stop][:, offer_kind]
        utility += np.where(introductory[None, :], 0.0, model.ineligible * ~national_ok)
        im = np.where(vocational[start:stop], model.introductory_for_eligible, model.introductory_for_ineligible)
        utility += im[:, None] * introductory[None, :]
        utility += rng.gumbel(size=utility.shape)
        top = np.argpartition(-utility, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(utility, top, axis=1), axis=1, kind="stable")
        out[start:stop] = np.take_along_axis(top, order, axis=1)
    return out
