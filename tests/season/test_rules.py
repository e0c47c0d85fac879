"""The rules of a season: rounds in order, a base you can see, void, trial, nothing lost silently, answers."""

import sqlite3

import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.cli import app
from admissions.errors import InvalidInput
from admissions.season import store
from admissions.season.rounds import export_run, run_round, void_run

from .conftest import answers_file, placed, read, write

runner = CliRunner()


def final_and_reserve(region, season, tmp_path, answers=()):
    run_round("final", region, season, seed=4)
    path = answers_file(tmp_path / "answers.csv", list(answers)) if answers else None
    return run_round("reserve", region, season, answers=path)


def test_a_preliminary_after_the_final_is_refused_naming_the_run_and_the_void_command(small_region, tmp_path):
    season = tmp_path / "season"
    run_round("preliminary", small_region, season)
    run_round("final", small_region, season)
    result = runner.invoke(app, ["round", "preliminary", str(small_region), "--season", str(season)])
    assert result.exit_code == 1
    assert ("a preliminary round after the final admission is refused: run 2 (final) is in the way; "
            f"to start again, void it and every run based on it: admissions void 2 --season {season} "
            "--reason TEXT --with-later") in " ".join(result.stderr.split())
    with pytest.raises(store.SeasonError, match="the season already has a final admission, run 2; a second final is refused"):
        run_round("final", small_region, season)
    run_round("reserve", small_region, season)
    # The final, not the newest reserve run: voiding that one would leave the final in the way.
    with pytest.raises(store.SeasonError, match=r"run 2 \(final\) is in the way; .*void_run\(season=.*, run_id=2, "):
        run_round("preliminary", small_region, season)
    assert [r.kind for r in store.history(store.connect(season))] == ["preliminary", "final", "reserve"]
    void_run(season, 2, "redo", with_later=True)
    run_round("preliminary", small_region, season)


def test_base_is_checked_and_simulations_are_never_a_base(small_region, after_final):
    season = after_final
    run_round("simulation", small_region, season)
    with pytest.raises(store.SeasonError, match="^base == 2 is not the run a reserve round starts from now: that is run 1"):
        run_round("reserve", small_region, season, base=2)
    _, record = run_round("reserve", small_region, season, base=1)
    assert record["base_run_id"] == 1
    _, record = run_round("trial", small_region, season)
    assert record["base_run_id"] == 3
    _, record = run_round("reserve", small_region, season)
    assert record["base_run_id"] == 3  # the trial (run 4) is never a base
    with pytest.raises(store.SeasonError, match="^base is for reserve and trial rounds"):
        run_round("simulation", small_region, season, base=1)


def test_a_trial_is_the_next_reserve_round_byte_for_byte(small_region, tmp_path, after_final):
    season = after_final
    holders = sorted(placed(season, 1))
    answers = answers_file(tmp_path / "a.csv", [(holders[0], "decline"), (holders[1], "withdraw"), (holders[2], "accept")])
    _, trial = run_round("trial", small_region, season, answers=answers, out=tmp_path / "trial")
    _, reserve = run_round("reserve", small_region, season, answers=answers, out=tmp_path / "reserve")
    assert trial["kind"] == "trial" and reserve["kind"] == "reserve"
    assert trial["base_run_id"] == reserve["base_run_id"] == 1
    for name in ("placements.csv", "applications.csv", "programmes.csv", "dimensioning.csv", "flows.csv"):
        assert (tmp_path / "trial" / name).read_bytes() == (tmp_path / "reserve" / name).read_bytes(), name
    assert trial["season"] == reserve["season"]


def test_void_is_refused_while_a_run_is_based_on_it_and_with_later_voids_the_chain(small_region, after_final):
    season = after_final
    run_round("reserve", small_region, season)
    run_round("reserve", small_region, season)
    with pytest.raises(store.SeasonError, match=r"run 1 is the base of valid run\(s\) 2, 3: void the later one\(s\) first"):
        void_run(season, 1, "wrong grades")
    result = runner.invoke(app, ["void", "2", "--season", str(season), "--reason", "wrong answers", "--with-later"])
    assert result.exit_code == 0, result.output
    assert f"Voided runs 2, 3 in {season}: wrong answers" in result.stdout
    with pytest.raises(store.SeasonError, match="run 2 is already void since"):
        void_run(season, 2, "again")
    history = store.history(store.connect(season))
    assert [(r.run_id, r.void_reason) for r in history] == [(1, None), (2, "wrong answers"), (3, "wrong answers")]
    _, record = run_round("reserve", small_region, season)
    assert record["base_run_id"] == 1
    listing = runner.invoke(app, ["history", "--season", str(season)])
    assert "void" in listing.stdout and "wrong answers" in listing.stdout


def test_voiding_restores_the_state_before_a_mistaken_decline(small_region, tmp_path, after_final):
    """A mistaken decline cannot be corrected by a later accept; voiding its run can."""
    season = after_final
    student = sorted(placed(season, 1))[5]
    seat = placed(season, 1)[student]
    run_round("reserve", small_region, season, answers=answers_file(tmp_path / "d.csv", [(student, "decline")]))
    if student in placed(season, 2):
        pytest.skip("the student moved up to a higher choice")  # pragma: no cover - the final admission is one where it does not
    with pytest.raises(InvalidInput) as error:
        run_round("reserve", small_region, season, answers=answers_file(tmp_path / "a.csv", [(student, "accept")]))
    (problem,) = error.value.problems
    # The library names its function and parameters; the command line names the command and its options.
    assert problem.rule == (
        f"contradicts the answer 'decline' of {seat} given in run 2: student {student} holds no seat since; "
        f"to correct the decline, void run 2: void_run(season='{season}', run_id=2, reason=TEXT, with_later=True)")
    result = runner.invoke(app, ["round", "reserve", str(small_region), "--season", str(season),
                                 "--answers", str(tmp_path / "a.csv")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1:] == [
        f"error: a.csv, row 2, column answer: value 'accept': contradicts the answer 'decline' of {seat} given in "
        f"run 2: student {student} holds no seat since; to correct the decline, void run 2: "
        f"admissions void 2 --season {season} --reason TEXT --with-later"]
    void_run(season, 2, "the student never declined")
    _, record = run_round("reserve", small_region, season)
    assert record["base_run_id"] == 1
    assert placed(season, record["run_id"])[student] == seat


def test_every_answer_problem_is_reported_together(small_region, tmp_path, after_final):
    season = after_final
    holders = placed(season, 1)
    connection = store.connect(season)
    everyone = [row[0] for row in store.placements(connection, 1)]
    unplaced = sorted(set(everyone) - set(holders))
    holder = sorted(holders)[0]
    rows = [("NOBODY", "accept"), (unplaced[0], "accept"), (unplaced[1], "decline"), (unplaced[2], "withdraw"),
            (f"{holder.lower()} ", "accept"),  # a spreadsheet's space, another case
            (holder, "yes")]  # the file's own problem: it was reported alone, before the round's
    with pytest.raises(InvalidInput) as error:
        run_round("reserve", small_region, season, answers=answers_file(tmp_path / "a.csv", rows))
    described = [p.describe() for p in error.value.problems]
    assert described == [
        "a.csv, row 2, column student_id: value 'NOBODY': student_id not found in students of the round",
        f"a.csv, row 3, column answer: value 'accept': student {unplaced[0]} holds no seat in the base run 1: "
        "only a holder can accept or decline (a reserve may withdraw)",
        f"a.csv, row 4, column answer: value 'decline': student {unplaced[1]} holds no seat in the base run 1: "
        "only a holder can accept or decline (a reserve may withdraw)",
        f"a.csv, row 6, column student_id: value '{holder.lower()} ': student_id not found in students of the "
        f"round; did you mean '{holder}'?",
        "a.csv, row 7, column answer: value 'yes': must be one of accept, decline, withdraw (check answers.answer.type)",
    ]
    assert [r.kind for r in store.history(store.connect(season))] == ["final"]
    # The report is headed by the answers file its problems are in (it was headed by the input folder).
    result = runner.invoke(app, ["round", "reserve", str(small_region), "--season", str(season),
                                 "--answers", str(tmp_path / "a.csv")])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith("...")]
    assert lines[0] == f"5 problems in {tmp_path / 'a.csv'} (5 errors)"
    assert lines[1:] == ["error: " + line for line in described]


def test_a_missing_holder_is_an_error_unless_they_withdraw(region_copy, tmp_path, after_final):
    season = after_final
    holders = sorted(placed(season, 1))
    gone, moved_away, withdrawing = holders[0], holders[1], holders[2]
    students = read(region_copy / "students.csv")
    write(students[~students["student_id"].isin([gone, withdrawing])], region_copy / "students.csv")
    apps = read(region_copy / "applications.csv")
    seat = placed(season, 1)[moved_away]
    apps = apps[~((apps["student_id"] == moved_away) & (apps["programme_id"] == seat))]
    apps = apps[~apps["student_id"].isin([gone, withdrawing])].copy()
    apps["choice_rank"] = (apps.groupby("student_id").cumcount() + 1).astype(str)
    write(apps, region_copy / "applications.csv")
    grades = read(region_copy / "grades.csv")
    write(grades[~grades["student_id"].isin([gone, withdrawing])], region_copy / "grades.csv")
    with pytest.raises(InvalidInput) as error:
        run_round("reserve", region_copy, season)
    rules = sorted(p.rule for p in error.value.problems)
    assert len(rules) == 3
    assert any(f"student {gone} holds" in r and "is not in students.csv" in r for r in rules)
    assert any(f"student {withdrawing} holds" in r for r in rules)
    assert any(f"student {moved_away} holds {seat} from run 1 but it is not among their applications" in r for r in rules)
    # Every problem across files names a row: the holder without the offer at their row of students.csv.
    kept = read(region_copy / "students.csv")["student_id"].tolist()
    [moved] = [p for p in error.value.problems if p.value == moved_away]
    assert (moved.file, moved.row, moved.column) == ("students.csv", kept.index(moved_away) + 2, "student_id")
    # With the withdrawal and the decline given, only the student who vanished remains: nothing recorded.
    answers = answers_file(tmp_path / "w.csv", [(moved_away, "decline"), (withdrawing, "withdraw")])
    with pytest.raises(InvalidInput) as error:
        run_round("reserve", region_copy, season, answers=answers)
    assert [p.value for p in error.value.problems] == [gone]
    assert len(store.history(store.connect(season))) == 1


def test_seats_below_holders_are_effective_seats_with_a_warning(region_copy, tmp_path, after_final):
    season = after_final
    holders = pd.Series(placed(season, 1)).value_counts()
    offer, count = holders.index[0], int(holders.iloc[0])
    programmes = read(region_copy / "programmes.csv")
    at = programmes["programme_id"] == offer
    programmes.loc[at, ["seats", "test_seats", "free_quota_seats"]] = ["0", "0", "0"]
    write(programmes, region_copy / "programmes.csv")
    result = runner.invoke(app, ["round", "reserve", str(region_copy), "--season", str(season),
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    # Named by its row (it named none): the offer's row in programmes.csv.
    row = int(at.to_numpy().nonzero()[0][0]) + 2
    assert (f"warning: programmes.csv, row {row}, column seats: value '0': offer {offer} has seats 0 below its "
            f"{count} holders, who keep their seats: effective seats {count}") in " ".join(result.output.split())
    table = read(tmp_path / "out" / "programmes.csv").set_index("programme_id")
    assert table.loc[offer, "seats"] == str(count)
    assert table.loc[offer, "admitted"] == str(count)
    assert (table["vacant_seats"].astype(int) >= 0).all()


def test_round_without_out_says_where_it_is_recorded_and_export_writes_it_byte_for_byte(small_region, tmp_path):
    season = tmp_path / "season"
    result = runner.invoke(app, ["round", "final", str(small_region), "--season", str(season), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["round", "reserve", str(small_region), "--season", str(season)])
    assert result.exit_code == 0, result.output
    assert f"Reserve round recorded as run 2 in {season}" in result.stdout
    assert "Matching written to" not in result.stdout
    exported = runner.invoke(app, ["export", "--season", str(season), "1", "--out", str(tmp_path / "again")])
    assert exported.exit_code == 0, exported.output
    for path in sorted((tmp_path / "out").iterdir()):
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name
    assert export_run(season, 2, tmp_path / "second")[1] == [
        "placements.csv", "applications.csv", "programmes.csv", "dimensioning.csv", "flows.csv",
        "report.xlsx", "report.html", "run.json"]


def test_explain_from_the_season(final_admission):
    season = final_admission.season
    student = sorted(placed(season, 1))[0]
    from_folder = runner.invoke(app, ["explain", str(final_admission.out), student])
    from_season = runner.invoke(app, ["explain", "--season", str(season), student])
    assert from_season.exit_code == 0, from_season.output
    assert from_season.stdout == f"Run 1 of {season}\n" + from_folder.stdout
    other = runner.invoke(app, ["explain", "--season", str(season), "--run", "9", student])
    assert other.exit_code == 1
    assert "--run == 9, must be a run of this season" in other.stderr


def test_explain_in_a_reserve_round_says_the_seat_was_held(small_region, tmp_path, after_final):
    season = after_final
    held = placed(season, 1)
    keeper, decliner = sorted(held)[:2]
    run_round("reserve", small_region, season, answers=answers_file(tmp_path / "a.csv", [(decliner, "decline")]))
    kept = runner.invoke(app, ["explain", "--season", str(season), keeper])
    assert kept.exit_code == 0, kept.output
    assert (f"They held this seat from run 1 (final): a held seat is kept in every later round unless they "
            f"answer otherwise.") in kept.stdout.splitlines()[1]
    declined = runner.invoke(app, ["explain", "--season", str(season), decliner]).stdout.splitlines()[1]
    assert declined.endswith(f"They held {held[decliner]} from run 1 (final) and gave it up in an answer.")
    # The final itself started from no held seat.
    assert "held" not in runner.invoke(app, ["explain", "--season", str(season), "--run", "1", keeper]).stdout


def test_the_lottery_number_stays_with_the_student(small_region, region_copy, tmp_path):
    """Adding 20 late applicants changed every number; now nobody's number changes."""
    season = tmp_path / "season"
    run_round("preliminary", small_region, season, seed=9)
    students = read(region_copy / "students.csv")
    apps = read(region_copy / "applications.csv")
    late = students.head(20).copy()
    late["student_id"] = [f"LATE{i:02d}" for i in range(20)]
    late_apps = apps[apps["student_id"].isin(students.head(20)["student_id"])].copy()
    late_apps["student_id"] = late_apps["student_id"].map(dict(zip(students.head(20)["student_id"], late["student_id"])))
    write(pd.concat([late, students]), region_copy / "students.csv")  # reordered too
    write(pd.concat([apps, late_apps]), region_copy / "applications.csv")
    grades = read(region_copy / "grades.csv")
    late_grades = grades[grades["student_id"].isin(students.head(20)["student_id"])].copy()
    late_grades["student_id"] = late_grades["student_id"].map(dict(zip(students.head(20)["student_id"], late["student_id"])))
    write(pd.concat([grades, late_grades]), region_copy / "grades.csv")
    run_round("final", region_copy, season)
    connection = store.connect(season)
    first = {s: l for s, _, _, _, l in store.placements(connection, 1)}
    second = {s: l for s, _, _, _, l in store.placements(connection, 2)}
    assert all(second[s] == first[s] for s in first)
    assert len(second) == len(first) + 20
    with pytest.raises(store.SeasonError) as error:
        run_round("reserve", region_copy, season, seed=5)
    assert str(error.value) == ("seed == 5 differs from the season's, 9 (set by its first run); leave seed out: "
                                "every round of a season draws its lottery with the season's")
    # The command names its option (it said 'seed == 5': --seed is declared without a name).
    result = runner.invoke(app, ["round", "reserve", str(region_copy), "--season", str(season), "--seed", "5"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: --seed == 5 differs from the season's, 9 (set by its first run); leave --seed out: every round of "
        "a season draws its lottery with the season's")


def test_a_lottery_column_wins_and_is_recorded(small_region, region_copy, tmp_path):
    season = tmp_path / "season"
    students = read(region_copy / "students.csv")
    students["lottery"] = [str(i + 1) for i in range(len(students))]
    write(students, region_copy / "students.csv")
    _, record = run_round("final", region_copy, season)
    assert record["lottery"] == "given in the input"
    _, record = run_round("reserve", small_region, season)  # no lottery column: the recorded numbers are kept
    assert record["lottery"].startswith("recorded in the season")
    connection = store.connect(season)
    assert sorted(l for _, _, _, _, l in store.placements(connection, 2)) == [float(i + 1) for i in range(len(students))]


def test_no_answer_accept_records_the_holders_acceptance(region_copy, tmp_path, after_final):
    season = after_final
    (region_copy / "admissions.toml").write_text('no_answer = "accept"\n', encoding="utf-8")
    holders = sorted(placed(season, 1))
    _, record = run_round("reserve", region_copy, season,
                          answers=answers_file(tmp_path / "a.csv", [(holders[0], "decline")]))
    assert record["season"]["answers"] == {"accept": len(holders) - 1, "decline": 1, "withdraw": 0}
    (region_copy / "admissions.toml").write_text('no_answer = "maybe"\n', encoding="utf-8")
    result = runner.invoke(app, ["round", "reserve", str(region_copy), "--season", str(season)])
    assert result.exit_code == 1
    assert "admissions.toml: no_answer == 'maybe', input should be 'keep' or 'accept'" in result.stderr


def test_history_shows_answers_and_movement(small_region, tmp_path, after_final):
    season = after_final
    holders = sorted(placed(season, 1))
    answers = answers_file(tmp_path / "a.csv", [(s, "decline") for s in holders[:10]] + [(holders[10], "withdraw")])
    _, record = run_round("reserve", small_region, season, answers=answers)
    movement = record["season"]
    assert movement["answers"] == {"accept": 0, "decline": 10, "withdraw": 1}
    assert movement["lost"] == 0
    assert movement["moved_up"] + movement["newly_placed"] > 0
    listing = runner.invoke(app, ["history", "--season", str(season)])
    assert "0/10/1" in listing.stdout


def test_reserve_rounds_read_right(small_region, final_admission, after_final, tmp_path):
    """Held seats show the holder's tier; only the declined choice is 'declined'; cut-offs are the round's."""
    season = after_final
    final_apps = read(final_admission.out / "applications.csv")
    admitted = final_apps[final_apps["outcome"] == "admitted"]
    counts = final_apps.groupby("student_id").size()
    # A holder placed at a choice with lower choices after it declines.
    decliner = next(s for s, r in zip(admitted["student_id"], admitted["choice_rank"]) if counts[s] > int(r))
    declined_rank = int(admitted.set_index("student_id").loc[decliner, "choice_rank"])
    run_round("reserve", small_region, season, out=tmp_path / "reserve",
              answers=answers_file(tmp_path / "a.csv", [(decliner, "decline")]))
    apps = read(tmp_path / "reserve" / "applications.csv")
    mine = apps[apps["student_id"] == decliner].set_index("choice_rank")["outcome"]
    assert mine[str(declined_rank)] == "declined"
    assert set(mine[[str(r) for r in range(declined_rank + 1, counts[decliner] + 1)]]) == {"given_up"}

    held = admitted[admitted["student_id"] != decliner].merge(apps, on=["student_id", "programme_id"], suffixes=("_f", "_r"))
    assert len(held) > 100
    assert (held["tier_r"] != "").all()
    assert (held["tier_r"] == held["tier_f"]).all()

    programmes = read(tmp_path / "reserve" / "programmes.csv").set_index("programme_id")
    holders = set(zip(admitted["student_id"], admitted["programme_id"]))
    now = apps[apps["outcome"] == "admitted"]
    new = now[[(s, p) not in holders for s, p in zip(now["student_id"], now["programme_id"])]]
    for offer, row in programmes.iterrows():
        newcomers = new[new["programme_id"] == offer]
        if row["cutoff_merit"] != "":
            assert float(row["cutoff_merit"]) in set(newcomers["score"].astype(float)), offer
        elif int(row["reserves"]) > 0:
            assert newcomers.empty, offer


@pytest.mark.parametrize("command", [["answers", "--out"], ["diff", "1", "1", "--csv"]])
@pytest.mark.parametrize("name", ["season.sqlite", "season.sqlite-wal"])
def test_a_single_output_file_never_replaces_the_season_database(after_final, command, name):
    """`answers --out S/season.sqlite` and `diff --csv S/season.sqlite` wrote over the season's
    database (its every run lost; `history` then said 'not a season database')."""
    season = after_final
    database = season / "season.sqlite"
    before = database.read_bytes()
    *args, option = command
    result = runner.invoke(app, [*args, "--season", str(season), option, str(season / name)])
    assert result.exit_code == 1
    what = "season.sqlite" if name == "season.sqlite" else "the journal of season.sqlite"
    assert result.stderr.splitlines()[-1] == (
        f"Error: {season / name}: is {what} ({database.resolve()}), which this command reads; nothing was "
        "changed. Give another file name")
    assert database.read_bytes() == before
    assert [r.kind for r in store.history(store.connect(season))] == ["final"]


@pytest.mark.parametrize("command", [["answers", "--out"], ["diff", "1", "1", "--csv"]])
def test_a_single_output_file_replaces_an_existing_file_only_with_force(after_final, tmp_path, command):
    """`answers --out answers.csv` and `diff --csv moves.csv` wrote over any file there without
    asking (real answers lost to synthetic ones); refused before any work unless --force."""
    season = after_final
    mine = tmp_path / "answers.csv"
    mine.write_text("student_id,answer\nS1,accept\n", encoding="utf-8")
    *args, option = command
    result = runner.invoke(app, [*args, "--season", str(season), option, str(mine)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"Error: {mine}: exists; nothing was changed. Give a new file name, or --force to "
                             "replace it\n")
    assert mine.read_text(encoding="utf-8") == "student_id,answer\nS1,accept\n"
    result = runner.invoke(app, [*args, "--season", str(season), option, str(mine), "--force"])
    assert result.exit_code == 0, result.output
    header = "student_id,answer" if args[0] == "answers" else (
        "student_id,programme_a,choice_rank_a,programme_b,choice_rank_b,change,reason")
    assert mine.read_text(encoding="utf-8").splitlines()[0] == header
    # --force never replaces the season database.
    result = runner.invoke(app, [*args, "--season", str(season), option, str(season / "season.sqlite"), "--force"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {season / 'season.sqlite'}: is season.sqlite ({(season / 'season.sqlite').resolve()}),"
                             " which this command reads; nothing was changed. Give another file name\n")


def test_explain_from_a_season_with_pseudonyms_and_an_unknown_student(after_final, tmp_path):
    """--season with --pseudonymise looked the pseudonym up among the season's real ids ('must be a
    student of /tmp/.admissions-explain-.../placements.csv'); an unknown id named that temporary folder too."""
    from admissions.io.pseudonyms import Pseudonymiser

    season = after_final
    student = sorted(placed(season, 1))[0]
    key = tmp_path / "key"
    key.write_bytes(b"k" * 20)
    result = runner.invoke(app, ["explain", "--season", str(season), "--pseudonymise", "--pseudonym-key-file",
                                 str(key), student])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Run 1 of {season}"
    assert lines[1].startswith(f"Student {Pseudonymiser(b'k' * 20).pseudonym(student)} is admitted to ")
    assert student not in result.stdout
    unknown = runner.invoke(app, ["explain", "--season", str(season), "NOPE"])
    assert unknown.exit_code == 1
    assert unknown.stderr == f"Error: student_id == 'NOPE', must be a student of run 1 of {season}\n"


def test_a_new_season_is_not_created_in_the_input_folder(region_copy):
    """'round final DIR --season DIR' wrote season.sqlite into the input folder, which is only read."""
    before = sorted(p.name for p in region_copy.iterdir())
    for season in (region_copy, region_copy / "sub" / "s.sqlite"):
        result = runner.invoke(app, ["round", "final", str(region_copy), "--season", str(season)])
        assert result.exit_code == 1
        assert result.stderr.splitlines()[-1] == (
            f"Error: --season == '{season}' lies in the input folder {region_copy.resolve()}, which is only read: "
            "give a folder beside it for the database (e.g. season-2027)")
    assert sorted(p.name for p in region_copy.iterdir()) == before


def test_the_same_answers_file_twice_is_one_problem_naming_the_run_that_applied_it(small_region, after_final,
                                                                                  tmp_path):
    # It gave one 'contradicts the answer decline of ... given in run 2' per decline of the file.
    season = after_final
    holders = sorted(placed(season, 1))
    path = answers_file(tmp_path / "a.csv", [(holders[0], "decline"), (holders[1], "accept"),
                                             (holders[2], "decline")])
    _, record = run_round("reserve", small_region, season, answers=path)
    assert record["run_id"] == 2
    result = runner.invoke(app, ["round", "reserve", str(small_region), "--season", str(season), "--answers", str(path)])
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if not line.startswith("...")] == [
        f"1 problem in {path} (1 error)",
        "error: a.csv: every answer in it was applied by run 2 already (3 answers): a reserve round takes the "
        "answers given since the round before; give the new answers (run the same round again only after voiding "
        f"run 2: admissions void 2 --season {season} --reason TEXT --with-later)"]
    assert [r.kind for r in store.history(store.connect(season))] == ["final", "reserve"]


def test_the_same_one_answer_file_twice_counts_one_answer(small_region, after_final, tmp_path):
    """'(1 answers)' took the plural; the count is worded as every other count."""
    season = after_final
    path = answers_file(tmp_path / "a.csv", [(sorted(placed(season, 1))[0], "decline")])
    run_round("reserve", small_region, season, answers=path)
    result = runner.invoke(app, ["round", "reserve", str(small_region), "--season", str(season), "--answers", str(path)])
    assert result.exit_code == 1
    assert "error: a.csv: every answer in it was applied by run 2 already (1 answer): " in result.stderr
