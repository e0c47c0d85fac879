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

A derived seed (draw d of ``admissions lottery``) is the same function over a label:
``lottery_number(seed, f"draw {d}")``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence

import numpy as np

from admissions.errors import InvalidArgument

#: Bits of the lottery number: float64 holds every integer below 2**53 exactly.
LOTTERY_BITS = 53
_BLOCK = 64  # SHA-256 block size, for HMAC's inner and outer pads


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidArgument(f"seed == {seed!r}, must be an integer >= 0")
    return int(seed)


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
    key = str(_check_seed(seed)).encode("ascii").ljust(_BLOCK, b"\0")  # a decimal key is never longer than a block
    # HMAC written out with the two pad states hashed once: the same digest as hmac.new(key, m, sha256).
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    shift = 64 - LOTTERY_BITS
    numbers = np.empty(len(student_ids), dtype=np.float64)
    for i, student in enumerate(student_ids):
        h = inner.copy()
        h.update(unicodedata.normalize("NFC", str(student)).encode("utf-8"))
        o = outer.copy()
        o.update(h.digest())
        numbers[i] = int.from_bytes(o.digest()[:8], "big") >> shift
    return numbers


def derived_seed(seed: int, label: str) -> int:
    """A seed derived from ``seed`` and a label (``"draw 7"``): the lottery number of the label."""
    return int(lottery_numbers([label], seed)[0])


def lottery_places(numbers: np.ndarray, student_ids: Sequence[str]) -> np.ndarray:
    """Each student's place in the lottery as a unique number: n for the winner, 1 for the last.

    Higher number first; equal numbers by the NFC id, the smaller first. This is what the
    priority compares, so that a tie between numbers is decided by the documented rule.

    Parameters
    ----------
    numbers : (n,) real array, finite
    student_ids : (n,) sequence of str

    Returns
    -------
    (n,) float64
        A permutation of 1 .. n.
    """
    numbers = np.asarray(numbers, dtype=np.float64)
    n = len(numbers)
    if len(student_ids) != n:
        raise InvalidArgument(f"len(student_ids) == {len(student_ids)}, must equal len(numbers) == {n}")
    ids = np.array([unicodedata.normalize("NFC", str(s)) for s in student_ids], dtype=str)
    # lexsort: last key first; descending number, then ascending id -> best first.
    order = np.lexsort((ids, -numbers))
    places = np.empty(n, dtype=np.float64)
    places[order] = np.arange(n, 0, -1, dtype=np.float64)
    return places


def draw_lottery(student_ids: Sequence[str], seed: int) -> np.ndarray:
    """(n,) float64 places (a permutation of 1 .. n, higher wins) of the lottery of ``seed``."""
    return lottery_places(lottery_numbers(student_ids, seed), student_ids)
