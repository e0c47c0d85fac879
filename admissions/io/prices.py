"""The price list (riksprislista): what a home municipality pays per student and year, per programme code.

A round's input may give ``prices.csv`` (programme_code, price_sek; the contract's ``prices``
file): it then replaces the shipped list whole. The shipped list, ``admissions/data/prices.csv``,
has a price for every programme code of the shipped programme-type table
(admissions/data/programme_types.toml; tests/reports/test_flows.py checks it), and a ``source``
column stating where each figure comes from: Skolverket's riksprislista 2023 where it has the
code, otherwise the published figure named in that row (see docs/domain.md). A code without a
price is never counted as zero: every cost is reported with the number of students without a
price ("at least X SEK; N students without a price").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

#: Where the shipped list comes from, as run records name it.
SHIPPED_PRICES = "admissions/data/prices.csv (riksprislista 2023; other sources per row)"


def shipped_prices() -> pd.DataFrame:
    """The shipped price list: programme_code, price_sek (float, SEK per student and year), source.

    Read once per process (package data does not change); each call gets its own copy.
    """
    return _shipped_prices().copy()


@lru_cache(maxsize=1)
def _shipped_prices() -> pd.DataFrame:
    with resources.files("admissions").joinpath("data", "prices.csv").open("r", encoding="utf-8") as handle:
        # keep_default_na=False: "NA" is the natural science programme, not a missing value.
        frame = pd.read_csv(handle, dtype={"programme_code": str, "source": str}, keep_default_na=False)
    return frame.assign(price_sek=frame["price_sek"].astype(float))


@dataclass(frozen=True)
class PriceList:
    """A price per programme code and where the list came from ("input" or SHIPPED_PRICES)."""

    frame: pd.DataFrame
    source: str
    price_of: dict[str, float] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "price_of", dict(zip(self.frame["programme_code"].astype(str),
                                                      self.frame["price_sek"].astype(float))))

    def per_offer(self, codes: np.ndarray) -> np.ndarray:
        """(p,) float64 price of each offer's programme code; NaN where the list has none."""
        return np.array([self.price_of.get(str(code), np.nan) for code in codes], dtype=np.float64)


def price_list(prices: pd.DataFrame | None) -> PriceList:
    """The round's own price list when its input has one, else the shipped list."""
    if prices is not None:
        return PriceList(prices, "input")
    return PriceList(shipped_prices(), SHIPPED_PRICES)
