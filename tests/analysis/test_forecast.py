"""What-ifs with the demand model: lists drawn from the model, cohorts, and `whatif --model`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from choice_regions import real_region, write_round
from typer.testing import CliRunner

from admissions.analysis import choice_model as cm
from admissions.analysis.demand import load_model, run_demand
from admissions.analysis.forecast import (
    FORECAST_FILES,
    build_context,
    cohort_factors,
    draw_lists,
    run_forecast,
)
from admissions.analysis.scenarios import load_scenarios
from admissions.cli import app


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    """A 400-student round drawn from a known model, and the model fitted to it."""
    base = tmp_path_factory.mktemp("forecast")
    folder = base / "round"
    write_round(real_region(7), folder, seed=8)
    run_demand(folder, base / "model", holdout=0.2, seed=0)
    return folder, base / "model"


def _context(r, model_dir, tmp_path, text, growth=None):
    path = tmp_path / "scenarios.csv"
    path.write_text(text, encoding="utf-8")
    model = load_model(model_dir, r.encoded.programme_ids)
    scenarios = load_scenarios(path, r.encoded.programme_ids, r.encoded.seats)
    return r, build_context(r, model, scenarios, np.ones(len(r.encoded.municipalities)), growth, path.name)


def _relative_order_kept(before: np.ndarray, after: np.ndarray, dropped: set[int]) -> bool:
    """The offers of ``before`` still in ``after`` appear in the same order."""
    kept = [c for c in before if c >= 0 and c not in dropped]
    present = [c for c in after if c in set(kept)]
    return present == [c for c in kept if c in set(present)]


def test_closed_offer_leaves_every_list_and_lists_keep_length_and_order(known, prepared, tmp_path):
    folder, model_dir = known
    r, context = _context(prepared(folder), model_dir, tmp_path, "scenario,programme_id,seats\nclose,S0-SA,0\n")
    enc = r.encoded
    closed = int(np.flatnonzero(enc.programme_ids.astype(str) == "S0-SA")[0])
    src, n_kept, lists, column = draw_lists(context, context.plans[0], np.random.default_rng(0))
    assert n_kept == len(src) == enc.n_students
    assert not (lists == closed).any()
    np.testing.assert_array_equal((lists >= 0).sum(axis=1), (enc.choices >= 0).sum(axis=1))
    for i in range(enc.n_students):
        assert _relative_order_kept(enc.choices[i], lists[i], {closed})
    # Untouched lists are the same lists; a drawn choice has no source column.
    untouched = ~(enc.choices == closed).any(axis=1)
    np.testing.assert_array_equal(lists[untouched], enc.choices[untouched])
    drawn = (column == -1) & (lists >= 0)
    np.testing.assert_array_equal(drawn.sum(axis=1), (~untouched).astype(int))


def test_added_offer_enters_lists_as_often_as_the_model_expects(known, prepared, tmp_path):
    folder, model_dir = known
    r, context = _context(prepared(folder), model_dir, tmp_path,
                          "scenario,programme_id,seats,added,school,programme_code\n"
                          "new,NEW-NA,15,true,School 1,NA\n")
    plan = context.plans[0]
    p = r.encoded.n_programmes
    counts = []
    rng = np.random.default_rng(1)
    for _ in range(200):
        _, _, lists, _ = draw_lists(context, plan, rng)
        counts.append(int((lists == p).sum()))
    # The exact expectation: sum over students of P(inserted within the list).
    v = plan.group_utility[context.student_group]
    lists = r.encoded.choices
    valid = lists >= 0
    others = v.copy()
    others[:, p] = -np.inf
    prob = cm.insertion_probabilities(np.take_along_axis(v, np.where(valid, lists, 0), axis=1), valid,
                                      cm.stage_log_remaining(others, lists), v[:, p])
    expected = prob[:, :-1].sum()
    assert expected > 20
    assert abs(np.mean(counts) - expected) < 3 * np.std(counts) / np.sqrt(len(counts)) + 0.5
    _, _, lists, _ = draw_lists(context, plan, np.random.default_rng(2))
    for i in range(len(lists)):
        assert _relative_order_kept(r.encoded.choices[i], lists[i], set())


def test_cohort_growth_scales_each_municipality(known, prepared, tmp_path):
    folder, model_dir = known
    r, context = _context(prepared(folder), model_dir, tmp_path,
                          "scenario,programme_id,seats,growth\ngrow,,,1.5\n")
    home = r.encoded.home
    sizes = []
    for d in range(30):
        src, n_kept, _, _ = draw_lists(context, context.plans[0], np.random.default_rng(d))
        assert n_kept == len(home)
        sizes.append(np.bincount(home[src], minlength=len(r.encoded.municipalities)))
    mean = np.mean(sizes, axis=0)
    np.testing.assert_allclose(mean, 1.5 * np.bincount(home, minlength=len(mean)), atol=0.6)


def test_cohorts_file_gives_factor_per_municipality(known, prepared, tmp_path):
    folder, _ = known
    r = prepared(folder)
    path = tmp_path / "cohorts.csv"
    path.write_text("municipality,year,students\nMalmö,2026,100\nMalmö,2027,110\nLund,2027,50\n", encoding="utf-8")
    factors, notes = cohort_factors(path, r)
    names = list(r.encoded.municipalities.astype(str))
    lund = int((r.encoded.home == names.index("Lund")).sum())
    assert factors[names.index("Malmö")] == pytest.approx(1.1)
    assert factors[names.index("Lund")] == pytest.approx(50 / lund)
    assert factors[names.index("Ystad")] == 1.0
    assert notes[0] == "Malmö: 110 / 100 (2026 -> 2027)"


def test_cohorts_file_with_unknown_municipality_is_refused(known, prepared, tmp_path):
    folder, _ = known
    r = prepared(folder)
    path = tmp_path / "cohorts.csv"
    path.write_text("municipality,year,students\nAtlantis,2027,50\n", encoding="utf-8")
    from admissions.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        cohort_factors(path, r)
    assert caught.value.problems[0].describe() == (
        "cohorts.csv, row 2, column municipality: value 'Atlantis': not in municipalities.csv of the round")
    known_one = str(r.encoded.municipalities[0])
    typed = tmp_path / "typed.csv"
    typed.write_text(f"municipality,year,students\n{known_one.upper()} ,2027,50\n{known_one},2026,x\n",
                     encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        cohort_factors(typed, r)
    # The file's own problem (row 3) with the round's (row 2), together: it was reported alone first.
    assert [p.describe() for p in caught.value.problems] == [
        f"typed.csv, row 2, column municipality: value '{known_one.upper()} ': not in municipalities.csv of the "
        f"round; did you mean {known_one!r}?",
        "typed.csv, row 3, column students: value 'x': must be a number >= 0 (check cohorts.students.type)"]
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text("scenario,programme_id,seats\nmore,S2-NA,+10\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["whatif", str(folder), "--scenarios", str(scenarios), "--model",
                                      str(known[1]), "--cohorts", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    # Headed by the cohorts file its problem is in, not by the input folder.
    assert [line for line in result.stderr.splitlines() if not line.startswith("...")] == [
        f"1 problem in {path} (1 error)",
        "error: cohorts.csv, row 2, column municipality: value 'Atlantis': not in municipalities.csv of the round"]


SCENARIOS = (
    "scenario,programme_id,seats,added,school,municipality,programme_code,growth\n"
    "plan,NEW-NA-MALMO,15,true,,Malmö,NA,1.05\n"
    "plan,S1-SA,0,,,,,\n"
    "more,S2-NA,+10,,,,,\n"
)


def test_whatif_with_model_writes_expected_values_and_intervals(known, tmp_path):
    folder, model_dir = known
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text(SCENARIOS, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["whatif", str(folder), "--scenarios", str(scenarios), "--model", str(model_dir),
                                      "--draws", "12", "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "What-ifs with the demand model written to" in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(FORECAST_FILES + ("manifest.json",))
    summary = pd.read_csv(out / "scenarios.csv")
    assert summary["scenario"].tolist() == ["baseline", "plan", "more"]
    assert summary.loc[0, "students"] == 400
    assert 400 * 1.05 - 3 <= summary.loc[1, "students"] <= 400 * 1.05 + 3
    assert (summary["unplaced_low"] <= summary["unplaced"]).all() and (summary["unplaced"] <= summary["unplaced_high"]).all()
    changes = pd.read_csv(out / "programme_changes.csv")
    new = changes[(changes["scenario"] == "plan") & (changes["programme_id"] == "NEW-NA-MALMO")].iloc[0]
    assert bool(new["added"]) and new["seats_after"] == 15 and new["applicants_before"] == 0
    assert 0 < new["applicants_low"] <= new["applicants"] <= new["applicants_high"]
    closed = changes[(changes["scenario"] == "plan") & (changes["programme_id"] == "S1-SA")].iloc[0]
    assert closed["applicants"] == 0 and closed["seats_after"] == 0
    where = pd.read_csv(out / "closed_offers.csv")
    assert set(where["closed_programme_id"]) == {"S1-SA"}
    assert where["applicants"].sum() == pytest.approx(closed["applicants_before"], abs=0.05)
    flows = pd.read_csv(out / "flows.csv")
    base_placed = summary.loc[0, "placed"]
    assert flows[flows["scenario"] == "more"]["students_before"].sum() == base_placed
    municipalities = pd.read_csv(out / "municipalities.csv")
    assert {"pays_sek", "receives_sek", "unplaced_low", "unplaced_high"} <= set(municipalities.columns)
    # Every programme code has a price in the shipped list: no cost is a partial sum.
    for table in (flows, municipalities):
        assert (table["students_without_price_before"] == 0).all() and (table["students_without_price"] == 0).all()
    more = municipalities[municipalities["scenario"] == "more"]
    assert more["pays_sek_before"].sum() == flows[flows["scenario"] == "more"]["cost_sek_before"].sum()
    record = json.loads((out / "run.json").read_text())
    assert record["settings"]["draws"] == 12
    assert record["added_offers"]["plan"][0]["attractiveness_from"].startswith("new school")


def test_whatif_with_model_page_is_swedish_by_default_and_english_on_request(known, tmp_path):
    """whatif.html of the demand model: headings, headers with their intervals, the draws (one: singular)."""
    import re
    from html import unescape

    from admissions import __version__

    folder, model_dir = known
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text(SCENARIOS, encoding="utf-8")
    pages = {}
    for language, extra in (("sv", []), ("en", ["--language", "en"])):
        out = tmp_path / language
        result = CliRunner().invoke(app, ["whatif", str(folder), "--scenarios", str(scenarios), "--model",
                                          str(model_dir), "--draws", "1", "--seed", "3", "--out", str(out),
                                          "--workers", "1", "--quiet", *extra])
        assert result.exit_code == 0, result.output
        pages[language] = (out / "whatif.html").read_text(encoding="utf-8")
        assert json.loads((out / "run.json").read_text())["language"] == language
    assert (tmp_path / "sv" / "scenarios.csv").read_bytes() == (tmp_path / "en" / "scenarios.csv").read_bytes()

    def headings(text):
        return [unescape(h) for h in re.findall(r"<h2>([^<]*)</h2>", text)]

    assert "<title>Scenarier med efterfrågemodellen</title>" in pages["sv"]
    assert (f'<p class="meta">round: 400 elever, 24 utbildningar; lottningens frö 3; admissions {__version__}; '
            "1 dragning per scenario, frö 3</p>") in pages["sv"]
    assert headings(pages["sv"]) == ["Scenarierna sida vid sida", "Placeringar och lediga platser", "Per kommun",
                                     "Vart en nedlagd utbildnings sökande tar vägen",
                                     "Utbildningar vars platser eller efterfrågan ändrades"]
    assert "<tr><td>utgångsläge</td>" in pages["sv"] and "<tr><td>baseline</td>" in pages["en"]
    assert ">Oplacerade, nedre gräns</button>" in pages["sv"] and ">Betalar per år, övre gräns</button>" in pages["sv"]
    assert "<title>What-if scenarios with the demand model</title>" in pages["en"]
    assert "; 1 draw per scenario, seed 3</p>" in pages["en"]
    assert headings(pages["en"]) == ["Scenarios side by side", "Placements and vacant seats", "Per municipality",
                                     "Where a closed offer's applicants end up", "Offers whose seats or demand changed"]
    assert ">Unplaced, low</button>" in pages["en"] and ">Pays a year, high</button>" in pages["en"]


def test_whatif_with_model_is_the_same_on_every_executor(known, tmp_path):
    folder, model_dir = known
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text(SCENARIOS, encoding="utf-8")
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        run_forecast(folder, scenarios, model_dir, out, draws=6, seed=4, workers=workers)
        outs.append(out)
    for name in FORECAST_FILES[:-2]:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_growth_without_model_is_refused(known, tmp_path):
    folder, _ = known
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text("scenario,programme_id,seats\nmore,S2-NA,+10\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["whatif", str(folder), "--scenarios", str(scenarios), "--growth", "1.05",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "Error: --draws, --cohorts and --growth need --model MODEL_DIR (admissions demand)" in result.output


def test_added_offer_without_programme_code_is_reported(known, tmp_path):
    folder, model_dir = known
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text("scenario,programme_id,seats,added,municipality\nnew,X,10,true,Lund\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["whatif", str(folder), "--scenarios", str(scenarios), "--model", str(model_dir),
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "added offer X of scenario new has no programme_code, must have one to draw from the demand model" in result.output
    assert not (tmp_path / "o").exists()


def test_every_problem_of_the_added_offers_is_reported_with_its_row(known, tmp_path):
    """Added offers' problems named no row (and a missing municipality showed the offer's id as its
    value), and only the first problem of a row was reported: now each with its row, in file order."""
    folder, model_dir = known
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text(
        "scenario,programme_id,seats,added,programme_code,municipality,school,principal\n"
        "a,X-1,4,true,NA,Atlantis,,\n"
        "b,X-2,4,true,XX,Lund,,\n"
        "c,X-3,4,true,NA,,,\n"
        "d,X-4,4,true,,,No such school,private\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["whatif", str(folder), "--scenarios", str(scenarios), "--model", str(model_dir),
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if not line.startswith("...")] == [
        f"6 problems in {scenarios} (6 errors)",
        "error: scenarios.csv, row 2, column municipality: value 'Atlantis': added offer X-1 of scenario a: "
        "not in municipalities.csv of the round",
        "error: scenarios.csv, row 3, column programme_code: value 'XX': added offer X-2 of scenario b: "
        "programme code not in the programme-type table",
        "error: scenarios.csv, row 4, column municipality: value '': added offer X-3 of scenario c names no school "
        "of the round, must give municipality",
        "error: scenarios.csv, row 5, column programme_code: value '': added offer X-4 of scenario d has no "
        "programme_code, must have one to draw from the demand model",
        "error: scenarios.csv, row 5, column municipality: value '': added offer X-4 of scenario d names no school "
        "of the round ('No such school' is not one), must give municipality",
        "error: scenarios.csv, row 5, column principal: value 'private': added offer X-4 of scenario d: "
        "must be municipal or independent",
    ]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("broken, expected", [
    # Each was a traceback: JSONDecodeError, KeyError 'estimate', EmptyDataError, or a float of 'abc'.
    (("model.json", "{\n"), ["{model}/model.json: not valid JSON (Expecting property name enclosed in double quotes: "
                             "line 2 column 1 (char 2)), must be as admissions demand --out {model} wrote it"]),
    (("parameters.csv", "parameter,value\nx,1\n"),
     ["{model}/parameters.csv, row 1, column estimate: required column missing (written by admissions demand "
      "--out {model})",
      "{model}/parameters.csv, row 1, column std_error: required column missing (written by admissions demand "
      "--out {model})"]),
    (("parameters.csv", ""), ["{model}/parameters.csv: cannot be read as CSV (No columns to parse from file), "
                              "must be as admissions demand --out {model} wrote it"]),
    (("parameters.csv", "parameter,estimate,std_error\ndistance_per_km,-0.05,0.01\n"),
     ["{model}/parameters.csv, column parameter: value 'home_municipality': has no row home_municipality, must "
      "have one (written by admissions demand --out {model})"]),
])
def test_a_broken_model_folder_is_a_problem_report_not_a_traceback(known, tmp_path, broken, expected):
    import shutil

    folder, model_dir = known
    model = tmp_path / "model"
    shutil.copytree(model_dir, model)
    name, text = broken
    (model / name).write_text(text, encoding="utf-8")
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text("scenario,programme_id,seats\nmore,S2-NA,+10\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["whatif", str(folder), "--scenarios", str(scenarios), "--model", str(model),
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith("...")]
    n = len(expected)
    assert lines == [f"{n} problem{'s' if n > 1 else ''} in {model} ({n} error{'s' if n > 1 else ''})",
                     *("error: " + line.format(model=model) for line in expected)]
    assert not (tmp_path / "o").exists()


def test_a_cohort_growing_from_zero_names_the_count_as_written(known, prepared, tmp_path):
    """'value '0.0'' for a cell 0: the float's repr, not the value of the file."""
    from admissions.errors import InvalidInput

    folder, _ = known
    path = tmp_path / "cohorts.csv"
    path.write_text("municipality,year,students\nMalmö,2026,0\nMalmö,2027,10\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        cohort_factors(path, prepared(folder))
    assert [p.describe() for p in caught.value.problems] == [
        "cohorts.csv, row 2, column students: value '0': must be > 0 (the year the growth is measured from)"]
