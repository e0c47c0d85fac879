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

from admissions.matching.core import MatchResult, PreparedMarket, deferred_acceptance, prepare
from admissions.matching.priority import TIE_BREAK_KEYS, build_priority, draw_lottery
from admissions.matching.reference import reference_deferred_acceptance

__all__ = [
    "MatchResult",
    "TIE_BREAK_KEYS",
    "build_priority",
    "draw_lottery",
    "PreparedMarket",
    "deferred_acceptance",
    "prepare",
    "reference_deferred_acceptance",
]
