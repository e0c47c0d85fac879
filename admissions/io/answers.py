"""Students' answers to their placement (answers.csv), read for a reserve round."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from admissions.io.contract import ANSWERS
from admissions.io.problems import Problem
from admissions.io.validate import check_table


def check_answers(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The answers file checked on its own, and every problem found: the frame is None when no row
    can be read (no file, no header); else a row with a problem holds no meaningful value (skip it),
    so that the round reports these problems together with those only the round can find."""
    return check_table(path, ANSWERS)

