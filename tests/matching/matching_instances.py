"""Random consistent matching instances for the tests: seeded generators and hypothesis strategies."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def random_instance(
    seed: int, n_students: int, n_programmes: int, k: int, max_seats: int = 4, rank_form: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """choices (n, k) padded with -1, priority (n, k) unique within programmes, seats (p,)."""
    rng = np.random.default_rng(seed)
    choices = np.full((n_students, k), -1, dtype=np.int64)
    for s in range(n_students):
        m = int(rng.integers(0, min(k, n_programmes) + 1))
        choices[s, :m] = rng.choice(n_programmes, m, replace=False)
    # Coarse scores with many ties, made unique by a small distinct offset per application.
    priority = np.round(rng.random((n_students, k)) * 3) + rng.permutation(n_students * k).reshape(n_students, k) * 1e-6
    if rank_form:
        from admissions.matching import build_priority

        priority = build_priority(choices, np.ones_like(choices), priority, tie_break=())
    seats = rng.integers(0, max_seats + 1, n_programmes)
    return choices, priority, seats


@st.composite
def instances(draw, max_students: int = 30, max_programmes: int = 6, max_k: int = 6, max_seats: int = 5):
    """A consistent instance; covers zero seats, one programme, k = 1, unplaceable students, spare seats."""
    n_programmes = draw(st.integers(1, max_programmes))
    n_students = draw(st.integers(0, max_students))
    k = draw(st.integers(1, max_k))
    rows = []
    for _ in range(n_students):
        row = draw(st.lists(st.integers(0, n_programmes - 1), unique=True, max_size=min(k, n_programmes)))
        rows.append(row + [-1] * (k - len(row)))
    choices = np.array(rows, dtype=np.int64).reshape(n_students, k)
    same_merit = draw(st.booleans())
    base = np.zeros((n_students, k)) if same_merit else np.array(
        draw(st.lists(st.integers(0, 4), min_size=n_students * k, max_size=n_students * k)), dtype=float
    ).reshape(n_students, k)
    tie = draw(st.permutations(range(n_students * k))) if n_students else []
    priority = base + np.array(tie, dtype=float).reshape(n_students, k) / (n_students * k + 1)
    seats = np.array(draw(st.lists(st.integers(0, max_seats), min_size=n_programmes, max_size=n_programmes)),
                     dtype=np.int64)
    return choices, priority, seats
