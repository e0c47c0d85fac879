"""The docs page's account of where the seed noise of the per-code bound comes from
(:func:`admissions.synth.calibrate.noise_floor_tables`), on four offers at three seeds."""

from types import SimpleNamespace

import pandas as pd

from admissions.synth.calibrate import Outcome, noise_floor_tables
from admissions.synth.choice import load_choice_model

#: Per offer: code, register students (seats 0.37 of them: 37, 10, 20, 30), published lowest and
#: average, and per seed the generated lowest and the admitted.
OFFERS = {
    "A1": ("AA", 100.0, 100.0, 150.0, (100.0, 110.0, 120.0), (37, 37, 37)),  # full at every seed
    "A2": ("AA", 27.0, 120.0, 150.0, (120.0, 120.0, 120.0), (10, 5, 10)),  # full at some
    "A3": ("AA", 54.0, 140.0, 150.0, (130.0, 150.0, 140.0), (5, 5, 5)),  # never full
    "B1": ("BB", 81.0, 200.0, 260.0, (200.0, 210.0, 190.0), (30, 30, 30)),
}


def outcome(seed: int) -> Outcome:
    return Outcome(pd.DataFrame({
        "programme_id": list(OFFERS),
        "programme_code": [o[0] for o in OFFERS.values()],
        "admitted": [o[5][seed] for o in OFFERS.values()],
        "generated_min": [o[4][seed] for o in OFFERS.values()],
        "generated_avg": [o[3] for o in OFFERS.values()],
        "published_min": [o[2] for o in OFFERS.values()],
        "published_avg": [o[3] for o in OFFERS.values()],
    }), 0.8, 0.01)


def test_noise_floor_tables():
    area = SimpleNamespace(offers=pd.DataFrame({
        "school_unit_code": list(OFFERS), "programme_code": [o[0] for o in OFFERS.values()],
        "students": [o[1] for o in OFFERS.values()]}))
    text = noise_floor_tables(area, load_choice_model().with_offers({}), {s: outcome(s) for s in range(3)})
    lines = text.splitlines()
    # Standard deviations over the seeds: A1 10, A2 0, A3 10, B1 10.
    assert lines[2:6] == ["| at every seed | 2 | 10.0 |", "| at some seeds | 1 | 0.0 |",
                          "| at no seed | 1 | 10.0 |", "| all | 4 | 7.5 |"]
    assert lines[9:14] == ["| 1-10 | 0.0 (1) | - | - | - |", "| 11-20 | 10.0 (1) | - | - | - |",
                           "| 21-40 | - | 10.0 (2) | - | - |", "| 41-80 | - | - | - | - |",
                           "| over 80 | - | - | - | - |"]
    # AA's median is A2's 120 at every seed, however the seeds are shuffled; BB's gap is 0, +10,
    # -10: within 10 at a seed with probability 68.3 % for a normal gap, 31.8 % at three.
    # AA's published 100, 120, 140: one offer crossing the median moves it to 140 or 100.
    assert lines[17:19] == ["| AA | 3 | +20.0 / -20.0 | +0.0 | 0.0 | 0.0 | 100 % | +0.0 | 0.0 | 100 % |",
                            "| BB | 1 | - | +0.0 | 10.0 | 10.0 | 32 % | +0.0 | 0.0 | 100 % |"]
    # Two codes at three seeds: each within 10 with probability 0.5 ** (1 / 6) for an even chance.
    assert " ".join(lines[20:23]) == (
        "Every code within 10 at three seeds, if the codes' gaps are independent: lowest 31.8 %, "
        "average 100.0 %. For an even chance with every code unbiased, each code's gap may have a "
        "standard deviation of at most 6.2 points.")
    assert lines[24] == "Codes whose published median moves by 10 or more when one offer crosses it: AA."
