"""`admissions match`: validate a round's input folder, run the matching and write the outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._options import (
    KeyFileOption,
    PseudonymiseOption,
    SharedOutputOption,
    output_options,
    parse_tie_break,
)
from admissions.cli._output import failures_reported, print_problems
from admissions.cli._summary import print_summary, progress_printer
from admissions.io.contract import SEED_LIMIT


def match(
    folder: Annotated[Path, typer.Argument(help="Input folder of the round (programmes, students, applications, municipalities, grades).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder; replaced whole when the run succeeds.")],
    seed: Annotated[int | None, typer.Option(min=0, max=SEED_LIMIT - 1, help="Seed of the lottery when the input has no lottery column [default: 0, or admissions.toml].")] = None,
    tie_break: Annotated[str | None, typer.Option("--tie-break", help="Tie-break chain after tier and score, comma-separated from choice_rank, grade_value, n_grades, lottery [default: lottery].")] = None,
    max_choices: Annotated[int | None, typer.Option("--max-choices", help="Consider only each student's first N choices [default: all].")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    student_sheets: Annotated[bool, typer.Option("--student-sheets", help="Also put placements and applications in report.xlsx (then the workbook is student-level data).")] = False,
    pseudonymise: PseudonymiseOption = False,
    pseudonym_key_file: KeyFileOption = None,
    shared_output: SharedOutputOption = False,
) -> None:
    """Match students to programmes by student-proposing deferred acceptance and write the results.

    Writes OUT/placements.csv (one row per student), OUT/applications.csv (one row per
    application, with outcome and reserve position), the aggregate reports OUT/programmes.csv,
    OUT/dimensioning.csv, OUT/flows.csv, OUT/report.xlsx (those three as sheets; with
    --student-sheets also placements and applications) and OUT/report.html, and OUT/run.json
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
        )
    if not quiet:
        if r.warnings:
            print_problems(list(r.warnings), folder)
        print_summary(record, out)
