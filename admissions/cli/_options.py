"""Options every command that writes outputs shares: pseudonymised student ids and shared file modes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._output import fail
from admissions.errors import AdmissionsError
from admissions.io.policy import output_policy
from admissions.io.pseudonyms import KEY_ENV, Pseudonymiser, pseudonymiser

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
        fail(str(exc))
    with output_policy(chosen, shared):
        yield chosen


LanguageOption = Annotated[str | None, typer.Option(
    "--language", help="Language of the documents, sv or en [default: language in admissions.toml, else sv].")]
InputOption = Annotated[Path | None, typer.Option(
    "--input", help="The run's input folder, for names, home municipalities and addresses from students.csv "
                    "(must be the file the run read) [default: ids only].")]
