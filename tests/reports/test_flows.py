"""flows.csv: students by home and host municipality and the inter-municipal cost, recomputed."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd

from admissions.io.prices import shipped_prices
from admissions.io.programme_types import load_programme_types
from admissions.match import run_match
from admissions.reports.flows import FLOW_COLUMNS, cost_text


def expected_flows(m, prices: pd.DataFrame) -> pd.DataFrame:
    programmes = m.input("programmes")
    placed = m.output("placements").merge(m.input("students")[["student_id", "home_municipality"]], on="student_id")
    placed = placed[placed["programme_id"] != ""].merge(
        programmes[["programme_id", "municipality", "programme_code", "principal"]], on="programme_id")
    price = dict(zip(prices["programme_code"].astype(str), prices["price_sek"].astype(float)))
    # The home pays for a seat in another municipality, and for a seat at an independent school anywhere.
    placed["compensated"] = (placed["home_municipality"] != placed["municipality"]) | (placed["principal"] == "independent")
    placed["price"] = placed["programme_code"].map(price)
    placed["cost"] = placed["price"].where(placed["compensated"], 0).fillna(0)
    placed["unpriced"] = placed["compensated"] & placed["price"].isna()
    grouped = placed.groupby(["home_municipality", "municipality"])
    return pd.DataFrame({
        "students": grouped.size(),
        "compensated_students": grouped["compensated"].sum(),
        "cost_sek": grouped["cost"].sum().round(),
        "students_without_price": grouped["unpriced"].sum(),
    })


def test_columns_and_totals(matched):
    flows = matched.output("flows")
    assert tuple(flows.columns) == FLOW_COLUMNS
    placed = (matched.output("placements")["programme_id"] != "").sum()
    assert flows["students"].astype(int).sum() == placed


def test_every_pair_is_recomputed(matched):
    flows = matched.output("flows").set_index(["home_municipality", "host_municipality"]).sort_index()
    expected = expected_flows(matched, shipped_prices()).sort_index()
    assert flows.index.tolist() == [tuple(i) for i in expected.index.tolist()]
    for column in ("students", "compensated_students", "cost_sek", "students_without_price"):
        np.testing.assert_array_equal(flows[column].astype(float).to_numpy(),
                                      expected[column].astype(float).to_numpy(), err_msg=column)


def test_shipped_prices_are_the_riksprislista():
    prices = shipped_prices().set_index("programme_code")
    price = prices["price_sek"]
    assert price["NA"] == 96100 and price["NB"] == 210500 and price["EK"] == 87300
    # Skolverket 2023: Försäljnings- och service 103 200, Handels- och administration 103 500.
    assert price["FS"] == 103200 and price["HA"] == 103500
    assert price.index.is_unique and (price > 0).all()
    assert prices["source"].str.len().min() > 20  # every figure says where it comes from


def test_the_shipped_list_prices_every_code_of_the_programme_type_table():
    codes = set(load_programme_types().types)
    assert codes - set(shipped_prices()["programme_code"]) == set()
    assert {"SA", "TE", "VO", "RL", "VF", "FR", "IMV", "IMY", "IMA", "IMS"} <= codes


def test_a_generated_region_has_no_compensated_student_without_a_price(region):
    flows = region.output("flows")
    assert flows["students_without_price"].astype(int).sum() == 0
    programmes = region.input("programmes")
    placements = region.output("placements")
    independent = placements["programme_id"].isin(programmes.loc[programmes["principal"] == "independent", "programme_id"])
    assert flows["compensated_students"].astype(int).sum() >= independent.sum() > 0


def test_a_cost_with_students_without_a_price_says_at_least():
    assert cost_text(3956200, 0) == "3,956,200 SEK"
    assert cost_text(3956200.4, 1) == "at least 3,956,200 SEK; 1 student without a price"
    assert cost_text(3956200, 2419, per=" a year") == "at least 3,956,200 SEK a year; 2,419 students without a price"


def _two_schools(folder):
    """A and C live in Malmö, B and D in Lund; A and B go to an independent NA in Malmö, C and D to a municipal EK there."""
    folder.mkdir()
    (folder / "programmes.csv").write_text(
        "programme_id,school,municipality,programme_code,orientation,seats,principal,national_recruitment\n"
        "IND-NA,Fria,Malmö,NA,,5,independent,false\nMUN-EK,Kommunala,Malmö,EK,,5,municipal,false\n", encoding="utf-8")
    (folder / "students.csv").write_text(
        "student_id,home_municipality,merit_value\nA,Malmö,200\nB,Lund,200\nC,Malmö,200\nD,Lund,200\n", encoding="utf-8")
    (folder / "applications.csv").write_text(
        "student_id,choice_rank,programme_id\nA,1,IND-NA\nB,1,IND-NA\nC,1,MUN-EK\nD,1,MUN-EK\n", encoding="utf-8")
    (folder / "municipalities.csv").write_text(
        "municipality,in_area,population\nMalmö,true,344000\nLund,true,125000\n", encoding="utf-8")
    return folder


def _flows(out):
    return pd.read_csv(out / "flows.csv", dtype=str, keep_default_na=False).set_index(
        ["home_municipality", "host_municipality"])


def test_a_student_at_an_independent_school_is_compensated_even_at_home(tmp_path):
    folder = _two_schools(tmp_path / "round")
    run_match(folder, tmp_path / "out", seed=0)
    flows = _flows(tmp_path / "out")
    # Malmö pays for A (independent, at home), not for C (municipal, at home): NA 96,100.
    assert flows.loc[("Malmö", "Malmö")].tolist() == ["2", "1", "96100", "0"]
    # Lund pays for B (independent) and D (another municipality's school): NA 96,100 + EK 87,300.
    assert flows.loc[("Lund", "Malmö")].tolist() == ["2", "2", "183400", "0"]


def test_a_missing_price_is_counted_and_the_report_says_at_least(tmp_path):
    folder = _two_schools(tmp_path / "round")
    (folder / "prices.csv").write_text("programme_code,price_sek\nEK,90000\n", encoding="utf-8")
    run_match(folder, tmp_path / "out", seed=0)
    flows = _flows(tmp_path / "out")
    assert flows.loc[("Malmö", "Malmö")].tolist() == ["2", "1", "0", "1"]
    assert flows.loc[("Lund", "Malmö")].tolist() == ["2", "2", "90000", "1"]
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    # The page is in the document language (Swedish by default).
    assert "Lund → Malmö: 2 elever, minst 90\xa0000 kr per år; 1 elev utan pris" in page


def test_prices_file_in_the_input_replaces_the_shipped_list(tmp_path):
    folder = tmp_path / "round"
    shutil.copytree(pytest_example("second_hand_loses"), folder)
    # Home Halmstad, school in Malmö: S1 is compensated at the SA price.
    (folder / "prices.csv").write_text("programme_code,price_sek\nSA,50000\nNA,1\n", encoding="utf-8")
    out = tmp_path / "out"
    _, record = run_match(folder, out, seed=0)
    flows = pd.read_csv(out / "flows.csv", dtype=str, keep_default_na=False).set_index(
        ["home_municipality", "host_municipality"])
    assert flows.loc[("Halmstad", "Malmö"), "cost_sek"] == "50000"
    assert flows.loc[("Malmö", "Malmö"), "cost_sek"] == "0"  # at home: nobody pays
    assert record["prices"] == "input"


def pytest_example(name):
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "data" / "rules" / name
