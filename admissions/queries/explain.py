"""Why a student got the place they got: each choice's outcome in plain words, from a match's output folder.

Reads OUT/placements.csv, OUT/applications.csv and OUT/programmes.csv as ``admissions match``
wrote them; nothing is matched again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from admissions.errors import InvalidArgument, Step
from admissions.io.atomic import MANIFEST, changed_since_written
from admissions.io.formulas import unescape_frame
from admissions.io.readers import as_read
from admissions.rules.guarantee import GUARANTEED_TIER
from admissions.rules.selection import TIER_NAMES

EXPLAIN_FILES = ("placements.csv", "applications.csv", "programmes.csv")
#: The columns of a run's output files that explain, the lists and the letters read: a file without
#: one of them (of another tool, or cut down by hand) is refused by name, not met as a KeyError.
OUTPUT_COLUMNS = {
    "placements.csv": ("student_id", "programme_id", "choice_rank"),
    "applications.csv": ("student_id", "choice_rank", "programme_id", "eligible", "ineligible_reason", "tier",
                         "score", "outcome", "reserve_position"),
    "programmes.csv": ("programme_id", "school", "municipality", "programme_code", "orientation", "seats",
                       "first_choice_applicants", "applicants", "eligible_applicants", "admitted", "reserves",
                       "vacant_seats", "cutoff_merit", "cutoff_tier", "median_admitted_merit"),
}


@dataclass(frozen=True)
class ChoiceExplained:
    """One choice of the student, as applications.csv and programmes.csv give it."""

    choice_rank: int
    programme_id: str
    programme: str  # "NA Naturvetenskap at Malmö Latinskola in Malmö"
    outcome: str
    ineligible_reason: str
    tier: int | None
    score: float | None
    reserve_position: int | None
    cutoff_merit: float | None
    cutoff_tier: int | None
    admitted: int | None
    seats: int | None
    reserves: int | None = None
    offer: str = ""  # "NA Naturvetenskap, Malmö Latinskola, Malmö": the same without English words

    def sentences(self) -> str:
        """The choice in plain words."""
        head = f"{ordinal(self.choice_rank)} choice, {self.programme_id} ({self.programme}): "
        return head + _outcome_text(self)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def tier_name(tier: int | None) -> str:
    if tier is None:
        return "no tier"
    if tier == GUARANTEED_TIER:
        return "holding the seat from an earlier round"
    return TIER_NAMES.get(tier, f"tier {tier}") + " applicant"


def points(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _cutoff_text(c: ChoiceExplained) -> str:
    if c.cutoff_merit is None and c.reserves:
        return (f"Nobody was admitted there by merit value ({c.seats} seat{'s' if c.seats != 1 else ''}, "
                f"{c.admitted} admitted in all), so it has no cut-off.")
    if c.cutoff_merit is None:
        return ("The programme was not oversubscribed: every eligible applicant who wanted it more than "
                "their place got a seat, so it has no cut-off.")
    return (f"The lowest admitted score (cut-off, antagningspoäng) was {points(c.cutoff_merit)} "
            f"({tier_name(c.cutoff_tier)}).")


def _score_text(c: ChoiceExplained) -> str:
    if c.score is None:
        return ""
    return f"Your score there was {points(c.score)} ({tier_name(c.tier)})."


#: Why a reserve was not admitted, by reserve_reason; {tier} is the cut-off's tier, {gap} the points missing.
RESERVE_REASON_TEXTS = {
    "tier": (" Applicants of a better priority group ({tier}) filled the seats first: a seat goes to your "
             "group only when every eligible applicant before it has one."),
    "below": " Your score was {gap} below the cut-off.",
    "tie": " Your score equals the cut-off: the tie-break (lottery) put the last admitted before you.",
    "quota": (" Your score is above the ordinary cut-off, but the seat you missed was in a quota "
              "(aptitude test or free quota) with its own order."),
    "no_seats": (" The programme has no seats in this round: no one is admitted to it, and you stay in line "
                 "in case seats are added."),
}


def reserve_reason(c: ChoiceExplained) -> str | None:
    """Why a reserve was not admitted, as far as the run shows it: "tier" (a better priority group
    filled the seats), "below" (score below the cut-off), "tie" (equal score, the tie-break decided),
    "quota" (above the ordinary cut-off, the seat was in a quota), "no_seats" (the offer has none in
    this round: no seat can free up); None without a cut-off."""
    if c.seats == 0:
        return "no_seats"
    if c.cutoff_merit is None or c.tier is None or c.score is None:
        return None
    if c.cutoff_tier is not None and c.tier > c.cutoff_tier:
        return "tier"
    if c.score < c.cutoff_merit:
        return "below"
    if c.score == c.cutoff_merit:
        return "tie"
    return "quota"


def _outcome_text(c: ChoiceExplained) -> str:
    if c.outcome == "admitted":
        return f"admitted. {_score_text(c)} {_cutoff_text(c)}".strip()
    if c.outcome == "reserve":
        reason = reserve_reason(c)
        gap = None if c.cutoff_merit is None or c.score is None else points(c.cutoff_merit - c.score)
        why = "" if reason is None else RESERVE_REASON_TEXTS[reason].format(tier=tier_name(c.cutoff_tier), gap=gap)
        position = f"number {c.reserve_position} in line" if c.reserve_position else "in line"
        return (f"reserve, {position} (a seat that frees up goes to the first in line). "
                f"{_score_text(c)} {_cutoff_text(c)}{why}").strip()
    if c.outcome == "not_reached":
        return ("not tried: you were admitted to a choice you ranked higher, so this and every lower choice "
                "were struck.")
    if c.outcome == "ineligible":
        reason = f" ({c.ineligible_reason})" if c.ineligible_reason else ""
        return f"not eligible{reason}, so this choice was not tried."
    if c.outcome == "not_considered":
        return "not considered: it is beyond the number of choices the round takes into account."
    if c.outcome == "declined":
        return "declined: you gave up this place (and every lower choice) in an answer."
    if c.outcome == "given_up":
        return "given up with the higher choice you declined."
    if c.outcome == "withdrawn":
        return "withdrawn: you left the admission."
    return f"{c.outcome}."


def read_output(folder: Path, name: str, *, writers: tuple[Step, ...] = (Step.call("run_match"),),
                holds: str = ", ".join(EXPLAIN_FILES)) -> pd.DataFrame:
    """One CSV file of a run's output folder, every cell as text; InvalidArgument naming ``writers``
    (the calls that write such a folder) and the files it ``holds`` when the file is not there."""
    path = folder / name
    source = " or ".join(f"`{step}`" for step in writers)
    if not path.is_file():
        raise InvalidArgument(f"{folder}: has no {name}; give the output folder of {source} (it holds {holds})",
                              steps=writers)
    check_as_written(folder, name, writers)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' ParserError and EmptyDataError are ValueErrors
        raise InvalidArgument(f"{path}: cannot be read as CSV ({' '.join(str(exc).split())}); give the output "
                              f"folder as {source} wrote it", steps=writers) from exc
    missing = [column for column in OUTPUT_COLUMNS.get(name, ()) if column not in frame.columns]
    if missing:
        raise InvalidArgument(f"{path}: has no column {', '.join(missing)}; give the output folder as {source} "
                              "wrote it", steps=writers)
    # The CSV escapes cells a spreadsheet would run as formulas ('=...): give back the exact values.
    return unescape_frame(frame)


def check_as_written(folder: Path, name: str, writers: tuple[Step, ...] = (Step.call("run_match"),)) -> None:
    """Raise InvalidArgument when the file ``name`` of a run's output folder is not what its
    manifest.json says was written (saved from Excel, edited, cut short): what is read from it would
    not be what the run computed."""
    if changed_since_written(folder, name):
        source = " or ".join(f"`{step}`" for step in writers)
        raise InvalidArgument(f"{Path(folder) / name}: changed since it was written (its sha256 is not the one "
                              f"{MANIFEST} lists); give the output folder as {source} wrote it", steps=writers)


def _number(text: str) -> float | None:
    return float(text) if text != "" else None


def _integer(text: str) -> int | None:
    return int(float(text)) if text != "" else None


@dataclass(frozen=True)
class ExplainTables:
    """A match output's placements, applications and programmes, keyed for one lookup per student.

    ``placed``: student_id -> placements row; ``choices``: student_id -> their applications rows in
    choice order; ``offers``: programme_id -> programmes row (rows as dicts of exact text values).
    Built once, so that explaining every student of a round (the letters) costs one pass.
    """

    placed: dict[str, dict]
    choices: dict[str, list[dict]]
    offers: dict[str, dict]

    @classmethod
    def from_frames(cls, placements: pd.DataFrame, applications: pd.DataFrame,
                    programmes: pd.DataFrame) -> ExplainTables:
        choices: dict[str, list[dict]] = {}
        for app in applications.to_dict("records"):
            choices.setdefault(app["student_id"], []).append(app)
        for rows in choices.values():
            rows.sort(key=lambda app: int(app["choice_rank"]))
        return cls(
            placed={row["student_id"]: row for row in placements.to_dict("records")},
            choices=choices,
            offers={row["programme_id"]: row for row in programmes.to_dict("records")},
        )


def read_explain_tables(folder: Path) -> ExplainTables:
    """placements, applications and programmes of a match output, with their exact values, keyed."""
    return ExplainTables.from_frames(*(read_output(Path(folder), name) for name in EXPLAIN_FILES))


def explain_facts(
    folder: Path, student_id: str, tables: ExplainTables | None = None, source: str | None = None,
) -> tuple[int | None, list[ChoiceExplained]]:
    """The choice rank the student is placed on (None: no place) and each of their choices with its figures.

    ``tables`` are the folder's tables (read here when not given; the letters read them once for
    every student). Raises InvalidArgument when ``folder`` is not a match output or the student is
    not in it.
    """
    folder = Path(folder)
    student_id = as_read(student_id)  # as the files' ids were read
    if tables is None:
        tables = read_explain_tables(folder)
    placed = tables.placed.get(student_id)
    if placed is None:
        from admissions.io.validate import did_you_mean

        raise InvalidArgument(f"student_id == {student_id!r}, must be a student of {source or folder / 'placements.csv'}"
                              + did_you_mean(student_id, list(tables.placed)))
    choices = []
    for app in tables.choices.get(student_id, []):
        offer = tables.offers.get(app["programme_id"])
        if offer is not None:
            what = " ".join(part for part in (offer["programme_code"], offer["orientation"]) if part)
            label = f"{what} at {offer['school']} in {offer['municipality']}"
            where = f"{what}, {offer['school']}, {offer['municipality']}"
        else:
            label = where = "programme not in programmes.csv"
        choices.append(ChoiceExplained(
            choice_rank=int(app["choice_rank"]),
            programme_id=app["programme_id"],
            programme=label,
            offer=where,
            outcome=app["outcome"],
            ineligible_reason=app["ineligible_reason"],
            tier=_integer(app["tier"]),
            score=_number(app["score"]),
            reserve_position=_integer(app["reserve_position"]),
            cutoff_merit=_number(offer["cutoff_merit"]) if offer is not None else None,
            cutoff_tier=_integer(offer["cutoff_tier"]) if offer is not None else None,
            admitted=_integer(offer["admitted"]) if offer is not None else None,
            seats=_integer(offer["seats"]) if offer is not None else None,
            reserves=_integer(offer["reserves"]) if offer is not None else None,
        ))
    return (int(placed["choice_rank"]) if placed["programme_id"] else None), choices


def explain_student(folder: Path, student_id: str, held: tuple[int, str, str] | None = None, *,
                    source: str | None = None, shown_as: str | None = None) -> tuple[str, list[ChoiceExplained]]:
    """The student's placement in one sentence, and each of their choices with its figures.

    ``held``: (run, kind, programme_id) of the seat the student held when this round (a reserve or
    trial round of a season) started. ``source``: what ``folder`` holds, for the message when the
    student is not in it (a season's run, written to a temporary folder); ``shown_as``: the name
    the summary gives the student (a pseudonym). Raises InvalidArgument when ``folder`` is not a
    match output or the student is not in it.
    """
    student_id = as_read(student_id)  # named as the files name them
    rank, choices = explain_facts(folder, student_id, source=source)
    shown = shown_as or student_id
    offer = None
    if rank is not None:
        offer = next((c for c in choices if c.choice_rank == rank), None)
        where = f"{offer.programme_id} ({offer.programme})" if offer else "?"
        summary = f"Student {shown} is admitted to {where}, their {ordinal(rank)} choice."
    else:
        summary = f"Student {shown} has no place in this round."
    if held is not None:
        run, kind, programme_id = held
        if offer is not None and offer.programme_id == programme_id:
            summary += (f" They held this seat from run {run} ({kind}): a held seat is kept in every later "
                        "round unless they answer otherwise.")
        elif offer is not None:
            summary += f" They held {programme_id} from run {run} ({kind}) and moved up to a higher choice."
        else:
            summary += f" They held {programme_id} from run {run} ({kind}) and gave it up in an answer."
    if not choices:
        summary += " They made no choices."
    return summary, choices


def explain_text(folder: Path, student_id: str, held: tuple[int, str, str] | None = None, *,
                 source: str | None = None, shown_as: str | None = None) -> str:
    """The explanation as text an officer can read out: the summary, then one paragraph per choice
    (``held``: see :func:`explain_student`)."""
    summary, choices = explain_student(folder, student_id, held, source=source, shown_as=shown_as)
    return "\n".join([summary, *(c.sentences() for c in choices)]) + "\n"
