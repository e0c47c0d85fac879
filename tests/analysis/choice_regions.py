"""Small regions whose students rank offers by a known exploded logit: the truth a fit must recover."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from admissions.analysis import choice_model as cm

#: The true coefficients of every region (merit slopes per code, the first code the reference).
DISTANCE_PER_KM = -0.04
HOME_MUNICIPALITY = 0.6
MERIT = np.array([0.0, 0.8, -0.6])
CODES = ["SA", "NA", "BF"]


@dataclass(frozen=True)
class Region:
    """A region's offers (programmes table), the true coefficients and the places of students."""

    programmes: pd.DataFrame
    truth: cm.Coefficients
    home: np.ndarray  # (n,)
    merit_z: np.ndarray  # (n,)
    lengths: np.ndarray  # (n,) list lengths
    centre_lat: np.ndarray  # (m,)
    centre_lon: np.ndarray  # (m,)

    def distance(self, host: np.ndarray) -> np.ndarray:
        """(m, p) km from each municipality's centre to offers hosted at ``host``."""
        return cm.distance_km(self.centre_lat, self.centre_lon, self.centre_lat[host], self.centre_lon[host])

    def data(self, lists: np.ndarray, offers: np.ndarray) -> cm.ChoiceData:
        """ChoiceData over the offers ``offers`` (indices into programmes), lists in those indices."""
        host = self.programmes["host"].to_numpy()[offers]
        code = self.programmes["code"].to_numpy()[offers]
        return cm.ChoiceData.from_students(lists, self.home, self.distance(host), self.merit_z, host, code,
                                           len(CODES), place=self.home)

    def coef(self, offers: np.ndarray) -> cm.Coefficients:
        return cm.Coefficients(self.truth.attractiveness[offers], self.truth.distance_per_km,
                               self.truth.home_municipality, self.truth.merit)

    def draw_lists(self, offers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        empty = np.full((len(self.home), 1), -1, dtype=np.int64)
        data = self.data(empty, offers)
        return cm.top_choices(cm.utilities(data, self.coef(offers)), self.lengths, rng)


def make_region(seed: int, n_students: int = 500, n_municipalities: int = 4, schools_per_municipality: int = 2) -> Region:
    """Schools in municipalities about 10-60 km apart, each offering SA, NA and BF; the offer's true
    attractiveness is its school's effect plus its programme's (so a new offer's is known)."""
    rng = np.random.default_rng(seed)
    lat = 55.5 + rng.random(n_municipalities) * 0.5
    lon = 13.0 + rng.random(n_municipalities) * 0.8
    school_effect = rng.normal(0.0, 0.5, n_municipalities * schools_per_municipality)
    programme_effect = np.array([0.0, -0.3, -0.6])
    rows = []
    for s in range(n_municipalities * schools_per_municipality):
        for c, code in enumerate(CODES):
            rows.append({"programme_id": f"S{s}-{code}", "school": f"School {s}", "municipality": f"M{s % n_municipalities}",
                         "programme_code": code, "principal": "independent" if s % 3 == 2 else "municipal",
                         "host": s % n_municipalities, "code": c, "alpha": school_effect[s] + programme_effect[c]})
    programmes = pd.DataFrame(rows)
    truth = cm.Coefficients(programmes["alpha"].to_numpy(), DISTANCE_PER_KM, HOME_MUNICIPALITY, MERIT)
    home = rng.integers(0, n_municipalities, n_students)
    merit_z = np.round(rng.standard_normal(n_students), 1)
    lengths = rng.integers(1, 5, n_students)
    return Region(programmes, truth, home, merit_z, lengths, lat, lon)


#: Real municipalities (their centres come from the shipped region table) for rounds written to files.
MUNICIPALITIES = ("Malmö", "Lund", "Ystad", "Kristianstad")


def real_region(seed: int, n_students: int = 400) -> Region:
    """A region in four real municipalities, at their centres (as ``demand`` places them)."""
    from admissions.analysis.demand import municipality_centres

    region = make_region(seed, n_students=n_students, n_municipalities=len(MUNICIPALITIES))
    centres = municipality_centres()
    lat = np.array([centres[m][0] for m in MUNICIPALITIES])
    lon = np.array([centres[m][1] for m in MUNICIPALITIES])
    programmes = region.programmes.assign(municipality=[MUNICIPALITIES[h] for h in region.programmes["host"]])
    return Region(programmes, region.truth, region.home, region.merit_z, region.lengths, lat, lon)


def write_round(region: Region, folder, seed: int, seats: int = 15) -> None:
    """The region's round as input files: lists drawn from the true model, merit 200 + 40 z."""
    folder.mkdir(parents=True, exist_ok=True)
    offers = np.arange(len(region.programmes))
    lists = region.draw_lists(offers, np.random.default_rng(seed))
    ids = region.programmes["programme_id"].to_numpy()
    programmes = region.programmes[["programme_id", "school", "municipality", "programme_code", "principal"]].copy()
    programmes.insert(4, "orientation", "")
    programmes.insert(5, "seats", seats)
    programmes["national_recruitment"] = "false"
    programmes.to_csv(folder / "programmes.csv", index=False)
    student_ids = [f"S{i:05d}" for i in range(len(region.home))]
    pd.DataFrame({
        "student_id": student_ids,
        "home_municipality": [MUNICIPALITIES[h] for h in region.home],
        "merit_value": np.clip(200 + 40 * region.merit_z, 0, 340).round(1),
    }).to_csv(folder / "students.csv", index=False)
    rows, columns = np.nonzero(lists >= 0)
    pd.DataFrame({
        "student_id": np.array(student_ids)[rows],
        "choice_rank": columns + 1,
        "programme_id": ids[lists[rows, columns]],
    }).to_csv(folder / "applications.csv", index=False)
    pd.DataFrame({"municipality": MUNICIPALITIES, "in_area": "true", "population": 10000}).to_csv(
        folder / "municipalities.csv", index=False)
