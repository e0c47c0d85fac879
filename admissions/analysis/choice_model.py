"""The demand model: a rank-ordered (exploded) logit of the students' ranked lists, in numpy and scipy.

Each student i gives every offer j a utility ``V[i, j] + e[i, j]`` with Gumbel noise ``e`` and

    V[i, j] = attractiveness[j]
              + distance_per_km * distance_km[i, j]
              + home_municipality * (host[j] == home[i])
              + merit[code[j]] * merit_z[i]

(``merit_z``: the merit value (meritvärde) in standard deviations from the mean). The student's
list is the top of the ranking by utility: choice 1 is the offer with the highest utility,
choice 2 the highest of the others, and so on (Plackett-Luce; Beggs, Cardell & Hausman 1981).
Its likelihood is the product, over the listed choices, of a multinomial logit over the offers not
yet chosen:

    P(list_i) = prod_r exp(V[i, c_r]) / sum_{j not in c_1..c_{r-1}} exp(V[i, j])

The list's length is taken as given (it says nothing about preferences here).

Identification: utilities are only defined up to a constant, so one offer's attractiveness (the
most listed, ``reference_offer``) is 0, and so is one programme code's merit slope
(``reference_code``, the most listed code): the other slopes are relative to it. An offer that no
student of the estimation sample lists has no finite maximum-likelihood attractiveness; it is
left out of the choice sets while estimating and gets the attractiveness its school and programme
imply (:mod:`admissions.analysis.demand`).

Estimation is maximum likelihood with :func:`scipy.optimize.minimize` (BFGS; at a few hundred
parameters its dense inverse-Hessian update costs nothing beside the likelihood) on the analytic
gradient. Both are computed in blocks of students with array operations: each block's (b, p)
utility matrix is built once per evaluation, the choice-set sums of every stage come from one
row sum minus the running sum of the chosen offers' weights. Standard errors come from the outer
product of the students' score vectors (BHHH), the information matrix of a correctly specified
model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

#: Students per block of the likelihood: bounds memory at about 40 bytes x block x offers.
BLOCK_STUDENTS = 4096
#: Earth radius of the great-circle distance, km.
EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle (haversine) distance in km between points (a,) and points (b,): (a, b) float64."""
    la1, lo1 = np.radians(lat1)[:, None], np.radians(lon1)[:, None]
    la2, lo2 = np.radians(lat2)[None, :], np.radians(lon2)[None, :]
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True, eq=False)
class ChoiceData:
    """The ranked lists and what the utility depends on.

    n students, k columns, p offers, c codes, G groups. Students whose utilities are the same (the
    same place and merit value: every student of a municipality with one merit value, when
    students are placed at the municipality's centre) form one group, so the dense (G, p) work
    is done once per group, and only the lists are per student.

    ``choices`` (n, k) int64 offer indices, left-aligned, -1 padding; ``group`` (n,) int64;
    ``group_home`` (G,) int64 municipality; ``group_distance`` (G, p) float64 km to each offer;
    ``group_merit_z`` (G,) float64; ``host`` (p,) int64 municipality; ``code`` (p,) int64
    programme-code index in 0..c-1.
    """

    choices: np.ndarray
    group: np.ndarray
    group_home: np.ndarray
    group_distance: np.ndarray
    group_merit_z: np.ndarray
    host: np.ndarray
    code: np.ndarray
    n_codes: int

    @property
    def n_students(self) -> int:
        return len(self.choices)

    @property
    def n_offers(self) -> int:
        return len(self.host)

    @property
    def home(self) -> np.ndarray:
        return self.group_home[self.group]

    @property
    def merit_z(self) -> np.ndarray:
        return self.group_merit_z[self.group]

    def subset(self, rows: np.ndarray) -> ChoiceData:
        """The same offers with students ``rows`` only (groups without students dropped)."""
        used, group = np.unique(self.group[rows], return_inverse=True)
        return ChoiceData(self.choices[rows], group.astype(np.int64), self.group_home[used],
                          self.group_distance[used], self.group_merit_z[used], self.host, self.code, self.n_codes)

    @classmethod
    def from_students(cls, choices: np.ndarray, home: np.ndarray, distance: np.ndarray, merit_z: np.ndarray,
                      host: np.ndarray, code: np.ndarray, n_codes: int,
                      place: np.ndarray | None = None) -> ChoiceData:
        """Group students by (place, home, merit): ``distance`` is (P, p) per place and ``place``
        (n,) each student's place (None: ``distance`` is (n, p), one place per student)."""
        if place is None:
            place = np.arange(len(choices))
        key = np.column_stack([place.astype(np.float64), home.astype(np.float64), merit_z])
        unique, group = np.unique(key, axis=0, return_inverse=True)
        group = group.reshape(-1).astype(np.int64)
        first = np.zeros(len(unique), dtype=np.int64)
        first[group[::-1]] = np.arange(len(group))[::-1]
        return cls(choices, group, home[first].astype(np.int64), distance[place[first]], merit_z[first],
                   host, code, n_codes)


@dataclass(frozen=True)
class Coefficients:
    """The model's parameters: ``attractiveness`` (p,), ``merit`` (c,) per code, two scalars."""

    attractiveness: np.ndarray
    distance_per_km: float
    home_municipality: float
    merit: np.ndarray

    def vector(self) -> np.ndarray:
        """(p + 2 + c,) float64: attractiveness, distance_per_km, home_municipality, merit."""
        return np.concatenate([self.attractiveness, [self.distance_per_km, self.home_municipality], self.merit])

    @classmethod
    def from_vector(cls, theta: np.ndarray, n_offers: int) -> Coefficients:
        theta = np.asarray(theta, dtype=np.float64)
        return cls(theta[:n_offers].copy(), float(theta[n_offers]), float(theta[n_offers + 1]),
                   theta[n_offers + 2:].copy())


def group_utilities(data: ChoiceData, coef: Coefficients, groups: slice | np.ndarray = slice(None)) -> np.ndarray:
    """(g, p) float64 systematic utility V of the groups ``groups`` for every offer."""
    same = data.group_home[groups][:, None] == data.host[None, :]
    v = data.group_distance[groups] * coef.distance_per_km
    v += coef.attractiveness[None, :]
    v += coef.home_municipality * same
    v += data.group_merit_z[groups][:, None] * coef.merit[data.code][None, :]
    return v


def utilities(data: ChoiceData, coef: Coefficients, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
    """(b, p) float64 systematic utility V of students ``rows`` for every offer."""
    return group_utilities(data, coef, data.group[rows])


@dataclass(frozen=True)
class Evaluation:
    """Log-likelihood, its gradient (d,) and, when asked, the outer product of the scores (d, d)."""

    loglik: float
    gradient: np.ndarray
    scores_outer: np.ndarray | None
    loglik_per_student: np.ndarray


def evaluate(data: ChoiceData, coef: Coefficients, available: np.ndarray | None = None, *,
             scores: bool = False, block: int = BLOCK_STUDENTS) -> Evaluation:
    """Log-likelihood of the lists and its analytic gradient with respect to ``coef.vector()``.

    ``available`` (p,) bool: offers in the choice sets (default all); a listed offer must be
    available. With ``scores``, also the sum over students of the outer product of each student's
    score vector (the BHHH information matrix, (d, d)).

    The score of offer j's attractiveness for student i is ``[i lists j] - w_ij * sum_r 1/den_ir``
    over the stages r where j is still in the choice set (all of them, or up to and including the
    one where i chose it), ``w_ij = exp(V_ij)`` and ``den_ir`` the weight of stage r's choice set.
    The dense part ``-w_ij * sum_r 1/den_ir`` is summed per group first: ``-w_gj * sum_{i in g}
    sum_r 1/den_ir``; the listed offers add a sparse correction.
    """
    n, p, c = data.n_students, data.n_offers, data.n_codes
    d = p + 2 + c
    if available is None:
        available = np.ones(p, dtype=bool)
    off = ~available
    n_groups = len(data.group_home)
    gradient = np.zeros(d)
    total = 0.0
    # Per group: log weights (G, p) are built in blocks; per student: the stages of the list.
    ch = data.choices
    valid = ch >= 0
    at = np.where(valid, ch, 0)
    vmax = np.empty(n_groups)
    s = np.empty(n_groups)
    vc = np.empty(ch.shape)
    ec = np.empty(ch.shape)
    weights = []  # exp(V - max) per block of groups, kept for the gradient
    for start in range(0, n_groups, block):
        groups = slice(start, min(start + block, n_groups))
        v = group_utilities(data, coef, groups)
        if off.any():
            v[:, off] = -np.inf
        vmax[groups] = v.max(axis=1)
        v -= vmax[groups][:, None]
        mine = (data.group >= groups.start) & (data.group < groups.stop)
        rows = np.flatnonzero(mine)
        local = data.group[rows] - groups.start
        vc[rows] = v[local[:, None], at[rows]]
        np.exp(v, out=v)
        s[groups] = v.sum(axis=1)
        ec[rows] = v[local[:, None], at[rows]]
        weights.append(v)
    ec *= valid
    s_i = s[data.group]
    den = s_i[:, None] - (np.cumsum(ec, axis=1) - ec)
    den = np.where(valid, np.maximum(den, s_i[:, None] * 1e-300), 1.0)
    ll_rows = np.where(valid, vc - np.log(den), 0.0).sum(axis=1)
    total = float(ll_rows.sum())
    inv = valid / den
    w_student = inv.sum(axis=1)  # (n,)
    cuminv = np.cumsum(inv, axis=1)
    # Sparse part at each listed offer: replaces -w * W_i by 1 - w * sum_{r<=t} 1/den_ir.
    correction = np.where(valid, 1.0 + ec * (w_student[:, None] - cuminv), 0.0)
    w_group = np.bincount(data.group, weights=w_student, minlength=n_groups)
    flat = data.group[:, None] * p + at
    sparse = np.bincount(flat[valid], weights=correction[valid], minlength=n_groups * p).reshape(n_groups, p)
    for b, start in enumerate(range(0, n_groups, block)):
        groups = slice(start, min(start + block, n_groups))
        resid = weights[b]
        resid *= -w_group[groups][:, None]
        resid += sparse[groups]
        same = data.group_home[groups][:, None] == data.host[None, :]
        gradient[:p] += resid.sum(axis=0)
        gradient[p] += np.einsum("ij,ij->", resid, data.group_distance[groups])
        gradient[p + 1] += np.einsum("ij,ij->", resid, same)
        gradient[p + 2:] += np.bincount(data.code, weights=data.group_merit_z[groups] @ resid, minlength=c)
    outer = _scores_outer(data, coef, available, vmax, w_student, correction, at, valid) if scores else None
    return Evaluation(total, gradient, outer, ll_rows)


def _scores_outer(data: ChoiceData, coef: Coefficients, available: np.ndarray, vmax: np.ndarray,
                  w_student: np.ndarray, correction: np.ndarray, at: np.ndarray, valid: np.ndarray,
                  block: int = BLOCK_STUDENTS) -> np.ndarray:
    """(d, d) sum over students of the outer product of their score vectors."""
    n, p, c = data.n_students, data.n_offers, data.n_codes
    d = p + 2 + c
    code_onehot = np.zeros((p, c))
    code_onehot[np.arange(p), data.code] = 1.0
    outer = np.zeros((d, d))
    for start in range(0, n, block):
        rows = slice(start, min(start + block, n))
        group = data.group[rows]
        v = group_utilities(data, coef, group)
        v[:, ~available] = -np.inf
        resid = np.exp(v - vmax[group][:, None])
        resid *= -w_student[rows][:, None]
        r_idx, k_idx = np.nonzero(valid[rows])
        resid[r_idx, at[rows][r_idx, k_idx]] += correction[rows][r_idx, k_idx]
        same = data.group_home[group][:, None] == data.host[None, :]
        g = np.hstack([resid, np.einsum("ij,ij->i", resid, data.group_distance[group])[:, None],
                       np.einsum("ij,ij->i", resid, same)[:, None],
                       (resid @ code_onehot) * data.group_merit_z[group][:, None]])
        outer += g.T @ g
    return outer


@dataclass(frozen=True)
class Fit:
    """A fitted model: coefficients, standard errors (NaN where fixed) and how the fit went."""

    coef: Coefficients
    std_error: np.ndarray  # (d,) float64, NaN for fixed parameters
    free: np.ndarray  # (d,) bool
    available: np.ndarray  # (p,) bool: offers in the choice sets
    reference_offer: int
    reference_code: int
    loglik: float
    n_students: int
    iterations: int
    evaluations: int
    converged: bool
    message: str
    #: Free parameters the sample leaves undetermined (their variance inflated more than
    #: MAX_INFLATION times: their standard errors mean nothing); 0 without standard errors.
    undetermined: int = 0


#: A parameter whose variance is this many times 1 / its information is undetermined: the others
#: explain its score all but exactly. Determined ones stay below 100 (the sample: 30 at most);
#: undetermined ones, 1e15 and more (12 students' lists for 24 offers, 400 students for 60).
MAX_INFLATION = 1e8
#: Below this the variance is not that of a positive definite information matrix (the factor is at
#: least 1 there): rounding of a singular one, negative variances included.
MIN_INFLATION = 0.5


def fit(data: ChoiceData, *, covariates: bool = True, tolerance: float = 1e-6,
        max_iterations: int = 2000, std_errors: bool = True, start: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood estimate of the exploded logit of ``data``'s lists.

    Parameters
    ----------
    data : ChoiceData
    covariates : bool
        False fits attractiveness only (popularity: the baseline the model is compared with).
    tolerance : float
        Largest gradient of the log-likelihood per student at which BFGS stops.
    std_errors : bool
        False skips the information matrix (standard errors NaN).
    start : (p,) float64, optional
        Starting attractiveness (e.g. the popularity fit's; NaN where the offer is not listed);
        default the log share of listings.

    Returns
    -------
    Fit
        Offers no student lists are not available (attractiveness NaN).
    """
    p, c = data.n_offers, data.n_codes
    listed = data.choices[data.choices >= 0]
    counts = np.bincount(listed, minlength=p)
    available = counts > 0
    reference_offer = int(np.argmax(counts))
    reference_code = int(np.argmax(np.bincount(data.code[listed], minlength=c)))
    free = np.zeros(p + 2 + c, dtype=bool)
    free[:p] = available
    free[reference_offer] = False
    if covariates:
        free[p:p + 2] = True
        free[p + 2:] = True
        free[p + 2 + reference_code] = False
    theta0 = np.zeros(p + 2 + c)
    # Start from the log share of listings: the popularity model's solution for one-choice lists.
    theta0[:p] = np.where(available, np.log(np.maximum(counts, 1)) - np.log(counts[reference_offer]), 0.0)
    if start is not None:
        given = available & ~np.isnan(start)
        theta0[:p][given] = start[given] - (0.0 if np.isnan(start[reference_offer]) else start[reference_offer])
    n = max(data.n_students, 1)
    evaluations = 0
    # Each parameter is scaled by the square root of its information at the start (the
    # diagonal of the BHHH matrix, estimated from the expected counts): offers listed 5 or 5,000
    # times then have curvature of one size, which BFGS needs to converge in tens of steps.
    counts_scale = np.sqrt(np.maximum(counts, 1) / n)
    scale = np.ones(p + 2 + c)
    scale[:p] = counts_scale
    scale[p] = float(np.sqrt(np.mean(data.group_distance ** 2))) if data.group_distance.size else 1.0
    scale = scale[free]

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal evaluations
        evaluations += 1
        theta = theta0.copy()
        theta[free] = x / scale
        ev = evaluate(data, Coefficients.from_vector(theta, p), available)
        return -ev.loglik / n, -ev.gradient[free] / n / scale

    result = optimize.minimize(objective, theta0[free] * scale, jac=True, method="BFGS",
                               options={"maxiter": max_iterations, "gtol": tolerance})
    theta = theta0.copy()
    theta[free] = result.x / scale
    theta[:p][~available] = np.nan
    coef = Coefficients.from_vector(np.where(np.isnan(theta), 0.0, theta), p)
    final = evaluate(data, coef, available, scores=std_errors)
    std_error = np.full(len(theta), np.nan)
    undetermined = 0
    if std_errors:
        info = final.scores_outer[np.ix_(free, free)]
        variance, undetermined = _variances(info)
        std_error[free] = np.sqrt(variance)
    coef = Coefficients.from_vector(theta, p)
    converged = bool(result.success) or float(np.abs(final.gradient[free]).max(initial=0.0)) / n <= 10 * tolerance
    return Fit(coef, std_error, free, available, reference_offer, reference_code, final.loglik,
               data.n_students, int(result.nit), evaluations, converged, str(result.message), undetermined)


def _variances(info: np.ndarray) -> tuple[np.ndarray, int]:
    """Each free parameter's variance from the information matrix ``info``, NaN where the sample
    leaves it undetermined, and how many are.

    A parameter is determined when its variance is between MIN_INFLATION and MAX_INFLATION times
    the inverse of its own information (a variance inflation factor: at least 1 for a positive
    definite matrix; 1e15 and more, or negative, where the sample says nothing about it). A negative
    variance had been written as a standard error of 0, the most precise-looking of all.
    """
    try:
        variance = np.diag(np.linalg.inv(info))
    except np.linalg.LinAlgError:
        return np.full(len(info), np.nan), len(info)
    inflation = variance * np.diag(info)
    determined = (inflation >= MIN_INFLATION) & (inflation <= MAX_INFLATION)
    return np.where(determined, variance, np.nan), int((~determined).sum())


def loglik_per_student(data: ChoiceData, coef: Coefficients) -> np.ndarray:
    """(n,) log-likelihood of each student's list under ``coef`` (offers with NaN attractiveness: absent)."""
    available = ~np.isnan(coef.attractiveness)
    safe = Coefficients(np.nan_to_num(coef.attractiveness, nan=0.0), coef.distance_per_km,
                        coef.home_municipality, coef.merit)
    return evaluate(data, safe, available).loglik_per_student


def first_choice_probabilities(data: ChoiceData, coef: Coefficients, available: np.ndarray | None = None,
                               block: int = BLOCK_STUDENTS) -> np.ndarray:
    """(p,) expected number of students whose first choice is each offer."""
    total = np.zeros(data.n_offers)
    for start in range(0, data.n_students, block):
        rows = slice(start, min(start + block, data.n_students))
        v = utilities(data, coef, rows)
        if available is not None:
            v[:, ~available] = -np.inf
        e = np.exp(v - v.max(axis=1, keepdims=True))
        total += (e / e.sum(axis=1, keepdims=True)).sum(axis=0)
    return total


def top_choices(v: np.ndarray, lengths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ranked lists drawn from the model: (b, k) the top ``lengths[i]`` offers by ``v + Gumbel``, -1 padding.

    ``v`` is (b, p) systematic utility (``-inf`` for an offer not in the choice set); ``lengths``
    (b,) int at most the number of offers available to each student. Gumbel-max: sorting
    utilities plus independent Gumbel noise draws a Plackett-Luce ranking.
    """
    b, p = v.shape
    k = int(lengths.max(initial=0))
    u = v + rng.gumbel(size=v.shape)
    k = max(min(k, p), 1)
    top = np.argpartition(-u, k - 1, axis=1)[:, :k] if k < p else np.tile(np.arange(p), (b, 1))
    order = np.argsort(-np.take_along_axis(u, top, axis=1), axis=1, kind="stable")
    ranked = np.take_along_axis(top, order, axis=1)
    return np.where(np.arange(k)[None, :] < lengths[:, None], ranked, -1)


def insertion_probabilities(v_lists: np.ndarray, valid: np.ndarray, remaining: np.ndarray,
                            v_new: np.ndarray) -> np.ndarray:
    """Where a new offer enters each list, given the student's own ordering of the listed offers.

    Under the exploded logit the probability of the ranking with the new offer at position r
    (1-based, r <= K) and the listed offers in their order is

        prod_{t<r} w_t / (S_t + w) * w / (S_r + w) * prod_{t>=r} w_t / S_t

    and of the new offer below all K listed ones ``prod_t w_t / (S_t + w)``, where ``w_t`` are the
    listed offers' weights exp(V), ``S_t`` the weight of the offers not among c_1..c_{t-1} and ``w``
    the new offer's weight. Normalised, they are its position's distribution given the list.

    Parameters
    ----------
    v_lists : (b, k) float64
        Utility of each listed offer (anything at padding).
    valid : (b, k) bool
        Listed entries.
    remaining : (b, k) float64
        log S_t: log of the summed weight of the choice set at stage t (offers not yet chosen).
    v_new : (b,) float64
        Utility of the new offer.

    Returns
    -------
    (b, k + 1) float64
        Probability of positions 1..k (column r - 1) and of "not listed" (column k); zero at
        positions beyond each student's list.
    """
    b, k = v_lists.shape
    # log(S_t + w) per stage.
    log_sw = np.logaddexp(remaining, v_new[:, None])
    log_w_t = np.where(valid, v_lists, 0.0)
    a = np.where(valid, log_w_t - log_sw, 0.0)  # listed offer at stage t, new offer still below
    bb = np.where(valid, log_w_t - remaining, 0.0)  # listed offer at stage t, new offer above it
    prefix_a = np.cumsum(a, axis=1) - a  # sum_{t<r} a_t
    suffix_b = np.cumsum(bb[:, ::-1], axis=1)[:, ::-1]  # sum_{t>=r} b_t
    log_p = prefix_a + (v_new[:, None] - log_sw) + suffix_b
    log_p = np.where(valid, log_p, -np.inf)
    log_last = a.sum(axis=1)
    log_all = np.hstack([log_p, log_last[:, None]])
    log_all -= log_all.max(axis=1, keepdims=True)
    prob = np.exp(log_all)
    return prob / prob.sum(axis=1, keepdims=True)


def stage_log_remaining(v: np.ndarray, lists: np.ndarray) -> np.ndarray:
    """(b, k) log of the weight of the offers not yet chosen at each stage of each list.

    ``v`` (b, p) utilities (``-inf`` where not in the choice set), ``lists`` (b, k) offer indices
    with -1 padding (the value at padding is meaningless).
    """
    valid = lists >= 0
    vmax = v.max(axis=1, keepdims=True)
    e = np.exp(v - vmax)
    s = e.sum(axis=1)
    ec = np.take_along_axis(e, np.where(valid, lists, 0), axis=1) * valid
    den = s[:, None] - (np.cumsum(ec, axis=1) - ec)
    return np.log(np.maximum(den, s[:, None] * 1e-300)) + vmax
