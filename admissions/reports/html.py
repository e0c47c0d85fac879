"""report.html: one self-contained page with the round's headline figures, charts and tables.

Everything is inline: the charts are SVG drawn here in Python, the style sheet and the few lines of
JavaScript that sort and filter the tables sit in the page, and nothing is fetched from the network,
so the page works from a file or an e-mail attachment. The tables' rows are plain HTML (readable
with JavaScript off). The page carries no student-level data: only the aggregate tables.

When its script has run, ``<body>`` gets ``data-ready="1"``, ``data-charts`` (charts on the page)
and ``data-errors`` (script errors caught, empty when none): the browser test reads them.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pandas as pd

from admissions.reports.flows import cost_text
from admissions.rules.selection import TIER_NAMES

#: Charts drawn on the page, in order (their ids).
CHARTS = ("chart-demand", "chart-cutoffs", "chart-choice-rank", "chart-flows")

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
INK, MUTED, GRID = "#1f2933", "#616e7c", "#e4e7eb"
SEATS, DEMAND, ACCENT = "#9fb3c8", "#2f6fb0", "#c2410c"


def format_number(value: object, decimals: int = 2) -> str:
    """A cell as text: empty for missing, integers without decimals, floats trimmed."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        text = f"{float(value):,.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def svg_chart(chart_id: str, width: float, height: float, body: list[str], title: str) -> str:
    return (
        f'<svg class="chart" id="{chart_id}" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="{escape(_FONT)}" font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def nice_max(value: float) -> float:
    """A round axis maximum at or above value."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _x_axis(x0: float, width: float, top: float, bottom: float, maximum: float, ticks: int = 5) -> list[str]:
    parts = []
    for i in range(ticks + 1):
        value = maximum * i / ticks
        x = x0 + width * i / ticks
        parts.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 14:.1f}" text-anchor="middle" fill="{MUTED}">'
                     f"{format_number(value, 0)}</text>")
    return parts


def demand_chart(programmes: pd.DataFrame) -> str:
    """Horizontal bars per programme code: seats and first-choice applicants."""
    by_code = (programmes.groupby("programme_code", sort=True)[["seats", "first_choice_applicants"]].sum()
               .sort_values("first_choice_applicants", ascending=False, kind="stable"))
    label_w, plot_w, row_h, top = 70, 560, 26, 34
    height = top + row_h * max(len(by_code), 1) + 30
    maximum = nice_max(float(by_code.to_numpy().max(initial=0)))
    body = [
        f'<rect x="{label_w}" y="6" width="12" height="12" fill="{SEATS}"/>'
        f'<text x="{label_w + 16}" y="16" fill="{INK}">seats</text>'
        f'<rect x="{label_w + 70}" y="6" width="12" height="12" fill="{DEMAND}"/>'
        f'<text x="{label_w + 86}" y="16" fill="{INK}">first-choice applicants</text>'
    ]
    body += _x_axis(label_w, plot_w, top - 4, height - 30, maximum)
    for i, (code, row) in enumerate(by_code.iterrows()):
        y = top + i * row_h
        seats, demand = int(row["seats"]), int(row["first_choice_applicants"])
        ws, wd = plot_w * seats / maximum, plot_w * demand / maximum
        tip = escape(f"{code}: {demand:,} first-choice applicants, {seats:,} seats")
        body.append(f'<g class="mark"><title>{tip}</title>'
                    f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end" fill="{INK}">{escape(str(code))}</text>'
                    f'<rect x="{label_w}" y="{y + 2}" width="{ws:.1f}" height="9" fill="{SEATS}"/>'
                    f'<rect x="{label_w}" y="{y + 11}" width="{wd:.1f}" height="9" fill="{DEMAND}"/>'
                    f'<text x="{label_w + max(ws, wd) + 4:.1f}" y="{y + 16}" fill="{MUTED}">'
                    f"{demand:,} / {seats:,}</text></g>")
    return svg_chart("chart-demand", label_w + plot_w + 90, height, body,
                "First-choice applicants against seats per programme code")


def cutoff_chart(programmes: pd.DataFrame) -> str:
    """One dot per oversubscribed offer at its cut-off, a row per programme code; the median admitted as a tick."""
    table = programmes.assign(cut=pd.to_numeric(programmes["cutoff_merit"], errors="coerce").astype("float64"))
    codes = sorted(table["programme_code"].astype(str).unique().tolist())
    label_w, plot_w, row_h, top = 70, 560, 22, 30
    height = top + row_h * max(len(codes), 1) + 34
    scores = table["cut"].dropna()
    # Merit values run 0-340; test points can take a score above that.
    maximum = max(350.0, 50.0 * math.ceil(float(scores.max()) / 50)) if len(scores) else 350.0
    body = [
        f'<circle cx="{label_w + 6}" cy="12" r="5" fill="{ACCENT}" fill-opacity="0.7"/>'
        f'<text x="{label_w + 16}" y="16" fill="{INK}">cut-off of an oversubscribed offer (lowest admitted score)</text>'
    ]
    body += _x_axis(label_w, plot_w, top - 4, height - 34, maximum, ticks=int(maximum // 50))
    code_of = table["programme_code"].astype(str).to_numpy()
    open_count = pd.Series(table["cut"].isna().to_numpy()).groupby(code_of).sum()
    dots: dict[str, list[tuple[float, str]]] = {code: [] for code in codes}
    with_cut = table[table["cut"].notna()]
    for pid, school, code, cut, tier in zip(with_cut["programme_id"].tolist(), with_cut["school"].tolist(),
                                            with_cut["programme_code"].astype(str).tolist(), with_cut["cut"].tolist(),
                                            with_cut["cutoff_tier"].tolist()):
        x = label_w + plot_w * cut / maximum
        tier_text = "" if pd.isna(tier) else f", {TIER_NAMES.get(int(tier), f'tier {int(tier)}')}"
        tip = escape(f"{pid} ({school}): cut-off {format_number(cut)}{tier_text}")
        dots[code].append((x, tip))
    for i, code in enumerate(codes):
        y = top + i * row_h + row_h / 2
        body.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{escape(code)}</text>'
                    f'<line x1="{label_w}" y1="{y:.1f}" x2="{label_w + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.extend(f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{ACCENT}" fill-opacity="0.55">'
                    f"<title>{tip}</title></circle>" for x, tip in dots[code])
        open_offers = int(open_count.get(code, 0))
        if open_offers:
            body.append(f'<text x="{label_w + plot_w + 6}" y="{y + 4:.1f}" fill="{MUTED}">{open_offers} open</text>')
    body.append(f'<text x="{label_w + plot_w / 2}" y="{height - 4}" text-anchor="middle" fill="{MUTED}">'
                "score (merit value plus test points); “open”: offers without a cut-off (no reserve)</text>")
    return svg_chart("chart-cutoffs", label_w + plot_w + 70, height, body, "Cut-offs per programme")


def choice_rank_chart(rank_counts: dict[str, int], n_students: int) -> str:
    """Vertical bars: students placed on their 1st, 2nd, 3rd, later choice, and unplaced."""
    labels = list(rank_counts)
    bar_w, gap, left, top, plot_h = 84, 26, 50, 20, 220
    width = left + len(labels) * (bar_w + gap) + 10
    height = top + plot_h + 44
    maximum = nice_max(max(rank_counts.values(), default=0))
    body = []
    for i in range(5):
        value = maximum * i / 4
        y = top + plot_h - plot_h * i / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{format_number(value, 0)}</text>')
    for i, label in enumerate(labels):
        count = rank_counts[label]
        h = plot_h * count / maximum
        x = left + gap / 2 + i * (bar_w + gap)
        colour = ACCENT if label == "unplaced" else DEMAND
        tip = escape(f"{label}: {count:,} students ({_pct(count, n_students)})")
        body.append(f'<g class="mark"><title>{tip}</title>'
                    f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w}" height="{h:.1f}" fill="{colour}"/>'
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 4:.1f}" text-anchor="middle" fill="{INK}">'
                    f"{count:,}</text>"
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle" fill="{INK}">'
                    f"{escape(label)}</text>"
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 32:.1f}" text-anchor="middle" fill="{MUTED}">'
                    f"{_pct(count, n_students)}</text></g>")
    return svg_chart("chart-choice-rank", width, height, body, "The choice students got")


def flow_chart(flows: pd.DataFrame) -> str:
    """A matrix of home (rows) against host (columns) municipalities, shaded by the number of students."""
    homes = sorted(flows["home_municipality"].astype(str).unique().tolist())
    hosts = sorted(flows["host_municipality"].astype(str).unique().tolist())
    cell, left, top = 16, 120, 120
    width = left + cell * max(len(hosts), 1) + 20
    height = top + cell * max(len(homes), 1) + 10
    maximum = float(flows["students"].max()) if len(flows) else 1.0
    home_at = {name: i for i, name in enumerate(homes)}
    host_at = {name: j for j, name in enumerate(hosts)}
    body = []
    for name, j in host_at.items():
        x = left + j * cell + cell / 2
        body.append(f'<text x="{x:.1f}" y="{top - 6}" transform="rotate(-60 {x:.1f} {top - 6})" '
                    f'fill="{INK}" font-size="11">{escape(name)}</text>')
    for name, i in home_at.items():
        body.append(f'<text x="{left - 6}" y="{top + i * cell + cell - 4}" text-anchor="end" fill="{INK}" '
                    f'font-size="11">{escape(name)}</text>')
    body.append(f'<rect x="{left}" y="{top}" width="{cell * len(hosts)}" height="{cell * len(homes)}" '
                f'fill="#f8f9fa" stroke="{GRID}"/>')
    for row in flows.itertuples(index=False):
        i, j = home_at[str(row.home_municipality)], host_at[str(row.host_municipality)]
        # Log scale: the diagonal (students at home) is far larger than most flows.
        strength = math.log1p(row.students) / math.log1p(maximum) if maximum > 0 else 0.0
        tip = escape(f"{row.home_municipality} → {row.host_municipality}: {row.students:,} students, "
                     f"{cost_text(row.cost_sek, row.students_without_price, per=' a year')}")
        body.append(f'<rect class="mark" x="{left + j * cell}" y="{top + i * cell}" width="{cell - 1}" '
                    f'height="{cell - 1}" fill="{DEMAND}" fill-opacity="{0.08 + 0.92 * strength:.3f}">'
                    f"<title>{tip}</title></rect>")
    return svg_chart("chart-flows", max(width, 560), height, body, "Students by home and host municipality")


def _number_cells(column: pd.Series) -> list[str]:
    """Right-aligned cells with thousands separators, up to 4 decimals, and the raw value to sort by."""
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    integer = pd.api.types.is_integer_dtype(column.dtype)
    cells = []
    for v in values.tolist():
        if v != v:
            cells.append('<td class="num" data-v=""></td>')
            continue
        if integer or v.is_integer():
            shown = f"{int(v):,}"
        else:
            shown = f"{v:,.4f}".rstrip("0").rstrip(".")
        cells.append(f'<td class="num" data-v="{v!r}">{shown}</td>')
    return cells


def _text_cells(column: pd.Series) -> list[str]:
    return [f"<td>{escape(v)}</td>" for v in column.astype(object).where(column.notna(), "").astype(str).tolist()]


def html_table(table_id: str, frame: pd.DataFrame, caption: str) -> str:
    numeric = [pd.api.types.is_numeric_dtype(frame[c].dtype) and not pd.api.types.is_bool_dtype(frame[c].dtype)
               for c in frame.columns]
    head = "".join(
        f'<th data-type="{"num" if num else "text"}" scope="col"><button type="button">{escape(str(c))}</button></th>'
        for c, num in zip(frame.columns, numeric)
    )
    # Cells are formatted a column at a time: the tables of a 55,000-student round have ~50,000 cells.
    columns = [_number_cells(frame[c]) if num else _text_cells(frame[c]) for c, num in zip(frame.columns, numeric)]
    rows = ["<tr>" + "".join(cells) + "</tr>" for cells in zip(*columns)]
    return (
        f'<div class="table-tools"><label>Search <input type="search" class="filter" data-table="{table_id}" '
        f'placeholder="filter rows"></label> <span class="count" data-for="{table_id}">{len(frame):,} rows</span></div>'
        f'<div class="scroll"><table id="{table_id}" class="sortable"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


PAGE_STYLE = """
:root { color-scheme: light; }
body { font-family: %(font)s; color: %(ink)s; margin: 0 auto; max-width: 1200px; padding: 1.5rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid %(grid)s; }
.meta { color: %(muted)s; margin: 0 0 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .75rem; }
.card { border: 1px solid %(grid)s; border-radius: 8px; padding: .75rem 1rem; }
.card .value { font-size: 1.6rem; font-weight: 600; } .card .label { color: %(muted)s; font-size: .9rem; }
.chart { max-width: 100%%; height: auto; display: block; margin: .5rem 0; }
.mark:hover { opacity: .75; }
nav a { margin-right: 1rem; }
.scroll { max-height: 32rem; overflow: auto; border: 1px solid %(grid)s; }
table { border-collapse: collapse; font-size: .85rem; width: 100%%; }
caption { text-align: left; padding: .25rem .5rem; color: %(muted)s; }
th { position: sticky; top: 0; background: #eef2f6; text-align: left; white-space: nowrap; }
th button { font: inherit; font-weight: 600; border: 0; background: none; cursor: pointer; padding: .3rem .5rem; }
th[aria-sort=ascending] button::after { content: " ▲"; } th[aria-sort=descending] button::after { content: " ▼"; }
td { padding: .2rem .5rem; border-top: 1px solid %(grid)s; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-tools { margin: .5rem 0; } .count { color: %(muted)s; }
.note { color: %(muted)s; font-size: .9rem; }
@media print { .scroll { max-height: none; overflow: visible; } .table-tools { display: none; } }
""" % {"font": _FONT, "ink": INK, "grid": GRID, "muted": MUTED}

# Errors are collected from the first line on, so the browser test sees any script failure.
HEAD_SCRIPT = """
window.reportErrors = [];
function reportError(message) {
  window.reportErrors.push(String(message));
  if (document.body) document.body.setAttribute('data-errors', window.reportErrors.join(' | '));
}
window.addEventListener('error', function (e) { reportError(e.message || e.type); });
window.addEventListener('unhandledrejection', function (e) { reportError(e.reason); });
(function () { var original = console.error; console.error = function () {
  reportError(Array.prototype.join.call(arguments, ' ')); return original.apply(console, arguments); }; })();
"""

BODY_SCRIPT = """
(function () {
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    if (!numeric) return cell.textContent.toLowerCase();
    var v = cell.getAttribute('data-v');
    return v === '' || v === null ? -Infinity : parseFloat(v);
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      th.querySelector('button').addEventListener('click', function () {
        var numeric = th.getAttribute('data-type') === 'num';
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  document.querySelectorAll('input.filter').forEach(function (input) {
    input.addEventListener('input', function () {
      var table = document.getElementById(input.getAttribute('data-table'));
      var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var text = row.textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) >= 0; });
        row.hidden = !match; if (match) shown += 1;
      });
      document.querySelector('.count[data-for="' + table.id + '"]').textContent = shown + ' rows';
    });
  });
  var drawn = 0;
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var box = svg.getBBox();
    if (box.width > 0 && box.height > 0 && svg.querySelector('.mark')) drawn += 1;
  });
  document.body.setAttribute('data-charts', String(drawn));
  document.body.setAttribute('data-errors', window.reportErrors.join(' | '));
  document.body.setAttribute('data-ready', '1');
})();
"""


def html_page(title: str, meta: str, body: str, nav: str = "") -> str:
    """A whole self-contained page: no network (its Content-Security-Policy allows only inline style,
    inline script and data: images), the shared style and scripts, a header with title, meta line and
    optional navigation, then ``body`` (HTML)."""
    nav_html = f"<nav>{nav}</nav>" if nav else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{escape(title)}</title><style>{PAGE_STYLE}</style><script>{HEAD_SCRIPT}</script></head>"
        f'<body data-ready="0" data-charts="0" data-errors="">'
        f"<header><h1>{escape(title)}</h1><p class=\"meta\">{escape(meta)}</p>{nav_html}</header>"
        f"{body}"
        f"<script>{BODY_SCRIPT}</script></body></html>\n"
    )


def report_html(
    programmes: pd.DataFrame,
    dimensioning: pd.DataFrame,
    flows: pd.DataFrame,
    rank_counts: dict[str, int],
    n_students: int,
    title: str,
    meta: str,
) -> str:
    """The report page as one HTML string.

    ``rank_counts``: students placed on their "1st", "2nd", "3rd", "4th or later" choice and
    "unplaced", in that order; ``meta``: one line naming the input, seed and version.
    """
    placed = n_students - rank_counts.get("unplaced", 0)
    first = rank_counts.get("1st", 0)
    seats = int(programmes["seats"].sum())
    vacant = int(programmes["vacant_seats"].clip(lower=0).sum())
    cards = [
        ("students", f"{n_students:,}", "applicants in the round"),
        ("placed", f"{placed:,}", _pct(placed, n_students) + " of the students"),
        ("first choice", _pct(first, n_students), f"{first:,} students got their first choice"),
        ("unplaced", f"{rank_counts.get('unplaced', 0):,}", _pct(rank_counts.get("unplaced", 0), n_students)
         + " of the students"),
        ("vacant seats", f"{vacant:,}", f"of {seats:,} seats ({_pct(vacant, seats)})"),
        ("oversubscribed", f"{int(programmes['cutoff_merit'].notna().sum()):,}",
         f"of {len(programmes):,} programmes have a cut-off"),
    ]
    card_html = "".join(
        f'<div class="card" data-figure="{escape(key)}"><div class="label">{escape(key)}</div>'
        f'<div class="value">{escape(value)}</div><div class="label">{escape(note)}</div></div>'
        for key, value, note in cards
    )
    sections = [
        ("demand", "First-choice demand and seats", demand_chart(programmes),
         "Per programme code over the whole area: students whose first choice is an offer of the code, "
         "against the offers' seats."),
        ("cutoffs", "Cut-offs (antagningspoäng)", cutoff_chart(programmes),
         "The lowest score admitted in the ordinary quota of each offer that had reserves."),
        ("choice-rank", "The choice students got", choice_rank_chart(rank_counts, n_students), ""),
        ("flows", "Flows between municipalities", flow_chart(flows),
         "Placed students: rows are home municipalities, columns the municipality of the school; darker "
         "means more students (log scale). The yearly cost each home municipality pays is in the flows table."),
    ]
    section_html = "".join(
        f'<section id="{sid}"><h2>{escape(heading)}</h2>{svg}'
        + (f'<p class="note">{escape(note)}</p>' if note else "") + "</section>"
        for sid, heading, svg, note in sections
    )
    tables = (
        '<section id="tables-programmes"><h2>Programmes</h2>'
        + html_table("table-programmes", programmes, "programmes.csv: one row per programme (offer)")
        + '</section><section id="tables-dimensioning"><h2>Dimensioning</h2>'
        + html_table("table-dimensioning", dimensioning,
                 "dimensioning.csv: per programme code and host municipality (host), whole area (area), "
                 "home municipality (home)")
        + '</section><section id="tables-flows"><h2>Flows and costs</h2>'
        + html_table("table-flows", flows, "flows.csv: placed students and yearly cost (SEK) per home and host municipality")
        + "</section>"
    )
    nav = "".join(f'<a href="#{sid}">{escape(text)}</a>' for sid, text in (
        ("demand", "Demand"), ("cutoffs", "Cut-offs"), ("choice-rank", "Choices"), ("flows", "Flows"),
        ("tables-programmes", "Programmes"), ("tables-dimensioning", "Dimensioning"), ("tables-flows", "Flows table")))
    return html_page(
        title,
        meta,
        f'<section id="headline"><h2>Headline figures</h2><div class="cards">{card_html}</div></section>'
        f"{section_html}{tables}",
        nav=nav,
    )
