"""The quota game: an offer with quotas is one offer with a choice rule, inside deferred acceptance.

An offer with a free quota (fri kvot) or a test quota keeps, from the applicants it holds and those
proposing to it, its *choice*:

1. its ``free_quota_seats`` seats go to the best applicants with a ``free_quota_rank``, by tier, then
   that rank, then the tie-break chain;
2. its ``test_seats`` seats go to the best of the others, by tier, then test points alone, then the
   chain;
3. every remaining seat (the ordinary seats plus each quota seat that step 1 or 2 left empty) goes
   to the best of the rest, by tier, then merit value plus test points, then the chain;

everyone else is turned away. This is a choice rule from slot-specific priorities with a
precedence order (Kominers and Sönmez 2016, "Matching with slot-specific priorities: theory",
Theoretical Economics 11; Echenique and Yenmez 2015, "How to control controlled school choice",
AER 105), with the quota seats nobody in the quota takes passed on to the ordinary seats: a
capacity transfer that only shrinks as applicants are added (Westkamp 2013, "An analysis of the
German university admissions system", Economic Theory 53; Aygün and Turhan 2020, "Dynamic reserves
in matching markets", JET 188). Such a rule is substitutable (an applicant it turns away from a set
it turns away from every larger set) and fills min(seats, applicants) seats, so deferred acceptance
in which every offer keeps its choice from (held + new) ends in the student-optimal stable
matching, whatever the order of the proposals, in one run (Hatfield and Milgrom 2005, "Matching
with contracts", AER 95, theorems 3 and 4; Hatfield and Kojima 2010).

How it runs: :func:`build_market` (admissions.rules.quotas) writes every application to an offer
with quotas as consecutive entries of its quotas (free, test, ordinary), each with its own priority
(the slot-specific priorities). The vectorised core (admissions.matching.core) runs deferred
acceptance; offers without quotas choose there as always (the best ``seats`` by priority, today's
fast path), while every proposal to an offer with quotas goes to :class:`QuotaGame`, which applies
steps 1-3 to all the offers that received proposals in a round at once (three grouped sorts) and
tells the core whom each offer now holds in which quota and whom it turned away.

:func:`reference_quota_deferred_acceptance` is the textbook algorithm (one proposal at a time, each
offer choosing with :func:`choose` in plain Python), the oracle of the tests and of the
student-optimality check; :func:`check_quota_matching` checks any result against the choice rule.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from admissions.errors import InvalidArgument
from admissions.matching import MatchingCheck, MatchResult, PreparedMarket, check_matching
from admissions.rules.quotas import FREE, ORDINARY, TEST, Market


def quota_sizes(market: Market, seats: np.ndarray) -> np.ndarray:
    """(q,) quota sizes of the market for new offer seats (p,).

    Each quota keeps its size as far as the offer's seats allow (the test quota first, then the
    free quota, as when the market was built); the ordinary quota gets the rest.
    """
    sizes = market.seats.copy()
    left = np.asarray(seats, dtype=np.int64).copy()
    for kind in (TEST, FREE):
        sub = np.flatnonzero(market.quota == kind)
        parent = market.parent[sub]
        sizes[sub] = np.minimum(market.seats[sub], left[parent])
        left[parent] -= sizes[sub]
    sizes[market.ordinary] = left
    return sizes.astype(np.int64)


def offer_seats(market: Market, sizes: np.ndarray) -> np.ndarray:
    """(p,) seats per offer: the sum of its quota sizes (q,)."""
    return np.bincount(market.parent, weights=sizes, minlength=len(market.ordinary)).astype(np.int64)


def final_quota_sizes(market: Market, sizes: np.ndarray, assignment: np.ndarray) -> np.ndarray:
    """(q,) quota sizes after the choice: the ordinary quota gets the quota seats nobody holds.

    ``assignment`` (n,) is the quota (sub-programme) each student holds, -1 unplaced. A free or
    test quota keeps its size; the ordinary quota of an offer is its seats minus the students
    holding its free and test seats.
    """
    held = np.bincount(assignment[assignment >= 0], minlength=len(sizes))
    in_quota = np.where(market.quota != ORDINARY, held, 0)
    taken = np.bincount(market.parent, weights=in_quota, minlength=len(market.ordinary)).astype(np.int64)
    final = np.asarray(sizes, dtype=np.int64).copy()
    # An assignment that over-fills a free or test quota is over-filled there; never a negative size.
    final[market.ordinary] = np.maximum(offer_seats(market, sizes) - taken, 0)
    return final


def quota_seats_to_ordinary(market: Market, sizes: np.ndarray, assignment: np.ndarray) -> int:
    """Quota seats that nobody in their quota held, which the ordinary selection had (run.json)."""
    final = final_quota_sizes(market, sizes, assignment)
    return int((final - np.asarray(sizes))[market.ordinary].sum())


# --- the fast game: the core with a choice rule at the offers with quotas -----------------------


@dataclass(frozen=True, eq=False)
class QuotaGame:
    """The offers with quotas of a market and every application to them (priority-independent).

    Positions are in the core's flattened (n, w + 1) layout (student * (w + 1) + column). An
    application is the consecutive entries of one student at one offer with quotas: ``first``
    (sorted, row-major) and, per quota, the position of its entry (-1 when the student is not in
    that quota; the ordinary entry always exists and is the last).
    """

    governed: np.ndarray  # (q,) bool: the quota belongs to an offer with quotas
    width: int  # w + 1
    offer: np.ndarray  # (a,) int64 governed-offer index (0 .. g-1) of each application
    first: np.ndarray  # (a,) int64 position of the application's first entry, ascending
    entry: np.ndarray  # (3, a) int64 position of its FREE, TEST and ORDINARY entries, -1 none
    by_offer: np.ndarray  # (a,) applications sorted by offer
    offer_start: np.ndarray  # (g + 1,) int64 first of each offer in by_offer
    quota_of: np.ndarray  # (3, g) int64 quota (sub-programme) index of each offer's FREE, TEST, ORDINARY; -1 none

    @property
    def n_offers(self) -> int:
        return self.quota_of.shape[1]

    def start(self, market: PreparedMarket, seats: np.ndarray) -> _QuotaRound:
        """The state of one matching with quota sizes ``seats`` (q,) (:class:`ChoiceRules`)."""
        if market.programme.shape[1] != self.width:
            raise InvalidArgument(f"market.programme.shape[1] == {market.programme.shape[1]}, must be "
                                  f"{self.width} (the prepared market of this quota game's market)")
        key = market.key.ravel()
        entry_key = np.where(self.entry >= 0, key[np.maximum(self.entry, 0)], -1).astype(np.int64)
        size = np.where(self.quota_of >= 0, seats[np.maximum(self.quota_of, 0)], 0).astype(np.int64)
        return _QuotaRound(self, entry_key, size[FREE_ROW], size[TEST_ROW], size.sum(axis=0))


#: Rows of QuotaGame.entry and quota_of.
FREE_ROW, TEST_ROW, ORDINARY_ROW = 0, 1, 2


def quota_game(market: Market) -> QuotaGame:
    """The :class:`QuotaGame` of a market (built once per market; see Market.game)."""
    n, w = market.choices.shape
    width = w + 1
    q = len(market.seats)
    has_quota = np.zeros(len(market.ordinary), dtype=bool)
    has_quota[market.parent[market.quota != ORDINARY]] = True
    governed = has_quota[market.parent]
    offers = np.flatnonzero(has_quota)
    index = np.full(len(has_quota), -1, dtype=np.int64)
    index[offers] = np.arange(len(offers))
    quota_of = np.full((3, len(offers)), -1, dtype=np.int64)
    for row, kind in ((FREE_ROW, FREE), (TEST_ROW, TEST), (ORDINARY_ROW, ORDINARY)):
        sub = np.flatnonzero(governed & (market.quota == kind))
        quota_of[row, index[market.parent[sub]]] = sub

    present = market.choices >= 0
    sub = np.maximum(market.choices, 0)
    parent = np.where(present, market.parent[sub], -1)
    ruled = present & governed[sub] if q else np.zeros_like(present)
    before = np.concatenate((np.full((n, 1), -2), parent[:, :-1]), axis=1)
    opens = ruled & (parent != before)
    app_id = (np.cumsum(opens.ravel()) - 1).reshape(n, w)
    r, c = np.nonzero(opens)
    first = r * width + c
    offer = index[parent[r, c]]
    entry = np.full((3, len(first)), -1, dtype=np.int64)
    r, c = np.nonzero(ruled)
    kind = market.quota[sub[r, c]]
    row = np.select([kind == FREE, kind == TEST], [FREE_ROW, TEST_ROW], ORDINARY_ROW)
    entry[row, app_id[r, c]] = r * width + c
    by_offer = np.argsort(offer, kind="stable")
    offer_start = np.searchsorted(offer[by_offer], np.arange(len(offers) + 1))
    return QuotaGame(governed, width, offer, first.astype(np.int64), entry, by_offer,
                     offer_start.astype(np.int64), quota_of)


def _best(group: np.ndarray, key: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """(m,) bool: within each group, the ``capacity[group]`` entries with the lowest key."""
    order = np.lexsort((key, group))
    ordered = group[order]
    rank = np.arange(len(order)) - np.searchsorted(ordered, ordered)
    chosen = np.empty(len(order), dtype=bool)
    chosen[order] = rank < capacity[ordered]
    return chosen


class _QuotaRound:
    """One matching's holders at the offers with quotas (:class:`admissions.matching.core.ChoiceRound`)."""

    def __init__(self, game: QuotaGame, entry_key: np.ndarray, free: np.ndarray, test: np.ndarray,
                 seats: np.ndarray) -> None:
        self.game = game
        self.entry_key = entry_key  # (3, a) the core's key at each entry (lower is better), -1 none
        self.free, self.test, self.seats = free, test, seats  # (g,) int64
        self.holding = np.zeros(len(game.first), dtype=bool)
        self.held_at = np.full(len(game.first), -1, dtype=np.int64)

    def choose(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        game = self.game
        new = np.searchsorted(game.first, at)
        touched = np.unique(game.offer[new])
        start, stop = game.offer_start[touched], game.offer_start[touched + 1]
        length = stop - start
        ranges = np.repeat(start - np.cumsum(length) + length, length) + np.arange(int(length.sum()))
        old = game.by_offer[ranges]
        candidates = np.concatenate((old[self.holding[old]], new))
        position = self.choice(candidates)
        kept = position >= 0
        self.holding[candidates] = kept
        self.held_at[candidates] = position
        return position[kept], game.entry[ORDINARY_ROW, candidates[~kept]]

    def choice(self, candidates: np.ndarray) -> np.ndarray:
        """(m,) position of the entry each candidate holds after steps 1-3, -1 turned away."""
        game = self.game
        offer = game.offer[candidates]
        position = np.full(len(candidates), -1, dtype=np.int64)
        left = np.ones(len(candidates), dtype=bool)
        taken = np.zeros(game.n_offers, dtype=np.int64)
        for row, capacity in ((FREE_ROW, self.free), (TEST_ROW, self.test), (ORDINARY_ROW, None)):
            key = self.entry_key[row, candidates]
            may = np.flatnonzero(left & (key >= 0))
            if capacity is None:
                capacity = self.seats - taken
            chosen = may[_best(offer[may], key[may], capacity)]
            position[chosen] = game.entry[row, candidates[chosen]]
            left[chosen] = False
            taken += np.bincount(offer[chosen], minlength=game.n_offers)
        return position

    def holders(self) -> np.ndarray:
        return self.held_at[self.holding]


def match_quotas(market: Market, prepared: PreparedMarket, sizes: np.ndarray) -> MatchResult:
    """Deferred acceptance on the market, each offer with quotas choosing by steps 1-3.

    Parameters
    ----------
    market : Market
        The market (n students, w columns, q quotas) that ``prepared`` prepared.
    prepared : PreparedMarket
        ``prepare(market.choices, priority)``: the slot-specific priorities.
    sizes : (q,) int
        The size of every quota (:func:`quota_sizes`); an offer's seats are their sum.

    Returns
    -------
    MatchResult
        On the quotas: ``assignment`` is the quota each student holds, ``admitted`` the students
        per quota (an ordinary quota may hold more than its size: the seats its free and test
        quotas left), ``cutoff`` the lowest priority admitted in each quota. Offers without quotas
        run the core's own path unchanged.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    game = market.game
    if not game.governed.any():
        return prepared.match(sizes)
    return prepared.match(sizes, choice_rules=game)


# --- the reference and the checker: plain Python, one proposal at a time -------------------------


def choose(applicants: list[tuple], free_seats: int, test_seats: int, seats: int) -> dict:
    """The choice of one offer with quotas from ``applicants``, in plain Python (steps 1-3).

    Each applicant is ``(student, free, test, ordinary)``: their priority in the free quota and the
    test quota (None when not in it) and in the ordinary selection (higher is better). Returns
    {student: "free" | "test" | "ordinary"} for the applicants chosen.
    """
    chosen: dict = {}
    free = sorted((a for a in applicants if a[1] is not None), key=lambda a: -a[1])[:free_seats]
    for a in free:
        chosen[a[0]] = "free"
    test = sorted((a for a in applicants if a[2] is not None and a[0] not in chosen), key=lambda a: -a[2])
    for a in test[:test_seats]:
        chosen[a[0]] = "test"
    rest = sorted((a for a in applicants if a[0] not in chosen), key=lambda a: -a[3])
    for a in rest[: seats - len(chosen)]:
        chosen[a[0]] = "ordinary"
    return chosen


@dataclass(frozen=True)
class _Offers:
    """The market read back as offers and applications, as plain lists: what the reference and the
    definition of stability see. Applications are in row-major order; student s has
    ``first[s] .. first[s + 1] - 1``, in their order."""

    first: list  # (n + 1,)
    offer: list  # per application
    priority: dict  # "free" | "test" | "ordinary" -> per application its priority there (None: not in it)
    column: dict  # "free" | "test" | "ordinary" -> (a,) int64 column of each application in market.choices, -1 none
    free: list  # per offer: free seats
    test: list  # per offer: test seats
    seats: list  # per offer: all seats
    has_quota: list  # per offer: bool
    quota_index: dict  # (offer, "free" | "test" | "ordinary") -> quota (sub-programme) index


_NAMES = {FREE: "free", TEST: "test", ORDINARY: "ordinary"}


def _offers(market: Market, priority: np.ndarray, sizes: np.ndarray) -> _Offers:
    n_offers = len(market.ordinary)
    free, test, seats = [0] * n_offers, [0] * n_offers, [0] * n_offers
    has_quota = [False] * n_offers
    quota_index = {}
    for sub, (offer, kind, size) in enumerate(zip(market.parent.tolist(), market.quota.tolist(),
                                                  np.asarray(sizes).tolist())):
        quota_index[offer, _NAMES[kind]] = sub
        seats[offer] += size
        if kind == FREE:
            free[offer], has_quota[offer] = size, True
        elif kind == TEST:
            test[offer], has_quota[offer] = size, True
    # The entries of a row are consecutive (padding at the end): an application opens where the
    # row or the offer changes.
    row, column = np.nonzero(market.choices >= 0)
    sub = market.choices[row, column]
    offer = market.parent[sub]
    opens = np.ones(len(row), dtype=bool)
    opens[1:] = (row[1:] != row[:-1]) | (offer[1:] != offer[:-1])
    app = np.cumsum(opens) - 1
    n_apps = int(opens.sum())
    prio = np.asarray(priority, dtype=np.float64)[row, column]
    columns, values = {}, {}
    for kind, name in _NAMES.items():
        at = market.quota[sub] == kind
        col = np.full(n_apps, -1, dtype=np.int64)
        value = np.full(n_apps, None, dtype=object)
        col[app[at]], value[app[at]] = column[at], prio[at].tolist()
        columns[name], values[name] = col, value.tolist()
    first = np.searchsorted(row[opens], np.arange(market.choices.shape[0] + 1)).tolist()
    return _Offers(first, offer[opens].tolist(), values, columns, free, test, seats, has_quota, quota_index)


def _applicant(o: _Offers, student: int, app: int) -> tuple:
    """The applicant as :func:`choose` takes it: (student, free, test, ordinary priority)."""
    return (student, o.priority["free"][app], o.priority["test"][app], o.priority["ordinary"][app])


def _enter(queue: list, capacity: int, item: tuple) -> tuple | None:
    """Offer ``item`` (priority, student) to a min-heap of at most ``capacity``; return who is left out."""
    if len(queue) < capacity:
        heapq.heappush(queue, item)
        return None
    if queue and queue[0] < item:
        return heapq.heapreplace(queue, item)
    return item


def reference_quota_deferred_acceptance(market: Market, priority: np.ndarray, sizes: np.ndarray) -> MatchResult:
    """Student-proposing deferred acceptance with choice rules, one proposal at a time, in pure Python.

    Deferred acceptance for substitutable choice functions (Roth and Sotomayor 1990, ch. 6;
    Hatfield and Milgrom 2005), in the sequential form of McVitie and Wilson (1971):

    1. Every student is free; every offer holds nobody.
    2. Take any free student with an offer left on their list (here: the free students on a stack,
       last in, first out); they propose to the best offer they have not proposed to.
    3. The offer keeps its choice from its holders plus the proposer and turns away the rest, who
       become free again.
    4. Repeat 2-3 until no free student has an offer left; the holders are admitted, in the quota
       their offer's choice put them in.

    Step 3 keeps, per offer, a min-heap per quota (free, test, ordinary), on the quota's own
    priority. An offer's holders always are its choice from them, so the choice from holders plus
    one proposer follows in O(log seats), as the cascade of steps 1-3 of the module docstring
    (:func:`choose` states them over a whole set): the proposer enters the free quota if they are
    in it and it has room or they beat its last holder; whoever that leaves out (the proposer or
    the displaced holder) tries the test quota the same way; whoever is still left out joins the
    ordinary seats, which are the offer's seats minus the free and test quotas' holders, and the
    ordinary seats turn away their last holders beyond that. An offer without quotas is the
    ordinary seats alone. The tests compare this with :func:`choose` on every proposal's set
    (through :func:`blocking_pairs_by_choice`) and with every stable matching of small rounds.

    Returns the MatchResult on the quotas, as :func:`match_quotas` does.
    """
    o = _offers(market, priority, sizes)
    n = len(o.first) - 1
    n_offers = len(o.seats)
    free_priority, test_priority, ordinary_priority = (o.priority[name] for name in ("free", "test", "ordinary"))
    first, offer_of, seats, has_quota = o.first, o.offer, o.seats, o.has_quota
    push, replace, pop = heapq.heappush, heapq.heapreplace, heapq.heappop
    proposed = first[:-1]  # the next application of each student
    queues = [([], [], []) for _ in range(n_offers)]  # (free, test, ordinary) heaps of (priority, student)
    free_students = [s for s in range(n) if first[s] < first[s + 1]]
    while free_students:
        student = free_students.pop()
        app = proposed[student]
        if app == first[student + 1]:
            continue
        proposed[student] = app + 1
        offer = offer_of[app]
        if not has_quota[offer]:
            # The ordinary seats alone: keep the best seats[offer] by priority.
            ordinary = queues[offer][2]
            entry = (ordinary_priority[app], student)
            if len(ordinary) < seats[offer]:
                push(ordinary, entry)
            elif ordinary and ordinary[0] < entry:
                free_students.append(replace(ordinary, entry)[1])
            else:
                free_students.append(student)
            continue
        free, test, ordinary = queues[offer]
        out: int | None = student
        if free_priority[app] is not None:
            left = _enter(free, o.free[offer], (free_priority[app], student))
            out = None if left is None else left[1]
        if out is not None and test_priority[proposed[out] - 1] is not None:
            left = _enter(test, o.test[offer], (test_priority[proposed[out] - 1], out))
            out = None if left is None else left[1]
        if out is not None:
            push(ordinary, (ordinary_priority[proposed[out] - 1], out))
        room = seats[offer] - len(free) - len(test)
        while len(ordinary) > room:
            free_students.append(pop(ordinary)[1])

    q = len(market.seats)
    assignment = np.full(n, -1, dtype=np.int64)
    choice_index = np.full(n, -1, dtype=np.int64)
    admitted = np.zeros(q, dtype=np.int64)
    cutoff = np.full(q, np.nan)
    held_apps = np.asarray(proposed, dtype=np.int64) - 1  # a placed student holds their last proposal
    for name, row in (("free", 0), ("test", 1), ("ordinary", 2)):
        students, subs = [], []
        for offer, held in enumerate(queues):
            queue = held[row]
            if queue:
                sub = o.quota_index[offer, name]
                admitted[sub], cutoff[sub] = len(queue), queue[0][0]
                students += [student for _, student in queue]
                subs += [sub] * len(queue)
        students = np.asarray(students, dtype=np.int64)
        assignment[students] = subs
        choice_index[students] = o.column[name][held_apps[students]]
    return MatchResult(assignment=assignment, choice_index=choice_index, admitted=admitted, cutoff=cutoff)


def blocking_pairs_by_choice(market: Market, priority: np.ndarray, sizes: np.ndarray,
                             assignment: np.ndarray) -> list[tuple[int, int]]:
    """Every (student, offer) pair that blocks the assignment under the choice rules, in plain Python.

    The definition itself, for small rounds and the tests: an offer blocks (student -1) when its
    choice from its own holders is not exactly them in the quotas they hold (over-filled, or a
    holder in the wrong quota); a student and an offer block when the student prefers the offer to
    their placement and the offer's choice from (its holders + the student) includes the student.
    """
    o = _offers(market, priority, sizes)
    parent, kinds = market.parent.tolist(), market.quota.tolist()
    names = _NAMES
    holders: dict[int, dict[int, tuple]] = {}
    quota_of: dict[int, str] = {}
    placed_at: dict[int, int] = {}
    for student, sub in enumerate(np.asarray(assignment).tolist()):
        if sub < 0:
            continue
        offer = parent[sub]
        app = next(a for a in range(o.first[student], o.first[student + 1]) if o.offer[a] == offer)
        holders.setdefault(offer, {})[student] = _applicant(o, student, app)
        quota_of[student], placed_at[student] = names[kinds[sub]], offer

    def choice_of(offer: int, applicants: dict) -> dict:
        return choose(list(applicants.values()), o.free[offer], o.test[offer], o.seats[offer])

    pairs = [(-1, offer) for offer, held in holders.items()
             if choice_of(offer, held) != {s: quota_of[s] for s in held}]
    for student in range(len(o.first) - 1):
        for app in range(o.first[student], o.first[student + 1]):
            offer = o.offer[app]
            if placed_at.get(student) == offer:
                break
            if student in choice_of(offer, {**holders.get(offer, {}), student: _applicant(o, student, app)}):
                pairs.append((student, offer))
    return pairs


def check_quota_matching(market: Market, priority: np.ndarray, sizes: np.ndarray, assignment: np.ndarray,
                         *, reference: bool = True, prepared: PreparedMarket | None = None) -> MatchingCheck:
    """Capacity, stability under the choice rules and student-optimality of an assignment to quotas.

    Stability against the choice rule, vectorised: an offer's choice from its holders plus one
    student S includes S exactly when S beats the last holder of the free quota (or it has a free
    seat) in free-quota priority, or of the test quota, or of the ordinary seats (its seats minus
    the students holding its free and test seats), each in its own priority; and an offer's choice
    from its own holders is them, in their quotas, exactly when no holder could move to a quota
    listed before theirs. So the assignment is stable under the choice rules exactly when it is
    stable, quota by quota, with the quota sizes :func:`final_quota_sizes` gives, which
    :func:`admissions.matching.check_matching` checks (``blocking_pairs_by_choice`` states the
    definition itself; the tests compare the two). Student-optimality compares with
    :func:`reference_quota_deferred_acceptance` (``reference``; else with :func:`match_quotas`).
    """
    assignment = np.asarray(assignment, dtype=np.int64)
    final = final_quota_sizes(market, sizes, assignment)
    if reference:
        optimal = reference_quota_deferred_acceptance(market, priority, sizes).assignment
    else:
        from admissions.matching import prepare

        if prepared is None:
            prepared = prepare(market.choices, priority)
        optimal = match_quotas(market, prepared, sizes).assignment
    return check_matching(market.choices, priority, final, assignment, optimal=optimal,
                          optimality="reference" if reference else "core")
