"""Lists per school and decision letters: the same facts as `explain` for every student, rendered
PDFs (pdftotext, pdftoppm) with whole columns, workbooks, languages and the optional address columns."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.cli import app
from admissions.match import run_match
from admissions.queries.explain import explain_facts, read_explain_tables
from admissions.reports.language import texts
from admissions.reports.letters import letter, reason_text, write_letters
from admissions.reports.lists import school_lists
from admissions.reports.run_folder import read_run_folder
from render_tools import pdf_pages, pdf_text, poppler

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "skane-2000"
EXAMPLES = ROOT / "tests" / "data" / "rules"
runner = CliRunner()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample region with names and addresses, matched with an answer-by date."""
    folder = tmp_path_factory.mktemp("sample-in")
    for path in SAMPLE.iterdir():
        shutil.copy(path, folder / path.name)
    students = pd.read_csv(folder / "students.csv", dtype=str, keep_default_na=False)
    students["name"] = ["Elev <" + s[-4:] + "> & Co" for s in students["student_id"]]
    students["address"] = "Storgatan 1"
    students["postal_code"] = "211 22"
    students["city"] = "Malmö"
    students.to_csv(folder / "students.csv", index=False)
    (folder / "admissions.toml").write_text('answer_by = 2027-07-01\n', encoding="utf-8")
    out = tmp_path_factory.mktemp("sample-out") / "out"
    run_match(folder, out, seed=0)
    return folder, out


@pytest.mark.slow
@pytest.mark.parametrize("language", ["sv", "en"])
def test_letters_say_what_explain_says_for_every_student(sample, language):
    folder, out = sample
    run, _ = read_run_folder(out, folder, language)
    assert len(run.placements) == 2000
    tables = read_explain_tables(out)  # read once: explain_student reads them for every call
    for student_id in run.placements["student_id"]:
        rank, choices = explain_facts(out, student_id, tables)
        one = letter(run, student_id, _)
        text = "\n".join(one.paragraphs)
        assert one.address == (f"Elev <{student_id[-4:]}> & Co", "Storgatan 1", "211 22 Malmö")
        if rank is not None:
            placed = next(c for c in choices if c.choice_rank == rank)
            assert placed.outcome == "admitted"
            assert _("letter.result_admitted", programme_id=placed.programme_id, programme=placed.offer,
                     rank=rank) in text
        else:
            assert _("letter.result_none") in text
        for c in choices:
            paragraph = next(p for p in one.paragraphs
                             if p.startswith(_("letter.choice", rank=c.choice_rank, programme_id=c.programme_id,
                                               programme=c.offer)))
            if c.outcome == "admitted":
                assert _("outcome.admitted") in paragraph
            elif c.outcome == "reserve":
                assert _("outcome.reserve_position", position=c.reserve_position) in paragraph
            elif c.outcome == "ineligible":
                assert _("outcome.ineligible", reason=reason_text(c.ineligible_reason, _)) in paragraph
            else:
                assert _(f"outcome.{c.outcome}") in paragraph
            if c.score is not None and c.outcome in ("admitted", "reserve"):
                assert _("letter.score", score=_.number(c.score), tier=_(f"tier.{c.tier}")) in paragraph
            if c.cutoff_merit is not None and c.outcome in ("admitted", "reserve"):
                assert _("letter.cutoff", cutoff=_.number(c.cutoff_merit), tier=_(f"tier.{c.cutoff_tier}")) in paragraph
        if rank is not None:
            assert _("letter.answer_by", date=_.date(pd.Timestamp("2027-07-01").date())) in text


@pytest.mark.slow
def test_lists_hold_every_student_where_explain_puts_them(sample):
    folder, out = sample
    run, _ = read_run_folder(out, folder)
    admitted, reserves = school_lists(run)
    admitted_at = dict(zip(admitted["student_id"], admitted["programme_id"]))
    reserve_at = {(s, p): int(r) for s, p, r in reserves[["student_id", "programme_id", "reserve_position"]].itertuples(index=False)}
    tables = read_explain_tables(out)
    for student_id in run.placements["student_id"]:
        _rank, choices = explain_facts(out, student_id, tables)
        placed = [c.programme_id for c in choices if c.outcome == "admitted"]
        assert admitted_at.get(student_id) == (placed[0] if placed else None)
        for c in choices:
            if c.outcome == "reserve":
                assert reserve_at[(student_id, c.programme_id)] == c.reserve_position
    assert len(reserve_at) == (run.applications["outcome"] == "reserve").sum()
    # Reserve lists are in reserve order, 1, 2, 3, ... per offer.
    for _pid, line in reserves.groupby("programme_id", sort=False):
        assert line["reserve_position"].astype(int).tolist() == list(range(1, len(line) + 1))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A worked example with a name and an address for S1 only (S2 has none)."""
    folder = tmp_path_factory.mktemp("small-in")
    for path in (EXAMPLES / "second_hand_loses").iterdir():
        shutil.copy(path, folder / path.name)
    students = pd.read_csv(folder / "students.csv", dtype=str, keep_default_na=False)
    students["name"] = ["Anna Åberg", ""]
    students["address"] = ["Storgatan 1", ""]
    students["postal_code"] = ["21122", ""]
    students["city"] = ["Malmö", ""]
    students.to_csv(folder / "students.csv", index=False)
    (folder / "admissions.toml").write_text('seed = 5\nanswer_by = 2027-07-01\n', encoding="utf-8")
    out = tmp_path_factory.mktemp("small-out") / "out"
    run_match(folder, out)
    return folder, out


def test_letters_command_writes_a_letter_per_student_and_per_municipality(small, tmp_path):
    folder, out = small
    result = runner.invoke(app, ["letters", str(out), "--input", str(folder), "--out", str(tmp_path / "letters")])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote 2 letters (2 municipality files) to {tmp_path / 'letters'}\n"
    letters = tmp_path / "letters"
    assert sorted(p.name for p in (letters / "students").iterdir()) == ["S1.pdf", "S2.pdf"]
    assert sorted(p.name for p in (letters / "municipalities").iterdir()) == ["halmstad.pdf", "malmo.pdf"]
    text = " ".join(pdf_text(letters / "students" / "S1.pdf").split())
    assert "Anna Åberg Storgatan 1 21122 Malmö" in text
    assert "Antagningsbesked" in text
    assert "Du är antagen till MAL-SA (SA, Malmö Borgarskola, Malmö), ditt val nr 2." in text
    assert ("Val 1, MAL-NA (NA, Malmö Latinskola, Malmö): Reserv nummer 1 (en plats som blir ledig går till "
            "den första reserven).") in text
    assert "Antagningspoäng: 150 (förstahandssökande)." in text
    assert "Sökande i en grupp före din (förstahandssökande) fyllde platserna." in text
    assert "Svara på erbjudandet senast 2027-07-01." in text
    assert "Frö (lottning): 5" in text
    assert pdf_pages(letters / "students" / "S1.pdf") == 1
    assert oct((letters / "students" / "S1.pdf").stat().st_mode & 0o777) == "0o600"
    png = tmp_path / "page"
    subprocess.run([poppler("pdftoppm"), "-r", "40", "-png", "-f", "1", "-l", "1",
                    str(letters / "students" / "S1.pdf"), str(png)], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 1000


def test_letters_are_the_same_bytes_whatever_the_number_of_workers(small, tmp_path):
    """Files are laid out whole by one process each, so a pool of workers changes no byte."""
    folder, out = small
    run, context = read_run_folder(out, folder, "sv")
    files = {}
    for workers in (1, 2):
        target = tmp_path / f"w{workers}"
        target.mkdir()
        assert write_letters(run, context, target, workers=workers) == {"letters": 2, "municipalities": 2}
        files[workers] = {p.relative_to(target).as_posix(): p.read_bytes() for p in sorted(target.rglob("*.pdf"))}
    assert sorted(files[1]) == ["municipalities/halmstad.pdf", "municipalities/malmo.pdf",
                                "students/S1.pdf", "students/S2.pdf"]
    assert files[1] == files[2]


def test_letters_take_the_number_of_workers_from_the_command_line(small, tmp_path):
    """letters --workers N, the same bytes whatever N; a worker that stops names the option (the
    message's advice, '--workers == 2: try fewer', named an option letters did not have)."""
    from admissions.cli._output import error_line
    from admissions.cli.letters import letters
    from admissions.analysis.executors import WORKER_STOPPED
    from admissions.errors import AdmissionsError

    folder, out = small
    files = {}
    for workers in ("1", "2"):
        target = tmp_path / f"w{workers}"
        result = runner.invoke(app, ["letters", str(out), "--input", str(folder), "--out", str(target),
                                     "--workers", workers])
        assert result.exit_code == 0, result.output
        files[workers] = {p.relative_to(target).as_posix(): p.read_bytes() for p in sorted(target.rglob("*.pdf"))}
    assert len(files["1"]) == 4 and files["1"] == files["2"]
    result = runner.invoke(app, ["letters", str(out), "--out", str(tmp_path / "w0"), "--workers", "0"])
    assert (result.exit_code, result.stderr) == (1, "Error: --workers == 0, must be a whole number >= 1\n")
    assert not (tmp_path / "w0").exists()
    stopped = AdmissionsError(WORKER_STOPPED, parameters=("workers",), values={"n": 2})
    assert error_line(stopped, letters).endswith("--workers == 2: try fewer, or a smaller task")


def test_letters_in_english_on_request(small, tmp_path):
    folder, out = small
    result = runner.invoke(app, ["letters", str(out), "--language", "en", "--out", str(tmp_path / "en")])
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(tmp_path / "en" / "students" / "S1.pdf").split())
    assert "Admission decision" in text
    assert "You are admitted to MAL-SA (SA, Malmö Borgarskola, Malmö), your choice no. 2." in text
    assert "Answer the offer by 1 July 2027." in text
    assert "Anna" not in text  # no --input: ids only


def test_letters_refuse_another_students_file(small, tmp_path):
    folder, out = small
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    (other / "students.csv").write_text((folder / "students.csv").read_text() + "S3,Malmö,200,0.5,,,,\n")
    result = runner.invoke(app, ["letters", str(out), "--input", str(other), "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "is not the students file this run read" in result.output
    assert not (tmp_path / "x").exists()


def test_unknown_language_is_a_clean_error(small, tmp_path):
    _folder, out = small
    result = runner.invoke(app, ["lists", str(out), "--language", "de", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert result.output == "Error: --language == 'de', must be one of sv, en\n"


def test_lists_command_writes_schools_and_offices(small, tmp_path):
    folder, out = small
    result = runner.invoke(app, ["lists", str(out), "--input", str(folder), "--out", str(tmp_path / "lists")])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote lists for 2 schools and 1 admission office to {tmp_path / 'lists'}\n"
    lists = tmp_path / "lists"
    assert sorted(p.name for p in (lists / "schools").iterdir()) == [
        "malmo-malmo-borgarskola.pdf", "malmo-malmo-borgarskola.xlsx",
        "malmo-malmo-latinskola.pdf", "malmo-malmo-latinskola.xlsx"]
    assert sorted(p.name for p in (lists / "offices").iterdir()) == ["malmo.pdf", "malmo.xlsx"]
    book = openpyxl.load_workbook(lists / "schools" / "malmo-malmo-latinskola.xlsx")
    assert book.sheetnames == ["Om listan", "Antagna", "Reserver", "Statistik"]
    about = [tuple(r) for r in book["Om listan"].iter_rows(values_only=True)]
    assert about[:6] == [("Uppgift", "Värde"), ("Avser", "Malmö Latinskola, Malmö"),
                         ("Omgång", "Antagningsomgång"), ("Körning", "enskild körning (match)"),
                         ("Datum", about[4][1]), ("Frö (lottning)", "5")]
    reserves = [tuple(r) for r in book["Reserver"].iter_rows(values_only=True)]
    assert reserves == [("Utbildnings-id", "Reservplats", "Elev-id", "Namn", "Hemkommun", "Val nr", "Poäng"),
                        ("MAL-NA", 1, "S1", "Anna Åberg", "Halmstad", 1, 340)]
    admitted = [tuple(r) for r in book["Antagna"].iter_rows(values_only=True)]
    assert admitted == [("Utbildnings-id", "Elev-id", "Namn", "Hemkommun", "Val nr", "Poäng"),
                        ("MAL-NA", "S2", None, "Malmö", 1, 150)]
    text = pdf_text(lists / "schools" / "malmo-malmo-latinskola.pdf")
    for header in ("Utbildnings-id", "Förstahandssökande", "Antagningspoäng", "Reservplats", "Hemkommun"):
        assert header in text.split("\n"), header  # a whole column header: no word cut over two lines
    office = " ".join(pdf_text(lists / "offices" / "malmo.pdf").split())
    assert "Antagningskansliet Malmö: sammanställning" in office
    assert "S1" not in office and "Anna" not in office  # the office summary is aggregate


def test_address_columns_are_validated(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLES / "second_hand_loses", folder)
    students = pd.read_csv(folder / "students.csv", dtype=str, keep_default_na=False)
    students["address"] = ["Storgatan 1", "Lilla torg 2"]
    students["postal_code"] = ["2112", "211 22"]
    students["city"] = ["Malmö", ""]
    students.to_csv(folder / "students.csv", index=False)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "error: students.csv, row 2, column postal_code: value '2112': postal_code must be a Swedish postal "
        "code of five digits (NNN NN or NNNNN) (check students.postal_code.pattern)",
        "error: students.csv, row 3, column city: value '': city is empty but the row gives part of an "
        "address: give address, postal_code, city together or none of them (check students.address.together)",
    ]


def test_names_never_reach_aggregate_outputs(small):
    _folder, out = small
    for name in ("programmes.csv", "dimensioning.csv", "flows.csv", "report.html"):
        assert "Anna" not in (out / name).read_text(encoding="utf-8")


def test_lists_and_letters_of_a_season_run(tmp_path):
    season = tmp_path / "season"
    result = runner.invoke(app, ["round", "preliminary", str(EXAMPLES / "second_hand_loses"), "--season", str(season)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["lists", "--season", str(season), "--run", "1", "--out", str(tmp_path / "lists")])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "lists" / "schools" / "malmo-malmo-latinskola.xlsx")
    about = dict(list(book["Om listan"].iter_rows(values_only=True))[1:])
    assert about["Omgång"] == "Preliminär antagning"
    assert about["Körning"] == "1"
    # The season is named, not the temporary folder its recorded files were read from ("admissions-run-...").
    assert about["Säsong"] == "season" and "Resultatmapp" not in about
    # That folder's name changed on every run: the same command twice gives the same bytes.
    result = runner.invoke(app, ["lists", "--season", str(season), "--run", "1", "--out", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    for path in sorted((tmp_path / "lists").rglob("*")):
        if path.is_file() and path.name not in ("run.json", "manifest.json"):
            again = tmp_path / "again" / path.relative_to(tmp_path / "lists")
            assert again.read_bytes() == path.read_bytes(), path.name
    result = runner.invoke(app, ["letters", "--season", str(season), "--out", str(tmp_path / "letters")])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote 2 letters (1 municipality file) to {tmp_path / 'letters'}\n"
    text = " ".join(pdf_text(tmp_path / "letters" / "students" / "S2.pdf").split())
    assert "Omgång: Preliminär antagning · Körning: 1" in text
    # A run the season does not have is named by the option given ('run_id == 9' named the library's parameter).
    for command in ("lists", "letters"):
        result = runner.invoke(app, [command, "--season", str(season), "--run", "9", "--out", str(tmp_path / "none")])
        assert result.exit_code == 1
        assert result.stderr == (f"Error: --run == 9, must be a run of this season (see admissions history --season "
                                 f"{season})\n")
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize("command", ["lists", "letters"])
def test_a_run_folder_and_a_season_together_are_refused(small, tmp_path, command):
    _folder, out = small
    result = runner.invoke(app, [command, str(out), "--season", str(tmp_path / "s"), "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert result.output == "Error: give the output folder of a run, or --season S [--run N], not both\n"
    assert not (tmp_path / "x").exists()


def test_a_run_without_a_season_is_refused_naming_the_options(small, tmp_path):
    _folder, out = small
    result = runner.invoke(app, ["letters", str(out), "--run", "2", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert result.output == "Error: --run needs --season\n"
    assert not (tmp_path / "x").exists()


#: Names outside Windows-1252 (Helvetica's set): Polish, Vietnamese (precomposed, NFC), Turkish, Arabic script.
UNICODE_NAMES = ("Łukasz Wójcik-Żuławski", "Nguyễn Thị Ánh Tuyết", "Çağrı Şahin", "Ğülşah Yılmaz", "حسن علي")


def test_names_outside_windows_1252_print_exactly(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLES / "second_hand_loses", folder)
    students = pd.read_csv(folder / "students.csv", dtype=str, keep_default_na=False)
    students["name"] = [UNICODE_NAMES[0], UNICODE_NAMES[1]]
    students["address"] = ["ul. Świętokrzyska 3", "Đường Lê Lợi 5"]
    students["postal_code"] = ["21122", "21123"]
    students["city"] = ["Malmö", "Malmö"]
    students.to_csv(folder / "students.csv", index=False)
    out = tmp_path / "out"
    run_match(folder, out, seed=5)
    result = runner.invoke(app, ["letters", str(out), "--input", str(folder), "--out", str(tmp_path / "letters")])
    assert result.exit_code == 0, result.output
    first = pdf_text(tmp_path / "letters" / "students" / "S1.pdf").splitlines()
    second = pdf_text(tmp_path / "letters" / "students" / "S2.pdf").splitlines()
    assert first[:3] == [UNICODE_NAMES[0], "ul. Świętokrzyska 3", "21122 Malmö"]
    assert second[:3] == [UNICODE_NAMES[1], "Đường Lê Lợi 5", "21123 Malmö"]
    result = runner.invoke(app, ["lists", str(out), "--input", str(folder), "--out", str(tmp_path / "lists")])
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "lists" / "schools" / "malmo-malmo-latinskola.pdf")
    assert UNICODE_NAMES[0] in text.splitlines() or UNICODE_NAMES[1] in text.splitlines()
    fonts = subprocess.run([poppler("pdffonts"), str(tmp_path / "letters" / "students" / "S1.pdf")],
                           capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts and "Helvetica" not in fonts


def test_a_character_the_font_cannot_draw_prints_as_the_replacement_character(tmp_path):
    """An emoji or a Chinese name read back from the PDF as a space (the font's empty glyph), and 😀,
    which DejaVu Sans has, as ὠ (reportlab maps glyphs back to 16-bit characters): each is printed
    as �, visible and read back as itself, in the letters' text, the lists' tables and titles and
    every page's footer."""
    from admissions.reports.pdf import REPLACEMENT, drawable

    assert REPLACEMENT == "\ufffd"
    assert drawable("Åsa 🎓 王 😀\x07 Łukasz") == "Åsa � � �� Łukasz"
    # Every control character but a line break and a tab, those Python counts as white space too
    # (\x1c-\x1f, \x85: they were let through as a space); other white space is the layout's.
    assert drawable("a\x1cb\x1dc\x1ed\x1fe\x85f\x00h\x7fi") == "a�b�c�d�e�f�h�i"
    # A line end of Windows or an old Mac (a quoted multi-line address saved on Windows) is a line
    # break, not a � on the letter a family receives.
    assert drawable("c/o Berg\r\nStorgatan 1\r211 22 Malmö") == "c/o Berg\nStorgatan 1\n211 22 Malmö"
    assert drawable("a\nb\tc\u00a0d\u2003e") == "a\nb\tc\u00a0d\u2003e"
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLES / "second_hand_loses", folder)
    students = pd.read_csv(folder / "students.csv", dtype=str, keep_default_na=False)
    students["name"] = ["Åsa 🎓 Öberg", "王芳 😀"]
    students.to_csv(folder / "students.csv", index=False)
    programmes = pd.read_csv(folder / "programmes.csv", dtype=str, keep_default_na=False)
    programmes.loc[programmes["school"] == "Malmö Latinskola", "school"] = "Malmö Latinskola 🏫"
    programmes.to_csv(folder / "programmes.csv", index=False)
    out = tmp_path / "out"
    run_match(folder, out, seed=5)
    result = runner.invoke(app, ["letters", str(out), "--input", str(folder), "--out", str(tmp_path / "letters")])
    assert result.exit_code == 0, result.output
    assert pdf_text(tmp_path / "letters" / "students" / "S1.pdf").splitlines()[0] == "Åsa � Öberg"
    assert pdf_text(tmp_path / "letters" / "students" / "S2.pdf").splitlines()[0] == "�� �"
    result = runner.invoke(app, ["lists", str(out), "--input", str(folder), "--out", str(tmp_path / "lists")])
    assert result.exit_code == 0, result.output
    lines = pdf_text(tmp_path / "lists" / "schools" / "malmo-malmo-latinskola.pdf").splitlines()
    assert lines[0] == "Antagna och reserver: Malmö Latinskola �, Malmö"  # the bold title
    assert "Åsa � Öberg" in lines and "�� �" in lines  # cells of the admitted and reserve lists
    assert any(line.startswith("Malmö Latinskola �, Malmö · Omgång: ") for line in lines)  # the footer


def test_every_name_prints_with_its_own_letters():
    """Every character of the names, Arabic script included, has a glyph in the embedded font."""
    from reportlab.pdfbase import pdfmetrics

    from admissions.reports import pdf

    face = pdfmetrics.getFont(pdf.FONT).face
    for name in UNICODE_NAMES:
        missing = [ch for ch in name if ch != " " and ord(ch) not in face.charToGlyph]
        assert missing == [], name


# --- the admission offices: the input folder's own file, or the shipped one ---------------------


def test_the_shipped_admission_offices_pass_the_contract():
    from admissions.io.offices import office_of, shipped_offices

    offices = shipped_offices()
    assert list(offices.columns) == ["admission_office", "municipality"]
    assert sorted(set(offices["admission_office"])) == [
        "Helsingborg", "Karlshamn", "Kristianstad", "Lund", "Malmö", "Trelleborg"]
    assert office_of()["Burlöv"] == "Lund"


def test_lists_take_the_input_folders_own_admission_offices(tmp_path):
    folder = tmp_path / "round"
    shutil.copytree(EXAMPLES / "second_hand_loses", folder)
    (folder / "admission_offices.csv").write_text(
        "admission_office,municipality\nSödra kansliet,Malmö\nSödra kansliet,Lund\n", encoding="utf-8")
    out = tmp_path / "out"
    run_match(folder, out, seed=0)
    result = runner.invoke(app, ["lists", str(out), "--input", str(folder), "--out", str(tmp_path / "lists")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "lists" / "offices").iterdir()) == [
        "sodra-kansliet.pdf", "sodra-kansliet.xlsx"]
    # Without the input folder the lists would use other offices than the run's: refused.
    result = runner.invoke(app, ["lists", str(out), "--out", str(tmp_path / "other")])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {out}: the run read its input folder's own admission_offices.csv; give --input, the run's input "
        "folder, so that the documents use the same admission offices\n")
    # Another version of the file than the run read: refused.
    (folder / "admission_offices.csv").write_text(
        "admission_office,municipality\nNorra kansliet,Malmö\nSödra kansliet,Lund\n", encoding="utf-8")
    result = runner.invoke(app, ["lists", str(out), "--input", str(folder), "--out", str(tmp_path / "other")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {folder / 'admission_offices.csv'}: is not the admission_offices file "
                                    "this run read (sha256 ")
    assert not (tmp_path / "other").exists()


def test_unique_names_never_give_two_files_one_name():
    from admissions.reports.file_names import unique_names

    # A suffix is never a name of the set: '_1-2' keeps its own, the second '_1' takes '_1-3'.
    assert unique_names(["_1", "_1", "s1a", "S1A", "_1", "_1-2"]) == ["_1", "_1-3", "s1a", "S1A-2", "_1-4", "_1-2"]
    # A name equal to what it was made from always keeps it, wherever it comes.
    assert unique_names(["O1", "O1", "O1-2"], ["Ö1", "O1", "O1-2"]) == ["O1-3", "O1", "O1-2"]
    assert unique_names(["a1", "A1"], ["a1", "A1"]) == ["a1", "A1-2"]


def test_two_ids_with_one_file_name_get_two_letters(tmp_path):
    """Ö1 and Ä1 both became students/_1.pdf: one letter replaced the other (60 letters said, 59 written).
    Then Ö1 and O1, in that order, got O1.pdf and O1-2.pdf: O1.pdf held Ö1's letter, and a real id O1-2
    got O1-2-2.pdf, so a wrong student's letter could be sent. An id that needs no change keeps its
    name; index.csv says whose each file is."""
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLES / "second_hand_loses", folder)
    for path in folder.glob("*.csv"):
        path.write_text(path.read_text(encoding="utf-8").replace("S1", "Ö1").replace("S2", "O1"), encoding="utf-8")
    with open(folder / "students.csv", "a", encoding="utf-8") as handle:
        handle.write("O1-2,Malmö,200,0.5\n")
    out = tmp_path / "out"
    run_match(folder, out)
    result = runner.invoke(app, ["letters", str(out), "--out", str(tmp_path / "letters")])
    assert result.exit_code == 0, result.output
    students = tmp_path / "letters" / "students"
    assert sorted(p.name for p in students.iterdir()) == ["O1-2.pdf", "O1-3.pdf", "O1.pdf"]
    for file, student in (("O1.pdf", "O1"), ("O1-2.pdf", "O1-2"), ("O1-3.pdf", "Ö1")):
        assert f"Elev-id: {student}\n" in pdf_text(students / file)
    index = tmp_path / "letters" / "index.csv"
    assert index.read_text(encoding="utf-8") == (
        "student_id,file\nÖ1,students/O1-3.pdf\nO1,students/O1.pdf\nO1-2,students/O1-2.pdf\n")
    assert oct(index.stat().st_mode & 0o777) == "0o600"  # personal data, as the letters


def test_every_document_file_name_is_transliterated_then_made_safe():
    """Letters wrote _ for å, ä, ö (Åsa-1.pdf was _sa-1.pdf) where the municipality files transliterate."""
    from admissions.reports.file_names import file_stem, slug

    assert file_stem("Åsa-Öberg_ä1") == "Asa-Oberg_a1"
    assert file_stem("Ängelholm") == "Angelholm" and file_stem("Malmö") == "Malmo"
    assert file_stem("Grüße Øre Æbelø Łódź") == "Grusse_Ore_AEbelo_Lodz"
    assert file_stem("S 1/2.pdf") == "S_1_2_pdf" and file_stem("../x") == "___x"
    assert file_stem("Elev 🎓") == "Elev__" and file_stem("") == "_" and file_stem("東京") == "__"
    assert slug("Malmö Latinskola") == "malmo-latinskola"
    assert slug("Ängelholm") == "angelholm" and slug("Höganäs") == "hoganas" and slug("Bjärnum Ø") == "bjarnum-o"
    assert slug("🎓") == "x" and slug("") == "x"
    # Punctuation that is not ASCII is dropped, as before file_stem: it splits no word (c269515 made
    # 'Petri’s skola' petri-s-skola); ASCII punctuation separates words, as it always did.
    assert slug("Petri’s skola") == "petris-skola" and slug("Petri's skola") == "petri-s-skola"
    # A letter with a mark over one of ASCII_FOR's (decomposed first), the capital sharp s.
    assert file_stem("Ǿrsted ǿ Ǣ ẞ") == "Orsted_o_AE_SS" and slug("Ǿrsted ẞ") == "orsted-ss"
    # Names Windows keeps for devices, and a leading '-', get '_' before them.
    assert [file_stem(t) for t in ("CON", "nul", "Com1", "LPT9", "COM0", "lpt0", "COM10", "-x", "x-")] == [
        "_CON", "_nul", "_Com1", "_LPT9", "_COM0", "_lpt0", "COM10", "_-x", "x-"]
    assert slug("Aux") == "_aux" and slug("Con skola") == "con-skola"
    assert slug("«Ørestad» gymnasium – Malmö") == "orestad-gymnasium-malmo" and slug("Skola 🎓 Lund") == "skola-lund"
    # A dash or space of any kind parts words, as '-' and ' ' do (8519f8d joined them).
    assert [slug(t) for t in ("Ystad–Österlen", "Helsingborg\u2011Ängelholm", "Lund\u00a0Nord")] == [
        "ystad-osterlen", "helsingborg-angelholm", "lund-nord"]


def test_a_letter_without_choices_has_no_heading_over_nothing(tmp_path):
    """'Dina val' / 'Your choices' headed an empty section under 'Du gjorde inga val.'"""
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLES / "second_hand_loses", folder)
    with open(folder / "students.csv", "a", encoding="utf-8") as handle:
        handle.write("S9,Malmö,200,0.5\n")
    out = tmp_path / "out"
    run_match(folder, out)
    run, _ = read_run_folder(out)
    for language, none, heading in (("sv", "Du gjorde inga val.", "Dina val"), ("en", "You made no choices.", "Your choices")):
        one = letter(run, "S9", texts(language))
        assert none in one.paragraphs and heading not in one.paragraphs and one.heading_at == -1
        assert heading in letter(run, "S1", texts(language)).paragraphs


def test_documents_are_not_written_into_the_input_folder(small, tmp_path):
    """lists and letters wrote OUT inside --input (every other command refuses OUT in its input folder)."""
    folder, out = small
    before = sorted(p.name for p in folder.iterdir())
    for command in ("lists", "letters"):
        result = runner.invoke(app, [command, str(out), "--input", str(folder), "--out", str(folder / command)])
        assert result.exit_code == 1
        assert result.stderr == (f"Error: {folder / command}: the output folder may not be the input folder or "
                                 f"inside it ({folder.resolve()})\n")
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.fixture(scope="module")
def void_season(tmp_path_factory):
    """A season of two preliminary runs of which run 2 is void; (season, run 2's void_at)."""
    from admissions.season import store

    season = tmp_path_factory.mktemp("void-season") / "season"
    for _ in range(2):
        result = runner.invoke(app, ["round", "preliminary", str(EXAMPLES / "second_hand_loses"), "--season",
                                     str(season), "--quiet"])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["void", "2", "--season", str(season), "--reason", "last year's grades"])
    assert result.exit_code == 0, result.output
    return season, store.run(store.connect(season), 2).void_at


@pytest.mark.parametrize("command", ["lists", "letters"])
def test_documents_of_a_void_run_are_refused_without_allow_void(void_season, tmp_path, command):
    season, void_at = void_season
    result = runner.invoke(app, [command, "--season", str(season), "--run", "2", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert result.output == (f"Error: run 2 is void since {void_at}: last year's grades; documents of a void run "
                             "are written only with --allow-void (each marked as a void run)\n")
    assert not (tmp_path / "x").exists()


def test_documents_of_a_void_run_with_allow_void_are_marked_in_every_document(void_season, tmp_path):
    import json

    season, void_at = void_season
    result = runner.invoke(app, ["lists", "--season", str(season), "--run", "2", "--allow-void",
                                 "--out", str(tmp_path / "lists")])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "lists" / "schools" / "malmo-malmo-latinskola.xlsx")
    rows = list(book["Om listan"].iter_rows(values_only=True))[1:]
    assert rows[1] == ("OGILTIG KÖRNING", f"ogiltigförklarad {void_at}: last year's grades")  # after "Avser"
    assert dict(rows)["Körning"] == "2"
    text = " ".join(pdf_text(tmp_path / "lists" / "schools" / "malmo-malmo-latinskola.pdf").split())
    assert f"OGILTIG KÖRNING: ogiltigförklarad {void_at}: last year's grades · Omgång: Preliminär antagning" in text
    record = json.loads((tmp_path / "lists" / "run.json").read_text(encoding="utf-8"))
    assert (record["run"]["run_id"], record["run"]["void_at"], record["run"]["void_reason"]) == (
        2, void_at, "last year's grades")
    result = runner.invoke(app, ["letters", "--season", str(season), "--run", "2", "--allow-void", "--language", "en",
                                 "--out", str(tmp_path / "letters")])
    assert result.exit_code == 0, result.output
    for letter_pdf in sorted((tmp_path / "letters" / "students").glob("*.pdf")):
        text = " ".join(pdf_text(letter_pdf).split())
        assert f"VOID RUN: voided {void_at}: last year's grades · Round: " in text
    # A valid run with --allow-void: no mark.
    result = runner.invoke(app, ["letters", "--season", str(season), "--run", "1", "--allow-void",
                                 "--out", str(tmp_path / "valid")])
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(tmp_path / "valid" / "students" / "S2.pdf").split())
    assert "OGILTIG" not in text and "Omgång: Preliminär antagning · Körning: 1" in text


def test_export_of_a_void_run_writes_it_as_recorded_and_says_it_is_void(void_season, tmp_path):
    season, void_at = void_season
    result = runner.invoke(app, ["export", "2", "--season", str(season), "--out", str(tmp_path / "two")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Run 2 (void since {void_at}: last year's grades) written to {tmp_path / 'two'}: ")
    result = runner.invoke(app, ["export", "1", "--season", str(season), "--out", str(tmp_path / "one")])
    assert result.output.startswith(f"Run 1 written to {tmp_path / 'one'}: ")


def test_explain_of_a_void_run_says_it_is_void(void_season):
    # It was headed 'Run 2 of S' alone, as if its result held.
    season, void_at = void_season
    result = runner.invoke(app, ["explain", "--season", str(season), "--run", "2", "S2"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"Run 2 of {season} (void since {void_at}: last year's grades)"
    result = runner.invoke(app, ["explain", "--season", str(season), "--run", "1", "S2"])
    assert result.output.splitlines()[0] == f"Run 1 of {season}"


def test_a_long_id_or_school_name_still_gives_its_documents(tmp_path):
    # A 300-character id failed letters ('File name too long': 255 bytes a name); a 360-character
    # school name made a table row taller than a page (reportlab's LayoutError, a traceback).
    folder = tmp_path / "in"
    folder.mkdir()
    student, school = "S" * 300, "Skola " * 60
    (folder / "programmes.csv").write_text(
        "programme_id,school,municipality,programme_code,orientation,seats,principal,national_recruitment\n"
        f"P1,{school},Malmö,NA,,1,municipal,false\n", encoding="utf-8")
    (folder / "students.csv").write_text(f"student_id,home_municipality,merit_value\n{student},Malmö,200\n",
                                         encoding="utf-8")
    (folder / "applications.csv").write_text(f"student_id,choice_rank,programme_id\n{student},1,P1\n", encoding="utf-8")
    (folder / "municipalities.csv").write_text("municipality,in_area,population\nMalmö,true,350000\n", encoding="utf-8")
    run_match(folder, tmp_path / "out")
    for command in ("letters", "lists"):
        result = runner.invoke(app, [command, str(tmp_path / "out"), "--out", str(tmp_path / command)])
        assert result.exit_code == 0, result.output
    # Cut at 240 characters (a name up to that long keeps the name it had before names were cut).
    assert [p.name for p in (tmp_path / "letters" / "students").iterdir()] == ["S" * 240 + ".pdf"]
    assert sorted(p.name for p in (tmp_path / "lists" / "schools").iterdir()) == [
        f"malmo-{'skola-' * 38}skola.{ext}" for ext in ("pdf", "xlsx")]
    assert "Skola Skola" in pdf_text(tmp_path / "lists" / "offices" / "malmo.pdf")


def test_letters_of_a_run_that_binds_nobody_are_refused(tmp_path):
    # A simulation's or a trial's letters were written, each headed 'Antagningsbesked' (a decision).
    season = tmp_path / "season"
    for kind in ("simulation", "final", "trial"):
        args = ["round", kind, str(EXAMPLES / "second_hand_loses"), "--season", str(season), "--quiet"]
        result = runner.invoke(app, args + (["--out", str(tmp_path / "simulated")] if kind == "simulation" else []))
        assert result.exit_code == 0, result.output
    for source, run_id, kind in ((["--season", str(season), "--run", "1"], 1, "simulation"),
                                 ([str(tmp_path / "simulated")], 1, "simulation"),
                                 (["--season", str(season), "--run", "3"], 3, "trial")):
        result = runner.invoke(app, ["letters", *source, "--out", str(tmp_path / "letters")])
        assert result.exit_code == 1
        assert result.output == (
            f"Error: run {run_id} is a {kind} round, which binds nobody: its letters would be decisions no student "
            f"gets; letters are written for preliminary, final, reserve runs (a {kind} round's lists and explain "
            "show its result)\n")
        assert not (tmp_path / "letters").exists()
    result = runner.invoke(app, ["lists", "--season", str(season), "--run", "3", "--out", str(tmp_path / "lists")])
    assert result.exit_code == 0, result.output


def test_a_reserve_at_an_offer_without_seats_is_told_it_has_none(tmp_path):
    """'Du är reserv' and nothing more, at an offer of 0 seats, where no seat can free up."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "programmes.csv").write_text(
        "programme_id,school,municipality,programme_code,orientation,seats,principal,national_recruitment\n"
        "P0,Skola A,Malmö,NA,,0,municipal,false\nP1,Skola B,Malmö,NA,,1,municipal,false\n", encoding="utf-8")
    (folder / "students.csv").write_text("student_id,home_municipality,merit_value\nS1,Malmö,200\n", encoding="utf-8")
    (folder / "applications.csv").write_text("student_id,choice_rank,programme_id\nS1,1,P0\nS1,2,P1\n",
                                             encoding="utf-8")
    (folder / "municipalities.csv").write_text("municipality,in_area,population\nMalmö,true,350000\n", encoding="utf-8")
    out = tmp_path / "out"
    run_match(folder, out)
    run, _ = read_run_folder(out)
    sv = letter(run, "S1", texts("sv")).paragraphs
    assert [p for p in sv if p.startswith("1:a valet") or "P0" in p][-1].endswith(
        "Utbildningen har inga platser i den här antagningen: ingen antas till den, och du står kvar som reserv om "
        "platser tillkommer.")
    en = letter(run, "S1", texts("en")).paragraphs
    assert [p for p in en if "P0" in p][-1].endswith(
        "The programme has no seats in this round: no one is admitted to it, and you stay a reserve in case seats "
        "are added.")
    result = runner.invoke(app, ["explain", str(out), "S1"])
    assert result.exit_code == 0, result.output
    assert ("The programme has no seats in this round: no one is admitted to it, and you stay in line in case "
            "seats are added.") in " ".join(result.output.split())
