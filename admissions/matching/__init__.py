"""The matching core: numpy arrays in, arrays out (no pandas, no I/O).

- :func:`deferred_acceptance`: the student-optimal stable matching, vectorised; :func:`prepare`
  and :class:`PreparedMarket` re-match the same applications with other seats.
- :func:`reference_deferred_acceptance`: the textbook pure-Python version, the tests' oracle.
- :func:`build_priority` and :func:`draw_lottery`: the priority matrix from tier, score and a
  tie-break chain.
- :func:`check_matching`: capacity, blocking pairs and student-optimality of any result.
- :func:`reserve_positions`: each reserve's place in line at the choices they rank above their
  placement.
"""

from admissions.matching.checker import MatchingCheck, check_matching
from admissions.matching.core import MatchResult, PreparedMarket, deferred_acceptance, prepare
from admissions.matching.priority import TIE_BREAK_KEYS, build_priority, draw_lottery
from admissions.matching.reference import reference_deferred_acceptance
from admissions.matching.reserve import reserve_positions

__all__ = [
    "MatchResult",
    "MatchingCheck",
    "check_matching",
    "reserve_positions",
    "TIE_BREAK_KEYS",
    "build_priority",
    "draw_lottery",
    "PreparedMarket",
    "deferred_acceptance",
    "prepare",
    "reference_deferred_acceptance",
]
