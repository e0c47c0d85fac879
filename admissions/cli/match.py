"""`admissions match`: validate a round's input folder, run the matching and write the outputs."""

from __future__ import annotations

from typing import Annotated

import typer

from admissions.cli._options import FolderArgument, LanguageOption, MaxChoicesOption, OutOption, QuietOption, SeedOption, TieBreakOption
from admissions.cli._options import (
    KeyFileOption,
    PseudonymiseOption,
    SharedOutputOption,
    output_options,
    parse_tie_break,
)
from admissions.cli._output import failures_reported, print_problems
from admissions.cli._summary import print_summary, progress_printer


def match(
    folder: FolderArgument,
    out: OutOption,
    seed: SeedOption = None,
    tie_break: TieBreakOption = None,
    max_choices: MaxChoicesOption = None,
    quiet: QuietOption = False,
    student_sheets: Annotated[bool, typer.Option("--student-sheets", help="Also put placements and applications in report.xlsx (then the workbook is student-level data).")] = False,
    language: LanguageOption = None,
    pseudonymise: PseudonymiseOption = False,
    pseudonym_key_file: KeyFileOption = None,
    shared_output: SharedOutputOption = False,
) -> None:
    """Match students to programmes by student-proposing deferred acceptance and write the results.

    Writes OUT/placements.csv (one row per student), OUT/applications.csv (one row per
    application, with outcome and reserve position), the aggregate reports OUT/programmes.csv,
    OUT/dimensioning.csv, OUT/flows.csv, OUT/report.xlsx (those three as sheets; with
    --student-sheets also placements and applications) and OUT/report.html (both in the document
    language), and OUT/run.json
    (version, seed, settings, sha256 of every input file, counts, checks, timings). Invalid input
    is reported, every problem at once, and nothing is written. Files are readable by you only unless --shared-output;
    --pseudonymise writes keyed pseudonyms instead of student ids.

    Example: admissions match data/samples/skane-2000 --out results
    """
    from admissions.match import run_match

    with failures_reported(folder), output_options(pseudonymise, pseudonym_key_file, shared_output):
        r, record = run_match(
            folder,
            out,
            seed=seed,
            tie_break=parse_tie_break(tie_break),
            max_choices=max_choices,
            progress=None if quiet else progress_printer(),
            student_sheets=student_sheets,
            language=language,
        )
    if not quiet:
        if r.warnings:
            print_problems(list(r.warnings), folder)
        print_summary(record, out)
