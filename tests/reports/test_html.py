"""report.html: self-contained, aggregate only, figures equal to the CSV files; rendered in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import pytest

from admissions.reports.html import CHARTS
from admissions.reports.language import texts
from admissions.reports.workbook import LEFT_OUT, WORD_COLUMNS, header_key


class Page(HTMLParser):
    """The parts of the page the tests look at: tags with their attributes, table rows, card values."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.cards: dict[str, str] = {}
        self._table = None
        self._row = None
        self._cell = None
        self._card = None
        self._div_class = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""
        elif tag == "div" and "data-figure" in attrs:
            self._card = attrs["data-figure"]
        elif tag == "div" and attrs.get("class") == "value" and self._card:
            self._div_class = "value"

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "div" and self._div_class:
            self._div_class = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._div_class == "value" and self._card:
            self.cards[self._card] = data
            self._card = None


#: Pages parsed, by path: the shared rounds' report.html is read by four tests each. Read them only.
_PAGES: dict = {}


def parse(path) -> Page:
    """report.html at ``path`` parsed (once per file as it is on disk: shared, so read it only)."""
    stat = path.stat()
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _PAGES:
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        _PAGES[key] = page
    return _PAGES[key]


def plain(text: str) -> str:
    """A count as the Swedish page shows it (12\u00a0345) as plain digits."""
    return text.replace("\u00a0", "").replace(" ", "")


def swedish_number(text: str) -> float:
    """A number cell of the Swedish page as a float: 12\u00a0345; 237,5; 78,8\u00a0% (a share, 0.788); 3\u00a0956 kr."""
    share = text.endswith("%")
    value = float(plain(text.removesuffix("%").removesuffix("kr")).replace(",", "."))
    return value / 100 if share else value


def test_page_is_self_contained(matched):
    text = (matched.out / "report.html").read_text(encoding="utf-8")
    page = parse(matched.out / "report.html")
    for tag, attrs in page.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed"), tag
        assert "src" not in attrs, (tag, attrs)
        href = attrs.get("href", "#")
        assert href.startswith("#"), href
    # The only URL is the SVG namespace name, which is never fetched.
    assert set(re.findall(r"https?://[^\"' )]+", text)) <= {"http://www.w3.org/2000/svg"}
    assert "@import" not in text and "url(" not in text


def test_page_has_every_chart_and_table(matched):
    page = parse(matched.out / "report.html")
    svg_ids = [attrs.get("id") for tag, attrs in page.tags if tag == "svg"]
    assert svg_ids == list(CHARTS)
    assert set(page.tables) == {"table-programmes", "table-dimensioning", "table-flows"}


def test_tables_hold_every_row_of_the_csv_files(matched):
    _ = texts("sv")
    page = parse(matched.out / "report.html")
    for name in ("programmes", "dimensioning", "flows"):
        csv = matched.output(name).drop(columns=list(LEFT_OUT), errors="ignore")
        rows = page.tables[f"table-{name}"]
        assert rows[0] == [_(header_key(c)) for c in csv.columns], name
        assert len(rows) - 1 == len(csv), name
        # Numbers in the Swedish format (shares as percentages with one decimal); tiers and levels in words.
        for shown, expected in zip(rows[1:], csv.to_dict("records")):
            for cell, (column, value) in zip(shown, expected.items()):
                if column in WORD_COLUMNS:
                    assert cell == (value and _(f"{WORD_COLUMNS[column]}.{value}")), (name, column)
                elif value == "" or cell == value:
                    continue
                else:
                    tolerance = 0.00051 if column.startswith("share_") else 0.005  # a share to 0.1 %
                    assert swedish_number(cell) == pytest.approx(float(value), abs=tolerance), (name, cell, value)


def test_headline_figures_equal_the_placements(matched):
    page = parse(matched.out / "report.html")
    placements = matched.output("placements")
    programmes = matched.output("programmes")
    placed = int((placements["programme_id"] != "").sum())
    first = int((placements["choice_rank"] == "1").sum())
    assert int(plain(page.cards["students"])) == len(placements)
    assert int(plain(page.cards["placed"])) == placed
    assert int(plain(page.cards["unplaced"])) == len(placements) - placed
    # The page rounds halves up, as report.xlsx does (109 of 400 is 27.25 %: "27,3 %"), so the
    # expected text is rounded the same way from the exact share, not by Python's half-to-even.
    share = (Decimal(100 * first) / Decimal(len(placements))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert page.cards["first choice"] == f"{share}\u00a0%".replace(".", ",")
    vacant = (programmes["seats"].astype(int) - programmes["admitted"].astype(int)).clip(lower=0).sum()
    assert int(plain(page.cards["vacant seats"])) == vacant


def test_no_student_ids_in_the_page(region):
    text = (region.out / "report.html").read_text(encoding="utf-8")
    words = set(re.findall(r"[\w-]+", text))
    assert not words & set(region.input("students")["student_id"])


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(path, tmp_path, *extra: str) -> subprocess.CompletedProcess:
    binary = chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip("Chromium is not installed (it is in CI)")
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         f"--user-data-dir={tmp_path / 'profile'}", *extra, path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.slow
def test_page_renders_in_headless_chromium(sample, tmp_path):
    completed = run_chromium(sample.out / "report.html", tmp_path, "--virtual-time-budget=5000", "--dump-dom")
    assert completed.returncode == 0, completed.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", completed.stdout)
    assert body, completed.stdout[:2000]
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))
    assert attrs.get("data-ready") == "1", attrs
    assert attrs.get("data-charts") == str(len(CHARTS)), attrs
    assert attrs.get("data-errors") == "", attrs
    # Page errors also reach the browser log: none may come from the page.
    assert "Uncaught" not in completed.stderr and "report.html" not in completed.stderr, completed.stderr[-2000:]


@pytest.mark.slow
def test_screenshot_is_drawn(sample, tmp_path):
    shot = tmp_path / "report.png"
    completed = run_chromium(sample.out / "report.html", tmp_path, "--window-size=1280,2000",
                             f"--screenshot={shot}")
    assert completed.returncode == 0 and shot.is_file(), completed.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


# Appended to a copy of the page: click a header twice and type in a search box, then record what the
# page's own script did to the rows.
_INTERACT = """
<script>
(function () {
  var table = document.getElementById('table-programmes');
  var headers = table.tHead.rows[0].cells;
  var seats = Array.prototype.findIndex.call(headers, function (h) { return h.textContent.trim() === 'Platser'; });
  headers[seats].querySelector('button').click();
  var ascending = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[seats].getAttribute('data-v'); });
  headers[seats].querySelector('button').click();
  var descending = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[seats].getAttribute('data-v'); });
  var input = document.querySelector('input.filter[data-table="table-programmes"]');
  input.value = 'Lund NA';
  input.dispatchEvent(new Event('input'));
  var shown = Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden; });
  document.body.setAttribute('data-ascending', ascending.join(';'));
  document.body.setAttribute('data-descending', descending.join(';'));
  document.body.setAttribute('data-shown', shown.map(function (r) { return r.cells[0].textContent; }).join(';'));
  document.body.setAttribute('data-count', document.querySelector('.count[data-for="table-programmes"]').textContent);
})();
</script>
"""


@pytest.mark.slow
def test_tables_sort_and_filter_in_chromium(sample, tmp_path):
    page = tmp_path / "interact.html"
    page.write_text((sample.out / "report.html").read_text(encoding="utf-8").replace("</body>", _INTERACT + "</body>"),
                    encoding="utf-8")
    completed = run_chromium(page, tmp_path, "--virtual-time-budget=5000", "--dump-dom")
    assert completed.returncode == 0, completed.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", completed.stdout)
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))
    assert attrs["data-errors"] == ""
    seats = sample.output("programmes")["seats"].astype(float)
    assert [float(v) for v in attrs["data-ascending"].split(";")] == sorted(seats)
    assert [float(v) for v in attrs["data-descending"].split(";")] == sorted(seats, reverse=True)
    programmes = sample.output("programmes")
    text = programmes.apply(lambda row: "".join(row.astype(str)).lower(), axis=1)  # as row.textContent
    expected = programmes["programme_id"][text.str.contains("lund") & text.str.contains("na")]
    assert sorted(attrs["data-shown"].split(";")) == sorted(expected)
    assert attrs["data-count"] == f"{len(expected)} rader"


def test_reports_are_identical_for_the_same_input_and_seed(region, tmp_path):
    from admissions.match import run_match

    again = tmp_path / "again"
    run_match(region.folder, again, seed=0)
    for name in ("programmes.csv", "dimensioning.csv", "flows.csv", "report.html", "report.xlsx"):
        assert (again / name).read_bytes() == (region.out / name).read_bytes(), name


# Appended to a copy of the page: how wide each table and the page are against the window.
_MEASURE = """
<script>
(function () {
  var widths = Array.prototype.map.call(document.querySelectorAll('div.scroll'), function (box) {
    var table = box.querySelector('table');
    return table.id + ':' + box.scrollWidth + ':' + box.clientWidth;
  });
  document.body.setAttribute('data-widths', widths.join(';'));
  document.body.setAttribute('data-page', document.documentElement.scrollWidth + ':' + window.innerWidth);
})();
</script>
"""


@pytest.mark.slow
def test_every_table_fits_a_1280_pixel_window(sample, tmp_path):
    """No column out of sight: every table is as wide as its box at most, and the page no wider than the window."""
    page = tmp_path / "measure.html"
    page.write_text((sample.out / "report.html").read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>"),
                    encoding="utf-8")
    completed = run_chromium(page, tmp_path, "--window-size=1280,900", "--virtual-time-budget=5000", "--dump-dom")
    assert completed.returncode == 0, completed.stderr[-2000:]
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', re.search(r"<body([^>]*)>", completed.stdout).group(1)))
    widths = {name: (int(scroll), int(client)) for name, scroll, client in
              (entry.split(":") for entry in attrs["data-widths"].split(";"))}
    assert set(widths) == {"table-programmes", "table-dimensioning", "table-flows"}
    for name, (scroll, client) in widths.items():
        assert 0 < client and scroll <= client, (name, scroll, client)
    document_width, window = (int(v) for v in attrs["data-page"].split(":"))
    assert document_width <= window == 1280
