"""An independent implementation agrees: the PyPI ``matching`` package's HospitalResident, resident-optimal."""

from __future__ import annotations

import numpy as np
import pytest

from admissions.matching import deferred_acceptance

from matching_instances import random_instance

HospitalResident = pytest.importorskip("matching.games").HospitalResident


@pytest.mark.parametrize("seed", range(40))
def test_agrees_with_hospital_resident(seed):
    choices, priority, seats = random_instance(seed, 25, 5, 4, max_seats=4)
    seats = np.maximum(seats, 1)  # the package wants every hospital to have capacity
    resident_prefs, hospital_apps = {}, {p: [] for p in range(len(seats))}
    for s, row in enumerate(choices.tolist()):
        row = [p for p in row if p >= 0]
        if row:
            resident_prefs[f"r{s}"] = [f"h{p}" for p in row]
        for j, p in enumerate(row):
            hospital_apps[p].append((priority[s, j], s))
    hospital_prefs = {f"h{p}": [f"r{s}" for _, s in sorted(apps, reverse=True)]
                      for p, apps in hospital_apps.items() if apps}
    capacities = {f"h{p}": int(seats[p]) for p in range(len(seats)) if hospital_apps[p]}
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
    solution = game.solve(optimal="resident")
    expected = np.full(len(choices), -1)
    for hospital, residents in solution.items():
        for resident in residents:
            expected[int(resident.name[1:])] = int(hospital.name[1:])
    assert deferred_acceptance(choices, priority, seats).assignment.tolist() == expected.tolist()
