"""The message catalogue: complete in Swedish and English, and numbers and dates per language."""

from __future__ import annotations

import functools
from pathlib import Path

import datetime as dt
import pytest
from babel.messages.extract import extract_from_dir

from admissions.reports.language import COUNTED, LANGUAGES, ONE, catalogue, texts
from admissions.reports.reasons import reason_text
from admissions.reports.run_folder import ROUND_KINDS
from admissions.reports.placements import OUTCOMES
from admissions.reports.analysis_pages import LOTTERY_FIGURES, PAGE_COLUMNS, PLAN_FIGURES
from admissions.reports.workbook import LEVELS, REPORT_COLUMNS, SHEET_KEYS, WORD_COLUMNS, column_header, header_key, header_keys
from admissions.rules.eligibility import REASONS
from admissions.rules.guarantee import GUARANTEED_TIER
from admissions.rules.lottery import LOTTERY_SOURCES
from admissions.rules.selection import TIER_NAMES
from admissions.queries.explain import RESERVE_REASON_TEXTS

PACKAGE = Path(__file__).resolve().parents[2] / "admissions"
#: Keys the code builds from a vocabulary (f"round.{kind}"), which extraction cannot see.
DYNAMIC = (
    {f"round.{kind}" for kind in ROUND_KINDS}
    | {f"tier.{tier}" for tier in (GUARANTEED_TIER, *TIER_NAMES)}
    | {f"letter.reserve_{reason}" for reason in RESERVE_REASON_TEXTS}  # explain's reasons, declared once
    | {f"outcome.{o}" for o in ("not_reached", "not_considered", "declined", "given_up", "withdrawn")}
    | {f"reason.{code}" for code in REASONS}  # the ineligibility reasons, declared once
    | {"format.date", "format.sek"}  # Texts.date and Texts.sek look them up as self(...)
    | {header_key(c) for columns in REPORT_COLUMNS.values() for c in columns}  # report.xlsx headers
    | {f"level.{level}" for level in LEVELS}
    | set(SHEET_KEYS.values())
    | {"format.sek_xlsx"}
    | {f"html.rank_{label}" for label in ("1st", "2nd", "3rd", "4th_or_later", "unplaced")}  # report.html's bars
    | {f"lottery_source.{key}" for key in LOTTERY_SOURCES}  # report.html's line under the title
    | {key + ONE for key in COUNTED}  # the singular twins, chosen by _(KEY, count=1)
    # The analyses' pages: their tables' headers (a column's own, or its stem's and suffix's), truth values,
    # and the rows of their figure tables.
    | {key for columns in PAGE_COLUMNS.values() for c in columns for key in header_keys(c, texts("sv"))}
    | {f"bool.{value}" for value in ("true", "false") if "bool" in WORD_COLUMNS.values()}
    | set(LOTTERY_FIGURES) | set(PLAN_FIGURES)
    | {f"outcome_word.{o}" for o in OUTCOMES}  # report.xlsx's applications sheet
)


@functools.cache
def used_keys() -> frozenset[str]:
    """Every literal key passed to ``_(...)`` or ``_.counted(...)`` in the package's source (extracted once per session)."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            PACKAGE, method_map=[("**.py", "python")], keywords={"_": None, "counted": None}):
        key = message if isinstance(message, str) else message[0]
        if key and "{" not in key:
            found.add(key)
    return frozenset(found)


def test_the_code_uses_keys_and_the_dynamic_ones_are_found():
    used = used_keys()
    assert {"letter.title", "col.student_id", "lists.office_title", "doc.page"} <= used
    assert len(used) > 60


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_is_translated(language):
    messages = {m.id: m.string for m in catalogue(language) if m.id}
    missing = sorted(k for k in used_keys() | DYNAMIC if not messages.get(k, "").strip())
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_declared_once(language):
    """A key twice in a catalogue is read as the last one, silently (col.orientation was there twice)."""
    from admissions.reports.language import catalogue_path

    keys = [line for line in catalogue_path(language).read_text(encoding="utf-8").splitlines()
            if line.startswith("msgid ")]
    assert sorted({k for k in keys if keys.count(k) > 1}) == []


def test_both_catalogues_have_the_same_keys_and_placeholders():
    import string

    sv = {m.id: m.string for m in catalogue("sv") if m.id}
    en = {m.id: m.string for m in catalogue("en") if m.id}
    assert set(sv) == set(en)
    unused = sorted(set(sv) - used_keys() - DYNAMIC)
    assert unused == []

    def fields(text):
        return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)

    assert {k: fields(v) for k, v in sv.items()} == {k: fields(v) for k, v in en.items()}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_column_of_the_analyses_pages_has_a_header(language):
    """whatif.html, sweep.html, plan.html and lottery.html head their tables in the page's language: no
    column falls back to its CSV name."""
    _ = texts(language)
    columns = {c for columns in PAGE_COLUMNS.values() for c in columns}
    assert sorted(c for c in columns if column_header(c, _) == c) == []


def test_a_derived_column_is_headed_from_its_stem():
    sv, en = texts("sv"), texts("en")
    assert column_header("seats_before", sv) == "Platser före"
    assert column_header("applicants_low", sv) == "Sökande, nedre gräns"
    assert column_header("pays_sek_high", sv) == "Betalar per år, övre gräns"
    assert column_header("seats_before", en) == "Seats before"
    assert column_header("applicants_low", en) == "Applicants, low"
    assert header_keys("cutoff_tier_after", sv) == ("col.cutoff_tier", "col.derived_after")
    assert column_header("no_such_column_before", sv) == "no_such_column_before"


def test_swedish_numbers_percentages_dates():
    _ = texts("sv")
    assert _.number(12345) == "12\u00a0345"
    assert _.number(237.5) == "237,5"
    assert _.number(261.25) == "261,25"
    assert _.percent(0.788) == "78,8\u00a0%"
    # Halves round away from zero, as report.xlsx's number formats do (not to even).
    assert _.percent(0.8165) == "81,7\u00a0%"
    assert _.number(0.125) == "0,13"
    assert _.number(-2.5, decimals=0) == "-3"
    assert _.date(dt.date(2027, 7, 1)) == "2027-07-01"
    assert _.sek(3956200) == "3\u00a0956\u00a0200 kr"
    assert _("outcome.reserve_position", position=3).startswith("Reserv nummer 3 ")


def test_english_numbers_percentages_dates():
    _ = texts("en")
    assert _.number(12345) == "12,345"
    assert _.number(237.5) == "237.5"
    assert _.percent(0.788) == "78.8%"
    assert _.date(dt.date(2027, 7, 1)) == "1 July 2027"
    assert _.sek(3956200) == "SEK 3,956,200"
    assert _("letter.title") == "Admission decision"


def test_an_unknown_language_is_refused():
    from admissions.errors import ConfigError

    with pytest.raises(ConfigError, match="language == 'de', must be one of sv, en"):
        texts("de")


def test_every_ineligibility_reason_reads_back_and_has_its_words_in_every_language():
    from admissions.rules.eligibility import parse_reasons, reason_text

    fields = {"subject": "English", "codes": "EN", "have": "4", "need": "5"}
    for code, template in REASONS.items():
        given = {k: v for k, v in fields.items() if "{" + k + "}" in template}
        assert parse_reasons(reason_text(code, **given)) == [(code, given)]
        for language in LANGUAGES:
            assert texts(language)(f"reason.{code}", n=given.get("have", ""), **given)
    assert parse_reasons("no pass in English (EN); 4 other passed subjects, needs 5; something new") == [
        ("no_pass", {"subject": "English", "codes": "EN"}), ("others", {"have": "4", "need": "5"}),
        (None, "something new")]


@pytest.mark.parametrize("language, key, values, plural, one", [
    # "1 elever", "1 students": every count took the plural form.
    ("sv", "html.n_students", {"n": "1"}, "2 elever", "1 elev"),
    ("en", "html.n_students", {"n": "1"}, "2 students", "1 student"),
    ("sv", "html.card_first", {"n": "1"}, "2 elever fick sitt förstahandsval", "1 elev fick sitt förstahandsval"),
    ("en", "html.card_cutoff", {"n": "1"}, "of 2 offers have more eligible applicants than seats",
     "of 1 offer has more eligible applicants than seats"),
    ("sv", "reason.others", {"n": "1", "need": "5"}, "godkänt i 2 andra ämnen, kravet är 5",
     "godkänt i 1 annat ämne, kravet är 5"),
    ("en", "letter.reserve_below", {"n": "1"}, "Your score was 2 points below the cut-off.",
     "Your score was 1 point below the cut-off."),
])
def test_a_count_of_one_takes_the_singular(language, key, values, plural, one):
    _ = texts(language)
    assert _(key, count=1, **values) == one
    two = {name: ("2" if value == "1" else value) for name, value in values.items()}
    assert _(key, count=2, **two) == plural
    assert _(key, count=0, **values) != one and _(key, count=2.5, **values) != one


def counted_keys() -> frozenset[str]:
    """Every literal key passed to ``_.counted(...)`` in the package's source."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            PACKAGE, method_map=[("**.py", "python")], keywords={"counted": None}):
        key = message if isinstance(message, str) else message[0]
        if key and "{" not in key:
            found.add(key)
    return frozenset(found)


def test_every_counted_message_says_its_number_as_n_in_both_languages():
    """reason.others said its count as {have} and letter.reserve_below as {gap}, where every other
    COUNTED message (and Texts.counted) has {n}."""
    used = counted_keys()
    assert {"html.n_students", "lottery.title", "plan.note_verified"} <= used
    assert sorted(used - set(COUNTED)) == []
    for language in LANGUAGES:
        messages = {m.id: m.string for m in catalogue(language) if m.id}
        assert [key for key in sorted(set(COUNTED) | used) for k in (key, key + ONE)
                if "{n}" not in messages.get(k, "")] == []
    assert reason_text("3 other passed subjects, needs 5", texts("en")) == "passes in 3 other subjects, 5 needed"
    assert reason_text("1 other passed subject, needs 5", texts("sv")) == "godkänt i 1 annat ämne, kravet är 5"


def test_every_counted_message_has_its_singular_in_both_languages():
    for language in LANGUAGES:
        keys = texts(language).keys
        assert [key for key in COUNTED if key not in keys or key + ONE not in keys] == []


def test_a_counted_message_writes_its_count_as_the_language_writes_a_whole_number():
    """Texts.counted: the one way the pages fill a count, where each wrote
    _(key, count=n, n=format_number(n, 0, separators(_))) with its own placeholder name."""
    assert texts("sv").counted("html.n_students", 12345) == "12\xa0345 elever"
    assert texts("en").counted("html.n_students", 12345) == "12,345 students"
    assert texts("sv").counted("page.n_offers", 1) == "1 utbildning"
    assert texts("en").counted("lottery.title", 1, seed=7) == "Lottery: 1 draw, seed 7"
    assert texts("sv").counted("lottery.title", 1000, seed=7) == "Lottning: 1\xa0000 dragningar, frö 7"
    assert texts("en").counted("plan.note_verified", 2, matchings="3") == (
        "Figures verified by the real matching (3 matchings, 2 repair steps).")
    assert texts("en").counted("html.cost_at_least", 1, amount="SEK 5") == "at least SEK 5; 1 student without a price"
