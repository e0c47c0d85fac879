"""The synthetic region: determinism, the contract, integrity, realism, and the generate command."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.cli import app
from admissions.errors import InvalidArgument
from admissions.io.contract import (
    ADDRESS_COLUMNS, APPLICATIONS, GRADE_POINTS, GRADES, MUNICIPALITIES, PROGRAMMES, STUDENTS,
)
from admissions.synth import generate_region, write_region
from admissions.synth.region import load_offers

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "skane-2000"
FILES = ("programmes", "students", "applications", "municipalities", "grades")
runner = CliRunner()

AREA = {
    "Malmö": 344000, "Helsingborg": 148000, "Lund": 125000, "Kristianstad": 86000, "Hässleholm": 52000,
    "Landskrona": 46000, "Trelleborg": 45000, "Ängelholm": 42000, "Vellinge": 37000, "Eslöv": 34000,
    "Kävlinge": 32000, "Ystad": 31000, "Höganäs": 27000, "Staffanstorp": 25000, "Lomma": 25000,
    "Svedala": 22000, "Sjöbo": 19000, "Simrishamn": 19000, "Burlöv": 19000, "Klippan": 18000,
    "Höör": 17000, "Åstorp": 16000, "Skurup": 16000, "Bjuv": 16000, "Hörby": 16000, "Båstad": 15000,
    "Östra Göinge": 15000, "Svalöv": 14000, "Tomelilla": 14000, "Osby": 13000, "Bromölla": 13000,
    "Örkelljunga": 10000, "Perstorp": 7500, "Karlshamn": 32000, "Ronneby": 29000, "Sölvesborg": 17000,
    "Olofström": 13000,
}


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("region") / "skane"
    write_region(folder, 2000, 1)
    return folder


@pytest.fixture(scope="module")
def files(region) -> dict[str, pd.DataFrame]:
    return {name: read(region, name) for name in FILES}


def test_same_size_and_seed_give_the_same_bytes(tmp_path):
    write_region(tmp_path / "a", 700, 5)
    write_region(tmp_path / "b", 700, 5)
    write_region(tmp_path / "c", 700, 6)
    for name in FILES:
        a = (tmp_path / "a" / f"{name}.csv").read_bytes()
        assert a == (tmp_path / "b" / f"{name}.csv").read_bytes(), name
    assert (tmp_path / "a" / "students.csv").read_bytes() != (tmp_path / "c" / "students.csv").read_bytes()


def test_committed_sample_is_what_the_generator_writes(region):
    for name in FILES:
        assert (SAMPLE / f"{name}.csv").read_bytes() == (region / f"{name}.csv").read_bytes(), name


def test_columns_are_the_contract_columns_in_order(files):
    # Optional columns the generator does not write: students' own coordinates (the demand model
    # then places them at their municipality's centre), the letters' name and address (no
    # personal data is generated) and lateness per choice (drawn per student, in students.csv).
    skipped = {"lottery", "eligible", "latitude", "longitude", "name", *ADDRESS_COLUMNS,
               "applications.application_group"}
    for spec in (PROGRAMMES, STUDENTS, APPLICATIONS, MUNICIPALITIES, GRADES):
        expected = [c for c in spec.column_names if c not in skipped and f"{spec.name}.{c}" not in skipped]
        assert list(files[spec.name].columns) == expected, spec.name


def test_row_counts(files):
    students, grades = files["students"], files["grades"]
    assert len(students) == 2000
    assert len(files["programmes"]) == len(load_offers())
    assert len(files["municipalities"]) == 44
    languages = int((grades["language_choice"] == "true").sum())
    assert len(grades) == 16 * 2000 + languages
    assert 2000 <= len(files["applications"]) <= 8 * 2000


def test_keys_are_unique(files):
    for spec in (PROGRAMMES, STUDENTS, APPLICATIONS, MUNICIPALITIES, GRADES):
        assert not files[spec.name].duplicated(list(spec.key)).any(), spec.name


def test_references_resolve(files):
    programmes, students, applications = files["programmes"], files["students"], files["applications"]
    towns = set(files["municipalities"]["municipality"])
    assert set(applications["programme_id"]) <= set(programmes["programme_id"])
    assert set(applications["student_id"]) == set(students["student_id"])
    assert set(files["grades"]["student_id"]) == set(students["student_id"])
    assert set(programmes["municipality"]) <= towns
    assert set(students["home_municipality"]) <= towns


def test_choice_ranks_are_consecutive_and_programmes_distinct(files):
    applications = files["applications"]
    rank = applications["choice_rank"].astype(int)
    position = applications.groupby("student_id").cumcount() + 1
    assert (rank == position).all()
    assert not applications.duplicated(["student_id", "programme_id"]).any()
    n_choices = applications.groupby("student_id").size()
    assert n_choices.between(1, 8).all()
    assert n_choices.between(3, 5).mean() > 0.5


def test_merit_value_is_computed_from_the_grades(files):
    grades = files["grades"].assign(points=lambda g: g["grade"].map(GRADE_POINTS))
    language = grades["language_choice"] == "true"
    assert grades.loc[language].groupby("student_id").size().max() == 1
    best16 = (grades[~language].sort_values("points", ascending=False)
              .groupby("student_id").head(16).groupby("student_id")["points"].sum())
    merit = best16.add(grades[language].groupby("student_id")["points"].sum(), fill_value=0)
    written = files["students"].set_index("student_id")["merit_value"].astype(float)
    pd.testing.assert_series_equal(merit.reindex(written.index), written, check_names=False)
    assert 215 <= written.mean() <= 250
    assert 45 <= written.std() <= 65
    assert written.max() <= 340


def test_grades_use_the_real_subjects_and_some_fail(files):
    grades = files["grades"]
    assert set(grades["grade"]) == set("ABCDEF")
    subjects = set(grades.loc[grades["language_choice"] == "false", "subject"])
    assert subjects == {"SV", "SVA", "EN", "MA", "BI", "FY", "KE", "TK", "GE", "HI", "RE", "SH",
                        "BL", "HKK", "IDH", "MU", "SL"}
    assert set(grades.loc[grades["language_choice"] == "true", "subject"]) == {"FRA", "SPA", "TYS"}
    per_student = grades.groupby("student_id")
    sva = per_student["subject"].apply(lambda s: "SVA" in set(s.values)).mean()
    assert 0.04 <= sva <= 0.12
    assert 0.68 <= (grades["language_choice"] == "true").sum() / 2000 <= 0.82
    core_fail = grades[grades["subject"].isin(["SV", "SVA", "EN", "MA"]) & (grades["grade"] == "F")]
    assert 0.03 <= core_fail["student_id"].nunique() / 2000 <= 0.25


def test_municipalities_are_the_area_and_its_neighbours(files):
    towns = files["municipalities"].set_index("municipality")
    inside = towns[towns["in_area"] == "true"]
    assert inside["population"].astype(float).to_dict() == {k: float(v) for k, v in AREA.items()}
    outside = towns[towns["in_area"] == "false"].index
    assert {"Halmstad", "Karlskrona", "Markaryd", "Älmhult"} <= set(outside)
    assert set(towns["in_area"]) == {"true", "false"}


def test_about_two_percent_live_outside_the_area(files):
    towns = files["municipalities"]
    outside = set(towns.loc[towns["in_area"] == "false", "municipality"])
    share = files["students"]["home_municipality"].isin(outside).mean()
    assert 0.01 <= share <= 0.035


def test_students_live_in_proportion_to_population(files):
    homes = files["students"]["home_municipality"].value_counts()
    assert homes.index[0] == "Malmö"
    assert 0.17 <= homes["Malmö"] / 2000 <= 0.29


def test_programmes_are_realistic(files):
    programmes = files["programmes"]
    codes = set(programmes["programme_code"])
    assert {"NA", "SA", "EK", "TE", "ES", "FS", "FR", "IMV", "IMY"} <= codes
    assert not codes & {"HA", "HV"}
    assert set(programmes["principal"]) == {"municipal", "independent"}
    assert (programmes["national_recruitment"] == "true").sum() >= 3
    orientations = programmes.groupby("programme_code")["orientation"].agg(set)
    assert {"Naturvetenskap", "Naturvetenskap och samhälle"} <= orientations["NA"]
    assert orientations["BA"] == {""}
    per_town = programmes["municipality"].value_counts()
    assert list(per_town.index[:3]) == ["Malmö", "Lund", "Helsingborg"]
    independent = programmes[programmes["principal"] == "independent"]["municipality"]
    assert independent.isin(["Malmö", "Lund", "Helsingborg"]).mean() > 0.6


def test_seats_are_about_the_students_oversubscribed_in_cities_vacant_elsewhere(files):
    programmes = files["programmes"].set_index("programme_id")
    seats = programmes["seats"].astype(int)
    assert 1.0 <= seats.sum() / 2000 <= 1.1
    first = files["applications"].query("choice_rank == '1'")["programme_id"].value_counts()
    demand = first.reindex(seats.index, fill_value=0)
    big = programmes["municipality"].isin(["Malmö", "Lund", "Helsingborg"])
    assert (demand[big] > seats[big]).sum() >= 10
    assert (demand[~big] < seats[~big]).sum() >= 10


@pytest.mark.slow
def test_class_sized_seats_in_the_full_region():
    programmes = generate_region(30_000, 2)["programmes"]
    unit = programmes["programme_code"].map(lambda c: 32 if c in ("NA", "SA", "EK", "TE", "HU") else 24 if c == "ES" else 16)
    assert (programmes["seats"] % np.maximum(1, np.round(unit * 30_000 / 55_000)) == 0).all()


def test_test_points_exactly_at_test_offers(files):
    programmes = files["programmes"].set_index("programme_id")
    applications = files["applications"]
    at_test = applications["programme_id"].map(programmes["test"]) == "true"
    assert at_test.any()
    assert (applications.loc[~at_test, "test_points"] == "").all()
    points = applications.loc[at_test, "test_points"].astype(int)
    assert points.between(0, 320).all() and (points % 16 == 0).all()
    assert (programmes["test"] == "true").sum() >= 3
    with_quota = programmes[programmes["test_seats"].astype(int) > 0]
    assert len(with_quota) >= 1 and (with_quota["test"] == "true").all()


def test_free_quota_and_late_group(files):
    programmes, students, applications = files["programmes"], files["students"], files["applications"]
    free = programmes[programmes["free_quota_seats"].astype(int) > 0]
    assert 1 <= len(free) <= 5 and free["free_quota_seats"].astype(int).between(1, 2).all()
    ranked = students[students["free_quota_rank"] != ""]
    assert sorted(ranked["free_quota_rank"].astype(int)) == list(range(1, len(ranked) + 1))
    chosen = applications[applications["student_id"].isin(ranked["student_id"])]
    assert chosen.groupby("student_id")["programme_id"].agg(lambda s: bool(set(s) & set(free["programme_id"]))).all()
    assert set(students["application_group"]) == {"on_time", "late"}
    assert 0.002 <= (students["application_group"] == "late").mean() <= 0.025


def test_text_format(region, files):
    assert set(files["programmes"]["national_recruitment"]) == {"true", "false"}
    assert not files["students"]["merit_value"].str.endswith(".0").any()
    assert files["students"]["merit_value"].str.fullmatch(r"\d+(\.5)?").all()
    assert files["programmes"]["seats"].str.fullmatch(r"\d+").all()
    text = (region / "municipalities.csv").read_text(encoding="utf-8")
    assert "Hässleholm" in text and "\r" not in text


def test_generate_region_rejects_bad_arguments():
    with pytest.raises(InvalidArgument, match="n_students == 0"):
        generate_region(0, 1)
    with pytest.raises(InvalidArgument, match="seed == -1"):
        generate_region(10, -1)


def test_cli_writes_and_summarises(tmp_path):
    out = tmp_path / "round"
    result = runner.invoke(app, ["generate", "--out", str(out), "--students", "300", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote 300 students, 355 programmes at 66 schools, ")
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.csv" for name in FILES)


def test_cli_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "notes.txt").write_text("keep")
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--students", "50"])
    assert result.exit_code == 1
    assert f"Error: folder {tmp_path} is not empty; use --force to write into it" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--students", "50", "--force"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "students.csv").exists() and (tmp_path / "notes.txt").exists()


def test_cli_rejects_a_non_positive_size(tmp_path):
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "x"), "--students", "0"])
    assert result.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_cli_help_has_an_example():
    result = runner.invoke(app, ["generate", "--help"])
    assert result.exit_code == 0
    assert "Example: admissions generate --out" in result.output


def test_strong_students_choose_preparatory_programmes(files):
    programmes = files["programmes"].set_index("programme_id")
    first = files["applications"].query("choice_rank == '1'")
    merit = files["students"].set_index("student_id")["merit_value"].astype(float)
    code = first["programme_id"].map(programmes["programme_code"])
    by_code = merit[first["student_id"]].groupby(code.to_numpy()).mean()
    assert by_code["NA"] > by_code["SA"] > by_code[["BA", "FT", "EE"]].max()
    assert by_code[["IMV", "IMY"]].max() < 170


def test_choices_are_mostly_near_home(files):
    programmes = files["programmes"].set_index("programme_id")
    first = files["applications"].query("choice_rank == '1'")
    host = first["programme_id"].map(programmes["municipality"]).to_numpy()
    home = files["students"].set_index("student_id")["home_municipality"][first["student_id"]].to_numpy()
    assert (host == home).mean() > 0.4
    malmo = home == "Malmö"
    assert (host[malmo] == "Malmö").mean() > 0.8


@pytest.mark.slow
def test_bytes_do_not_depend_on_hash_randomisation(tmp_path):
    import os
    import subprocess
    import sys

    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        subprocess.run([sys.executable, "-m", "admissions", "generate", "--out", str(tmp_path / hash_seed),
                        "--students", "200", "--seed", "4"], check=True, env=env, capture_output=True)
    for name in FILES:
        assert (tmp_path / "1" / f"{name}.csv").read_bytes() == (tmp_path / "2" / f"{name}.csv").read_bytes()
