"""Fuzzing the readers and the validator: whatever the bytes, a ReadResult or InvalidInput, never another exception.

Every input that once made a reader or the validator fail is kept in tests/data/fuzz/ and replayed
here (test_corpus_*). An atheris harness for longer runs is tests/safety/fuzz_atheris.py (not run
by pytest; see its docstring).
"""

from __future__ import annotations

import io
import json
import random
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admissions.errors import InvalidInput
from admissions.io.xlsx import write_xlsx
from admissions.io.readers import ReadResult, read_table
from admissions.io.validate import load_round

from .conftest import FUZZ_CORPUS

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: A tiny valid round; the fuzzed file replaces students.
TINY = {
    "programmes.csv": "programme_id,school,municipality,programme_code,orientation,seats,principal,"
                      "national_recruitment\n"
                      "P1,Skolan,Malmö,NA,,2,municipal,false\n",
    "students.csv": "student_id,home_municipality,merit_value\nS1,Malmö,250\nS2,Lund,200\nS3,Malmö,180\n",
    "applications.csv": "student_id,choice_rank,programme_id\nS1,1,P1\nS2,1,P1\nS3,1,P1\n",
    "municipalities.csv": "municipality,in_area,population\nMalmö,true,344000\nLund,true,130000\n",
}


def tiny_round(folder: Path, students_name: str = "students.csv", students: bytes | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.iterdir():
        path.unlink()
    for name, text in TINY.items():
        if name == "students.csv" and students is not None:
            (folder / students_name).write_bytes(students)
        else:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def read_safely(path: Path, name: str = "students") -> ReadResult:
    # CPU seconds of this process, not wall-clock time: waiting for a core shared with other work is
    # not the reader's time, and a hang or a blow-up still shows.
    start = time.process_time()
    result = read_table(path, name)
    assert time.process_time() - start < 10
    assert isinstance(result, ReadResult)
    assert all(p.file == path.name for p in result.problems)
    if result.table is None:
        assert result.problems, "a file that could not be read must say why"
    return result


def load_safely(folder: Path) -> None:
    try:
        load_round(folder)
    except InvalidInput as exc:
        assert exc.problems
        for problem in exc.problems:
            problem.describe()  # every problem can be printed


# --- strategies ----------------------------------------------------------------------------------

CELL_CHARS = st.sampled_from(list('abcS01239 ,;\t"\'\n\r\x00=+-@åäöÅÄÖé€\ufeff\x1a\\'))
cells = st.one_of(
    st.text(CELL_CHARS, max_size=12),
    st.integers(-10**6, 10**6).map(str),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["a", '"', ",", "\n"]), st.integers(0, 3000)),
)


@st.composite
def csv_bytes(draw) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    n = draw(st.integers(1, 6))
    header = draw(st.lists(st.sampled_from(["student_id", "home_municipality", "merit_value", "x", "", "student_id"]),
                           min_size=n, max_size=n))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=n + 2), max_size=8))
    quote = draw(st.booleans())

    def line(values):
        if quote:
            values = ['"' + v.replace('"', '""') + '"' for v in values]
        return delimiter.join(values)

    text = "\n".join([line(header), *(line(r) for r in rows)]) + draw(st.sampled_from(["", "\n", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return data if cut is None else data[:cut]


def _valid_xlsx() -> bytes:
    buffer = io.BytesIO()
    path = Path("/dev/null")  # write_xlsx wants a path: write to a temporary file instead
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "students.xlsx"
        write_xlsx({"students": pd.DataFrame({"student_id": ["S1", "S2", "S3"],
                                              "home_municipality": ["Malmö", "Lund", "Malmö"],
                                              "merit_value": [250, 200, None]})}, path)
        buffer.write(path.read_bytes())
    return buffer.getvalue()


def _valid_parquet() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"student_id": ["S1", "S2", "S3"], "home_municipality": ["Malmö", "Lund", "Malmö"],
                             "merit_value": [250.0, 200.0, None]}), buffer)
    return buffer.getvalue()


VALID_XLSX = _valid_xlsx()
VALID_PARQUET = _valid_parquet()


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """``data`` with a few bytes changed, some cut away or inserted."""
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        choice = draw(st.integers(0, 2))
        if not out:
            break
        if choice == 0:
            out[at] = draw(st.integers(0, 255))
        elif choice == 1:
            del out[at:at + draw(st.integers(1, 64))]
        else:
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
    if draw(st.booleans()):
        out = out[: draw(st.integers(0, len(out)))]
    return bytes(out)


# --- the readers -----------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=4000))
def test_any_bytes_as_csv(tmp_path, data):
    path = tmp_path / "students.csv"
    path.write_bytes(data)
    read_safely(path)


@FUZZ
@given(data=csv_bytes())
def test_random_csv_text(tmp_path, data):
    path = tmp_path / "students.csv"
    path.write_bytes(data)
    read_safely(path)


@FUZZ
@given(data=st.one_of(mutated(VALID_XLSX), st.binary(max_size=2000)))
def test_broken_xlsx(tmp_path, data):
    path = tmp_path / "students.xlsx"
    path.write_bytes(data)
    read_safely(path)


@FUZZ
@given(data=mutated(VALID_PARQUET))
def test_broken_parquet(tmp_path, data):
    path = tmp_path / "students.parquet"
    path.write_bytes(data)
    read_safely(path)


# --- the validator ---------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_bytes())
def test_load_round_with_a_random_students_file(tmp_path, data):
    load_safely(tiny_round(tmp_path / "round", students=data))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated(VALID_XLSX))
def test_load_round_with_a_broken_students_xlsx(tmp_path, data):
    load_safely(tiny_round(tmp_path / "round", "students.xlsx", students=data))


def test_a_students_file_whose_only_id_is_blank_is_refused_with_its_problem(tmp_path):
    # Found by hypothesis: the references into a key column without one valid cell raised IndexError.
    with pytest.raises(InvalidInput) as caught:
        load_round(tiny_round(tmp_path / "round", students=b"student_id\n "))
    assert any(p.file == "students.csv" and p.row == 2 and p.column == "student_id" for p in caught.value.problems)


def test_the_tiny_round_is_valid(tmp_path):
    data = load_round(tiny_round(tmp_path / "round"))
    assert data.students["student_id"].tolist() == ["S1", "S2", "S3"]


# --- the corpus of inputs that once failed ---------------------------------------------------------


CORPUS = sorted(p for p in FUZZ_CORPUS.iterdir() if p.suffix in (".csv", ".xlsx", ".parquet"))
# A workbook whose one cell sits at the sheet's far corner takes seconds to read: slow, run by the full suite.
CASES = [pytest.param(p, marks=pytest.mark.slow) if p.name == "xlsx-far-cell.xlsx" else p for p in CORPUS]
EXPECTED = json.loads((FUZZ_CORPUS / "expected.json").read_text(encoding="utf-8"))


def test_the_corpus_is_there():
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS if p.name != "valid-students.xlsx")
    assert (FUZZ_CORPUS / "README.md").is_file()


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_corpus_reader(path):
    result = read_safely(path)
    if path.name in EXPECTED:
        assert result.table is None
        assert result.problems[0].describe().startswith(path.name + EXPECTED[path.name])


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_corpus_validator(path, tmp_path):
    load_safely(tiny_round(tmp_path / "round", f"students{path.suffix}", students=path.read_bytes()))


def test_seeded_random_bytes_never_raise(tmp_path):
    rng = random.Random(7)
    for suffix in (".csv", ".xlsx", ".parquet"):
        for _ in range(30):
            path = tmp_path / f"students{suffix}"
            path.write_bytes(rng.randbytes(rng.randint(0, 3000)))
            read_safely(path)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from(list('ab,;"\r\n ')), max_size=60))
def test_lines_split_as_the_csv_module_splits_a_file(text):
    """The record-by-record reader feeds csv lines one at a time; it must parse as a whole file would."""
    import csv

    from admissions.io.readers import _LINE

    def parse(lines):
        try:
            return list(csv.reader(lines))
        except csv.Error as exc:
            return str(exc)

    assert parse(m.group() for m in _LINE.finditer(text)) == parse(io.StringIO(text, newline=""))
