"""The XLSX writer: tables as the sheets of one workbook, built as XML directly (Arrow-fast, formula-safe)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from admissions.errors import OutputError
from admissions.io.policy import current_policy

#: Widest column set by write_xlsx, in characters (longer values are still written whole).
XLSX_MAX_WIDTH = 60

_XLSX_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 forbids; a stray control character in an input cell must not break the file.
_XML_INVALID = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x{fffe}\\x{ffff}]"


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Write tables as the sheets of one XLSX workbook, in the order given.

    Every sheet has a bold, shaded header row that stays frozen when scrolling and columns as wide as
    their longest value (up to XLSX_MAX_WIDTH). Numbers are written as numbers, missing values as
    empty cells, everything else as text (inline strings: a cell is never read as a formula).

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
    parts: dict[str, str] = {
        "[Content_Types].xml": _content_types(len(names)),
        "_rels/.rels": (
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_XLSX_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{_XML_HEAD}<workbook xmlns="{_XLSX_NS}" xmlns:r="{_XLSX_REL}"><bookViews><workbookView/></bookViews><sheets>'
            + "".join(f'<sheet name="{_escape(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, 1))
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_XLSX_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(names) + 1))
            + f'<Relationship Id="rId{len(names) + 1}" Type="{_XLSX_REL}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": _STYLES,
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
                add(f"xl/worksheets/sheet{i}.xml", _sheet_xml(policy.table(sheets[name])))
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


# Style 0: default; style 1: the header (bold on light grey, bottom border).
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_XLSX_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE4EE"/><bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left/><right/><top/><bottom style="thin"><color rgb="FF8899AA"/></bottom><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/></cellXfs>'
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


def _cells(column: pd.Series) -> tuple[pa.Array, int]:
    """The XML of every cell of a column ("<c/>" for an empty cell), as an Arrow string array, and its widest value.

    Built with Arrow kernels, column at a time: a Python loop over cells is ten times slower.
    """
    dtype = column.dtype
    if dtype == object:
        # A column of numbers and text (a published table's ".." for a suppressed count): each
        # number is a number cell, each text a text cell.
        numeric = column.map(_is_number).to_numpy(dtype=bool)
        if numeric.any():
            numbers, number_width = _cells(pd.Series(np.where(numeric, column, np.nan).astype(np.float64)))
            words, word_width = _cells(column.where(~numeric, None))
            return pc.if_else(pa.array(numeric), numbers, words), max(number_width, word_width)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        if pd.api.types.is_integer_dtype(dtype):
            values = pa.array(column.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True)
            values = pc.cast(values, pa.int64(), safe=False) if values.null_count < len(values) else values
        else:
            number = column.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
            number[~np.isfinite(number)] = np.nan  # inf is not a number a spreadsheet can hold
            values = pa.array(number, from_pandas=True)
        text = pc.cast(values, pa.string())
        cells = pc.binary_join_element_wise("<c><v>", text, "</v></c>", "")
    else:
        text = _arrow_strings(column) if _is_arrow_string(column) else _text_array(column)
        text = text.cast(pa.string())
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
    width = pc.max(pc.utf8_length(text)).as_py() or 0
    return pc.fill_null(cells, "<c/>"), int(width)


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


def _sheet_xml(frame: pd.DataFrame) -> bytes:
    """One worksheet as UTF-8: a styled, frozen header row, then the rows (row and cell references omitted)."""
    n_rows, n_columns = frame.shape
    header = []
    widths = []
    cells = []
    for j, name in enumerate(frame.columns):
        column, width = _cells(frame.iloc[:, j])
        cells.append(column)
        header.append(f'<c r="{_column_letter(j)}1" s="1" t="inlineStr"><is><t>{_escape(str(name))}</t></is></c>')
        widths.append(min(max(width, len(str(name))) + 2, XLSX_MAX_WIDTH))
    last = f"{_column_letter(max(n_columns - 1, 0))}{n_rows + 1}"
    cols = "".join(f'<col min="{j}" max="{j}" width="{w}" customWidth="1"/>' for j, w in enumerate(widths, 1))
    if n_rows and n_columns:
        rows = pc.binary_join_element_wise("<row>", *cells, "</row>", "")
        # The rows end to end are the data buffer of the string array: no join in Python.
        body = _string_bytes(rows)
    else:
        body = b""
    head = (
        f'{_XML_HEAD}<worksheet xmlns="{_XLSX_NS}" xmlns:r="{_XLSX_REL}">'
        f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + '<sheetData><row r="1">' + "".join(header) + "</row>"
    )
    return head.encode("utf-8") + body + b"</sheetData></worksheet>"
