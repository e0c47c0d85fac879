"""Writing one table or record in this tool's output formats: CSV (formula-escaped) and JSON (sorted keys).

Both follow the output policy in force (admissions.io.policy): student ids pseudonymised when it
says so. The files go into a folder from admissions.io.atomic, moved into place only when whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from admissions.io.csv_format import write_frame_csv
from admissions.io.formulas import escape_frame
from admissions.io.policy import current_policy

#: The record of a run, written with its outputs.
RUN_RECORD = "run.json"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV with a header, comma-separated, Unix line ends, no index.

    Booleans as true/false, numbers without needless decimals, missing values empty
    (admissions.io.csv_format). Text cells that a spreadsheet would run as a formula (beginning
    with = + - @, a tab or a carriage return) get a leading ``'``; numbers are left as they are.
    :func:`admissions.io.formulas.unescape_cell` gives the exact value back. Under a pseudonymising
    output policy the ``student_id`` column is written as pseudonyms (admissions.io.policy).
    """
    write_frame_csv(escape_frame(current_policy().table(frame)), path)


def write_json(data: object, path: Path) -> None:
    """Write JSON with sorted keys and a final newline, so equal data gives equal bytes.

    Under a pseudonymising output policy a run record says so (never with what key).
    """
    data = current_policy().record(data) if Path(path).name == RUN_RECORD else data
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
