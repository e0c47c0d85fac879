"""Markers every test directory shares, the worked examples matched once per session, the CLI runner's command built once."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import typer.main
import typer.testing

#: The hand-computed worked examples (tests/data/rules/README.md).
WORKED_EXAMPLES = Path(__file__).resolve().parent / "data" / "rules"
#: The municipalities of the small generated region: 60 offers instead of the default area's 506.
SMALL_AREA = "Lund,Lomma,Staffanstorp"


def _built_once(build):
    """``build(app)``, called once per Typer app: the app's click command is the same at every call."""
    built = {}

    def command(app):
        if id(app) not in built:
            built[id(app)] = app, build(app)  # the app kept, so that its id is never reused
        return built[id(app)][1]

    return command


# typer's CliRunner builds the app's click command from its 18 commands' signatures at every invoke
# (40-60 CPU ms; some 300 invokes in the quick set). The command built once behaves the same: the
# callbacks are the registered functions and every option is read at each invoke.
typer.testing._get_command = _built_once(typer.main.get_command)


def pytest_sessionstart(session):
    """No garbage collection while the test modules are imported: they make few cycles, and the
    collector's full passes over everything imported so far took 1.1-1.4 CPU s of the quick set."""
    gc.disable()


def pytest_collection_finish(session):
    """What collection made (modules, functions, the test items) lives to the end of the session:
    frozen, the collector's full passes during the tests skip it (0.9 -> 0.3 CPU s), then on again."""
    gc.freeze()
    gc.enable()


def pytest_collection_modifyitems(config, items):
    """Property tests (hypothesis, many examples each) are slow: the full suite runs them, `-m "not slow"` skips them."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.slow)


class WorkedExampleOutputs(dict):
    """Worked example name -> the OUT of `match` on it with seed 0, matched when first looked up."""

    def __init__(self, tmp_path_factory):
        super().__init__()
        self._tmp = tmp_path_factory

    def __missing__(self, name: str) -> Path:
        from admissions.match import run_match

        out = self._tmp.mktemp(f"worked-{name}") / "out"
        run_match(WORKED_EXAMPLES / name, out, seed=0)
        self[name] = out
        return out


@pytest.fixture(scope="session")
def worked_example_outs(tmp_path_factory) -> WorkedExampleOutputs:
    """The worked examples matched with seed 0, each once for every directory's tests (tests/rules,
    tests/reports, tests/cli): shared, so read them only."""
    return WorkedExampleOutputs(tmp_path_factory)


@pytest.fixture(scope="session")
def generated_small_region(tmp_path_factory) -> Path:
    """``write_region(folder, 400, seed=5, area=SMALL_AREA)``, generated once for the directories whose small
    region it is (tests/reports, tests/season, tests/safety, tests/cli/test_match.py): never change it,
    copy it (each directory cuts the seats its own way)."""
    from admissions.synth import write_region

    folder = tmp_path_factory.mktemp("generated-small-region") / "region"
    write_region(folder, 400, seed=5, area=SMALL_AREA)
    return folder

