"""``admissions demand``: the demand model estimated from a round's ranked lists, its fit, and MODEL_DIR.

The model is the exploded logit of :mod:`admissions.analysis.choice_model`. This module turns a
round into its arrays, splits the students into an estimation sample and a held-out sample
(``holdout``, seeded), fits the model and a popularity-only baseline on the estimation sample,
measures both on the held-out students, and writes MODEL_DIR:

================== ============================================================================
file               content
================== ============================================================================
parameters.csv     ``parameter``, ``estimate``, ``std_error`` (empty where the parameter is fixed
                   or imputed): ``attractiveness[<programme_id>]`` per offer, ``distance_per_km``,
                   ``home_municipality`` (the offer is in the student's home municipality),
                   ``merit[<code>]`` (utility per standard deviation of merit value, relative to
                   the reference code), and the offer attractiveness explained by its attributes:
                   ``programme[<code>]``, ``school[<school>]``, ``school_municipality[<m>]``,
                   ``school_principal[independent]``, ``school_intercept``.
fit.json           ``holdout_loglik_per_student``, ``baseline_loglik_per_student``,
                   ``holdout_first_choice_share`` (and the baseline's), students in each sample,
                   convergence, ``parameters_free`` and ``parameters_undetermined`` (those
                   the sample cannot tell apart), and ``fits_badly``: the offers, programme codes and
                   municipalities where predicted and observed held-out demand differ most.
demand_fit.csv     Per offer: observed and predicted first choices and applicants among the
                   held-out students, the baseline's prediction, and a z score.
offers.csv         Per offer of the round: its attributes and coordinates (what whatif needs
                   to place a new offer beside it).
model.json         The merit value's mean and standard deviation, the reference offer and code,
                   the municipality centres used, and the settings.
run.json           The run record (inputs' sha256, settings, timings).
================== ============================================================================

Attractiveness of an offer nobody lists (and of an offer added in a scenario) comes from its
attributes: ``programme[code] + school[school]`` when its school is in the round, else
``programme[code] + school_intercept + school_municipality[m] + school_principal``, the two least
squares fits of the estimated attractiveness (offers on programme codes and schools; schools on
their municipality and principal).

No student-level data is written: MODEL_DIR holds parameters and per-offer counts only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from admissions.arguments import check_seed, check_share
from admissions.analysis import choice_model as cm
from admissions.errors import InvalidArgument, InvalidInput, Step
from admissions.io.write import write_csv, write_json
from admissions.io.problems import Problem
from admissions.io.readers import FIRST_DATA_ROW
from admissions.job import start_job
from admissions.round import Progress, RoundResult, prepare_round
from admissions.wording import counted

#: Files of MODEL_DIR.
MODEL_FILES = ("parameters.csv", "fit.json", "demand_fit.csv", "offers.csv", "model.json", "run.json")
PARAMETER_COLUMNS = ("parameter", "estimate", "std_error")
#: Offers the estimation sample's lists must name between them: fewer identify no parameter.
MIN_OFFERS_LISTED = 2
DEMAND_FIT_COLUMNS = (
    "programme_id", "programme_code", "municipality", "observed_first_choices", "predicted_first_choices",
    "observed_applicants", "predicted_applicants", "baseline_predicted_applicants", "z",
)
OFFER_COLUMNS = (
    "programme_id", "school", "municipality", "programme_code", "orientation", "principal", "latitude",
    "longitude", "attractiveness", "attractiveness_source",
)
#: Share of students held out of the estimation by default.
DEFAULT_HOLDOUT = 0.2
#: Simulated lists per held-out student for the predicted applicants per offer.
APPLICANT_DRAWS = 5
#: |z| above which an offer's held-out demand is listed as fitting badly.
BAD_FIT_Z = 3.0
#: Most offers listed in fit.json's fits_badly.
BAD_FIT_LISTED = 15


@dataclass(frozen=True)
class Places:
    """Coordinates of students (n,) and offers (p,), degrees, and where they came from."""

    student_lat: np.ndarray
    student_lon: np.ndarray
    offer_lat: np.ndarray
    offer_lon: np.ndarray
    student_source: str
    offer_source: str


def municipality_centres() -> dict[str, tuple[float, float]]:
    """Centre (latitude, longitude) of every municipality of Sweden (region.csv, else the mean
    position of its schools in the shipped register; :func:`admissions.synth.area.municipality_centres`)."""
    from admissions.synth.area import municipality_centres as centres

    return centres()


def _column(frame: pd.DataFrame, name: str) -> np.ndarray | None:
    if name not in frame.columns:
        return None
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)


def round_places(r: RoundResult) -> Places:
    """Coordinates of the round's students and offers: their own columns where given, else the
    centre of their (home or host) municipality.

    Raises InvalidInput naming every municipality that is needed and has no known centre.
    """
    centres = municipality_centres()
    names = r.encoded.municipalities.astype(str)
    centre_lat = np.array([centres.get(n, (np.nan, np.nan))[0] for n in names])
    centre_lon = np.array([centres.get(n, (np.nan, np.nan))[1] for n in names])
    sources = []
    result = []
    problems: list[Problem] = []
    for file, frame, index, noun in (("students", r.data.students, r.encoded.home, "home"),
                                     ("programmes", r.data.programmes, r.encoded.host, "host")):
        given = r.data.has_column(file, "latitude") and r.data.has_column(file, "longitude")
        lat, lon = _column(frame, "latitude"), _column(frame, "longitude")
        if not given or lat is None or lon is None:
            lat = np.full(len(index), np.nan)
            lon = np.full(len(index), np.nan)
            sources.append(f"{noun} municipality centre")
        else:
            sources.append(f"{file}.csv latitude, longitude; {noun} municipality centre where empty")
        missing = np.isnan(lat) | np.isnan(lon)
        lat = np.where(missing, centre_lat[index], lat)
        lon = np.where(missing, centre_lon[index], lon)
        unknown = np.isnan(lat) | np.isnan(lon)
        if unknown.any():
            first = {}
            for row in np.flatnonzero(unknown):
                first.setdefault(int(index[row]), int(row))
            column = "home_municipality" if file == "students" else "municipality"
            for m_index, row in first.items():
                problems.append(Problem(f"{file}.csv", row + FIRST_DATA_ROW, column, names[m_index],
                                        "has no known centre (not in the shipped region table), must have "
                                        "latitude and longitude on the row for the demand model's distances"))
        result.append((lat, lon))
    if problems:
        raise InvalidInput(problems)
    (slat, slon), (olat, olon) = result
    return Places(slat, slon, olat, olon, sources[0], sources[1])


@dataclass(frozen=True)
class MeritScale:
    """Merit value -> standard deviations from the round's mean (missing: the mean)."""

    mean: float
    sd: float

    def z(self, merit: np.ndarray) -> np.ndarray:
        return np.nan_to_num((np.asarray(merit, dtype=np.float64) - self.mean) / self.sd, nan=0.0)


def merit_scale(merit: np.ndarray) -> MeritScale:
    known = merit[~np.isnan(merit)]
    if len(known) < 2:
        return MeritScale(float(known.mean()) if len(known) else 0.0, 1.0)
    sd = float(known.std())
    return MeritScale(float(known.mean()), sd if sd > 0 else 1.0)


def choice_data(r: RoundResult, places: Places, scale: MeritScale, codes: list[str]) -> cm.ChoiceData:
    """The round's ranked lists (every listed offer, eligible or not: lists state preferences)."""
    enc = r.encoded
    code_index = {c: i for i, c in enumerate(codes)}
    points, place = np.unique(np.column_stack([places.student_lat, places.student_lon]), axis=0, return_inverse=True)
    distance = cm.distance_km(points[:, 0], points[:, 1], places.offer_lat, places.offer_lon)
    return cm.ChoiceData.from_students(
        enc.choices, enc.home, distance, scale.z(r.selection.merit), enc.host,
        np.array([code_index[c] for c in enc.programme_code.astype(str)], dtype=np.int64), len(codes),
        place=place.reshape(-1).astype(np.int64),
    )


@dataclass(frozen=True)
class OfferEffects:
    """Attractiveness explained by attributes (two least-squares fits; see the module docstring)."""

    programme: dict[str, float]
    school: dict[str, float]
    municipality: dict[str, float]
    independent: float
    intercept: float
    std_errors: dict[str, float]

    def predict(self, code: str, school: str, municipality: str, independent: bool) -> tuple[float, str]:
        """Attractiveness of an offer with these attributes, and which rule gave it."""
        programme = self.programme.get(code)
        source = "school and programme"
        if programme is None:
            programme = float(np.mean(list(self.programme.values()))) if self.programme else 0.0
            source = "school, programme code not in the round (mean programme)"
        if school in self.school:
            return self.school[school] + programme, source
        base = self.intercept + self.municipality.get(municipality, 0.0) + (self.independent if independent else 0.0)
        where = "municipality" if municipality in self.municipality else "region (municipality has no school)"
        return base + programme, f"new school: {where}, principal and programme"


def _least_squares(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and standard errors of y ~ x (minimum norm where x is rank deficient)."""
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    dof = max(len(y) - np.linalg.matrix_rank(x), 1)
    sigma2 = float(resid @ resid) / dof
    se = np.sqrt(np.clip(np.diag(np.linalg.pinv(x.T @ x)) * sigma2, 0.0, None))
    return beta, se


def offer_effects(programmes: pd.DataFrame, attractiveness: np.ndarray, reference_code: str) -> OfferEffects:
    """Fit attractiveness ~ programme code + school, then school effect ~ municipality + principal."""
    known = ~np.isnan(attractiveness)
    frame = programmes.loc[known, ["school", "municipality", "programme_code", "principal"]].astype(str)
    y = attractiveness[known]
    codes = sorted(set(frame["programme_code"]) - {reference_code})
    schools = sorted(set(frame["school"]))
    x = np.hstack([
        (frame["programme_code"].to_numpy()[:, None] == np.array(codes, dtype=object)[None, :]).astype(float),
        (frame["school"].to_numpy()[:, None] == np.array(schools, dtype=object)[None, :]).astype(float),
    ]) if len(frame) else np.zeros((0, 0))
    std_errors: dict[str, float] = {}
    if x.size:
        beta, se = _least_squares(x, y)
    else:
        beta, se = np.zeros(0), np.zeros(0)
    programme = {reference_code: 0.0}
    for i, code in enumerate(codes):
        programme[code] = float(beta[i])
        std_errors[f"programme[{code}]"] = float(se[i])
    school = {}
    for i, name in enumerate(schools):
        school[name] = float(beta[len(codes) + i])
        std_errors[f"school[{name}]"] = float(se[len(codes) + i])
    # Schools on their municipality and principal, one row per school.
    per_school = frame.drop_duplicates("school").set_index("school").loc[schools] if schools else frame
    municipalities = sorted(set(per_school["municipality"])) if len(per_school) else []
    ys = np.array([school[s] for s in schools])
    if len(schools):
        xs = np.hstack([
            np.ones((len(schools), 1)),
            (per_school["principal"].to_numpy() == "independent").astype(float)[:, None],
            (per_school["municipality"].to_numpy()[:, None] == np.array(municipalities[1:], dtype=object)[None, :]).astype(float),
        ])
        bs, ses = _least_squares(xs, ys)
    else:
        bs, ses = np.zeros(2), np.zeros(2)
    municipality = {municipalities[0]: 0.0} if municipalities else {}
    for i, name in enumerate(municipalities[1:]):
        municipality[name] = float(bs[2 + i])
        std_errors[f"school_municipality[{name}]"] = float(ses[2 + i])
    std_errors["school_intercept"] = float(ses[0])
    std_errors["school_principal[independent]"] = float(ses[1])
    return OfferEffects(programme, school, municipality, float(bs[1]), float(bs[0]), std_errors)


@dataclass(frozen=True)
class DemandModel:
    """A fitted demand model, as whatif uses it: coefficients over the round's offers and how to place new ones."""

    programme_ids: np.ndarray  # (p,) str
    coef: cm.Coefficients  # attractiveness complete (imputed where nobody listed the offer)
    codes: list[str]  # programme codes, index of coef.merit
    scale: MeritScale
    effects: OfferEffects
    offers: pd.DataFrame  # OFFER_COLUMNS

    def merit_slope(self, code: str) -> float:
        return float(self.coef.merit[self.codes.index(code)]) if code in self.codes else 0.0


@dataclass(frozen=True)
class DemandResult:
    """What ``demand`` computed: the model, parameters table, fit record and per-offer fit."""

    model: DemandModel
    parameters: pd.DataFrame
    fit: dict
    demand_fit: pd.DataFrame
    timings: dict[str, float]


def _parameters(ids: np.ndarray, codes: list[str], fit: cm.Fit, attractiveness: np.ndarray,
                effects: OfferEffects) -> pd.DataFrame:
    p = len(ids)
    est = fit.coef.vector()
    se = fit.std_error
    names = [f"attractiveness[{pid}]" for pid in ids] + ["distance_per_km", "home_municipality"] + \
            [f"merit[{c}]" for c in codes]
    values = np.concatenate([attractiveness, est[p:]])
    rows = pd.DataFrame({"parameter": names, "estimate": values, "std_error": se})
    extra = [(f"programme[{c}]", v) for c, v in effects.programme.items()] + \
            [(f"school[{s}]", v) for s, v in effects.school.items()] + \
            [(f"school_municipality[{m}]", v) for m, v in effects.municipality.items()] + \
            [("school_principal[independent]", effects.independent), ("school_intercept", effects.intercept)]
    more = pd.DataFrame({"parameter": [n for n, _ in extra], "estimate": [v for _, v in extra],
                         "std_error": [effects.std_errors.get(n, np.nan) for n, _ in extra]})
    table = pd.concat([rows, more], ignore_index=True)
    table["estimate"] = np.round(table["estimate"].astype(float), 6)
    table["std_error"] = np.round(table["std_error"].astype(float), 6)
    return table


def _simulated_applicants(data: cm.ChoiceData, coef: cm.Coefficients, seed: int,
                          draws: int = APPLICANT_DRAWS) -> np.ndarray:
    """(p,) expected applicants per offer: students' lists redrawn from the model with their own lengths."""
    rng = np.random.default_rng(seed)
    lengths = (data.choices >= 0).sum(axis=1)
    total = np.zeros(data.n_offers)
    for start in range(0, data.n_students, cm.BLOCK_STUDENTS):
        rows = slice(start, min(start + cm.BLOCK_STUDENTS, data.n_students))
        v = cm.utilities(data, coef, rows)
        for _ in range(draws):
            lists = cm.top_choices(v, lengths[rows], rng)
            total += np.bincount(lists[lists >= 0], minlength=data.n_offers)
    return total / draws


def estimate(r: RoundResult, *, holdout: float = DEFAULT_HOLDOUT, seed: int = 0,
             progress: Progress | None = None) -> DemandResult:
    """Fit the demand model on a prepared round and measure it on held-out students.

    Parameters
    ----------
    r : RoundResult
        From :func:`admissions.round.prepare_round`.
    holdout : float in [0, 0.9]
        Share of students left out of the estimation to measure the fit (0: none; the fit
        figures are then empty).
    seed : int
        Seed of the split and of the simulated lists.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    enc = r.encoded
    programmes = r.data.programmes
    places = round_places(r)
    scale = merit_scale(r.selection.merit)
    codes = sorted(set(enc.programme_code.astype(str)))
    data = choice_data(r, places, scale, codes)
    rng = np.random.default_rng(seed)
    held = rng.random(enc.n_students) < holdout
    train, test = data.subset(np.flatnonzero(~held)), data.subset(np.flatnonzero(held))
    _check_estimable(train, data, enc.programme_ids.astype(str), holdout)
    timings["model arrays"] = round(time.perf_counter() - start, 4)
    if progress is not None:
        progress(f"fit the model on {counted(train.n_students, 'student')}")
    start = time.perf_counter()
    baseline = cm.fit(train, covariates=False, std_errors=False)
    timings["fit baseline"] = round(time.perf_counter() - start, 4)
    start = time.perf_counter()
    fit = cm.fit(train, start=baseline.coef.attractiveness)  # popularity is a good start: fewer steps
    timings["fit"] = round(time.perf_counter() - start, 4)

    reference_code = codes[fit.reference_code]
    effects = offer_effects(programmes, fit.coef.attractiveness, reference_code)
    attractiveness = fit.coef.attractiveness.copy()
    source = np.array(["estimated"] * len(attractiveness), dtype=object)
    for j in np.flatnonzero(np.isnan(attractiveness)):
        row = programmes.iloc[j]
        attractiveness[j], rule = effects.predict(str(row["programme_code"]), str(row["school"]),
                                                  str(row["municipality"]), row["principal"] == "independent")
        source[j] = f"imputed ({rule}); nobody in the estimation sample listed it"
    coef = cm.Coefficients(attractiveness, fit.coef.distance_per_km, fit.coef.home_municipality, fit.coef.merit)
    # Popularity of an offer nobody listed: half a listing (log of 0.5 over the reference's listings).
    listed = np.bincount(train.choices[train.choices >= 0], minlength=enc.n_programmes)
    unlisted = np.log(0.5 / max(int(listed.max(initial=0)), 1))
    base_coef = cm.Coefficients(np.where(np.isnan(baseline.coef.attractiveness), unlisted,
                                         baseline.coef.attractiveness), 0.0, 0.0, np.zeros(len(codes)))

    if progress is not None:
        progress(f"measure on {test.n_students:,} held-out students")
    start = time.perf_counter()
    fit_record, demand_fit = _holdout_fit(r, test, coef, base_coef, seed)
    timings["holdout fit"] = round(time.perf_counter() - start, 4)
    fit_record.update({
        "students_estimation": int(train.n_students),
        "students_holdout": int(test.n_students),
        "holdout_share": holdout,
        "seed": seed,
        "estimation_loglik_per_student": round(fit.loglik / max(train.n_students, 1), 6),
        "converged": fit.converged,
        "iterations": fit.iterations,
        "optimizer_message": fit.message,
        "parameters_free": int(fit.free.sum()),
        "parameters_undetermined": fit.undetermined,
        "offers_imputed": int(np.isnan(fit.coef.attractiveness).sum()),
        "reference_offer": str(enc.programme_ids[fit.reference_offer]),
        "reference_code": reference_code,
        "coordinates": {"students": places.student_source, "offers": places.offer_source},
    })
    offers = pd.DataFrame({
        "programme_id": enc.programme_ids.astype(str),
        "school": programmes["school"].astype(str).to_numpy(),
        "municipality": programmes["municipality"].astype(str).to_numpy(),
        "programme_code": enc.programme_code.astype(str),
        "orientation": programmes["orientation"].fillna("").astype(str).to_numpy(),
        "principal": programmes["principal"].astype(str).to_numpy(),
        "latitude": np.round(places.offer_lat, 6),
        "longitude": np.round(places.offer_lon, 6),
        "attractiveness": np.round(attractiveness, 6),
        "attractiveness_source": source,
    }, columns=list(OFFER_COLUMNS))
    model = DemandModel(enc.programme_ids.astype(str), coef, codes, scale, effects, offers)
    parameters = _parameters(enc.programme_ids.astype(str), codes, fit, np.round(attractiveness, 6), effects)
    return DemandResult(model, parameters, fit_record, demand_fit, timings)


def _check_estimable(train: cm.ChoiceData, data: cm.ChoiceData, programme_ids: np.ndarray, holdout: float) -> None:
    """Refuse an estimation sample whose lists choose among fewer than two offers.

    The model compares offers: with every list naming the same single offer (or no list at all:
    no applications, one student with one choice, everyone applying to one offer) no parameter is
    identified. Raises InvalidArgument naming the offers listed, in the round and in the sample,
    and the holdout when it is what leaves the sample short.
    """
    listed = np.unique(train.choices[train.choices >= 0])
    if len(listed) >= MIN_OFFERS_LISTED:
        return
    everywhere = np.unique(data.choices[data.choices >= 0])
    named = ", ".join(programme_ids[listed]) if len(listed) else "none"
    message = (f"the estimation sample ({train.n_students} of {data.n_students} students) lists "
               f"{counted(len(listed), 'offer')} ({named}), must list at least {MIN_OFFERS_LISTED}: the demand model "
               "compares the offers students choose among")
    message += f"; the round's applications name {counted(len(everywhere), 'offer')} in all"
    if len(everywhere) >= MIN_OFFERS_LISTED and holdout > 0:
        raise InvalidArgument("{holdout} == {value:g}: {message}, so a smaller {holdout} (0: none) may do",
                              parameters=("holdout",), values={"value": holdout, "message": message})
    raise InvalidArgument(message)


def _holdout_fit(r: RoundResult, test: cm.ChoiceData, coef: cm.Coefficients, base: cm.Coefficients,
                 seed: int) -> tuple[dict, pd.DataFrame]:
    enc = r.encoded
    p = enc.n_programmes
    n = test.n_students
    if n == 0:
        empty = {"holdout_loglik_per_student": None, "baseline_loglik_per_student": None,
                 "holdout_first_choice_share": None, "baseline_first_choice_share": None, "fits_badly": {}}
        return empty, pd.DataFrame(columns=list(DEMAND_FIT_COLUMNS))
    ll = cm.loglik_per_student(test, coef)
    ll_base = cm.loglik_per_student(test, base)
    listed = test.choices[test.choices >= 0]
    has = test.choices[:, 0] >= 0
    best = np.concatenate([cm.utilities(test, coef, slice(s, s + cm.BLOCK_STUDENTS)).argmax(axis=1)
                           for s in range(0, n, cm.BLOCK_STUDENTS)])
    best_base = int(np.argmax(base.attractiveness))
    observed_first = np.bincount(test.choices[has, 0], minlength=p)
    observed_apps = np.bincount(listed, minlength=p)
    predicted_first = cm.first_choice_probabilities(test, coef)
    predicted_apps = _simulated_applicants(test, coef, seed + 1)
    base_apps = _simulated_applicants(test, base, seed + 2)
    z = (observed_apps - predicted_apps) / np.sqrt(np.maximum(predicted_apps, 1.0))
    table = pd.DataFrame({
        "programme_id": enc.programme_ids.astype(str),
        "programme_code": enc.programme_code.astype(str),
        "municipality": enc.municipalities.astype(str)[enc.host],
        "observed_first_choices": observed_first.astype(np.int64),
        "predicted_first_choices": np.round(predicted_first, 2),
        "observed_applicants": observed_apps.astype(np.int64),
        "predicted_applicants": np.round(predicted_apps, 2),
        "baseline_predicted_applicants": np.round(base_apps, 2),
        "z": np.round(z, 2),
    }, columns=list(DEMAND_FIT_COLUMNS))
    worst = table.reindex(table["z"].abs().sort_values(ascending=False, kind="stable").index)
    worst = worst[worst["z"].abs() > BAD_FIT_Z].head(BAD_FIT_LISTED)

    def grouped(column: str) -> list[dict]:
        g = table.groupby(column, sort=True)[["observed_applicants", "predicted_applicants"]].sum()
        g["z"] = (g["observed_applicants"] - g["predicted_applicants"]) / np.sqrt(np.maximum(g["predicted_applicants"], 1.0))
        g = g[g["z"].abs() > BAD_FIT_Z].sort_values("z", key=np.abs, ascending=False)
        return [{column: str(k), "observed_applicants": int(v.observed_applicants),
                 "predicted_applicants": round(float(v.predicted_applicants), 1), "z": round(float(v.z), 2)}
                for k, v in g.iterrows()]

    record = {
        "holdout_loglik_per_student": round(float(ll.mean()), 6),
        "baseline_loglik_per_student": round(float(ll_base.mean()), 6),
        "holdout_first_choice_share": round(float((best[has] == test.choices[has, 0]).mean()), 6) if has.any() else None,
        "baseline_first_choice_share": round(float((test.choices[has, 0] == best_base).mean()), 6) if has.any() else None,
        "holdout_applicants_abs_error_share": round(float(np.abs(observed_apps - predicted_apps).sum()
                                                          / max(observed_apps.sum(), 1)), 6),
        "baseline_applicants_abs_error_share": round(float(np.abs(observed_apps - base_apps).sum()
                                                           / max(observed_apps.sum(), 1)), 6),
        "fits_badly": {
            "rule": f"held-out applicants differ from the model's expectation by more than {BAD_FIT_Z:g} "
                    "standard deviations (Poisson)",
            "offers": [{"programme_id": row.programme_id, "observed_applicants": int(row.observed_applicants),
                        "predicted_applicants": float(row.predicted_applicants), "z": float(row.z)}
                       for row in worst.itertuples(index=False)],
            "offers_count": int((table["z"].abs() > BAD_FIT_Z).sum()),
            "programme_codes": grouped("programme_code"),
            "municipalities": grouped("municipality"),
        },
    }
    return record, table


def run_demand(folder: Path, out: Path, *, holdout: float = DEFAULT_HOLDOUT, seed: int = 0,
               progress: Progress | None = None) -> DemandResult:
    """Estimate the demand model of the round in ``folder`` and write MODEL_DIR ``out`` (see the module docstring)."""
    holdout = check_share("holdout", holdout, high=0.9)
    seed = check_seed(seed)
    job = start_job("demand", folder, out)
    r = prepare_round(folder, progress=progress)
    result = estimate(r, holdout=holdout, seed=seed, progress=progress)
    model = result.model
    record = job.record(r, settings={"holdout": holdout, "seed": seed},
                        timings_s={**r.timings.steps, **result.timings}, outputs=list(MODEL_FILES))
    model_record = {
        "model": "rank-ordered (exploded) logit",
        "merit_mean": round(model.scale.mean, 6),
        "merit_sd": round(model.scale.sd, 6),
        "codes": model.codes,
        "reference_offer": result.fit["reference_offer"],
        "reference_code": result.fit["reference_code"],
        "coordinates": result.fit["coordinates"],
        "municipality_centres": {k: list(v) for k, v in sorted(municipality_centres().items())},
        "holdout": holdout,
        "seed": seed,
    }

    def files(staging: Path) -> None:
        write_csv(result.parameters, staging / "parameters.csv")
        write_json(result.fit, staging / "fit.json")
        write_csv(result.demand_fit, staging / "demand_fit.csv")
        write_csv(model.offers, staging / "offers.csv")
        write_json(model_record, staging / "model.json")

    job.write(record, files, progress)
    return result


#: The slopes every model has (parameters.csv rows besides the offers' and codes' terms).
MODEL_SLOPES = ("distance_per_km", "home_municipality")
#: model.json's settings that load_model reads, and the JSON type each has.
MODEL_META = {"codes": list, "merit_mean": (int, float), "merit_sd": (int, float)}


def _model_table(path: Path, columns: tuple[str, ...], numbers: tuple[str, ...], problems: list[Problem],
                 write: Step, text: set[str] | None = None) -> pd.DataFrame | None:
    """A CSV of MODEL_DIR as run_demand wrote it, or None with a problem for each way it is not
    (unreadable, a column missing, a cell that is not a number): a file edited or cut short is
    named, never a traceback."""
    try:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""],
                            dtype={c: str for c in (text or ())})
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' ParserError and EmptyDataError are ValueErrors
        problems.append(Problem(str(path), None, None, None,
                                f"cannot be read as CSV ({' '.join(str(exc).split())}), must be as {write} wrote it"))
        return None
    missing = [c for c in columns if c not in frame.columns]
    for column in missing:
        problems.append(Problem(str(path), 1, column, None, f"required column missing (written by {write})"))
    for column in numbers:
        if column in missing or pd.api.types.is_numeric_dtype(frame[column]):
            continue
        cells = pd.to_numeric(frame[column], errors="coerce")
        for row in np.flatnonzero(cells.isna() & frame[column].notna())[:1]:  # the first is enough to say it
            problems.append(Problem(str(path), int(row) + FIRST_DATA_ROW, column, str(frame[column].iloc[row]),
                                    f"must be a number (written by {write})"))
    return None if missing or any(p.file == str(path) for p in problems) else frame


def _model_meta(path: Path, problems: list[Problem], write: Step) -> dict:
    """model.json's settings (MODEL_META), with a problem for bad JSON or a setting missing or of another type."""
    import json

    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, None, None, f"not valid JSON ({exc}), must be as {write} wrote it"))
        return {}
    if not isinstance(meta, dict):
        meta = {"": meta}
    for key, kind in MODEL_META.items():
        if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool):
            problems.append(Problem(str(path), None, key, None if key not in meta else str(meta[key]),
                                    f"must be a {'list' if kind is list else 'number'} (written by {write})"))
    return meta


def load_model(folder: Path, programme_ids: np.ndarray | None = None) -> DemandModel:
    """Read a MODEL_DIR written by :func:`run_demand`.

    With ``programme_ids`` (a round's offers, in order) the model's attractiveness is laid out in
    that order; an offer of the round that the model does not know gets the attractiveness its
    attributes imply only through :func:`admissions.analysis.forecast` (it is an error here).
    Raises InvalidInput naming the file and what is wrong.
    """
    folder = Path(folder)
    problems: list[Problem] = []
    write = Step.call("run_demand", out=folder)
    for name in ("parameters.csv", "offers.csv", "model.json"):
        if not (folder / name).is_file():
            problems.append(Problem(str(folder / name), None, None, None,
                                    f"missing from {folder}, must be there (write it with {write})"))
    if problems:
        raise InvalidInput(problems, steps=(write,))
    params = _model_table(folder / "parameters.csv", PARAMETER_COLUMNS, ("estimate", "std_error"), problems, write)
    offers = _model_table(folder / "offers.csv", OFFER_COLUMNS, ("latitude", "longitude", "attractiveness"),
                          problems, write, text={"programme_id", "school", "municipality", "programme_code",
                                                 "orientation", "principal"})
    meta = _model_meta(folder / "model.json", problems, write)
    if params is not None:
        for name in MODEL_SLOPES:
            if name not in set(params["parameter"].astype(str)):
                problems.append(Problem(str(folder / "parameters.csv"), None, "parameter", name,
                                        f"has no row {name}, must have one (written by {write})"))
    if problems:
        raise InvalidInput(problems, steps=(write,))
    offers["orientation"] = offers["orientation"].fillna("")
    value = dict(zip(params["parameter"].astype(str), params["estimate"].astype(float)))
    se = dict(zip(params["parameter"].astype(str), params["std_error"].astype(float)))
    codes = list(meta["codes"])
    ids = offers["programme_id"].astype(str).to_numpy()
    if programme_ids is not None:
        known = set(ids)
        missing = [str(pid) for pid in programme_ids if str(pid) not in known]
        fit = Step.call("run_demand")
        for pid in missing[:20]:
            problems.append(Problem(str(folder / "offers.csv"), None, "programme_id", pid,
                                    f"offer of the round is not in the model, must be in it: fit the model on "
                                    f"this round's offers ({fit})"))
        if problems:
            raise InvalidInput(problems, steps=(fit,))
        order = {pid: i for i, pid in enumerate(ids)}
        offers = offers.iloc[[order[str(pid)] for pid in programme_ids]].reset_index(drop=True)
        ids = offers["programme_id"].astype(str).to_numpy()

    def pick(prefix: str) -> dict[str, float]:
        return {k[len(prefix) + 1:-1]: v for k, v in value.items() if k.startswith(prefix + "[")}

    effects = OfferEffects(
        programme=pick("programme"), school=pick("school"), municipality=pick("school_municipality"),
        independent=value.get("school_principal[independent]", 0.0), intercept=value.get("school_intercept", 0.0),
        std_errors={k: v for k, v in se.items() if not np.isnan(v)},
    )
    coef = cm.Coefficients(
        attractiveness=offers["attractiveness"].to_numpy(dtype=np.float64),
        distance_per_km=value["distance_per_km"],
        home_municipality=value["home_municipality"],
        merit=np.array([value.get(f"merit[{c}]", 0.0) for c in codes]),
    )
    return DemandModel(ids, coef, codes, MeritScale(float(meta["merit_mean"]), float(meta["merit_sd"])),
                       effects, offers)
