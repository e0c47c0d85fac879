"""Markers every test directory shares, and the worked examples matched once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The hand-computed worked examples (tests/data/rules/README.md).
WORKED_EXAMPLES = Path(__file__).resolve().parent / "data" / "rules"


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
