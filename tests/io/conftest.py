"""Fixtures of the io tests: a valid minimal round folder to copy and break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

MINIMAL = Path(__file__).resolve().parents[1] / "data" / "io" / "minimal"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of tests/data/io/minimal: 3 municipalities, 3 programmes, 4 students (0012 with a
    leading zero; S2 without merit_value but with grades), 7 applications, 4 grades. Valid."""
    target = tmp_path / "round"
    shutil.copytree(MINIMAL, target)
    return target
