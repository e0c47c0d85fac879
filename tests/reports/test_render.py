"""Every document rendered as a reader sees it: report.xlsx printed to PDF by LibreOffice, the lists'
and letters' PDF pages through pdftoppm and pdftotext, report.html in headless Chromium (tests/reports/
test_html.py); the text, the page counts, and no column cut off a page.

The region is a real part of the admission area with 355 offers (the issue's size: Malmö,
Helsingborg, Lund, Kristianstad, Ystad, Ängelholm, Landskrona and Hörby from the register) and
1,000 students: the page count of the programmes sheet depends on its 355 rows, not on the students.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.cli import app
from admissions.match import run_match
from admissions.reports.language import texts

from render_tools import convert_to_pdf, pdf_pages, pdf_text, poppler

runner = CliRunner()
AREA = "Malmö,Helsingborg,Lund,Kristianstad,Ystad,Ängelholm,Landskrona,Hörby"
#: The issue's bound: the programmes sheet of a 355-offer region prints in at most 15 pages.
MOST_PAGES = 15

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("r355") / "in"
    result = runner.invoke(app, ["generate", "--out", str(folder), "--students", "1000", "--seed", "1",
                                 "--area", AREA])
    assert result.exit_code == 0, result.output
    out = tmp_path_factory.mktemp("r355-out") / "out"
    run_match(folder, out, seed=1)
    return folder, out


def page_texts(pdf: Path) -> list[str]:
    """Each page's text with its layout (columns kept on their lines)."""
    return [pdf_text(pdf, "-layout", "-f", str(i), "-l", str(i)) for i in range(1, pdf_pages(pdf) + 1)]


def test_report_xlsx_prints_the_programmes_sheet_whole_in_at_most_15_pages(region, tmp_path):
    _folder, out = region
    programmes = pd.read_csv(out / "programmes.csv", dtype=str, keep_default_na=False)
    assert len(programmes) == 355
    pages = page_texts(convert_to_pdf(out / "report.xlsx", tmp_path))
    _ = texts("sv")
    first, last = _("col.programme_id"), _("col.first_choice_per_seat")
    # The programmes sheet's pages: its header row is repeated on each.
    sheet = [page for page in pages if page.split()[:1] == [first]]
    assert 1 <= len(sheet) <= MOST_PAGES
    # The cover comes first and names the round, run, date and seed, and the headline figures.
    cover = " ".join(pages[0].split())
    for label in ("Antagningsrapport", "Omgång Antagningsomgång", "Körning enskild körning (match)",
                  "Frö (lottning) 1", "Sökande elever 1 000", "Utbildningar 355"):
        assert label in cover, label
    # Every page of the sheet has the whole header, the last column's included: no column is cut.
    last_words = last.split()
    for page in sheet:
        header = " ".join(page.split("\n\n")[0].split())
        assert all(word in header for word in last_words), header
    # Every offer is on a printed line with its last column's value at the end (two decimals):
    # the whole row on one page.
    expected = {row.programme_id: f"{float(row.first_choice_per_seat):.2f}" for row in programmes.itertuples()}
    printed = {}
    for page in sheet:
        for line in page.splitlines():
            words = line.split()
            if words and words[0] in expected:
                printed[words[0]] = words[-1]
    assert printed == expected
    # The footer names the run on every page.
    assert all("Antagningsrapport · Omgång: Antagningsomgång" in page for page in pages)


def test_report_xlsx_in_english_prints_english_headers(region, tmp_path):
    folder, _out = region
    (folder / "admissions.toml").write_text('language = "en"\n', encoding="utf-8")
    try:
        out = tmp_path / "en"
        run_match(folder, out, seed=1)
    finally:
        (folder / "admissions.toml").unlink()
    pages = page_texts(convert_to_pdf(out / "report.xlsx", tmp_path))
    cover = " ".join(pages[0].split())
    assert "Admission report" in cover and "Applicants 1,000" in cover
    assert any(page.split()[:2] == ["Offer", "id"] for page in pages)


def test_lists_and_letters_render_as_pages(region, tmp_path):
    """The PDFs draw (pdftoppm) and read back (pdftotext) with whole column headers."""
    folder, out = region
    result = runner.invoke(app, ["lists", str(out), "--input", str(folder), "--out", str(tmp_path / "lists")])
    assert result.exit_code == 0, result.output
    office = tmp_path / "lists" / "offices" / "malmo.pdf"
    text = pdf_text(office)
    for header in ("Utbildnings-id", "Förstahandssökande", "Antagningspoäng"):
        assert header in text.split("\n"), header
    n_pages = pdf_pages(office)
    subprocess.run([poppler("pdftoppm"), "-r", "30", "-png", str(office), str(tmp_path / "office")], check=True)
    drawn = sorted(tmp_path.glob("office-*.png"))
    assert len(drawn) == n_pages and all(p.stat().st_size > 2000 for p in drawn)
    # Every Malmö offer is in the office summary.
    programmes = pd.read_csv(out / "programmes.csv", dtype=str, keep_default_na=False)
    malmo = set(programmes.loc[programmes["municipality"] == "Malmö", "programme_id"])
    assert malmo <= set(re.findall(r"\b\d{8}-[A-Z]{2}\S*", text))
