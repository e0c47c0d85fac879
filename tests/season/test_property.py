"""Random seasons: the guarantee, answers, the lottery, void and vacancies hold whatever happens.

Each example is a season on a small generated region: a final admission, then random steps
(reserve rounds with random answers, trials, changed inputs with students added and removed and
grades changed, voids). Checked after every step, against the whole season so far.
"""

import hashlib
import hmac
import io
import shutil
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from admissions.season import store
from admissions.season.rounds import run_round, void_run

from .conftest import read, scarce_region, write

STEPS = st.lists(st.sampled_from(["reserve", "reserve", "trial", "change", "void"]), min_size=3, max_size=6)


def lottery_number(seed: int, student_id: str) -> int:
    key = str(seed).encode("ascii")
    message = unicodedata.normalize("NFC", student_id).encode("utf-8")
    return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big") >> 11


@pytest.fixture(scope="module")
def tiny_region(tmp_path_factory):
    return scarce_region(tmp_path_factory.mktemp("tiny") / "region", 200, seed=3)


def changed_input(folder, target, holders: set[str], rng: np.random.Generator) -> None:
    """Students added and removed (never one placed in any run), grades changed, the students reordered."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(folder, target)
    students, apps, grades = (read(target / f"{n}.csv") for n in ("students", "applications", "grades"))
    others = [s for s in students["student_id"] if s not in holders]
    removed = set(rng.choice(others, size=min(5, len(others)), replace=False))
    template = students.head(5)
    added = template.copy()
    added["student_id"] = [f"NEW{rng.integers(10**6):06d}" for _ in range(len(added))]
    rename = dict(zip(template["student_id"], added["student_id"]))
    added_apps = apps[apps["student_id"].isin(rename)].copy()
    added_apps["student_id"] = added_apps["student_id"].map(rename)
    added_grades = grades[grades["student_id"].isin(rename)].copy()
    added_grades["student_id"] = added_grades["student_id"].map(rename)
    students = pd.concat([added, students[~students["student_id"].isin(removed)]]).sample(frac=1, random_state=1)
    apps = pd.concat([apps[~apps["student_id"].isin(removed)], added_apps])
    grades = pd.concat([grades[~grades["student_id"].isin(removed)], added_grades])
    lowered = rng.random(len(grades)) < 0.1
    grades.loc[lowered, "grade"] = grades.loc[lowered, "grade"].map({"A": "B", "B": "C", "C": "D", "D": "E"}).fillna(
        grades.loc[lowered, "grade"])
    students["merit_value"] = ""  # recomputed from the grades
    for frame, name in ((students, "students"), (apps, "applications"), (grades, "grades")):
        write(frame, target / f"{name}.csv")


def ranks(connection, run_id) -> dict[tuple[str, str], int]:
    return {(s, p): r for s, r, p, _ in store.applications(connection, run_id)}


def check_season(season, seed):
    connection = store.connect(season)
    try:
        history = store.history(connection)
        for run in history:
            rows = store.placements(connection, run.run_id)
            assert all(lottery == lottery_number(seed, s) for s, _, _, _, lottery in rows), run.run_id
            files = dict(store.run_files(connection, run.run_id))
            programmes = pd.read_csv(io.BytesIO(files["programmes.csv"]))
            assert (programmes["vacant_seats"] >= 0).all(), run.run_id
            if run.void_at is not None or run.kind not in ("reserve", "trial"):
                continue
            base = dict(store.held_seats(connection, run.base_run_id))
            now = store.held_seats(connection, run.run_id)
            rank_of = ranks(connection, run.run_id)
            answers = store.season_answers(connection, run.base_run_id)
            own = {s: a for s, a, *_ in answers} | store.run_answers(connection, run.run_id)
            for student, seat in base.items():
                if own.get(student) in ("decline", "withdraw"):
                    continue
                assert student in now, f"run {run.run_id}: {student} lost {seat}"
                assert rank_of[(student, now[student])] <= rank_of[(student, seat)], f"run {run.run_id}: {student} moved down"
            # Answers hold until voided: a withdrawal leaves no seat, a declined seat never comes back.
            chain = store.season_answers(connection, run.run_id)
            for student, answer, seat, _ in chain:
                if answer == "withdraw":
                    assert student not in now
                if answer == "decline" and seat is not None and student in now and (student, seat) in rank_of:
                    assert rank_of[(student, now[student])] < rank_of[(student, seat)]
            assert run.season["lost"] == 0
    finally:
        connection.close()


def placements_of(season, run_id):
    connection = store.connect(season)
    try:
        return sorted(store.placements(connection, run_id))
    finally:
        connection.close()


def walk_season(tiny_region, base, steps, seed) -> int:
    """Run the season ``steps`` from a final round, checking it after every round; the voids checked."""
    voids_checked = 0
    season = base / "season"
    rng = np.random.default_rng(seed)
    run_round("final", tiny_region, season, seed=seed)
    folder = tiny_region
    snapshots = {}
    for k, step in enumerate(steps):
        connection = store.connect(season)
        base_run = store.latest_base(connection)
        holders = sorted(store.held_seats(connection, base_run))
        ever_placed = {s for r in store.history(connection) for s in store.held_seats(connection, r.run_id)}
        connection.close()
        if step == "change":
            target = base / f"input-{k}"
            changed_input(folder, target, ever_placed, rng)
            folder = target
            continue
        if step == "void":
            if base_run == 1:
                continue
            void_run(season, base_run, f"step {k}", with_later=True)
            # Voiding restores the state before the void run: the next round equals the one on a
            # copy of the season taken just before the void run was recorded.
            snapshot = snapshots[base_run]
            _, a = run_round("reserve", folder, season)
            _, b = run_round("reserve", folder, snapshot)
            voids_checked += 1
            assert a["base_run_id"] == b["base_run_id"] < base_run
            assert placements_of(season, a["run_id"]) == placements_of(snapshot, b["run_id"])
            check_season(season, seed)
            continue
        answers = None
        if holders:
            picked = rng.choice(holders, size=min(len(holders), 12), replace=False)
            kinds = rng.choice(["accept", "decline", "withdraw"], size=len(picked), p=[0.4, 0.45, 0.15])
            answers = base / f"answers-{k}.csv"
            write(pd.DataFrame({"student_id": picked, "answer": kinds}), answers)
        if step == "reserve":
            connection = store.connect(season)
            upcoming = store.next_run_id(connection)
            connection.close()
            snapshots[upcoming] = base / f"before-run-{upcoming}"
            shutil.copytree(season, snapshots[upcoming])
        run_round(step, folder, season, answers=answers)
        check_season(season, seed)
    return voids_checked


@pytest.mark.slow
@settings(max_examples=3, deadline=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(steps=STEPS, seed=st.integers(0, 1000))
def test_random_seasons(tiny_region, tmp_path_factory, steps, seed):
    walk_season(tiny_region, tmp_path_factory.mktemp("random-season"), steps, seed)


@pytest.mark.slow
def test_a_season_with_a_void_behaves_as_if_the_void_run_never_happened(tiny_region, tmp_path):
    """The walk that is sure to void a reserve round (random walks may not), on its own: no test order needed."""
    steps = ["reserve", "change", "reserve", "void", "trial", "reserve"]
    assert walk_season(tiny_region, tmp_path, steps, seed=5) == 1
