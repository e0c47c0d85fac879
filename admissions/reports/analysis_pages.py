"""The analyses' pages: whatif.html (with or without the demand model), sweep.html, plan.html and
lottery.html, self-contained pages comparing matchings side by side, with SVG charts.

The page frame, style, sortable tables and the SVG primitives (``svg_chart``, ``nice_ticks``, ``format_number``,
colours) are those of report.html (admissions.reports.html), so every page of the tool looks and
behaves the same; the two chart kinds drawn here (grouped horizontal bars that may go negative,
and lines over a numeric axis) are what a comparison needs and report.html does not have.
Like report.html the pages are in the document's language (Swedish by default, ``language`` of
admissions.toml or ``--language``): every text from the message catalogue, the tables' headers and
number formats those of report.xlsx (admissions.reports.workbook), numbers as the language writes
them. The CSV files beside a page keep the contract's English column names.
No student-level data: only the aggregate tables.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pandas as pd

from admissions.reports.language import Texts
from admissions.reports.html import (
    ACCENT,
    DEMAND,
    GRID,
    INK,
    MUTED,
    SEATS,
    format_number,
    html_page,
    html_table,
    nice_ticks,
    separators,
    tier_colour,
    svg_chart,
)
from admissions.analysis.scenarios import BASELINE
from admissions.reports import forecast as forecast_tables
from admissions.reports import lottery as lottery_tables
from admissions.reports import plan as plan_tables
from admissions.reports import whatif as whatif_tables
from admissions.reports.workbook import document_table

_BETTER = "#2f855a"

#: The columns of the tables each page shows (for the catalogue test: each has a header in both languages).
PAGE_COLUMNS = {
    "whatif.html": (*whatif_tables.SCENARIO_COLUMNS, *whatif_tables.CHANGE_COLUMNS),
    "whatif.html with the demand model": (*forecast_tables.SCENARIO_COLUMNS, *forecast_tables.CHANGE_COLUMNS,
                                          *forecast_tables.MUNICIPALITY_COLUMNS, *forecast_tables.CLOSED_COLUMNS),
    "sweep.html": whatif_tables.SWEEP_COLUMNS,
    "plan.html": plan_tables.PLAN_COLUMNS,
    "lottery.html": lottery_tables.PROGRAMME_COLUMNS,
}


def _table(table_id: str, frame: pd.DataFrame, caption: str, _: Texts) -> str:
    """A table of a page: headers, word columns and number formats as report.xlsx has them."""
    shown, layout = document_table(table_id, frame, _)
    formats = {column: ("sek" if code == _("format.sek_xlsx") else code) for column, code in layout.formats.items()}
    return html_table(table_id, shown, caption, _, formats)


def _in_words(frame: pd.DataFrame, column: str, value: str, word: str) -> pd.DataFrame:
    """``frame`` with ``value`` of ``column`` shown as the page's ``word`` (the CSV file keeps the value)."""
    if column not in frame.columns or not (frame[column] == value).any():
        return frame
    return frame.assign(**{column: frame[column].where(frame[column] != value, word)})


def analysis_meta(folder: str, n_students: int, n_programmes: int, lottery_from_input: bool, seed: int,
                  version: str, _: Texts) -> str:
    """The line under a page's title: the input, its size, the lottery and the version."""
    lottery = _("page.lottery_input") if lottery_from_input else _("page.lottery_seed", seed=seed)
    return _("page.meta", folder=folder,
             students=_.counted("html.n_students", n_students), offers=_.counted("page.n_offers", n_programmes),
             lottery=lottery, version=version)

#: Charts on whatif.html and sweep.html (their ids).
WHATIF_CHARTS = ("chart-students", "chart-places", "chart-cutoff-shifts")
SWEEP_CHARTS = ("chart-sweep-cutoff", "chart-sweep-seats", "chart-sweep-unplaced")
#: Most offers drawn in the cut-off shift chart (the largest shifts; the table has them all).
MAX_SHIFTS = 40


def _legend(series: list[tuple[str, list[float], str]], x: float) -> tuple[list[str], float]:
    """SVG legend entries (a coloured square and the name) for each series, left to right from ``x``,
    and where they end (about 7 px a character: the chart is made wide enough for its words in either
    language)."""
    body = []
    for name, _values, colour in series:
        body.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                    f'<text x="{x + 16}" y="16" fill="{INK}">{escape(name)}</text>')
        x += 30 + 7 * len(name)
    return body, x


def bar_chart(chart_id: str, labels: list[str], series: list[tuple[str, list[float], str]], title: str,
              note: str, _: Texts) -> str:
    """Horizontal grouped bars, one group per label, one bar per series; values may be negative."""
    numbers = separators(_)
    label_w, plot_w, top = 180, 520, 34
    bar_h = 11
    row_h = bar_h * len(series) + 10
    height = top + row_h * max(len(labels), 1) + 36
    values = [v for _n, vs, _c in series for v in vs] or [0.0]
    ticks = nice_ticks(min(min(values), 0.0), max(max(values), 0.0))
    low_axis, high_axis = ticks[0], ticks[-1]
    width_range = high_axis - low_axis or 1.0

    def x_of(value: float) -> float:
        return label_w + plot_w * (value - low_axis) / width_range

    body, legend_end = _legend(series, label_w)
    for value in ticks:
        xv = x_of(value)
        body.append(f'<line x1="{xv:.1f}" y1="{top - 4}" x2="{xv:.1f}" y2="{height - 34}" stroke="{GRID}"/>'
                    f'<text x="{xv:.1f}" y="{height - 20}" text-anchor="middle" fill="{MUTED}">'
                    f"{format_number(value, 0, numbers)}</text>")
    zero = x_of(0.0)
    body.append(f'<line x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}" y2="{height - 34}" stroke="{MUTED}"/>')
    for i, label in enumerate(labels):
        y = top + i * row_h
        body.append(f'<text x="{label_w - 8}" y="{y + row_h / 2 + 2:.1f}" text-anchor="end" fill="{INK}">'
                    f"{escape(label)}</text>")
        for j, (name, vs, colour) in enumerate(series):
            value = float(vs[i])
            x0, x1 = sorted((zero, x_of(value)))
            yb = y + j * bar_h
            tip = escape(f"{label}: {name} {format_number(value, 2, numbers)}")
            end = x1 + 4 if value >= 0 else x0 - 4
            anchor = "start" if value >= 0 else "end"
            text = (f'<text x="{end:.1f}" y="{yb + bar_h - 2:.1f}" text-anchor="{anchor}" fill="{MUTED}" '
                    f'font-size="10">{format_number(value, 2, numbers)}</text>') if value else ""
            body.append(f'<g class="mark"><title>{tip}</title>'
                        f'<rect x="{x0:.1f}" y="{yb:.1f}" width="{max(x1 - x0, 0.5):.1f}" height="{bar_h - 1}" '
                        f'fill="{colour}"/>{text}</g>')
    if note:
        body.append(f'<text x="{label_w}" y="{height - 4}" fill="{MUTED}">{escape(note)}</text>')
    return svg_chart(chart_id, max(label_w + plot_w + 80, legend_end, label_w + 7 * len(note)), height, body, title)


def line_chart(chart_id: str, x: list[float], series: list[tuple[str, list[float], str]], title: str,
               x_label: str, y_label: str, _: Texts, marker: float | None = None, zero_based: bool = True) -> str:
    """Lines over a numeric x axis (missing values break the line); ``marker`` draws a vertical rule.

    ``zero_based`` False fits the y axis to the values (for a large count that moves a little).
    """
    numbers = separators(_)
    left, top, plot_w, plot_h = 60, 30, 620, 260
    xs = [float(v) for v in x] or [0.0]
    x_ticks = nice_ticks(min(xs), max(xs))
    x_low, x_high = x_ticks[0], x_ticks[-1]
    x_span = (x_high - x_low) or 1.0
    ys = [float(v) for _n, vs, _c in series for v in vs if v is not None and not math.isnan(float(v))]
    if not zero_based and ys:
        # Fitted to the values, with round ticks; 0 is among them when the values cross it.
        pad = max((max(ys) - min(ys)) * 0.1, 1.0)
        y_ticks = nice_ticks(min(ys) - pad, max(ys) + pad)
    else:
        y_ticks = nice_ticks(min(min(ys, default=0.0), 0.0), max(max(ys, default=1.0), 0.0))
    y_low, y_high = y_ticks[0], y_ticks[-1]

    def px(value: float) -> float:
        return left + plot_w * (value - x_low) / x_span

    def py(value: float) -> float:
        return top + plot_h - plot_h * (value - y_low) / ((y_high - y_low) or 1.0)

    body, legend_end = _legend(series, left)
    for value in y_ticks:
        y = py(value)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                    f"{format_number(value, 2, numbers)}</text>")
    for xv in x_ticks:
        body.append(f'<text x="{px(xv):.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="{MUTED}">'
                    f"{format_number(xv, 2, numbers)}</text>")
    if marker is not None and x_low <= marker <= x_high:
        now = _("page.now")
        body.append(f'<line x1="{px(marker):.1f}" y1="{top}" x2="{px(marker):.1f}" y2="{top + plot_h}" '
                    f'stroke="{MUTED}" stroke-dasharray="4 3"/><text x="{px(marker) + 4:.1f}" y="{top + 10}" '
                    f'fill="{MUTED}">{escape(now)}</text>')
    for name, vs, colour in series:
        segments, current = [], []
        for xv, yv in zip(xs, vs):
            if yv is None or math.isnan(float(yv)):
                if current:
                    segments.append(current)
                current = []
                continue
            current.append((px(xv), py(float(yv)), xv, float(yv)))
        if current:
            segments.append(current)
        for segment in segments:
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b, _xv, _yv in segment)
            body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
            for a, b, xv, yv in segment:
                tip = escape(f"{x_label} {format_number(xv, 2, numbers)}: {name} {format_number(yv, 2, numbers)}")
                body.append(f'<circle class="mark" cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}">'
                            f"<title>{tip}</title></circle>")
    body.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h + 34}" text-anchor="middle" fill="{MUTED}">'
                f"{escape(x_label)}</text>")
    body.append(f'<text x="14" y="{top + plot_h / 2}" transform="rotate(-90 14 {top + plot_h / 2})" '
                f'text-anchor="middle" fill="{MUTED}">{escape(y_label)}</text>')
    return svg_chart(chart_id, max(left + plot_w + 30, legend_end), top + plot_h + 44, body, title)


def shift_chart(changes: pd.DataFrame, _: Texts) -> str:
    """Dumbbells: the cut-off before (grey) and after (colour) of the offers whose cut-off moved most."""
    numbers = separators(_)
    before = pd.to_numeric(changes["cutoff_before"], errors="coerce").astype("float64")
    after = pd.to_numeric(changes["cutoff_after"], errors="coerce").astype("float64")
    moved = changes.assign(b=before, a=after)
    moved = moved[~((moved["b"] == moved["a"]) | (moved["b"].isna() & moved["a"].isna()))]
    # Largest shifts first; a cut-off that appears or disappears counts as the largest.
    size = (moved["a"] - moved["b"]).abs().fillna(np.inf)
    moved = moved.assign(size=size).sort_values("size", ascending=False, kind="stable").head(MAX_SHIFTS)
    label_w, plot_w, row_h, top = 260, 480, 18, 30
    height = top + row_h * max(len(moved), 1) + 36
    ticks = nice_ticks(0.0, 340.0, target=7)
    maximum = ticks[-1]
    before_word, after_word = _("page.before"), _("page.after_no_dot")
    after_at = label_w + 36 + 7 * len(before_word)
    body = [f'<circle cx="{label_w + 6}" cy="12" r="5" fill="{SEATS}"/><text x="{label_w + 16}" y="16" '
            f'fill="{INK}">{escape(before_word)}</text><circle cx="{after_at}" cy="12" r="5" fill="{ACCENT}"/>'
            f'<text x="{after_at + 10}" y="16" fill="{INK}">{escape(after_word)}</text>']
    for value in ticks:
        x = label_w + plot_w * value / maximum
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 34}" stroke="{GRID}"/>'
                    f'<text x="{x:.1f}" y="{height - 20}" text-anchor="middle" fill="{MUTED}">'
                    f"{format_number(value, 0, numbers)}</text>")
    for i, row in enumerate(moved.itertuples(index=False)):
        y = top + i * row_h + row_h / 2
        label = f"{row.scenario}: {row.programme_id}"
        body.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}" font-size="11">'
                    f"{escape(label)}</text>")
        tip = escape(_("page.cutoff_moved", offer=label,
                       before=_with_tier(row.b, getattr(row, "cutoff_tier_before", None), _),
                       after=_with_tier(row.a, getattr(row, "cutoff_tier_after", None), _)))
        parts = [f"<title>{tip}</title>"]
        xs = [label_w + plot_w * min(v, maximum) / maximum if not math.isnan(v) else None for v in (row.b, row.a)]
        if xs[0] is not None and xs[1] is not None:
            parts.append(f'<line x1="{xs[0]:.1f}" y1="{y:.1f}" x2="{xs[1]:.1f}" y2="{y:.1f}" stroke="{MUTED}"/>')
        for xv, colour in zip(xs, (SEATS, ACCENT)):
            if xv is not None:
                parts.append(f'<circle cx="{xv:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>')
        body.append(f'<g class="mark">{"".join(parts)}</g>')
    axis = _chart_words(body, label_w, top, height, _("page.no_cutoff_moved") if len(moved) == 0 else None,
                        _("html.cutoff_axis"))
    width = max(label_w + plot_w + 30, after_at + 20 + 7 * len(after_word), label_w + 7 * len(axis))
    return svg_chart("chart-cutoff-shifts", width, height, body, _("page.chart_cutoffs_moved"))


def _chart_words(body: list[str], label_w: float, top: float, height: float, nothing: str | None,
                 axis: str) -> str:
    """Append to a chart's ``body`` the line saying it has ``nothing`` to show (when it has not) and
    its ``axis`` caption at the foot; returns the caption (the chart's width must hold it)."""
    if nothing is not None:
        body.append(f'<text x="{label_w}" y="{top + 12}" fill="{MUTED}">{escape(nothing)}</text>')
    body.append(f'<text x="{label_w}" y="{height - 4}" fill="{MUTED}">{escape(axis)}</text>')
    return axis


def _with_tier(cutoff: float, tier: object, _: Texts) -> str:
    """A cut-off with the tier of its last admitted: '212,5 (andrahandssökande)'; 'inget' without a cut-off."""
    if cutoff is None or pd.isna(cutoff):
        return _("page.no_cutoff")
    shown = format_number(cutoff, 2, separators(_))
    return shown + ("" if tier is None or pd.isna(tier) else f" ({_(f'tier.{int(tier)}')})")


def _page(title: str, meta: str, sections: list[tuple[str, str, str, str]], tables: str, _: Texts) -> str:
    section_html = "".join(
        f'<section id="{sid}"><h2>{escape(heading)}</h2>{content}'
        + (f'<p class="note">{escape(note)}</p>' if note else "") + "</section>"
        for sid, heading, content, note in sections
    )
    return html_page(title, meta, f"{section_html}{tables}", lang=_.language)


def _tables(section_id: str, heading: str, table: str) -> str:
    return f'<section id="{section_id}"><h2>{escape(heading)}</h2>{table}</section>'


def whatif_html(summary: pd.DataFrame, changes: pd.DataFrame, meta: str, _: Texts) -> str:
    """The what-if page: scenarios side by side (table and charts) and the offers that changed."""
    numbers = separators(_)
    base = summary.iloc[0]
    others = summary.iloc[1:]
    labels = others["scenario"].astype(str).tolist()
    students = bar_chart(
        "chart-students", labels,
        [(_("page.better"), others["better"].astype(float).tolist(), _BETTER),
         (_("page.worse"), (-others["worse"].astype(float)).tolist(), ACCENT)],
        _("whatif.chart_students"), _("whatif.note_students"), _,
    )
    places = bar_chart(
        "chart-places", labels,
        [(_("page.placed"), (others["placed"] - base["placed"]).astype(float).tolist(), DEMAND),
         (_("page.first_choice"),
          (others["placed_first_choice"] - base["placed_first_choice"]).astype(float).tolist(), _BETTER),
         (_("page.vacant_seats"), (others["vacant_seats"] - base["vacant_seats"]).astype(float).tolist(), SEATS)],
        _("whatif.chart_places"),
        _("whatif.note_places", placed=format_number(int(base["placed"]), 0, numbers),
          first=format_number(int(base["placed_first_choice"]), 0, numbers),
          vacant=format_number(int(base["vacant_seats"]), 0, numbers)), _,
    )
    shown = _in_words(summary, "scenario", BASELINE, _("page.baseline"))
    sections = [
        ("scenarios", _("page.section_scenarios"),
         _table("table-scenarios", shown, _("whatif.caption_scenarios"), _), _("whatif.note_scenarios")),
        ("students", _("whatif.section_students"), students, ""),
        ("places", _("page.section_places"), places, ""),
        ("cutoffs", _("whatif.section_cutoffs"), shift_chart(changes, _), _("whatif.note_cutoffs", n=MAX_SHIFTS)),
    ]
    tables = _tables("tables-changes", _("whatif.section_changes"),
                     _table("table-changes", changes, _("whatif.caption_changes"), _))
    return _page(_("whatif.title"), meta, sections, tables, _)


def sweep_html(table: pd.DataFrame, baseline_seats: int, label: str, meta: str, _: Texts) -> str:
    """The sweep page: cut-off, vacant seats and unplaced as the seats of one offer vary."""
    seats = table["seats"].astype(float).tolist()
    cutoff = pd.to_numeric(table["cutoff"], errors="coerce").astype("float64")
    tiers = pd.to_numeric(table["cutoff_tier"], errors="coerce") if "cutoff_tier" in table else pd.Series(1.0, index=table.index)
    # One line per tier of the last admitted: where the tier changes, the line breaks and changes colour
    # (a cut-off among second-hand applicants is not comparable with one among first-hand applicants).
    by_tier = [(_("sweep.cutoff_tier", tier=_(f"tier.{int(t)}")), cutoff.where(tiers == t).tolist(), tier_colour(t))
               for t in sorted(tiers.dropna().unique())] or [(_("html.cutoff"), cutoff.tolist(), ACCENT)]
    seats_word = _("html.seats")
    cut = line_chart("chart-sweep-cutoff", seats, by_tier, _("sweep.chart_cutoff", offer=label), seats_word,
                     _("html.cutoff"), _, marker=baseline_seats, zero_based=False)
    counts = line_chart(
        "chart-sweep-seats", seats,
        [(_("page.admitted"), table["admitted"].astype(float).tolist(), DEMAND),
         (_("page.vacant_seats"), table["vacant_seats"].astype(float).tolist(), SEATS)],
        _("sweep.chart_seats", offer=label), seats_word, _("sweep.students_seats"), _, marker=baseline_seats,
    )
    unplaced = line_chart(
        "chart-sweep-unplaced", seats,
        [(_("sweep.unplaced_region"), table["unplaced"].astype(float).tolist(), ACCENT)],
        _("sweep.chart_unplaced", offer=label), seats_word, _("page.students"), _,
        marker=baseline_seats, zero_based=False,
    )
    sections = [
        ("cutoff", _("sweep.section_cutoff"), cut, _("sweep.note_cutoff")),
        ("counts", _("sweep.section_counts"), counts,
         _.counted("sweep.note_counts", baseline_seats)),
        ("unplaced", _("sweep.section_unplaced"), unplaced, _("page.axis_not_zero")),
    ]
    tables = _tables("tables-sweep", _("sweep.section_table"),
                     _table("table-sweep", table, _("sweep.caption_table"), _))
    return _page(_("sweep.title", offer=label), meta, sections, tables, _)


def forecast_html(summary: pd.DataFrame, changes: pd.DataFrame, municipalities: pd.DataFrame,
                  closed: pd.DataFrame, meta: str, _: Texts) -> str:
    """The what-if page with the demand model: expected values and 90 % intervals per scenario."""
    numbers = separators(_)
    others = summary.iloc[1:]
    base = summary.iloc[0]
    labels = others["scenario"].astype(str).tolist()
    places = bar_chart(
        "chart-places", labels,
        [(_("page.placed"), (others["placed"] - base["placed"]).astype(float).tolist(), DEMAND),
         (_("page.unplaced"), (others["unplaced"] - base["unplaced"]).astype(float).tolist(), ACCENT),
         (_("page.vacant_seats"), (others["vacant_seats"] - base["vacant_seats"]).astype(float).tolist(), SEATS)],
        _("forecast.chart_places"),
        _("forecast.note_places", placed=format_number(int(base["placed"]), 0, numbers),
          unplaced=format_number(int(base["unplaced"]), 0, numbers),
          vacant=format_number(int(base["vacant_seats"]), 0, numbers)), _,
    )
    moved = changes[(changes["added"]) | (changes["seats_after"] != changes["seats_before"])
                    | ((changes["applicants"] - changes["applicants_before"]).abs() >= 1)]
    shown = _in_words(summary, "scenario", BASELINE, _("page.baseline"))
    closed = _in_words(closed, "destination", forecast_tables.UNPLACED, _("page.unplaced"))
    sections = [
        ("scenarios", _("page.section_scenarios"),
         _table("table-scenarios", shown, _("forecast.caption_scenarios"), _), _("forecast.note_scenarios")),
        ("places", _("page.section_places"), places, ""),
        ("municipalities", _("forecast.section_municipalities"),
         _table("table-municipalities", municipalities, _("forecast.caption_municipalities"), _), ""),
        ("closed", _("forecast.section_closed"), _table("table-closed", closed, "closed_offers.csv", _), ""),
    ]
    tables = _tables("tables-changes", _("forecast.section_changes"),
                     _table("table-changes", moved, _("forecast.caption_changes"), _))
    return _page(_("forecast.title"), meta, sections, tables, _)


def forecast_meta(meta: str, draws: int, seed: int, _: Texts) -> str:
    """The line under the demand model's what-if page: :func:`analysis_meta`, the draws per scenario and their seed."""
    return _.counted("forecast.meta", draws, meta=meta, seed=seed)


#: The figures of plan.html's first table: catalogue key of the row -> run.json's verified figure.
PLAN_FIGURES = {"plan.eligible_first_hand_unplaced": "eligible_first_hand_unplaced",
                "plan.not_first_choice": "not_first_choice", "page.placed": "placed", "html.seats": "seats"}


def plan_html(table: pd.DataFrame, record: dict, meta: str, _: Texts) -> str:
    """The seat plan page: verified figures before and after, and the classes per offer."""
    numbers = separators(_)
    v = record["verified"]
    figures = pd.DataFrame({
        _("col.field"): [_(key) for key in PLAN_FIGURES],
        _("plan.today"): [v["before"][name] for name in PLAN_FIGURES.values()],
        _("plan.with_plan"): [v["after"][name] for name in PLAN_FIGURES.values()],
    })
    settings = record["settings"]
    classes = v["classes_added"]
    repairs = len(record["repairs"])
    note = " ".join((
        _("plan.note_cost", cost=_.sek(v["cost_sek"]), budget=_.sek(settings["budget_sek"])),
        _.counted("plan.note_classes", classes, size=format_number(settings["class_size"], 0, numbers)),
        _.counted("plan.note_verified", repairs, matchings=format_number(record["matchings"], 0, numbers)),
    ))
    unpriced = settings.get("programme_codes_without_price")
    if unpriced:
        note += " " + _("plan.note_unpriced", codes=", ".join(unpriced))
    sections = [
        ("effect", _("plan.section_effect"), _table("table-effect", figures, "run.json: verified", _), note),
        ("plan", _("plan.section_plan"), _table("table-plan", table, "plan.csv", _), ""),
    ]
    return _page(_("plan.title"), meta, sections, "", _)


#: Charts on lottery.html (their ids).
LOTTERY_CHARTS = ("chart-lottery-cutoffs",)
#: Most offers drawn in the lottery's cut-off chart (the widest spreads; the table has them all).
MAX_SPREADS = 40


def spread_chart(programmes: pd.DataFrame, _: Texts) -> str:
    """Per offer whose cut-off varies over the draws: min to max (thin), 5th to 95th percentile (thick), median (dot)."""
    numbers = separators(_)
    table = programmes.assign(**{c: pd.to_numeric(programmes[c], errors="coerce").astype("float64")
                                 for c in ("cutoff_min", "cutoff_p05", "cutoff_median", "cutoff_p95", "cutoff_max")})
    table = table[table["cutoff_max"] > table["cutoff_min"]]
    table = (table.assign(width=table["cutoff_max"] - table["cutoff_min"])
             .sort_values(["width", "programme_id"], ascending=[False, True], kind="stable").head(MAX_SPREADS))
    label_w, plot_w, row_h, top = 200, 520, 18, 30
    height = top + row_h * max(len(table), 1) + 36
    ticks = nice_ticks(float(table["cutoff_min"].min()) if len(table) else 0.0,
                       float(table["cutoff_max"].max()) if len(table) else 340.0, target=7)
    low, high = ticks[0], ticks[-1]

    def x_of(value: float) -> float:
        return label_w + plot_w * (value - low) / ((high - low) or 1.0)

    def shown(value: float) -> str:
        return format_number(value, 2, numbers)

    # The legend: each mark, then its words, the next one after them (about 7 px a character).
    range_word, middle_word, median_word = _("lottery.min_to_max"), _("lottery.p05_to_p95"), _("lottery.median")
    middle_at = label_w + 40 + 7 * len(range_word)
    median_at = middle_at + 44 + 7 * len(middle_word)
    body = [f'<rect x="{label_w}" y="8" width="24" height="2" fill="{SEATS}"/>'
            f'<text x="{label_w + 30}" y="14" fill="{INK}">{escape(range_word)}</text>'
            f'<rect x="{middle_at}" y="5" width="24" height="8" fill="{DEMAND}"/>'
            f'<text x="{middle_at + 30}" y="14" fill="{INK}">{escape(middle_word)}</text>'
            f'<circle cx="{median_at}" cy="9" r="4" fill="{ACCENT}"/>'
            f'<text x="{median_at + 10}" y="14" fill="{INK}">{escape(median_word)}</text>']
    for value in ticks:
        x = x_of(value)
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 34}" stroke="{GRID}"/>'
                    f'<text x="{x:.1f}" y="{height - 20}" text-anchor="middle" fill="{MUTED}">{shown(value)}</text>')
    for i, row in enumerate(table.itertuples(index=False)):
        y = top + i * row_h + row_h / 2
        tip = escape(_("lottery.spread_tip", offer=row.programme_id, low=shown(row.cutoff_min),
                       high=shown(row.cutoff_max), p05=shown(row.cutoff_p05), p95=shown(row.cutoff_p95),
                       median=shown(row.cutoff_median)))
        body.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}" font-size="11">'
                    f"{escape(str(row.programme_id))}</text>"
                    f'<g class="mark"><title>{tip}</title>'
                    f'<rect x="{x_of(row.cutoff_min):.1f}" y="{y - 1:.1f}" width="{max(x_of(row.cutoff_max) - x_of(row.cutoff_min), 0.5):.1f}" '
                    f'height="2" fill="{SEATS}"/>'
                    f'<rect x="{x_of(row.cutoff_p05):.1f}" y="{y - 4:.1f}" width="{max(x_of(row.cutoff_p95) - x_of(row.cutoff_p05), 1):.1f}" '
                    f'height="8" fill="{DEMAND}"/>'
                    f'<circle cx="{x_of(row.cutoff_median):.1f}" cy="{y:.1f}" r="4" fill="{ACCENT}"/></g>')
    axis = _chart_words(body, label_w, top, height, _("lottery.no_spread") if len(table) == 0 else None,
                        _("lottery.axis"))
    width = max(label_w + plot_w + 30, median_at + 20 + 7 * len(median_word), label_w + 7 * len(axis))
    return svg_chart("chart-lottery-cutoffs", width, height, body, _("lottery.chart"))


#: The figures of lottery.html's first table: catalogue key of the row -> run.json's count (draws: the record's).
LOTTERY_FIGURES = {
    "lottery.draws": "draws", "page.students": "students", "lottery.students_certain": "students_certain",
    "lottery.students_uncertain": "students_uncertain",
    "lottery.students_sometimes_unplaced": "students_sometimes_unplaced",
    "lottery.programmes_ever_oversubscribed": "programmes_ever_oversubscribed",
    "lottery.programmes_cutoff_varies": "programmes_cutoff_varies",
}


def lottery_meta(folder: str, draws: int, seed: int, version: str, _: Texts) -> str:
    """The line under lottery.html's title: the input, the draws and their seed, the version."""
    return _.counted("lottery.meta", draws, folder=folder, seed=seed, version=version)


def lottery_html(programmes: pd.DataFrame, record: dict, meta: str, _: Texts) -> str:
    """The lottery page: what the draws left certain and uncertain, and the spread of each offer's cut-off."""
    counts = {**record["counts"], "draws": record["draws"]}
    figures = pd.DataFrame({
        _("col.field"): [_(key) for key in LOTTERY_FIGURES],
        _("col.value"): [counts[name] for name in LOTTERY_FIGURES.values()],
    })
    shown = programmes.drop(columns=[c for c in ("latitude", "longitude") if c in programmes.columns])
    sections = [
        ("figures", _("lottery.section_figures"), _table("table-figures", figures, "run.json: counts", _),
         _("lottery.note_figures")),
        ("spread", _("lottery.section_spread"), spread_chart(programmes, _),
         _("lottery.note_spread", n=MAX_SPREADS)),
    ]
    tables = _tables("tables-lottery", _("lottery.section_offers"),
                     _table("table-lottery", shown, _("lottery.caption_offers"), _))
    title = _.counted("lottery.title", record["draws"], seed=record["seed"])
    return _page(title, meta, sections, tables, _)
