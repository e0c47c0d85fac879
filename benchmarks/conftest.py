"""Benchmark options: the big sizes (200,000 and 1,000,000 students) run only with ``--full``."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", default=False,
                     help="also run the 200,000 and 1,000,000 student benchmarks (minutes, several GB)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "full: a big benchmark, run only with --full")
    config.addinivalue_line("markers", "ci: the short ratio check that CI runs (pytest benchmarks -m ci)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--full"):
        return
    skip = pytest.mark.skip(reason="big benchmark: run with --full")
    for item in items:
        if "full" in item.keywords:
            item.add_marker(skip)
