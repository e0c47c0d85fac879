"""flows.csv: students by home and host municipality and the inter-municipal cost, recomputed."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd

from admissions.match import run_match
from admissions.reports.flows import FLOW_COLUMNS, shipped_prices


def expected_flows(m, prices: pd.DataFrame) -> pd.DataFrame:
    programmes = m.input("programmes")
    placed = m.output("placements").merge(m.input("students")[["student_id", "home_municipality"]], on="student_id")
    placed = placed[placed["programme_id"] != ""].merge(
        programmes[["programme_id", "municipality", "programme_code", "principal"]], on="programme_id")
    price = dict(zip(prices["programme_code"].astype(str), prices["price_sek"].astype(float)))
    placed["compensated"] = (placed["home_municipality"] != placed["municipality"]) & (placed["principal"] == "municipal")
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
    prices = shipped_prices().set_index("programme_code")["price_sek"]
    assert prices["NA"] == 96100 and prices["NB"] == 210500 and prices["EK"] == 87300
    assert prices.index.is_unique and (prices > 0).all()


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
