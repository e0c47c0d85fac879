"""Checks of scalar arguments (seeds, counts, shares, bounds): one helper raising one exception type.

Every public library function that takes a seed, a count or a share checks it here and raises
:class:`~admissions.errors.InvalidArgument` naming the parameter ("draws == 0, must be a whole
number from 1 to 1,000,000"). The error carries the parameter's name, so the CLI can say which
flag it came from (``--draws == 0, ...``) without the library knowing about flags. This module sits
at the bottom of the layers, beside :mod:`admissions.errors`: the matching core uses it too.
"""

from __future__ import annotations

import math
import numbers

from admissions.errors import InvalidArgument

#: Seeds are 0 <= seed < SEED_LIMIT everywhere: command-line options, admissions.toml and the
#: season database's INTEGER column (SQLite integers are signed 64-bit).
SEED_LIMIT = 2**63


def check_scalar(
    name: str,
    value: object,
    *,
    whole: bool = False,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    note: str = "",
) -> int | float:
    """``value`` as an int (``whole``) or a float, or InvalidArgument naming ``name`` and the rule.

    ``low``/``high`` bound the value, inclusive unless ``low_open``/``high_open``; ``note`` is
    added to the rule (" (SEK per year)"). Booleans are not numbers here; NaN and infinities are
    refused.

    Raises
    ------
    InvalidArgument
        ``"{name} == {value!r}, must be {rule}"``, with ``parameter`` = ``name``.
    """
    if whole:
        fits = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    else:
        fits = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if fits:
        if (low is not None and (value <= low if low_open else value < low)) or (
            high is not None and (value >= high if high_open else value > high)
        ):
            fits = False
    if not fits:
        # A number option reaches here as a float: '--budget -5' is shown as typed, -5, not -5.0;
        # one beyond 2^53 as Python writes it short ('-1e+300'), not as its 301 digits.
        shown = (int(value) if not whole and isinstance(value, float) and value.is_integer()
                 and abs(value) < 2 ** 53 else value)
        raise InvalidArgument(f"{name} == {shown!r}, must be {scalar_rule(whole, low, high, low_open, high_open)}"
                              f"{note}", parameter=name)
    return int(value) if whole else float(value)


def scalar_rule(whole: bool = False, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False) -> str:
    """The rule of :func:`check_scalar` in words: 'a whole number from 1 to 1,000,000', 'a number > 0'."""
    what = "a whole number" if whole else "a number"
    if low is not None and high is not None and not low_open and not high_open:
        return f"{what} from {_number(low)} to {_number(high)}"
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if low_open else '>='} {_number(low)}")
    if high is not None:
        bounds.append(f"{'<' if high_open else '<='} {_number(high)}")
    return " ".join([what, " and ".join(bounds)]).strip()


def _number(x: float) -> str:
    """1000000 -> '1,000,000', 0.9 -> '0.9', 0.0 -> '0'."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def check_seed(value: object, name: str = "seed") -> int:
    """A seed: a whole number with 0 <= seed < 2**63 (see SEED_LIMIT)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and 0 <= value < SEED_LIMIT:
        return int(value)
    raise InvalidArgument(f"{name} == {value!r}, must be a whole number >= 0 and < 2**63", parameter=name)


def check_count(name: str, value: object, *, low: int = 1, high: int | None = None) -> int:
    """A count (students, draws, workers, a class size): a whole number >= ``low`` (and <= ``high``)."""
    return check_scalar(name, value, whole=True, low=low, high=high)


def check_share(name: str, value: object, *, high: float = 1.0) -> float:
    """A share: a number from 0 to ``high``."""
    return check_scalar(name, value, low=0.0, high=high)
