"""Synthetic answers.csv for trying a season: a share of the holders accept, decline or withdraw.

For training, tests and the README's season example; real answers come from the students.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from admissions.arguments import check_share


def draw_answers(
    holders: list[str], *, accept: float, decline: float, withdraw: float, seed: int
) -> pd.DataFrame:
    """Answers for a random share of ``holders`` (the students placed in the base run).

    Each holder independently accepts, declines or withdraws with the given probabilities (their
    sum at most 1; the rest do not answer). Returns student_id, answer sorted by student_id.
    """
    for name, share in (("accept", accept), ("decline", decline), ("withdraw", withdraw)):
        check_share(name, share)
    check_share("accept + decline + withdraw", accept + decline + withdraw)
    shares = np.array([accept, decline, withdraw], dtype=np.float64)
    ids = np.array(sorted(holders), dtype=object)
    rng = np.random.default_rng(seed)
    u = rng.random(len(ids))
    edges = np.cumsum(shares)
    kind = np.searchsorted(edges, u, side="right")  # 0 accept, 1 decline, 2 withdraw, 3 no answer
    names = np.array(["accept", "decline", "withdraw"], dtype=object)
    given = kind < 3
    return pd.DataFrame({"student_id": ids[given], "answer": names[kind[given]]})
