"""A generated admission round of a real admission area, in the data contract.

The schools, programmes, seats and principals are Skolverket's register (see
:mod:`admissions.synth.area`); the students are invented, in four steps, each drawing from its own
random stream spawned from one ``numpy.random.default_rng(seed)``, so the same area, number of
students and seed give the same bytes:

1. Schools: each student is a year-9 pupil of one of the area's compulsory schools, drawn in
   proportion to the schools' pupils. The home municipality is the school's.
2. Grades: ability is normal with the school's mean and spread, found so that the school's expected
   merit value and share eligible for a vocational programme are its published 2024/25 figures
   (:func:`admissions.synth.grades.school_ability`); the grades follow from the ability and the
   merit value from the grades. Then the summer school: a share of the students not eligible
   for a vocational programme pass the subjects they lack
   (:func:`admissions.synth.grades.summer_school`), the weakest eligible applicants of the final
   admission.
3. Choices: 1-8 per student from the calibrated random-utility model
   (:mod:`admissions.synth.choice`): distance, programme by merit, the offer's attractiveness,
   principal, eligibility, last year's published lowest admitted merit value. Eligibility is
   judged by the selection rules themselves (:mod:`admissions.rules.eligibility` with the
   programme-type table), so the generator's and a round's agree on every application. Students
   not eligible for a vocational programme rank the introductory offers they meet the
   requirement of first (IMV, IMY).
4. Seats: one year's intake of the register's students times the offer's fitted seat factor (see
   :mod:`admissions.synth.choice`), times the number of students over the area's cohort (a round
   of 2,000 students is a tenth of the default area, with a tenth of its seats, at least one); an
   introductory offer has a seat for every student whose first introductory choice they are
   eligible for it is (the home municipality must offer one).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from admissions.arguments import check_count, check_seed
from admissions.errors import OutputError
from admissions.io.contract import APPLICATIONS, GRADES, MUNICIPALITIES, PROGRAMMES, STUDENTS
from admissions.io.csv_format import write_frame_csv
from admissions.io.programme_types import load_programme_types
from admissions.rules.eligibility import meets, programme_requirements
from admissions.synth.area import DEFAULT_AREA, Area, distance_km, load_area, offer_seats
from admissions.synth.choice import ChoiceModel, draw_choices, load_choice_model
from admissions.synth.grades import (
    draw_grades,
    grades_frame,
    merit_of,
    passes_of,
    school_ability,
    summer_school,
    text_column,
    vocational_eligible,
)

DEFAULT_SEED = 0
#: Kinds of the programme-type table that make a programme introductory (IMV, IMY, IMA, IMS).
INTRODUCTORY_KINDS = ("imv", "not_vocational", "open")


def generate_region(
    n_students: int | None = None,
    seed: int = DEFAULT_SEED,
    area: str | Area = DEFAULT_AREA,
    model: ChoiceModel | None = None,
) -> dict[str, pd.DataFrame]:
    """Generate an admission round of a real area.

    Parameters
    ----------
    n_students : int, optional
        Number of applicants, at least 1; default the area's cohort (its compulsory schools'
        year-9 pupils, :attr:`Area.cohort`).
    seed : int
        Seed of ``numpy.random.default_rng``; the same area, size and seed give the same frames.
    area : str or Area
        ``default``, ``sweden`` or a comma-separated list of municipalities (see
        :func:`admissions.synth.area.load_area`), or an area already loaded.
    model : ChoiceModel, optional
        Default the shipped, calibrated one.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``programmes``, ``students``, ``applications``, ``municipalities`` and ``grades``, with the
        contract's columns in the contract's order (programmes with ``school_unit_code``,
        ``latitude`` and ``longitude``).
    """
    if n_students is not None:
        n_students = check_count("n_students", n_students)
    seed = check_seed(seed)
    model = model or load_choice_model()
    if not isinstance(area, Area):
        area = load_area(area)
    market = generate_market(area, model, n_students, int(seed))
    return market_frames(area, market)


def generate_market(area: Area, model: ChoiceModel, n_students: int | None, seed: int) -> dict[str, np.ndarray]:
    """The students and their choices as arrays (what :func:`generate_region` writes).

    Returns
    -------
    dict of str to numpy.ndarray
        ``school`` (n,) compulsory school index, ``merit`` (n,), ``grade`` (n, 16), ``sva``,
        ``language``, ``language_grade`` (n,), ``vocational`` (n,) bool (after the summer school),
        ``summer_school`` (n,) bool (became eligible for a vocational programme there), ``choices``
        (n, max_choices) offer index, ``n_choices`` (n,), ``eligible`` (n, max_choices) bool (the
        student meets the offer's requirement), ``seats`` (p,).
    """
    n = int(n_students) if n_students is not None else area.cohort
    schools_rng, grades_rng, choices_rng = np.random.default_rng(seed).spawn(3)
    schools, offers = area.schools, area.offers

    pupils = schools["pupils"].to_numpy(dtype=np.float64)
    school = schools_rng.choice(len(schools), size=n, p=pupils / pupils.sum())
    mean, spread = school_ability(schools["merit_value_year9"].to_numpy(), schools["share_eligible"].to_numpy())
    ability = mean[school] + spread[school] * grades_rng.standard_normal(n)
    grade, sva, language, language_grade = draw_grades(ability, grades_rng)
    # The published share eligible is the spring's; the summer school comes after it.
    grade, summer = summer_school(grade, sva, language_grade, grades_rng)
    merit = merit_of(grade, language, language_grade)
    # Eligibility by the selection rules themselves (admissions.rules.eligibility), per distinct
    # requirement of the programme-type table: what the generator assumes is what a round computes.
    passes = passes_of(grade, sva, language_grade)
    code = offers["programme_code"].to_numpy(dtype=object)
    types = load_programme_types()
    requirements, offer_requirement = programme_requirements(types, code)
    meets_requirement = np.column_stack([meets(passes, r)[0] for r in requirements])
    vocational = vocational_eligible(passes)

    introductory = introductory_offers(code)
    appeal, merit_slope, seat_factor, merit_indifferent = model.offer_terms(offers["school_unit_code"].to_numpy(dtype=object), code)
    fixed = model.independent * (offers["principal"].to_numpy(dtype=object) == "independent")
    distance = distance_km(
        schools["latitude"].to_numpy(), schools["longitude"].to_numpy(),
        offers["latitude"].to_numpy(), offers["longitude"].to_numpy(),
    )
    choices = draw_choices(
        model, appeal, merit_slope, merit_indifferent, fixed, distance, school, merit,
        offers["admission_points_min"].to_numpy(dtype=np.float64), meets_requirement, offer_requirement,
        vocational, introductory, choices_rng,
    )
    k = choices.shape[1]
    share = np.asarray(model.n_choices_share[:k])
    n_choices = choices_rng.choice(np.arange(1, k + 1), size=n, p=share / share.sum())
    eligible = np.take_along_axis(meets_requirement, offer_requirement[choices], axis=1)
    # A round of another size than the cohort is a scaled copy of the area: seats scale with it.
    seats = offer_seats(offers["students"].to_numpy(dtype=np.float64), model.seats_per_student * seat_factor,
                        scale=n / area.cohort)
    # The home municipality must offer a place on an introductory programme to every student
    # eligible for it (skollagen 17 ch.): an introductory offer has a seat for every student whose
    # first introductory choice they are eligible for it is (no one is turned away from an
    # introductory offer, so no one reaches a later one).
    listed = np.arange(k)[None, :] < n_choices[:, None]
    wanted = listed & eligible & introductory[choices]
    first = np.argmax(wanted, axis=1)
    has = wanted.any(axis=1)
    wanting = np.bincount(choices[np.nonzero(has)[0], first[has]], minlength=len(offers))
    seats[introductory] = np.maximum(seats[introductory], wanting[introductory])
    return {
        "school": school, "merit": merit, "grade": grade, "sva": sva, "language": language,
        "language_grade": language_grade, "vocational": vocational, "choices": choices,
        "n_choices": n_choices, "eligible": eligible, "seats": seats, "summer_school": summer,
    }


def introductory_offers(code: np.ndarray) -> np.ndarray:
    """(p,) bool: the offer's programme is introductory (its kind in INTRODUCTORY_KINDS), by the
    programme-type table."""
    types = load_programme_types().types
    return np.array([types[c].kind in INTRODUCTORY_KINDS for c in code], dtype=bool)


def student_ids(n: int) -> np.ndarray:
    """(n,) object the generated students' ids: S000001, S000002, ... (at least 6 digits)."""
    width = max(6, len(str(n)))
    return np.array([f"S{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def market_frames(area: Area, market: dict[str, np.ndarray]) -> dict[str, pd.DataFrame]:
    """The contract frames of a generated market."""
    offers, schools = area.offers, area.schools
    n = len(market["merit"])
    k = market["choices"].shape[1]
    # Text columns as Arrow takes from their values, not arrays of Python strings.
    student_id = pa.array(student_ids(n), type=pa.large_string())
    rank = np.arange(1, k + 1)[None, :]
    taken = rank <= market["n_choices"][:, None]
    app_student = np.nonzero(taken)[0]
    app_rank = np.broadcast_to(rank, taken.shape)[taken]
    app_offer = market["choices"][taken]
    population = area.municipalities["population"]
    frames = {
        "programmes": pd.DataFrame({
            "programme_id": offers["programme_id"],
            "school": offers["school"],
            "municipality": offers["municipality"],
            "programme_code": offers["programme_code"],
            "orientation": "",
            "seats": market["seats"],
            "principal": offers["principal"],
            "national_recruitment": False,
            "school_unit_code": offers["school_unit_code"],
            "latitude": offers["latitude"],
            "longitude": offers["longitude"],
        }),
        "students": pd.DataFrame({
            "student_id": text_column(student_id),
            "home_municipality": text_column(_arrow_text(schools["municipality"]).take(market["school"])),
            "merit_value": market["merit"],
        }),
        "applications": pd.DataFrame({
            "student_id": text_column(student_id.take(app_student)),
            "choice_rank": app_rank.astype(np.int64),
            "programme_id": text_column(_arrow_text(offers["programme_id"]).take(app_offer)),
        }),
        "municipalities": pd.DataFrame({
            "municipality": area.municipalities["municipality"],
            "in_area": True,
            "population": pd.array(np.nan_to_num(population.to_numpy(), nan=0).astype(np.int64), dtype="Int64"),
        }),
        "grades": grades_frame(student_id, market["grade"], market["sva"], market["language"], market["language_grade"]),
    }
    frames["municipalities"].loc[population.isna().to_numpy(), "population"] = pd.NA
    specs = {s.name: s for s in (PROGRAMMES, STUDENTS, APPLICATIONS, MUNICIPALITIES, GRADES)}
    for name, frame in frames.items():
        order = [c for c in specs[name].column_names if c in frame.columns]
        frames[name] = frame[order + [c for c in frame.columns if c not in order]]
    return frames


def _arrow_text(column: pd.Series) -> pa.Array:
    """A frame's text column as one Arrow array."""
    return pa.array(column.to_numpy(dtype=object), type=pa.large_string())


#: The files write_region writes, each as NAME.csv.
WRITTEN = ("programmes", "students", "applications", "municipalities", "grades")


def _check_no_other_format(out: Path) -> None:
    """Refuse a folder holding one of WRITTEN as another file (students.xlsx, Students.CSV): the
    generated NAME.csv would stand beside it, and a round reads exactly one file of each."""
    from admissions.io.contract import FILE_SUFFIXES

    if not out.is_dir():
        return
    others = {name + suffix for name in WRITTEN for suffix in FILE_SUFFIXES} - {f"{name}.csv" for name in WRITTEN}
    clash = sorted(p.name for p in out.iterdir()
                   if p.name.lower() in others or (p.name.lower() != p.name and p.name.lower() in
                                                    {f"{name}.csv" for name in WRITTEN}))
    if clash:
        raise OutputError(f"{out}: holds {', '.join(clash)}, beside which the generated CSV files would stand (a "
                          "round reads exactly one file of each); nothing was written. Remove them or choose "
                          "another folder")


def write_region(
    out_dir: str | os.PathLike,
    n_students: int | None = None,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    area: str = DEFAULT_AREA,
) -> dict[str, int]:
    """Generate a round with :func:`generate_region` and write it as UTF-8 CSV files into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Folder to write; created if missing. Must be empty unless ``force``.
    n_students, seed, area
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
        raise OutputError("{out}: is not a folder; nothing was changed. Give a folder", values={"out": out})
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputError("{out}: is a folder that is not empty; nothing was changed. Give a new or empty folder, "
                          "or {force} to write into it (files of the same name are replaced)", parameters=("force",),
                          values={"out": out})
    _check_no_other_format(out)
    from admissions.io.atomic import check_writable, output_files

    check_writable(out)  # before the work, not after it
    frames = generate_region(n_students, seed, area)
    # Written beside OUT first, so an interrupted run leaves no half-written file.

    with output_files(out) as staging:
        for name, frame in frames.items():
            write_frame_csv(frame, staging / f"{name}.csv")
    programmes = frames["programmes"]
    return {
        "students": len(frames["students"]),
        "programmes": len(programmes),
        "schools": int(programmes["school_unit_code"].nunique()),
        "seats": int(programmes["seats"].sum()),
        "applications": len(frames["applications"]),
        "grades": len(frames["grades"]),
        "municipalities": len(frames["municipalities"]),
    }
