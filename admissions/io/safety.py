"""Safety of the outputs: cells a spreadsheet would run as formulas, pseudonyms for student ids, file modes.

Formula injection (CSV)
    A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
    formula (or DDE command) when the CSV is opened in Excel or LibreOffice. :func:`escape_cell`
    puts one apostrophe ``'`` before such a cell (the OWASP convention), so the spreadsheet shows
    it as text: ``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``. A cell that already begins
    with apostrophes followed by one of those characters gets one more, so the escape is exactly
    reversible: a program reading the CSV gets the exact value back with :func:`unescape_cell`,
    which removes one leading apostrophe from a cell matching ``^'+[=+\\-@\\t\\r]`` and leaves
    every other cell alone. Only text columns are escaped; numeric columns (``-3`` as a number)
    are written as numbers. A text id ``-123`` is text and is written ``'-123``.

    XLSX needs no apostrophe: :func:`admissions.io.output.write_xlsx` types every text cell as a
    string, which Excel, LibreOffice and openpyxl never evaluate.

Pseudonyms
    :class:`Pseudonymiser` replaces a student id by ``p_`` and the first 16 hex digits of
    HMAC-SHA256(key, id): stable for the same key across runs and commands, and not reversible
    without the key. Swedish personal identity numbers are few enough to try them all, so a plain
    hash would hide nothing; the key is what protects them. The key comes from the environment
    variable :data:`KEY_ENV` or a key file, is at least :data:`MIN_KEY_BYTES` bytes, and is never
    written to any output; there is no default key.

File modes
    Output files are created readable by the owner only (0600, folders 0700); shared outputs are
    readable by everybody (0644, folders 0755).

Where it applies
    Every output goes through :mod:`admissions.io.output` (write_csv, write_xlsx, write_json,
    output_folder, output_file), which follow the :class:`OutputPolicy` in force: a command sets
    it once with :func:`output_policy` around its work, so a pseudonymised or shared run needs no
    option threaded through every library function. The ``student_id`` column of every table
    written (placements, applications, lottery students, a season's diff) is pseudonymised there.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from admissions.errors import ConfigError

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The character put before such a cell in CSV.
ESCAPE = "'"
_NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
_NEEDS_ESCAPE_PATTERN = r"^'*[=+\-@\t\r]"
_ESCAPED_PATTERN = r"^'+[=+\-@\t\r]"

#: Environment variable holding the pseudonym key.
KEY_ENV = "ADMISSIONS_PSEUDONYM_KEY"
#: Shortest key accepted, in bytes: a short key can be found by trying them all.
MIN_KEY_BYTES = 16
#: What a pseudonym starts with, so it is never mistaken for a real id.
PSEUDONYM_PREFIX = "p_"
#: Hex digits of the HMAC kept: 64 bits, no collision expected below millions of students.
PSEUDONYM_HEX = 16

#: Modes of private outputs (the default) and of shared ones.
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
SHARED_FILE, SHARED_FOLDER = 0o644, 0o755


# --- formula injection -------------------------------------------------------------------------


def escape_cell(text: str) -> str:
    """The cell as written to CSV: with one ``'`` before it when a spreadsheet would run it as a formula."""
    return ESCAPE + text if _NEEDS_ESCAPE.match(text) else text


def unescape_cell(text: str) -> str:
    """The exact value of a CSV cell written by :func:`escape_cell` (its inverse)."""
    return text[1:] if _ESCAPED.match(text) else text


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell escaped by :func:`escape_cell`; numbers are left as they are.

    Only object and string columns are looked at, with one vectorised match per column; the frame
    is returned unchanged (not copied) when no cell needs escaping.
    """
    changed: dict[int, pd.Series] = {}
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        if not _is_text(column):
            continue
        mask = _match(column, _NEEDS_ESCAPE_PATTERN)
        if mask.any():
            changed[j] = column.astype(object).where(~mask, ESCAPE + column.astype(object).where(mask, ""))
    if not changed:
        return frame
    out = frame.copy()
    for j, column in changed.items():
        out.isetitem(j, column)
    return out


def unescape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a frame read from this tool's CSV (as text) with every cell unescaped by :func:`unescape_cell`."""
    out = frame
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        if not _is_text(column):
            continue
        mask = _match(column, _ESCAPED_PATTERN)
        if mask.any():
            if out is frame:
                out = frame.copy()
            fixed = column.astype(object).copy()
            fixed[mask] = column[mask].str.slice(1)
            out.isetitem(j, fixed.astype(column.dtype) if isinstance(column.dtype, pd.StringDtype) else fixed)
    return out


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or isinstance(column.dtype, pd.StringDtype)


def _match(column: pd.Series, pattern: str) -> np.ndarray:
    # Cells that are not strings (numbers in an object column, missing values) never match.
    if column.dtype == object:
        is_str = np.fromiter((isinstance(v, str) for v in column.to_numpy()), dtype=bool, count=len(column))
        if not is_str.any():
            return is_str
        found = column.where(is_str, "").astype(str).str.contains(pattern, regex=True)
        return found.to_numpy(dtype=bool) & is_str
    return column.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)


# --- pseudonyms --------------------------------------------------------------------------------


class Pseudonymiser:
    """Stable keyed pseudonyms of student ids: ``p_`` + 16 hex digits of HMAC-SHA256(key, id)."""

    def __init__(self, key: bytes):
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(f"pseudonym key has {len(key)} bytes, must have at least {MIN_KEY_BYTES}")
        self._key = key

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<hidden>)"  # the key must never reach a log or an output

    def pseudonym(self, student_id: str) -> str:
        """The pseudonym of one id."""
        digest = hmac.new(self._key, str(student_id).encode("utf-8"), hashlib.sha256).hexdigest()
        return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX]

    def ids(self, values: pd.Series) -> pd.Series:
        """The pseudonyms of a column of ids (missing values stay missing), same index."""
        key = self._key
        new = hmac.new
        sha = hashlib.sha256
        out = [
            v if (v is None or (isinstance(v, float) and v != v)) else
            PSEUDONYM_PREFIX + new(key, str(v).encode("utf-8"), sha).hexdigest()[:PSEUDONYM_HEX]
            for v in values.astype(object).tolist()
        ]
        return pd.Series(out, index=values.index, dtype=object, name=values.name)

    def frame(self, frame: pd.DataFrame, column: str = "student_id") -> pd.DataFrame:
        """A copy of ``frame`` with ``column`` pseudonymised (the frame itself when it has no such column)."""
        if column not in frame.columns:
            return frame
        out = frame.copy()
        out[column] = self.ids(frame[column])
        return out


def pseudonym_key(key_file: Path | None = None) -> bytes:
    """The pseudonym key: the contents of ``key_file`` when given, else the environment variable KEY_ENV.

    Surrounding white space (a final line end) is not part of the key. Raises ConfigError when
    there is no key or it is too short; there is no default key.
    """
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"pseudonym key file {key_file}: cannot be read: {exc.strerror or exc}") from None
        where = f"pseudonym key file {key_file}"
    else:
        value = os.environ.get(KEY_ENV)
        if value is None or not value.strip():
            raise ConfigError(
                f"--pseudonymise needs a key: set {KEY_ENV} or give --pseudonym-key-file FILE "
                f"(at least {MIN_KEY_BYTES} bytes, kept secret; there is no default key)"
            )
        key = value.strip().encode("utf-8")
        where = KEY_ENV
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"{where}: the key has {len(key)} bytes, must have at least {MIN_KEY_BYTES}")
    return key


def pseudonymiser(enabled: bool, key_file: Path | None = None) -> Pseudonymiser | None:
    """A Pseudonymiser with the configured key when ``enabled`` (or a key file is given), else None."""
    if not enabled and key_file is None:
        return None
    return Pseudonymiser(pseudonym_key(key_file))


# --- the policy of a command's outputs --------------------------------------------------------

#: Columns that hold student ids, pseudonymised in every table written under a pseudonymising policy.
STUDENT_ID_COLUMNS = ("student_id",)


@dataclass(frozen=True)
class OutputPolicy:
    """How a command writes its outputs: student ids pseudonymised or not, files private or shared."""

    pseudonymiser: Pseudonymiser | None = None
    shared: bool = False

    def table(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` as it may be written: its student-id columns pseudonymised when the policy says so."""
        if self.pseudonymiser is None:
            return frame
        for column in STUDENT_ID_COLUMNS:
            frame = self.pseudonymiser.frame(frame, column)
        return frame

    def record(self, data: object) -> object:
        """A run record as it may be written: saying that ids were pseudonymised (never with what key)."""
        if self.pseudonymiser is None or not isinstance(data, dict):
            return data
        return {**data, "pseudonymised": {
            "columns": list(STUDENT_ID_COLUMNS),
            "method": f"{PSEUDONYM_PREFIX} + first {PSEUDONYM_HEX} hex digits of HMAC-SHA256(key, id)",
            "key": "not recorded",
        }}


_POLICY: contextvars.ContextVar[OutputPolicy] = contextvars.ContextVar("output_policy", default=OutputPolicy())


def current_policy() -> OutputPolicy:
    """The output policy in force (private files, real ids unless a command said otherwise)."""
    return _POLICY.get()


@contextmanager
def output_policy(pseudonymiser: Pseudonymiser | None = None, shared: bool = False) -> Iterator[OutputPolicy]:
    """Write every output inside the block under this policy."""
    policy = OutputPolicy(pseudonymiser, shared)
    token = _POLICY.set(policy)
    try:
        yield policy
    finally:
        _POLICY.reset(token)


# --- file modes --------------------------------------------------------------------------------


def set_modes(folder: Path, shared: bool = False) -> None:
    """Make ``folder`` and everything in it private (0700 / 0600) or, when ``shared``, readable by all (0755 / 0644)."""
    file_mode, folder_mode = (SHARED_FILE, SHARED_FOLDER) if shared else (PRIVATE_FILE, PRIVATE_FOLDER)
    for root, folders, files in os.walk(folder):
        for name in files:
            os.chmod(os.path.join(root, name), file_mode)
        for name in folders:
            os.chmod(os.path.join(root, name), folder_mode)
    os.chmod(folder, folder_mode)


def make_folders(folder: Path, shared: bool | None = None) -> None:
    """Create ``folder`` and its missing parents, each private (0700) or, when ``shared``, 0755, whatever the umask.

    ``shared`` defaults to the output policy's. Folders that exist already are left as they are.
    """
    shared = current_policy().shared if shared is None else shared
    folder = Path(folder)
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue  # made meanwhile by someone else: theirs, left alone
        os.chmod(path, SHARED_FOLDER if shared else PRIVATE_FOLDER)
