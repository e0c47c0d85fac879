"""Writing outputs: every file goes into a temporary folder beside OUT, moved into place only when all succeeded."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from admissions.errors import OutputError

#: The file that marks a folder as one this tool wrote, so it may be replaced by a new run.
RUN_RECORD = "run.json"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV with a header, comma-separated, Unix line ends, no index."""
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_json(data: object, path: Path) -> None:
    """Write JSON with sorted keys and a final newline, so equal data gives equal bytes."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def check_output_folder(out: Path, inputs: Path | None = None) -> None:
    """Refuse an OUT that is the input folder, lies inside it, or is a folder this tool did not write."""
    out = Path(out).resolve()
    if inputs is not None:
        inputs = Path(inputs).resolve()
        if out == inputs or inputs in out.parents:
            raise OutputError(f"{out}: the output folder may not be the input folder or inside it")
    if out.exists():
        if not out.is_dir():
            raise OutputError(f"{out}: exists and is not a folder")
        if any(out.iterdir()) and not (out / RUN_RECORD).is_file():
            raise OutputError(
                f"{out}: exists, is not empty and holds no {RUN_RECORD}; "
                "choose a new folder (only an earlier output of this tool is replaced)"
            )


@contextmanager
def output_folder(out: Path, inputs: Path | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success it replaces ``out`` whole.

    On an exception the temporary folder is removed and ``out`` is left as it was. A run stopped
    between the two renames leaves no ``out``, never a mix of old and new files.
    """
    out = Path(out)
    check_output_folder(out, inputs)
    parent = out.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder: {exc.strerror}") from exc
    try:
        yield staging
        _replace(staging, out.resolve())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _replace(staging: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rename(out, old / out.name)
    os.rename(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
