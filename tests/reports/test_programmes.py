"""programmes.csv: every figure recomputed from the input, placements.csv and applications.csv."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from admissions.io.contract import OFFER_LOCATION_COLUMNS
from admissions.reports.programmes import PROGRAMME_COLUMNS



def number(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.replace("", np.nan)).astype(float)


def has_quotas(programmes: pd.DataFrame) -> pd.Series:
    quota = pd.Series(False, index=programmes.index)
    for column in ("test_seats", "free_quota_seats"):
        if column in programmes:
            quota |= number(programmes[column]).fillna(0) > 0
    return quota


def expected_programmes(m) -> pd.DataFrame:
    """The published figures as an admissions officer would count them by hand."""
    programmes = m.input("programmes").set_index("programme_id")
    applications = m.input("applications")
    students = m.input("students").set_index("student_id")
    placements = m.output("placements")
    outcomes = m.output("applications")  # eligibility, tier and score of every application

    ids = programmes.index
    seats = number(programmes["seats"]).astype(int)
    first = applications[applications["choice_rank"] == "1"]["programme_id"].value_counts().reindex(ids, fill_value=0)
    applicants = applications["programme_id"].value_counts().reindex(ids, fill_value=0)
    eligible = outcomes[outcomes["eligible"] == "true"]["programme_id"].value_counts().reindex(ids, fill_value=0)
    placed = placements[placements["programme_id"] != ""]
    admitted = placed["programme_id"].value_counts().reindex(ids, fill_value=0)

    # A reserve: an eligible application ranked above the student's placement (or the student has none).
    rank_got = placements.set_index("student_id")["choice_rank"].replace("", "999").astype(int)
    above = outcomes["choice_rank"].astype(int) < outcomes["student_id"].map(rank_got)
    reserves = outcomes[(outcomes["eligible"] == "true") & above]["programme_id"].value_counts().reindex(ids, fill_value=0)

    # Score and tier of each admitted student at the offer they got.
    got = placed.merge(outcomes, on=["student_id", "programme_id", "choice_rank"], how="left")
    got["score"] = number(got["score"])
    got["tier"] = number(got["tier"])
    merit_known = students["merit_value"] != ""
    graded = set(m.input("grades")["student_id"]) if len(m.input("grades")) else set()
    got["has_merit"] = got["student_id"].map(merit_known) | got["student_id"].isin(graded)

    rows = []
    for pid in ids:
        mine = got[got["programme_id"] == pid]
        worst = mine["tier"].max() if len(mine) else np.nan
        last = mine[mine["tier"] == worst]["score"].min() if len(mine) else np.nan
        median = mine[mine["has_merit"]]["score"].median()
        rows.append((worst, last, median))
    worst, last, median = (np.array(v, dtype=float) for v in zip(*rows)) if rows else ([], [], [])
    oversubscribed = (reserves > 0).to_numpy()
    return pd.DataFrame({
        "programme_id": ids,
        "seats": seats.to_numpy(),
        "first_choice_applicants": first.to_numpy(),
        "applicants": applicants.to_numpy(),
        "eligible_applicants": eligible.to_numpy(),
        "admitted": admitted.to_numpy(),
        "reserves": reserves.to_numpy(),
        "vacant_seats": (seats - admitted).to_numpy(),
        "cutoff_merit": np.where(oversubscribed, last, np.nan),
        "cutoff_tier": np.where(oversubscribed, worst, np.nan),
        "median_admitted_merit": median,
        "applicants_per_seat": np.where(seats > 0, np.round(applicants / seats.replace(0, 1), 2), np.nan),
        "first_choice_per_seat": np.where(seats > 0, np.round(first / seats.replace(0, 1), 2), np.nan),
        "quotas": has_quotas(programmes).to_numpy(),
    })


def test_columns_are_the_published_ones(region):
    table = region.output("programmes")
    # The region's programmes.csv locates every offer: the location columns follow the published ones.
    assert tuple(table.columns) == PROGRAMME_COLUMNS + OFFER_LOCATION_COLUMNS
    assert {"programme_id", "school", "municipality", "programme_code", "orientation", "seats",
            "first_choice_applicants", "applicants", "eligible_applicants", "admitted", "reserves",
            "vacant_seats", "cutoff_merit", "cutoff_tier", "median_admitted_merit", "applicants_per_seat",
            "first_choice_per_seat"} <= set(table.columns)


def test_every_figure_is_recomputed(matched):
    got = matched.output("programmes")
    expected = expected_programmes(matched)
    assert got["programme_id"].tolist() == expected["programme_id"].tolist()
    labels = matched.input("programmes")
    for column in ("school", "municipality", "programme_code", "orientation"):
        assert got[column].tolist() == labels[column].tolist(), column
    for column in ("seats", "first_choice_applicants", "applicants", "eligible_applicants", "admitted",
                   "reserves", "vacant_seats"):
        assert got[column].astype(int).tolist() == expected[column].tolist(), column
    for column in ("median_admitted_merit", "applicants_per_seat", "first_choice_per_seat"):
        np.testing.assert_allclose(number(got[column]), expected[column], err_msg=column)
    # Cut-offs by hand for offers without quotas (those with quotas: test_quota_and_free_quota_cutoffs).
    plain = ~expected["quotas"]
    np.testing.assert_allclose(number(got["cutoff_merit"])[plain], expected["cutoff_merit"][plain])
    np.testing.assert_allclose(number(got["cutoff_tier"])[plain], expected["cutoff_tier"][plain])


def test_cutoff_is_empty_exactly_when_nobody_is_a_reserve(matched):
    # An offer with quotas may have reserves and still no cut-off: when every admitted student holds a
    # quota seat (worked example free_quota_tier), nobody was admitted in the ordinary selection.
    got = matched.output("programmes")
    plain = ~has_quotas(matched.input("programmes")).to_numpy()
    no_reserve = (got["reserves"] == "0").to_numpy()
    for column in ("cutoff_merit", "cutoff_tier"):
        empty = (got[column] == "").to_numpy()
        assert (empty[plain] == no_reserve[plain]).all()
        assert empty[no_reserve].all()


def test_no_admitted_student_scores_below_the_cutoff_in_the_same_tier(region):
    got = region.output("programmes").set_index("programme_id")
    placed = region.output("placements")
    outcomes = region.output("applications")
    admitted = outcomes[outcomes["outcome"] == "admitted"]
    cut = admitted["programme_id"].map(number(got["cutoff_merit"]))
    tier = admitted["programme_id"].map(number(got["cutoff_tier"]))
    same_tier = number(admitted["tier"]) == tier
    assert (number(admitted["score"])[same_tier & cut.notna()] >= cut[same_tier & cut.notna()] - 1e-9).all()
    assert len(placed) == len(region.input("students"))


@pytest.mark.parametrize("name, programme, cutoff, tier, test_cutoff", [
    ("test_quota", "LUN-ES", "312", "1", "200"),   # ordinary quota: T1 316, T2 312; test quota: T3 320, T5 200
    ("free_quota", "MAL-EK", "280", "1", ""),      # F1 by the free quota; F2-F4 by merit, F5 (270) a reserve
    ("second_hand_loses", "MAL-NA", "150", "1", ""),  # S2 first-hand 150 beats S1 second-hand 340
    ("late_and_ties", "LUN-TE", "200", "1", ""),   # the late applicant L1 (330) is the reserve
])
def test_quota_and_free_quota_cutoffs(matched_rounds, name, programme, cutoff, tier, test_cutoff):
    row = matched_rounds[name].output("programmes").set_index("programme_id").loc[programme]
    assert float(row["cutoff_merit"]) == float(cutoff)
    assert row["cutoff_tier"] == tier
    assert row["test_cutoff_points"] == ("" if not test_cutoff else row["test_cutoff_points"])
    if test_cutoff:
        assert float(row["test_cutoff_points"]) == float(test_cutoff)


def test_no_student_ids_in_the_published_tables(region):
    ids = set(region.input("students")["student_id"])
    for name in ("programmes", "dimensioning", "flows"):
        table = region.output(name)
        assert not (set(table.to_numpy().ravel().tolist()) & ids), name
        assert "student_id" not in table.columns



def test_a_round_where_nobody_is_placed(tmp_path):
    """Zero seats: every report is written, with no cut-off, an empty flows table and an honest explanation."""
    from pathlib import Path

    from admissions.match import run_match
    from admissions.queries.explain import explain_text

    folder = tmp_path / "round"
    folder.mkdir()
    example = Path(__file__).resolve().parents[1] / "data" / "rules" / "second_hand_loses"
    (folder / "municipalities.csv").write_bytes((example / "municipalities.csv").read_bytes())
    (folder / "programmes.csv").write_text(
        "programme_id,school,municipality,programme_code,orientation,seats,principal,national_recruitment\n"
        "P1,Skolan,Malmö,NA,,0,municipal,false\n", encoding="utf-8")
    (folder / "students.csv").write_text("student_id,home_municipality,merit_value\nA,Malmö,200\n", encoding="utf-8")
    (folder / "applications.csv").write_text("student_id,choice_rank,programme_id\nA,1,P1\n", encoding="utf-8")
    out = tmp_path / "out"
    run_match(folder, out, seed=0)
    row = pd.read_csv(out / "programmes.csv", dtype=str, keep_default_na=False).iloc[0]
    assert (row["admitted"], row["reserves"], row["vacant_seats"], row["cutoff_merit"]) == ("0", "1", "0", "")
    assert row["applicants_per_seat"] == ""  # no seats: no ratio
    assert (out / "flows.csv").read_text(encoding="utf-8").splitlines() == [
        "home_municipality,host_municipality,students,compensated_students,cost_sek,students_without_price"]
    assert 'data-ready="0"' in (out / "report.html").read_text(encoding="utf-8")  # set to 1 by its script
    assert "Nobody was admitted there by merit value (0 seats, 0 admitted in all)" in explain_text(out, "A")
