"""The vectorised matching core: student-proposing deferred acceptance on arrays.

The design, in the cut-off view of stable matchings (Azevedo and Leshno 2016): every application
gets, once, a *key*: its position in one flat array where each programme's applications lie
together, best first (``offset[p] + rank within p``). A programme's cut-off is then a key
threshold ``thr[p]``: an application clears it when ``key < thr[p]``. A flag per key says whether
that application is held, so finding a programme's ``seats``-th best holder is a running count of
flags, never a sort. When priorities come in rank form (what the priority builder returns) the keys
follow in O(applications) without sorting at all.

Rounds (simultaneous proposals, as in Gale and Shapley's own description):

1. Every active student proposes to their next choice whose current cut-off they clear (cut-offs
   only rise, so a choice skipped once would be rejected later anyway).
2. Each programme that now holds more than its seats counts its held flags down from its
   threshold until it has passed its ``excess`` worst holders, which it rejects, and the next
   holder, just past whom the threshold drops. The count starts with a window sized from the
   density of holders and widens only where it was too short; a round that would touch most
   keys (the first) counts over all keys at once and binary-searches the running count.
3. Rejected students are the active students of the next round; the loop ends when nobody is
   rejected.

Only programmes that overflow are touched in a round and only the top of their key range is
scanned, so late rounds (a few rejection chains) cost little, and no holder is ever re-sorted.
The result is the student-optimal stable matching: deferred acceptance does not depend on the
order of proposals (McVitie and Wilson 1971), and skipping a choice whose cut-off the student
cannot clear is the same as proposing and being rejected at once.

The ranks (the keys) depend on ``choices`` and ``priority`` only, so :func:`prepare` computes them
once and :meth:`PreparedMarket.match` re-runs the rounds for any ``seats`` (what-ifs, reserve
rounds, lottery draws). Programmes that choose by a rule of their own (offers with quotas) take
part through :class:`ChoiceRules`: every proposal there goes to the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from admissions.errors import InvalidArgument
from admissions.matching._validate import check_choice_range, check_choices, check_priority, check_seats

#: Matrices of indices are int32 below this size (and programme count).
_INT32_LIMIT = 2**31 - 1
#: Rows per block where a whole-matrix temporary would be needed (small: a temporary alive at the
#: call's peak is memory paged in afresh at every call).
_BLOCK_ROWS = 1 << 12
#: First scan window of an over-full programme: this many times the expected span, plus the slack.
_WINDOW_MARGIN = 2
_WINDOW_SLACK = 32
#: A round whose windows would cover more than 1/this of all keys counts over all keys at once.
_DENSE_SCAN_FRACTION = 3
#: numpy's stable sort is a radix sort for 16-bit integers: programme ids are sorted that way when they fit.
_RADIX_MAX_PROGRAMMES = 1 << 16


@dataclass(frozen=True)
class MatchResult:
    """The outcome of a matching.

    Attributes
    ----------
    assignment : (n_students,) int64
        Programme index each student is placed at, -1 when unplaced.
    choice_index : (n_students,) int64
        Column of ``choices`` holding the choice each student got, -1 when unplaced.
    admitted : (n_programmes,) int64
        Students admitted per programme.
    cutoff : (n_programmes,) float64
        Lowest admitted priority per programme (antagningspoäng in priority units), NaN when nobody
        was admitted.
    """

    assignment: np.ndarray
    choice_index: np.ndarray
    admitted: np.ndarray
    cutoff: np.ndarray


@dataclass(frozen=True, eq=False)
class PreparedMarket:
    """The seat-independent part of a matching: every application's key (rank within its programme).

    Build it with :func:`prepare`; :meth:`match` runs deferred acceptance for any ``seats``. Reusing
    one PreparedMarket for many ``seats`` (what-ifs, reserve rounds, lottery draws) saves the
    validation and the ranking, about half of a single run's cost.

    ``A`` is the number of applications (entries of ``choices`` that are not padding).
    """

    n_students: int
    n_columns: int  # k
    n_programmes_min: int  # 1 + the largest programme index chosen
    programme: np.ndarray  # (n_students, k + 1) copy of choices, -1 at padding (always in the last column)
    key: np.ndarray  # (n_students, k + 1) offset[p] + rank within p (0 = best); A at padding
    # (n, k) the priorities, for the cut-offs (the priority of a programme's last holder); None in rank
    # form (there it is end[p] - 1 - key). A read-only float64 copy, or within deferred_acceptance the
    # caller's validated array itself (the market lives no longer than the call).
    priority: np.ndarray | None
    n_apps: int  # A
    offset: np.ndarray  # (n_programmes_min + 1,) int64 first key of each programme

    def match(self, seats: object, choice_rules: ChoiceRules | None = None) -> MatchResult:
        """Student-proposing deferred acceptance with these seats.

        Parameters
        ----------
        seats : (n_programmes,) int array
            Seats per programme, >= 0; ``n_programmes`` must exceed every chosen programme index.
        choice_rules : ChoiceRules, optional
            The programmes whose choice is not "the best ``seats`` by priority" and the rule that
            chooses there (the quota game of admissions.rules.quota_game); None: none.

        Returns
        -------
        MatchResult
        """
        seats = check_seats(seats)
        if len(seats) < self.n_programmes_min:
            raise InvalidArgument(
                f"len(seats) == {len(seats)}, must be > {self.n_programmes_min - 1} (the largest programme chosen)"
            )
        return _match(self, seats.astype(np.int64), choice_rules)


class ChoiceRound(Protocol):
    """One matching's state at the programmes a :class:`ChoiceRules` governs."""

    def choose(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Take this round's proposals and choose again where they arrived.

        ``at`` are the flattened (n, k + 1) positions of the proposals (each at the first entry of
        the student's application there). Returns the positions now held by every student whose
        held entry is new or changed, and, for every student turned away, the position from
        which they go on down their list (their last entry there: they continue just after it).
        """

    def holders(self) -> np.ndarray:
        """The positions held at the governed programmes when the matching ends."""


class ChoiceRules(Protocol):
    """Programmes that choose by their own (substitutable) rule instead of by priority alone.

    The core never skips or rejects at a governed programme by its cut-off: every proposal there
    goes to :meth:`ChoiceRound.choose`. Deferred acceptance in which each programme keeps its
    choice from (held + new) gives the student-optimal stable matching when every choice rule is
    substitutable and satisfies the law of aggregate demand (Hatfield and Milgrom 2005), whatever
    the order of the proposals.
    """

    governed: np.ndarray  # (n_programmes,) bool

    def start(self, market: PreparedMarket, seats: np.ndarray) -> ChoiceRound:
        """The state of a new matching of ``market`` with ``seats`` (n_programmes,)."""


def prepare(choices: object, priority: object) -> PreparedMarket:
    """Validate choices and priority and rank every application within its programme.

    Parameters
    ----------
    choices : (n_students, k) int array
        Programme index per choice, in the student's order, padded with -1 at the end of the row.
    priority : (n_students, k) real array
        The student's priority at each choice, higher is better, unique within each programme.
        Ignored at padding.

    Returns
    -------
    PreparedMarket

    Notes
    -----
    When ``priority`` already is the rank form that :func:`admissions.matching.build_priority`
    returns (at each programme, the integers 0 .. m-1 for its m applications) the keys follow in
    O(A); otherwise one sort of packed integers ranks them (:func:`_keys_by_sorting`).
    """
    choices = check_choices(choices)
    # Finite at every choice: tested where the priorities are read (_keys_from_ranks, _keys_by_sorting).
    return _prepare(choices, check_priority(priority, choices, finite=False), keep=True)


def _prepare(choices: np.ndarray, priority: np.ndarray, keep: bool) -> PreparedMarket:
    """:func:`prepare` on validated arrays; ``keep``: the market keeps a copy of ``priority`` (else the array)."""
    n_students, k = choices.shape
    top = int(choices.max()) if choices.size else -1
    n_programmes_min = top + 1
    # int32 halves the memory the market keeps and the bytes every round gathers.
    small = max(choices.size, n_programmes_min) < _INT32_LIMIT
    index = np.int32 if small else np.int64
    # A copy (the market must not change with the caller's array) with one more padding column,
    # so that every row ends in padding and scans along a row need no bounds check.
    programme = np.empty((n_students, k + 1), dtype=index)
    programme[:, :k] = choices
    programme[:, k] = -1

    ranked = None
    if _may_be_rank_form(programme[:_PROBE_ROWS, :k], priority[:_PROBE_ROWS]):
        # Padding (-1) lands in slot 0, programme p in slot p + 1; a block of rows at a time.
        counts = np.zeros(n_programmes_min + 1, dtype=np.int64)
        for first in range(0, n_students, _BLOCK_ROWS):
            counts += np.bincount(programme[first : first + _BLOCK_ROWS, :k].ravel() + 1, minlength=len(counts))
        n_apps = int(counts[1:].sum())
        offset = np.zeros(n_programmes_min + 1, dtype=np.int64)
        np.cumsum(counts[1:], out=offset[1:])
        key = np.full(programme.shape, n_apps, dtype=index)  # padding: key n_apps, one past the last
        ranked = _keys_from_ranks(programme[:, :k], priority, offset, n_apps, key[:, :k])
    kept = None
    if not ranked:
        key, offset = _keys_by_sorting(programme, priority, n_programmes_min)
        n_apps = int(offset[-1])
        kept = np.array(priority, dtype=np.float64) if keep else priority
    # Read-only: one market serves many matchings, none of which may change it.
    for array in (programme, key, kept if keep else None, offset):
        if array is not None:
            array.flags.writeable = False
    return PreparedMarket(
        n_students=n_students,
        n_columns=k,
        n_programmes_min=n_programmes_min,
        programme=programme,
        key=key,
        priority=kept,
        n_apps=n_apps,
        offset=offset,
    )


def deferred_acceptance(choices: object, priority: object, seats: object) -> MatchResult:
    """The student-optimal stable matching (student-proposing deferred acceptance), vectorised.

    Parameters
    ----------
    choices : (n_students, k) int array
        Programme index per choice, in the student's order, padded with -1 at the end of the row;
        no programme twice in a row.
    priority : (n_students, k) real array
        The student's priority at each choice, higher is better, unique within each programme
        (:func:`admissions.matching.build_priority` guarantees it). Ignored at padding.
    seats : (n_programmes,) int array
        Seats per programme, >= 0.

    Returns
    -------
    MatchResult
        ``assignment`` and ``choice_index`` per student, ``admitted`` and ``cutoff`` per programme.

    Raises
    ------
    InvalidArgument
        When an input breaks its rule; the inputs are never modified.

    Notes
    -----
    Equivalent to ``prepare(choices, priority).match(seats)``; keep the :class:`PreparedMarket`
    to re-match the same applications with other seats. The algorithm is described in the module
    docstring of ``admissions.matching.core``.
    """
    seats = check_seats(seats)
    choices = check_choices(choices)
    check_choice_range(choices, len(seats))
    # Finite at every choice: tested where the priorities are read (_keys_from_ranks, _keys_by_sorting).
    priority = check_priority(priority, choices, finite=False)
    return _match(_prepare(choices, priority, keep=False), seats.astype(np.int64))


def _keys_from_ranks(
    programme: np.ndarray, priority: np.ndarray, offset: np.ndarray, n_apps: int, out: np.ndarray
) -> bool:
    """Write the (n, k) keys into ``out`` when every programme's priorities are exactly 0 .. m-1.

    That is the rank form :func:`admissions.matching.build_priority` returns; the key is then
    ``end[p] - 1 - priority``. Only whole numbers >= 0 are taken; that the keys form a permutation
    of 0 .. A-1 then also proves each rank below its programme's size (keys can only fall below
    their own programme's range, the last range can only be filled by its own applications, and so
    on downwards) and no two equal within a programme. Returns False (``out`` then holds garbage)
    when ``priority`` is not in rank form, as when a priority at a choice is NaN or infinite (the
    sorting path then names it). Works in blocks of rows to bound the temporaries.
    """
    # int64 inside a block (numpy converts narrower index arrays before every gather or scatter);
    # the result is narrowed once, when written to ``out``.
    end = np.empty(len(offset), dtype=np.int64)
    end[:-1] = offset[1:] - 1
    end[-1] = n_apps  # what padding (programme -1) indexes
    seen = np.zeros(n_apps + 1, dtype=bool)
    for first in range(0, len(programme), _BLOCK_ROWS):
        rows = slice(first, first + _BLOCK_ROWS)
        block_programme = programme[rows]
        rank = np.where(block_programme >= 0, priority[rows], 0.0)
        if rank.size == 0:
            continue
        if not (rank.min() >= 0 and rank.max() < max(n_apps, 1)):
            return False
        whole = rank.astype(np.int64)  # in range: exact
        if not np.array_equal(whole, rank):
            return False
        block = end[block_programme]
        block -= whole
        if block.min() < 0:
            return False
        seen[block] = True
        out[rows] = block
    return bool(seen.all())


def _may_be_rank_form(programme: np.ndarray, priority: np.ndarray) -> bool:
    """Whether the first rows' priorities (at their choices) are whole numbers >= 0, as ranks are.

    A cheap test on a few rows before :func:`_keys_from_ranks` checks them all: real-valued
    priorities go straight to sorting.
    """
    rank = priority[programme >= 0]
    return bool((rank >= 0).all() and (np.floor(rank) == rank).all())


def _keys_by_sorting(programme: np.ndarray, priority: np.ndarray, n_programmes: int) -> tuple[np.ndarray, np.ndarray]:
    """The (n, k + 1) keys of ``programme``'s applications by sorting ``priority`` (n, k) within each programme.

    Returns the keys (A at padding) and the offsets (n_programmes + 1,). Raises on a tie within a
    programme, or on a priority at a choice that is not a finite number.

    One sort of plain integers (numpy sorts them several times faster than it argsorts floats)
    ranks all applications: each is packed into a uint64 of its programme (top bits), its
    priority's level (:func:`_levels`: as many bits as are left, in descending order of
    priority) and its index (low bits). Priorities of a programme that share a level are put in
    exact order by a lexsort of those runs alone; where there are many, :func:`_sort_twice` ranks.
    Temporaries are freed or reused as soon as they are spent: every megabyte the call holds at
    its peak is a fresh megabyte of pages to fault in at the next call, once glibc has trimmed the
    heap (about 3 microseconds a page here, the cost of a numpy pass over some 20,000 values).
    """
    listed = np.flatnonzero(programme.ravel() >= 0)  # positions in the (n, k + 1) matrices, row by row
    n_apps = len(listed)
    value = _application_priority(priority, listed, programme.shape[1])
    extremes = _extremes(value)
    if not np.isfinite(extremes).all():  # NaN anywhere makes both NaN
        check_priority(priority, programme[:, :-1])  # names the first priority at a choice that is not finite
    index_bits = max(1, (n_apps - 1).bit_length())
    programme_bits = max(1, (n_programmes - 1).bit_length())
    priority_bits = _PACKED_BITS - index_bits - programme_bits
    ranked = None
    if priority_bits >= _ONE_SORT_MIN_BITS:
        ranked = _rank_in_one_sort(programme, priority, listed, value, extremes, n_programmes, priority_bits,
                                   index_bits)
    del value
    if ranked is None:
        app_programme, app_priority = _applications(programme, priority, listed)
        ranked = _sort_twice(app_programme, app_priority, n_programmes, index_bits)
        if ranked is None:
            # A tie within a programme, or many priorities equal in their levels in the two sorts.
            ranked = _sort_exactly(programme[:, :-1], priority, app_programme, app_priority, n_programmes)
        del app_programme, app_priority
    order, offset = ranked
    del ranked
    key_of = np.empty(n_apps, dtype=programme.dtype)
    for first in range(0, n_apps, _BLOCK):
        key_of[order[first : first + _BLOCK]] = np.arange(first, min(first + _BLOCK, n_apps), dtype=programme.dtype)
    del order
    key = np.full(programme.shape, n_apps, dtype=programme.dtype)  # padding: key n_apps, one past the last
    key.ravel()[listed] = key_of
    return key, offset


#: Fewer bits than this for the priority's level in the one sort, and runs of equal levels are the
#: rule: rank by two sorts straight away.
_ONE_SORT_MIN_BITS = 16
#: Rows whose priorities are tested for the rank form before the whole matrix is.
_PROBE_ROWS = 64
#: Applications per block where a temporary as long as all of them would only be needed briefly.
_BLOCK = 1 << 16
#: Bits of the one sort's packed integers: below 2**62 they sort as positive finite float64 do.
_PACKED_BITS = 62


def _applications(programme: np.ndarray, priority: np.ndarray, listed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The programme and the priority (a float64 array of its own) of each application, row by row (A,)."""
    return programme.ravel()[listed], _application_priority(priority, listed, programme.shape[1])


def _extremes(value: np.ndarray) -> tuple[float, float]:
    """The smallest and the largest of ``value`` (0, 0 when empty; NaN, NaN when any is NaN)."""
    return (value.min(), value.max()) if len(value) else (0.0, 0.0)


def _application_priority(priority: np.ndarray, listed: np.ndarray, width: int) -> np.ndarray:
    """(A,) float64 the priority at each of the ``listed`` positions of the (n, width) matrices.

    The same entries of the (n, width - 1) priority lie one position before per row above; the
    positions are worked out a block at a time (no temporary as long as ``listed``).
    """
    flat = np.ravel(priority)
    value = np.empty(len(listed), dtype=np.float64)
    for first in range(0, len(listed), _BLOCK):
        at = listed[first : first + _BLOCK]
        value[first : first + _BLOCK] = flat[at - at // width]
    return value


def _rank_in_one_sort(programme: np.ndarray, priority: np.ndarray, listed: np.ndarray, value: np.ndarray,
                      extremes: tuple[float, float], n_programmes: int, priority_bits: int,
                      index_bits: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The applications (indices into ``listed``) by programme, best priority first (A,), and the offsets; or None.

    ``value`` are the priorities at ``listed`` (overwritten), ``extremes`` their smallest and largest.

    None when more than one application in 64 shares its programme and level with the next (the
    lexsort of those runs would cost more than two sorts), or when two priorities of a programme
    are equal (a tie).
    """
    n_apps = len(listed)
    # The priorities' own buffer turned into their levels, then packed in place a block at a time.
    packed = _levels(value, priority_bits, *extremes)
    flat = programme.ravel()
    programme_shift, index_shift = np.uint64(priority_bits + index_bits), np.uint64(index_bits)
    for first in range(0, n_apps, _BLOCK):
        block = packed[first : first + _BLOCK]
        block <<= index_shift
        block |= flat[listed[first : first + _BLOCK]].astype(np.uint64) << programme_shift
        block |= np.arange(first, first + len(block), dtype=np.uint64)
    # Below 2**62 the bits of a uint64 are those of a positive finite float64 of the same order;
    # numpy sorts float64 about a fifth faster than uint64.
    packed.view(np.float64).sort()
    offset = np.empty(n_programmes + 1, dtype=np.int64)
    offset[:-1] = np.searchsorted(packed, np.arange(n_programmes, dtype=np.uint64) << programme_shift)
    offset[-1] = n_apps
    # Neighbours of equal programme and level: equal above the index bits.
    collide = [np.zeros(0, dtype=np.int64)]
    for first in range(0, n_apps - 1, _BLOCK):
        last = min(first + _BLOCK, n_apps - 1)
        same = (packed[first + 1 : last + 1] >> index_shift) == (packed[first:last] >> index_shift)
        collide.append(np.flatnonzero(same) + first)
    collide = np.concatenate(collide)
    if len(collide) > n_apps // 64:
        return None
    if len(collide):
        # The runs of equal programme and level (a programme's priorities within a level's width of
        # each other), to be put in order by the exact priority, best first.
        members = np.union1d(collide, collide + 1)
        high = packed[members] >> index_shift
        start = np.ones(len(members), dtype=bool)
        start[1:] = members[1:] != members[:-1] + 1
        start[1:] |= high[1:] != high[:-1]
    packed &= np.uint64((1 << index_bits) - 1)
    order = packed.view(np.int64)
    if len(collide) == 0:
        return order, offset
    run = np.cumsum(start)
    app_priority = _application_priority(priority, listed, programme.shape[1])
    at = order[members]
    at = at[np.lexsort((-app_priority[at], run))]
    if (~start[1:] & (app_priority[at[1:]] == app_priority[at[:-1]])).any():
        return None  # a tie: ranked again by _sort_exactly, which names it
    order[members] = at
    return order, offset


#: Levels of up to this many bits fit the 52 bits of a float64's fraction (:func:`_levels`).
_LEVEL_MAX_BITS = 52


def _levels(value: np.ndarray, bits: int, smallest: float, largest: float) -> np.ndarray:
    """``value`` (float64, overwritten; finite, from ``smallest`` to ``largest``) as uint64 levels below 2**bits
    that never increase as the value increases.

    Equal values get equal levels. Linear between the largest value (level 0) and the smallest
    (level 2**min(bits, 52) - 1 or just below), so that the bits resolve the values' own range:
    every rounding step of ``(largest - value) * scale + 2**52`` is monotone, and the low 52 bits
    of that float64 are its rounded level (in place, no temporary). Levels merge only values closer
    than the range / 2**bits. When the range is too wide or too narrow to scale (it overflows, or
    its scale does), the levels are the top bits of the values' order-preserving integers.
    """
    level_bits = min(bits, _LEVEL_MAX_BITS)
    if len(value) == 0:
        return value.view(np.uint64)
    with np.errstate(over="ignore", divide="ignore"):
        spread = largest - smallest
        # (2**bits - 1) shrunk by 2**-40: the rounding of the scale and the product (< 2**-51
        # relative) never takes (largest - smallest) * scale past 2**bits - 1 + 1/2, so that the
        # rounding to a whole number stays below 2**bits.
        scale = np.ldexp(1.0, level_bits) - 1.0
        scale = scale * (1.0 - 2.0**-40) / spread if spread > 0 else 0.0
    bits_of = value.view(np.uint64)
    if np.isfinite(spread) and np.isfinite(scale):
        np.subtract(largest, value, out=value)
        value *= scale
        value += 2.0**52  # in [2**52, 2**53): the float's fraction is the whole number nearest the level
        bits_of &= np.uint64((1 << 52) - 1)
        return bits_of
    # +0.0 for -0.0 (equal values, other bits), then the order-preserving map of -value (negative:
    # all bits flipped, else the sign bit set), as one XOR of value's bits: with all but the sign bit
    # when value's sign bit is 0, with nothing when 1.
    value += 0.0
    flip = bits_of >> np.uint64(63)
    flip -= np.uint64(1)
    flip >>= np.uint64(1)
    bits_of ^= flip
    bits_of >>= np.uint64(64 - bits)
    return bits_of


def _sort_twice(app_programme: np.ndarray, app_priority: np.ndarray, n_programmes: int,
                index_bits: int) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`_rank_in_one_sort` by two sorts: by level (with the index), then stably by programme; or None.

    None when the order is not strictly decreasing within a programme (two priorities equal in
    their levels came out in the wrong order, or a tie).
    """
    n_apps = len(app_programme)
    packed = _levels(app_priority.copy(), 64 - index_bits, *_extremes(app_priority))
    packed <<= np.uint64(index_bits)
    packed |= np.arange(n_apps, dtype=np.uint64)
    packed.sort()
    packed &= np.uint64((1 << index_bits) - 1)
    order = packed.view(np.int64)
    order = order[_by_programme(app_programme[order], n_programmes)]
    sorted_programme = app_programme[order]
    sorted_priority = app_priority[order]
    same = sorted_programme[1:] == sorted_programme[:-1]
    if (same & (sorted_priority[1:] >= sorted_priority[:-1])).any():
        return None
    return order, _offsets(sorted_programme, n_programmes)


def _offsets(sorted_programme: np.ndarray, n_programmes: int) -> np.ndarray:
    """(n_programmes + 1,) first position of each programme in ``sorted_programme``, then its length."""
    return np.searchsorted(sorted_programme, np.arange(n_programmes + 1)).astype(np.int64)


def _by_programme(app_programme: np.ndarray, n_programmes: int) -> np.ndarray:
    """The stable order of the applications by programme (a radix sort when the ids fit 16 bits)."""
    if n_programmes <= _RADIX_MAX_PROGRAMMES:
        app_programme = app_programme.astype(np.uint16)
    return np.argsort(app_programme, kind="stable")


def _sort_exactly(
    programme: np.ndarray, priority: np.ndarray, app_programme: np.ndarray, app_priority: np.ndarray, n_programmes: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_rank_in_one_sort` by a float argsort of the whole priorities (slower, never rounds); raises on a tie.

    ``programme`` and ``priority`` are the (n, k) matrices, ``app_programme`` and ``app_priority``
    their entries at the choices, row by row.
    """
    n_columns = programme.shape[1]
    # Ties across programmes may come out in any order here: the stable programme sort below
    # separates them, and within a programme priorities are unique.
    order = np.argsort(-app_priority)
    order = order[_by_programme(app_programme[order], n_programmes)]
    sorted_priority = app_priority[order]
    sorted_programme = app_programme[order]
    tie = (sorted_priority[1:] == sorted_priority[:-1]) & (sorted_programme[1:] == sorted_programme[:-1])
    if tie.any():
        at = int(np.flatnonzero(tie)[0])
        flat = np.flatnonzero(programme.ravel() >= 0)
        (s1, j1), (s2, j2) = sorted(divmod(int(flat[a]), n_columns) for a in order[at : at + 2])
        raise InvalidArgument(
            f"priority[{s2}, {j2}] == {app_priority[order[at]]} ties with priority[{s1}, {j1}] at programme "
            f"{int(sorted_programme[at])}, must be unique within each programme"
        )
    return order, _offsets(sorted_programme, n_programmes)


def _match(market: PreparedMarket, seats: np.ndarray, choice_rules: ChoiceRules | None = None) -> MatchResult:
    """Deferred acceptance rounds on a prepared market (seats validated, int64)."""
    n_students = market.n_students
    n_programmes = len(seats)
    n_apps = market.n_apps
    offset = np.empty(n_programmes + 1, dtype=np.int64)
    offset[: len(market.offset)] = market.offset
    offset[len(market.offset) :] = n_apps
    lo = offset[:-1]
    # Nobody clears the threshold of a programme without seats, so nobody ever proposes there;
    # the extra last threshold (-1) is what padding (programme -1) sees: never cleared.
    thr = np.empty(n_programmes + 1, dtype=np.int64)
    thr[:-1] = np.where(seats > 0, offset[1:], lo)
    thr[-1] = -1
    ruled = None
    if choice_rules is not None:
        # A governed programme is always proposed to (its rule, not a cut-off, decides) and never
        # counted here: its holders are the rule's.
        ruled = np.zeros(n_programmes + 1, dtype=bool)
        ruled[: len(choice_rules.governed)] = choice_rules.governed
        thr[:-1][ruled[:-1]] = offset[1:][ruled[:-1]]
        choice_round = choice_rules.start(market, seats)
    held = np.zeros(n_apps, dtype=bool)
    # The student at each held key, written when they propose; garbage where not held.
    holder = np.empty(n_apps, dtype=market.key.dtype)
    count = np.zeros(n_programmes, dtype=np.int64)
    column = np.full(n_students, -1, dtype=np.int64)

    # Positions in the flattened (n, k + 1) matrices: student * width + column.
    width = market.programme.shape[1]
    programme, key = market.programme.ravel(), market.key.ravel()
    if (seats > 0).all():
        # Every first choice clears its (lowest) cut-off.
        student = np.flatnonzero(market.programme[:, 0] >= 0)
        at = student * width
        column[student] = 0
    else:
        at = _first_cleared(np.arange(0, n_students * width, width, dtype=np.int64), programme, key, thr)
        student = at // width
        column[student] = at - student * width
    turned_away = at[:0]
    while len(at):
        if ruled is not None:
            at_rule = ruled[programme[at]]
            if at_rule.any():
                kept, turned_away = choice_round.choose(at[at_rule])
                at = at[~at_rule]
                for moved in (kept, turned_away):
                    who = moved // width
                    column[who] = moved - who * width
        _hold(at, student if ruled is None else at // width, key, programme, held, holder, count)
        # Spent: arrays alive at the call's peak are pages faulted in afresh at every call.
        del at, student
        over = np.flatnonzero(count > seats)
        if len(over) == 0 and len(turned_away) == 0:
            break
        student = turned_away[:0]
        if len(over):
            held_over, seats_over = count[over], seats[over]
            rejected, new_thr = _reject(lo[over], thr[over], held_over - seats_over, held_over, held)
            held[rejected] = False
            count[over] = seats_over
            thr[over] = new_thr
            student = holder[rejected].astype(np.int64)
        resume = student * width + column[student] + 1
        if len(turned_away):
            resume = np.concatenate((resume, turned_away + 1))
            student = np.concatenate((student, turned_away // width))
            turned_away = turned_away[:0]
        at = _first_cleared(resume, programme, key, thr)
        column[student] = -1
        student = at // width
        column[student] = at - student * width

    if ruled is not None:
        final = choice_round.holders()
        held[key[final]] = True
        holder[key[final]] = final // width
        count[ruled[:-1]] = 0
        count += np.bincount(programme[final], minlength=n_programmes)

    # Unplaced (column -1): the entry just before the row, the previous row's padding (for the first
    # row, the last entry of all: padding too).
    at = np.arange(0, n_students * width, width, dtype=np.int64)
    at += column
    assignment = programme[at].astype(np.int64)
    return MatchResult(
        assignment=assignment,
        choice_index=column,
        admitted=count,
        cutoff=_cutoffs(held, count, offset, market.priority, holder, column),
    )


def _hold(at: np.ndarray, student: np.ndarray, key: np.ndarray, programme: np.ndarray, held: np.ndarray,
          holder: np.ndarray, count: np.ndarray) -> None:
    """The proposals at the positions ``at`` (by ``student``) are held: their flags, holders and counts."""
    held_key = key[at]
    held[held_key] = True
    holder[held_key] = student
    count += np.bincount(programme[at], minlength=len(count))


def _first_cleared(at: np.ndarray, programme: np.ndarray, key: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """For each position ``at`` in the flattened matrices, the first one from it along its row whose cut-off clears.

    Returns those positions; rows that reach their padding first (every row ends in padding) have
    run out of choices and are dropped. ``thr`` has the extra entry -1 that padding (programme -1)
    indexes, so padding never clears. Most students clear at once or after a step or two, so
    stepping all of them a column at a time beats testing whole rows.
    """
    found = [at[:0]]
    while len(at):
        p = programme[at]
        clears = key[at] < thr[p]
        found.append(at[clears])
        at = at[clears < (p >= 0)] + 1  # not cleared, not yet at the padding
    return found[1] if len(found) == 2 else np.concatenate(found)


def _reject(
    lo: np.ndarray, hi: np.ndarray, excess: np.ndarray, count: np.ndarray, held: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rejections at over-full programmes, and their new thresholds.

    Every holder of an over-full programme has a key in ``[lo, hi)``; it holds ``count`` students
    and must reject its ``excess`` worst. Counting held flags downwards from ``hi`` finds them and
    the next holder (the new last one) without sorting. The scan starts with a window sized from
    the density of holders and widens, for the few programmes it was too short for, up to the whole
    range (which always holds ``excess + 1`` holders: seats >= 1 here, as a programme without seats
    is never proposed to). Returns the rejected keys and the new thresholds (last holder's key + 1).
    """
    length = hi - lo
    # Holders are spread over [lo, hi) with density count / length: the excess + 1 worst should lie
    # within (excess + 1) * length / count keys of the top; a margin avoids most widenings.
    window = np.clip(_WINDOW_MARGIN * (excess + 1) * length // count + _WINDOW_SLACK, 1, length)
    if int(window.sum()) * _DENSE_SCAN_FRACTION > len(held):
        return _reject_dense(lo, hi, count - excess, held)
    need = excess + 1
    rejected, new_thr = _scan_windows(hi, window, need, held)
    short = np.flatnonzero(new_thr < 0)
    while len(short):
        window[short] = np.minimum(length[short], 4 * window[short])
        more, thr = _scan_windows(hi[short], window[short], need[short], held)
        rejected = np.concatenate((rejected, more))
        new_thr[short] = thr
        short = short[thr < 0]
    return rejected, new_thr


def _scan_windows(
    top: np.ndarray, size: np.ndarray, need: np.ndarray, held: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Count held flags down from each ``top`` over ``size`` keys, looking for ``need`` holders.

    Returns the rejected keys (the ``need - 1`` first holders met) of the windows where ``need``
    were found, and per window the key just past the ``need``-th holder, -1 where the window was
    too short (nothing is rejected there).
    """
    first = np.cumsum(size) - size
    # Keys of the windows laid end to end, each descending from its top.
    key = np.repeat(top - 1 + first, size) - np.arange(int(first[-1] + size[-1]), dtype=np.int64)
    flag = held[key]
    running = np.cumsum(flag, dtype=np.int64)
    before = np.concatenate(([0], running))[first]
    found = running[first + size - 1] - before >= need
    # Rank among holders from the top, minus the goal: < 0 rejected, 0 the new last holder. Windows
    # that were too short get goal 0, so none of their holders (rank >= 1) matches either.
    running -= np.repeat(before + np.where(found, need, 0), size)
    rejected = key[flag & (running < 0)]
    new_thr = np.full(len(top), -1, dtype=np.int64)
    new_thr[found] = key[flag & (running == 0)] + 1
    return rejected, new_thr


def _reject_dense(
    lo: np.ndarray, hi: np.ndarray, seats: np.ndarray, held: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_reject` with one running count over all keys, for rounds that touch most of them.

    The running count of held flags is non-decreasing, so a binary search finds each programme's
    ``seats``-th holder; the rejected are the held keys between it and ``hi``. A handful of passes
    over all keys beats the dozen passes over nearly as many keys that the windows need.
    """
    running = np.cumsum(held, dtype=np.int32 if len(held) < _INT32_LIMIT else np.int64)
    before = np.where(lo > 0, running[np.maximum(lo - 1, 0)], 0)
    last = np.searchsorted(running, before + seats, side="left")
    # Zones (last, hi) of different programmes neither overlap nor touch: mark their ends and fill.
    edge = np.zeros(len(held) + 1, dtype=np.int8)
    edge[last + 1] = 1
    edge[hi] = -1
    zone = np.cumsum(edge[:-1], dtype=np.int8).view(bool)
    return np.flatnonzero(zone & held), last + 1


def _cutoffs(held: np.ndarray, admitted: np.ndarray, offset: np.ndarray, priority: np.ndarray | None,
             holder: np.ndarray, column: np.ndarray) -> np.ndarray:
    """(n_programmes,) priority of the last held key of each programme, NaN where none is held.

    Keys are programme-major, so the sorted held keys list each programme's holders together, in
    programme order: the last holder of p sits at ``cumsum(admitted)[p] - 1``. Its priority is
    ``priority[student, column]`` of the student holding it, or in rank form (``priority`` None)
    follows from the key.
    """
    cutoff = np.full(len(admitted), np.nan)
    held_key = np.flatnonzero(held)
    some = np.flatnonzero(admitted > 0)
    last = held_key[np.cumsum(admitted)[some] - 1]
    if priority is None:
        cutoff[some] = offset[some + 1] - 1 - last
    else:
        student = holder[last]
        cutoff[some] = priority[student, column[student]]
    return cutoff
