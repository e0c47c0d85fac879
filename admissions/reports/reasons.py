"""Why an application is not eligible, in the document's language.

applications.csv writes the reasons in English, part by part (``REASONS`` of
admissions.rules.eligibility); a document says each declared part as its catalogue message
``reason.CODE`` (the letters, and report.xlsx's applications sheet).
"""

from __future__ import annotations

from admissions.reports.language import Texts
from admissions.rules.eligibility import parse_reasons


def reason_text(reason: str, _: Texts) -> str:
    """The ineligibility reason of applications.csv in the document's language, part by part: each
    declared reason (admissions.rules.eligibility.REASONS) as its catalogue message ``reason.CODE``."""
    # A counted reason (others) says its count as {n}, as every COUNTED message does.
    return "; ".join(part if code is None else _(f"reason.{code}", count=_count(part.get("have")),
                                                 n=part.get("have", ""), **part)
                     for code, part in parse_reasons(reason))  # unknown: as the run wrote it


def _count(text: str | None) -> float | None:
    """The number a reason's count field holds (``have`` of ``others``), None when it holds none."""
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None
