"""Students' answers to their placement (answers.csv), read for a reserve round."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from admissions.io.contract import ANSWERS
from admissions.io.validate import load_table


def read_answers(path: Path) -> pd.DataFrame:
    """The answers file validated on its own: student_id (unique), answer (accept, decline, withdraw).

    Raises InvalidInput with every problem found. Whether each student belongs to the round is
    checked when the round is matched.
    """
    return load_table(path, ANSWERS)
