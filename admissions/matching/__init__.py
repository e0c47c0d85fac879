"""The matching core: numpy arrays in, arrays out (no pandas, no I/O).

- :func:`deferred_acceptance`: the student-optimal stable matching, vectorised; :func:`prepare`
  and :class:`PreparedMarket` re-match the same applications with other seats.
- :func:`reference_deferred_acceptance`: the textbook pure-Python version, the tests' oracle.
- :func:`build_priority`: the priority matrix from tier, score and a tie-break chain.
- :func:`lottery_numbers`, :func:`lottery_places`, :func:`draw_lottery`: the lottery, one number per
  student from the seed and the student's id (HMAC-SHA256, see :mod:`admissions.matching.lottery`);
  :func:`draw_numbers`: the numbers of one draw of ``admissions lottery`` from the students'
  :func:`lottery_words`, computed once per run.
- :func:`check_matching`: capacity, blocking pairs and student-optimality of any result.
- :func:`reserve_positions`: each reserve's place in line at the choices they rank above their
  placement.
"""

from admissions.matching.checker import MatchingCheck, check_matching
from admissions.matching.core import MatchResult, PreparedMarket, deferred_acceptance, prepare
from admissions.matching.lottery import (
    draw_lottery,
    draw_numbers,
    id_ranks,
    lottery_numbers,
    lottery_places,
    lottery_words,
)
from admissions.matching.priority import (
    TIE_BREAK,
    TIE_BREAK_KEYS,
    TieBreakSources,
    build_priority,
    tie_break_arrays,
    tie_break_order_keys,
)
from admissions.matching.reference import reference_deferred_acceptance
from admissions.matching.reserve import reserve_positions

__all__ = [
    "MatchResult",
    "MatchingCheck",
    "check_matching",
    "reserve_positions",
    "TIE_BREAK",
    "TIE_BREAK_KEYS",
    "TieBreakSources",
    "tie_break_arrays",
    "tie_break_order_keys",
    "build_priority",
    "draw_lottery",
    "draw_numbers",
    "id_ranks",
    "lottery_numbers",
    "lottery_places",
    "lottery_words",
    "PreparedMarket",
    "deferred_acceptance",
    "prepare",
    "reference_deferred_acceptance",
]
