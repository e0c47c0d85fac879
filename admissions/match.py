"""The files a matching writes to OUT, and the library function behind ``admissions match``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from admissions import __version__

from admissions.io.atomic import MANIFEST
from admissions.io.write import write_csv
from admissions.io.xlsx import write_xlsx
from admissions.job import run_record, start_job
from admissions.round import Progress, RoundResult, prepare_round
from admissions.reports.dimensioning import dimensioning_table
from admissions.reports.flows import flows_table, round_prices
from admissions.reports.html import report_html
from admissions.reports.placements import application_outcomes, applications_table, placements_table
from admissions.reports.language import check_chosen_language, texts
from admissions.reports.programmes import programmes_table
from admissions.reports.run_folder import RecordHeading
from admissions.reports.workbook import Headline, document_table, report_workbook
from admissions.rules.lottery import LOTTERY_SOURCES

@dataclass(frozen=True)
class MatchTable:
    """One CSV file of ``match``: whether it holds student-level data, and how it is built.

    ``build(r, computed)`` gets the round and what several tables share (``computed["outcomes"]``:
    :func:`application_outcomes`; ``computed["prices"]``, for the aggregate tables only).
    """

    student_level: bool
    build: Callable[[RoundResult, dict], pd.DataFrame]


#: The one declaration of match's tables, in the order written: adding a CSV file to match is one
#: entry here. Student-level tables (student ids) are written first and are sheets of report.xlsx
#: only with ``--student-sheets``; aggregate ones are always sheets (named as the file without .csv).
MATCH_TABLES: dict[str, MatchTable] = {
    "placements": MatchTable(True, lambda r, c: placements_table(r)),
    "applications": MatchTable(True, lambda r, c: applications_table(r, outcomes=c["outcomes"])),
    "programmes": MatchTable(False, lambda r, c: programmes_table(r, outcome=c["outcomes"][0])),
    "dimensioning": MatchTable(False, lambda r, c: dimensioning_table(r)),
    "flows": MatchTable(False, lambda r, c: flows_table(r, c["prices"])),
}
#: Files written by every matching run, in the order they are written (the manifest, listing the
#: others with their sha256, by :func:`admissions.io.atomic.output_folder`): the tables, then the
#: reports made from them.
MATCH_FILES = tuple(f"{name}.csv" for name in MATCH_TABLES) + ("report.xlsx", "report.html", "run.json", MANIFEST)
#: The tables of report.xlsx: the aggregate tables, no student-level data (after a cover sheet; the
#: sheets are titled and headed in the document's language: admissions.reports.workbook).
REPORT_SHEETS = tuple(name for name, table in MATCH_TABLES.items() if not table.student_level)
#: Sheets added to report.xlsx only when asked for (``--student-sheets``): then the workbook is
#: student-level data like placements.csv and applications.csv, and must be handled as such.
STUDENT_SHEETS = tuple(name for name, table in MATCH_TABLES.items() if table.student_level)


def write_match_files(r: RoundResult, folder: Path, record: dict, progress: Progress | None = None,
                      student_sheets: bool = False) -> None:
    """Write every output of a matched round (MATCH_FILES) but run.json into ``folder``, and complete
    ``record`` for run.json (the workbook's sheets, the prices, the timings and the outputs).

    ``student_sheets`` adds placements and applications to report.xlsx, so that every CSV file is
    also a sheet of it; by default the workbook holds the aggregate tables only, since it is the
    file officers send to schools and municipalities.
    """
    tables: dict[str, pd.DataFrame] = {}

    def write(student_level: bool) -> None:
        for name, table in MATCH_TABLES.items():
            if table.student_level == student_level:
                tables[name] = table.build(r, computed)
                write_csv(tables[name], folder / f"{name}.csv")

    with r.timings.step("write", progress):
        computed = {"outcomes": application_outcomes(r)}
        write(student_level=True)
    with r.timings.step("reports", progress):
        computed["prices"] = round_prices(r)
        write(student_level=False)
        # The aggregate tables as the documents show them, made once for report.html and report.xlsx.
        documents = {name: document_table(name, tables[name], texts(r.config.language)) for name in REPORT_SHEETS}
        write_html_report(r, tables, folder / "report.html", record, documents)
    with r.timings.step("report.xlsx", progress):
        sheets = REPORT_SHEETS + (STUDENT_SHEETS if student_sheets else ())
        workbook, layouts = report_workbook(
            {name: tables[name] for name in sheets}, Headline.of(tables["placements"], tables["programmes"]),
            RecordHeading(record), texts(r.config.language), __version__, student_level=student_sheets,
            documents=documents)
        write_xlsx(workbook, folder / "report.xlsx", layouts)
    record["report_xlsx_sheets"] = list(sheets)
    record["prices"] = computed["prices"].source
    record["timings_s"] = dict(r.timings.steps)
    record["outputs"] = list(MATCH_FILES)


def rank_counts(choice_rank: pd.Series) -> dict[str, int]:
    """Students placed on their 1st, 2nd, 3rd, 4th or later choice, and unplaced (placements.csv choice_rank)."""
    rank = choice_rank.to_numpy(dtype=np.float64, na_value=np.nan)
    return {
        "1st": int((rank == 1).sum()),
        "2nd": int((rank == 2).sum()),
        "3rd": int((rank == 3).sum()),
        "4th or later": int((rank >= 4).sum()),
        "unplaced": int(np.isnan(rank).sum()),
    }


def write_html_report(r: RoundResult, tables: dict, path: Path, record: dict, documents: dict | None = None) -> None:
    """Write report.html from the round's tables (placements only for the choice-rank counts), in the
    document language (admissions.toml ``language``), titled by the round kind, run and date
    (``documents``: the aggregate tables' :func:`document_table`, when already made)."""
    _ = texts(r.config.language)
    heading = RecordHeading(record)
    source = record.get("lottery", "lottery")
    key = {text: key for key, text in LOTTERY_SOURCES.items()}.get(source)
    lottery = _("html.meta", lottery=source if key is None else _(f"lottery_source.{key}"))
    types = _("html.programme_types", version=r.programme_types.version)
    meta = f"{heading.heading_line(_)} · {lottery} · admissions {__version__} · {types}"
    page = report_html(
        tables["programmes"],
        tables["dimensioning"],
        tables["flows"],
        rank_counts(tables["placements"]["choice_rank"]),
        r.encoded.n_students,
        heading,
        meta,
        _,
        documents,
    )
    path.write_text(page, encoding="utf-8")


def run_match(
    folder: Path,
    out: Path,
    *,
    seed: int | None = None,
    tie_break: tuple[str, ...] | None = None,
    max_choices: int | None = None,
    progress: Progress | None = None,
    student_sheets: bool = False,
    language: str | None = None,
) -> tuple[RoundResult, dict]:
    """Validate, match and write the outputs of the round in ``folder`` to ``out``.

    ``student_sheets``: see :func:`write_match_files`; ``language``: of report.xlsx and report.html
    (default: admissions.toml's, else Swedish).

    Nothing is written when the input is invalid (InvalidInput) or a setting is wrong
    (ConfigError); ``out`` is replaced whole only when every file was written.
    """
    job = start_job("match", folder, out)
    check_chosen_language(language)
    # The outputs need nothing of the grades once the selection rules have run.
    r = prepare_round(folder, seed=seed, tie_break=tie_break, max_choices=max_choices, progress=progress,
                      keep_grades=False, language=language)
    record = run_record(r, job.command, job.started_at)
    job.write(record, lambda staging: write_match_files(r, staging, record, progress, student_sheets))
    return r, record
