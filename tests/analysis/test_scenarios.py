"""scenarios.csv: seats syntax and every validation rule, each problem naming file, row, column, value, rule."""

import numpy as np
import pytest

from admissions.analysis.scenarios import SEATS_RULE, load_scenarios, parse_seats
from admissions.errors import InvalidInput

IDS = np.array(["A", "B", "C"])
SEATS = np.array([1, 1, 2])


def load(tmp_path, text):
    path = tmp_path / "scenarios.csv"
    path.write_text(text, encoding="utf-8")
    return load_scenarios(path, IDS, SEATS)


def problems(tmp_path, text):
    with pytest.raises(InvalidInput) as info:
        load(tmp_path, text)
    return [(p.file, p.row, p.column, p.value, p.rule) for p in info.value.problems]


@pytest.mark.parametrize("text, current, expected", [
    ("40", 10, 40), ("0", 10, 0), ("+32", 10, 42), ("-10", 10, 0), (" -3 ", 10, 7), ("30", None, 30),
])
def test_parse_seats(text, current, expected):
    assert parse_seats(text, current) == (expected, None)


@pytest.mark.parametrize("text", ["+x", "-", "", "1e3", "+ 3", "ten"])
def test_parse_seats_refuses_bad_syntax(text):
    assert parse_seats(text, 10) == (None, SEATS_RULE)


@pytest.mark.parametrize("text, reading", [
    ("1.5", "in digits only: '1.5' has a decimal mark (1.5)"),
    ("+8,0", "in digits only: '+8,0' has a decimal mark (8)"),
    ("1 000", "in digits only: '1 000' reads as 1000 with ' ' as thousands separator; write the number you mean"),
    ("\u22122", "'\u22122' has the minus sign U+2212 (\u2212), where numbers take '-' (hyphen-minus)"),
])
def test_parse_seats_says_what_a_spreadsheets_number_reads_as(text, reading):
    separator = ": " if reading.startswith("'") else ", "
    assert parse_seats(text, 10) == (None, f"{SEATS_RULE}{separator}{reading}")


def test_parse_seats_refuses_a_result_below_zero_and_a_change_of_an_added_offer():
    assert parse_seats("-11", 10) == (None, "leaves -1 seats, must leave >= 0 (the offer has 10)")
    value, rule = parse_seats("+5", None)
    assert value is None and rule.startswith("must be a whole number >= 0 for an added offer")


def test_parse_seats_refuses_more_seats_than_a_count_holds():
    """Seats beyond int64 were an OverflowError traceback of whatif (numpy could not hold them)."""
    too_many = "gives {} seats, must give at most 9,007,199,254,740,991"
    assert parse_seats("99999999999999999999", 10) == (None, too_many.format(99999999999999999999))
    assert parse_seats("99999999999999999999", None) == (None, too_many.format(99999999999999999999))
    assert parse_seats("+9007199254740991", 10) == (None, too_many.format(9007199254741001))
    assert parse_seats("9007199254740991", 10) == (9007199254740991, None)


def test_scenarios_group_rows_by_name_in_file_order(tmp_path):
    scenarios = load(tmp_path, "scenario,programme_id,seats,added\n"
                               "more,A,+1,\nclose,B,0,\nmore,C,-1,false\nmore,X,30,true\n")
    assert [s.name for s in scenarios] == ["more", "close"]
    more, close = scenarios
    assert more.seats.tolist() == [2, 1, 1] and more.added == {"X": 30} and more.n_changes == 3
    assert more.added_seats == 30
    assert close.seats.tolist() == [1, 0, 2] and close.added == {} and close.n_changes == 1


def test_added_column_is_optional(tmp_path):
    [s] = load(tmp_path, "scenario,programme_id,seats\ns,A,5\n")
    assert s.seats.tolist() == [5, 1, 2]


def test_every_problem_is_reported_together(tmp_path):
    found = problems(tmp_path, (
        "scenario,programme_id,seats,added\n"
        "s1,A,+x,\n"          # row 2: bad syntax
        "s1,Z,5,\n"           # row 3: unknown, not added
        "s1,A,3,\n"           # row 4: A twice in s1
        "baseline,B,2,\n"     # row 5: reserved name
        "s2,C,-3,\n"          # row 6: below zero
        "s2,B,7,true\n"       # row 7: added but exists
        "s2,X,+4,true\n"      # row 8: added with a change
        "s3,C,-,\n"           # row 9: bad syntax
    ))
    assert ("scenarios.csv", 2, "seats", "+x", SEATS_RULE) in found
    assert ("scenarios.csv", 3, "programme_id", "Z",
            "programme_id not found in programmes.csv (a new offer needs added = true)") in found
    assert ("scenarios.csv", 5, "scenario", "baseline",
            "'baseline' is reserved for the round as it is, must be another name") in found
    assert ("scenarios.csv", 6, "seats", "-3", "leaves -1 seats, must leave >= 0 (the offer has 2)") in found
    assert ("scenarios.csv", 7, "programme_id", "B", "is in programmes.csv, must be a new id when added is true") in found
    assert ("scenarios.csv", 9, "seats", "-", SEATS_RULE) in found
    rows = {(row, column) for _, row, column, _, _ in found}
    assert (8, "seats") in rows
    # The same programme twice in one scenario: the validator's duplicate-key rule.
    duplicate = [p for p in found if p[1] == 4]
    assert duplicate and duplicate[0][2] == "programme_id" and "duplicate programme_id" in duplicate[0][4]


def test_missing_column_and_empty_file(tmp_path):
    found = problems(tmp_path, "scenario,programme_id\ns,A\n")
    assert ("scenarios.csv", 1, "seats", None, "required column missing") in found
    found = problems(tmp_path, "scenario,programme_id,seats\n")
    assert found == [("scenarios.csv", None, None, None, "file has no rows, must list at least one change")]


def test_cell_problems_and_row_problems_are_reported_together(tmp_path):
    """A cell problem (an empty scenario name, added 'maybe') stopped the file there: the rows'
    problems (an unknown offer, a 'baseline' scenario, bad seats) came only on the next run."""
    found = problems(tmp_path, "scenario,programme_id,seats,added,growth\n"
                               ",A,+1,,\nb,A,+2,maybe,\nc,NOPE,3,,\n Baseline ,A,+1,,\nd,A,+1,,-2\ne,A,1.5,,\n")
    assert found == [
        ("scenarios.csv", 2, "scenario", "", "must not be empty"),
        ("scenarios.csv", 3, "added", "maybe", "must be true or false (or yes/no, ja/nej, 1/0)"),
        ("scenarios.csv", 4, "programme_id", "NOPE", "programme_id not found in programmes.csv (a new offer needs "
                                                     "added = true)"),
        ("scenarios.csv", 5, "scenario", " Baseline ", "'baseline' is reserved for the round as it is, must be "
                                                       "another name"),
        ("scenarios.csv", 6, "growth", "-2", "must be a number >= 0"),
        ("scenarios.csv", 7, "seats", "1.5", f"{SEATS_RULE}, in digits only: '1.5' has a decimal mark (1.5)"),
    ]


def test_a_second_growth_of_a_scenario_is_named_as_written(tmp_path):
    """The value was the float's repr ('1.2' as written showed as 1.2, '2' as '2.0')."""
    found = problems(tmp_path, "scenario,programme_id,seats,growth\nmore,A,+1,1.5\nmore,B,+1,2\n")
    assert found == [("scenarios.csv", 3, "growth", "2", "differs from row 2 of scenario more (1.5), must be one "
                                                        "factor per scenario")]


def test_a_folder_given_for_the_scenarios_file_is_named_a_folder(tmp_path):
    # It read 'file not found' for a folder that is there.
    with pytest.raises(InvalidInput) as info:
        load_scenarios(tmp_path, np.array(["A"], dtype=object), np.array([3]))
    assert [(p.file, p.rule) for p in info.value.problems] == [(tmp_path.name, "is a folder; give the file")]
