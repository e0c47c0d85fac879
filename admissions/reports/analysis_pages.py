"""whatif.html and sweep.html: self-contained pages comparing matchings side by side, with SVG charts.

The page frame, style, sortable tables and the SVG primitives (``svg_chart``, ``nice_ticks``, ``format_number``,
colours) are those of report.html (admissions.reports.html), so every page of the tool looks and
behaves the same; the two chart kinds drawn here (grouped horizontal bars that may go negative,
and lines over a numeric axis) are what a comparison needs and report.html does not have.
No student-level data: only the aggregate tables.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pandas as pd

from admissions.reports.language import texts
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
    tier_colour,
    svg_chart,
)

_BETTER = "#2f855a"
#: These pages are in English; their few shared words come from the catalogue like report.html's.
_EN = texts("en")


def _table(table_id: str, frame: pd.DataFrame, caption: str) -> str:
    return html_table(table_id, frame, caption, _EN)

#: Charts on whatif.html and sweep.html (their ids).
WHATIF_CHARTS = ("chart-students", "chart-places", "chart-cutoff-shifts")
SWEEP_CHARTS = ("chart-sweep-cutoff", "chart-sweep-seats", "chart-sweep-unplaced")
#: Most offers drawn in the cut-off shift chart (the largest shifts; the table has them all).
MAX_SHIFTS = 40


def _legend(series: list[tuple[str, list[float], str]], x: float) -> list[str]:
    """SVG legend entries (a coloured square and the name) for each series, left to right from ``x``."""
    body = []
    for name, _, colour in series:
        body.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                    f'<text x="{x + 16}" y="16" fill="{INK}">{escape(name)}</text>')
        x += 30 + 7 * len(name)
    return body


def bar_chart(chart_id: str, labels: list[str], series: list[tuple[str, list[float], str]], title: str,
              note: str = "") -> str:
    """Horizontal grouped bars, one group per label, one bar per series; values may be negative."""
    label_w, plot_w, top = 180, 520, 34
    bar_h = 11
    row_h = bar_h * len(series) + 10
    height = top + row_h * max(len(labels), 1) + 36
    values = [v for _, vs, _ in series for v in vs] or [0.0]
    ticks = nice_ticks(min(min(values), 0.0), max(max(values), 0.0))
    low_axis, high_axis = ticks[0], ticks[-1]
    width_range = high_axis - low_axis or 1.0

    def x_of(value: float) -> float:
        return label_w + plot_w * (value - low_axis) / width_range

    body = _legend(series, label_w)
    for value in ticks:
        xv = x_of(value)
        body.append(f'<line x1="{xv:.1f}" y1="{top - 4}" x2="{xv:.1f}" y2="{height - 34}" stroke="{GRID}"/>'
                    f'<text x="{xv:.1f}" y="{height - 20}" text-anchor="middle" fill="{MUTED}">{format_number(value, 0)}</text>')
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
            tip = escape(f"{label}: {name} {format_number(value)}")
            end = x1 + 4 if value >= 0 else x0 - 4
            anchor = "start" if value >= 0 else "end"
            text = (f'<text x="{end:.1f}" y="{yb + bar_h - 2:.1f}" text-anchor="{anchor}" fill="{MUTED}" '
                    f'font-size="10">{format_number(value)}</text>') if value else ""
            body.append(f'<g class="mark"><title>{tip}</title>'
                        f'<rect x="{x0:.1f}" y="{yb:.1f}" width="{max(x1 - x0, 0.5):.1f}" height="{bar_h - 1}" '
                        f'fill="{colour}"/>{text}</g>')
    if note:
        body.append(f'<text x="{label_w}" y="{height - 4}" fill="{MUTED}">{escape(note)}</text>')
    return svg_chart(chart_id, label_w + plot_w + 80, height, body, title)


def line_chart(chart_id: str, x: list[float], series: list[tuple[str, list[float], str]], title: str,
               x_label: str, y_label: str, marker: float | None = None, zero_based: bool = True) -> str:
    """Lines over a numeric x axis (missing values break the line); ``marker`` draws a vertical rule.

    ``zero_based`` False fits the y axis to the values (for a large count that moves a little).
    """
    left, top, plot_w, plot_h = 60, 30, 620, 260
    xs = [float(v) for v in x] or [0.0]
    x_ticks = nice_ticks(min(xs), max(xs))
    x_low, x_high = x_ticks[0], x_ticks[-1]
    x_span = (x_high - x_low) or 1.0
    ys = [float(v) for _, vs, _ in series for v in vs if v is not None and not math.isnan(float(v))]
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

    body = _legend(series, left)
    for value in y_ticks:
        y = py(value)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{format_number(value)}</text>')
    for xv in x_ticks:
        body.append(f'<text x="{px(xv):.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="{MUTED}">'
                    f"{format_number(xv)}</text>")
    if marker is not None and x_low <= marker <= x_high:
        body.append(f'<line x1="{px(marker):.1f}" y1="{top}" x2="{px(marker):.1f}" y2="{top + plot_h}" '
                    f'stroke="{MUTED}" stroke-dasharray="4 3"/><text x="{px(marker) + 4:.1f}" y="{top + 10}" '
                    f'fill="{MUTED}">now</text>')
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
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b, _, _ in segment)
            body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
            for a, b, xv, yv in segment:
                tip = escape(f"{x_label} {format_number(xv)}: {name} {format_number(yv)}")
                body.append(f'<circle class="mark" cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}">'
                            f"<title>{tip}</title></circle>")
    body.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h + 34}" text-anchor="middle" fill="{MUTED}">'
                f"{escape(x_label)}</text>")
    body.append(f'<text x="14" y="{top + plot_h / 2}" transform="rotate(-90 14 {top + plot_h / 2})" '
                f'text-anchor="middle" fill="{MUTED}">{escape(y_label)}</text>')
    return svg_chart(chart_id, left + plot_w + 30, top + plot_h + 44, body, title)


def shift_chart(changes: pd.DataFrame) -> str:
    """Dumbbells: the cut-off before (grey) and after (colour) of the offers whose cut-off moved most."""
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
    body = [f'<circle cx="{label_w + 6}" cy="12" r="5" fill="{SEATS}"/><text x="{label_w + 16}" y="16" '
            f'fill="{INK}">before</text><circle cx="{label_w + 76}" cy="12" r="5" fill="{ACCENT}"/>'
            f'<text x="{label_w + 86}" y="16" fill="{INK}">after (no dot: no cut-off, every applicant admitted)</text>']
    for value in ticks:
        x = label_w + plot_w * value / maximum
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 34}" stroke="{GRID}"/>'
                    f'<text x="{x:.1f}" y="{height - 20}" text-anchor="middle" fill="{MUTED}">{format_number(value, 0)}</text>')
    for i, row in enumerate(moved.itertuples(index=False)):
        y = top + i * row_h + row_h / 2
        label = f"{row.scenario}: {row.programme_id}"
        body.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}" font-size="11">'
                    f"{escape(label)}</text>")
        tip = escape(f"{label}: cut-off {_with_tier(row.b, getattr(row, 'cutoff_tier_before', None))} → "
                     f"{_with_tier(row.a, getattr(row, 'cutoff_tier_after', None))}")
        parts = [f"<title>{tip}</title>"]
        xs = [label_w + plot_w * min(v, maximum) / maximum if not math.isnan(v) else None for v in (row.b, row.a)]
        if xs[0] is not None and xs[1] is not None:
            parts.append(f'<line x1="{xs[0]:.1f}" y1="{y:.1f}" x2="{xs[1]:.1f}" y2="{y:.1f}" stroke="{MUTED}"/>')
        for xv, colour in zip(xs, (SEATS, ACCENT)):
            if xv is not None:
                parts.append(f'<circle cx="{xv:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>')
        body.append(f'<g class="mark">{"".join(parts)}</g>')
    if len(moved) == 0:
        body.append(f'<text x="{label_w}" y="{top + 12}" fill="{MUTED}">no cut-off moved</text>')
    body.append(f'<text x="{label_w}" y="{height - 4}" fill="{MUTED}">score (merit value plus test points) '
                "of the lowest admitted in the ordinary quota</text>")
    return svg_chart("chart-cutoff-shifts", label_w + plot_w + 30, height, body, "Cut-offs that moved")


def _with_tier(cutoff: float, tier: object) -> str:
    """A cut-off with the tier of its last admitted: '212.5 (second-hand applicant)'; 'none' without a cut-off."""
    if cutoff is None or pd.isna(cutoff):
        return "none"
    return format_number(cutoff) + ("" if tier is None or pd.isna(tier) else f" ({_EN(f'tier.{int(tier)}')})")


def _page(title: str, meta: str, sections: list[tuple[str, str, str, str]], tables: str) -> str:
    section_html = "".join(
        f'<section id="{sid}"><h2>{escape(heading)}</h2>{content}'
        + (f'<p class="note">{escape(note)}</p>' if note else "") + "</section>"
        for sid, heading, content, note in sections
    )
    return html_page(title, meta, f"{section_html}{tables}")


def whatif_html(summary: pd.DataFrame, changes: pd.DataFrame, meta: str) -> str:
    """The what-if page: scenarios side by side (table and charts) and the offers that changed."""
    base = summary.iloc[0]
    others = summary.iloc[1:]
    labels = others["scenario"].astype(str).tolist()
    students = bar_chart(
        "chart-students", labels,
        [("better choice", others["better"].astype(float).tolist(), _BETTER),
         ("worse choice", (-others["worse"].astype(float)).tolist(), ACCENT)],
        "Students who get a better or a worse choice than in the round as it is",
        "students; worse drawn to the left (an unplaced student is worse off than any placement)",
    )
    places = bar_chart(
        "chart-places", labels,
        [("placed", (others["placed"] - base["placed"]).astype(float).tolist(), DEMAND),
         ("first choice", (others["placed_first_choice"] - base["placed_first_choice"]).astype(float).tolist(),
          _BETTER),
         ("vacant seats", (others["vacant_seats"] - base["vacant_seats"]).astype(float).tolist(), SEATS)],
        "Change against the baseline: placed, placed on first choice, vacant seats",
        f"baseline: {int(base['placed']):,} placed, {int(base['placed_first_choice']):,} on first choice, "
        f"{int(base['vacant_seats']):,} vacant seats",
    )
    sections = [
        ("scenarios", "Scenarios side by side",
         _table("table-scenarios", summary, "scenarios.csv: one row per scenario, the round as it is first"),
         "better / worse / same: students whose choice (rank on their own list) is better, worse or the "
         "same as in the baseline; vacant seats include the seats of added offers, which nobody has "
         "applied to."),
        ("students", "Better and worse off", students, ""),
        ("places", "Placements and vacant seats", places, ""),
        ("cutoffs", "Cut-offs (antagningspoäng) that moved", shift_chart(changes),
         f"At most {MAX_SHIFTS} offers, the largest shifts first; every change is in the table below."),
    ]
    tables = ('<section id="tables-changes"><h2>Offers that changed</h2>'
              + _table("table-changes", changes,
                       "programme_changes.csv: per scenario, offers whose seats, admitted or cut-off changed")
              + "</section>")
    return _page("What-if scenarios", meta, sections, tables)


def sweep_html(table: pd.DataFrame, baseline_seats: int, label: str, meta: str) -> str:
    """The sweep page: cut-off, vacant seats and unplaced as the seats of one offer vary."""
    seats = table["seats"].astype(float).tolist()
    cutoff = pd.to_numeric(table["cutoff"], errors="coerce").astype("float64")
    tiers = pd.to_numeric(table["cutoff_tier"], errors="coerce") if "cutoff_tier" in table else pd.Series(1.0, index=table.index)
    # One line per tier of the last admitted: where the tier changes, the line breaks and changes colour
    # (a cut-off among second-hand applicants is not comparable with one among first-hand applicants).
    by_tier = [(f"cut-off: {_EN(f'tier.{int(t)}')}", cutoff.where(tiers == t).tolist(), tier_colour(t))
               for t in sorted(tiers.dropna().unique())] or [("cut-off", cutoff.tolist(), ACCENT)]
    cut = line_chart("chart-sweep-cutoff", seats, by_tier,
                     f"Cut-off of {label} against its seats", "seats", "cut-off score", marker=baseline_seats,
                     zero_based=False)
    counts = line_chart(
        "chart-sweep-seats", seats,
        [("admitted", table["admitted"].astype(float).tolist(), DEMAND),
         ("vacant seats", table["vacant_seats"].astype(float).tolist(), SEATS)],
        f"Admitted and vacant seats at {label}", "seats", "students / seats", marker=baseline_seats,
    )
    unplaced = line_chart(
        "chart-sweep-unplaced", seats, [("unplaced in the region", table["unplaced"].astype(float).tolist(), ACCENT)],
        f"Unplaced students in the region against the seats of {label}", "seats", "students",
        marker=baseline_seats, zero_based=False,
    )
    sections = [
        ("cutoff", "Cut-off (antagningspoäng)", cut,
         "Score (merit value plus test points) of the lowest admitted in the ordinary quota, coloured by "
         "the tier of that applicant (first-hand, second-hand, late): when every first-hand applicant is "
         "admitted the cut-off falls among the second-hand ones, whose scores may be higher. The axis does "
         "not start at 0 unless the values cross it. No point: the offer is not oversubscribed at that size "
         "(every applicant who wants it is admitted)."),
        ("counts", "Admitted and vacant seats at the offer", counts,
         f"The dashed line marks today's {baseline_seats} seats."),
        ("unplaced", "Unplaced students in the region", unplaced, "The axis does not start at 0."),
    ]
    tables = ('<section id="tables-sweep"><h2>Sweep</h2>'
              + _table("table-sweep", table, "sweep.csv: one row per seat value") + "</section>")
    return _page(f"Seats sweep: {label}", meta, sections, tables)


def forecast_html(summary: pd.DataFrame, changes: pd.DataFrame, municipalities: pd.DataFrame,
                  closed: pd.DataFrame, meta: str) -> str:
    """The what-if page with the demand model: expected values and 90 % intervals per scenario."""
    others = summary.iloc[1:]
    base = summary.iloc[0]
    labels = others["scenario"].astype(str).tolist()
    places = bar_chart(
        "chart-places", labels,
        [("placed", (others["placed"] - base["placed"]).astype(float).tolist(), DEMAND),
         ("unplaced", (others["unplaced"] - base["unplaced"]).astype(float).tolist(), ACCENT),
         ("vacant seats", (others["vacant_seats"] - base["vacant_seats"]).astype(float).tolist(), SEATS)],
        "Expected change against the round as it is: placed, unplaced, vacant seats",
        f"round as it is: {int(base['placed']):,} placed, {int(base['unplaced']):,} unplaced, "
        f"{int(base['vacant_seats']):,} vacant seats",
    )
    moved = changes[(changes["added"]) | (changes["seats_after"] != changes["seats_before"])
                    | ((changes["applicants"] - changes["applicants_before"]).abs() >= 1)]
    sections = [
        ("scenarios", "Scenarios side by side",
         _table("table-scenarios", summary, "scenarios.csv: expected values over the draws; _low and _high "
                                                "bound the 90 % interval"),
         "Each scenario's students and lists are drawn from the demand model (new offers inserted into "
         "lists, closed offers replaced, cohorts scaled), then matched by the real rules."),
        ("places", "Placements and vacant seats", places, ""),
        ("municipalities", "Per municipality",
         _table("table-municipalities", municipalities,
                    "municipalities.csv: students, unplaced, and yearly inter-municipal costs paid and received"), ""),
        ("closed", "Where a closed offer's applicants end up",
         _table("table-closed", closed, "closed_offers.csv"), ""),
    ]
    tables = ('<section id="tables-changes"><h2>Offers whose seats or demand changed</h2>'
              + _table("table-changes", moved, "programme_changes.csv has every offer")
              + "</section>")
    return _page("What-if scenarios with the demand model", meta, sections, tables)


def plan_html(table: pd.DataFrame, record: dict, meta: str) -> str:
    """The seat plan page: verified figures before and after, and the classes per offer."""
    v = record["verified"]
    rows = [("eligible first-hand applicants unplaced", "eligible_first_hand_unplaced"),
            ("not placed on their first choice", "not_first_choice"), ("placed", "placed"), ("seats", "seats")]
    figures = pd.DataFrame({
        "figure": [label for label, _ in rows],
        "today": [v["before"][key] for _, key in rows],
        "with the plan": [v["after"][key] for _, key in rows],
    })
    budget = record["settings"]["budget_sek"]
    note = (f"Yearly cost of the added seats {v['cost_sek']:,} SEK of a budget of {budget:,.0f} SEK; "
            f"{v['classes_added']} classes of {record['settings']['class_size']}. Figures verified by the real "
            f"matching ({record['matchings']} matchings, {len(record['repairs'])} repair steps).")
    unpriced = record["settings"].get("programme_codes_without_price")
    if unpriced:
        note += (f" No classes proposed for programme codes without a price: {', '.join(unpriced)} "
                 f"(add them to prices.csv).")
    sections = [
        ("effect", "Effect of the plan (verified)", _table("table-effect", figures, "run.json: verified"), note),
        ("plan", "Classes per offer", _table("table-plan", table, "plan.csv"), ""),
    ]
    return _page("Seat plan", meta, sections, "")


#: Charts on lottery.html (their ids).
LOTTERY_CHARTS = ("chart-lottery-cutoffs",)
#: Most offers drawn in the lottery's cut-off chart (the widest spreads; the table has them all).
MAX_SPREADS = 40


def spread_chart(programmes: pd.DataFrame) -> str:
    """Per offer whose cut-off varies over the draws: min to max (thin), 5th to 95th percentile (thick), median (dot)."""
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

    body = [f'<rect x="{label_w}" y="8" width="24" height="2" fill="{SEATS}"/>'
            f'<text x="{label_w + 30}" y="14" fill="{INK}">min to max</text>'
            f'<rect x="{label_w + 110}" y="5" width="24" height="8" fill="{DEMAND}"/>'
            f'<text x="{label_w + 140}" y="14" fill="{INK}">5th to 95th percentile</text>'
            f'<circle cx="{label_w + 310}" cy="9" r="4" fill="{ACCENT}"/>'
            f'<text x="{label_w + 320}" y="14" fill="{INK}">median</text>']
    for value in ticks:
        x = x_of(value)
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 34}" stroke="{GRID}"/>'
                    f'<text x="{x:.1f}" y="{height - 20}" text-anchor="middle" fill="{MUTED}">{format_number(value)}</text>')
    for i, row in enumerate(table.itertuples(index=False)):
        y = top + i * row_h + row_h / 2
        tip = escape(f"{row.programme_id}: cut-off {format_number(row.cutoff_min)} to {format_number(row.cutoff_max)}, "
                     f"90 % of draws {format_number(row.cutoff_p05)} to {format_number(row.cutoff_p95)}, "
                     f"median {format_number(row.cutoff_median)}")
        body.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}" font-size="11">'
                    f"{escape(str(row.programme_id))}</text>"
                    f'<g class="mark"><title>{tip}</title>'
                    f'<rect x="{x_of(row.cutoff_min):.1f}" y="{y - 1:.1f}" width="{max(x_of(row.cutoff_max) - x_of(row.cutoff_min), 0.5):.1f}" '
                    f'height="2" fill="{SEATS}"/>'
                    f'<rect x="{x_of(row.cutoff_p05):.1f}" y="{y - 4:.1f}" width="{max(x_of(row.cutoff_p95) - x_of(row.cutoff_p05), 1):.1f}" '
                    f'height="8" fill="{DEMAND}"/>'
                    f'<circle cx="{x_of(row.cutoff_median):.1f}" cy="{y:.1f}" r="4" fill="{ACCENT}"/></g>')
    if len(table) == 0:
        body.append(f'<text x="{label_w}" y="{top + 12}" fill="{MUTED}">no cut-off varies over the draws</text>')
    body.append(f'<text x="{label_w}" y="{height - 4}" fill="{MUTED}">cut-off score (merit value plus test points) '
                "over the draws in which the offer is oversubscribed</text>")
    return svg_chart("chart-lottery-cutoffs", label_w + plot_w + 30, height, body, "Cut-offs that vary with the lottery")


def lottery_html(programmes: pd.DataFrame, record: dict, meta: str) -> str:
    """The lottery page: what the draws left certain and uncertain, and the spread of each offer's cut-off."""
    counts = record["counts"]
    figures = pd.DataFrame({
        "figure": ["draws", "students", "students whose placement is certain", "students whose placement varies",
                   "students sometimes unplaced", "offers ever oversubscribed", "offers whose cut-off varies"],
        "value": [record["draws"], counts["students"], counts["students_certain"], counts["students_uncertain"],
                  counts["students_sometimes_unplaced"], counts["programmes_ever_oversubscribed"],
                  counts["programmes_cutoff_varies"]],
    })
    shown = programmes.drop(columns=[c for c in ("latitude", "longitude") if c in programmes.columns])
    sections = [
        ("figures", "The draws", _table("table-figures", figures, "run.json: counts"),
         "Each draw gives every student a new lottery number (from the seed and the draw) and matches the "
         "round by the real rules; a placement is certain when every draw gives it."),
        ("spread", "Cut-offs (antagningspoäng) that vary", spread_chart(programmes),
         f"At most {MAX_SPREADS} offers, the widest spreads first; every offer is in the table below."),
    ]
    tables = ('<section id="tables-lottery"><h2>Offers</h2>'
              + _table("table-lottery", shown, "lottery_programmes.csv: the cut-off's spread over the draws per offer")
              + "</section>")
    return _page(f"Lottery: {record['draws']:,} draws, seed {record['seed']}", meta, sections, tables)
