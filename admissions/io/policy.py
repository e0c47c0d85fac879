"""The policy of a command's outputs: student ids pseudonymised or not, files private or shared (their modes).

File modes
    Output files are created readable by the owner only (0600, folders 0700); shared outputs are
    readable by everybody (0644, folders 0755).

Where it applies
    Every output goes through :mod:`admissions.io.write` (write_csv, write_json),
    :mod:`admissions.io.xlsx` (write_xlsx) and :mod:`admissions.io.atomic` (output_folder,
    output_file), which follow the :class:`OutputPolicy` in force: a command sets
    it once with :func:`output_policy` around its work, so a pseudonymised or shared run needs no
    option threaded through every library function. The ``student_id`` column of every table
    written (placements, applications, lottery students, a season's diff) is pseudonymised there.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from admissions.io.pseudonyms import PSEUDONYM_HEX, PSEUDONYM_PREFIX, Pseudonymiser

#: Modes of private outputs (the default) and of shared ones.
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
SHARED_FILE, SHARED_FOLDER = 0o644, 0o755


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


def make_folders(folder: Path, shared: bool | None = None) -> list[Path]:
    """Create ``folder`` and its missing parents, each private (0700) or, when ``shared``, 0755, whatever the umask.

    ``shared`` defaults to the output policy's. Folders that exist already are left as they are.
    Returns the folders this call created, outermost first. When it fails (or is interrupted) partway,
    the folders it made so far are removed (:func:`remove_made_folders`) before the exception goes on.
    """
    shared = current_policy().shared if shared is None else shared
    folder = Path(folder)
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    created: list[Path] = []
    try:
        for path in reversed(missing):
            try:
                path.mkdir()
            except FileExistsError:
                continue  # made meanwhile by someone else: theirs, left alone
            created.append(path)
            os.chmod(path, SHARED_FOLDER if shared else PRIVATE_FOLDER)
    except BaseException:
        remove_made_folders(created)
        raise
    return created


def remove_made_folders(made: list[Path]) -> None:
    """Remove the folders :func:`make_folders` made (``made``, outermost first), innermost first, each
    only while still empty: anything put in one meanwhile is someone else's, and it and the folders
    around it stay. What a command that failed or was interrupted calls, so it leaves nothing behind."""
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            break
