"""The README in step with the code: its commands table, its layout section and its links."""

import re
from pathlib import Path

import typer.main

from admissions.cli import app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the README's ``## title`` section, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_every_command_is_in_the_commands_table_and_every_row_is_a_command():
    table = [line for line in section("Commands").splitlines() if line.startswith("| `admissions ")]
    documented = {re.match(r"\| `admissions ([a-z-]+)", line).group(1) for line in table}
    commands = set(typer.main.get_command(app).commands)
    assert documented - commands == set(), "README rows naming no command"
    assert commands - documented == set(), "commands missing from the README's table"


def test_the_layout_section_names_every_package():
    layout = section("Layout")
    packages = sorted(p.parent.name for p in (ROOT / "admissions").glob("*/__init__.py"))
    missing = [name for name in packages if f"admissions/{name}" not in layout]
    assert missing == []


def test_paths_the_readme_names_lie_inside_the_repository_and_exist():
    outside = re.findall(r"[`(](\.\./[^`)\s]*)", README)
    assert outside == [], "the README points outside the repository"
    for target in re.findall(r"`((?:docs|admissions|tests|benchmarks|data)/[^`\s]*)`", README):
        assert (ROOT / target.rstrip("/")).exists(), target
