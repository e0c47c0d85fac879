"""dimensioning.csv: demand against supply for planning next year's seats (dimensionering).

Rows at three levels (column ``level``); an empty ``programme_code`` or ``municipality`` means all:

- ``host``: per programme code and host municipality (the municipality of the school);
- ``area``: per programme code for the whole admission area (``municipality`` empty);
- ``home``: per home municipality of the students and the programme code of their first choice,
  plus one row per home municipality over all codes (``programme_code`` empty). Supply columns
  (programmes, seats, applicants, eligible, vacant) are empty at this level.

Columns: ``programmes`` (offers), ``seats``, ``first_choice_applicants`` (students whose first
choice is in the row), ``first_choice_per_seat``, ``applicants`` and ``eligible_applicants``
(distinct students with an application / an eligible application in the row),
``ineligible_applicants`` (applicants with no eligible application in the row), ``admitted``
(students placed in the row; at the home level: the row's students who got a place anywhere),
``vacant_seats``, ``share_choice_1``, ``share_choice_2``, ``share_choice_3``,
``share_choice_4_or_later`` (share of the admitted who got their 1st, 2nd, 3rd, later choice;
4 decimals) and ``unplaced`` (students whose first choice is in the row and who got no place at
all; at the home level: the row's students with no place).

No student-level data: this table is published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from admissions.reports.programmes import per_seat

if TYPE_CHECKING:
    from admissions.round import RoundResult

LEVELS = ("host", "area", "home")
SHARE_COLUMNS = ("share_choice_1", "share_choice_2", "share_choice_3", "share_choice_4_or_later")
DIMENSIONING_COLUMNS = (
    "level", "programme_code", "municipality", "programmes", "seats", "first_choice_applicants",
    "first_choice_per_seat", "applicants", "eligible_applicants", "ineligible_applicants", "admitted",
    "vacant_seats", *SHARE_COLUMNS, "unplaced",
)


def _distinct(group: np.ndarray, mask: np.ndarray, n_groups: int) -> np.ndarray:
    """(n_groups,) number of students (rows) with at least one masked entry in each group.

    ``group`` and ``mask`` are (n, k): each row's masked groups sorted along the row (unmasked
    entries as -1, first), a group counts once per row (2.5 x faster than comparing every pair of
    columns at a million rows).
    """
    marked = np.where(mask, group, -1)
    marked.sort(axis=1)
    first = marked >= 0
    first[:, 1:] &= marked[:, 1:] != marked[:, :-1]
    return np.bincount(marked[first], minlength=n_groups).astype(np.int64)


def _shares(group: np.ndarray, rank: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """Share of each group's admitted students by the rank (1-based) of the choice they got."""
    bucket = np.minimum(rank, 4) - 1
    counts = np.bincount(group * 4 + bucket, minlength=4 * n_groups).reshape(n_groups, 4)
    total = counts.sum(axis=1, keepdims=True)
    shares = np.round(counts / np.maximum(total, 1), 4)
    return {name: np.where(total[:, 0] > 0, shares[:, j], np.nan) for j, name in enumerate(SHARE_COLUMNS)}


def dimensioning_table(r: RoundResult) -> pd.DataFrame:
    """Demand and supply per programme code and municipality (columns: DIMENSIONING_COLUMNS)."""
    enc, sel = r.encoded, r.selection
    n = enc.n_students
    code_labels, offer_code = np.unique(enc.programme_code.astype(str), return_inverse=True)
    n_codes = len(code_labels)
    municipalities = enc.municipalities.astype(str)
    m = len(municipalities)

    assignment = r.offer_assignment
    placed = assignment >= 0
    rank = r.placed_column + 1
    choices = enc.choices
    present = choices >= 0
    first = choices[:, 0] if choices.shape[1] else np.full(n, -1)
    has_first = first >= 0

    blocks: list[dict[str, np.ndarray]] = []
    for level in ("host", "area"):
        # Group of each offer: (code, host municipality) or code alone.
        if level == "host":
            group_of_offer = offer_code * m + enc.host
            n_groups = n_codes * m
        else:
            group_of_offer = offer_code
            n_groups = n_codes
        programmes = np.bincount(group_of_offer, minlength=n_groups)
        seats = np.bincount(group_of_offer, weights=enc.seats, minlength=n_groups).astype(np.int64)
        first_choice = np.bincount(group_of_offer[first[has_first]], minlength=n_groups).astype(np.int64)
        group = group_of_offer[np.maximum(choices, 0)]
        applicants = _distinct(group, present, n_groups)
        eligible_applicants = _distinct(group, present & sel.eligible, n_groups)
        admitted = np.bincount(group_of_offer[assignment[placed]], minlength=n_groups).astype(np.int64)
        unplaced = np.bincount(group_of_offer[first[has_first & ~placed]], minlength=n_groups).astype(np.int64)
        shares = _shares(group_of_offer[assignment[placed]], rank[placed], n_groups)
        keep = programmes > 0
        kept = np.flatnonzero(keep)
        blocks.append({
            "level": np.full(len(kept), level, dtype=object),
            "programme_code": code_labels[kept // m if level == "host" else kept],
            "municipality": municipalities[kept % m] if level == "host" else np.full(len(kept), ""),
            "programmes": programmes[keep],
            "seats": seats[keep],
            "first_choice_applicants": first_choice[keep],
            "first_choice_per_seat": _per_seat(first_choice[keep], seats[keep]),
            "applicants": applicants[keep],
            "eligible_applicants": eligible_applicants[keep],
            "ineligible_applicants": applicants[keep] - eligible_applicants[keep],
            "admitted": admitted[keep],
            "vacant_seats": seats[keep] - admitted[keep],
            **{name: share[keep] for name, share in shares.items()},
            "unplaced": unplaced[keep],
        })

    # Home level: students by home municipality and first-choice code; code n_codes = all codes.
    student_code = np.where(has_first, offer_code[np.maximum(first, 0)], n_codes)
    home_blocks = []
    for code_group, width in ((student_code, n_codes + 1), (np.full(n, n_codes), n_codes + 1)):
        group = enc.home * width + code_group
        n_groups = m * width
        students = np.bincount(group, minlength=n_groups)
        admitted = np.bincount(group[placed], minlength=n_groups).astype(np.int64)
        shares = _shares(group[placed], rank[placed], n_groups)
        keep = students > 0
        if code_group is student_code:
            keep &= (np.arange(n_groups) % width) < n_codes
        index = np.flatnonzero(keep)
        labels = np.append(code_labels, "")
        home_blocks.append({
            "level": np.full(len(index), "home", dtype=object),
            "programme_code": labels[index % width],
            "municipality": municipalities[index // width],
            "first_choice_applicants": np.bincount(group[has_first], minlength=n_groups)[keep],
            "admitted": admitted[keep],
            **{name: share[keep] for name, share in shares.items()},
            "unplaced": students[keep] - admitted[keep],
        })
    home = {name: np.concatenate([block[name] for block in home_blocks]) for name in home_blocks[0]}
    # By municipality, then code (stable): numpy compares text by code point, as pandas' Arrow strings do.
    order = np.lexsort((home["programme_code"].astype(str), home["municipality"].astype(str)))
    blocks.append({name: values[order] for name, values in home.items()})
    return _frame(blocks)


#: The integer columns of the table (Int64: empty where a level has no such figure).
_INTEGER = ("programmes", "seats", "first_choice_applicants", "applicants", "eligible_applicants",
            "ineligible_applicants", "admitted", "vacant_seats", "unplaced")


def _per_seat(count: np.ndarray, seats: np.ndarray) -> np.ndarray:
    """:func:`per_seat` as float64, NaN where there are no seats."""
    return per_seat(count, seats).to_numpy(dtype=np.float64, na_value=np.nan)


def _frame(blocks: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """The table from its blocks of rows (column -> values; a column a block lacks is empty there).

    Built column by column from numpy, in one DataFrame: concatenating and converting frames cost
    ~20 ms even for a five-student round, paid by every match.
    """
    sizes = [len(block["level"]) for block in blocks]
    columns: dict[str, object] = {}
    for column in DIMENSIONING_COLUMNS:
        if column in ("level", "programme_code", "municipality"):
            columns[column] = np.concatenate([block[column].astype(object) for block in blocks])
        elif column in _INTEGER:
            values = np.concatenate([block.get(column, np.zeros(size, dtype=np.int64)).astype(np.int64)
                                     for block, size in zip(blocks, sizes)])
            missing = np.concatenate([np.full(size, column not in block) for block, size in zip(blocks, sizes)])
            columns[column] = pd.arrays.IntegerArray(values, missing)
        else:
            values = np.concatenate([block.get(column, np.full(size, np.nan)).astype(np.float64)
                                     for block, size in zip(blocks, sizes)])
            columns[column] = pd.array(values, dtype="Float64")
    return pd.DataFrame(columns)
