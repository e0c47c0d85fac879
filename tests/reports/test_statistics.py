"""`admissions statistics`: the region's published table on a small hand-checked season.

The region (Malmö and Lund, every student first-hand, merit values given, no ties):

- MAL-NA, 6 seats: N1-N9 (merit 300, 290, ..., 220) apply to it only; N1-N6 admitted (lowest 250,
  average 275), N7-N9 reserves (3: suppressed). In the final N2 has 320 (average 280). In the
  reserve round N1 declines: N7 (240) takes the seat: lowest 240, average 270, 2 reserves;
- MAL-SA, 10 seats: S1-S3 (200, 190, 180): all eligible admitted (AB), 3 admitted (suppressed);
- LUN-ES, 5 seats with an aptitude test: E1-E6 (merit 100-150, test points 100, 85, 70, 55, 40,
  10: scores 200, 195, 190, 185, 180, 160): E1-E5 admitted by test points (FP), average merit
  value 120 (their scores average 190: never published as merit), 1 reserve (suppressed);
- LUN-TE, 5 seats: nobody applies (IA);
- MAL-EK, 5 seats: K1-K7 (215, 205, ..., 155): lowest 175, average 195, 2 reserves (suppressed).
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.cli import app
from admissions.reports.statistics import CUTOFF_CODES, STATISTICS_COLUMNS, SUPPRESSION_RULE
from admissions.season.rounds import run_round

runner = CliRunner()

PROGRAMMES = """programme_id,school,municipality,programme_code,orientation,seats,principal,national_recruitment,test,test_seats
MAL-NA,Malmö Latinskola,Malmö,NA,,6,municipal,false,false,0
MAL-SA,Malmö Latinskola,Malmö,SA,,10,municipal,false,false,0
MAL-EK,Malmö Handel,Malmö,EK,,5,municipal,false,false,0
LUN-ES,Lunds Estetiska,Lund,ES,Musik,5,municipal,false,true,0
LUN-TE,Lunds Teknik,Lund,TE,,5,municipal,false,false,0
"""


def _region(folder: Path, n2_merit: int) -> Path:
    folder.mkdir(parents=True)
    (folder / "programmes.csv").write_text(PROGRAMMES, encoding="utf-8")
    (folder / "municipalities.csv").write_text(
        "municipality,in_area,population\nMalmö,true,344000\nLund,true,125000\n", encoding="utf-8")
    students, applications = [], []
    for i in range(9):
        students.append((f"N{i + 1}", "Malmö", 300 - 10 * i))
        applications.append((f"N{i + 1}", 1, "MAL-NA", ""))
    students[1] = ("N2", "Malmö", n2_merit)
    for i in range(3):
        students.append((f"S{i + 1}", "Malmö", 200 - 10 * i))
        applications.append((f"S{i + 1}", 1, "MAL-SA", ""))
    for i, points in enumerate((100, 85, 70, 55, 40, 10)):
        students.append((f"E{i + 1}", "Lund", 100 + 10 * i))
        applications.append((f"E{i + 1}", 1, "LUN-ES", str(points)))
    for i in range(7):
        students.append((f"K{i + 1}", "Malmö", 215 - 10 * i))
        applications.append((f"K{i + 1}", 1, "MAL-EK", ""))
    pd.DataFrame(students, columns=["student_id", "home_municipality", "merit_value"]).to_csv(
        folder / "students.csv", index=False)
    pd.DataFrame(applications, columns=["student_id", "choice_rank", "programme_id", "test_points"]).to_csv(
        folder / "applications.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def season(tmp_path_factory) -> dict[str, Path]:
    """A season run preliminary -> final -> reserve, with the statistics written after the final and after the reserve round."""
    root = tmp_path_factory.mktemp("statistics")
    spring = _region(root / "spring", n2_merit=290)
    summer = _region(root / "summer", n2_merit=320)
    season = root / "season"
    run_round("preliminary", spring, season, seed=0)
    run_round("final", summer, season)
    after_final = root / "after-final"
    assert runner.invoke(app, ["statistics", "--season", str(season), "--out", str(after_final)]).exit_code == 0
    answers = root / "answers.csv"
    answers.write_text("student_id,answer\nN1,decline\n", encoding="utf-8")
    run_round("reserve", summer, season, answers=answers)
    return {"season": season, "after_final": after_final, "root": root}


def _csv(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "statistics.csv", dtype=str, keep_default_na=False).set_index("programme_id")


#: (admitted, reserves, lowest_merit, average_merit, code) per offer and round, as the CSV holds them.
PRELIMINARY = {
    "MAL-NA": ("6", "..", "250", "275", ""),
    "MAL-SA": ("..", "0", "", "..", "AB"),
    "MAL-EK": ("5", "..", "175", "195", ""),
    "LUN-ES": ("5", "..", "", "120", "FP"),
    "LUN-TE": ("0", "0", "", "", "IA"),
}
FINAL = {**PRELIMINARY, "MAL-NA": ("6", "..", "250", "280", "")}
RESERVE = {**FINAL, "MAL-NA": ("6", "..", "240", "270", "")}


def _round(table: pd.DataFrame, kind: str) -> dict[str, tuple[str, ...]]:
    fields = ("admitted", "reserves", "lowest_merit", "average_merit", "code")
    return {pid: tuple(table.at[pid, f"{kind}_{f}"] for f in fields) for pid in table.index}


def test_every_round_exactly(season, tmp_path):
    out = tmp_path / "stats"
    result = runner.invoke(app, ["statistics", "--season", str(season["season"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote statistics for 5 offers (preliminary 1, final 2, reserve 3) to {out}\n"
    table = _csv(out)
    assert tuple(["programme_id", *table.columns]) == STATISTICS_COLUMNS
    # Sorted by municipality, school, offer.
    assert list(table.index) == ["LUN-ES", "LUN-TE", "MAL-EK", "MAL-NA", "MAL-SA"]
    assert _round(table, "preliminary") == PRELIMINARY
    assert _round(table, "final") == FINAL
    assert _round(table, "reserve") == RESERVE
    assert table.loc["MAL-NA", ["programme", "school", "municipality", "seats", "first_choice_applicants"]].tolist() \
        == ["Naturvetenskapsprogrammet", "Malmö Latinskola", "Malmö", "6", "9"]
    # 3 first-choice applicants describe fewer than 5 students; 0 describes nobody.
    assert table.at["MAL-SA", "first_choice_applicants"] == ".."
    assert table.at["LUN-TE", "first_choice_applicants"] == "0"
    assert table.at["LUN-ES", "orientation"] == "Musik"


def test_a_round_the_season_has_not_had_is_empty(season):
    table = _csv(season["after_final"])
    assert _round(table, "final") == FINAL
    assert set(_round(table, "reserve").values()) == {("", "", "", "", "")}
    notes = json.loads((season["after_final"] / "statistics-notes.json").read_text(encoding="utf-8"))
    assert notes["runs"] == {"preliminary": {"run_id": 1, "started_at": notes["runs"]["preliminary"]["started_at"]},
                             "final": {"run_id": 2, "started_at": notes["runs"]["final"]["started_at"]},
                             "reserve": None}


def test_the_rule_and_the_codes_are_stated_in_every_file(season, tmp_path):
    out = tmp_path / "stats"
    assert runner.invoke(app, ["statistics", "--season", str(season["season"]), "--out", str(out)]).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json", "run.json", "statistics-notes.json", "statistics.csv", "statistics.html", "statistics.xlsx"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in out.iterdir())  # private unless --shared-output
    notes = json.loads((out / "statistics-notes.json").read_text(encoding="utf-8"))
    assert notes["suppressed_cell"] == ".." and notes["suppress_below"] == 5
    assert notes["suppression_rule"] == SUPPRESSION_RULE
    assert notes["codes"] == CUTOFF_CODES and set(CUTOFF_CODES) == {"IA", "FP", "AB"}
    page = (out / "statistics.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in page and "Celler som beskriver färre än 5 elever" in page
    assert "<b>FP</b>: Antagna på färdighetsprov" in page and "<b>AB</b>: Alla behöriga sökande antagna" in page
    # The page as the region prints it: programme and orientation in one cell, the code in place of
    # the lowest merit value; every column on a 1280 px screen (fixed layout, 17 columns).
    assert page.count("<col ") == 17 and "table-layout: fixed" in page
    assert ('<tr><td>Estetiska programmet, Musik</td><td>Lunds Estetiska</td><td>Lund</td><td class="n">5</td>'
            '<td class="n">6</td><td class="n">5</td><td class="n">..</td><td class="n">FP</td><td class="n">120</td>'
            ) in page
    assert ('<td>Naturvetenskapsprogrammet</td><td>Malmö Latinskola</td><td>Malmö</td><td class="n">6</td>'
            '<td class="n">9</td><td class="n">6</td><td class="n">..</td><td class="n">250</td><td class="n">275</td>'
            '<td class="n">6</td><td class="n">..</td><td class="n">250</td><td class="n">280</td>'
            '<td class="n">6</td><td class="n">..</td><td class="n">240</td><td class="n">270</td></tr>') in page
    book = openpyxl.load_workbook(out / "statistics.xlsx")
    about, sheet = book.worksheets
    assert about.title == "Om statistiken" and sheet.title == "Statistik"
    about_text = [row[1] for row in about.iter_rows(values_only=True)]
    date = about_text[2].split(", ")[1]
    assert about_text[1:5] == ["Antagningsstatistik per utbildning, season", f"körning 1, {date}",
                               f"körning 2, {date}", f"körning 3, {date}"]
    assert any(str(text).startswith("Celler som beskriver färre än 5 elever") for text in about_text)
    header = [c.value for c in sheet[1]]
    assert header[:8] == ["Utbildnings-id", "Programkod", "Program", "Inriktning", "Skola", "Kommun", "Platser",
                          "Förstahandssökande"]
    assert header[8:13] == ["Antagna, preliminär antagning", "Reserver, preliminär antagning",
                            "Lägsta meritvärde, preliminär antagning", "Medelmeritvärde, preliminär antagning",
                            "Kod, preliminär antagning"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    # Numbers stay numbers, a suppressed cell is the text "..", a code replaces the lowest merit.
    assert rows["MAL-NA"][6:13] == (6, 9, 6, "..", 250, 275, None)
    assert rows["LUN-ES"][8:13] == (5, "..", None, 120, "FP")


def test_english_documents_and_the_same_csv(season, tmp_path):
    sv, en = tmp_path / "sv", tmp_path / "en"
    assert runner.invoke(app, ["statistics", "--season", str(season["season"]), "--out", str(sv)]).exit_code == 0
    result = runner.invoke(app, ["statistics", "--season", str(season["season"]), "--out", str(en),
                                 "--language", "en"])
    assert result.exit_code == 0, result.output
    assert (sv / "statistics.csv").read_bytes() == (en / "statistics.csv").read_bytes()
    header = [c.value for c in openpyxl.load_workbook(en / "statistics.xlsx").worksheets[1][1]]
    assert header[18:23] == ["Admitted, latest reserve admission", "Reserves, latest reserve admission",
                             "Lowest merit value, latest reserve admission", "Average merit value, latest reserve admission",
                             "Code, latest reserve admission"]
    page = (en / "statistics.html").read_text(encoding="utf-8")
    assert "Cells describing fewer than 5 students are suppressed" in page and "No one admitted." in page


def test_a_season_without_rounds_and_no_season_are_clear_errors(tmp_path):
    result = runner.invoke(app, ["statistics", "--season", str(tmp_path / "none"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'none' / 'season.sqlite'}: no season database here (a round command creates it)\n"
    assert not (tmp_path / "out").exists()


def test_an_out_that_holds_the_season_database_is_refused_before_any_work(season, tmp_path):
    database = season["season"] / "season.sqlite"
    before = database.read_bytes()
    result = runner.invoke(app, ["statistics", "--season", str(database), "--out", str(season["season"])])
    assert result.exit_code == 1
    assert result.output == (f"Error: {season['season']}: the output folder may not hold the season database "
                             f"({database}); replacing it would delete the season. Give another folder\n")
    assert database.read_bytes() == before


def test_run_json_has_the_common_header_of_every_job(season):
    record = json.loads((season["after_final"] / "run.json").read_text(encoding="utf-8"))
    assert sorted(record) == ["command", "counts", "language", "runs", "season", "started_at", "student_level", "tool",
                              "version"]
    assert record["tool"] == "admissions" and record["command"] == "statistics"
    assert record["runs"] == {"preliminary": 1, "final": 2, "reserve": None}
    # Five offers: MAL-NA, MAL-SA, MAL-EK, LUN-ES, LUN-TE, one row each in statistics.csv.
    assert record["counts"] == {"offers": 5} and len(_csv(season["after_final"])) == 5
    assert record["student_level"] is False and record["language"] == "sv"
