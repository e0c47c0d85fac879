"""flows.csv: placed students by home municipality and host municipality, and what the home pays the host.

One row per (home municipality, host municipality) pair with at least one placed student, sorted by
home then host. Columns:

- ``students``: students living in ``home_municipality`` placed at an offer in ``host_municipality``;
- ``compensated_students``: those of them at a municipal school in another municipality, for whom
  the home municipality pays the host (interkommunal ersättning, per student and year). Students at
  independent schools are paid by a grant (bidrag) that is not in this table;
- ``cost_sek``: the yearly sum of the prices of the compensated students' programme codes, from
  prices.csv in the input or else the shipped riksprislista 2023 (admissions/data/prices.csv);
- ``students_without_price``: compensated students whose programme code has no price (not in
  ``cost_sek``).

The ``students`` column sums to the number placed. No student-level data: this table is published.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from admissions.round import RoundResult

FLOW_COLUMNS = ("home_municipality", "host_municipality", "students", "compensated_students", "cost_sek",
                "students_without_price")
SHIPPED_PRICES = "riksprislista 2023 (admissions/data/prices.csv)"


def shipped_prices() -> pd.DataFrame:
    """The shipped price list: programme_code, price_sek (riksprislista 2023, SEK per student and year)."""
    with resources.files("admissions").joinpath("data", "prices.csv").open("r", encoding="utf-8") as handle:
        # keep_default_na=False: "NA" is the natural science programme, not a missing value.
        frame = pd.read_csv(handle, dtype={"programme_code": str}, keep_default_na=False)
    return frame.assign(price_sek=frame["price_sek"].astype(float))


def round_prices(r: RoundResult) -> tuple[pd.DataFrame, str]:
    """The prices of the round and where they came from ("input" or SHIPPED_PRICES)."""
    prices = getattr(r.data, "prices", None)
    if prices is not None:
        return prices, "input"
    return shipped_prices(), SHIPPED_PRICES


def flows_table(r: RoundResult, prices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Placed students and inter-municipal cost per home and host municipality (columns: FLOW_COLUMNS)."""
    enc = r.encoded
    if prices is None:
        prices, _ = round_prices(r)
    price_of = dict(zip(prices["programme_code"].astype(str), prices["price_sek"].astype(float)))
    offer_price = np.array([price_of.get(code, np.nan) for code in enc.programme_code.astype(str)], dtype=np.float64)
    m = len(enc.municipalities)

    assignment = r.assignment
    placed = np.flatnonzero(assignment >= 0)
    offer = assignment[placed]
    home = enc.home[placed]
    host = enc.host[offer]
    pair = home * m + host
    compensated = (home != host) & ~enc.independent[offer]
    price = offer_price[offer]
    priced = compensated & ~np.isnan(price)
    size = m * m
    students = np.bincount(pair, minlength=size)
    keep = np.flatnonzero(students)
    cost = np.bincount(pair[priced], weights=price[priced], minlength=size)
    labels = enc.municipalities.astype(str)
    return pd.DataFrame({
        "home_municipality": labels[keep // m],
        "host_municipality": labels[keep % m],
        "students": students[keep].astype(np.int64),
        "compensated_students": np.bincount(pair[compensated], minlength=size)[keep].astype(np.int64),
        "cost_sek": np.rint(cost[keep]).astype(np.int64),
        "students_without_price": np.bincount(pair[compensated & ~priced], minlength=size)[keep].astype(np.int64),
    }, columns=list(FLOW_COLUMNS)).sort_values(["home_municipality", "host_municipality"], kind="stable",
                                               ignore_index=True)
