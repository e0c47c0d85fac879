"""Lists per school and summaries per admission office, as workbooks and printable PDFs.

For every school (a school name in a host municipality) ``schools/SLUG.xlsx`` and ``.pdf`` hold
its offers' admitted lists and reserve lists (in reserve order: position 1 first) with student id
and, where the input gives them, name and home municipality, and the school's own statistics. For
every admission office ``offices/SLUG.xlsx`` and ``.pdf`` summarise its schools. Every file names
the round, run, date and seed. These are student-level files (the school lists); the office
summaries are aggregate.

The admission offices and their municipalities are the run's input folder's own
admission_offices file when it has one, else Skolverket's register of the area's admission
offices (:mod:`admissions.io.offices`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from admissions.io.offices import office_of
from admissions.io.xlsx import write_xlsx
from admissions.reports import pdf
from admissions.reports.file_names import slug, unique_names
from admissions.reports.language import Texts
from admissions.reports.run_folder import RunFolder


def _int(text: str) -> int | None:
    return int(float(text)) if text not in ("", None) else None


def _float(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def offer_label(row: pd.Series) -> str:
    """'NA Naturvetenskap' (programme code and orientation)."""
    return " ".join(part for part in (row["programme_code"], row["orientation"]) if part)


def school_lists(run: RunFolder) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every admitted and every reserve application with the student's person columns.

    Returns (admitted, reserves), each with programme_id, student_id, choice_rank, score, tier,
    reserve_position and the PERSON_COLUMNS; reserves sorted by offer and reserve position.
    """
    apps = run.applications
    person = run.students.reset_index()
    columns = ["programme_id", "student_id", "choice_rank", "score", "tier", "reserve_position"]
    admitted = apps.loc[apps["outcome"] == "admitted", columns].merge(person, on="student_id", how="left")
    reserves = apps.loc[apps["outcome"] == "reserve", columns].merge(person, on="student_id", how="left")
    reserves = reserves.assign(_pos=reserves["reserve_position"].map(_int)).sort_values(
        ["programme_id", "_pos"], kind="stable").drop(columns="_pos")
    admitted = admitted.sort_values(["programme_id", "student_id"], kind="stable")
    return admitted.reset_index(drop=True), reserves.reset_index(drop=True)


def _statistics(programmes: pd.DataFrame, _: Texts) -> pd.DataFrame:
    """The offers' statistics with headers in the document language and numbers as numbers."""
    table = pd.DataFrame({
        _("col.programme_id"): programmes["programme_id"],
        _("col.programme"): programmes.apply(offer_label, axis=1),
        _("col.seats"): programmes["seats"].map(_int),
        _("col.first_choice_applicants"): programmes["first_choice_applicants"].map(_int),
        _("col.applicants"): programmes["applicants"].map(_int),
        _("col.eligible_applicants"): programmes["eligible_applicants"].map(_int),
        _("col.admitted"): programmes["admitted"].map(_int),
        _("col.reserves"): programmes["reserves"].map(_int),
        _("col.vacant_seats"): programmes["vacant_seats"].map(_int),
        _("col.cutoff_merit"): programmes["cutoff_merit"].map(_float),
        _("col.cutoff_tier"): programmes["cutoff_tier"].map(lambda t: tier_text(t, _)),
        _("col.median_admitted_merit"): programmes["median_admitted_merit"].map(_float),
    })
    return table


def tier_text(tier: str, _: Texts) -> str:
    """The cut-off's tier in words (empty where there is no cut-off)."""
    if tier in ("", None):
        return ""
    return _(f"tier.{int(float(tier))}")


def _people(frame: pd.DataFrame, _: Texts, reserve: bool) -> pd.DataFrame:
    out = {_("col.programme_id"): frame["programme_id"]}
    if reserve:
        out[_("col.reserve_position")] = frame["reserve_position"].map(_int)
    out[_("col.student_id")] = frame["student_id"]
    out[_("col.name")] = frame["name"]
    out[_("col.home_municipality")] = frame["home_municipality"]
    out[_("col.choice_rank")] = frame["choice_rank"].map(_int)
    out[_("col.score")] = frame["score"].map(_float)
    return pd.DataFrame(out)


def _about(run: RunFolder, _: Texts, subject: str) -> pd.DataFrame:
    # Where the run was read from: its output folder, or the season (its recorded files sit in a temporary folder).
    source = (_("doc.season"), run.season) if run.season is not None else (_("doc.source"), str(run.folder.name))
    rows = [(_("doc.subject"), subject), *run.heading(_), source]
    return pd.DataFrame(rows, columns=[_("col.field"), _("col.value")])


def _pdf_rows(frame: pd.DataFrame, _: Texts) -> list[list[str]]:
    def cell(value) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, (int, float)):
            return _.number(value)
        return str(value)
    return [[cell(v) for v in row] for row in frame.itertuples(index=False)]


def write_lists(run: RunFolder, _: Texts, out: Path) -> dict[str, int]:
    """Write schools/SLUG.{xlsx,pdf} and offices/SLUG.{xlsx,pdf} into ``out``; returns the counts."""
    programmes = run.programmes
    admitted, reserves = school_lists(run)
    offices = office_of(run.admission_offices)
    (out / "schools").mkdir()
    (out / "offices").mkdir()
    schools = programmes[["school", "municipality"]].drop_duplicates().sort_values(["municipality", "school"])
    school_names = unique_names(slug(f"{municipality}-{school}") for school, municipality in schools.itertuples(index=False))
    school_rows = []
    for (school, municipality), name in zip(schools.itertuples(index=False), school_names):
        offers = programmes[(programmes["school"] == school) & (programmes["municipality"] == municipality)]
        ids = set(offers["programme_id"])
        mine_admitted = admitted[admitted["programme_id"].isin(ids)]
        mine_reserves = reserves[reserves["programme_id"].isin(ids)]
        subject = f"{school}, {municipality}"
        stats = _statistics(offers, _)
        sheets = {
            _("sheet.about"): _about(run, _, subject),
            _("sheet.admitted"): _people(mine_admitted, _, reserve=False),
            _("sheet.reserves"): _people(mine_reserves, _, reserve=True),
            _("sheet.statistics"): stats,
        }
        write_xlsx(sheets, out / "schools" / f"{name}.xlsx")
        _school_pdf(run, _, out / "schools" / f"{name}.pdf", subject, offers, mine_admitted, mine_reserves)
        office = offices.get(municipality, "")
        school_rows.append({
            "office": office, "school": school, "municipality": municipality, "file": name,
            "offers": len(offers), "seats": sum(map(_int, offers["seats"])),
            "admitted": sum(map(_int, offers["admitted"])), "reserves": len(mine_reserves),
            "vacant_seats": sum(map(_int, offers["vacant_seats"])),
        })
    summary = pd.DataFrame(school_rows)
    n_offices = 0
    groups = list(summary.groupby("office", sort=True))
    office_names = unique_names(slug(office) if office else "other" for office, _rows in groups)
    for (office, rows), name in zip(groups, office_names):
        title = _("lists.office_title", office=office) if office else _("lists.office_none")
        offers = programmes[programmes["municipality"].isin(set(rows["municipality"]))]
        table = pd.DataFrame({
            _("col.school"): rows["school"], _("col.municipality"): rows["municipality"],
            _("col.offers"): rows["offers"], _("col.seats"): rows["seats"], _("col.admitted"): rows["admitted"],
            _("col.reserves"): rows["reserves"], _("col.vacant_seats"): rows["vacant_seats"],
        })
        stats = _statistics(offers, _)
        stats.insert(1, _("col.school"), offers["school"].to_numpy())
        write_xlsx({_("sheet.about"): _about(run, _, title), _("sheet.schools"): table,
                    _("sheet.statistics"): stats}, out / "offices" / f"{name}.xlsx")
        _office_pdf(run, _, out / "offices" / f"{name}.pdf", title, table, stats)
        n_offices += 1
    return {"schools": len(school_rows), "offices": n_offices,
            "admitted": len(admitted), "reserves": len(reserves)}


#: Column shares of the PDF tables (portrait A4 for school lists, landscape for statistics).
_PEOPLE_WIDTHS = (2.6, 1.6, 3.2, 2.0, 0.9, 1.0)
_RESERVE_WIDTHS = (2.6, 1.0, 1.6, 3.2, 2.0, 0.9, 1.0)
_STAT_WIDTHS = (2.2, 2.6, 1.0, 2.0, 1.1, 1.5, 1.0, 1.1, 1.2, 1.9, 2.3, 1.5)


def _school_pdf(run, _, path, subject, offers, admitted, reserves) -> None:
    doc = pdf.Document(path, subject, f"{subject} · {run.heading_line(_)}", _("doc.page"), "landscape")
    with doc as story:
        story.append(pdf.text(_("lists.school_title", school=subject), "title"))
        story.append(pdf.text(run.heading_line(_), "small"))
        story.append(pdf.text(_("lists.personal_data"), "small"))
        story.append(pdf.text(_("sheet.statistics"), "heading"))
        stats = _statistics(offers, _)
        story.append(pdf.table(list(stats.columns), _pdf_rows(stats, _), _STAT_WIDTHS, doc.width))
        for offer in offers.itertuples(index=False):
            pid = offer.programme_id
            story.append(pdf.text(f"{pid}: {offer_label(pd.Series(offer._asdict()))}", "heading"))
            story.append(pdf.text(_("lists.offer_line", seats=_.number(_int(offer.seats)),
                                    admitted=_.number(_int(offer.admitted)), reserves=_.number(_int(offer.reserves)),
                                    cutoff=_.number(_float(offer.cutoff_merit)) or "–"), "body"))
            people = _people(admitted[admitted["programme_id"] == pid], _, reserve=False).iloc[:, 1:]
            story.append(pdf.text(_("sheet.admitted"), "body"))
            if len(people):
                story.append(pdf.table(list(people.columns), _pdf_rows(people, _), _PEOPLE_WIDTHS[1:], doc.width * 0.7))
            else:
                story.append(pdf.text(_("lists.nobody"), "small"))
            line = _people(reserves[reserves["programme_id"] == pid], _, reserve=True).iloc[:, 1:]
            story.append(pdf.text(_("sheet.reserves"), "body"))
            if len(line):
                story.append(pdf.table(list(line.columns), _pdf_rows(line, _), _RESERVE_WIDTHS[1:], doc.width * 0.7))
            else:
                story.append(pdf.text(_("lists.nobody"), "small"))


def _office_pdf(run, _, path, title, schools, stats) -> None:
    doc = pdf.Document(path, title, f"{title} · {run.heading_line(_)}", _("doc.page"), "landscape")
    with doc as story:
        story.append(pdf.text(title, "title"))
        story.append(pdf.text(run.heading_line(_), "small"))
        story.append(pdf.text(_("sheet.schools"), "heading"))
        story.append(pdf.table(list(schools.columns), _pdf_rows(schools, _), (4, 2, 1, 1, 1, 1, 1), doc.width))
        story.append(pdf.text(_("sheet.statistics"), "heading"))
        story.append(pdf.table(list(stats.columns), _pdf_rows(stats, _), (2.2, 2.6, *_STAT_WIDTHS[1:]), doc.width))
