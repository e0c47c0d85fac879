"""A finished run as the documents read it: the output folder of ``match`` or ``round --out``,
and, when given, the round's input folder for what only it holds (names, home municipalities,
addresses, its own admission offices).

The documents (lists, letters) never match again: every fact they print comes from
placements.csv, applications.csv, programmes.csv and run.json, the same files ``explain`` reads.
The input's students file (and admission_offices file) is used only when its sha256 is the one
the run recorded, so a list never joins names from another version of the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from admissions.errors import Blank, InvalidArgument, InvalidInput, Step
from admissions.io.contract import ADDRESS_COLUMNS, ADMISSION_OFFICES, STUDENTS, FileSpec
from admissions.io.write import RUN_RECORD
from admissions.io.readers import find_file, read_table
from admissions.io.validate import load_table
from admissions.queries.explain import EXPLAIN_FILES, ExplainTables, check_as_written, read_output
from admissions.reports.language import DEFAULT_LANGUAGE, Texts, check_language, texts
from admissions.season.kinds import RUN_KINDS

#: The students.csv columns a document may show about a student besides the id; only lists and
#: letters read them, never an aggregate output.
PERSON_COLUMNS = ("name", "home_municipality", *ADDRESS_COLUMNS)
#: The round kinds a run record names (``kind`` of a season round; a plain ``match`` otherwise).
ROUND_KINDS = ("match", *RUN_KINDS)


class RunHeading:
    """What every document names about its run (round kind, run, date, seed), read from ``self.record``.

    Shared by :class:`RunFolder` (a finished run's folder) and :class:`RecordHeading` (a run
    record being written, for report.xlsx and report.html).
    """

    @property
    def round_kind(self) -> str:
        kind = self.record.get("kind") or self.record.get("command") or "match"
        return kind if kind in ROUND_KINDS else "match"

    @property
    def run_id(self) -> int | None:
        return self.record.get("run_id")

    @property
    def seed(self) -> int:
        return int(self.record.get("seed", self.record.get("config", {}).get("seed", 0)))

    @property
    def date(self) -> dt.date:
        started = self.record.get("started_at")
        return dt.datetime.fromisoformat(started).date() if started else dt.date.today()

    @property
    def language(self) -> str:
        return self.record.get("config", {}).get("language") or DEFAULT_LANGUAGE

    @property
    def answer_by(self) -> dt.date | None:
        value = self.record.get("config", {}).get("answer_by")
        return dt.date.fromisoformat(value) if value else None

    #: (void_at, void_reason) when the run is void (a season's run, given with allow_void), else None.
    void: tuple[str, str] | None = None

    def heading(self, _: Texts) -> list[tuple[str, str]]:
        """What every document names: round, run, date, seed (label, value) in the document's
        language; first of all, when the run is void, that it is, since when and why."""
        marked = [] if self.void is None else [
            (_("doc.void"), _("doc.void_since", at=self.void[0], reason=self.void[1]))]
        return marked + [
            (_("doc.round"), _(f"round.{self.round_kind}")),
            (_("doc.run"), str(self.run_id) if self.run_id is not None else _("doc.run_single")),
            (_("doc.date"), _.date(self.date)),
            (_("doc.seed"), str(self.seed)),
        ]

    def heading_line(self, _: Texts) -> str:
        """The heading as one line: 'Omgång: Slutlig antagning · Körning: 3 · Datum: 2027-07-01 · Frö: 7'."""
        return " · ".join(f"{label}: {value}" for label, value in self.heading(_))


@dataclass(frozen=True, eq=False)
class RecordHeading(RunHeading):
    """The heading of a run from its run record alone."""

    record: dict


@dataclass(frozen=True, eq=False)
class RunFolder(RunHeading):
    """The tables of one run's output folder (text cells, exact values) and its run record.

    ``students`` has one row per student of placements.csv, indexed by student_id, with the
    PERSON_COLUMNS (empty strings where the input gives none or no input was given).
    ``admission_offices`` is the input folder's own admission_offices file (typed by the
    contract), None when it has none (the lists use the shipped one).
    """

    folder: Path
    record: dict
    placements: pd.DataFrame
    applications: pd.DataFrame
    programmes: pd.DataFrame
    students: pd.DataFrame
    admission_offices: pd.DataFrame | None = None
    void: tuple[str, str] | None = None
    #: The season the run was read from (:func:`season_label`), None for a run's output folder.
    season: str | None = None

    @cached_property
    def explain_tables(self) -> ExplainTables:
        """The run's tables keyed as ``explain`` reads them, built once."""
        return ExplainTables.from_frames(self.placements, self.applications, self.programmes)

    @cached_property
    def people(self) -> dict[str, dict[str, str]]:
        """student_id -> the PERSON_COLUMNS of the student."""
        return self.students.to_dict("index")


#: The calls that write a run's output folder, for the message when a file of it is missing.
_WRITERS = (Step.call("run_match"), Step.call("run_round", out=Blank("OUT")))


def _read_output(folder: Path, name: str) -> pd.DataFrame:
    return read_output(folder, name, writers=_WRITERS, holds=f"{', '.join(EXPLAIN_FILES)} and {RUN_RECORD}")


def season_label(season: Path) -> str:
    """How the documents name a season, however it was given (``--season S`` or its database file
    S/season.sqlite alike): the folder's name when the database has the default name, else the
    database file's name without its suffix (a season kept as 'ht2027.db' is 'ht2027')."""
    from admissions.season.store import DB_NAME, season_path

    database = season_path(Path(season)).resolve()
    return database.parent.name if database.name == DB_NAME else database.stem


def read_run_folder(folder: Path, inputs: Path | None = None, language: str | None = None,
                    void: tuple[str, str] | None = None, season: str | None = None) -> tuple[RunFolder, Texts]:
    """Read a run's output folder (and, when given, the students file of its input folder).

    ``void``: the run's (void_at, void_reason) when it is a void run of a season (every document marks it);
    ``season``: the season's :func:`season_label` when ``folder`` holds a season run's recorded files (the
    documents name the season, not the temporary folder).

    ``language`` overrides the run's (admissions.toml ``language``, default Swedish). Raises
    InvalidArgument when ``folder`` is not a run's output or ``inputs`` holds a students file other
    than the one the run read (its sha256 differs from run.json's).
    """
    folder = Path(folder)
    record_path = folder / RUN_RECORD
    if not record_path.is_file():
        _read_output(folder, RUN_RECORD)
    check_as_written(folder, RUN_RECORD, _WRITERS)
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        source = " or ".join(f"`{step}`" for step in _WRITERS)
        raise InvalidArgument(f"{record_path}: not a run record ({exc}); give the output folder as {source} "
                              "wrote it", steps=_WRITERS) from exc
    placements = _read_output(folder, "placements.csv")
    applications = _read_output(folder, "applications.csv")
    programmes = _read_output(folder, "programmes.csv")
    students = pd.DataFrame({"student_id": placements["student_id"]})
    offices = None
    if inputs is not None:
        students = students.merge(_input_students(Path(inputs), record), on="student_id", how="left")
        offices = _input_offices(Path(inputs), record)
    elif ADMISSION_OFFICES.name in record.get("inputs", {}):
        raise InvalidArgument(
            "{folder}: the run read its input folder's own {file}; give {inputs}, the run's input folder, so "
            "that the documents use the same admission offices", parameters=("inputs",),
            values={"folder": folder, "file": record["inputs"][ADMISSION_OFFICES.name]["file"]})
    for column in PERSON_COLUMNS:
        students[column] = students[column].fillna("") if column in students else ""
    run = RunFolder(folder, record, placements, applications, programmes,
                    students.set_index("student_id")[list(PERSON_COLUMNS)], offices, void, season)
    chosen = language or run.language
    check_language(chosen)
    return run, texts(chosen)


def _input_students(inputs: Path, record: dict) -> pd.DataFrame:
    path, problems = find_file(inputs, STUDENTS)
    if path is None:
        raise InvalidInput(problems) if problems else InvalidArgument(f"{inputs}: has no students file")
    read = read_table(path, STUDENTS.name)
    if read.table is None:
        raise InvalidInput(read.problems)
    _check_recorded(path, STUDENTS, read.table.sha256, record)
    frame = read.table.frame
    columns = ["student_id", *(c for c in PERSON_COLUMNS if c in frame.columns)]
    return frame[columns].astype(object).where(frame[columns].notna(), "").astype(str).map(str.strip)


def _check_recorded(path: Path, spec: FileSpec, sha256: str, record: dict) -> None:
    """InvalidArgument when the run recorded another version of ``spec``'s file than ``path``."""
    recorded = record.get("inputs", {}).get(spec.name, {}).get("sha256")
    if recorded is not None and recorded != sha256:
        what = "students file" if spec is STUDENTS else f"{spec.name} file"
        raise InvalidArgument(
            f"{path}: is not the {what} this run read (sha256 {sha256[:12]}..., "
            f"run.json records {recorded[:12]}...); give the run's own input folder"
        )


def _input_offices(inputs: Path, record: dict) -> pd.DataFrame | None:
    """The input folder's own admission_offices file, checked by the contract (cells and key), or None."""
    path, problems = find_file(inputs, ADMISSION_OFFICES)
    if problems:
        raise InvalidInput(problems)
    if path is None:
        if ADMISSION_OFFICES.name in record.get("inputs", {}):
            raise InvalidArgument(f"{inputs}: has no {record['inputs'][ADMISSION_OFFICES.name]['file']}, which the "
                                  "run read; give the run's own input folder")
        return None
    _check_recorded(path, ADMISSION_OFFICES, hashlib.sha256(path.read_bytes()).hexdigest(), record)
    return load_table(path, ADMISSION_OFFICES)
