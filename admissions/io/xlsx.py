"""The XLSX writer: tables as the sheets of one workbook, built as XML directly (Arrow-fast, formula-safe)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from admissions.errors import OutputError
from admissions.io.policy import current_policy

#: Widest column set by write_xlsx, in characters (longer values are still written whole).
XLSX_MAX_WIDTH = 60
#: Widest text column of a printed sheet (SheetLayout.printed); longer texts wrap in their cell.
XLSX_PRINT_WIDTH = 30

#: Columns up to this long are made into cells together with the sheet's other columns of their kind.
BATCH_ROWS = 10_000

_XLSX_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 forbids; a stray control character in an input cell must not break the file.
_XML_INVALID = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x{fffe}\\x{ffff}]"


@dataclass(frozen=True)
class SheetLayout:
    """How one sheet of :func:`write_xlsx` reads on screen and prints, beyond its table.

    ``formats``: column name -> number format code (``"#,##0"``, ``"0.0%"``; the viewer's locale
    sets the separators); ``autofilter``: a filter button on every header; ``printed``: landscape
    A4, fit to the page width (as many pages down as needed), the header row repeated on every
    page, headers wrapped so a long header does not widen its column, and ``footer`` (plain text)
    with the page number at the foot of every page; ``widths``: column name -> width in characters,
    overriding the width taken from the values.
    """

    formats: dict[str, str] = field(default_factory=dict)
    autofilter: bool = False
    printed: bool = False
    footer: str = ""
    widths: dict[str, float] = field(default_factory=dict)


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path, layouts: dict[str, SheetLayout] | None = None) -> None:
    """Write tables as the sheets of one XLSX workbook, in the order given.

    Every sheet has a bold, shaded header row that stays frozen when scrolling and columns as wide as
    their longest value (up to XLSX_MAX_WIDTH). Numbers are written as numbers, missing values as
    empty cells, everything else as text (inline strings: a cell is never read as a formula).
    ``layouts`` (sheet name -> :class:`SheetLayout`) adds number formats, filters and print setup.

    The workbook XML is built directly rather than cell by cell through openpyxl, which takes about
    ten seconds for the ~2 million cells of a 55,000-student round; openpyxl and LibreOffice read
    the result (tests/reports/test_xlsx.py).

    Formula safety: a text cell is an inline string (``t="inlineStr"``), never a formula, so
    ``=HYPERLINK(...)`` shows as that text in Excel and LibreOffice and reads back with openpyxl as
    a string (data_type "s") with its exact value; no apostrophe is added. Under a pseudonymising
    output policy the ``student_id`` column is written as pseudonyms.
    """
    import zipfile

    policy = current_policy()
    names = list(sheets)
    for name in names:
        if not name or len(name) > 31 or any(ch in name for ch in "[]:*?/\\"):
            raise OutputError(f"sheet name == {name!r}, must be 1-31 characters without []:*?/\\")
    layouts = {name: (layouts or {}).get(name, SheetLayout()) for name in names}
    styles = _Styles([code for layout in layouts.values() for code in layout.formats.values()])
    printed = [(i, name) for i, name in enumerate(names) if layouts[name].printed]
    defined = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{_escape(_sheet_ref(name))}!$1:$1</definedName>'
        for i, name in printed)
    parts: dict[str, str] = {
        "[Content_Types].xml": _content_types(len(names)),
        "_rels/.rels": (
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_XLSX_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{_XML_HEAD}<workbook xmlns="{_XLSX_NS}" xmlns:r="{_XLSX_REL}"><bookViews><workbookView/></bookViews><sheets>'
            + "".join(f'<sheet name="{_escape(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, 1))
            + "</sheets>" + (f"<definedNames>{defined}</definedNames>" if defined else "") + "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_XLSX_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(names) + 1))
            + f'<Relationship Id="rId{len(names) + 1}" Type="{_XLSX_REL}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": styles.xml(),
    }
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:

            def add(part: str, content: str | bytes) -> None:
                # A fixed timestamp, so equal tables give equal bytes.
                info = zipfile.ZipInfo(part, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                data = content.encode("utf-8") if isinstance(content, str) else content
                archive.writestr(info, data, compresslevel=1)

            for part, text in parts.items():
                add(part, text)
            for i, name in enumerate(names, 1):
                add(f"xl/worksheets/sheet{i}.xml", _sheet_xml(policy.table(sheets[name]), layouts[name], styles))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from exc


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _content_types(n_sheets: int) -> str:
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    return (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet}"/>'
                  for i in range(1, n_sheets + 1))
        + "</Types>"
    )


def _sheet_ref(name: str) -> str:
    """A sheet name as a formula reference: quoted, with ' doubled."""
    return "'" + name.replace("'", "''") + "'"


class _Styles:
    """The workbook's cell styles: 0 default, 1 header, 2 wrapped header, 3 wrapped text, then one per number format.

    Built-in format ids are used where Excel has one (so every reader knows them); others get ids
    from 164 on, as the format's spec asks.
    """

    _BUILT_IN = {"0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10}

    def __init__(self, codes: list[str]) -> None:
        self.codes = list(dict.fromkeys(codes))
        self._custom = {code: 164 + i for i, code in enumerate(c for c in self.codes if c not in self._BUILT_IN)}

    def of(self, code: str | None) -> int:
        """The style index of cells with number format ``code`` (0 for none)."""
        return 0 if code is None else 4 + self.codes.index(code)

    def xml(self) -> str:
        number_formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{_escape(code)}"/>'
                                 for code, i in self._custom.items())
        xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
               '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" '
               'applyBorder="1"/>',
               '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" '
               'applyBorder="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>',
               '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
               '<alignment wrapText="1"/></xf>']
        xfs += [f'<xf numFmtId="{self._BUILT_IN.get(code) or self._custom[code]}" fontId="0" fillId="0" '
                'borderId="0" xfId="0" applyNumberFormat="1"/>' for code in self.codes]
        return (
            f'{_XML_HEAD}<styleSheet xmlns="{_XLSX_NS}">'
            + (f'<numFmts count="{len(self._custom)}">{number_formats}</numFmts>' if self._custom else "")
            + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
            '</fill><fill><patternFill patternType="solid"><fgColor rgb="FFDDE4EE"/><bgColor indexed="64"/>'
            '</patternFill></fill></fills>'
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '<border><left/><right/><top/><bottom style="thin"><color rgb="FF8899AA"/></bottom><diagonal/></border>'
            '</borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cells(column: pd.Series, style: int = 0) -> tuple[pa.Array, int]:
    """The XML of every cell of a column ("<c/>" for an empty cell), as an Arrow string array, and its widest value.

    Numbers get the cell style ``style`` (a number format; :class:`_Styles`).

    Built with Arrow kernels over whole columns (:func:`_sheet_cells`): a Python loop over cells is
    ten times slower.
    """
    cells, width, _numbers = _sheet_cells([column], [style])[0]
    return cells, width


def _sheet_cells(columns: list[pd.Series], styles: list[int]) -> list[tuple[pa.Array, int, np.ndarray | None]]:
    """:func:`_cells` of each column (``styles[j]`` for column j), and a numeric column's values as
    float64 (None for any other column), for :func:`_formatted_width`.

    The columns of one kind (numbers of one Arrow type and style, text) are made into cells together,
    as one array cut back into columns afterwards: every cell is made from its own value, so the XML
    is the same, and a sheet pays the Arrow calls of a kind once rather than once a column (~1 ms a
    column, most of the cost of a small round's workbook).
    """
    out: list[tuple[pa.Array, int, np.ndarray | None]] = [(pa.array([], pa.string()), 0, None)] * len(columns)
    groups: dict[tuple, list[tuple[int, pa.Array]]] = {}
    floats: dict[int, np.ndarray] = {}
    for j, (column, style) in enumerate(zip(columns, styles)):
        dtype = column.dtype
        if dtype == object:
            # A column of numbers and text (a published table's ".." for a suppressed count): each
            # number is a number cell, each text a text cell.
            numeric = column.map(_is_number).to_numpy(dtype=bool)
            if numeric.any():
                numbers, number_width = _cells(pd.Series(np.where(numeric, column, np.nan).astype(np.float64)), style)
                words, word_width = _cells(column.where(~numeric, None))
                out[j] = pc.if_else(pa.array(numeric), numbers, words), max(number_width, word_width), None
                continue
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            if pd.api.types.is_integer_dtype(dtype):
                floats[j] = column.to_numpy(dtype="float64", na_value=np.nan)
                values = pa.array(floats[j], from_pandas=True)
                values = pc.cast(values, pa.int64(), safe=False) if values.null_count < len(values) else values
            else:
                number = column.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
                number[~np.isfinite(number)] = np.nan  # inf is not a number a spreadsheet can hold
                floats[j] = number
                values = pa.array(number, from_pandas=True)
            key: tuple = ("number", str(values.type), style)
        else:
            text = _arrow_strings(column) if _is_arrow_string(column) else _text_array(column)
            key, values = ("text",), text.cast(pa.string())
        # A long column is made on its own: together they would only take more memory.
        groups.setdefault(key + ((j,) if len(values) > BATCH_ROWS else ()), []).append((j, values))
    for key, members in groups.items():
        arrays = [values for _, values in members]
        joined = pa.concat_arrays(arrays) if len(arrays) > 1 else arrays[0]
        cells, text = _number_cells(joined, key[2]) if key[0] == "number" else _text_cells(joined)
        lengths = np.asarray(pc.fill_null(pc.utf8_length(text), 0))
        start = 0
        for (j, _), values in zip(members, arrays):
            end = start + len(values)
            out[j] = cells.slice(start, len(values)), int(lengths[start:end].max(initial=0)), floats.get(j)
            start = end
    return out


def _number_cells(values: pa.Array, style: int) -> tuple[pa.Array, pa.Array]:
    """Number cells of style ``style`` ("<c/>" for a missing value) and the numbers' text."""
    text = pc.cast(values, pa.string())
    opening = f'<c s="{style}"><v>' if style else "<c><v>"
    cells = pc.binary_join_element_wise(opening, text, "</v></c>", "")
    return pc.fill_null(cells, "<c/>"), text


def _text_cells(text: pa.StringArray) -> tuple[pa.Array, pa.Array]:
    """Inline-string cells ("<c/>" for a missing or empty value) and the escaped texts."""
    # Looked for in the column's bytes at once: most columns need no replacing at all.
    data = _string_bytes(text)
    if _has_invalid_xml(data):
        text = pc.replace_substring_regex(text, _XML_INVALID, "")
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        if raw.encode() in data:
            text = pc.replace_substring(text, raw, entity)
    if b" " in data:
        # Leading or trailing spaces are kept only with xml:space="preserve".
        spaced = pc.or_(pc.starts_with(text, " "), pc.ends_with(text, " "))
        opening = pc.if_else(spaced, '<c t="inlineStr"><is><t xml:space="preserve">', '<c t="inlineStr"><is><t>')
        cells = pc.binary_join_element_wise(opening, text, "</t></is></c>", "")
    else:
        cells = pc.binary_join_element_wise('<c t="inlineStr"><is><t>', text, "</t></is></c>", "")
    cells = pc.if_else(pc.equal(pc.utf8_length(text), 0), None, cells)
    return pc.fill_null(cells, "<c/>"), text


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)) \
        and value == value


def _has_invalid_xml(data: bytes) -> bool:
    """Whether UTF-8 bytes hold a character XML 1.0 forbids (control characters but tab, LF, CR; U+FFFE/U+FFFF)."""
    code = np.frombuffer(data, dtype=np.uint8)
    control = code < 0x20
    if control.any() and np.isin(code[control], (0x09, 0x0A, 0x0D), invert=True).any():
        return True
    return b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data


def _string_bytes(array: pa.Array) -> bytes:
    """The characters of every string of an Arrow string array, end to end, as UTF-8 bytes."""
    if len(array) == 0 or array.buffers()[2] is None:
        return b""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=array.offset + len(array) + 1)
    start, end = int(offsets[array.offset]), int(offsets[-1])
    return memoryview(array.buffers()[2])[start:end].tobytes()


def _text_array(column: pd.Series) -> pa.Array:
    """Any non-numeric column as Arrow strings: booleans as true/false (as in the CSV files), missing as null."""
    values = column.astype(object).where(column.notna(), None).tolist()
    return pa.array([v if v is None or isinstance(v, str) else ("true" if v is True else "false" if v is False
                                                                 else str(v)) for v in values], type=pa.string())


def _is_arrow_string(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"


def _arrow_strings(column: pd.Series) -> pa.Array:
    array = pa.array(column.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _sheet_xml(frame: pd.DataFrame, layout: SheetLayout | None = None, styles: _Styles | None = None) -> bytes:
    """One worksheet as UTF-8: a styled, frozen header row, then the rows (row and cell references omitted)."""
    layout = layout or SheetLayout()
    styles = styles or _Styles([])
    n_rows, n_columns = frame.shape
    header = []
    widths = []
    cells = []
    header_style = 2 if layout.printed else 1
    lines = np.ones(n_rows, dtype=np.int64)
    values = [column for _, column in frame.items()]
    codes = [layout.formats.get(name) for name in frame.columns]
    made = _sheet_cells(values, [styles.of(code) for code in codes])
    for j, name in enumerate(frame.columns):
        code = codes[j]
        column, width, numbers = made[j]
        if code is not None:
            width = _formatted_width(values[j] if numbers is None else numbers, code, width)
        if layout.printed and width > XLSX_PRINT_WIDTH and name not in layout.widths:
            # A long text wraps inside its column rather than widening the page; its row is made as
            # tall as the lines need (readers do not all size rows themselves).
            column = pc.replace_substring(column, '<c t="inlineStr">', '<c s="3" t="inlineStr">')
            texts = values[j].astype(object).fillna("").astype(str)
            wrapped = texts.map({t: _wrapped_lines(t, XLSX_PRINT_WIDTH + 2) for t in texts.unique()})
            lines = np.maximum(lines, wrapped.to_numpy(dtype=np.int64))
            width = XLSX_PRINT_WIDTH
        cells.append(column)
        header.append(f'<c r="{_column_letter(j)}1" s="{header_style}" t="inlineStr"><is><t>{_escape(str(name))}</t></is></c>')
        # A wrapped header needs only its longest word's width.
        title = max((len(w) for w in str(name).split()), default=0) if layout.printed else len(str(name))
        widths.append(layout.widths.get(name, min(max(width, title) + 2, XLSX_MAX_WIDTH)))
    header_lines = max((_wrapped_lines(str(name), w - 2) for name, w in zip(frame.columns, widths)), default=1)
    header_row = (f'<row r="1" ht="{15 * header_lines}" customHeight="1">' if layout.printed and header_lines > 1
                  else '<row r="1">')
    last = f"{_column_letter(max(n_columns - 1, 0))}{n_rows + 1}"
    cols = "".join(f'<col min="{j}" max="{j}" width="{w:g}" customWidth="1"/>' for j, w in enumerate(widths, 1))
    if n_rows and n_columns:
        opening = pa.array(np.where(lines > 1, np.char.add(np.char.add('<row ht="', (15 * lines).astype(str)),
                                                           '" customHeight="1">'), "<row>"))
        rows = pc.binary_join_element_wise(opening, *cells, "</row>", "")
        # The rows end to end are the data buffer of the string array: no join in Python.
        body = _string_bytes(rows)
    else:
        body = b""
    head = (
        f'{_XML_HEAD}<worksheet xmlns="{_XLSX_NS}" xmlns:r="{_XLSX_REL}">'
        + ('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if layout.printed else "")
        + f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>" + header_row + "".join(header) + "</row>"
    )
    tail = "</sheetData>"
    if layout.autofilter and n_columns:
        tail += f'<autoFilter ref="A1:{last}"/>'
    if layout.printed:
        footer = (_escape(layout.footer.replace("&", "&&")) + "&amp;R&amp;P / &amp;N") if layout.footer else "&amp;R&amp;P / &amp;N"
        tail += ('<printOptions gridLines="0"/>'
                 '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.6" header="0.2" footer="0.25"/>'
                 '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
                 f"<headerFooter><oddFooter>&amp;L{footer}</oddFooter></headerFooter>")
    return head.encode("utf-8") + body + (tail + "</worksheet>").encode("utf-8")


def _wrapped_lines(text: str, width: float) -> int:
    """Lines a text takes wrapped at word boundaries in a column ``width`` characters wide."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width:
            lines, used = lines + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return lines


def _formatted_width(column: pd.Series | np.ndarray, code: str, raw_width: int) -> int:
    """About the number of characters the widest number of a column takes in format ``code``
    (``column``: the column, or its numbers as float64 when already taken out)."""
    if isinstance(column, np.ndarray):
        values = column
    else:
        # A numeric column is its own to_numeric (which costs ~0.3 ms a column).
        numeric = column if pd.api.types.is_numeric_dtype(column.dtype) else pd.to_numeric(column, errors="coerce")
        values = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
    values = values[np.isfinite(values)]
    if not len(values):
        return 0
    largest = float(np.abs(values).max()) * (100 if "%" in code else 1)
    decimals = len(code.split(".")[1].split("%")[0].split(" ")[0].split('"')[0]) if "." in code else 0
    shown = f"{largest:,.{decimals}f}"
    extra = len(code.split('"')[1]) + 1 if '"' in code else (2 if "%" in code else 0)
    return len(shown) + extra + (1 if (values < 0).any() else 0)
