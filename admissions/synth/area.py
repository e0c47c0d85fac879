"""An admission area built from Skolverket's register: its offers, compulsory schools and municipalities.

The area is named on the command line: ``default`` (the joint admission area of Skåne and western
Blekinge: the municipalities marked ``in_area`` in ``admissions/data/region.csv``, which also gives
each one's admission office and population), ``sweden`` (every municipality of the register, one
market) or a comma-separated list of municipalities.

Offers are the register's programmes at the area's upper-secondary school units whose code the
programme-type table knows and that take students in 2025 (the abolished HV has none; special
nationally recruited educations such as flight or maritime engineering, codes FL, SJ, MA, ..., are
not national programmes and are left out). Seats per offer (:func:`offer_seats`) are one year's
intake, the programme's students (all three years) times the choice model's seats per student
(see ``choice_model.toml``), at least one; where the register suppresses the count (few
students), SUPPRESSED_SEATS. Federation and region principals are public: written as ``municipal``. Where the
register gives no coordinates, the municipality's centre is used (``region.csv``, else the mean
position of the municipality's schools in the register); compulsory schools without either are
left out.
"""

from __future__ import annotations

import csv
import difflib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from admissions.errors import InvalidArgument
from admissions.io.programme_types import load_programme_types
from admissions.io.register import Register, load_register

DEFAULT_AREA = "default"
COUNTRY = "sweden"
#: The programme year whose programme-type table decides which codes take students.
ADMISSION_YEAR = 2025
#: Seats of an offer whose student count the register suppresses (fewer than about ten students).
SUPPRESSED_SEATS = 3
#: Year-9 pupils per pupil of a school with a year 9: the cohort of an area is its compulsory
#: schools' pupils times this (Sweden: about 120,000 year-9 pupils among 577,420 pupils of such
#: schools, which run from year 7, 6 or F to 9).
YEAR9_SHARE = 0.208
#: Principals the round contract knows; the register's others are public.
PUBLIC_PRINCIPALS = {"federation": "municipal", "region": "municipal"}


@dataclass(frozen=True)
class Area:
    """One admission area.

    ``offers``: (p,) rows with ``programme_id``, ``school_unit_code``, ``school``, ``municipality``,
    ``programme_code``, ``principal``, ``latitude``, ``longitude``, ``students`` (NaN where
    suppressed), ``admission_points_min``, ``admission_points_avg`` (the published 2025 figures,
    NaN where none). ``schools``: (s,) compulsory schools with ``school_unit_code``,
    ``municipality``, ``latitude``, ``longitude``, ``pupils``, ``merit_value_year9``,
    ``share_eligible`` (0-1, NaN where not published). ``municipalities``: the area's
    municipalities with ``population`` (NaN where unknown) and ``admission_office``.
    """

    name: str
    offers: pd.DataFrame
    schools: pd.DataFrame
    municipalities: pd.DataFrame

    @property
    def cohort(self) -> int:
        """Year-9 pupils of the area, from its compulsory schools' pupil counts."""
        return max(1, int(round(self.schools["pupils"].sum() * YEAR9_SHARE)))


@cache
def region_table() -> pd.DataFrame:
    """``admissions/data/region.csv``: municipality, code, in_area, population, admission_office, latitude, longitude."""
    text = resources.files("admissions").joinpath("data", "region.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return pd.DataFrame({
        "municipality": [r["municipality"] for r in rows],
        "in_area": [r["in_area"] == "true" for r in rows],
        "population": [float(r["population"]) for r in rows],
        "admission_office": [r["admission_office"] for r in rows],
        "latitude": [float(r["latitude"]) for r in rows],
        "longitude": [float(r["longitude"]) for r in rows],
    })


def area_municipalities(area: str, register: Register) -> list[str]:
    """The municipalities of ``area`` (see the module docstring), sorted as Swedish names sort in the register.

    Raises
    ------
    InvalidArgument
        A listed municipality is not in the register, or the list is empty.
    """
    known = sorted(set(register.programmes["municipality"]) | set(register.compulsory["municipality"]))
    spec = area.strip()
    if spec.lower() == DEFAULT_AREA:
        region = region_table()
        return sorted(region.loc[region["in_area"], "municipality"])
    if spec.lower() == COUNTRY:
        return known
    # NFC: a name typed or pasted in decomposed form (macOS) is the register's name.
    names = [unicodedata.normalize("NFC", name.strip()) for name in spec.split(",") if name.strip()]
    lookup = {name.casefold(): name for name in known}
    unknown = [name for name in names if name.casefold() not in lookup]
    if not names:
        raise InvalidArgument(f"area == {area!r}, must be {DEFAULT_AREA!r}, {COUNTRY!r} or a comma-separated list of municipalities")
    if unknown:
        named = ", ".join(f"{name!r}{_did_you_mean(name, known)}" for name in unknown)
        verb = "is not a municipality" if len(unknown) == 1 else "are not municipalities"
        raise InvalidArgument(
            f"area == {area!r}: {named} {verb} of the register; "
            f"must be {DEFAULT_AREA!r}, {COUNTRY!r} or municipalities separated by commas"
        )
    return sorted({lookup[name.casefold()] for name in names})


def _folded(name: str) -> str:
    """A municipality's name without case, accents or a trailing 'kommun'/'stad': 'Malmo kommun' -> 'malmo'."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))
    for suffix in ("s kommun", " kommun", "s stad", " stad"):
        letters = letters.removesuffix(suffix)
    return letters.strip()


def _did_you_mean(name: str, known: list[str]) -> str:
    """' (did you mean 'Malmö'?)' for the register's name closest to ``name``, '' when none is close."""
    if ";" in name:
        return " (separate municipalities by commas)"
    folded = {_folded(k): k for k in known}
    close = difflib.get_close_matches(_folded(name), list(folded), n=1, cutoff=0.8)
    return f" (did you mean {folded[close[0]]!r}?)" if close else ""


def load_area(area: str = DEFAULT_AREA, register: Register | None = None) -> Area:
    """Build the admission area ``area`` from the register (the shipped one by default).

    Parameters
    ----------
    area : str
        ``default``, ``sweden`` or a comma-separated list of municipalities.
    register : Register, optional
    """
    register = register or load_register()
    towns = area_municipalities(area, register)
    centre = _centres(register)
    types = load_programme_types()
    open_codes = {
        code for code, t in types.types.items()
        if (t.valid_from is None or t.valid_from <= ADMISSION_YEAR)
        and (t.valid_until is None or t.valid_until >= ADMISSION_YEAR)
    }
    rows = register.programmes
    rows = rows[rows["municipality"].isin(towns) & rows["programme_code"].isin(open_codes)]
    rows = rows.sort_values(["municipality", "school", "school_unit_code", "programme_code"], kind="stable")
    offers = pd.DataFrame({
        "programme_id": (rows["school_unit_code"] + "-" + rows["programme_code"]).to_numpy(dtype=object),
        "school_unit_code": rows["school_unit_code"].to_numpy(dtype=object),
        "school": rows["school"].to_numpy(dtype=object),
        "municipality": rows["municipality"].to_numpy(dtype=object),
        "programme_code": rows["programme_code"].to_numpy(dtype=object),
        "principal": rows["principal"].map(lambda p: PUBLIC_PRINCIPALS.get(p, p)).to_numpy(dtype=object),
        "latitude": _fill_position(rows, centre, "latitude"),
        "longitude": _fill_position(rows, centre, "longitude"),
        "students": rows["students"].to_numpy(dtype=np.float64),
        "admission_points_min": rows["admission_points_min"].to_numpy(dtype=np.float64),
        "admission_points_avg": rows["admission_points_avg"].to_numpy(dtype=np.float64),
    })
    schools = register.compulsory
    schools = schools[
        schools["municipality"].isin(towns) & (schools["pupils"] > 0) & schools["merit_value_year9"].notna()
    ].sort_values(["municipality", "school", "school_unit_code"], kind="stable")
    schools = pd.DataFrame({
        "school_unit_code": schools["school_unit_code"].to_numpy(dtype=object),
        "school": schools["school"].to_numpy(dtype=object),
        "municipality": schools["municipality"].to_numpy(dtype=object),
        "latitude": _fill_position(schools, centre, "latitude"),
        "longitude": _fill_position(schools, centre, "longitude"),
        "pupils": schools["pupils"].to_numpy(dtype=np.float64),
        "merit_value_year9": schools["merit_value_year9"].to_numpy(dtype=np.float64),
        "share_eligible": schools["share_eligible_vocational_pct"].to_numpy(dtype=np.float64) / 100,
    })
    # A school without a position, in a municipality without one either (Lessebo, Robertsfors and
    # Vindeln in the 2025 register), has no distance to any offer: its pupils cannot be placed on the map.
    schools = schools[schools["latitude"].notna() & schools["longitude"].notna()]
    if offers.empty or schools.empty:
        raise InvalidArgument(f"area == {area!r} has no upper-secondary programme or no compulsory school with a year-9 result")
    region = region_table().set_index("municipality")
    municipalities = pd.DataFrame({
        "municipality": towns,
        "population": region["population"].reindex(towns).to_numpy(),
        "admission_office": region["admission_office"].reindex(towns).fillna("").to_numpy(dtype=object),
    })
    return Area(area.strip().lower() if area.strip().lower() in (DEFAULT_AREA, COUNTRY) else ",".join(towns),
                offers.reset_index(drop=True), schools.reset_index(drop=True), municipalities)


def offer_seats(students: np.ndarray, seats_per_student: float | np.ndarray, scale: float = 1.0) -> np.ndarray:
    """(p,) int seats: students times seats_per_student (one or per offer) times ``scale``, rounded,
    at least 1; SUPPRESSED_SEATS times ``scale`` where the register suppresses the count."""
    wanted = np.where(np.isnan(students), SUPPRESSED_SEATS, np.nan_to_num(students) * seats_per_student)
    return np.maximum(1, np.round(wanted * scale)).astype(np.int64)


@cache
def municipality_centres() -> dict[str, tuple[float, float]]:
    """Centre (latitude, longitude) of every municipality of the shipped register and region.csv."""
    centre = _centres(load_register())
    table = {name: (float(lat), float(lon)) for name, lat, lon in
             zip(centre.index, centre["latitude"], centre["longitude"])}
    region = region_table()
    for name, lat, lon in zip(region["municipality"], region["latitude"], region["longitude"]):
        table[name] = (float(lat), float(lon))
    return table


def _centres(register: Register) -> pd.DataFrame:
    """Latitude and longitude of each municipality's centre: region.csv, else the mean of its schools."""
    located = pd.concat([
        register.programmes[["municipality", "latitude", "longitude"]],
        register.compulsory[["municipality", "latitude", "longitude"]],
    ]).dropna()
    centre = located.groupby("municipality")[["latitude", "longitude"]].mean()
    region = region_table().set_index("municipality")[["latitude", "longitude"]]
    centre.loc[region.index.intersection(centre.index)] = region.loc[region.index.intersection(centre.index)]
    return centre


def _fill_position(rows: pd.DataFrame, centre: pd.DataFrame, column: str) -> np.ndarray:
    """(r,) the rows' coordinate, the municipality's centre where the register gives none."""
    given = rows[column].to_numpy(dtype=np.float64)
    fallback = centre[column].reindex(rows["municipality"]).to_numpy(dtype=np.float64)
    return np.round(np.where(np.isnan(given), fallback, given), 5)


def distance_km(lat_a: np.ndarray, lon_a: np.ndarray, lat_b: np.ndarray, lon_b: np.ndarray) -> np.ndarray:
    """(a, b) great-circle distance in km between points a and points b (degrees, WGS 84)."""
    la, lb = np.radians(lat_a)[:, None], np.radians(lat_b)[None, :]
    dlat = la - lb
    dlon = np.radians(lon_a)[:, None] - np.radians(lon_b)[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(la) * np.cos(lb) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
