"""The pages of lottery, sweep, whatif and plan: Swedish by default, English with --language en, CSV unchanged.

The round (Lund, every student first-hand): A (NA, 1 seat), B (SA, 1 seat), C (EK, 2 seats);
S1 300 (A, B), S2 287.5 (A, C), S3 262.5 (B, A), S4 262.5 (B, C), S5 240 (A, C). S3 and S4 tie for
B's seat: the lottery decides, so B's cut-off is 262.5 in every draw and C has one (262.5) only when
S4 loses B. The plan's two classes of 2 seats at A (NA, 96,100 kr a year) and B (SA, 95,196 kr) cost
382,592 kr a year.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from admissions import __version__
from admissions.cli import app

runner = CliRunner()
NBSP = "\u00a0"

PROGRAMMES = """programme_id,school,municipality,programme_code,orientation,seats,principal,national_recruitment
A,Skola A,Lund,NA,,1,municipal,false
B,Skola B,Lund,SA,,1,municipal,false
C,Skola C,Lund,EK,,2,municipal,false
"""
STUDENTS = "student_id,home_municipality,merit_value\nS1,Lund,300\nS2,Lund,287.5\nS3,Lund,262.5\nS4,Lund,262.5\nS5,Lund,240\n"
APPLICATIONS = ("student_id,choice_rank,programme_id\nS1,1,A\nS1,2,B\nS2,1,A\nS2,2,C\nS3,1,B\nS3,2,A\nS4,1,B\n"
                "S4,2,C\nS5,1,A\nS5,2,C\n")
SCENARIOS = "scenario,programme_id,seats,added\nmore_b,B,+1,\nclose_c,C,0,\n"

#: Each command's arguments after the round's folder (SCENARIOS is written beside the round).
COMMANDS = {
    "lottery": ["--draws", "40", "--seed", "1", "--workers", "1"],
    "sweep": ["--programme", "B", "--seats", "0:2", "--workers", "1"],
    "whatif": ["--scenarios", "{scenarios}", "--workers", "1"],
    "plan": ["--budget", "1000000", "--class-size", "2"],
}
PAGES = {"lottery": "lottery.html", "sweep": "sweep.html", "whatif": "whatif.html", "plan": "plan.html"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Each command's OUT in Swedish (no --language) and in English (--language en)."""
    base = tmp_path_factory.mktemp("pages")
    folder = base / "round"
    folder.mkdir()
    for name, text in (("programmes", PROGRAMMES), ("students", STUDENTS), ("applications", APPLICATIONS),
                       ("municipalities", "municipality,in_area,population\nLund,true,125000\n")):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    (base / "scenarios.csv").write_text(SCENARIOS, encoding="utf-8")
    outs = {}
    for command, arguments in COMMANDS.items():
        arguments = [a.format(scenarios=base / "scenarios.csv") for a in arguments]
        for language, extra in (("sv", []), ("en", ["--language", "en"])):
            out = base / f"{command}-{language}"
            result = runner.invoke(app, [command, str(folder), *arguments, "--out", str(out), "--quiet", *extra])
            assert result.exit_code == 0, result.output
            outs[command, language] = out
    return outs


def page(pages, command: str, language: str) -> str:
    return (pages[command, language] / PAGES[command]).read_text(encoding="utf-8")


def headings(text: str) -> list[str]:
    return [unescape(h) for h in re.findall(r"<h2>([^<]*)</h2>", text)]


def notes(text: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<p class="note">([^<]*)</p>', text)]


def header_row(text: str, table_id: str) -> list[str]:
    head = text.split(f'id="{table_id}"')[1].split("</thead>")[0]
    return [unescape(h) for h in re.findall(r'<button type="button">([^<]*)</button>', head)]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_csv_files_do_not_depend_on_the_language(pages, command):
    """Only the page is in the document language: the CSV files keep the contract's English columns, byte for byte."""
    sv, en = pages[command, "sv"], pages[command, "en"]
    csv = sorted(p.name for p in sv.glob("*.csv"))
    assert csv and csv == sorted(p.name for p in en.glob("*.csv"))
    assert [(sv / name).read_bytes() for name in csv] == [(en / name).read_bytes() for name in csv]


def test_lottery_page_is_swedish_by_default(pages):
    text = page(pages, "lottery", "sv")
    assert '<html lang="sv">' in text
    assert "<title>Lottning: 40 dragningar, frö 1</title>" in text
    assert (f'<p class="meta">Indata round; 40 dragningar från frö 1; admissions {__version__}. Endast '
            "sammanräknade siffror: inga uppgifter om enskilda elever.</p>") in text
    assert headings(text) == ["Dragningarna", "Antagningspoäng som varierar", "Utbildningar"]
    assert header_row(text, "table-figures") == ["Uppgift", "Värde"]
    assert ("<td>elever vars placering är säker</td><td class=\"num\" data-v=\"2.0\">2</td>") in text
    assert header_row(text, "table-lottery") == [
        "Utbildnings-id", "Platser", "Lägsta antagningspoäng", "Antagningspoäng, 5:e percentilen",
        "Antagningspoäng, median", "Antagningspoäng, 95:e percentilen", "Högsta antagningspoäng", "Antagna, minst",
        "Antagna, högst", "Andel dragningar med antagningspoäng", "Sökande med osäker placering"]
    # Decimal comma, shares as percentages.
    assert '<td class="num" data-v="262.5">262,5</td>' in text
    assert f'<td class="num" data-v="0.6">60,0{NBSP}%</td>' in text
    assert ">lägsta till högsta</text>" in text and ">5:e till 95:e percentilen</text>" in text


def test_lottery_page_in_english(pages):
    text = page(pages, "lottery", "en")
    assert '<html lang="en">' in text
    assert "<title>Lottery: 40 draws, seed 1</title>" in text
    assert (f'<p class="meta">Input round; 40 draws from seed 1; admissions {__version__}. Aggregate figures only: '
            "no student-level data.</p>") in text
    assert headings(text) == ["The draws", "Cut-offs (antagningspoäng) that vary", "Offers"]
    assert header_row(text, "table-figures") == ["Item", "Value"]
    assert ("<td>students whose placement is certain</td><td class=\"num\" data-v=\"2.0\">2</td>") in text
    assert header_row(text, "table-lottery")[:3] == ["Offer id", "Seats", "Cut-off, lowest"]
    assert '<td class="num" data-v="262.5">262.5</td>' in text
    assert '<td class="num" data-v="0.6">60.0%</td>' in text


def test_one_draw_is_singular(pages, tmp_path):
    folder = pages["lottery", "sv"].parent / "round"
    for extra, title in (([], "Lottning: 1 dragning, frö 0"), (["--language", "en"], "Lottery: 1 draw, seed 0")):
        out = tmp_path / f"one-{len(extra)}"
        result = runner.invoke(app, ["lottery", str(folder), "--draws", "1", "--workers", "1", "--out", str(out),
                                     "--quiet", *extra])
        assert result.exit_code == 0, result.output
        assert f"<title>{title}</title>" in (out / "lottery.html").read_text(encoding="utf-8")


def test_sweep_page_is_swedish_by_default(pages):
    text = page(pages, "sweep", "sv")
    assert '<html lang="sv">' in text
    assert "<title>Prövade antal platser: B (SA, Skola B)</title>" in text
    assert f'<p class="meta">round: 5 elever, 3 utbildningar; lottningens frö 0; admissions {__version__}</p>' in text
    assert headings(text) == ["Antagningspoäng", "Antagna och lediga platser vid utbildningen",
                              "Oplacerade elever i området", "Alla prövade antal platser"]
    # Today's single seat: singular.
    assert "Den streckade linjen visar dagens 1 plats." in notes(text)
    assert header_row(text, "table-sweep") == [
        "Utbildnings-id", "Platser", "Antagna", "Lediga platser", "Antagningspoäng", "Placerade",
        "Placerade på förstahandsval", "Oplacerade", "Lediga platser i området", "Bättre val", "Sämre val",
        "Utgångsläge", "Antagningspoängens grupp"]
    assert '<td class="num" data-v="262.5">262,5</td>' in text
    assert "<td>ja</td><td>förstahandssökande</td>" in text and "<td>nej</td>" in text
    assert ">i dag</text>" in text


def test_sweep_page_in_english(pages):
    text = page(pages, "sweep", "en")
    assert "<title>Seats sweep: B (SA, Skola B)</title>" in text
    assert f'<p class="meta">round: 5 students, 3 offers; lottery seed 0; admissions {__version__}</p>' in text
    assert headings(text) == ["Cut-off (antagningspoäng)", "Admitted and vacant seats at the offer",
                              "Unplaced students in the region", "Sweep"]
    assert "The dashed line marks today's 1 seat." in notes(text)
    assert header_row(text, "table-sweep")[-2:] == ["Baseline", "Cut-off group"]
    assert "<td>yes</td><td>first-hand applicant</td>" in text and ">now</text>" in text


def test_whatif_page_is_swedish_by_default(pages):
    text = page(pages, "whatif", "sv")
    assert '<html lang="sv">' in text
    assert "<title>Scenarier för platserna</title>" in text
    assert headings(text) == ["Scenarierna sida vid sida", "Bättre och sämre ställda", "Placeringar och lediga platser",
                              "Antagningspoäng som ändrades", "Utbildningar som ändrades"]
    assert header_row(text, "table-scenarios") == [
        "Scenario", "Ändringar", "Elever", "Platser", "Platser på nya utbildningar", "Placerade",
        "Placerade på förstahandsval", "Andel på förstahandsval", "Oplacerade", "Lediga platser", "Bättre val",
        "Sämre val", "Samma val", "Ändrade antagningspoäng"]
    assert header_row(text, "table-changes")[2:6] == ["Ny utbildning", "Platser före", "Platser efter", "Antagna före"]
    assert f'<td class="num" data-v="0.4">40,0{NBSP}%</td>' in text
    assert '<td class="num" data-v="262.5">262,5</td>' in text
    assert "utgångsläge: 4 placerade, 2 på förstahandsval, 0 lediga platser" in text
    # The round as it is, named in words (scenarios.csv keeps "baseline").
    assert '<tr><td>utgångsläge</td><td class="num" data-v="0.0">0</td>' in text
    assert "more_b: B: antagningspoäng 262,5 (förstahandssökande) → ingen" in text


def test_whatif_page_in_english(pages):
    text = page(pages, "whatif", "en")
    assert "<title>What-if scenarios</title>" in text
    assert headings(text) == ["Scenarios side by side", "Better and worse off", "Placements and vacant seats",
                              "Cut-offs (antagningspoäng) that moved", "Offers that changed"]
    assert header_row(text, "table-changes")[2:6] == ["Added offer", "Seats before", "Seats after", "Admitted before"]
    assert '<td class="num" data-v="0.4">40.0%</td>' in text
    assert "baseline: 4 placed, 2 on first choice, 0 vacant seats" in text
    assert '<tr><td>baseline</td><td class="num" data-v="0.0">0</td>' in text
    assert "more_b: B: cut-off 262.5 (first-hand applicant) → none" in text


def test_plan_page_is_swedish_by_default(pages):
    text = page(pages, "plan", "sv")
    assert '<html lang="sv">' in text
    assert "<title>Platsplan</title>" in text
    assert headings(text) == ["Planens effekt (kontrollerad)", "Klasser per utbildning"]
    assert header_row(text, "table-effect") == ["Uppgift", "I dag", "Med planen"]
    assert notes(text) == [
        f"Årlig kostnad för de tillagda platserna: 382{NBSP}592 kr av en budget på 1{NBSP}000{NBSP}000 kr. "
        "2 klasser om 2 platser. Siffrorna är kontrollerade med den verkliga matchningen (2 matchningar, "
        "0 reparationssteg)."]
    assert header_row(text, "table-plan") == [
        "Utbildnings-id", "Skola", "Programkod", "Platser före", "Platser efter", "Tillagda klasser", "Kostnad per år",
        "Antagna före", "Antagna efter"]
    assert f'<td class="num" data-v="192200.0">192{NBSP}200 kr</td>' in text
    assert "<td>behöriga förstahandssökande utan plats</td>" in text


def test_plan_page_in_english(pages):
    text = page(pages, "plan", "en")
    assert "<title>Seat plan</title>" in text
    assert headings(text) == ["Effect of the plan (verified)", "Classes per offer"]
    assert header_row(text, "table-effect") == ["Item", "Today", "With the plan"]
    assert notes(text) == [
        "Yearly cost of the added seats: SEK 382,592 of a budget of SEK 1,000,000. 2 classes of 2 seats. "
        "Figures verified by the real matching (2 matchings, 0 repair steps)."]
    assert '<td class="num" data-v="192200.0">SEK 192,200</td>' in text
    assert "<td>eligible first-hand applicants unplaced</td>" in text


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_page_language_is_recorded_and_an_unknown_one_refused(pages, command, tmp_path):
    import json

    records = [json.loads((pages[command, language] / "run.json").read_text()) for language in ("sv", "en")]
    assert [(r["language"], r["config"]["language"]) for r in records] == [("sv", "sv"), ("en", "en")]
    folder = pages[command, "sv"].parent / "round"
    arguments = [a.format(scenarios=folder.parent / "scenarios.csv") for a in COMMANDS[command]]
    result = runner.invoke(app, [command, str(folder), *arguments, "--out", str(tmp_path / "out"), "--language", "de"])
    assert result.exit_code == 1
    assert "Error: --language == 'de', must be one of sv, en\n" in result.output
    assert not (tmp_path / "out").exists()


def test_admissions_toml_sets_the_page_language(pages, tmp_path):
    """As for lists and letters: the input folder's admissions.toml ``language``, overridden by --language."""
    import shutil

    folder = tmp_path / "round"
    shutil.copytree(pages["sweep", "sv"].parent / "round", folder)
    (folder / "admissions.toml").write_text('language = "en"\n', encoding="utf-8")
    for extra, title in (([], "Seats sweep: B (SA, Skola B)"), (["--language", "sv"], "Prövade antal platser: B (SA, Skola B)")):
        out = tmp_path / f"out-{len(extra)}"
        result = runner.invoke(app, ["sweep", str(folder), "--programme", "B", "--seats", "1", "--workers", "1",
                                     "--out", str(out), "--quiet", *extra])
        assert result.exit_code == 0, result.output
        assert f"<title>{title}</title>" in (out / "sweep.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [*COMMANDS, "match", "round_"])
def test_the_language_option_is_the_one_of_lists_letters_and_statistics(command):
    """One option, declared once (admissions/cli/_options.py): same name, same help."""
    import importlib
    from typing import get_type_hints

    from admissions.cli._options import LanguageOption

    for name in (command, "lists", "letters", "statistics"):
        function = getattr(importlib.import_module(f"admissions.cli.{name.rstrip('_')}"), name)
        assert get_type_hints(function, include_extras=True)["language"] == LanguageOption


@pytest.fixture(scope="module")
def reports(pages, tmp_path_factory) -> dict[str, Path]:
    """match's OUT without --language (admissions.toml has none: Swedish), with --language en, and a
    season's preliminary round written with --language en."""
    base = tmp_path_factory.mktemp("reports")
    folder = pages["lottery", "sv"].parent / "round"
    outs = {"sv": base / "sv", "en": base / "en", "round-en": base / "round-en"}
    for arguments in (["match", str(folder), "--out", str(outs["sv"])],
                      ["match", str(folder), "--out", str(outs["en"]), "--language", "en"],
                      ["round", "preliminary", str(folder), "--season", str(base / "season"), "--out",
                       str(outs["round-en"]), "--language", "en"]):
        result = runner.invoke(app, [*arguments, "--quiet"])
        assert result.exit_code == 0, result.output
    return outs


def test_match_report_is_swedish_by_default_and_english_with_the_option(reports):
    import datetime as dt
    import json

    import openpyxl

    from admissions.reports.language import texts

    sv, en = (json.loads((reports[language] / "run.json").read_text()) for language in ("sv", "en"))
    assert (sv["config"]["language"], en["config"]["language"]) == ("sv", "en")
    day = dt.datetime.fromisoformat(en["started_at"]).date()
    assert (f"<title>Antagningsrapport: Antagningsomgång, enskild körning (match), {texts('sv').date(day)}</title>"
            in (reports["sv"] / "report.html").read_text(encoding="utf-8"))
    assert (f"<title>Admission report: Admission round, single run (match), {texts('en').date(day)}</title>"
            in (reports["en"] / "report.html").read_text(encoding="utf-8"))
    assert openpyxl.load_workbook(reports["sv"] / "report.xlsx", read_only=True).sheetnames == [
        "Om rapporten", "Utbildningar", "Dimensionering", "Flöden och kostnader"]
    assert openpyxl.load_workbook(reports["en"] / "report.xlsx", read_only=True).sheetnames == [
        "About the report", "Offers", "Dimensioning", "Flows and costs"]
    csv = sorted(p.name for p in reports["sv"].glob("*.csv"))
    assert [(reports["sv"] / n).read_bytes() for n in csv] == [(reports["en"] / n).read_bytes() for n in csv]


def test_a_round_with_language_en_writes_its_report_in_english_and_records_it(reports):
    import json

    record = json.loads((reports["round-en"] / "run.json").read_text())
    assert record["config"]["language"] == "en"
    assert "<title>Admission report: Preliminary admission, run 1, " in (
        reports["round-en"] / "report.html").read_text(encoding="utf-8")


def test_match_refuses_an_unknown_language(pages, tmp_path):
    folder = pages["lottery", "sv"].parent / "round"
    result = runner.invoke(app, ["match", str(folder), "--out", str(tmp_path / "out"), "--language", "de"])
    assert result.exit_code == 1
    assert result.output == "Error: --language == 'de', must be one of sv, en\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_chart_is_wide_enough_for_its_words(pages, command, language):
    """Swedish words are longer than English ones: a legend or note drawn from the left (text-anchor
    start) ends inside its chart (at least 6 px a character of the 12 px font), else the page cuts it."""
    text = page(pages, command, language)
    cut = []
    for chart in re.findall(r'<svg class="chart".*?</svg>', text, flags=re.S):
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', chart).group(1))
        for attributes, words in re.findall(r"<text ([^>]*)>([^<]+)</text>", chart):
            if "text-anchor" in attributes or "rotate" in attributes:
                continue
            x = float(re.search(r'x="([\d.]+)"', attributes).group(1))
            if x + 6 * len(unescape(words)) > width:
                cut.append(unescape(words))
    assert cut == []


def test_the_applications_sheet_says_its_words_in_the_language(tmp_path):
    """report.xlsx with --student-sheets: eligibility, ineligibility reason and outcome in words of the
    workbook's language (they were applications.csv's English codes on a Swedish sheet); the worked example
    eligibility_and_merit: E1 lacks passes for NA and is admitted to BA, E3 is NA's first reserve."""
    import openpyxl

    example = Path(__file__).resolve().parents[1] / "data" / "rules" / "eligibility_and_merit"
    sheets = {}
    for language, sheet in (("sv", "Ansökningar"), ("en", "Applications")):
        out = tmp_path / language
        result = runner.invoke(app, ["match", str(example), "--out", str(out), "--student-sheets", "--quiet",
                                     "--language", language])
        assert result.exit_code == 0, result.output
        rows = list(openpyxl.load_workbook(out / "report.xlsx", read_only=True)[sheet].iter_rows(values_only=True))
        sheets[language] = {(r[0], r[1]): (r[3], r[4], r[7], r[8]) for r in rows[1:]}
    assert sheets["sv"] == {
        ("E1", 1): ("nej", "godkänt i 7 andra ämnen, kravet är 9", "ej behörig", None),
        ("E1", 2): ("ja", None, "antagen", None),
        ("E2", 1): ("ja", None, "antagen", None),
        ("E3", 1): ("ja", None, "reserv", 1),
        ("E4", 1): ("ja", None, "antagen", None),
    }
    assert sheets["en"][("E1", 1)] == ("no", "passes in 7 other subjects, 9 needed", "ineligible", None)
    assert sheets["en"][("E3", 1)] == ("yes", None, "reserve", 1)
    assert (tmp_path / "sv" / "applications.csv").read_bytes() == (tmp_path / "en" / "applications.csv").read_bytes()
