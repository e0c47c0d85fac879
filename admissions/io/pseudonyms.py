"""Pseudonyms for student ids: stable, keyed, not reversible without the key.

:class:`Pseudonymiser` replaces a student id by ``p_`` and the first 16 hex digits of
HMAC-SHA256(key, id): stable for the same key across runs and commands, and not reversible
without the key. Swedish personal identity numbers are few enough to try them all, so a plain
hash would hide nothing; the key is what protects them. The key comes from the environment
variable :data:`KEY_ENV` or a key file, is at least :data:`MIN_KEY_BYTES` bytes, and is never
written to any output; there is no default key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pandas as pd

from admissions.errors import ConfigError
from admissions.io.readers import as_read

#: Environment variable holding the pseudonym key.
KEY_ENV = "ADMISSIONS_PSEUDONYM_KEY"
#: Shortest key accepted, in bytes: a short key can be found by trying them all.
MIN_KEY_BYTES = 16
#: What a pseudonym starts with, so it is never mistaken for a real id.
PSEUDONYM_PREFIX = "p_"
#: Hex digits of the HMAC kept: 64 bits, no collision expected below millions of students.
PSEUDONYM_HEX = 16


class Pseudonymiser:
    """Stable keyed pseudonyms of student ids: ``p_`` + 16 hex digits of HMAC-SHA256(key, id)."""

    def __init__(self, key: bytes):
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(f"pseudonym key has {len(key)} bytes, must have at least {MIN_KEY_BYTES}")
        self._key = key

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<hidden>)"  # the key must never reach a log or an output

    def pseudonym(self, student_id: str) -> str:
        """The pseudonym of one id (in NFC, as every id of the files is read: the same for an id typed
        with a combining character)."""
        digest = hmac.new(self._key, as_read(student_id).encode("utf-8"), hashlib.sha256).hexdigest()
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


def pseudonym_key(pseudonym_key_file: Path | None = None) -> bytes:
    """The pseudonym key: the contents of ``pseudonym_key_file`` when given, else the environment variable KEY_ENV.

    Surrounding white space (a final line end) is not part of the key. Raises ConfigError when
    there is no key or it is too short; there is no default key.
    """
    if pseudonym_key_file is not None:
        try:
            key = Path(pseudonym_key_file).read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"pseudonym key file {pseudonym_key_file}: cannot be read: {exc.strerror or exc}") from None
        where = f"pseudonym key file {pseudonym_key_file}"
    else:
        value = os.environ.get(KEY_ENV)
        if value is None or not value.strip():
            raise ConfigError(
                f"{{pseudonymise}} needs a key: set {KEY_ENV} or give {{pseudonym_key_file}} FILE "
                f"(at least {MIN_KEY_BYTES} bytes, kept secret; there is no default key)",
                parameters=("pseudonymise", "pseudonym_key_file"),
            )
        key = value.strip().encode("utf-8")
        where = KEY_ENV
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"{where}: the key has {len(key)} bytes, must have at least {MIN_KEY_BYTES}")
    return key


def pseudonymiser(pseudonymise: bool, pseudonym_key_file: Path | None = None) -> Pseudonymiser | None:
    """A Pseudonymiser with the configured key when ``pseudonymise`` (or a key file is given), else None."""
    if not pseudonymise and pseudonym_key_file is None:
        return None
    return Pseudonymiser(pseudonym_key(pseudonym_key_file))
