"""Printable PDF documents (lists, letters) with reportlab: A4, tables whose header repeats on
every page, a footer naming the run and the page.

reportlab's platypus lays out flowing text and tables across pages (long tables split with the
header row repeated, paragraphs wrapped) and writes a deterministic file with ``invariant``
(no creation time or random id), so the same run gives the same bytes.

The text is set in DejaVu Sans, embedded (subset) in every file. The 14 standard PDF fonts
(Helvetica) hold only Windows-1252: a Polish, Vietnamese, Turkish or Arabic-script name (real
among the area's students) would lose its letters. DejaVu Sans covers Latin, Greek, Cyrillic,
Arabic and more; its regular and bold faces ship as package data (admissions/data/fonts, with
their licence, the Bitstream Vera licence that allows redistribution with software), so every
machine prints the same bytes without depending on the fonts installed. reportlab sets glyphs
one by one: scripts that need shaping (Arabic joining, right to left) come out with the right
characters, which pdftotext and a search find, in their isolated forms.

A character the face cannot draw (Chinese, Japanese, most emoji, a control character) would be set
as the font's empty glyph and read back as a space; one outside the Basic Multilingual Plane that the
face has (😀) would read back as another (ὠ: reportlab maps glyphs back to 16-bit characters only).
Each is printed as REPLACEMENT, �, instead (:func:`drawable`): visible on the page, and read back,
copied and searched as itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Frame, LongTable, PageTemplate, Paragraph, Spacer, TableStyle

#: Fonts of the documents: DejaVu Sans, embedded (see the module's docstring).
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
#: The font files inside the package (admissions/data/fonts, with LICENSE).
FONT_FILES = {FONT: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


def register_fonts() -> None:
    """Register the documents' fonts with reportlab (once; later calls do nothing).

    ``<b>`` in a paragraph picks the bold face through the registered family.
    """
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    fonts = resources.files("admissions") / "data" / "fonts"
    for name, file in FONT_FILES.items():
        with resources.as_file(fonts / file) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


register_fonts()

#: What a character the documents' font cannot draw is printed as: U+FFFD REPLACEMENT CHARACTER (�).
REPLACEMENT = "\ufffd"
#: The control characters (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) but a line break and a tab.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def drawable(value: str, font: str = FONT) -> str:
    """``value`` with every character ``font`` cannot draw, or that would not read back as itself (one
    outside the Basic Multilingual Plane), and every control character but a line break and a tab
    (Unicode category Cc: ``\x00``, ``\x1c``-``\x1f``, ``\x85``, which Python counts as white space) as
    REPLACEMENT; a Windows or old Mac line end (``\r\n``, ``\r``: a quoted multi-line address
    written on Windows) is a line break; other white space is left to the layout."""
    glyphs = pdfmetrics.getFont(font).face.charToGlyph
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")  # a line end of any system is a line end
    if not _CONTROL.search(value) and all(ord(ch) in glyphs and ord(ch) <= 0xFFFF or ch.isspace() for ch in value):
        return value
    return "".join(REPLACEMENT if _CONTROL.match(ch) or not (ord(ch) in glyphs and ord(ch) <= 0xFFFF or ch.isspace())
                   else ch for ch in value)


_BASE = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle("title", parent=_BASE["Title"], fontSize=16, leading=20, alignment=0, spaceAfter=4),
    "heading": ParagraphStyle("heading", parent=_BASE["Heading2"], fontSize=12, leading=15, spaceBefore=8, spaceAfter=4),
    "body": ParagraphStyle("body", parent=_BASE["BodyText"], fontSize=10, leading=13.5, spaceAfter=5),
    "small": ParagraphStyle("small", parent=_BASE["BodyText"], fontSize=8, leading=10, textColor=colors.HexColor("#444444")),
    "cell": ParagraphStyle("cell", parent=_BASE["BodyText"], fontSize=8, leading=9.5),
}
for _style in STYLES.values():
    _style.fontName = BOLD if _style.name in ("title", "heading") else FONT


def text(value: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped: a name with < or & prints as written; :func:`drawable`)."""
    return Paragraph(escape(drawable(str(value), STYLES[style].fontName)), STYLES[style])


def space(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], width: float) -> LongTable:
    """A table that splits across pages with its header repeated; ``widths`` are the columns' shares of ``width`` (points).

    Cells are wrapped paragraphs, so a long school name wraps inside its column instead of running
    into the next one; a column is never narrower than its longest word (header or cell), so no
    word is cut in two: the width it needs is taken from the others' shares.
    """
    header = [drawable(str(h), BOLD) for h in header]
    rows = [[drawable(str(c), FONT) for c in row] for row in rows]
    col_widths = fit_widths(header, rows, widths, width)
    data = [[Paragraph(f"<b>{escape(h)}</b>", STYLES["cell"]) for h in header]]
    data += [[Paragraph(escape(c), STYLES["cell"]) for c in row] for row in rows]
    result = LongTable(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT", splitInRow=1)
    result.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE4EE")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#8899AA")),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#CCCCCC")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return result


#: Left plus right padding of a table cell (reportlab's default, 6 points each side).
_CELL_PADDING = 12


def fit_widths(header: Sequence[str], rows: Sequence[Sequence[str]], shares: Sequence[float], width: float) -> list[float]:
    """Column widths (points) summing to ``width``: each at least its longest word, the rest by ``shares``."""
    size = STYLES["cell"].fontSize
    need = []
    for j, title in enumerate(header):
        words = [(w, BOLD) for w in str(title).split()] + [(w, FONT) for row in rows for w in str(row[j]).split()]
        need.append(max((stringWidth(w, font, size) for w, font in words), default=0) + _CELL_PADDING + 1)
    total = sum(shares)
    widths = [share / total * width for share in shares]
    # Columns below their need get it; the others give up width in proportion to their spare room.
    short = sum(max(n - w, 0) for n, w in zip(need, widths))
    spare = sum(max(w - n, 0) for n, w in zip(need, widths))
    if short and spare:
        take = min(short / spare, 1.0)
        widths = [n if w < n else w - (w - n) * take for n, w in zip(need, widths)]
    return widths


_PAGE = {"portrait": A4, "landscape": landscape(A4)}
_MARGIN = 15 * mm


class Document:
    """One PDF being built: ``with Document(path, title, footer) as story: story.append(...)``.

    ``footer`` is printed at the foot of every page with the page number (``page_label`` is the
    word for page in the document's language).
    """

    def __init__(self, path: Path, title: str, footer: str, page_label: str, orientation: str = "portrait"):
        self.path, self.title, self.footer, self.page_label = Path(path), title, footer, page_label
        self.pagesize = _PAGE[orientation]
        #: Width of the text frame in points, for :func:`table`.
        self.width = self.pagesize[0] - 2 * _MARGIN
        self.story: list = []

    def __enter__(self) -> list:
        return self.story

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            build(self.path, self.story, self.title, self.footer, self.page_label, self.pagesize)


def build(path: Path | object, story: list, title: str, footer: str, page_label: str, pagesize=A4) -> None:
    """Lay out ``story`` (flowables; PageBreak between letters) into the PDF file or file object ``path``."""
    width, height = pagesize
    footer = drawable(footer)

    def on_page(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(_MARGIN, 9 * mm, footer)
        canvas.drawRightString(width - _MARGIN, 9 * mm, f"{page_label} {doc.page}")
        canvas.restoreState()

    doc = BaseDocTemplate(
        str(path) if isinstance(path, Path) else path, pagesize=pagesize, title=title, author="admissions",
        leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=_MARGIN, bottomMargin=_MARGIN + 4 * mm,
        invariant=1, initialFontName=FONT,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, width - 2 * _MARGIN, height - doc.topMargin - doc.bottomMargin,
                  id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    doc.build(story)
