"""The lottery: one number per student from the seed and the id, recomputable with the standard library."""

import hashlib
import hmac
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from admissions.errors import InvalidArgument
from admissions.matching import derived_seed, draw_lottery, lottery_numbers, lottery_places


def documented(seed: int, student_id: str) -> int:
    """The few lines of docs/season.md and README.md, copied as a user would."""
    key = str(seed).encode("ascii")
    message = unicodedata.normalize("NFC", student_id).encode("utf-8")
    return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big") >> 11


def test_numbers_are_pinned():
    # A change here changes every lottery ever drawn: never expected.
    assert lottery_numbers(["S000001", "S000002", "Åsa-01"], 3).tolist() == [
        documented(3, "S000001"), documented(3, "S000002"), documented(3, "Åsa-01")]
    assert lottery_numbers(["S000001"], 0).tolist() == [2806669694010900.0]
    assert derived_seed(1, "draw 0") == documented(1, "draw 0")


def test_the_id_is_normalised_to_nfc():
    composed, decomposed = "\u00c5sa", "A\u030asa"
    assert lottery_numbers([composed], 7)[0] == lottery_numbers([decomposed], 7)[0]


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(ids=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=30, unique=True),
       seed=st.integers(0, 2**40), data=st.data())
def test_other_students_change_nobodys_number(ids, seed, data):
    numbers = dict(zip(ids, lottery_numbers(ids, seed)))
    others = data.draw(st.permutations(ids)).copy()
    others = others[: data.draw(st.integers(0, len(others)))] + ["late-" + s for s in ids[:3]]
    again = dict(zip(others, lottery_numbers(others, seed)))
    assert all(again[s] == numbers[s] for s in others if s in numbers)
    assert all(again[s] == documented(seed, s) for s in others)
    assert all(0 <= v < 2**53 for v in again.values())


def test_places_higher_number_first_then_the_smaller_id():
    places = lottery_places(np.array([5.0, 5.0, 1.0, 9.0]), ["b", "a", "c", "d"])
    assert places.tolist() == [2.0, 3.0, 1.0, 4.0]
    assert draw_lottery([], 1).tolist() == []


def test_places_are_a_permutation_in_the_order_of_the_numbers():
    ids = [f"S{i:05d}" for i in range(200)]
    places = draw_lottery(ids, 11)
    assert sorted(places.tolist()) == list(range(1, 201))
    numbers = [documented(11, s) for s in ids]
    assert np.argsort(-places).tolist() == sorted(range(200), key=lambda i: -numbers[i])


def test_bad_seed_is_refused():
    with pytest.raises(InvalidArgument) as error:
        lottery_numbers(["S1"], -1)
    assert str(error.value) == "seed == -1, must be an integer >= 0"


def test_match_publishes_each_students_documented_number():
    from pathlib import Path

    from admissions.round import prepare_round
    from admissions.reports.placements import placements_table

    sample = Path(__file__).resolve().parents[2] / "data" / "samples" / "skane-2000"
    r = prepare_round(sample, seed=5)
    table = placements_table(r)
    assert r.lottery_source == "seed"
    assert table["lottery"].tolist() == [float(documented(5, s)) for s in table["student_id"]]
