"""Lottery draws: per-draw priorities equal build_priority's, probabilities, reproducibility, the files."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from admissions.analysis.lottery import (
    draw_places,
    draw_priority,
    lottery_context,
    run_lottery,
    run_draws,
    run_lottery_draws,
)
from admissions.matching import (
    TIE_BREAK,
    TIE_BREAK_KEYS,
    build_priority,
    draw_numbers,
    lottery_places,
    lottery_words,
)
from admissions.round import prepare_round
from admissions.reports.lottery import PROGRAMME_COLUMNS, STUDENT_COLUMNS, students_table

from .conftest import SMALL, TIES

ROUND_D = SMALL.parents[2] / "data" / "rules" / "lottery_redraws_ties"


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def draw_of(folder, seed, d):
    """(n,) float64 draw d's lottery numbers of the students of ``folder`` (students.csv order)."""
    ids = read(folder / "students.csv")["student_id"].tolist()
    return draw_numbers(lottery_words(ids, seed), seed, d)


def with_lottery_column(folder, numbers, target):
    """A copy of the round ``folder`` whose students.csv gives ``numbers`` as its lottery column."""
    import shutil

    shutil.copytree(folder, target)
    students = read(target / "students.csv")
    students["lottery"] = [str(int(v)) for v in numbers]
    students.to_csv(target / "students.csv", index=False)
    return target


@pytest.mark.parametrize("chain", [("lottery",), ("choice_rank", "lottery"), ("grade_value", "n_grades", "lottery"),
                                   ("lottery", "choice_rank")])
def test_draw_priority_equals_build_priority(region, prepared, chain):
    r = prepared(region, chain)
    context = lottery_context(r, seed=3)
    assert len(context.tied_at) > 0  # the region has ties for the lottery to decide
    m, sel = r.market, r.selection
    for d in range(3):
        lottery = lottery_places(draw_numbers(lottery_words(r.encoded.student_ids, 3), 3, d), r.encoded.student_ids)
        expected = build_priority(m.choices, m.tier, m.score, tie_break=chain, lottery=lottery,
                                  grade_value=np.nan_to_num(sel.merit, nan=0.0), n_grades=sel.n_grades,
                                  choice_rank=m.column)
        np.testing.assert_array_equal(draw_priority(context, lottery), expected)


def test_draw_is_the_match_of_its_numbers(region, prepared, tmp_path):
    """Draw d is what `admissions match` places when students.csv gives draw d's numbers as its lottery."""
    r = prepared(region)
    context = lottery_context(r, seed=2)
    part = run_draws(context, (1, 2))
    matched = prepare_round(with_lottery_column(region, draw_of(region, 2, 1), tmp_path / "draw-1"))
    assert matched.lottery_source == "input"
    column = matched.placed_column
    expected = np.where(column >= 0, column, r.encoded.choices.shape[1])
    assert part.counts.argmax(axis=1).tolist() == expected.tolist()
    assert (part.counts.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(part.admitted[0], matched.offer_admitted)


def test_the_table_of_tie_break_keys_is_the_one_vocabulary():
    from typing import get_args

    from admissions.config import TieBreakKey

    assert TIE_BREAK_KEYS == tuple(TIE_BREAK) == get_args(TieBreakKey)


def draw_priority_of(context, d):
    """The priority matrix draw d of the lottery command matches with."""
    return draw_priority(context, draw_places(context, d))


@pytest.mark.parametrize("key", TIE_BREAK_KEYS)
def test_every_tie_break_key_is_known_to_the_draws(region, prepared, key, tmp_path):
    """With any key of the table before the lottery, each draw's priority is exactly match's with the
    draw's numbers as the lottery column."""
    chain = (key,) if key == "lottery" else (key, "lottery")
    r = prepared(region, chain)
    context = lottery_context(r, seed=5)
    for d in range(2):
        folder = with_lottery_column(region, draw_of(region, 5, d), tmp_path / f"draw-{d}")
        matched = prepare_round(folder, tie_break=chain)
        np.testing.assert_array_equal(draw_priority_of(context, d), matched.priority)


def test_a_key_added_to_the_table_is_known_to_build_priority_and_to_the_draws(region, monkeypatch):
    """Adding a tie-break key is one entry of TIE_BREAK: build_priority and the lottery draws both take it.

    The added key (fewer grades win: n_grades reversed) is nowhere but in the table. Were it known to
    build_priority and not to the draws, the draws' priority would differ from build_priority's.
    """
    import dataclasses

    from admissions.matching import tie_break_arrays
    from admissions.matching.priority import TieBreak

    monkeypatch.setitem(TIE_BREAK, "fewer_grades", TieBreak("student", False, lambda s: s.n_grades,
                                                            "number of grades, fewer wins"))
    chain = ("fewer_grades", "lottery")
    r = prepare_round(region, tie_break=("n_grades", "lottery"))
    r = dataclasses.replace(r, config=r.config.model_copy(update={"tie_break": chain}))
    context = lottery_context(r, seed=5)
    m = r.market
    for d in range(2):
        numbers = draw_numbers(lottery_words(r.encoded.student_ids, 5), 5, d)
        sources = dataclasses.replace(context.sources, lottery=numbers)
        expected = build_priority(m.choices, m.tier, m.score, tie_break=chain, **tie_break_arrays(sources, chain))
        np.testing.assert_array_equal(draw_priority_of(context, d), expected)
        reversed_key = build_priority(m.choices, m.tier, m.score, tie_break=("n_grades", "lottery"),
                                      **tie_break_arrays(sources, ("n_grades", "lottery")))
        assert (expected != reversed_key).any()  # the added key decides some ties its own way


def test_every_draw_of_round_d_is_match_with_its_numbers_and_both_students_win_some(tmp_path):
    """Round D of issue 12: grade_value then lottery, two applicants without merit value or grades.

    The grade value of both is 0 (as build_priority counts it), so every draw redraws the tie: each
    draw's priority is what ``match`` builds with the draw's numbers as the lottery column, and
    each student wins some draws.
    """
    r = prepare_round(ROUND_D)
    context = lottery_context(r, seed=0)
    assert len(context.tied_at) == 2
    winners = set()
    for d in range(12):
        matched = prepare_round(with_lottery_column(ROUND_D, draw_of(ROUND_D, 0, d), tmp_path / f"draw-{d}"))
        priority = draw_priority_of(context, d)
        np.testing.assert_array_equal(priority, matched.priority)
        result = run_draws(context, (d, d + 1))
        np.testing.assert_array_equal(result.counts.argmax(axis=1), np.where(matched.placed_column >= 0, 0, 1))
        winners.add(int(np.flatnonzero(matched.offer_assignment >= 0)[0]))
    assert winners == {0, 1}


def test_ties_are_decided_by_the_lottery(tmp_path):
    programmes, _ = run_lottery(TIES, tmp_path / "out", draws=200, seed=5, workers=1)
    students = read(tmp_path / "out" / "lottery_students.csv")
    assert list(students.columns) == list(STUDENT_COLUMNS)
    p = {(s, g): float(v) for s, g, v in zip(students["student_id"], students["programme_id"], students["probability"])}
    # T1 and T2 tie on 250 for A's one seat: each gets it in about half the draws, else nothing.
    assert p[("T1", "A")] + p[("T2", "A")] == 1.0
    assert p[("T1", "A")] + p[("T1", "")] == 1.0
    assert 0.35 < p[("T1", "A")] < 0.65
    assert p[("T3", "B")] == 1.0 and ("T3", "") not in p
    table = read(tmp_path / "out" / "lottery_programmes.csv").set_index("programme_id")
    assert list(table.reset_index().columns) == list(PROGRAMME_COLUMNS)
    assert [float(v) for v in table.loc["A", ["cutoff_min", "cutoff_median", "cutoff_max", "oversubscribed_share",
                                              "admitted_min", "admitted_max", "uncertain_students"]]] == [
        250, 250, 250, 1, 1, 1, 2]
    assert table.loc["B", "cutoff_min"] == "" and float(table.loc["B", "oversubscribed_share"]) == 0
    assert table.loc["B", "uncertain_students"] == "0"
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["draws"] == 200 and record["seed"] == 5
    assert record["counts"]["students_certain"] == 1 and record["counts"]["students_uncertain"] == 2


def test_no_ties_gives_certainty(tmp_path):
    run_lottery(SMALL, tmp_path / "out", draws=20, seed=1, workers=1)
    students = read(tmp_path / "out" / "lottery_students.csv")
    assert (students["probability"].astype(float) == 1).all()
    assert students["student_id"].tolist() == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert students["programme_id"].tolist() == ["A", "C", "B", "", "C", ""]
    assert students["choice_rank"].tolist() == ["1", "2", "1", "", "1", ""]
    table = read(tmp_path / "out" / "lottery_programmes.csv")
    assert table["cutoff_min"].tolist() == table["cutoff_max"].tolist() == ["300", "260", "220"]


def test_probabilities_on_a_region(region, prepared):
    r = prepared(region)
    result = run_lottery_draws(r, 40, 9, workers=1)
    students = students_table(result)
    total = students.groupby("student_id", sort=False)["probability"].sum()
    assert len(total) == r.encoded.n_students
    np.testing.assert_allclose(total.to_numpy(), 1.0)
    assert (students["probability"] > 0).all()
    # Some placements are decided by the lottery in a region with tied merit values.
    assert (students["probability"] < 1).any()
    # Admitted never exceeds seats in any draw; cut-offs lie within the merit scale.
    assert (result.admitted <= r.encoded.seats[None, :]).all()
    cut = result.cutoff[~np.isnan(result.cutoff)]
    assert ((cut >= 0) & (cut <= 340 + 1000)).all()


def test_draws_must_be_positive():
    from admissions.errors import InvalidArgument

    r = prepare_round(TIES)
    with pytest.raises(InvalidArgument, match=r"draws == 0, must be a whole number from 1 to 1,000,000"):
        run_lottery_draws(r, 0, 0, workers=1)


def test_a_lottery_column_in_the_input_is_ignored(tmp_path):
    """late_and_ties gives L4 the better lottery number; the draws give L3 and L4 the NA seat about equally."""
    folder = TIES.parents[2] / "data" / "rules" / "late_and_ties"
    run_lottery(folder, tmp_path / "out", draws=200, seed=0, workers=1)
    students = read(tmp_path / "out" / "lottery_students.csv")
    p = {(s, g): float(v) for s, g, v in zip(students["student_id"], students["programme_id"], students["probability"])}
    assert 0.3 < p[("L3", "LUN-NA")] < 0.7
    assert p[("L3", "LUN-NA")] + p[("L4", "LUN-NA")] == 1.0
    assert p[("L2", "LUN-TE")] == 1.0 and p[("L5", "LUN-EK")] == 1.0  # no tie decides these
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["lottery"] == "drawn per draw; a lottery column in the input is ignored (the input has one)"


def test_ranking_from_the_order_equals_prepare(region, prepared):
    """The draws give the same result whether the market is re-ranked by prepare or keyed from the order."""
    import dataclasses

    r = prepared(region)
    context = lottery_context(r, seed=6)
    slow = run_draws(dataclasses.replace(context, template=None), (0, 4))
    fast = run_draws(context, (0, 4))
    np.testing.assert_array_equal(fast.counts, slow.counts)
    np.testing.assert_array_equal(fast.admitted, slow.admitted)
    np.testing.assert_array_equal(fast.cutoff, slow.cutoff)


def test_cli_lottery_without_out_prints_the_summary_only(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from admissions.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lottery", str(TIES), "--draws", "50", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("50 lottery draws")
    assert "Add --out OUT for lottery_students.csv and lottery_programmes.csv." in result.stdout
    assert "Offers where the lottery decides most" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_cli_lottery_counts_one_draw_and_says_how_long_the_draws_take(tmp_path, monkeypatch):
    """'1 lottery draw' (was '1 lottery draws'); the bar of draws says the time taken and the time
    left, so a run of a million draws tells at once whether to wait (it had the time taken only)."""
    from typer.testing import CliRunner

    from admissions.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lottery", str(TIES), "--draws", "1", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].rstrip() == "1 lottery draw"
    assert "... match 1 draw (in-process)\n" in result.stderr
    bar = [line for line in result.stderr.splitlines() if line.startswith("... draws")]
    assert len(bar) == 1 and re.fullmatch(r"\.\.\. draws .* 1/1 \d:\d\d:\d\d elapsed, \d:\d\d:\d\d left", bar[0]), bar


def test_lottery_writes_a_page_with_the_spread_of_every_cutoff(tmp_path):
    run_lottery(TIES, tmp_path / "out", draws=50, seed=5, workers=1)
    page = (tmp_path / "out" / "lottery.html").read_text(encoding="utf-8")
    assert "<title>Lottning: 50 dragningar, frö 5</title>" in page  # Swedish by default: tests/cli/test_page_language.py
    assert page.count('id="chart-lottery-cutoffs"') == 1
    rows = re.findall(r"<tr>(.*?)</tr>", page.split('id="table-lottery"')[1])
    assert len(rows) == 1 + len(read(tmp_path / "out" / "lottery_programmes.csv"))  # the header and every offer
    # The figures are run.json's counts; no student id reaches the page.
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["outputs"] == ["lottery_students.csv", "lottery_programmes.csv", "lottery.html", "run.json"]
    assert f'data-v="{float(record["counts"]["students_certain"])!r}"' in page
    assert not set(re.findall(r"\bT\d\b", page))
