"""Decision letters (antagningsbesked): one PDF per student and one merged PDF per home municipality.

A letter says what ``explain`` proves from the run and nothing else: it is built from the same
:func:`admissions.queries.explain.explain_student` facts (each choice's outcome, score and tier,
the offer's cut-off and its tier, the reserve position, the ineligibility reason), put in words
of the document's language from the message catalogue. The answer-by date is ``answer_by`` of
admissions.toml; the name and address come from the optional students.csv columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from reportlab.platypus import PageBreak

from admissions.analysis.executors import run_all
from admissions.io.write import write_csv
from admissions.reports import pdf
from admissions.queries.explain import ChoiceExplained, explain_facts, reserve_reason
from admissions.reports.language import Texts
from admissions.reports.file_names import file_stem, slug, unique_names
from admissions.reports.lists import tier_text
from admissions.reports.run_folder import RunFolder
from admissions.reports.reasons import reason_text


@dataclass(frozen=True)
class Letter:
    """One student's letter: the address block and the paragraphs, in the document's language."""

    student_id: str
    home_municipality: str
    address: tuple[str, ...]
    title: str
    paragraphs: tuple[str, ...]
    heading_at: int = -1  # index of the paragraph that heads the choices


def _tier(tier: int | None, _: Texts) -> str:
    return "" if tier is None else tier_text(str(tier), _)


def choice_paragraph(c: ChoiceExplained, _: Texts) -> str:
    """One choice in words: the offer, the outcome and the figures that decided it."""
    head = _("letter.choice", rank=c.choice_rank, programme_id=c.programme_id, programme=c.offer)
    score = _("letter.score", score=_.number(c.score), tier=_tier(c.tier, _)) if c.score is not None else ""
    if c.cutoff_merit is not None:
        cutoff = _("letter.cutoff", cutoff=_.number(c.cutoff_merit), tier=_tier(c.cutoff_tier, _))
    elif c.reserves:
        cutoff = _("letter.no_cutoff_none_by_merit")
    else:
        cutoff = _("letter.no_cutoff")
    if c.outcome == "admitted":
        body = " ".join([_("outcome.admitted"), score, cutoff])
    elif c.outcome == "reserve":
        reason = reserve_reason(c)
        gap = (c.cutoff_merit or 0) - (c.score or 0)
        why = "" if reason is None else _(f"letter.reserve_{reason}", count=gap, tier=_tier(c.cutoff_tier, _),
                                          n=_.number(gap))
        position = (_("outcome.reserve_position", position=c.reserve_position) if c.reserve_position
                    else _("outcome.reserve"))
        body = " ".join([position, score, cutoff, why])
    elif c.outcome == "ineligible":
        body = _("outcome.ineligible", reason=reason_text(c.ineligible_reason, _) or "–")
    elif c.outcome in ("not_reached", "not_considered", "declined", "given_up", "withdrawn"):
        body = _(f"outcome.{c.outcome}")
    else:
        body = c.outcome
    return f"{head} {' '.join(body.split())}"


def letter(run: RunFolder, student_id: str, _: Texts) -> Letter:
    """The letter of one student, from explain's facts about them in this run."""
    placed, choices = explain_facts(run.folder, student_id, run.explain_tables)
    person = run.people[student_id]
    paragraphs = [run.heading_line(_), _("letter.student", student_id=student_id)]
    if placed is not None:
        offer = next((c for c in choices if c.choice_rank == placed), None)
        paragraphs.append(_("letter.result_admitted", programme_id=offer.programme_id,
                            programme=offer.offer, rank=placed))
    else:
        paragraphs.append(_("letter.result_none"))
    reserve_on = [c.programme_id for c in choices if c.outcome == "reserve"]
    if reserve_on:
        paragraphs.append(_("letter.result_reserves", offers=", ".join(reserve_on)))
    if not choices:
        paragraphs.append(_("letter.no_choices"))
    heading_at = -1
    if choices:  # no heading over nothing: "Du gjorde inga val." says it
        heading_at = len(paragraphs)
        paragraphs.append(_("letter.choices_heading"))
        paragraphs += [choice_paragraph(c, _) for c in choices]
    answer_by = run.answer_by
    paragraphs.append(_("letter.answer_by", date=_.date(answer_by)) if answer_by and placed is not None
                      else _("letter.answer_none") if placed is not None else _("letter.next_unplaced"))
    if reserve_on:
        paragraphs.append(_("letter.next_reserve"))
    paragraphs.append(_("letter.rules"))
    address = tuple(x for x in (person["name"], person["address"],
                                f"{person['postal_code']} {person['city']}".strip()) if x)
    return Letter(student_id, person["home_municipality"], address, _("letter.title"), tuple(paragraphs), heading_at)


def _story(l: Letter) -> list:
    story = [pdf.text(line, "body") for line in l.address]
    story += [pdf.space(8), pdf.text(l.title, "title")]
    first, *rest = l.paragraphs
    story.append(pdf.text(first, "small"))
    story += [pdf.text(p, "heading" if i == l.heading_at else "body") for i, p in enumerate(rest, 1)]
    return story


#: Letters per task of the per-student files: big enough that a worker's start-up and the pickling
#: of the letters are small beside the layout (about 20 ms a letter), small enough to share out.
LETTERS_PER_TASK = 100


#: The letters' index: each student's id and the file of their letter (``student_id,file``).
LETTER_INDEX = "index.csv"


def write_letters(run: RunFolder, _: Texts, out: Path, workers: int | None = None) -> dict[str, int]:
    """Write students/ID.pdf for every student, municipalities/SLUG.pdf (their letters merged) and
    index.csv (LETTER_INDEX: each student's file; an id may give another file name, see
    :func:`admissions.reports.file_names.unique_names`).

    The letters are put in words here; laying them out as PDF (nearly all the time: about 20 ms a
    letter, twice, since each municipality file sets its letters again) is shared out over
    ``workers`` processes (default: every core this process may use, see
    :func:`admissions.analysis.executors.run_all`). Each file is laid out whole by one process, so
    the bytes do not depend on the number of workers.
    """
    (out / "students").mkdir()
    (out / "municipalities").mkdir()
    by_home: dict[str, list[Letter]] = {}
    students: list[tuple[str, list[Letter]]] = []
    ids = list(run.placements["student_id"])
    files = [f"students/{name}.pdf" for name in unique_names((file_stem(i) for i in ids), ids)]
    for student_id, file in zip(ids, files):
        one = letter(run, student_id, _)
        students.append((str(out / file), [one]))
        by_home.setdefault(one.home_municipality, []).append(one)
    # A file name is not always the id (Ö1 is students/O1-2.pdf beside a student O1): the index says
    # which file is whose, so that no student is sent another's letter.
    write_csv(pd.DataFrame({"student_id": ids, "file": files}, dtype=object), out / LETTER_INDEX)
    homes = sorted(by_home.items())
    merged = [(str(out / "municipalities" / f"{name}.pdf"), letters) for (_home, letters), name
              in zip(homes, unique_names(slug(home) if home else "unknown" for home, _letters in homes))]
    # The largest files first, so that no worker is left with a long file at the end.
    tasks = sorted(([m] for m in merged), key=lambda t: -len(t[0][1]))
    tasks += [students[i:i + LETTERS_PER_TASK] for i in range(0, len(students), LETTERS_PER_TASK)]
    run_all(_lay_out, (run.heading_line(_), _("doc.page")), tasks, workers=workers)
    return {"letters": len(run.placements), "municipalities": len(by_home)}


def _lay_out(shared: tuple[str, str], files: list[tuple[str, list[Letter]]]) -> None:
    """Lay out each (path, letters) of ``files`` as one PDF, a page break between letters."""
    footer, page_label = shared
    for path, letters in files:
        story: list = []
        for i, one in enumerate(letters):
            if i:
                story.append(PageBreak())
            story += _story(one)
        pdf.build(Path(path), story, letters[0].title, footer, page_label)
