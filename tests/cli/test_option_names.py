"""Library messages name parameters; the command names its options."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from admissions.analysis.plan import run_plan
from admissions.cli import app
from admissions.cli._output import parameter_names, with_option_names
from admissions.cli.plan import plan
from admissions.cli.sweep import sweep
from admissions.errors import InvalidArgument

SMALL = Path(__file__).resolve().parents[1] / "analysis" / "data" / "small"


def test_the_library_names_the_parameter(tmp_path):
    with pytest.raises(InvalidArgument) as error:
        run_plan(SMALL, tmp_path / "out", budget=1000.0, class_size=0)
    assert str(error.value) == "class_size == 0, must be a whole number >= 1"


def test_the_command_names_its_option(tmp_path):
    result = CliRunner().invoke(app, ["plan", str(SMALL), "--budget", "1000", "--class-size", "0",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output == "Error: --class-size == 0, must be a whole number >= 1\n"
    assert not (tmp_path / "out").exists()


def test_only_the_commands_own_parameters_are_renamed():
    assert parameter_names(sweep)["programme_id"] == "--programme"
    assert parameter_names(plan)["class_size"] == "--class-size"
    assert with_option_names("programme_id == 'Z', must be a programme_id of programmes.csv", sweep) == \
        "--programme == 'Z', must be a programme_id of programmes.csv"
    assert with_option_names("student_id == 'Z', must be a student", sweep) == "student_id == 'Z', must be a student"
    assert with_option_names("the seats of programme_id == 'Z'", sweep) == "the seats of programme_id == 'Z'"
    # A setting not given on the command line came from admissions.toml: its name stays.
    assert with_option_names("programme_id == 'Z', must be", sweep, {"programme_id": None}) == "programme_id == 'Z', must be"
    assert with_option_names("programme_id == 'Z', must be", sweep, {"programme_id": "Z"}) == "--programme == 'Z', must be"


# --- next steps: the library names a call, the command line the command that makes it ----------


def test_a_step_is_said_as_the_command_with_its_options_in_the_commands_order():
    from admissions.cli._output import step_command
    from admissions.errors import Blank, Step
    from admissions.season.rounds import void_step

    step = void_step(3, Path("/tmp/season"))
    assert str(step) == "void_run(season='/tmp/season', run_id=3, reason=TEXT, with_later=True)"
    assert step_command(step) == "admissions void 3 --season /tmp/season --reason TEXT --with-later"
    assert step_command(Step.call("history")) == "admissions history"
    assert step_command(Step.call("history", season=Path("s"))) == "admissions history --season s"
    assert step_command(Step.call("run_demand", out=Path("model"))) == "admissions demand --out model"
    assert step_command(Step.call("run_round", out=Blank("OUT"))) == "admissions round --out OUT"


def test_every_step_names_a_library_function_and_a_command_taking_its_arguments():
    import importlib
    import inspect

    from admissions.cli._output import STEP_COMMANDS

    functions = {"void_run": "admissions.season.rounds", "history": "admissions.season.store",
                 "run_demand": "admissions.analysis.demand", "run_match": "admissions.match",
                 "run_round": "admissions.season.rounds", "export_run": "admissions.season.rounds"}
    assert set(STEP_COMMANDS) == set(functions)
    commands = {c.name: c.callback for c in app.registered_commands}
    for function, command in STEP_COMMANDS.items():
        library = inspect.signature(getattr(importlib.import_module(functions[function]), function)).parameters
        said = inspect.signature(commands[command]).parameters
        used = {"void_run": ("season", "run_id", "reason", "with_later"), "history": ("season",),
                "run_demand": ("out",), "run_match": (), "run_round": ("out",),
                "export_run": ("season", "run_id", "out")}[function]
        for name in used:
            assert name in said, (command, name)
            # history(connection) is reached from the season the command opens.
            assert name in library or function == "history", (function, name)


def test_a_run_folder_that_is_not_one_names_the_calls_and_the_commands_that_write_it(tmp_path):
    from admissions.reports.run_folder import read_run_folder

    with pytest.raises(InvalidArgument) as error:
        read_run_folder(SMALL)
    assert str(error.value) == (
        f"{SMALL}: has no run.json; give the output folder of `run_match()` or `run_round(out=OUT)` (it holds "
        "placements.csv, applications.csv, programmes.csv and run.json)")
    result = CliRunner().invoke(app, ["lists", str(SMALL), "--out", str(tmp_path / "lists")])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {SMALL}: has no run.json; give the output folder of `admissions match` or `admissions round "
        "--out OUT` (it holds placements.csv, applications.csv, programmes.csv and run.json)\n")


def test_a_missing_demand_model_names_the_call_and_the_command_that_writes_it(tmp_path):
    from admissions.analysis.demand import load_model
    from admissions.cli._output import problems_as_said
    from admissions.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        load_model(tmp_path)
    assert [p.rule for p in error.value.problems] == [
        f"missing from {tmp_path}, must be there (write it with run_demand(out='{tmp_path}'))"] * 3
    assert [p.rule for p in problems_as_said(error.value)] == [
        f"missing from {tmp_path}, must be there (write it with admissions demand --out {tmp_path})"] * 3


def test_a_wrong_setting_option_is_named_as_the_option(tmp_path):
    """`match --max-choices 0` said 'the options: max_choices == 0, ...' and `--tie-break birthday`
    'tie_break.0 == ...': the library's names, not the options the user typed."""
    from admissions.config import load_config
    from admissions.errors import ConfigError

    with pytest.raises(ConfigError) as error:
        load_config(tmp_path, max_choices=0, tie_break=("birthday",), seed=None)
    assert str(error.value) == ("tie_break == 'birthday', input should be 'choice_rank', 'grade_value', 'n_grades' "
                                "or 'lottery'; max_choices == 0, input should be greater than or equal to 1")
    for command in (["match", str(SMALL), "--out", str(tmp_path / "out")],
                    ["round", "simulation", str(SMALL), "--season", str(tmp_path / "season")]):
        result = CliRunner().invoke(app, [*command, "--max-choices", "0", "--tie-break", "birthday"])
        assert result.exit_code == 1
        assert result.stderr.splitlines()[-1] == (
            "Error: --tie-break == 'birthday', input should be 'choice_rank', 'grade_value', 'n_grades' or "
            "'lottery'; --max-choices == 0, input should be greater than or equal to 1")
    assert not (tmp_path / "out").exists()


def test_an_option_declared_without_a_name_is_named_as_typer_names_it():
    """--seed (declared without a name) was missing from option_names (now parameter_names): library messages about
    seed kept the parameter's name on the command line."""
    from admissions.cli.answers import answers
    from admissions.cli.match import match

    assert parameter_names(match)["seed"] == "--seed"
    assert parameter_names(answers)["withdraw"] == "--withdraw"
    assert parameter_names(plan)["class_size"] == "--class-size"


def test_an_argument_is_named_as_the_help_names_it():
    """export and void said 'run_id == 9' for their RUN argument; diff said run_id for RUN_A and RUN_B
    (its help said run_a and run_b, the README RUN_A and RUN_B)."""
    from admissions.cli.diff import diff
    from admissions.cli.explain import explain
    from admissions.cli.export import export
    from admissions.cli.match import match
    from admissions.cli.void import void

    assert parameter_names(export)["run_id"] == "RUN"  # its metavar
    assert parameter_names(void)["run_id"] == "RUN"
    assert (parameter_names(diff)["run_a"], parameter_names(diff)["run_b"]) == ("RUN_A", "RUN_B")
    # An argument without a name of its own (none: the help names it by the parameter, as the message
    # does; hidden; two words in one) is not renamed.
    assert "folder" not in parameter_names(match)
    assert "student_id" not in parameter_names(explain) and "folder_or_student" not in parameter_names(explain)
    assert parameter_names(explain)["run_id"] == "--run"
    assert with_option_names("run_id == 9, must be a run of this season", export, {"run_id": 9}) == (
        "RUN == 9, must be a run of this season")


def test_a_value_the_user_gave_is_never_renamed_as_an_option(tmp_path, monkeypatch):
    """The CLI renamed each parameter of the finished message by a regex, the user's values too:
    'validate S --problems-csv force' printed 'Error: --force: exists; ...', 'my force notes.csv'
    became 'my --force notes.csv', 'generate --out force' said 'folder --force is not empty'."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for name in ("force", "my force notes.csv", "force dir/force"):
        Path(name).parent.mkdir(exist_ok=True)
        Path(name).write_text("mine\n", encoding="utf-8")
        result = runner.invoke(app, ["validate", str(SMALL), "--problems-csv", name])
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: {name}: exists; nothing was changed. Give a new file name, or --force to replace it\n")
        assert Path(name).read_text(encoding="utf-8") == "mine\n"
    Path("force").unlink()
    Path("force").mkdir()
    (Path("force") / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = runner.invoke(app, ["generate", "--out", "force", "--students", "10"])
    assert result.exit_code == 1
    assert result.stderr == ("Error: force: is a folder that is not empty; nothing was changed. Give a new or empty "
                             "folder, or --force to write into it (files of the same name are replaced)\n")


def test_export_is_named_in_one_order_everywhere():
    """history said 'admissions export 3 --season S --out OUT' where export's help, the README and
    docs/season.md say 'admissions export --season S 3 --out OUT'."""
    from admissions.cli._output import step_command
    from admissions.cli.export import export
    from admissions.errors import Step

    root = Path(__file__).resolve().parents[2]
    assert step_command(Step.call("export_run", season="S", run_id=3, out="OUT")) == "admissions export --season S 3 --out OUT"
    assert "Example: admissions export --season season-2027 3 --out out/reserve-1" in export.__doc__
    assert "| `admissions export --season S RUN --out OUT` |" in (root / "README.md").read_text(encoding="utf-8")
    assert "`admissions export --season S RUN --out OUT`" in (root / "docs" / "season.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, option", [(["validate", str(SMALL)], "--problems-csv"),
                                          (["diff", "1", "2", "--season", "nowhere"], "--csv")])
def test_force_without_its_file_is_refused(args, option):
    """diff and validate took --force without --csv / --problems-csv and ignored it."""
    result = CliRunner().invoke(app, [*args, "--force"])
    assert result.exit_code == 2
    assert result.stderr == (f"Error: --force is for the {option} file, which was not given: give {option} FILE, "
                             "or leave --force out\n")
    assert result.stdout == ""
