"""report.xlsx as a document to send: a cover sheet, headers in the document's language, number
formats, filters, frozen headers and a print setup.

The sheets hold the aggregate tables of the CSV files (programmes, dimensioning, flows; with
``--student-sheets`` also placements and applications) with the same rows and values; what
changes is how they read: the headers come from the message catalogue (Swedish by default),
a cut-off's tier and a dimensioning row's level are words, counts, percentages, merit values
and kronor have number formats, and every sheet has a filter on its header row. The tables print
landscape on A4, fit to the page width with the header row repeated, so a row is never split
over two pages (tests/reports/test_render.py prints the programmes sheet of a 355-offer region
through LibreOffice). The CSV files keep the contract's English column names and plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from admissions.io.xlsx import SheetLayout
from admissions.io.policy import current_policy
from admissions.reports.language import Texts
from admissions.reports.reasons import reason_text
from admissions.reports.run_folder import RunHeading

#: Number formats by kind of column (Excel codes; the reader's locale sets the separators).
COUNT, PERCENT, MERIT, RATIO, WHOLE = "#,##0", "0.0%", "0.0#", "0.00", "0"
#: The kind of each column of the report's tables; SEK columns take the language's kronor format.
COLUMN_FORMATS = {
    **{c: COUNT for c in (
        "seats", "first_choice_applicants", "applicants", "eligible_applicants", "ineligible_applicants",
        "admitted", "reserves", "vacant_seats", "programmes", "unplaced", "students", "compensated_students",
        "students_without_price", "choice_rank", "reserve_position")},
    **{c: MERIT for c in ("cutoff_merit", "test_cutoff_points", "median_admitted_merit", "score")},
    **{c: RATIO for c in ("applicants_per_seat", "first_choice_per_seat")},
    **{c: PERCENT for c in ("share_choice_1", "share_choice_2", "share_choice_3", "share_choice_4_or_later")},
    "lottery": WHOLE,
    "cost_sek": "sek",
    # The analyses' pages (admissions.reports.analysis_pages) show their tables the same way.
    **{c: PERCENT for c in ("first_choice_share", "oversubscribed_share", "cutoff_share_of_draws")},
    **{c: "sek" for c in ("pays_sek", "receives_sek")},
}
#: Columns of the CSV files left out of the workbook: map coordinates, not for reading, and the
#: school unit code, which begins every offer's id already.
LEFT_OUT = ("latitude", "longitude", "school_unit_code")
#: The catalogue key of each column's header (``col.NAME`` unless named here).
HEADER_KEYS = {"programmes": "col.offers"}
#: The columns whose values are words from the catalogue: column -> key prefix.
WORD_COLUMNS = {"cutoff_tier": "tier", "tier": "tier", "level": "level", "cutoff_tier_before": "tier",
                "cutoff_tier_after": "tier", "added": "bool", "baseline": "bool", "eligible": "bool",
                "outcome": "outcome_word"}
#: The columns whose texts are said in the document's language part by part (the applications sheet).
TEXT_COLUMNS = {"ineligible_reason": reason_text}
#: A column derived from another by one of these suffixes has the other's header and format, and the
#: catalogue's words for the suffix (``seats_before``: "Platser före"; ``applicants_low``: "Sökande, nedre gräns").
DERIVED_SUFFIXES = {"_before": "col.derived_before", "_after": "col.derived_after", "_low": "col.derived_low",
                    "_high": "col.derived_high"}
#: The report's tables (REPORT_SHEETS and STUDENT_SHEETS of admissions.match) -> their sheet title key.
SHEET_KEYS = {"programmes": "sheet.programmes", "dimensioning": "sheet.dimensioning", "flows": "sheet.flows",
              "placements": "sheet.placements", "applications": "sheet.applications"}
#: Every column of the report's tables, for the catalogue test (each needs a header in both languages).
REPORT_COLUMNS = {
    "programmes": ("programme_id", "school", "municipality", "programme_code", "orientation", "seats",
                   "first_choice_applicants", "applicants", "eligible_applicants", "admitted", "reserves",
                   "vacant_seats", "cutoff_merit", "cutoff_tier", "test_cutoff_points", "median_admitted_merit",
                   "applicants_per_seat", "first_choice_per_seat", "school_unit_code"),
    "dimensioning": ("level", "programme_code", "municipality", "programmes", "seats", "first_choice_applicants",
                     "first_choice_per_seat", "applicants", "eligible_applicants", "ineligible_applicants",
                     "admitted", "vacant_seats", "share_choice_1", "share_choice_2", "share_choice_3",
                     "share_choice_4_or_later", "unplaced"),
    "flows": ("home_municipality", "host_municipality", "students", "compensated_students", "cost_sek",
              "students_without_price"),
    "placements": ("student_id", "programme_id", "choice_rank", "lottery"),
    "applications": ("student_id", "choice_rank", "programme_id", "eligible", "ineligible_reason", "tier", "score",
                     "outcome", "reserve_position"),
}
#: Values of the word columns (``level.host``, ``tier.1``, ...), for the catalogue test.
LEVELS = ("host", "area", "home")


def header_key(column: str) -> str:
    """The catalogue key of a column's header."""
    return HEADER_KEYS.get(column, f"col.{column}")


def _derived(column: str) -> tuple[str, str] | None:
    """(the column it is derived from, the suffix's key) for a column with a DERIVED_SUFFIXES suffix."""
    for suffix, key in DERIVED_SUFFIXES.items():
        if column.endswith(suffix) and len(column) > len(suffix):
            return column[: -len(suffix)], key
    return None


def header_keys(column: str, _: Texts) -> tuple[str, ...]:
    """The catalogue keys a column's header is made of: its own (``col.NAME``), else those of the column
    it is derived from and its suffix's (``seats_before``: ``col.seats``, ``col.derived_before``)."""
    derived = _derived(column)
    if header_key(column) in _.keys or derived is None:
        return (header_key(column),)
    stem, suffix = derived
    return (*header_keys(stem, _), suffix)


def column_header(column: str, _: Texts) -> str:
    """A column's header in the document's language; the column's own name when the catalogue has none."""
    keys = header_keys(column, _)
    if any(key not in _.keys for key in keys):
        return column
    text = _(keys[0])
    for suffix in keys[1:]:
        text = _(suffix, column=text)
    return text


def column_format(column: str) -> str | None:
    """The number format of a column (COLUMN_FORMATS, or that of the column it is derived from)."""
    while column not in COLUMN_FORMATS and (derived := _derived(column)) is not None:
        column = derived[0]
    return COLUMN_FORMATS.get(column)


@dataclass(frozen=True)
class Headline:
    """The round's headline figures, from placements.csv and programmes.csv."""

    students: int
    placed: int
    first_choice: int
    seats: int
    vacant_seats: int
    offers: int
    offers_with_cutoff: int

    @classmethod
    def of(cls, placements: pd.DataFrame, programmes: pd.DataFrame) -> Headline:
        rank = pd.to_numeric(placements["choice_rank"], errors="coerce")
        return cls(
            students=len(placements), placed=int(rank.notna().sum()), first_choice=int((rank == 1).sum()),
            seats=int(pd.to_numeric(programmes["seats"]).sum()),
            vacant_seats=int(pd.to_numeric(programmes["vacant_seats"]).clip(lower=0).sum()),
            offers=len(programmes), offers_with_cutoff=int(programmes["cutoff_merit"].notna().sum()),
        )

    @property
    def unplaced(self) -> int:
        return self.students - self.placed


def document_table(name: str, table: pd.DataFrame, _: Texts) -> tuple[pd.DataFrame, SheetLayout]:
    """A report table with headers and word columns in the document's language, and its sheet layout."""
    # Pseudonyms go on before the headers are translated: the policy finds the student_id column by name.
    table = current_policy().table(table)
    columns = {}
    formats = {}
    for column, values in table.items():
        if column in LEFT_OUT:
            continue
        header = column_header(column, _)
        if column in WORD_COLUMNS:
            prefix = WORD_COLUMNS[column]
            values = values.map(lambda v, p=prefix: "" if pd.isna(v) or v == "" else _(f"{p}.{_word(v)}"))
        elif column in TEXT_COLUMNS:
            # Each distinct text once: an applications sheet has a row per application, few distinct reasons.
            said = {v: TEXT_COLUMNS[column](v, _) for v in values.dropna().unique() if v != ""}
            values = values.map(lambda v: said.get(v, v))
        code = column_format(column)
        if code is None and pd.api.types.is_integer_dtype(values.dtype):
            code = COUNT
        if code is not None:
            formats[header] = _("format.sek_xlsx") if code == "sek" else code
        # The column's array: a Series would be aligned on the index, ~0.2 ms a column.
        columns[header] = values.array
    frame = pd.DataFrame(columns, index=table.index)
    return frame, SheetLayout(formats=formats, autofilter=True, printed=True)


def _word(value: object) -> str:
    """A tier (1, 1.0, '1'), a level ('host') or a truth value (True, 'true') as the tail of its catalogue key."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return str(value)


def cover_sheet(heading: RunHeading, headline: Headline, _: Texts, names: list[str], student_level: bool,
                version: str) -> pd.DataFrame:
    """The cover: what the workbook is (round, run, date, seed), the headline figures, and its sheets."""

    def share(part: int, whole: int) -> str:
        return f"{_.number(part)} ({_.percent(part / whole)})" if whole else _.number(part)

    rows = [
        (_("report.title"), f"{_(f'round.{heading.round_kind}')} · {_.date(heading.date)}"),
        *heading.heading(_),
        (_("report.students"), _.number(headline.students)),
        (_("report.placed"), share(headline.placed, headline.students)),
        (_("report.first_choice"), share(headline.first_choice, headline.students)),
        (_("report.unplaced"), share(headline.unplaced, headline.students)),
        (_("report.seats"), _.number(headline.seats)),
        (_("report.vacant_seats"), share(headline.vacant_seats, headline.seats)),
        (_("report.offers"), _.number(headline.offers)),
        (_("report.offers_with_cutoff"), _.number(headline.offers_with_cutoff)),
        (_("report.sheets"), ", ".join(names)),
        (_("report.content"), _("report.student_level") if student_level else _("report.aggregate")),
        (_("report.version"), f"admissions {version}"),
    ]
    return pd.DataFrame(rows, columns=[_("col.field"), _("col.value")])


def report_workbook(tables: dict[str, pd.DataFrame], headline: Headline, heading: RunHeading, _: Texts,
                    version: str, student_level: bool = False,
                    documents: dict[str, tuple[pd.DataFrame, SheetLayout]] | None = None,
                    ) -> tuple[dict[str, pd.DataFrame], dict[str, SheetLayout]]:
    """The sheets of report.xlsx (the cover first, then ``tables`` in order) and their layouts.

    ``tables``: name (a key of SHEET_KEYS) -> the table as written to its CSV file; ``documents``:
    :func:`document_table` of some of them in this language, already made (for report.html).
    """
    footer = f"{_('report.title')} · {heading.heading_line(_)}"
    sheets, layouts = {}, {}
    for name, table in tables.items():
        title = _(SHEET_KEYS[name])
        sheets[title], layout = (documents or {}).get(name) or document_table(name, table, _)
        layouts[title] = SheetLayout(formats=layout.formats, autofilter=True, printed=True, footer=footer)
    cover = cover_sheet(heading, headline, _, list(sheets), student_level, version)
    about = _("sheet.report_about")
    layouts[about] = SheetLayout(printed=True, footer=footer, widths={cover.columns[0]: 34, cover.columns[1]: 70})
    return {about: cover, **sheets}, layouts
