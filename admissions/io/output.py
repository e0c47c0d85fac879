"""Writing outputs: every file goes into a temporary folder beside OUT, moved into place only when all succeeded."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from admissions.errors import OutputError
from admissions.io.csv_format import write_frame_csv
from admissions.io.safety import PRIVATE_FILE, SHARED_FILE, current_policy, escape_frame, make_folders, set_modes

#: The record of a run, written with its outputs.
RUN_RECORD = "run.json"
#: The file that lists every file of an output folder with its sha256: a folder is replaced by a
#: new run only when it holds exactly what its manifest lists (check_output_folder).
MANIFEST = "manifest.json"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV with a header, comma-separated, Unix line ends, no index.

    Booleans as true/false, numbers without needless decimals, missing values empty
    (admissions.io.csv_format). Text cells that a spreadsheet would run as a formula (beginning
    with = + - @, a tab or a carriage return) get a leading ``'``; numbers are left as they are.
    :func:`admissions.io.safety.unescape_cell` gives the exact value back. Under a pseudonymising
    output policy the ``student_id`` column is written as pseudonyms (admissions.io.safety).
    """
    write_frame_csv(escape_frame(current_policy().table(frame)), path)


def write_json(data: object, path: Path) -> None:
    """Write JSON with sorted keys and a final newline, so equal data gives equal bytes.

    Under a pseudonymising output policy a run record says so (never with what key).
    """
    data = current_policy().record(data) if Path(path).name == RUN_RECORD else data
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def check_output_folder(out: Path, inputs: Path | None = None) -> None:
    """Refuse an OUT that would lose something the user gave when it is replaced.

    Refused: OUT and the input folder are the same or one holds the other (after resolving
    symlinks); OUT exists and is not a folder; OUT is a non-empty folder that this tool did not
    write whole, as its MANIFEST tells (:func:`foreign_entry`): the message names the first
    entry that is not this tool's.
    """
    given = Path(out)
    out = given.resolve()
    if inputs is not None:
        inputs = Path(inputs).resolve()
        if out == inputs or inputs in out.parents:
            raise OutputError(f"{given}: the output folder may not be the input folder or inside it ({inputs})")
        if out in inputs.parents:
            raise OutputError(f"{given}: the output folder may not hold the input folder ({inputs}); "
                              "replacing it would delete the input")
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"{given}: exists and is not a folder")
    if out.exists():
        try:
            foreign = foreign_entry(out)
        except OSError as exc:
            raise OutputError(f"{given}: cannot read the output folder: {exc.strerror or exc}") from exc
        if foreign is not None:
            raise OutputError(
                f"{given}: holds {foreign}; nothing was changed. Choose a new folder "
                "(only a folder this tool wrote, unchanged, is replaced)"
            )


def foreign_entry(folder: Path) -> str | None:
    """The first entry of ``folder`` (in sorted order) that this tool did not write, and why; None when there is none.

    A folder is this tool's when it is empty, or when it holds MANIFEST and every other entry is a
    regular file listed there with the same sha256 (or a folder on the way to one). A changed file
    (opened and saved in Excel, say) counts as foreign too: replacing it would lose the change.
    """
    folder = Path(folder)
    entries = sorted(_entries(folder))
    if not entries:
        return None
    manifest = folder / MANIFEST
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        if not isinstance(listed, dict):
            raise TypeError
    except FileNotFoundError:
        return f"{entries[0]}, and no {MANIFEST} says this tool wrote it"
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return f"a {MANIFEST} this tool did not write"
    parents = {str(Path(name).parent) for name in listed}
    parents = {str(p) for name in parents for p in [Path(name), *Path(name).parents]}
    for entry in entries:
        if entry == MANIFEST:
            continue
        path = folder / entry
        if path.is_symlink() or (path.is_dir() and entry not in parents) or (
                not path.is_dir() and entry not in listed):
            return f"{entry}, which this tool did not write"
        if not path.is_dir() and _sha256(path) != listed[entry]:
            return f"{entry}, changed since this tool wrote it"
    return None


def _entries(folder: Path) -> Iterator[str]:
    """Every entry below ``folder`` as a relative POSIX path; symlinks are not followed."""
    for root, folders, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        for name in folders + files:
            yield (base / name).as_posix()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(folder: Path) -> None:
    """Write MANIFEST into ``folder``: every file in it (relative path -> sha256), flushed to disk."""
    files = {}
    for entry in sorted(_entries(folder)):
        path = folder / entry
        if path.is_file() and not path.is_symlink() and entry != MANIFEST:
            files[entry] = _sha256(path)
    data = {"tool": "admissions", "files": files}
    (folder / MANIFEST).write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                   encoding="utf-8")


def _new_staging(out: Path, target: Path, shared: bool) -> Path:
    """A new private temporary folder beside ``target`` (stale ones of killed runs removed first).

    Missing parents of ``target`` are created 0700 (0755 when ``shared``) whatever the umask.
    """
    try:
        make_folders(target.parent, shared)
        remove_stale_staging(target)
        return Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(target)}{os.getpid()}-", dir=target.parent))
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder: {exc.strerror}") from exc


@contextmanager
def output_folder(out: Path, inputs: Path | None = None, *, shared: bool | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success it replaces ``out`` whole.

    The temporary folder is ``.OUT.tmp-PID-XXXX`` beside OUT, private (0700) from its creation.
    When the block succeeded, every file in it is made private (0600; with ``shared``, 0644 and
    folders 0755) and flushed to disk, and the folder takes the place of ``out`` in one atomic
    exchange (Linux ``renameat2``; elsewhere two renames, and a stop between them leaves no OUT).
    So a run that is interrupted (an exception, Ctrl-C, a kill, a full disk) leaves the previous
    complete ``out`` or none, never a mix of old and new files. On an exception the temporary
    folder is removed; an OSError (a full disk) becomes an OutputError. Temporary folders left by
    a killed run (their PID no longer running) are removed by the next run writing the same OUT.
    ``shared`` defaults to the output policy's (admissions.io.safety.output_policy).
    """
    shared = current_policy().shared if shared is None else shared
    out = Path(out)
    check_output_folder(out, inputs)
    target = out.resolve()
    staging = _new_staging(out, target, shared)
    try:
        try:
            yield staging
            write_manifest(staging)
            set_modes(staging, shared)
            _sync(staging)
            check_output_folder(out, inputs)  # again: something may have been put there meanwhile
            _replace(staging, target)
        except OSError as exc:
            where = exc.filename or out
            raise OutputError(
                f"{out}: cannot write the outputs ({where}: {exc.strerror or exc}); "
                "nothing was changed, the previous output (if any) is still there"
            ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextmanager
def output_file(path: Path, *, shared: bool | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a single output file; on success it replaces ``path``.

    The same guarantees as :func:`output_folder` for one file (``--csv`` of diff, ``--problems-csv``
    of validate): the file is private (0600) unless ``shared`` (default: the output policy's), and
    ``path`` is never half-written.
    """
    shared = current_policy().shared if shared is None else shared
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    try:
        make_folders(path.resolve().parent, shared)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-{os.getpid()}-", dir=path.resolve().parent)
        os.close(handle)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    temporary = Path(name)
    try:
        try:
            yield temporary
            os.chmod(temporary, SHARED_FILE if shared else PRIVATE_FILE)
            os.replace(temporary, path)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc}); nothing was changed") from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def output_files(out: Path, *, shared: bool | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``out`` whose files are moved into ``out`` when the block succeeded.

    For a folder that may hold other files (``generate --force``): when ``out`` does not exist the
    temporary folder becomes it in one rename; otherwise each file replaces its namesake in
    ``out`` in one rename (a stop between two files leaves some files new, none half-written).
    Modes, clean-up and errors as :func:`output_folder`.
    """
    shared = current_policy().shared if shared is None else shared
    out = Path(out)
    target = out.resolve()
    if target.exists() and not target.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    staging = _new_staging(out, target, shared)
    try:
        try:
            yield staging
            set_modes(staging, shared)
            _sync(staging)
            if not target.exists():
                os.rename(staging, target)
            else:
                for path in sorted(staging.iterdir()):
                    os.replace(path, target / path.name)
                staging.rmdir()
            _sync_folder(target.parent)
        except OSError as exc:
            where = exc.filename or out
            raise OutputError(f"{out}: cannot write the outputs ({where}: {exc.strerror or exc})") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _staging_prefix(out: Path) -> str:
    return f".{out.name}.tmp-"


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove the temporary folders of ``out`` left by runs that were killed; returns those removed.

    A folder ``.OUT.tmp-PID-XXXX`` or ``.OUT.old-PID-XXXX`` beside ``out`` is stale when no process
    PID is running (a folder of a run still writing is left alone).
    """
    import re

    out = Path(out)
    removed = []
    if not out.parent.is_dir():
        return removed
    pattern = re.compile(re.escape(f".{out.name}.") + r"(?:tmp|old)-(\d+)-")
    for candidate in out.parent.iterdir():
        found = pattern.match(candidate.name)
        if found is None or not candidate.is_dir() or _running(int(found.group(1))):
            continue
        shutil.rmtree(candidate, ignore_errors=True)
        removed.append(candidate)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # somebody else's process
    except OverflowError:
        return False
    return True


def _sync(folder: Path) -> None:
    """Flush every file of ``folder`` to disk, so a power cut after the rename cannot leave empty files."""
    for root, _, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where that is not available."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def _replace(staging: Path, out: Path) -> None:
    if out.exists() and _exchange(staging, out):
        # staging now holds the previous output.
        shutil.rmtree(staging, ignore_errors=True)
        _sync_folder(out.parent)
        return
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
        try:
            os.rename(out, old / out.name)
        except OSError:
            old.rmdir()
            raise
    try:
        os.rename(staging, out)
    except OSError:
        if old is not None:  # put the previous output back
            os.rename(old / out.name, out)
            old.rmdir()
        raise
    _sync_folder(out.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
