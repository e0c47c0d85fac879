"""The region's published statistics: one row per offer for the preliminary, final and latest reserve round.

``admissions statistics --season S --out DIR`` writes, from the runs recorded in the season:

- ``statistics.csv`` (for programs: the contract's English column names, plain numbers): one row
  per offer (utbildning) with ``programme_id``, ``programme_code``, ``programme`` (the programme's
  name), ``orientation``, ``school``, ``municipality``, ``seats`` and ``first_choice_applicants``
  (from the latest of the three rounds), then for each ROUND of ``preliminary``, ``final`` and
  ``reserve``: ``ROUND_admitted``, ``ROUND_reserves``, ``ROUND_lowest_merit``,
  ``ROUND_average_merit`` and ``ROUND_code``;
- ``statistics.xlsx`` and ``statistics.html``: the same table with headers in the document
  language (Swedish by default), with the round, run and date of each round, the suppression rule
  and the codes stated in the file;
- ``statistics-notes.json``: the rule, the codes and the runs read, for programs (the CSV itself
  carries no comment lines);
- ``run.json`` and ``manifest.json`` as every command that writes a folder.

The three rounds are the newest valid preliminary run, the valid final run and the newest valid
reserve run of the season; a round the season does not have yet leaves its columns empty.

Merit (meritvärde) is the student's merit value as the round used it, never with test points
(an offer with an aptitude test ranks by merit plus test points: that score is not a merit value).
``ROUND_lowest_merit`` and ``ROUND_average_merit`` are the lowest and the mean merit value of the
students admitted to the offer after the round (holders of a seat included), over those with a
merit value (a free-quota student may have none); the mean is rounded to 2 decimals.

Where no cut-off applies, ``ROUND_code`` holds one of CUTOFF_CODES and ``ROUND_lowest_merit``
is empty (the lowest admitted merit is then not a cut-off); the first that applies wins:

- ``IA`` (inga antagna): no one admitted;
- ``FP`` (färdighetsprov): admitted by test points: the offer ranked by merit plus aptitude test
  points (some admitted student's score is not their merit value);
- ``AB`` (alla behöriga antagna): every eligible applicant was admitted (no reserve is left).

Suppression (as Skolverket publishes): a cell describing fewer than SUPPRESS_BELOW students is
shown as ``..``: a count of first-choice applicants, admitted or reserves from 1 to 4, and the
lowest and average merit where fewer than 5 admitted students have a merit value. Zero is shown
(it describes no one); seats are never suppressed. No student-level data: these files are
published.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from admissions.io.write import write_csv, write_json
from admissions.io.xlsx import write_xlsx
from admissions.io.programme_types import load_programme_types
from admissions.reports.language import DEFAULT_LANGUAGE, Texts, check_language, texts
from admissions.reports.run_folder import season_label

#: The rounds the region publishes, in order: the season's run kind of each.
ROUNDS = ("preliminary", "final", "reserve")
#: Codes where no cut-off applies (in this order of precedence), with their meaning.
CUTOFF_CODES = {
    "IA": "no one admitted (inga antagna)",
    "FP": "admitted by aptitude test points (färdighetsprov); the lowest merit value is not the cut-off",
    "AB": "all eligible applicants admitted (alla behöriga antagna); no cut-off",
}
#: A cell describing fewer students than this is suppressed.
SUPPRESS_BELOW = 5
#: What a suppressed cell shows.
SUPPRESSED = ".."
SUPPRESSION_RULE = (f"A cell describing fewer than {SUPPRESS_BELOW} students is shown as '{SUPPRESSED}': "
                    f"counts of first-choice applicants, admitted and reserves from 1 to {SUPPRESS_BELOW - 1}, "
                    f"and the lowest and average merit value where fewer than {SUPPRESS_BELOW} admitted "
                    f"students have a merit value. Zero is shown; seats are never suppressed.")
OFFER_COLUMNS = ("programme_id", "programme_code", "programme", "orientation", "school", "municipality",
                 "seats", "first_choice_applicants")
ROUND_FIELDS = ("admitted", "reserves", "lowest_merit", "average_merit", "code")
STATISTICS_COLUMNS = OFFER_COLUMNS + tuple(f"{r}_{f}" for r in ROUNDS for f in ROUND_FIELDS)
NOTES_FILE = "statistics-notes.json"


@dataclass(frozen=True)
class SeasonRound:
    """One recorded run read for the statistics: its programmes.csv and its admitted students' merit."""

    kind: str
    run_id: int
    started_at: str
    programmes: pd.DataFrame  # the run's programmes.csv, text cells
    admitted: pd.DataFrame  # programme_id, merit, score of every admitted student


def read_season_rounds(season: Path) -> dict[str, SeasonRound | None]:
    """The newest valid preliminary, the final and the newest valid reserve run of ``season`` (None where absent)."""
    from admissions.season import store
    from admissions.errors import Step
    from admissions.season.store import SeasonError

    connection = store.connect(Path(season))
    try:
        rounds: dict[str, SeasonRound | None] = {}
        for kind in ROUNDS:
            run_id = store.latest_valid_run(connection, (kind,))
            if run_id is None:
                rounds[kind] = None
                continue
            files = dict(store.run_files(connection, run_id))
            record = store.run(connection, run_id).record
            programmes = pd.read_csv(io.BytesIO(files["programmes.csv"]), dtype=str, keep_default_na=False)
            admitted = pd.DataFrame(store.admitted_merits(connection, run_id),
                                    columns=["programme_id", "merit", "score"])
            rounds[kind] = SeasonRound(kind, run_id, str(record.get("started_at", "")), programmes,
                                       admitted.astype({"merit": float, "score": float}))
    finally:
        connection.close()
    if all(r is None for r in rounds.values()):
        history = Step.call("history", season=season)
        raise SeasonError(f"{season}: no valid preliminary, final or reserve run yet (see {history})", steps=(history,))
    return rounds


def _count(value: int) -> object:
    return SUPPRESSED if 0 < value < SUPPRESS_BELOW else int(value)


def round_cells(r: SeasonRound, offers: pd.Index) -> pd.DataFrame:
    """The five published cells of each offer in one round (index: ``offers``; columns: ROUND_FIELDS).

    Cells are ints, floats, SUPPRESSED, a code or None (empty: the offer is not in the round, or no
    value applies).
    """
    programmes = r.programmes.set_index("programme_id")
    admitted = r.admitted
    merit = admitted.dropna(subset=["merit"])
    groups = merit.groupby("programme_id")["merit"]
    lowest, mean, n_merit = groups.min(), groups.mean(), groups.size()
    by_test = admitted.dropna(subset=["merit", "score"])
    by_test = set(by_test.loc[(by_test["score"] - by_test["merit"]).abs() > 1e-9, "programme_id"])
    rows = []
    for pid in offers:
        if pid not in programmes.index:
            rows.append((None,) * len(ROUND_FIELDS))
            continue
        n_admitted = int(programmes.at[pid, "admitted"] or 0)
        n_reserves = int(programmes.at[pid, "reserves"] or 0)
        n = int(n_merit.get(pid, 0))
        code = "IA" if n_admitted == 0 else "FP" if pid in by_test else "AB" if n_reserves == 0 else None
        if n == 0:
            low = average = None
        elif n < SUPPRESS_BELOW:
            low = average = SUPPRESSED
        else:
            low, average = float(lowest[pid]), round(float(mean[pid]), 2)
        rows.append((_count(n_admitted), _count(n_reserves), None if code else low, average, code))
    return pd.DataFrame(rows, index=offers, columns=list(ROUND_FIELDS), dtype=object)


def statistics_table(rounds: dict[str, SeasonRound | None]) -> pd.DataFrame:
    """One row per offer of any of the rounds (sorted by municipality, school, programme_id): STATISTICS_COLUMNS."""
    present = [r for r in rounds.values() if r is not None]
    latest = present[-1]  # ROUNDS is in season order, so the last present round is the newest
    offers = pd.concat([r.programmes for r in reversed(present)]).drop_duplicates("programme_id")
    offers = offers.sort_values(["municipality", "school", "programme_id"], kind="stable")
    index = pd.Index(offers["programme_id"])
    names = {code: t.name for code, t in load_programme_types().types.items()}
    now = latest.programmes.set_index("programme_id")
    table = pd.DataFrame({
        "programme_id": offers["programme_id"].to_numpy(),
        "programme_code": offers["programme_code"].to_numpy(),
        "programme": offers["programme_code"].map(lambda c: names.get(c, c)).to_numpy(),
        "orientation": offers["orientation"].to_numpy(),
        "school": offers["school"].to_numpy(),
        "municipality": offers["municipality"].to_numpy(),
        "seats": [int(now.at[p, "seats"]) if p in now.index else None for p in index],
        "first_choice_applicants": [_count(int(now.at[p, "first_choice_applicants"])) if p in now.index else None
                                    for p in index],
    }, index=index).astype(object)
    for kind in ROUNDS:
        r = rounds.get(kind)
        cells = round_cells(r, index) if r is not None else pd.DataFrame(
            None, index=index, columns=list(ROUND_FIELDS), dtype=object)
        for field in ROUND_FIELDS:
            table[f"{kind}_{field}"] = cells[field].to_numpy()
    return table.reset_index(drop=True)[list(STATISTICS_COLUMNS)]


def _csv_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells exactly as the CSV holds them: plain numbers, SUPPRESSED, codes, empty."""
    def cell(value: object) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, float):
            return f"{value:.2f}".rstrip("0").rstrip(".")
        return str(value)
    return table.map(cell)


def code_legend(_: Texts) -> list[tuple[str, str]]:
    """(code, meaning in the document language) for every CUTOFF_CODES entry, in its order."""
    meaning = {"IA": _("stats.code_IA"), "FP": _("stats.code_FP"), "AB": _("stats.code_AB")}
    return [(code, meaning[code]) for code in CUTOFF_CODES]


def _round_names(_: Texts) -> dict[str, str]:
    return {"preliminary": _("stats.round_preliminary"), "final": _("stats.round_final"),
            "reserve": _("stats.round_reserve")}


def _field_labels(_: Texts) -> dict[str, str]:
    return {"admitted": _("col.admitted"), "reserves": _("col.reserves"), "lowest_merit": _("col.lowest_merit"),
            "average_merit": _("col.average_merit"), "code": _("col.code")}


def document_headers(_: Texts) -> dict[str, str]:
    """The column header of each STATISTICS_COLUMNS entry in the document language (the workbook's)."""
    headers = {
        "programme_id": _("col.programme_id"), "programme_code": _("col.programme_code"),
        "programme": _("col.programme_name"), "orientation": _("col.orientation"), "school": _("col.school"),
        "municipality": _("col.municipality"), "seats": _("col.seats"),
        "first_choice_applicants": _("col.first_choice_applicants"),
    }
    for kind, name in _round_names(_).items():
        for field, label in _field_labels(_).items():
            headers[f"{kind}_{field}"] = _("stats.column", column=label, round=name)
    return headers


def _run_lines(rounds: dict[str, SeasonRound | None], _: Texts) -> list[tuple[str, str]]:
    lines = []
    for kind, name in _round_names(_).items():
        r = rounds.get(kind)
        if r is None:
            lines.append((name, _("stats.no_run")))
        else:
            date = dt.datetime.fromisoformat(r.started_at).date() if r.started_at else None
            lines.append((name, _("stats.run_line", run=r.run_id, date=_.date(date))))
    return lines


def _notes(_: Texts) -> list[str]:
    return [_("stats.rule", n=SUPPRESS_BELOW), _("stats.merit_note")]


def write_statistics_files(rounds: dict[str, SeasonRound | None], table: pd.DataFrame, _: Texts,
                           season_name: str, out: Path) -> None:
    """statistics.csv, statistics.xlsx, statistics.html and NOTES_FILE into the folder ``out``."""
    write_csv(_csv_frame(table), out / "statistics.csv")
    write_json({
        "suppressed_cell": SUPPRESSED, "suppress_below": SUPPRESS_BELOW, "suppression_rule": SUPPRESSION_RULE,
        "codes": CUTOFF_CODES, "columns": list(STATISTICS_COLUMNS),
        "merit": "the merit value (meritvärde) without test points",
        "runs": {kind: (None if r is None else {"run_id": r.run_id, "started_at": r.started_at})
                 for kind, r in rounds.items()},
    }, out / NOTES_FILE)
    headers = document_headers(_)
    title = _("stats.title", season=season_name)
    runs = _run_lines(rounds, _)
    about = pd.DataFrame(
        [(_("doc.subject"), title), *runs, *((code, meaning) for code, meaning in code_legend(_)),
         *((_("stats.note"), note) for note in _notes(_))],
        columns=[_("col.field"), _("col.value")])
    document = table.rename(columns=headers)
    write_xlsx({_("stats.sheet_about"): about, _("sheet.statistics"): document}, out / "statistics.xlsx")
    (out / "statistics.html").write_text(_html_page(table, headers, title, runs, _), encoding="utf-8")


def _text(value: object, _: Texts) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _.number(value)
    return str(value)


def _html_page(table: pd.DataFrame, headers: dict[str, str], title: str, runs: list[tuple[str, str]],
               _: Texts) -> str:
    """The page: as the region prints it, narrow enough for 1280 px without a column out of sight:
    programme and orientation in one cell, and the code in place of the lowest merit value."""
    e = html.escape
    names = _round_names(_)
    # Short headers under each round: the note under the title says they are merit values.
    labels = {"admitted": _("col.admitted"), "reserves": _("col.reserves"), "lowest_merit": _("stats.short_lowest"),
              "average_merit": _("stats.short_average")}
    shown = ("admitted", "reserves", "lowest_merit", "average_merit")
    top = "".join(f'<th rowspan="2">{e(headers[c])}</th>'
                  for c in ("programme", "school", "municipality", "seats", "first_choice_applicants"))
    top += "".join(f'<th colspan="{len(shown)}" class="round">{e(names[k])}</th>' for k in ROUNDS)
    second = "".join(f"<th>{e(labels[f])}</th>" for _k in ROUNDS for f in shown)
    body = []
    for row in table.to_dict("records"):
        programme = row["programme"] + (f", {row['orientation']}" if row["orientation"] else "")
        cells = [f"<td>{e(programme)}</td>", f"<td>{e(row['school'])}</td>", f"<td>{e(row['municipality'])}</td>"]
        numbers = [row["seats"], row["first_choice_applicants"]]
        for kind in ROUNDS:
            code = row[f"{kind}_code"]
            lowest = code if isinstance(code, str) and code else row[f"{kind}_lowest_merit"]
            numbers += [row[f"{kind}_admitted"], row[f"{kind}_reserves"], lowest, row[f"{kind}_average_merit"]]
        cells += [f'<td class="n">{e(_text(value, _))}</td>' for value in numbers]
        body.append("<tr>" + "".join(cells) + "</tr>")
    legend = "".join(f"<li><b>{e(code)}</b>: {e(meaning)}</li>" for code, meaning in code_legend(_))
    notes = "".join(f"<p>{e(note)}</p>" for note in _notes(_))
    codes_heading = _("stats.codes_heading")
    short_note = _("stats.short_note")
    numeric_cols = '<col style="width: 4.4%">' * (2 + len(ROUNDS) * len(shown))
    run_list = "".join(f"<li>{e(name)}: {e(text)}</li>" for name, text in runs)
    return f"""<!DOCTYPE html>
<html lang="{_.language}"><head><meta charset="utf-8"><title>{e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.75rem; width: 100%; table-layout: fixed; }}
th, td {{ border: 1px solid #ccc; padding: 0.15rem 0.2rem; vertical-align: top; overflow-wrap: anywhere; }}
th {{ background: #eef1f5; font-weight: 600; overflow-wrap: anywhere; hyphens: auto; }}
th.round {{ text-align: center; }}
td.n {{ text-align: right; white-space: nowrap; }}
.wrap {{ overflow-x: auto; }}
</style></head><body>
<h1>{e(title)}</h1>
<ul>{run_list}</ul>
<p>{e(short_note)}</p>
<div class="wrap"><table>
<colgroup><col style="width: 17.5%"><col style="width: 13%"><col style="width: 7.5%">{numeric_cols}</colgroup>
<thead><tr>{top}</tr><tr>{second}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table></div>
<h2>{e(codes_heading)}</h2>
<ul>{legend}</ul>
{notes}
</body></html>
"""


def run_statistics(season: Path, out: Path, language: str | None = None) -> dict:
    """Write the season's statistics (see the module docstring) to ``out``, replaced whole; the run record."""
    from admissions.job import start_job
    from admissions.season.store import season_path

    # The input is the season's database: OUT may not be it or hold it (replacing OUT would delete it).
    job = start_job("statistics", season_path(season), out, season_database=season_path(season))
    chosen = language or _season_language(season) or DEFAULT_LANGUAGE
    check_language(chosen)
    _ = texts(chosen)
    rounds = read_season_rounds(season)
    table = statistics_table(rounds)
    season_name = season_label(season)
    record = job.record(
        None, language=chosen, season=str(Path(season).resolve()),
        runs={kind: (None if r is None else r.run_id) for kind, r in rounds.items()},
        counts={"offers": len(table)}, student_level=False,
    )
    return job.write(record, lambda staging: write_statistics_files(rounds, table, _, season_name, staging))


def _season_language(season: Path) -> str | None:
    """The language the season's newest run was configured with (admissions.toml ``language``), if any."""
    from admissions.season import store

    connection = store.connect(Path(season))
    try:
        latest = store.latest_valid_run(connection, ROUNDS)
        return None if latest is None else store.run(connection, latest).record.get("config", {}).get("language")
    finally:
        connection.close()
