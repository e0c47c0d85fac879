"""The demand model: its gradient, recovery of known parameters, new offers, and `admissions demand`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from choice_regions import CODES, make_region, real_region, write_round
from typer.testing import CliRunner

from admissions.analysis import choice_model as cm
from admissions.analysis.demand import DEMAND_FIT_COLUMNS, OFFER_COLUMNS, PARAMETER_COLUMNS, load_model, offer_effects
from admissions.cli import app

N_REGIONS = 50


def test_gradient_matches_finite_differences():
    region = make_region(3, n_students=200)
    offers = np.arange(len(region.programmes))
    data = region.data(region.draw_lists(offers, np.random.default_rng(0)), offers)
    theta = region.truth.vector() + 0.1
    p = data.n_offers
    analytic = cm.evaluate(data, cm.Coefficients.from_vector(theta, p)).gradient
    numeric = np.empty_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = 1e-6
        up = cm.evaluate(data, cm.Coefficients.from_vector(theta + step, p)).loglik
        down = cm.evaluate(data, cm.Coefficients.from_vector(theta - step, p)).loglik
        numeric[i] = (up - down) / 2e-6
    np.testing.assert_allclose(analytic, numeric, atol=1e-5)


def test_grouped_students_give_the_same_likelihood_as_one_group_each():
    region = make_region(4, n_students=150)
    offers = np.arange(len(region.programmes))
    lists = region.draw_lists(offers, np.random.default_rng(1))
    grouped = region.data(lists, offers)
    host = region.programmes["host"].to_numpy()
    single = cm.ChoiceData.from_students(lists, region.home, region.distance(host)[region.home], region.merit_z,
                                         host, region.programmes["code"].to_numpy(), len(CODES))
    assert len(grouped.group_home) < len(single.group_home) == 150
    a = cm.evaluate(grouped, region.truth, scores=True)
    b = cm.evaluate(single, region.truth, scores=True)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)
    np.testing.assert_allclose(a.gradient, b.gradient, atol=1e-9)
    np.testing.assert_allclose(a.scores_outer, b.scores_outer, atol=1e-8)


@pytest.mark.slow
def test_fit_recovers_true_parameters_within_95_percent_intervals():
    """In 50 seeded regions drawn from a known model, each parameter's 95 % interval holds the
    true value in at least 90 % of them."""
    covered = []
    for seed in range(N_REGIONS):
        region = make_region(seed)
        offers = np.arange(len(region.programmes))
        fit = cm.fit(region.data(region.draw_lists(offers, np.random.default_rng(1000 + seed)), offers))
        assert fit.converged
        p = len(offers)
        true = region.truth.vector().copy()
        true[:p] -= true[fit.reference_offer]  # the fit's normalisation
        true[p + 2:] -= true[p + 2 + fit.reference_code]
        est, se = fit.coef.vector(), fit.std_error
        covered.append(np.where(fit.free, np.abs(est - true) <= 1.959964 * se, np.nan))
    covered = np.array(covered)
    counted = (~np.isnan(covered)).sum(axis=0)
    share = np.nansum(covered, axis=0) / np.maximum(counted, 1)
    free = counted > 0
    # Every offer is the reference (fixed) in some regions; the reference code SA always.
    assert free.sum() == 24 + 2 + len(CODES) - 1
    assert (counted[24:26] == N_REGIONS).all()
    assert share[free].min() >= 0.9, share


def _predicted_new_offer_applicants(region, new: int, seed: int) -> tuple[float, float]:
    """Fit without offer ``new``, place it by its school and programme, and compare the applicants
    the fitted model expects (inserted into each observed list) with the true model's expectation."""
    everyone = np.arange(len(region.programmes))
    offers = everyone[everyone != new]
    lists = region.draw_lists(offers, np.random.default_rng(seed))
    data = region.data(lists, offers)
    fit = cm.fit(data)
    programmes = region.programmes.iloc[offers].reset_index(drop=True)
    effects = offer_effects(programmes, fit.coef.attractiveness, CODES[fit.reference_code])
    row = region.programmes.iloc[new]
    alpha_new, _ = effects.predict(row["programme_code"], row["school"], row["municipality"],
                                   row["principal"] == "independent")
    # The fitted model's utility of the new offer for every student, and the list stages.
    v = cm.utilities(data, fit.coef)
    host, code = int(row["host"]), int(row["code"])
    distance = region.distance(np.array([host]))[region.home, 0]
    v_new = alpha_new + fit.coef.distance_per_km * distance + fit.coef.home_municipality * (region.home == host) \
        + fit.coef.merit[code] * region.merit_z
    valid = lists >= 0
    v_lists = np.take_along_axis(v, np.where(valid, lists, 0), axis=1)
    prob = cm.insertion_probabilities(v_lists, valid, cm.stage_log_remaining(v, lists), v_new)
    predicted = float(prob[:, :-1].sum())
    rng = np.random.default_rng(seed + 1)
    true = np.mean([(region.draw_lists(everyone, rng) == new).sum() for _ in range(100)])
    return predicted, float(true)


# About a CPU second per seed: the quick set (-m "not slow") checks seed 0, the full suite all three.
@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow), pytest.param(2, marks=pytest.mark.slow)])
def test_new_offer_applicants_within_20_percent_of_the_true_expectation(seed):
    region = make_region(seed, n_students=2000)
    new = 4  # School 1's NA: its school and programme are in the round through its other offers
    predicted, true = _predicted_new_offer_applicants(region, new, seed)
    assert true > 50
    assert abs(predicted - true) <= 0.2 * true, (predicted, true)


def test_insertion_probabilities_of_a_one_choice_list():
    """List (a) with weights a=2, rest of the choice set 3 (so S_1 = 5), new offer w=1:
    P(new first) = 1/6 * 2/5 / norm, P(after a) = 2/6 * ... worked out by hand."""
    v_lists = np.log(np.array([[2.0]]))
    valid = np.array([[True]])
    remaining = np.log(np.array([[5.0]]))
    v_new = np.log(np.array([1.0]))
    # With the new offer in the set: P(new, a) = 1/6 * 2/5; P(a, ...) = 2/6 (new below a).
    first, below = 1 / 6 * 2 / 5, 2 / 6
    expected = np.array([[first, below]]) / (first + below)
    np.testing.assert_allclose(cm.insertion_probabilities(v_lists, valid, remaining, v_new), expected)


@pytest.fixture(scope="module")
def small_round(tmp_path_factory):
    """400 students ranking 24 offers in four real municipalities by a known model."""
    folder = tmp_path_factory.mktemp("demand") / "round"
    write_round(real_region(5), folder, seed=6)
    return folder


def test_demand_command_writes_the_model(small_round, tmp_path):
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["demand", str(small_round), "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Demand model written to" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["demand_fit.csv", "fit.json", "manifest.json", "model.json",
                                                      "offers.csv", "parameters.csv", "run.json"]
    params = pd.read_csv(out / "parameters.csv", keep_default_na=False, na_values=[""])
    assert tuple(params.columns) == PARAMETER_COLUMNS
    named = params.set_index("parameter")
    # The truth: -0.04 per km, 0.6 for the home municipality.
    for name, true in (("distance_per_km", -0.04), ("home_municipality", 0.6)):
        assert abs(named.loc[name, "estimate"] - true) <= 2.58 * named.loc[name, "std_error"], name
    fit = json.loads((out / "fit.json").read_text())
    assert fit["holdout_loglik_per_student"] > fit["baseline_loglik_per_student"]
    assert 0 < fit["holdout_first_choice_share"] <= 1
    assert fit["students_estimation"] + fit["students_holdout"] == 400
    assert tuple(pd.read_csv(out / "demand_fit.csv").columns) == DEMAND_FIT_COLUMNS
    assert tuple(pd.read_csv(out / "offers.csv").columns) == OFFER_COLUMNS
    model = load_model(out)
    offers = pd.read_csv(small_round / "programmes.csv")
    assert list(model.programme_ids) == offers["programme_id"].tolist()
    assert model.coef.distance_per_km == named.loc["distance_per_km", "estimate"]
    # Same input and seed, same bytes.
    again = tmp_path / "again"
    CliRunner().invoke(app, ["demand", str(small_round), "--out", str(again), "--seed", "3"])
    for name in ("parameters.csv", "fit.json", "demand_fit.csv", "offers.csv", "model.json"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name


def test_demand_refuses_a_bad_holdout(small_round, tmp_path):
    result = CliRunner().invoke(app, ["demand", str(small_round), "--out", str(tmp_path / "m"), "--holdout", "0.95"])
    assert result.exit_code == 1
    assert "Error: --holdout == 0.95, must be a number from 0 to 0.9" in result.output
    assert not (tmp_path / "m").exists()


def test_student_coordinates_are_used_when_given(small_round, tmp_path):
    import shutil

    folder = tmp_path / "round"
    shutil.copytree(small_round, folder)
    students = pd.read_csv(folder / "students.csv", dtype=str, keep_default_na=False)
    students["latitude"] = "55.6"
    students["longitude"] = "13.0"
    students.loc[0, "latitude"] = ""  # empty: the home municipality's centre
    students.to_csv(folder / "students.csv", index=False)
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["demand", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    fit = json.loads((out / "fit.json").read_text())
    assert fit["coordinates"]["students"] == "students.csv latitude, longitude; home municipality centre where empty"


def _with_applications(small_round, tmp_path, rows):
    """The small round with only these applications (student_id, choice_rank, programme_id)."""
    import shutil

    folder = tmp_path / "round"
    shutil.copytree(small_round, folder)
    pd.DataFrame(rows, columns=["student_id", "choice_rank", "programme_id"]).to_csv(
        folder / "applications.csv", index=False)
    return folder


@pytest.mark.parametrize("rows, listed", [
    ([], "0 offers (none)"),
    ([("S00000", 1, "S4-SA")], "1 offer (S4-SA)"),
    ([("S00000", 1, "S4-SA"), ("S00001", 1, "S4-SA"), ("S00002", 1, "S4-SA")], "1 offer (S4-SA)"),
])
def test_demand_refuses_lists_that_choose_among_fewer_than_two_offers(small_round, tmp_path, rows, listed):
    """No applications, one choice, or everyone listing one offer identify no parameter: one line,
    exit 1, no MODEL_DIR (it was a traceback from the optimiser, with a zero-size array)."""
    folder = _with_applications(small_round, tmp_path, rows)
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["demand", str(folder), "--out", str(out), "--holdout", "0"])
    assert result.exit_code == 1
    n = len({row[0] for row in rows})
    assert result.output.splitlines()[-1] == (
        f"Error: the estimation sample (400 of 400 students) lists {listed}, must list at least 2: the demand "
        f"model compares the offers students choose among; the round's applications name "
        f"{'1 offer' if n else '0 offers'} in all")
    assert not out.exists()


def test_demand_names_the_holdout_when_it_leaves_one_offer(small_round, tmp_path):
    # Seed 0 holds out S00001 (and not S00000), so the estimation sample lists S4-SA only.
    folder = _with_applications(small_round, tmp_path, [("S00000", 1, "S4-SA"), ("S00001", 1, "S1-NA")])
    held = np.random.default_rng(0).random(400) < 0.5
    assert (held[0], held[1]) == (False, True)
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["demand", str(folder), "--out", str(out), "--holdout", "0.5", "--seed", "0"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: --holdout == 0.5: the estimation sample ({int((~held).sum())} of 400 students) lists 1 "
        "offer (S4-SA), must list at least 2: the demand model compares the offers students choose among; "
        "the round's applications name 2 offers in all, so a smaller --holdout (0: none) may do")
    assert not out.exists()
    again = CliRunner().invoke(app, ["demand", str(folder), "--out", str(out), "--holdout", "0"])
    assert again.exit_code == 0, again.output


def test_demand_names_the_offers_it_fits_badly_in_words(tmp_path, monkeypatch):
    """The sample: 'Fits badly at 6 offers' (was 'offer(s)')."""
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "data" / "samples" / "skane-2000"
    result = CliRunner().invoke(app, ["demand", str(sample), "--out", str(tmp_path / "model")],
                                env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("Fits badly"))
    assert line == ("Fits badly at 6 offers (held-out applicants differ from the model's expectation by more than "
                    "3 standard deviations (Poisson)): 68748767-BF, 36208931-EK, 70463529-BA, 59849681-BF, "
                    "43251309-ES, 11275959-EE")


PARAMETERS, UNDETERMINED = 22, 22


def test_demand_warns_when_the_sample_leaves_parameters_undetermined(small_round, tmp_path):
    """Twelve students' lists for 24 offers: the information matrix is singular and the standard
    errors of up to 1e18 it gave were printed with nothing said, and 16 negative variances were
    written as standard errors of 0; now every one is undetermined and written as no number. The full
    round determines them all (a variance 0.5 to MAX_INFLATION times the inverse of the
    parameter's information)."""
    applications = pd.read_csv(small_round / "applications.csv", dtype=str)
    few = applications[applications["student_id"].isin(applications["student_id"].unique()[:12])]
    folder = _with_applications(small_round, tmp_path, few.values.tolist())
    result = CliRunner().invoke(app, ["demand", str(folder), "--out", str(tmp_path / "model"), "--holdout", "0"])
    assert result.exit_code == 0, result.output
    fit = json.loads((tmp_path / "model" / "fit.json").read_text())
    assert (fit["parameters_free"], fit["parameters_undetermined"]) == (PARAMETERS, UNDETERMINED)
    # No number for any parameter of the fit (22 free, 9 fixed), none 0; the 15 effects of the
    # second-stage regression on the attractiveness keep theirs.
    errors = pd.read_csv(tmp_path / "model" / "parameters.csv")["std_error"]
    assert (len(errors), int(errors.isna().sum()), int((errors == 0).sum())) == (46, 31, 0)
    assert " ".join(result.output.split()).endswith(
        f"Warning: the estimation sample leaves {UNDETERMINED} parameters of the model's {PARAMETERS} "
        "undetermined, so their standard errors mean nothing: it takes more students' lists")
    full = CliRunner().invoke(app, ["demand", str(small_round), "--out", str(tmp_path / "full"), "--seed", "3"])
    assert "undetermined" not in full.output
    fit = json.loads((tmp_path / "full" / "fit.json").read_text())
    assert fit["parameters_undetermined"] == 0

