"""Every option and argument that more than one command takes, declared once.

The round's input folder, OUT, the season and a run of it, the seed, the tie-break chain, the
choices considered, quiet, the executors of the analyses, the output policy (pseudonymised student
ids, shared file modes) and the documents' language and input. A command module declares only what
is its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._output import USAGE_STATUS, fail, option_name
from admissions.errors import AdmissionsError
from admissions.io.contract import SEED_LIMIT
from admissions.matching.priority import TIE_BREAK_KEYS
from admissions.io.policy import output_policy
from admissions.io.pseudonyms import KEY_ENV, Pseudonymiser, pseudonymiser

FolderArgument = Annotated[Path, typer.Argument(
    help="Input folder of the round (programmes, students, applications, municipalities, grades).")]
OutOption = Annotated[Path, typer.Option("--out", help="Output folder; replaced whole when the run succeeds.")]
#: A single output file given by an option (answers --out, diff --csv, validate --problems-csv):
#: an existing one is replaced only with --force (admissions.io.atomic.check_output_file).
ForceFileOption = Annotated[bool, typer.Option(
    "--force", help="Replace the file if it exists (never a file the command reads).")]


def check_force_has_file(force: bool, path: Path | None, option: str) -> None:
    """Refuse --force given without the file it is for (``option``): it would replace nothing, and an
    officer who meant to write the file would read the command as done."""
    if force and path is None:
        fail(f"--force is for the {option} file, which was not given: give {option} FILE, or leave --force out",
             USAGE_STATUS)


QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]

SEASON_HELP = "Season folder (its database is season.sqlite there) or the .sqlite file itself."
#: The season a command works on (history, diff, round, void, export, answers).
SeasonOption = Annotated[Path, typer.Option("--season", envvar="ADMISSIONS_SEASON", help=SEASON_HELP)]
#: A season to read a recorded run from instead of an output folder (explain, lists, letters).
ReadSeasonOption = Annotated[Path | None, typer.Option(
    "--season", help="Read a run recorded in this season instead of an output folder.")]
RunOption = Annotated[int | None, typer.Option(
    "--run", help="With --season: the run [default: the newest valid preliminary, final or reserve run].")]
AllowVoidOption = Annotated[bool, typer.Option(
    "--allow-void", help="With --season --run N: write the documents of a void run too, each marked VOID RUN "
    "(OGILTIG KÖRNING) with when and why it was voided; refused without.")]
RunFolderArgument = Annotated[Path | None, typer.Argument(
    help="Output folder of `admissions match` or `admissions round --out` (or --season instead).")]

SeedOption = Annotated[int | None, typer.Option(
    min=0, max=SEED_LIMIT - 1,
    help="Seed of the lottery when the input has no lottery column [default: 0, or admissions.toml].")]
#: A season's round: a later round draws with the season's seed.
RoundSeedOption = Annotated[int | None, typer.Option(
    min=0, max=SEED_LIMIT - 1,
    help="Seed of the lottery when the input has none [default: 0; later rounds: the season's seed].")]
TieBreakOption = Annotated[str | None, typer.Option(
    "--tie-break",
    help=f"Tie-break chain after tier and score, comma-separated from {', '.join(TIE_BREAK_KEYS)} "
         "[default: lottery].")]
MaxChoicesOption = Annotated[int | None, typer.Option(
    "--max-choices", help="Consider only each student's first N choices [default: all].")]

WorkersOption = Annotated[int | None, typer.Option(
    "--workers", help="Local worker processes [default: the cores available]; 1 runs everything in this process.")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler",
    help="Run on a Dask cluster at this scheduler address (e.g. tcp://10.0.0.5:8786) instead of local processes; "
         "needs the cluster extra: pip install 'admissions[cluster]'.")]

PseudonymiseOption = Annotated[bool, typer.Option(
    "--pseudonymise",
    help=f"Replace student ids in every output by stable keyed pseudonyms (p_ + 16 hex digits of "
         f"HMAC-SHA256); the key comes from ${KEY_ENV} or --pseudonym-key-file and is never written.")]
KeyFileOption = Annotated[Path | None, typer.Option(
    "--pseudonym-key-file",
    help="File holding the pseudonym key (at least 16 bytes); implies --pseudonymise.")]
SharedOutputOption = Annotated[bool, typer.Option(
    "--shared-output",
    help="Make the output files readable by everybody (0644, folders 0755) instead of by you only (0600/0700).")]


def parse_tie_break(text: str | None) -> tuple[str, ...] | None:
    """The --tie-break option, comma-separated keys, as a tuple (None when not given)."""
    return None if text is None else tuple(key.strip() for key in text.split(",") if key.strip())


@contextmanager
def output_options(pseudonymise: bool, key_file: Path | None, shared: bool) -> Iterator[Pseudonymiser | None]:
    """Write every output in the block as the options say; a missing or short key is a clean error."""
    try:
        chosen = pseudonymiser(pseudonymise, key_file)
    except AdmissionsError as exc:
        fail(exc.said({"pseudonymise": option_name(PseudonymiseOption),
                       "pseudonym_key_file": option_name(KeyFileOption)}))
    with output_policy(chosen, shared):
        yield chosen


LanguageOption = Annotated[str | None, typer.Option(
    "--language", help="Language of the documents, sv or en [default: language in admissions.toml, else sv].")]
InputOption = Annotated[Path | None, typer.Option(
    "--input", help="The run's input folder, for names, home municipalities and addresses from students.csv "
                    "and the folder's own admission offices (must be the files the run read) [default: ids only].")]
