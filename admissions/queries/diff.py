"""Who moved between two runs of a season, and why."""

from __future__ import annotations

import sqlite3

import pandas as pd

from admissions.season import store
from admissions.season.store import run_kind

#: Reasons, in the order they are tried: the first that applies is given.
REASONS = (
    "withdrew",
    "declined the seat",
    "not in the earlier run",
    "not in the later run",
    "changed choices",
    "new grades (merit value changed)",
    "moved up to a freed seat",
    "seats or other applicants changed",
)


def _placements(connection: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    rows = store.placements(connection, run_id)
    frame = pd.DataFrame(rows, columns=["student_id", "programme_id", "choice_rank", "merit", "lottery"])
    frame["merit"] = frame["merit"].astype(float)
    return frame.drop(columns="lottery").set_index("student_id")


def _choice_lists(connection: sqlite3.Connection, run_id: int) -> pd.Series:
    apps = pd.DataFrame(store.applications(connection, run_id),
                        columns=["student_id", "choice_rank", "programme_id", "outcome"])
    return apps.groupby("student_id", sort=False)["programme_id"].agg(" > ".join)


def diff_runs(connection: sqlite3.Connection, run_a: int, run_b: int) -> pd.DataFrame:
    """Every student whose placement differs between run A and run B, with the reason.

    Columns: student_id, programme_a, choice_rank_a, programme_b, choice_rank_b, change (moved up,
    moved down, placed, unplaced, moved) and reason (see REASONS), sorted by student_id.
    """
    run_kind(connection, run_a, "run_a")
    kind_b = run_kind(connection, run_b, "run_b")
    a, b = _placements(connection, run_a), _placements(connection, run_b)
    both = a.add_suffix("_a").join(b.add_suffix("_b"), how="outer")
    moved = both[(both["programme_id_a"].fillna("") != both["programme_id_b"].fillna(""))
                 | (both["choice_rank_a"].fillna(0) != both["choice_rank_b"].fillna(0))]
    choices_a, choices_b = _choice_lists(connection, run_a), _choice_lists(connection, run_b)
    answers = store.run_answers(connection, run_b)
    in_a, in_b = set(a.index), set(b.index)

    rows = []
    for student, row in moved.sort_index().iterrows():
        rank_a, rank_b = row["choice_rank_a"], row["choice_rank_b"]
        placed_a, placed_b = pd.notna(row["programme_id_a"]), pd.notna(row["programme_id_b"])
        if placed_a and placed_b:
            change = "moved up" if rank_b < rank_a else "moved down" if rank_b > rank_a else "moved"
        else:
            change = "placed" if placed_b else "unplaced"
        if answers.get(student) == "withdraw":
            reason = REASONS[0]
        elif answers.get(student) == "decline":
            reason = REASONS[1]
        elif student not in in_a:
            reason = REASONS[2]
        elif student not in in_b:
            reason = REASONS[3]
        elif choices_a.get(student) != choices_b.get(student):
            reason = REASONS[4]
        elif not _same(row["merit_a"], row["merit_b"]):
            reason = REASONS[5]
        elif kind_b in ("reserve", "trial") and change in ("moved up", "placed"):
            reason = REASONS[6]
        else:
            reason = REASONS[7]
        rows.append((student, row["programme_id_a"], rank_a, row["programme_id_b"], rank_b, change, reason))
    frame = pd.DataFrame(rows, columns=["student_id", "programme_a", "choice_rank_a", "programme_b",
                                       "choice_rank_b", "change", "reason"])
    for column in ("choice_rank_a", "choice_rank_b"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _same(x: float, y: float) -> bool:
    if pd.isna(x) and pd.isna(y):
        return True
    return not (pd.isna(x) or pd.isna(y)) and abs(float(x) - float(y)) < 1e-9
