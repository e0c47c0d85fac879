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

from admissions.reports.language import Texts
from admissions.reports.run_folder import RunHeading
from admissions.io.xlsx import SheetLayout
from admissions.reports.workbook import SHEET_KEYS, document_table

#: Charts drawn on the page, in order (their ids).
CHARTS = ("chart-demand", "chart-cutoffs", "chart-choice-rank", "chart-flows")

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
INK, MUTED, GRID = "#1f2933", "#616e7c", "#e4e7eb"
SEATS, DEMAND, ACCENT = "#9fb3c8", "#2f6fb0", "#c2410c"


#: Thousands separator and decimal mark of the English pages (a language's are on its Texts).
PLAIN = (",", ".")


def format_number(value: object, decimals: int = 2, separators: tuple[str, str] = PLAIN, fixed: bool = False) -> str:
    """A number as text: empty for missing, integers without decimals, floats trimmed (``fixed``: all
    ``decimals`` kept); ``separators`` are the language's thousands separator and decimal mark."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        text = f"{int(value):,}"
    elif isinstance(value, (float, np.floating)):
        text = f"{float(value):,.{decimals}f}"
        if "." in text and not fixed:
            text = text.rstrip("0").rstrip(".")
        text = "0" if text == "-0" else text
    else:
        return str(value)
    if separators != PLAIN:
        group, decimal = separators
        text = text.replace(",", "\0").replace(".", decimal).replace("\0", group)
    return text


def separators(_: Texts) -> tuple[str, str]:
    """The thousands separator and decimal mark of a language."""
    return (_.group, _.decimal)


def _pct(part: float, whole: float, _: Texts) -> str:
    return _.percent(part / whole) if whole else "–"


def svg_chart(chart_id: str, width: float, height: float, body: list[str], title: str) -> str:
    return (
        f'<svg class="chart" id="{chart_id}" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="{escape(_FONT)}" font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round axis ticks from at or below ``low`` to at or above ``high``: steps of 1, 2 or 5 times a
    power of ten, about ``target`` of them.

    Every tick is a whole multiple of the step, so 0 is a tick whenever the range crosses or
    touches it (an axis from -40 to 120 reads -50, 0, 50, 100, 150).
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    low, high = min(low, high), max(low, high)
    if high == low:
        low, high = (0.0, 1.0) if low == 0 else (min(low, 0.0), max(high, 0.0))
    raw = (high - low) / max(target, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(s * magnitude for s in (1, 2, 5, 10) if s * magnitude >= raw * (1 - 1e-9))
    first = math.floor(low / step + 1e-9) * step
    count = max(math.ceil((high - first) / step - 1e-9), 1)
    return [round(first + i * step, 10) + 0.0 for i in range(count + 1)]


def _x_axis(x0: float, width: float, top: float, bottom: float, ticks: list[float],
            numbers: tuple[str, str] = PLAIN) -> list[str]:
    parts = []
    low, high = ticks[0], ticks[-1]
    for value in ticks:
        x = x0 + width * (value - low) / (high - low)
        parts.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 14:.1f}" text-anchor="middle" fill="{MUTED}">'
                     f"{format_number(value, 2, numbers)}</text>")
    return parts


def demand_chart(programmes: pd.DataFrame, _: Texts) -> str:
    """Horizontal bars per programme code: seats and first-choice applicants."""
    numbers = separators(_)
    # Summed with numpy rather than a groupby: ~1 ms of pandas calls for a small round.
    code_labels, group = np.unique(np.asarray(programmes["programme_code"].tolist(), dtype=str), return_inverse=True)
    sums = [np.bincount(group, weights=np.nan_to_num(_numbers(programmes[column])), minlength=len(code_labels))
            for column in ("seats", "first_choice_applicants")]
    # Most first-choice applicants first; equal ones in the order of their codes.
    order = np.argsort(-sums[1], kind="stable")
    by_code = [(str(code_labels[i]), sums[0][i], sums[1][i]) for i in order.tolist()]
    label_w, plot_w, row_h, top = 70, 560, 26, 34
    height = top + row_h * max(len(by_code), 1) + 30
    ticks = nice_ticks(0.0, float(max([0.0, *sums[0].tolist(), *sums[1].tolist()])))
    maximum = ticks[-1]
    seats_word, demand_word = _("html.seats"), _("html.first_choice_applicants")
    body = [
        f'<rect x="{label_w}" y="6" width="12" height="12" fill="{SEATS}"/>'
        f'<text x="{label_w + 16}" y="16" fill="{INK}">{escape(seats_word)}</text>'
        f'<rect x="{label_w + 100}" y="6" width="12" height="12" fill="{DEMAND}"/>'
        f'<text x="{label_w + 116}" y="16" fill="{INK}">{escape(demand_word)}</text>'
    ]
    body += _x_axis(label_w, plot_w, top - 4, height - 30, ticks, numbers)
    for i, (code, seats, demand) in enumerate(by_code):
        y = top + i * row_h
        seats, demand = int(seats), int(demand)
        ws, wd = plot_w * seats / maximum, plot_w * demand / maximum
        shown_demand, shown_seats = format_number(demand, 0, numbers), format_number(seats, 0, numbers)
        tip = escape(f"{code}: {demand_word} {shown_demand}, {seats_word} {shown_seats}")
        body.append(f'<g class="mark"><title>{tip}</title>'
                    f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end" fill="{INK}">{escape(str(code))}</text>'
                    f'<rect x="{label_w}" y="{y + 2}" width="{ws:.1f}" height="9" fill="{SEATS}"/>'
                    f'<rect x="{label_w}" y="{y + 11}" width="{wd:.1f}" height="9" fill="{DEMAND}"/>'
                    f'<text x="{label_w + max(ws, wd) + 4:.1f}" y="{y + 16}" fill="{MUTED}">'
                    f"{shown_demand} / {shown_seats}</text></g>")
    return svg_chart("chart-demand", label_w + plot_w + 90, height, body, _("html.chart_demand"))


#: Colour of a cut-off by its tier (first-hand, second-hand, late first-hand, late second-hand).
TIER_COLOURS = {0: "#6b7280", 1: ACCENT, 2: "#7c3aed", 3: "#0f766e", 4: "#a16207"}


def tier_colour(tier: object) -> str:
    return TIER_COLOURS.get(int(tier), MUTED) if tier is not None and not pd.isna(tier) else MUTED


def _numbers(column: pd.Series) -> np.ndarray:
    """A column as float64, NaN where missing or not a number (a numeric column needs no to_numeric)."""
    if not pd.api.types.is_numeric_dtype(column.dtype):
        column = pd.to_numeric(column, errors="coerce")
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def cutoff_chart(programmes: pd.DataFrame, _: Texts) -> str:
    """One dot per oversubscribed offer at its cut-off, a row per programme code, coloured by the cut-off's tier."""
    numbers = separators(_)
    # Plain lists and numpy rather than frame operations: ~2 ms of pandas calls for a small round.
    cut, tier = _numbers(programmes["cutoff_merit"]), _numbers(programmes["cutoff_tier"])
    code_of = [str(code) for code in programmes["programme_code"].tolist()]
    codes = sorted(set(code_of))
    label_w, plot_w, row_h, top = 70, 560, 22, 30
    height = top + row_h * max(len(codes), 1) + 34
    has_cut = ~np.isnan(cut)
    # Merit values run 0-340; test points can take a score above that.
    ticks = nice_ticks(0.0, max(340.0, float(cut[has_cut].max()) if has_cut.any() else 0.0), target=7)
    maximum = ticks[-1]
    tiers = sorted({int(t) for t in tier[~np.isnan(tier)].tolist()})
    body, x = [], label_w
    for tier_shown in tiers or [1]:
        word = _(f"tier.{tier_shown}")
        body.append(f'<circle cx="{x + 6}" cy="12" r="5" fill="{tier_colour(tier_shown)}" fill-opacity="0.8"/>'
                    f'<text x="{x + 16}" y="16" fill="{INK}">{escape(_("html.cutoff_of", tier=word))}</text>')
        x += 40 + 7 * len(_("html.cutoff_of", tier=word))
    body += _x_axis(label_w, plot_w, top - 4, height - 34, ticks, numbers)
    open_count: dict[str, int] = {}
    for code, with_cut in zip(code_of, has_cut.tolist()):
        open_count[code] = open_count.get(code, 0) + (not with_cut)
    dots: dict[str, list[tuple[float, str, str]]] = {code: [] for code in codes}
    cutoff_word, axis_label = _("html.cutoff"), _("html.cutoff_axis")
    at = np.flatnonzero(has_cut).tolist()
    pids, schools = programmes["programme_id"].tolist(), programmes["school"].tolist()
    for i, value, level in zip(at, cut[has_cut].tolist(), tier[has_cut].tolist()):
        tier_text = "" if level != level else f" ({_(f'tier.{int(level)}')})"
        tip = escape(f"{pids[i]} ({schools[i]}): {cutoff_word} {format_number(value, 2, numbers)}{tier_text}")
        dots[code_of[i]].append((label_w + plot_w * value / maximum, tip, tier_colour(level)))
    for i, code in enumerate(codes):
        y = top + i * row_h + row_h / 2
        body.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{escape(code)}</text>'
                    f'<line x1="{label_w}" y1="{y:.1f}" x2="{label_w + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.extend(f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" fill-opacity="0.6">'
                    f"<title>{tip}</title></circle>" for x, tip, colour in dots[code])
        open_offers = int(open_count.get(code, 0))
        if open_offers:
            without = _("html.open", n=open_offers)
            body.append(f'<text x="{label_w + plot_w + 6}" y="{y + 4:.1f}" fill="{MUTED}">{escape(without)}</text>')
    body.append(f'<text x="{label_w + plot_w / 2}" y="{height - 4}" text-anchor="middle" fill="{MUTED}">'
                f"{escape(axis_label)}</text>")
    # Room on the right for the longest "N without a cut-off" (about 7 px a character), so no label is cut.
    labels = [_("html.open", n=n) for n in open_count.values() if n]
    right = max([90] + [12 + 7 * len(label) for label in labels])
    return svg_chart("chart-cutoffs", label_w + plot_w + right, height, body, _("html.chart_cutoffs"))


def choice_rank_chart(rank_counts: dict[str, int], n_students: int, _: Texts) -> str:
    """Vertical bars: students placed on their 1st, 2nd, 3rd, later choice, and unplaced."""
    numbers = separators(_)
    labels = list(rank_counts)
    bar_w, gap, left, top, plot_h = 84, 26, 56, 20, 220
    width = left + len(labels) * (bar_w + gap) + 10
    height = top + plot_h + 44
    ticks = nice_ticks(0.0, float(max(rank_counts.values(), default=0)))
    maximum = ticks[-1]
    body = []
    for value in ticks:
        y = top + plot_h - plot_h * value / maximum
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                    f"{format_number(value, 2, numbers)}</text>")
    for i, label in enumerate(labels):
        count = rank_counts[label]
        h = plot_h * count / maximum
        x = left + gap / 2 + i * (bar_w + gap)
        colour = ACCENT if label == "unplaced" else DEMAND
        word = _(f"html.rank_{label.replace(' ', '_')}")
        shown = format_number(count, 0, numbers)
        tip = escape(f"{word}: {shown} ({_pct(count, n_students, _)})")
        body.append(f'<g class="mark"><title>{tip}</title>'
                    f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w}" height="{h:.1f}" fill="{colour}"/>'
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 4:.1f}" text-anchor="middle" fill="{INK}">'
                    f"{shown}</text>"
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle" fill="{INK}">'
                    f"{escape(word)}</text>"
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 32:.1f}" text-anchor="middle" fill="{MUTED}">'
                    f"{_pct(count, n_students, _)}</text></g>")
    return svg_chart("chart-choice-rank", width, height, body, _("html.chart_choice_rank"))


#: The legend's steps of the flows chart: shades for these counts of students (up to the largest flow).
FLOW_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)


def _flow_shade(students: float, maximum: float) -> float:
    """Opacity of a flow cell: log scale, since the diagonal (students at home) dwarfs most flows."""
    strength = math.log1p(students) / math.log1p(maximum) if maximum > 0 else 0.0
    return 0.08 + 0.92 * strength


def _cost_text(row: dict, _: Texts) -> str:
    """A flow's yearly cost as the report states it: the amount, or "at least" the amount and how many
    students have no price (never a partial sum presented as the whole)."""
    a_year = _("html.a_year")
    amount = f'{_.sek(float(row["cost_sek"]))} {a_year}'
    unpriced = int(row.get("students_without_price", 0) or 0)
    if unpriced:
        return _.counted("html.cost_at_least", unpriced, amount=amount)
    return amount


def flow_chart(flows: pd.DataFrame, _: Texts) -> str:
    """A matrix of home (rows) against host (columns) municipalities: each cell shaded by its number
    of students and showing it, with a legend of the shades."""
    numbers = separators(_)
    homes = sorted(flows["home_municipality"].astype(str).unique().tolist())
    hosts = sorted(flows["host_municipality"].astype(str).unique().tolist())
    cell, left, top = 26, 120, 150
    width = left + cell * max(len(hosts), 1) + 20
    height = top + cell * max(len(homes), 1) + 10
    maximum = float(flows["students"].max()) if len(flows) else 1.0
    home_at = {name: i for i, name in enumerate(homes)}
    host_at = {name: j for j, name in enumerate(hosts)}
    legend = _("html.flows_legend")
    body = [f'<text x="{left}" y="14" fill="{INK}">{escape(legend)}</text>']
    steps = [step for step in FLOW_STEPS if step < maximum] + [int(maximum)]
    for k, step in enumerate(steps):
        x = left + k * 44
        body.append(f'<rect x="{x}" y="22" width="40" height="14" fill="{DEMAND}" '
                    f'fill-opacity="{_flow_shade(step, maximum):.3f}"/>'
                    f'<text x="{x + 20}" y="50" text-anchor="middle" fill="{MUTED}" font-size="10">'
                    f"{format_number(step, 0, numbers)}</text>")
    for name, j in host_at.items():
        x = left + j * cell + cell / 2
        body.append(f'<text x="{x:.1f}" y="{top - 6}" transform="rotate(-60 {x:.1f} {top - 6})" '
                    f'fill="{INK}" font-size="11">{escape(name)}</text>')
    for name, i in home_at.items():
        body.append(f'<text x="{left - 6}" y="{top + i * cell + cell - 8}" text-anchor="end" fill="{INK}" '
                    f'font-size="11">{escape(name)}</text>')
    body.append(f'<rect x="{left}" y="{top}" width="{cell * len(hosts)}" height="{cell * len(homes)}" '
                f'fill="#f8f9fa" stroke="{GRID}"/>')
    cost_known = "cost_sek" in flows.columns
    for row in flows.to_dict("records"):
        i, j = home_at[str(row["home_municipality"])], host_at[str(row["host_municipality"])]
        students = int(row["students"])
        shade = _flow_shade(students, maximum)
        cost = f", {_cost_text(row, _)}" if cost_known and not pd.isna(row["cost_sek"]) else ""
        how_many = _.counted("html.n_students", students)
        tip = escape(f"{row['home_municipality']} → {row['host_municipality']}: {how_many}{cost}")
        ink = "#ffffff" if shade > 0.6 else INK
        shown = format_number(students, 0, numbers) if students < 10_000 else f"{students // 1000}k"
        body.append(f'<g class="mark"><title>{tip}</title><rect x="{left + j * cell}" y="{top + i * cell}" '
                    f'width="{cell - 1}" height="{cell - 1}" fill="{DEMAND}" fill-opacity="{shade:.3f}"/>'
                    f'<text x="{left + j * cell + (cell - 1) / 2:.1f}" y="{top + i * cell + cell / 2 + 3:.1f}" '
                    f'text-anchor="middle" font-size="{8 if students >= 1000 else 9}" fill="{ink}">{shown}</text></g>')
    return svg_chart("chart-flows", max(width, left + 44 * len(steps) + 20), height, body, _("html.chart_flows"))


def _number_cells(column: pd.Series, code: str | None, _: Texts) -> list[str]:
    """Right-aligned cells in the language's number format (``code`` as in report.xlsx), and the raw value to sort by."""
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    integer = pd.api.types.is_integer_dtype(column.dtype)
    numbers = separators(_)
    # Each distinct value is formatted once (by its bits: -0.0 and 0.0 have different sort values):
    # the whole country's tables have ~100,000 cells of a few thousand values, and Babel's percent
    # format costs ~0.1 ms a call.
    bits, inverse = np.unique(np.ascontiguousarray(values).view(np.int64), return_inverse=True)
    distinct = [_number_cell(v, code, integer, numbers, _) for v in bits.view(np.float64).tolist()]
    return [distinct[i] for i in inverse.tolist()]


def _number_cell(v: float, code: str | None, integer: bool, numbers: tuple[str, str], _: Texts) -> str:
    if v != v:
        return '<td class="num" data-v=""></td>'
    if code == "0.0%":
        shown = _.percent(v)
    elif code == "sek":
        shown = _.sek(v)
    elif code == "0.00":
        shown = format_number(v, 2, numbers, fixed=True)
    elif code == "0":
        shown = f"{int(v)}"
    elif integer or v.is_integer():
        shown = format_number(int(v), 0, numbers)
    else:
        shown = format_number(v, 4, numbers)
    return f'<td class="num" data-v="{v!r}">{escape(shown)}</td>'


def _text_cells(column: pd.Series) -> list[str]:
    cells: dict[str, str] = {}
    # str() of each present value, "" for a missing one (the column's astype(str) in one pass).
    texts = ["" if missing else str(v) for v, missing in zip(column.tolist(), column.isna().to_numpy().tolist())]
    return [cells.get(v) or cells.setdefault(v, f"<td>{escape(v)}</td>") for v in texts]


def html_table(table_id: str, frame: pd.DataFrame, caption: str, _: Texts,
               formats: dict[str, str] | None = None) -> str:
    """A sortable, filterable table; ``formats`` (column -> number format as in report.xlsx) for its numbers.

    Headers and text cells wrap, so every column stays in sight in a 1280-pixel window.
    """
    formats = formats or {}
    values = list(frame.items())
    numeric = [pd.api.types.is_numeric_dtype(v.dtype) and not pd.api.types.is_bool_dtype(v.dtype) for _c, v in values]
    head = "".join(
        f'<th data-type="{"num" if num else "text"}" scope="col"><button type="button">{escape(str(c))}</button></th>'
        for (c, _v), num in zip(values, numeric)
    )
    # Cells are formatted a column at a time: the tables of a 55,000-student round have ~50,000 cells.
    columns = [_number_cells(v, formats.get(c), _) if num else _text_cells(v)
               for (c, v), num in zip(values, numeric)]
    rows = ["<tr>" + "".join(cells) + "</tr>" for cells in zip(*columns)]
    rows_word, search, filter_rows = _("html.rows"), _("html.search"), _("html.filter_rows")
    return (
        f'<div class="table-tools"><label>{escape(search)} <input type="search" class="filter" '
        f'data-table="{table_id}" placeholder="{escape(filter_rows)}"></label> '
        f'<span class="count" data-for="{table_id}" data-unit="{escape(rows_word)}">'
        f"{format_number(len(frame), 0, separators(_))} {escape(rows_word)}</span></div>"
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
table { border-collapse: collapse; font-size: .8rem; width: 100%%; }
caption { text-align: left; padding: .25rem .4rem; color: %(muted)s; }
th { position: sticky; top: 0; background: #eef2f6; text-align: left; vertical-align: bottom; }
th button { font: inherit; font-weight: 600; border: 0; background: none; cursor: pointer; padding: .3rem .3rem;
  text-align: left; overflow-wrap: anywhere; }
th[aria-sort=ascending] button::after { content: " ▲"; } th[aria-sort=descending] button::after { content: " ▼"; }
td { padding: .2rem .3rem; border-top: 1px solid %(grid)s; overflow-wrap: break-word; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
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
      var count = document.querySelector('.count[data-for="' + table.id + '"]');
      count.textContent = shown + ' ' + count.getAttribute('data-unit');
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


def html_page(title: str, meta: str, body: str, nav: str = "", lang: str = "en") -> str:
    """A whole self-contained page: no network (its Content-Security-Policy allows only inline style,
    inline script and data: images), the shared style and scripts, a header with title, meta line and
    optional navigation, then ``body`` (HTML); ``lang`` is the page's language."""
    nav_html = f"<nav>{nav}</nav>" if nav else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{escape(title)}</title><style>{PAGE_STYLE}</style><script>{HEAD_SCRIPT}</script></head>"
        f'<body data-ready="0" data-charts="0" data-errors="">'
        f"<header><h1>{escape(title)}</h1><p class=\"meta\">{escape(meta)}</p>{nav_html}</header>"
        f"{body}"
        f"<script>{BODY_SCRIPT}</script></body></html>\n"
    )


def report_title(heading: RunHeading, _: Texts) -> str:
    """The page's title: the round kind, the run and the date ('Antagningsrapport: Slutlig antagning, körning 3, 2027-07-01')."""
    run = _("html.run", run=heading.run_id) if heading.run_id is not None else _("doc.run_single")
    return f"{_('report.title')}: {_(f'round.{heading.round_kind}')}, {run}, {_.date(heading.date)}"


def report_html(
    programmes: pd.DataFrame,
    dimensioning: pd.DataFrame,
    flows: pd.DataFrame,
    rank_counts: dict[str, int],
    n_students: int,
    heading: RunHeading,
    meta: str,
    _: Texts,
    documents: dict[str, tuple[pd.DataFrame, SheetLayout]] | None = None,
) -> str:
    """The report page as one HTML string, in the language of ``_``.

    ``rank_counts``: students placed on their "1st", "2nd", "3rd", "4th or later" choice and
    "unplaced", in that order; ``heading``: the run (round kind, run, date, seed) for the title;
    ``meta``: one line naming the input, seed and version; ``documents``: :func:`document_table`
    of the tables in this language, when already made (for report.xlsx), else made here.
    """
    numbers = separators(_)
    unplaced = rank_counts.get("unplaced", 0)
    placed = n_students - unplaced
    first = rank_counts.get("1st", 0)
    seats = int(programmes["seats"].sum())
    vacant = int(programmes["vacant_seats"].clip(lower=0).sum())
    with_cutoff = int(programmes["cutoff_merit"].notna().sum())

    def count(value: int) -> str:
        return format_number(value, 0, numbers)

    cards = [
        ("students", _("report.students"), count(n_students), _("html.card_students")),
        ("placed", _("report.placed"), count(placed), _("html.card_share", share=_pct(placed, n_students, _))),
        ("first choice", _("report.first_choice"), _pct(first, n_students, _), _.counted("html.card_first", first)),
        ("unplaced", _("report.unplaced"), count(unplaced), _("html.card_share", share=_pct(unplaced, n_students, _))),
        ("vacant seats", _("report.vacant_seats"), count(vacant),
         _("html.card_vacant", seats=count(seats), share=_pct(vacant, seats, _))),
        ("oversubscribed", _("html.oversubscribed"), count(with_cutoff),
         _.counted("html.card_cutoff", len(programmes))),
    ]
    card_html = "".join(
        f'<div class="card" data-figure="{escape(key)}"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div><div class="label">{escape(note)}</div></div>'
        for key, label, value, note in cards
    )
    sections = [
        ("demand", _("html.chart_demand"), demand_chart(programmes, _), _("html.note_demand")),
        ("cutoffs", _("html.chart_cutoffs"), cutoff_chart(programmes, _), _("html.note_cutoffs")),
        ("choice-rank", _("html.chart_choice_rank"), choice_rank_chart(rank_counts, n_students, _), ""),
        ("flows", _("html.chart_flows"), flow_chart(flows, _), _("html.note_flows")),
    ]
    section_html = "".join(
        f'<section id="{sid}"><h2>{escape(heading_text)}</h2>{svg}'
        + (f'<p class="note">{escape(note)}</p>' if note else "") + "</section>"
        for sid, heading_text, svg, note in sections
    )
    tables = ""
    for name, table, caption in (("programmes", programmes, _("html.caption_programmes")),
                                 ("dimensioning", dimensioning, _("html.caption_dimensioning")),
                                 ("flows", flows, _("html.caption_flows"))):
        shown, layout = (documents or {}).get(name) or document_table(name, table, _)
        formats = {column: ("sek" if code == _("format.sek_xlsx") else code) for column, code in layout.formats.items()}
        tables += (f'<section id="tables-{name}"><h2>{escape(_(SHEET_KEYS[name]))}</h2>'
                   + html_table(f"table-{name}", shown, caption, _, formats) + "</section>")
    nav = "".join(f'<a href="#{sid}">{escape(text)}</a>' for sid, text in (
        ("demand", _("html.nav_demand")), ("cutoffs", _("html.nav_cutoffs")), ("choice-rank", _("html.nav_choices")),
        ("flows", _("html.nav_flows")), ("tables-programmes", _("sheet.programmes")),
        ("tables-dimensioning", _("sheet.dimensioning")), ("tables-flows", _("sheet.flows"))))
    headline = _("html.headline")
    return html_page(
        report_title(heading, _),
        meta,
        f'<section id="headline"><h2>{escape(headline)}</h2><div class="cards">{card_html}</div></section>'
        f"{section_html}{tables}",
        nav=nav,
        lang=_.language,
    )
