"""flows.csv: placed students by home municipality and host municipality, and what the home pays.

One row per (home municipality, host municipality) pair with at least one placed student, sorted by
home then host. Columns:

- ``students``: students living in ``home_municipality`` placed at an offer in ``host_municipality``;
- ``compensated_students``: those of them the home municipality pays for, per student and year
  (admissions.rules.compensation): at a municipal school in another municipality
  (interkommunal ersättning to the host) or at an independent school anywhere (the grant to its
  principal);
- ``cost_sek``: the yearly sum of the prices of the compensated students' programme codes that
  have a price, from prices.csv in the input or else the shipped list (admissions.io.prices);
- ``students_without_price``: compensated students whose programme code has no price (not in
  ``cost_sek``, so the cost is then at least ``cost_sek``: see :func:`cost_text`).

The ``students`` column sums to the number placed. No student-level data: this table is published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from admissions.io.prices import PriceList, price_list
from admissions.rules.compensation import compensated, costs_by_group

if TYPE_CHECKING:
    from admissions.round import RoundResult

FLOW_COLUMNS = ("home_municipality", "host_municipality", "students", "compensated_students", "cost_sek",
                "students_without_price")


def round_prices(r: RoundResult) -> PriceList:
    """The price list of the round: its input's prices.csv, else the shipped list."""
    return price_list(getattr(r.data, "prices", None))


def cost_text(cost_sek: float, students_without_price: int, per: str = "") -> str:
    """A cost as a report states it: "3,956,200 SEK", or "at least 3,956,200 SEK; 12 students
    without a price" when some compensated students' programme has no price (never a partial sum
    presented as the whole). ``per`` follows the amount (" a year")."""
    amount = f"{round(cost_sek):,} SEK{per}"
    if students_without_price:
        noun = "student" if students_without_price == 1 else "students"
        return f"at least {amount}; {students_without_price:,} {noun} without a price"
    return amount


def flows_table(r: RoundResult, prices: PriceList | None = None) -> pd.DataFrame:
    """Placed students and inter-municipal cost per home and host municipality (columns: FLOW_COLUMNS)."""
    enc = r.encoded
    if prices is None:
        prices = round_prices(r)
    offer_price = prices.per_offer(enc.programme_code)
    m = len(enc.municipalities)

    assignment = r.offer_assignment
    placed = np.flatnonzero(assignment >= 0)
    offer = assignment[placed]
    home = enc.home[placed]
    host = enc.host[offer]
    pair = home * m + host
    paid = compensated(home, host, enc.independent[offer])
    size = m * m
    students = np.bincount(pair, minlength=size)
    keep = np.flatnonzero(students)
    cost, without_price = costs_by_group(pair, paid, offer_price[offer], size)
    labels = enc.municipalities.astype(str)
    return pd.DataFrame({
        "home_municipality": labels[keep // m],
        "host_municipality": labels[keep % m],
        "students": students[keep].astype(np.int64),
        "compensated_students": np.bincount(pair[paid], minlength=size)[keep].astype(np.int64),
        "cost_sek": np.rint(cost[keep]).astype(np.int64),
        "students_without_price": without_price[keep],
    }, columns=list(FLOW_COLUMNS)).sort_values(["home_municipality", "host_municipality"], kind="stable",
                                               ignore_index=True)
