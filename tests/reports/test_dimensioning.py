"""dimensioning.csv: demand and supply per programme code and municipality, recomputed from the input and placements.csv."""

from __future__ import annotations

import numpy as np
import pandas as pd

from admissions.reports.dimensioning import DIMENSIONING_COLUMNS, SHARE_COLUMNS


def number(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.replace("", np.nan)).astype(float)


#: facts() of each matched round (by its OUT), made once for the three tests that recompute from them.
_FACTS: dict = {}


def facts(m):
    """One row per application with the offer's code and host, and one row per student with their result
    (copies: the frames are made once per round)."""
    if m.out not in _FACTS:
        _FACTS[m.out] = _facts(m)
    return tuple(frame.copy() for frame in _FACTS[m.out])


def _facts(m):
    programmes = m.input("programmes")
    applications = m.input("applications").merge(
        programmes[["programme_id", "programme_code", "municipality"]], on="programme_id")
    outcomes = m.output("applications")[["student_id", "choice_rank", "eligible"]]
    applications = applications.merge(outcomes, on=["student_id", "choice_rank"])
    students = m.input("students")[["student_id", "home_municipality"]].merge(m.output("placements"), on="student_id")
    students = students.merge(programmes[["programme_id", "programme_code", "municipality"]], on="programme_id",
                              how="left")
    first = applications[applications["choice_rank"] == "1"][["student_id", "programme_code", "municipality"]]
    students = students.merge(first.rename(columns={"programme_code": "first_code", "municipality": "first_host"}),
                              on="student_id", how="left")
    return programmes, applications, students


def expected_supply(m, keys: list[str]) -> pd.DataFrame:
    programmes, applications, students = facts(m)
    seats = programmes.assign(seats=number(programmes["seats"])).groupby(keys)
    table = pd.DataFrame({"programmes": seats.size(), "seats": seats["seats"].sum()})
    first = applications[applications["choice_rank"] == "1"]
    table["first_choice_applicants"] = first.groupby(keys).size()
    table["applicants"] = applications.groupby(keys)["student_id"].nunique()
    table["eligible_applicants"] = applications[applications["eligible"] == "true"].groupby(keys)["student_id"].nunique()
    placed = students[students["programme_id"] != ""]
    table["admitted"] = placed.groupby(keys).size()
    rank = number(placed["choice_rank"]).clip(upper=4)
    for r, name in enumerate(SHARE_COLUMNS, 1):
        table[name] = (rank == r).groupby([placed[k] for k in keys]).mean().round(4)
    first_keys = ["first_code", "first_host"][: len(keys)]
    unplaced = students[students["programme_id"] == ""].groupby(first_keys).size()
    unplaced.index = unplaced.index.set_names(keys)
    table["unplaced"] = unplaced
    counts = ["first_choice_applicants", "applicants", "eligible_applicants", "admitted", "unplaced"]
    table[counts] = table[counts].fillna(0)
    table["ineligible_applicants"] = table["applicants"] - table["eligible_applicants"]
    table["vacant_seats"] = table["seats"] - table["admitted"]
    table["first_choice_per_seat"] = (table["first_choice_applicants"] / table["seats"].where(table["seats"] > 0)).round(2)
    return table


def compare(got: pd.DataFrame, expected: pd.DataFrame, columns) -> None:
    for column in columns:
        np.testing.assert_allclose(number(got[column]).to_numpy(), expected[column].astype(float).to_numpy(),
                                   err_msg=column)


def test_columns(region):
    table = region.output("dimensioning")
    assert tuple(table.columns) == DIMENSIONING_COLUMNS
    assert set(table["level"]) == {"host", "area", "home"}


def test_per_code_and_host_municipality(matched):
    table = matched.output("dimensioning")
    got = table[table["level"] == "host"].set_index(["programme_code", "municipality"]).sort_index()
    expected = expected_supply(matched, ["programme_code", "municipality"]).sort_index()
    assert got.index.tolist() == expected.index.tolist()
    compare(got, expected, [c for c in DIMENSIONING_COLUMNS if c not in ("level", "programme_code", "municipality")])


def test_per_code_for_the_whole_area(matched):
    table = matched.output("dimensioning")
    got = table[table["level"] == "area"].set_index("programme_code").sort_index()
    assert (got["municipality"] == "").all()
    expected = expected_supply(matched, ["programme_code"]).sort_index()
    assert got.index.tolist() == expected.index.tolist()
    compare(got, expected, [c for c in DIMENSIONING_COLUMNS if c not in ("level", "programme_code", "municipality")])


def test_area_rows_are_the_sums_of_host_rows(region):
    table = region.output("dimensioning")
    host = table[table["level"] == "host"]
    area = table[table["level"] == "area"].set_index("programme_code")
    for column in ("programmes", "seats", "first_choice_applicants", "admitted", "vacant_seats", "unplaced"):
        sums = number(host[column]).groupby(host["programme_code"]).sum()
        np.testing.assert_allclose(sums.sort_index(), number(area[column]).sort_index(), err_msg=column)


def test_unplaced_by_home_municipality(matched):
    table = matched.output("dimensioning")
    home = table[table["level"] == "home"]
    _, _, students = facts(matched)
    total = home[home["programme_code"] == ""].set_index("municipality")
    unplaced = (students["programme_id"] == "").groupby(students["home_municipality"]).sum()
    assert number(total["unplaced"]).sort_index().tolist() == unplaced.sort_index().astype(float).tolist()
    admitted = (students["programme_id"] != "").groupby(students["home_municipality"]).sum()
    assert number(total["admitted"]).sort_index().tolist() == admitted.sort_index().astype(float).tolist()
    by_code = home[home["programme_code"] != ""].set_index(["municipality", "programme_code"])
    expected = (students["programme_id"] == "").groupby([students["home_municipality"], students["first_code"]]).sum()
    assert number(by_code["unplaced"]).sort_index().tolist() == expected.sort_index().astype(float).tolist()
    # Every student counted once at the home level; no supply figures there.
    assert number(total["admitted"]).sum() + number(total["unplaced"]).sum() == len(students)
    assert (home["seats"] == "").all() and (home["applicants"] == "").all()
