"""Which lottery numbers a round uses: the input's, the season's recorded ones, or the seed's."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from admissions.io.encode import EncodedRound
from admissions.matching import lottery_numbers

#: How run.json describes where a round's lottery numbers came from.
LOTTERY_SOURCES = {
    "input": "given in the input",
    "seed": "HMAC-SHA256 of the seed and the student id",
    "season": "recorded in the season when each student was first seen (HMAC-SHA256 of the seed and the student id)",
}


def round_lottery(
    encoded: EncodedRound, seed: int, recorded: Mapping[str, float] | None = None
) -> tuple[np.ndarray, str]:
    """(n,) float64 each student's lottery number and where the numbers came from.

    A lottery column in students.csv wins ("input"); otherwise a number recorded in the season
    for the student is kept ("season" when any was), and every other student gets the number of
    ``seed`` (admissions.matching.lottery).
    """
    if encoded.lottery_given is not None:
        return np.asarray(encoded.lottery_given, dtype=np.float64), "input"
    numbers = lottery_numbers(encoded.student_ids, seed)
    if not recorded:
        return numbers, "seed"
    kept = np.array([recorded.get(str(s), np.nan) for s in encoded.student_ids], dtype=np.float64)
    known = ~np.isnan(kept)
    numbers[known] = kept[known]
    return numbers, "season" if known.any() else "seed"
