"""whatif and sweep: exact results on a hand-made round, identities on a generated region, the CLI."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.analysis.market import build_context, evaluate
from admissions.analysis.whatif import parse_seat_range, run_sweep, run_whatif
from admissions.cli import app
from admissions.errors import InvalidArgument
from admissions.reports.programmes import programmes_table
from admissions.reports.whatif import CHANGE_COLUMNS, SCENARIO_COLUMNS, SWEEP_COLUMNS

from .conftest import SMALL, write_scenarios

runner = CliRunner()

SMALL_SCENARIOS = """
scenario,programme_id,seats,added
more_a,A,+1,
close_b,B,0,
new_school,C,-1,
new_school,X,30,true
"""


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def small_whatif(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("whatif")
    scenarios = write_scenarios(tmp / "scenarios.csv", SMALL_SCENARIOS)
    out = tmp / "out"
    run_whatif(SMALL, scenarios, out, workers=1)
    return out


def test_whatif_scenarios_exact(small_whatif):
    table = read(small_whatif / "scenarios.csv")
    assert list(table.columns) == list(SCENARIO_COLUMNS)
    rows = table.set_index("scenario")
    expected = {
        # scenario: changes, seats, added_seats, placed, first choice, unplaced, vacant, better, worse, same
        "baseline": ("0", "4", "0", "4", "3", "2", "0", "0", "0", "6"),
        "more_a": ("1", "5", "0", "5", "4", "1", "0", "2", "0", "4"),
        "close_b": ("1", "3", "0", "3", "1", "3", "0", "0", "2", "4"),
        "new_school": ("2", "33", "30", "3", "2", "3", "30", "0", "1", "5"),
    }
    assert rows.index.tolist() == list(expected)
    columns = ["changes", "seats", "added_seats", "placed", "placed_first_choice", "unplaced", "vacant_seats",
               "better", "worse", "same"]
    for name, values in expected.items():
        assert tuple(rows.loc[name, columns]) == values, name
    assert rows.loc["more_a", "first_choice_share"] == "0.6667"


def test_whatif_programme_changes_exact(small_whatif):
    table = read(small_whatif / "programme_changes.csv")
    assert list(table.columns) == list(CHANGE_COLUMNS)
    got = {(r.scenario, r.programme_id): (r.added, r.seats_before, r.seats_after, r.admitted_before, r.admitted_after,
                                          r.vacant_after, r.cutoff_before, r.cutoff_after, r.cutoff_change)
           for r in table.itertuples()}
    assert got == {
        ("more_a", "A"): ("false", "1", "2", "1", "2", "0", "300", "280", "-20"),
        ("more_a", "C"): ("false", "2", "2", "2", "2", "0", "220", "", ""),  # no reserve left: no cut-off
        ("close_b", "B"): ("false", "1", "0", "1", "0", "0", "260", "", ""),
        ("close_b", "C"): ("false", "2", "2", "2", "2", "0", "220", "260", "40"),
        ("new_school", "C"): ("false", "2", "1", "2", "1", "0", "220", "280", "60"),
        ("new_school", "X"): ("true", "0", "30", "0", "0", "30", "", "", ""),
    }


def test_whatif_page_and_record(small_whatif):
    html = (small_whatif / "whatif.html").read_text(encoding="utf-8")
    for chart in ("chart-students", "chart-places", "chart-cutoff-shifts"):
        assert f'id="{chart}"' in html
    assert "more_a" in html and "new_school" in html
    assert not any(f">S{i}<" in html for i in range(1, 7))  # no student ids
    record = json.loads((small_whatif / "run.json").read_text())
    assert record["command"] == "whatif" and record["counts"]["matchings"] == 4
    assert record["executor"] == "in-process"
    assert set(record["inputs"]) >= {"programmes", "students", "applications"}


def test_sweep_exact(tmp_path):
    table, _ = run_sweep(SMALL, "A", [0, 1, 2, 3], tmp_path / "sweep", workers=1)
    written = read(tmp_path / "sweep" / "sweep.csv")
    assert list(written.columns) == list(SWEEP_COLUMNS)
    assert written["admitted"].tolist() == ["0", "1", "2", "3"]
    assert written["vacant_seats"].tolist() == ["0", "0", "0", "0"]
    assert written["cutoff"].tolist() == ["", "300", "280", ""]
    assert written["unplaced"].tolist() == ["3", "2", "1", "1"]
    assert written["total_vacant_seats"].tolist() == ["0", "0", "0", "1"]
    assert written["baseline"].tolist() == ["false", "true", "false", "false"]
    html = (tmp_path / "sweep" / "sweep.html").read_text(encoding="utf-8")
    for chart in ("chart-sweep-cutoff", "chart-sweep-seats", "chart-sweep-unplaced"):
        assert f'id="{chart}"' in html


@pytest.mark.parametrize("text, values", [("0:200:10", list(range(0, 201, 10))), ("5:12:5", [5, 10]),
                                          ("3:5", [3, 4, 5]), ("7", [7]), (" 0:4:2 ", [0, 2, 4])])
def test_parse_seat_range(text, values):
    assert parse_seat_range(text) == values


@pytest.mark.parametrize("text", ["", "a:b", "5:3", "-1:3", "0:10:0", "1:2:3:4", "0:1000000:1"])
def test_parse_seat_range_refuses(text):
    with pytest.raises(InvalidArgument, match="^seats =="):
        parse_seat_range(text)


@pytest.mark.parametrize("text, message", [
    # Above int64 this was an OverflowError traceback from numpy; 0:10**12 built a list of 10**12 ints first.
    ("99999999999999999999", "seats == '99999999999999999999', must be START:STOP:STEP, START:STOP or N with whole "
                             "numbers, 0 <= START <= STOP <= 9,007,199,254,740,991 and STEP >= 1"),
    ("0:1000000000000", "seats == '0:1000000000000' gives 1,000,000,000,001 values, must give at most 10,000"),
])
def test_parse_seat_range_refuses_numbers_beyond_a_count(text, message):
    with pytest.raises(InvalidArgument) as error:
        parse_seat_range(text)
    assert str(error.value) == message
    assert parse_seat_range("9007199254740991") == [9007199254740991]


def test_baseline_cutoffs_are_those_of_programmes_csv(region, prepared):
    r = prepared(region)
    baseline = evaluate(build_context(r), r.encoded.seats)
    published = programmes_table(r)
    assert np.array_equal(baseline.admitted, published["admitted"].to_numpy(dtype=np.int64))
    expected = published["cutoff_merit"].to_numpy(dtype=np.float64, na_value=np.nan)
    np.testing.assert_array_equal(np.round(baseline.cutoff, 4), expected)
    assert baseline.placed == int((r.offer_assignment >= 0).sum())


def test_identities_on_a_region(region, tmp_path):
    programmes = read(region / "programmes.csv")
    ids = programmes["programme_id"].tolist()
    lines = ["scenario,programme_id,seats,added"]
    lines += [f"plus{i},{pid},+32," for i, pid in enumerate(ids[:5])]
    lines += [f"close{i},{pid},0," for i, pid in enumerate(ids[5:10])]
    lines += ["mixed,{},-1,".format(ids[10]), "mixed,{},+3,".format(ids[11]), "mixed,NEW-1,25,true"]
    scenarios = write_scenarios(tmp_path / "scenarios.csv", "\n".join(lines) + "\n")
    summary, _ = run_whatif(region, scenarios, tmp_path / "out", workers=1)
    n = int(summary["students"].iloc[0])
    assert (summary["placed"] + summary["unplaced"] == n).all()
    assert (summary["better"] + summary["worse"] + summary["same"] == n).all()
    assert (summary["vacant_seats"] == summary["seats"] - summary["placed"]).all()
    base = summary.iloc[0]
    assert base["seats"] == int(programmes["seats"].astype(int).sum())
    # More seats never make anyone worse off in deferred acceptance; closing never makes anyone better off.
    plus = summary[summary["scenario"].str.startswith("plus")]
    close = summary[summary["scenario"].str.startswith("close")]
    assert (plus["worse"] == 0).all() and (plus["placed"] >= base["placed"]).all()
    assert (close["better"] == 0).all() and (close["placed"] <= base["placed"]).all()
    changes = read(tmp_path / "out" / "programme_changes.csv")
    assert (changes["vacant_after"].astype(int) == changes["seats_after"].astype(int)
            - changes["admitted_after"].astype(int)).all()
    # Admitted per scenario from the changes agrees with placed in the summary.
    assert changes.loc[changes["added"] == "true", "programme_id"].tolist() == ["NEW-1"]
    for column in ("student_id",):
        assert column not in changes.columns and column not in summary.columns


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_cli_whatif_writes_and_summarises(tmp_path):
    scenarios = write_scenarios(tmp_path / "scenarios.csv", SMALL_SCENARIOS)
    out = tmp_path / "out"
    result = run("whatif", SMALL, "--scenarios", scenarios, "--out", out, "--workers", "1")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "programme_changes.csv", "run.json", "scenarios.csv",
                                                     "whatif.html"]
    assert "more_a" in result.stdout
    # Re-running into the same OUT replaces it (it holds a run.json).
    assert run("whatif", SMALL, "--scenarios", scenarios, "--out", out, "--workers", "1", "-q").exit_code == 0


def test_cli_whatif_reports_every_problem_and_writes_nothing(tmp_path):
    scenarios = write_scenarios(tmp_path / "scenarios.csv",
                                "scenario;programme_id;seats\nbaseline;A;+x\ns;Z;1\nt; b;2\nu;A;8,0\n")
    out = tmp_path / "out"
    result = run("whatif", SMALL, "--scenarios", scenarios, "--out", out, "--workers", "1", "--quiet")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"5 problems in {scenarios} (5 errors)",
        "error: scenarios.csv, row 2, column scenario: value 'baseline': 'baseline' is reserved for the round as "
        "it is, must be another name",
        "error: scenarios.csv, row 2, column seats: value '+x': must be a whole number >= 0 (the new seats) or "
        "+N / -N (a change of the current seats)",
        "error: scenarios.csv, row 3, column programme_id: value 'Z': programme_id not found in programmes.csv "
        "(a new offer needs added = true)",
        "error: scenarios.csv, row 4, column programme_id: value ' b': programme_id not found in programmes.csv "
        "(a new offer needs added = true); did you mean 'B'?",
        "error: scenarios.csv, row 5, column seats: value '8,0': must be a whole number >= 0 (the new seats) or "
        "+N / -N (a change of the current seats), in digits only: '8,0' has a decimal mark (8)",
    ]
    assert not out.exists()
    assert not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_cli_sweep_errors(tmp_path):
    result = run("sweep", SMALL, "--programme", "Z", "--seats", "0:3", "--out", tmp_path / "o", "--workers", "1", "-q")
    assert result.exit_code == 1
    assert result.stderr == "Error: --programme == 'Z', must be a programme_id of programmes.csv\n"
    result = run("sweep", SMALL, "--programme", "a ", "--seats", "0:3", "--out", tmp_path / "o", "--workers", "1", "-q")
    assert result.stderr == "Error: --programme == 'a ', must be a programme_id of programmes.csv; did you mean 'A'?\n"
    result = run("sweep", SMALL, "--programme", "A", "--seats", "3:0", "--out", tmp_path / "o", "--workers", "1")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --seats == '3:0', must be START:STOP:STEP")
    assert not (tmp_path / "o").exists()


def test_cli_workers_must_be_positive(tmp_path):
    scenarios = write_scenarios(tmp_path / "scenarios.csv", SMALL_SCENARIOS)
    result = run("whatif", SMALL, "--scenarios", scenarios, "--out", tmp_path / "o", "--workers", "0")
    assert result.exit_code == 1
    assert result.stderr == "Error: --workers == 0, must be a whole number >= 1\n"


@pytest.mark.parametrize("command", ["whatif", "sweep", "lottery"])
def test_help_has_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert f"Example: admissions {command}" in result.output


def test_cli_sweep_without_out_prints_the_table_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("sweep", SMALL, "--programme", "A", "--seats", "0:3", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "Sweep of A (add --out OUT for sweep.csv and the charts)" in result.stdout
    assert "280" in result.stdout and "300" in result.stdout
    assert list(tmp_path.iterdir()) == []


def _die_on_three(shared, task):
    import os
    import signal

    if task == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer stops a worker
    return task


def test_a_worker_killed_mid_task_is_one_error_not_the_pools_traceback():
    """cohorts.csv growing a municipality a million times over ended in BrokenProcessPool's traceback."""
    from admissions.analysis.executors import run_all
    from admissions.cli._output import error_line
    from admissions.cli.whatif import whatif
    from admissions.errors import AdmissionsError

    with pytest.raises(AdmissionsError) as error:
        run_all(_die_on_three, None, [1, 2, 3, 4], workers=2)
    message = ("a worker process stopped before its task was done, most often because the system ran out of memory "
               "(a task too large for it); {} == 2: try fewer, or a smaller task")
    assert str(error.value) == message.format("workers")
    assert error_line(error.value, whatif) == message.format("--workers")
