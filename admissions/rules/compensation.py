"""Inter-municipal compensation (interkommunal ersättning): who the home municipality pays for.

A placed student is *compensated* when their home municipality pays for their seat: at a
municipal school in another municipality (the host is paid), or at an independent school
(fristående; its principal is paid the grant, grundbelopp), wherever it is. Only a student at a
municipal school of their own home municipality costs no compensation. The price per student and
year is that of the offer's programme code (admissions.io.prices); a compensated student whose
code has no price is counted apart, never as zero.
"""

from __future__ import annotations

import numpy as np


def compensated(home: np.ndarray, host: np.ndarray, independent: np.ndarray) -> np.ndarray:
    """(k,) bool: the home municipality pays for the student's seat.

    Parameters
    ----------
    home, host : (k,) int64
        Home municipality of each placed student and host municipality of their offer.
    independent : (k,) bool
        Their offer is at an independent school.
    """
    return (home != host) | independent


def costs_by_group(group: np.ndarray, paid: np.ndarray, price: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Yearly cost and students without a price per group (e.g. a home-host pair).

    Parameters
    ----------
    group : (k,) int64
        Group of each placed student, in [0, size).
    paid : (k,) bool
        The student is compensated (:func:`compensated`).
    price : (k,) float64
        Price of the student's offer per year, NaN where the price list has none.
    size : int
        Number of groups.

    Returns
    -------
    cost : (size,) float64
        Sum of the prices of the compensated students that have a price.
    without_price : (size,) int64
        Compensated students whose offer has no price (their cost is not in ``cost``).
    """
    priced = paid & ~np.isnan(price)
    cost = np.bincount(group[priced], weights=price[priced], minlength=size)
    without = np.bincount(group[paid & ~priced], minlength=size).astype(np.int64)
    return cost, without
