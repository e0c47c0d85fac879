"""The kinds of round of the admission year, each with its policy: the one table they are declared in.

The CLI's choices (``admissions round KIND``), the ``RunKind`` type and the season database's
CHECK constraint on ``runs.kind`` are all derived from :data:`ROUND_KINDS`; a season made before a
kind was added gets the new CHECK when it is opened (admissions.season.store.connect).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class RoundKind:
    """What a kind of round does.

    ``quotas``: offers with a free or test quota are split into sub-programmes (False: one queue
    each, the quotas were applied at the final admission). ``free_quota``: students are placed in
    the free quota. ``may_be_base``: a later reserve round may start from it. ``accepts_answers``:
    answers.csv may be given. ``guarantee``: it starts from a base run whose holders keep their
    seat or move up. ``binding``: part of the admission itself: it records each student's lottery
    number and it takes part in the order of the season (simulations and trials do not).
    """

    name: str
    when: str
    description: str
    quotas: bool
    free_quota: bool
    may_be_base: bool
    accepts_answers: bool
    guarantee: bool
    binding: bool


ROUND_KINDS: dict[str, RoundKind] = {k.name: k for k in (
    RoundKind("preliminary", "~15 April, autumn-term grades",
              "a fresh matching; nobody is placed in the free quota yet, its seats pass to the ordinary selection",
              quotas=True, free_quota=False, may_be_base=False, accepts_answers=False, guarantee=False, binding=True),
    RoundKind("final", "1 July, final grades",
              "a fresh matching with the free quota and test quotas; its placements are guaranteed from now on",
              quotas=True, free_quota=True, may_be_base=True, accepts_answers=False, guarantee=False, binding=True),
    RoundKind("reserve", "August to 15 September",
              "starts from the newest valid final or reserve run; holders keep their seat or move up, "
              "declined and withdrawn seats go to the best-placed reserves",
              quotas=False, free_quota=False, may_be_base=True, accepts_answers=True, guarantee=True, binding=True),
    RoundKind("trial", "before a reserve round",
              "exactly what the next reserve round would give with the same inputs; never a base",
              quotas=False, free_quota=False, may_be_base=False, accepts_answers=True, guarantee=True, binding=False),
    RoundKind("simulation", "any time",
              "a fresh matching recorded for comparison only; never a base",
              quotas=True, free_quota=True, may_be_base=False, accepts_answers=False, guarantee=False, binding=False),
)}

#: The type of a kind's name: the table's keys.
RunKind = Literal[tuple(ROUND_KINDS)]  # type: ignore[valid-type]

#: Names of the kinds, in the order of the season.
RUN_KINDS: tuple[str, ...] = tuple(ROUND_KINDS)
#: Kinds a reserve or trial round may start from.
BASE_KINDS: tuple[str, ...] = tuple(k.name for k in ROUND_KINDS.values() if k.may_be_base)
#: Kinds that are part of the admission itself.
BINDING_KINDS: tuple[str, ...] = tuple(k.name for k in ROUND_KINDS.values() if k.binding)


def kind_check(column: str = "kind") -> str:
    """The SQL CHECK constraint on a kind column."""
    return f"CHECK ({column} IN ({', '.join(repr(k) for k in RUN_KINDS)}))"


def round_kind(name: str) -> RoundKind:
    """The policy of a kind; SeasonError naming the kinds when there is no such kind."""
    from admissions.season.store import SeasonError

    if name not in ROUND_KINDS:
        raise SeasonError(f"kind == {name!r}, must be one of {', '.join(RUN_KINDS)}")
    return ROUND_KINDS[name]
