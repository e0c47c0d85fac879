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


CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_the_readme_links_contributing():
    assert "`CONTRIBUTING.md`" in README


def test_paths_contributing_names_exist_and_its_tests_are_tests():
    for target in re.findall(r"`((?:docs|admissions|tests|benchmarks)/[^`\s:]*)", CONTRIBUTING):
        assert (ROOT / target.rstrip("/")).exists(), target
    for path, name in re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", CONTRIBUTING):
        assert re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), flags=re.M), (path, name)
    for name in re.findall(r"`(test_\w+)`", CONTRIBUTING):
        assert any(re.search(rf"^def {name}\(", p.read_text(encoding="utf-8"), flags=re.M)
                   for p in (ROOT / "tests").rglob("test_*.py")), name


def test_the_declarations_contributing_walks_through_are_where_it_says():
    from admissions.match import MATCH_FILES, MATCH_TABLES, REPORT_SHEETS, STUDENT_SHEETS
    from admissions.matching.priority import TIE_BREAK, TieBreak, TieBreakSources
    from admissions.season.kinds import ROUND_KINDS, RoundKind

    assert all(isinstance(k, TieBreak) for k in TIE_BREAK.values()) and "TieBreakSources" in CONTRIBUTING
    assert TieBreakSources.__module__ == "admissions.matching.priority"
    assert all(isinstance(k, RoundKind) for k in ROUND_KINDS.values())
    flags = [f for f in RoundKind.__dataclass_fields__ if f not in ("name", "when", "description")]
    assert all(f"`{flag}`" in CONTRIBUTING for flag in flags), "every policy flag is explained"
    assert MATCH_FILES[: len(MATCH_TABLES)] == tuple(f"{name}.csv" for name in MATCH_TABLES)
    assert set(REPORT_SHEETS) | set(STUDENT_SHEETS) == set(MATCH_TABLES)
    for name in ("TIE_BREAK", "ROUND_KINDS", "MATCH_TABLES", "admissions/matching/priority.py",
                 "admissions/season/kinds.py", "admissions/match.py"):
        assert f"`{name}`" in CONTRIBUTING, name


def test_the_outputs_section_names_every_file_match_writes_and_no_other():
    from admissions.match import MATCH_FILES

    listed = set()
    for line in section("Outputs of `match`").splitlines():
        if line.startswith("- "):
            listed |= set(re.findall(r"`([\w.]+\.(?:csv|xlsx|html|json))`", line.split(":")[0] + ":"))
            listed |= set(re.findall(r"; `([\w.]+\.(?:csv|xlsx|html|json))`:", line))
    assert listed == set(MATCH_FILES)
