"""Markers every test directory shares."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    """Property tests (hypothesis, many examples each) are slow: the full suite runs them, `-m "not slow"` skips them."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.slow)
