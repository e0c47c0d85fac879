"""The facts of the synthetic region: municipalities, schools, offers and programme popularity.

The municipalities (with population, admission office and approximate position) and the schools
(with the offers each one has) are package data, ``admissions/data/region.csv`` and
``admissions/data/schools.csv``: which municipalities belong to the admission area is the
``in_area`` column, never code. School names follow real schools of the region but the offers,
seats and everything about students are invented.

An offer in ``schools.csv`` is written ``CODE`` or ``CODE-ORI`` (programme code and orientation
abbreviation, see :data:`ORIENTATIONS`), followed by markers: ``*`` the offer has an aptitude test
(färdighetsprov), ``!`` it is nationally recruited (riksrekryterande), ``%`` a third of its seats
are filled by test points alone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

import numpy as np

#: Orientation (inriktning) abbreviations used in schools.csv and in programme ids.
ORIENTATIONS: dict[str, str] = {
    "NAT": "Naturvetenskap",
    "NAS": "Naturvetenskap och samhälle",
    "EKO": "Ekonomi",
    "JUR": "Juridik",
    "BET": "Beteendevetenskap",
    "SAM": "Samhällsvetenskap",
    "MED": "Medier, information och kommunikation",
    "IMT": "Informations- och medieteknik",
    "TEK": "Teknikvetenskap",
    "PRO": "Produktionsteknik",
    "DES": "Design och produktutveckling",
    "MUS": "Musik",
    "BIL": "Bild och formgivning",
    "TEA": "Teater",
    "EST": "Estetik och media",
}

#: Share of first choices per programme code (current codes: FS, not HA; FR, not HV), roughly as
#: in Swedish application statistics. Higher-education preparatory programmes take about 70 %.
PROGRAMME_SHARE: dict[str, float] = {
    "SA": 0.21, "NA": 0.14, "EK": 0.14, "TE": 0.10, "ES": 0.07, "HU": 0.01,
    "BF": 0.035, "VO": 0.035, "EE": 0.045, "BA": 0.035, "FT": 0.035, "HT": 0.015,
    "RL": 0.015, "FS": 0.015, "FR": 0.015, "IN": 0.01, "NB": 0.01, "VF": 0.01,
    "IMV": 0.02, "IMY": 0.01,
}

#: How much a student's ability (standard normal) adds to the appeal of a programme code:
#: NA, TE and EK draw the strongest students. Introductory programmes also depend on eligibility
#: (see generate.py).
ABILITY_EFFECT: dict[str, float] = {
    "NA": 1.3, "TE": 0.7, "EK": 0.7, "SA": 0.2, "HU": 0.3, "ES": 0.0,
    "BF": -0.7, "VO": -0.6, "EE": -0.6, "BA": -0.8, "FT": -0.9, "HT": -0.6,
    "RL": -0.8, "FS": -0.7, "FR": -0.7, "IN": -0.8, "NB": -0.6, "VF": -0.8,
    "IMV": -0.5, "IMY": -0.8,
}

#: Class size per programme code; seats are a whole number of classes.
PREPARATORY = ("NA", "SA", "EK", "TE", "HU")
CLASS_SIZE: dict[str, int] = {code: 32 for code in PREPARATORY} | {"ES": 24}

VOCATIONAL_CLASS_SIZE = 16

#: Municipalities whose popular preparatory offers are set up to be oversubscribed.
BIG_CITIES = ("Malmö", "Lund", "Helsingborg")


def class_size(code: str) -> int:
    """Class size of a programme code: 32 preparatory, 24 aesthetic, 16 vocational and introductory."""
    return CLASS_SIZE.get(code, VOCATIONAL_CLASS_SIZE)


@dataclass(frozen=True)
class Municipalities:
    """The municipalities of region.csv, in file order (m of them)."""

    name: tuple[str, ...]
    code: tuple[str, ...]
    in_area: np.ndarray  # (m,) bool
    population: np.ndarray  # (m,) int64
    admission_office: tuple[str, ...]
    latitude: np.ndarray  # (m,) float64
    longitude: np.ndarray  # (m,) float64

    def index(self, name: str) -> int:
        return self.name.index(name)

    def distance_km(self) -> np.ndarray:
        """(m, m) great-circle distance between municipality centres, in km."""
        lat = np.radians(self.latitude)
        lon = np.radians(self.longitude)
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
        return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class Offer:
    """One offer (utbildning) of schools.csv: a programme, maybe with an orientation, at a school."""

    programme_id: str
    school: str
    municipality: str
    programme_code: str
    orientation: str
    principal: str
    national_recruitment: bool
    test: bool
    test_quota: bool


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("admissions").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def load_municipalities() -> Municipalities:
    """The municipalities of the region and its neighbours, from ``admissions/data/region.csv``."""
    rows = _read_csv("region.csv")
    return Municipalities(
        name=tuple(r["municipality"] for r in rows),
        code=tuple(r["code"] for r in rows),
        in_area=np.array([r["in_area"] == "true" for r in rows]),
        population=np.array([int(float(r["population"])) for r in rows], dtype=np.int64),
        admission_office=tuple(r["admission_office"] for r in rows),
        latitude=np.array([float(r["latitude"]) for r in rows]),
        longitude=np.array([float(r["longitude"]) for r in rows]),
    )


def load_offers(municipalities: Municipalities | None = None) -> list[Offer]:
    """Every offer of ``admissions/data/schools.csv``, in file order, with unique programme ids.

    The programme id is ``MUN-SCHOOL-CODE[-ORI]``, e.g. ``MAL-BORG-NA-NAT``.
    """
    municipalities = municipalities or load_municipalities()
    offers: list[Offer] = []
    for row in _read_csv("schools.csv"):
        town = municipalities.code[municipalities.index(row["municipality"])]
        for token in row["offers"].split():
            label = token.rstrip("*!%")
            markers = token[len(label):]
            code, _, ori = label.partition("-")
            if code not in PROGRAMME_SHARE:
                raise ValueError(f"schools.csv: programme code {code!r} at {row['school']} is not known")
            if ori and ori not in ORIENTATIONS:
                raise ValueError(f"schools.csv: orientation {ori!r} at {row['school']} is not known")
            offers.append(
                Offer(
                    programme_id=f"{town}-{row['school_code']}-{label}",
                    school=row["school"],
                    municipality=row["municipality"],
                    programme_code=code,
                    orientation=ORIENTATIONS.get(ori, ""),
                    principal=row["principal"],
                    national_recruitment="!" in markers,
                    test="*" in markers,
                    test_quota="%" in markers,
                )
            )
    ids = [o.programme_id for o in offers]
    if len(set(ids)) != len(ids):
        raise ValueError("schools.csv: programme ids are not unique")
    return offers
