"""A synthetic admission round for Skåne and western Blekinge, in the data contract.

The generator works in five steps, each drawing from its own random stream spawned from one
``numpy.random.default_rng(seed)``, so the same ``n_students`` and ``seed`` give the same bytes:

1. Homes: 98 % of students in the area's municipalities in proportion to population, 2 % in the
   neighbouring municipalities outside it.
2. Grades: one latent ability per student (standard normal); each of the 16 subjects' grade is the
   ability plus subject noise, cut into F..A, so weak students get F grades and about 15 % are
   not eligible for a vocational programme. About 8 % take Swedish as a second language (SVA)
   instead of SV, about 75 % a modern language as språkval (FRA, SPA, TYS). The merit value
   (meritvärde) is computed from these grades exactly as the contract says.
3. Choices: 1-8 per student (mostly 3-5). Each student ranks offers by a random utility: the
   programme's popularity, distance from home (nationally recruited offers are niche but draw
   from further away), the student's ability (NA, TE and EK draw strong students), eligibility
   (introductory programmes IMV and IMY are for students not eligible for a vocational
   programme), a personal taste per programme code and Gumbel noise. The top k of utility plus
   Gumbel noise is a weighted sample without replacement (Gumbel-max), taken with array
   operations for blocks of students, never a loop per student.
4. Seats: from first-choice demand, as capacities are set in practice. Popular preparatory offers
   in Malmö, Lund and Helsingborg get fewer seats than first-choice applicants; the other offers
   get more, scaled so that the seats are about 105 % of the students. Seats are whole classes
   (32 preparatory, 24 aesthetic, 16 vocational); classes shrink in proportion below 55,000
   students (at 2,000 the class unit is one seat), so a small sample keeps every offer.
5. Extras: aptitude-test points at offers with a test (16-320 in steps of 16, about 3 % fail with
   0), a test quota of a third at the offers marked for it, one or two free-quota seats (fri kvot)
   at three offers with one ranked student each, and about 1 % late applications.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from admissions.errors import InvalidArgument, OutputError
from admissions.io.contract import APPLICATIONS, GRADE_POINTS, GRADES, MUNICIPALITIES, PROGRAMMES, STUDENTS
from admissions.io.csv_format import write_frame_csv
from admissions.synth.region import (
    ABILITY_EFFECT,
    BIG_CITIES,
    PROGRAMME_SHARE,
    Municipalities,
    class_size,
    load_municipalities,
    load_offers,
)

DEFAULT_N_STUDENTS = 55_000
DEFAULT_SEED = 0
#: Students at which classes have their full size; below it the class unit shrinks in proportion.
FULL_REGION_STUDENTS = 55_000

OUTSIDE_AREA_SHARE = 0.02
SVA_SHARE = 0.08
SUBJECTS = ("SV", "EN", "MA", "BI", "FY", "KE", "TK", "GE", "HI", "RE", "SH", "BL", "HKK", "IDH", "MU", "SL")
#: Mean shift of each subject's latent grade: practical subjects are graded higher, sciences lower.
SUBJECT_SHIFT = np.array(
    [0.05, 0.15, -0.15, 0.0, -0.1, -0.1, 0.05, 0.0, 0.0, 0.05, 0.0, 0.2, 0.3, 0.3, 0.2, 0.3]
)
ABILITY_LOADING = 0.72
#: Cuts of the latent grade (standard normal) between F|E|D|C|B|A.
GRADE_CUTS = np.array([-1.5, -0.65, -0.1, 0.55, 1.15])
GRADE_LETTERS = np.array(["F", "E", "D", "C", "B", "A"])
GRADE_VALUES = np.array([GRADE_POINTS[g] for g in GRADE_LETTERS])
LANGUAGES = ("SPA", "TYS", "FRA")
LANGUAGE_SHARE = np.array([0.45, 0.30, 0.25])

#: Probability of 1..8 choices.
N_CHOICES_SHARE = np.array([0.07, 0.10, 0.18, 0.22, 0.19, 0.11, 0.07, 0.06])
MAX_CHOICES = len(N_CHOICES_SHARE)
DISTANCE_PER_KM = 0.07
HOME_BONUS = 0.8
#: Nationally recruited offers draw from further away but are niche: less distance, less appeal.
NATIONAL_DISTANCE_FACTOR = 0.5
NATIONAL_APPEAL = -1.5
TASTE_SD = 1.2
INTRODUCTORY = ("IMV", "IMY")
#: Utility of an introductory offer for a student who is (penalty) or is not (bonus) eligible for a
#: vocational programme.
INTRODUCTORY_PENALTY = 4.0
INTRODUCTORY_BONUS = 2.5
SCHOOL_SD = 0.4

TARGET_SEAT_RATIO = 1.05
POPULAR_CODES = ("NA", "EK", "SA", "TE", "ES")
TEST_FAIL_SHARE = 0.03
LATE_SHARE = 0.01
N_FREE_QUOTA_OFFERS = 3
CHUNK = 4096


def generate_region(n_students: int = DEFAULT_N_STUDENTS, seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Generate a synthetic admission round.

    Parameters
    ----------
    n_students : int
        Number of applicants, at least 1.
    seed : int
        Seed of ``numpy.random.default_rng``; the same ``n_students`` and ``seed`` give the same
        frames.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``programmes``, ``students``, ``applications``, ``municipalities`` and ``grades``, with the
        contract's columns in the contract's order (no ``lottery``, no ``eligible``). Booleans are
        bool, ``merit_value`` float, ``test_points`` and ``free_quota_rank`` nullable Int64.
    """
    if isinstance(n_students, bool) or not isinstance(n_students, (int, np.integer)) or n_students < 1:
        raise InvalidArgument(f"n_students == {n_students!r}, must be an integer of at least 1")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidArgument(f"seed == {seed!r}, must be a non-negative integer")
    n = int(n_students)
    homes_rng, grades_rng, choices_rng, seats_rng, extras_rng = np.random.default_rng(int(seed)).spawn(5)

    towns = load_municipalities()
    offers = load_offers(towns)
    codes = sorted(PROGRAMME_SHARE)
    offer_code = np.array([codes.index(o.programme_code) for o in offers], dtype=np.int64)
    offer_town = np.array([towns.index(o.municipality) for o in offers], dtype=np.int64)
    schools = sorted({o.school for o in offers})
    offer_school = np.array([schools.index(o.school) for o in offers], dtype=np.int64)
    national = np.array([o.national_recruitment for o in offers])
    has_test = np.array([o.test for o in offers])

    home = _draw_homes(towns, n, homes_rng)
    ability = homes_rng.standard_normal(n)
    grade, sva, language, language_grade = _draw_grades(ability, grades_rng)
    merit = GRADE_VALUES[grade].sum(axis=1) + np.where(language >= 0, GRADE_VALUES[np.maximum(language_grade, 0)], 0.0)

    school_effect = seats_rng.normal(0.0, SCHOOL_SD, len(schools))
    share = np.array([PROGRAMME_SHARE[c] for c in codes])
    n_offers_of_code = np.bincount(offer_code, minlength=len(codes))
    appeal = np.log(share[offer_code] / n_offers_of_code[offer_code]) + school_effect[offer_school]
    appeal += NATIONAL_APPEAL * national
    distance = towns.distance_km()[:, offer_town]
    travel = -DISTANCE_PER_KM * distance * np.where(national, NATIONAL_DISTANCE_FACTOR, 1.0)
    travel += HOME_BONUS * (np.arange(len(towns.name))[:, None] == offer_town[None, :])
    ability_effect = np.array([ABILITY_EFFECT[c] for c in codes])[offer_code]
    # Introductory programmes are for students who cannot enter a vocational programme.
    introductory = np.isin(np.array([o.programme_code for o in offers]), INTRODUCTORY)
    passes = grade > 0
    vocational = passes[:, :3].all(axis=1) & (passes.sum(axis=1) >= 8)
    ability_effect_im = np.where(vocational, -INTRODUCTORY_PENALTY, INTRODUCTORY_BONUS)
    n_choices = choices_rng.choice(np.arange(1, MAX_CHOICES + 1), size=n, p=N_CHOICES_SHARE)
    choices = _draw_choices(
        appeal, travel, ability_effect, introductory, offer_code, len(codes), home, ability, ability_effect_im, choices_rng
    )

    first_demand = np.bincount(choices[:, 0], minlength=len(offers))
    big_city = np.isin(np.array([o.municipality for o in offers]), BIG_CITIES)
    popular_code = np.isin(np.array([o.programme_code for o in offers]), POPULAR_CODES)
    unit = np.array([class_size(o.programme_code) for o in offers], dtype=np.float64)
    unit = np.maximum(1, np.round(unit * min(1.0, n / FULL_REGION_STUDENTS))).astype(np.int64)
    seats, popular = _set_seats(first_demand, big_city & popular_code, unit, n, seats_rng)

    test_seats = np.where([o.test_quota for o in offers], np.round(seats / 3), 0).astype(np.int64)
    free_offers, free_seats, free_rank = _draw_free_quota(offers, choices, seats, test_seats, extras_rng)
    late = extras_rng.random(n) < LATE_SHARE

    rank = np.arange(1, MAX_CHOICES + 1)[None, :]
    taken = rank <= n_choices[:, None]
    app_student = np.nonzero(taken)[0]
    app_rank = np.broadcast_to(rank, choices.shape)[taken]
    app_offer = choices[taken]
    tested = has_test[app_offer]
    points = _draw_test_points(ability[app_student[tested]], extras_rng)
    test_points = np.zeros(len(app_offer), dtype=np.int64)
    test_points[tested] = points

    width = max(6, len(str(n)))
    student_id = np.array([f"S{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    frames = {
        "programmes": pd.DataFrame({
            "programme_id": [o.programme_id for o in offers],
            "school": [o.school for o in offers],
            "municipality": [o.municipality for o in offers],
            "programme_code": [o.programme_code for o in offers],
            "orientation": [o.orientation for o in offers],
            "seats": seats,
            "principal": [o.principal for o in offers],
            "national_recruitment": national,
            "test": has_test,
            "test_seats": test_seats,
            "free_quota_seats": free_seats,
        }),
        "students": pd.DataFrame({
            "student_id": student_id,
            "home_municipality": np.array(towns.name, dtype=object)[home],
            "merit_value": merit,
            "application_group": np.where(late, "late", "on_time").astype(object),
            "free_quota_rank": _nullable_int(free_rank, free_rank > 0),
        }),
        "applications": pd.DataFrame({
            "student_id": student_id[app_student],
            "choice_rank": app_rank.astype(np.int64),
            "programme_id": np.array([o.programme_id for o in offers], dtype=object)[app_offer],
            "test_points": _nullable_int(test_points, tested),
        }),
        "municipalities": pd.DataFrame({
            "municipality": list(towns.name),
            "in_area": towns.in_area,
            "population": towns.population,
        }),
        "grades": _grades_frame(student_id, grade, sva, language, language_grade),
    }
    specs = {s.name: s for s in (PROGRAMMES, STUDENTS, APPLICATIONS, MUNICIPALITIES, GRADES)}
    for name, frame in frames.items():
        order = [c for c in specs[name].column_names if c in frame.columns]
        frames[name] = frame[order]
    return frames


def write_region(
    out_dir: str | os.PathLike,
    n_students: int = DEFAULT_N_STUDENTS,
    seed: int = DEFAULT_SEED,
    force: bool = False,
) -> dict[str, int]:
    """Generate a round with :func:`generate_region` and write it as UTF-8 CSV files into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Folder to write; created if missing. Must be empty unless ``force``.
    n_students, seed : int
        As in :func:`generate_region`.
    force : bool
        Write into a folder that is not empty (files of the same name are replaced).

    Returns
    -------
    dict of str to int
        Counts: ``students``, ``programmes``, ``schools``, ``seats``, ``applications``, ``grades``,
        ``municipalities``.

    Raises
    ------
    OutputError
        ``out_dir`` is a file, or a non-empty folder and ``force`` is false.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputError(f"folder {out} is not empty; use --force to write into it")
    frames = generate_region(n_students, seed)
    # Written beside OUT first, so an interrupted run leaves no half-written file.
    from admissions.io.output import output_files

    with output_files(out) as staging:
        for name, frame in frames.items():
            write_frame_csv(frame, staging / f"{name}.csv")
    programmes = frames["programmes"]
    return {
        "students": len(frames["students"]),
        "programmes": len(programmes),
        "schools": int(programmes["school"].nunique()),
        "seats": int(programmes["seats"].sum()),
        "applications": len(frames["applications"]),
        "grades": len(frames["grades"]),
        "municipalities": len(frames["municipalities"]),
    }


def _draw_homes(towns: Municipalities, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n,) municipality index of each student's home."""
    weight = towns.population.astype(np.float64)
    weight = np.where(
        towns.in_area,
        (1 - OUTSIDE_AREA_SHARE) * weight / weight[towns.in_area].sum(),
        OUTSIDE_AREA_SHARE * weight / max(weight[~towns.in_area].sum(), 1.0),
    )
    return rng.choice(len(weight), size=n, p=weight / weight.sum())


def _draw_grades(ability: np.ndarray, rng: np.random.Generator):
    """Grades of 16 subjects and the språkval language, as indices 0..5 into F..A.

    Returns ``grade`` (n, 16) int64, ``sva`` (n,) bool (SVA instead of SV), ``language`` (n,) int64
    index into LANGUAGES or -1, ``language_grade`` (n,) int64 (-1 without a language).
    """
    n = len(ability)
    noise = np.sqrt(1 - ABILITY_LOADING**2)
    latent = ABILITY_LOADING * ability[:, None] + noise * rng.standard_normal((n, len(SUBJECTS))) + SUBJECT_SHIFT
    sva = rng.random(n) < SVA_SHARE * 2 / (1 + np.exp(ability))
    latent[:, 0] -= 0.3 * sva
    grade = np.searchsorted(GRADE_CUTS, latent)
    takes_language = rng.random(n) < 1 / (1 + np.exp(-(1.35 + 1.0 * ability)))
    language = np.where(takes_language, rng.choice(len(LANGUAGES), size=n, p=LANGUAGE_SHARE), -1)
    language_latent = ABILITY_LOADING * ability + noise * rng.standard_normal(n) + 0.1
    language_grade = np.where(takes_language, np.searchsorted(GRADE_CUTS, language_latent), -1)
    return grade, sva, language, language_grade


def _draw_choices(
    appeal: np.ndarray,
    travel: np.ndarray,
    ability_effect: np.ndarray,
    introductory: np.ndarray,
    offer_code: np.ndarray,
    n_codes: int,
    home: np.ndarray,
    ability: np.ndarray,
    introductory_effect: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """(n, MAX_CHOICES) offer index of each student's choices, best first, all distinct.

    Top-k of utility plus Gumbel noise is a sample without replacement with probabilities
    proportional to exp(utility); chunks of CHUNK students bound the memory.
    """
    n = len(home)
    out = np.empty((n, MAX_CHOICES), dtype=np.int64)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        taste = rng.normal(0.0, TASTE_SD, (stop - start, n_codes))
        utility = appeal[None, :] + travel[home[start:stop]] + ability[start:stop, None] * ability_effect[None, :]
        utility += introductory_effect[start:stop, None] * introductory[None, :]
        utility += taste[:, offer_code] + rng.gumbel(size=utility.shape)
        top = np.argpartition(-utility, MAX_CHOICES - 1, axis=1)[:, :MAX_CHOICES]
        order = np.argsort(-np.take_along_axis(utility, top, axis=1), axis=1, kind="stable")
        out[start:stop] = np.take_along_axis(top, order, axis=1)
    return out


def _set_seats(
    first_demand: np.ndarray, candidate: np.ndarray, unit: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(p,) seats of each offer and (p,) whether it was made oversubscribed, from first-choice demand.

    The candidates at or above their median first-choice demand get 60-90 % of it; every other
    offer gets its demand times a random 1.0-1.6 times one factor, found by bisection so that the
    seats come closest to TARGET_SEAT_RATIO of the students. Seats are whole classes, at least one.
    """
    popular = candidate & (first_demand >= np.median(first_demand[candidate])) & (first_demand > 0)
    factor = np.where(popular, rng.uniform(0.6, 0.9, len(unit)), rng.uniform(1.0, 1.6, len(unit)))

    def seats_at(scale: float) -> np.ndarray:
        wanted = first_demand * factor * np.where(popular, 1.0, scale)
        return np.maximum(unit, unit * np.round(wanted / unit)).astype(np.int64)

    target = TARGET_SEAT_RATIO * n
    low, high = 0.0, 20.0
    for _ in range(60):
        mid = (low + high) / 2
        if seats_at(mid).sum() < target:
            low = mid
        else:
            high = mid
    best = min((low, high), key=lambda s: (abs(seats_at(s).sum() - target), s))
    seats = seats_at(best)
    # Oversubscription must survive rounding to whole classes.
    popular &= seats < first_demand
    return seats, popular


def _draw_free_quota(offers, choices: np.ndarray, seats: np.ndarray, test_seats: np.ndarray, rng: np.random.Generator):
    """Free-quota seats (fri kvot) at a few municipal preparatory offers, one ranked student each.

    Returns the chosen offer indices, (p,) free-quota seats and (n,) free-quota rank (0 = none).
    """
    candidates = np.array(
        [i for i, o in enumerate(offers) if o.principal == "municipal" and o.programme_code in ("NA", "SA", "EK")
         and seats[i] - test_seats[i] >= 4],
        dtype=np.int64,
    )
    free_seats = np.zeros(len(offers), dtype=np.int64)
    rank = np.zeros(len(choices), dtype=np.int64)
    if len(candidates) == 0:
        return candidates, free_seats, rank
    chosen = np.sort(rng.choice(candidates, size=min(N_FREE_QUOTA_OFFERS, len(candidates)), replace=False))
    free_seats[chosen] = rng.integers(1, 3, len(chosen))
    next_rank = 1
    for offer in chosen:
        applicants = np.flatnonzero((choices[:, 0] == offer) & (rank == 0))
        if len(applicants):
            rank[applicants[rng.integers(len(applicants))]] = next_rank
            next_rank += 1
    return chosen, free_seats, rank


def _draw_test_points(ability: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Aptitude-test points 16..320 in steps of 16 (test 1-20 times 16), 0 for a failed test."""
    latent = 10.5 + 4.0 * (0.5 * ability + np.sqrt(0.75) * rng.standard_normal(len(ability)))
    points = 16 * np.clip(np.round(latent), 1, 20).astype(np.int64)
    return np.where(rng.random(len(ability)) < TEST_FAIL_SHARE, 0, points)


def _grades_frame(student_id, grade, sva, language, language_grade) -> pd.DataFrame:
    """grades.csv: per student the 16 subjects in SUBJECTS order, then the språkval language."""
    n, k = grade.shape
    subject = np.broadcast_to(np.array(SUBJECTS, dtype=object), (n, k)).copy()
    subject[sva, 0] = "SVA"
    has_language = language >= 0
    ids = np.concatenate([np.repeat(student_id, k), student_id[has_language]])
    subjects = np.concatenate([subject.ravel(), np.array(LANGUAGES, dtype=object)[language[has_language]]])
    letters = np.concatenate([GRADE_LETTERS[grade.ravel()], GRADE_LETTERS[language_grade[has_language]]])
    language_choice = np.concatenate([np.zeros(n * k, dtype=bool), np.ones(int(has_language.sum()), dtype=bool)])
    row = np.concatenate([np.arange(n).repeat(k) * (k + 1) + np.tile(np.arange(k), n),
                          np.flatnonzero(has_language) * (k + 1) + k])
    order = np.argsort(row, kind="stable")
    return pd.DataFrame({
        "student_id": ids[order],
        "subject": subjects[order],
        "grade": letters[order].astype(object),
        "language_choice": language_choice[order],
    })


def _nullable_int(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    """Nullable Int64 array of ``values``, missing where ``present`` is false."""
    return pd.arrays.IntegerArray(values.astype(np.int64), ~present)
