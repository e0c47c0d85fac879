"""The lottery: one number per student from the seed and the id, recomputable with the standard library."""

import hashlib
import hmac
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from admissions.errors import InvalidArgument
from admissions.matching import draw_lottery, draw_numbers, id_ranks, lottery_numbers, lottery_places, lottery_words


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
    assert lottery_words(["draw 0"], 1)[0] >> np.uint64(11) == documented(1, "draw 0")


M = 2**64 - 1


def documented_word(seed: int, text: str) -> int:
    key = str(seed).encode("ascii")
    message = unicodedata.normalize("NFC", text).encode("utf-8")
    return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")


def documented_draw(seed: int, draw: int, student_id: str) -> int:
    """Draw d's number of a student, as the recipe of README.md and docs/season.md writes it."""
    z = documented_word(seed, student_id) ^ documented_word(seed, f"draw {draw}")
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return (z ^ (z >> 31)) >> 11


def test_draw_numbers_are_pinned_and_follow_the_recipe():
    ids = ["S000001", "S000002", "\u00c5sa-01", "A\u030asa-01"]
    words = lottery_words(ids, 3)
    assert words.dtype == np.uint64
    assert [int(w) >> 11 for w in words] == [documented(3, s) for s in ids]
    for d in (0, 1, 999):
        assert draw_numbers(words, 3, d).tolist() == [float(documented_draw(3, d, s)) for s in ids]
    # A change here changes every published lottery draw: never expected.
    assert draw_numbers(words[:1], 3, 7).tolist() == [3945217373340991.0]


def test_draws_are_independent_of_each_other_and_of_the_lottery():
    ids = [f"S{i:05d}" for i in range(20000)]
    words = lottery_words(ids, 1)
    first, second = draw_numbers(words, 1, 0), draw_numbers(words, 1, 1)
    # Rank correlations of independent orders of 20,000 are within +-0.02 (4 standard errors).
    for a, b in ((first, second), (first, words.astype(np.float64))):
        ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
        assert abs(np.corrcoef(ra, rb)[0, 1]) < 0.02
    assert len(np.unique(first)) == len(ids) and 0 <= first.min() and first.max() < 2**53


def test_a_bad_draw_is_refused():
    with pytest.raises(InvalidArgument) as error:
        draw_numbers(lottery_words(["S1"], 0), 0, -1)
    assert str(error.value) == "draw == -1, must be an integer >= 0"


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
    assert id_ranks(["b", "a", "c", "d"]).tolist() == [1, 0, 2, 3]
    given = lottery_places(np.array([5.0, 5.0, 1.0, 9.0]), ["b", "a", "c", "d"], id_ranks(["b", "a", "c", "d"]))
    assert given.tolist() == places.tolist()
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
    assert str(error.value) == "seed == -1, must be a whole number >= 0 and < 2**63"


def test_match_publishes_each_students_documented_number():
    from pathlib import Path

    from admissions.round import prepare_round
    from admissions.reports.placements import placements_table

    sample = Path(__file__).resolve().parents[2] / "data" / "samples" / "skane-2000"
    r = prepare_round(sample, seed=5)
    table = placements_table(r)
    assert r.lottery_source == "seed"
    assert table["lottery"].tolist() == [float(documented(5, s)) for s in table["student_id"]]
