"""Numbers without guessing, one Unicode form per name, invisible characters named, CR line ends.

The cases of issue 13 ("Why"), then properties over the whole class: random numeric spellings and
random Unicode forms of every key.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from admissions.cli import app
from admissions.errors import InvalidInput
from admissions.io.readers import read_table
from admissions.io.validate import load_round

from .conftest import MINIMAL

runner = CliRunner()
MALMO_NFD = unicodedata.normalize("NFD", "Malmö")


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_round(folder)
    return [p.describe() for p in caught.value.problems]


def rewrite(folder: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, (old, name)
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- numbers -----------------------------------------------------------------------------------


def test_prices_from_an_english_excel_are_refused_with_both_readings(folder):
    # Issue 13: prices.csv from an English-locale Excel ("137,000") was read as 137 SEK.
    (folder / "prices.csv").write_text('programme_code,price_sek\nNA,"137,000"\nSA,"98,500"\n', encoding="utf-8")
    assert problems_of(folder) == [
        "prices.csv, row 2, column price_sek: value '137,000': must be a whole number >= 0, in digits only: "
        "'137,000' reads as 137000 with ',' as thousands separator or as 137 with ',' as decimal mark; "
        "write the number you mean (check prices.price_sek.type)",
        "prices.csv, row 3, column price_sek: value '98,500': must be a whole number >= 0, in digits only: "
        "'98,500' reads as 98500 with ',' as thousands separator or as 98.5 with ',' as decimal mark; "
        "write the number you mean (check prices.price_sek.type)",
    ]


def test_a_decimal_whose_reading_depends_on_the_locale_is_refused(folder):
    rewrite(folder, "students.csv", "0012,Malmö,237.5", "0012,Malmö,\"237,500\"")
    assert problems_of(folder) == [
        "students.csv, row 2, column merit_value: value '237,500': reads as 237.5 with ',' as decimal mark or "
        "as 237500 with ',' as thousands separator, depending on the locale; write it without thousands "
        "separators (check students.merit_value.decimal)",
    ]


def test_the_file_s_own_decimal_mark_settles_a_three_digit_decimal(folder):
    rewrite(folder, "students.csv", "0012,Malmö,237.5", "0012,Malmö,\"237,500\"")
    rewrite(folder, "students.csv", "S3,Halmstad,300", "S3,Halmstad,\"300,25\"")
    data = load_round(folder)
    assert data.students["merit_value"].tolist()[0] == 237.5
    assert data.students["merit_value"].tolist()[2] == 300.25


def test_one_decimal_mark_per_file(folder):
    rewrite(folder, "students.csv", "S3,Halmstad,300", "S3,Halmstad,\"300,25\"")
    rewrite(folder, "students.csv", "S4,Malmö,180", "S4,Malmö,\"180,5\"")
    assert problems_of(folder) == [
        "students.csv, row 2, column merit_value: value '237.5': this file writes decimals with ',' (2 values) "
        "and this value with '.'; use one decimal mark in the whole file (check students.merit_value.decimal)",
    ]


integers = st.integers(0, 10**7)


@st.composite
def integer_spellings(draw):
    """(text, the whole number it means or None when it must be refused)."""
    n = draw(integers)
    kind = draw(st.sampled_from(["digits", "plus", "padded", "thousands", "decimal", "exponent"]))
    if kind == "digits":
        return str(n), n
    if kind == "plus":
        return f"+{n}", n
    if kind == "padded":
        return f" {n} ", n
    if kind == "thousands":
        sep = draw(st.sampled_from([",", ".", " ", "\u00a0"]))
        return f"{n:,}".replace(",", sep) if n >= 1000 else f"1{sep}{n:03d}", None
    if kind == "decimal":
        return f"{n}{draw(st.sampled_from(['.', ',']))}{draw(st.integers(0, 99))}", None
    return f"{n}e0", None


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spellings=st.lists(integer_spellings(), min_size=1, max_size=3))
def test_random_spellings_of_whole_numbers(tmp_path_factory, spellings):
    """Seats are read exactly when written in digits; any other spelling is refused, showing the value."""
    folder = tmp_path_factory.mktemp("n") / "round"
    shutil.copytree(MINIMAL, folder)
    lines = (folder / "programmes.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    for i, (text, _) in enumerate(spellings[:len(rows)]):
        cells = rows[i].split(",")
        cells[5] = f'"{text}"'
        rows[i] = ",".join(cells)
    (folder / "programmes.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    used = spellings[:len(rows)]
    if all(meant is not None for _, meant in used):
        seats = load_round(folder).programmes["seats"].tolist()
        assert seats[:len(used)] == [meant for _, meant in used]
    else:
        problems = problems_of(folder)
        for text, meant in used:
            if meant is None:
                assert any(f"column seats: value {text.strip()!r}" in p for p in problems), problems


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.decimals(0, 340, places=2, allow_nan=False), min_size=4, max_size=4),
       mark=st.sampled_from([".", ","]))
def test_random_decimals_in_one_mark_are_read_exactly(tmp_path_factory, values, mark):
    folder = tmp_path_factory.mktemp("d") / "round"
    shutil.copytree(MINIMAL, folder)
    lines = (folder / "students.csv").read_text(encoding="utf-8").splitlines()
    # Two decimals each, so no value reads as a thousands separator.
    texts = [f"{v:.2f}".replace(".", mark) for v in values]
    rows = [",".join(line.split(",")[:2] + [f'"{t}"']) for line, t in zip(lines[1:], texts)]
    (folder / "students.csv").write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    merit = load_round(folder).students["merit_value"].tolist()
    assert merit == [float(f"{v:.2f}") for v in values]


# --- Unicode -----------------------------------------------------------------------------------


def test_two_unicode_forms_of_a_name_are_one_name(folder, tmp_path):
    # Issue 13: "Malmö" decomposed (as macOS writes it) in students.csv was "'Malmö' not found", and
    # flows.csv billed Malmö for one of its own students.
    rewrite(folder, "students.csv", "0012,Malmö,", f"0012,{MALMO_NFD},")
    data = load_round(folder)
    assert data.students["home_municipality"].tolist()[0] == "Malmö"
    result = runner.invoke(app, ["match", str(folder), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    flows = pd.read_csv(tmp_path / "out" / "flows.csv", dtype=str, keep_default_na=False)
    malmo = flows[flows["home_municipality"].str.startswith("Malm")]
    assert set(malmo["home_municipality"]) == {"Malmö"}
    own = malmo[malmo["host_municipality"] == "Malmö"]
    # Malmö pays for its own students only at independent schools (issue 16), never as a host.
    placements = pd.read_csv(tmp_path / "out" / "placements.csv", dtype=str, keep_default_na=False)
    programmes = pd.read_csv(folder / "programmes.csv", dtype=str, keep_default_na=False)
    students = load_round(folder).students[["student_id", "home_municipality"]]
    at_home = placements.merge(students, on="student_id").merge(programmes, on="programme_id")
    at_home = at_home[(at_home["home_municipality"] == "Malmö") & (at_home["municipality"] == "Malmö")]
    assert own["compensated_students"].astype(int).sum() == (at_home["principal"] == "independent").sum()


def test_header_names_are_normalised_too(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text(f"student_id,home_municipality,merit_value\nS1,{MALMO_NFD},200\n", encoding="utf-8")
    table = read_table(path).table
    assert table.frame["home_municipality"].tolist() == ["Malmö"]


@pytest.mark.parametrize("character, named", [
    ("\u00a0", "U+00A0 (NO-BREAK SPACE)"),
    ("\u200b", "U+200B (ZERO WIDTH SPACE)"),
    ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("\ufeff", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)"),
])
def test_an_invisible_character_in_a_key_is_named_by_its_code_point(folder, character, named):
    rewrite(folder, "students.csv", "0012,Malmö,", f"0012,Malmö{character},")
    problems = problems_of(folder)
    assert problems == [
        f"students.csv, row 2, column home_municipality: value {('Malmö' + character)!r}: holds {named}, an "
        "invisible or formatting character; remove it (check students.home_municipality.invisible)",
    ]
    assert "\\u" in problems[0] or "\\x" in problems[0]  # the value shown escaped, never the raw character


@pytest.mark.slow  # every code point: ~2 s
def test_the_byte_scan_before_the_invisible_pattern_misses_no_code_point():
    # _invisible matches INVISIBLE only in cells with a byte that may start such a character:
    # over every code point, alone and after "Malmö", it finds what the pattern finds on its own.
    import pyarrow.compute as pc

    from admissions.io.validate import INVISIBLE, _invisible

    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for cells in (pa.array(points), pa.array(["Malmö" + p for p in points])):
        expected = pc.match_substring_regex(cells, INVISIBLE).to_numpy(zero_copy_only=False)
        assert expected.sum() == 250
        assert (_invisible(cells) == expected).all()


def test_a_right_to_left_override_in_a_school_name_is_a_problem(folder):
    # Issue 13: a right-to-left override in a school name reached the reports unflagged.
    rewrite(folder, "programmes.csv", "Malmö Latinskola", "Malmö \u202eLatinskola")
    assert problems_of(folder) == [
        "programmes.csv, row 2, column school: value 'Malmö \\u202eLatinskola': holds U+202E "
        "(RIGHT-TO-LEFT OVERRIDE), an invisible or formatting character; remove it (check programmes.school.invisible)",
    ]


def test_terminal_escape_codes_in_a_parquet_column_name_are_printed_escaped(folder):
    # Issue 13: a Parquet column name carrying escape codes retitled the terminal and cleared it.
    (folder / "students.csv").unlink()
    hostile = "\x1b]0;pwned\x07\x1b[2J"
    columns = [["0012", "S2", "S3", "S4"], ["Malmö", "Lund", "Halmstad", "Malmö"], ["237.5", "", "300", "180"],
               ["x", "", "", ""], ["y", "", "", ""]]
    names = ["student_id", "home_municipality", "merit_value", hostile, hostile]
    table = pa.Table.from_arrays([pa.array(c) for c in columns], names=names)
    pq.write_table(table, folder / "students.parquet")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b" in result.stderr


@st.composite
def unicode_forms(draw, text: str) -> str:
    return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_unicode_forms_of_every_key_give_the_same_round(tmp_path_factory, data):
    """Every occurrence of every non-ASCII key, written NFC or NFD at random: the same typed round."""
    folder = tmp_path_factory.mktemp("u") / "round"
    shutil.copytree(MINIMAL, folder)
    for name in ("students.csv", "programmes.csv", "municipalities.csv", "applications.csv"):
        path = folder / name
        text = path.read_text(encoding="utf-8").replace("0012", "Åsa-0012")
        pieces = text.split("Malmö")
        for word in ("Malmö",):
            out = pieces[0]
            for piece in pieces[1:]:
                out += data.draw(unicode_forms(word)) + piece
            text = out
        path.write_text("".join(unicodedata.normalize(data.draw(st.sampled_from(["NFC", "NFD"])), line)
                                for line in text.splitlines(keepends=True)), encoding="utf-8")
    (folder / "grades.csv").write_text((folder / "grades.csv").read_text().replace("0012", "Åsa-0012"))
    round_ = load_round(folder)
    assert round_.students["student_id"].tolist()[0] == "Åsa-0012"
    assert set(round_.students["home_municipality"]) <= {"Malmö", "Lund", "Halmstad"}
    assert set(round_.programmes["municipality"]) <= {"Malmö", "Lund", "Halmstad"}


# --- line ends ---------------------------------------------------------------------------------


def test_cr_only_line_ends_are_line_ends(folder):
    # Issue 13: Excel for Mac's "CSV (Macintosh)" was refused as "the header has 38,368 columns".
    for name in ("students.csv", "applications.csv"):
        path = folder / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    data = load_round(folder)
    assert data.students["student_id"].tolist() == ["0012", "S2", "S3", "S4"]
    assert len(data.applications) == 7


# --- subjects ----------------------------------------------------------------------------------


@pytest.mark.parametrize("subject, nearest", [
    ("MAT", "MA (Matematik), MLA (Modersmål), TK (Teknik)"),
    ("XYZ", "FY (Fysik), TYS (Tyska), TSP (Teckenspråk)"),
    ("Matematk", "MA (Matematik), TK (Teknik), MLA (Modersmål)"),
])
def test_an_unknown_subject_is_a_problem_listing_the_nearest_codes(folder, subject, nearest):
    # Issue 13: a subject typo in grades.csv passed validate; the student was then "no pass in
    # mathematics" on every choice and unplaced.
    from admissions.io.contract import SUBJECTS_VERSION

    rewrite(folder, "grades.csv", "S2,EN,B", f"S2,{subject},B")
    assert problems_of(folder) == [
        f"grades.csv, row 3, column subject: value {subject!r}: unknown subject; nearest known: {nearest} "
        f"({SUBJECTS_VERSION}) (check grades.subject.known)",
    ]


@pytest.mark.parametrize("subject", ["EN", "en", "Engelska", "ENGELSKA", " engelska "])
def test_codes_and_long_swedish_names_are_accepted(folder, subject):
    rewrite(folder, "grades.csv", "S2,EN,B", f"S2,{subject},B")
    assert len(load_round(folder).grades) == 4


def test_the_subject_table_is_versioned_data():
    from admissions.io.contract import SUBJECT_NAMES, SUBJECTS, SUBJECTS_VERSION, subject_code

    assert SUBJECTS_VERSION.startswith("subjects ")
    assert SUBJECTS["MA"] == "Matematik"
    assert subject_code("Svenska som andraspråk") == "SVA"
    assert all(subject_code(name) == code for name, code in SUBJECT_NAMES.items())


def test_a_whole_number_beyond_the_largest_count_says_why_it_is_refused(folder):
    """Seats 9223372036854775807 read 'must be a whole number >= 0': true of the value, so the rule
    did not say what was wrong (numbers are exact only up to 2^53 - 1)."""
    rewrite(folder, "programmes.csv", "Naturvetenskap,2,", "Naturvetenskap,9223372036854775807,")
    assert problems_of(folder) == [
        "programmes.csv, row 2, column seats: value '9223372036854775807': must be a whole number >= 0 and at most "
        "9,007,199,254,740,991 (check programmes.seats.type)"]
    rewrite(folder, "programmes.csv", "Naturvetenskap,9223372036854775807,", "Naturvetenskap,9007199254740991,")
    load_round(folder)
