"""The lottery: one number per student, a pure function of the seed and the student's id.

A student's lottery number is the first 64 bits of HMAC-SHA256, keyed by the seed written in
decimal ASCII, over the student's id normalised to Unicode NFC and encoded as UTF-8, read as a
big-endian unsigned integer and shifted right by 11 bits: an integer 0 <= number < 2**53, so
that it is exact as a float64, in CSV, in SQLite and in a students.csv ``lottery`` column. A
higher number wins; two equal numbers (about once in 10**7 seasons of 20,000 students) are
decided by the id: the smaller NFC id (Unicode code point order) wins.

Adding, removing or reordering other students changes nobody's number, and no version of numpy
or anything else matters. Anyone holding the seed recomputes a number with the standard library::

    import hashlib, hmac, unicodedata
    def lottery_number(seed: int, student_id: str) -> int:
        key = str(seed).encode("ascii")
        message = unicodedata.normalize("NFC", student_id).encode("utf-8")
        return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big") >> 11

The draws of ``admissions lottery`` (:func:`draw_numbers`) compute each student's HMAC once per
run, not once per draw: draw d's number of a student is the SplitMix64 finaliser (Steele, Lea
and Flood 2014) of the student's 64-bit HMAC word XOR the word of the label ``"draw d"`` under
the same seed, shifted right by 11 bits::

    M = 2**64 - 1
    def word(seed: int, text: str) -> int:  # the lottery number before the shift
        key = str(seed).encode("ascii")
        message = unicodedata.normalize("NFC", text).encode("utf-8")
        return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")
    def draw_number(seed: int, draw: int, student_id: str) -> int:
        z = word(seed, student_id) ^ word(seed, f"draw {draw}")
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        return (z ^ (z >> 31)) >> 11

For a fixed draw the finaliser is a bijection of 64-bit words, so two students share a draw's
number only as rarely as they share a lottery number; the students' words are uniform and the
finaliser mixes every bit into every other, so each draw orders the students independently of
the others.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence

import numpy as np

from admissions.arguments import check_seed
from admissions.errors import InvalidArgument

#: Bits of the lottery number: float64 holds every integer below 2**53 exactly.
LOTTERY_BITS = 53
_SHIFT = np.uint64(64 - LOTTERY_BITS)
_BLOCK = 64  # SHA-256 block size, for HMAC's inner and outer pads
#: The SplitMix64 finaliser's shifts and multipliers (admissions lottery's draws).
_MIX = ((np.uint64(30), np.uint64(0xBF58476D1CE4E5B9)), (np.uint64(27), np.uint64(0x94D049BB133111EB)))
_MIX_LAST = np.uint64(31)


def lottery_words(student_ids: Sequence[str], seed: int) -> np.ndarray:
    """The first 64 bits of HMAC-SHA256 under ``seed`` of each NFC id: the lottery numbers before the shift.

    Parameters
    ----------
    student_ids : (n,) sequence of str
    seed : int, >= 0

    Returns
    -------
    (n,) uint64
    """
    key = str(check_seed(seed)).encode("ascii").ljust(_BLOCK, b"\0")  # a decimal key is never longer than a block
    # HMAC written out with the two pad states hashed once: the same digest as hmac.new(key, m, sha256).
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    texts = [str(student) for student in student_ids]
    # An ASCII text is its own NFC form: normalising only when some id is not ASCII saves ~0.3 s a million.
    if not "".join(texts).isascii():
        texts = [unicodedata.normalize("NFC", text) for text in texts]
    inner_copy, outer_copy = inner.copy, outer.copy
    words = bytearray()
    for text in texts:
        h = inner_copy()
        h.update(text.encode("utf-8"))
        o = outer_copy()
        o.update(h.digest())
        words += o.digest()[:8]
    return np.frombuffer(bytes(words), dtype=">u8").astype(np.uint64)


def lottery_numbers(student_ids: Sequence[str], seed: int) -> np.ndarray:
    """The lottery number of each student under ``seed`` (see the module docstring).

    Parameters
    ----------
    student_ids : (n,) sequence of str
    seed : int, >= 0

    Returns
    -------
    (n,) float64
        Integers in [0, 2**53), higher wins.
    """
    return (lottery_words(student_ids, seed) >> _SHIFT).astype(np.float64)


def draw_numbers(words: np.ndarray, seed: int, draw: int) -> np.ndarray:
    """The lottery numbers of draw ``draw`` of ``admissions lottery`` (see the module docstring).

    Parameters
    ----------
    words : (n,) uint64
        :func:`lottery_words` of the students under ``seed``, computed once per run.
    seed : int, >= 0
    draw : int, >= 0

    Returns
    -------
    (n,) float64
        Integers in [0, 2**53), higher wins.
    """
    if isinstance(draw, bool) or not isinstance(draw, (int, np.integer)) or draw < 0:
        raise InvalidArgument(f"draw == {draw!r}, must be an integer >= 0")
    z = np.asarray(words, dtype=np.uint64) ^ lottery_words([f"draw {int(draw)}"], seed)[0]
    for shift, multiplier in _MIX:
        z = (z ^ (z >> shift)) * multiplier  # uint64 arithmetic wraps modulo 2**64
    return ((z ^ (z >> _MIX_LAST)) >> _SHIFT).astype(np.float64)


def id_ranks(student_ids: Sequence[str]) -> np.ndarray:
    """(n,) int64 each student's place among the NFC ids in Unicode code point order, 0 first."""
    ids = np.array([unicodedata.normalize("NFC", str(s)) for s in student_ids], dtype=str)
    ranks = np.empty(len(ids), dtype=np.int64)
    ranks[np.argsort(ids, kind="stable")] = np.arange(len(ids), dtype=np.int64)
    return ranks


def lottery_places(numbers: np.ndarray, student_ids: Sequence[str], id_rank: np.ndarray | None = None) -> np.ndarray:
    """Each student's place in the lottery as a unique number: n for the winner, 1 for the last.

    Higher number first; equal numbers by the NFC id, the smaller first. This is what the
    priority compares, so that a tie between numbers is decided by the documented rule.

    Parameters
    ----------
    numbers : (n,) real array, finite
    student_ids : (n,) sequence of str
    id_rank : (n,) int64, optional
        :func:`id_ranks` of ``student_ids``, when the caller orders the same students many times.

    Returns
    -------
    (n,) float64
        A permutation of 1 .. n.
    """
    numbers = np.asarray(numbers, dtype=np.float64)
    n = len(numbers)
    if len(student_ids) != n:
        raise InvalidArgument(f"len(student_ids) == {len(student_ids)}, must equal len(numbers) == {n}")
    # Descending number, then ascending id -> best first. The ids are put in order only when two
    # numbers are equal (or both NaN): about once in 10**7 seasons, and ordering a million ids costs ~1 s.
    order = np.argsort(-numbers, kind="stable")
    ordered = numbers[order]
    if id_rank is not None or (n > 1 and ((ordered[1:] == ordered[:-1]) | (np.isnan(ordered[1:]) & np.isnan(ordered[:-1]))).any()):
        ids = id_ranks(student_ids) if id_rank is None else id_rank
        order = np.lexsort((ids, -numbers))  # lexsort: last key first
    places = np.empty(n, dtype=np.float64)
    places[order] = np.arange(n, 0, -1, dtype=np.float64)
    return places


def draw_lottery(student_ids: Sequence[str], seed: int) -> np.ndarray:
    """(n,) float64 places (a permutation of 1 .. n, higher wins) of the lottery of ``seed``."""
    return lottery_places(lottery_numbers(student_ids, seed), student_ids)
