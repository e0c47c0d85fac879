"""Capacity scenarios: the file ``scenarios.csv`` of ``admissions whatif``, validated and turned into seats.

A scenario is a named set of changes to the seats of offers (utbildningar), one row per offer:

========== ======================================================================================
column     meaning
========== ======================================================================================
scenario   name of the scenario; rows with the same name form one scenario (any order).
           ``baseline`` is reserved: it names the round as it is.
programme  ``programme_id`` of an offer in programmes.csv, or the new id of an added offer.
_id
seats      the new number of seats (``40``; ``0`` closes the offer), or a change of the current
           number (``+32`` adds a class of 32, ``-10`` removes ten seats); the result must be >= 0.
added      optional, true/false (default false): the row adds an offer that is not in
           programmes.csv. Its ``seats`` must be a plain number. Without a demand model nobody
           has applied to an added offer (applications name existing offers only), so it only
           adds seats, which stay vacant: it shows what a new class costs in empty seats, not
           whom it would draw. With a demand model (``model_dir`` of
           :func:`admissions.analysis.forecast.run_forecast`) it draws the applicants the model
           expects.
school,    optional, for an added offer with a demand model: what it is, as in programmes.csv. A
munici-    school of the round lends its municipality, principal and place; a new school needs
pality,    ``municipality`` (its place is then the municipality's centre unless ``latitude`` and
programme  ``longitude`` are given). ``principal`` defaults to municipal.
_code,
orienta-
tion,
principal,
latitude,
longitude
growth     optional, with a demand model: the scenario's cohort growth factor (1.05: 5 % more
           students in every municipality). A row that gives only ``scenario`` and ``growth``
           (empty ``programme_id`` and ``seats``) scales the cohort and changes no offer.
========== ======================================================================================

Every problem is collected and reported together, each naming file, row, column, value and rule
(as the round validator does): unknown programme_id on a row that is not ``added``, an ``added``
row whose id already exists, bad seats syntax (``+x``, ``-``, ``1.5``), seats below 0 after the
change, the same offer twice in one scenario, a scenario named ``baseline``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from admissions.io.contract import MAX_WHOLE_NUMBER, ColumnSpec, FileSpec
from admissions.io.problems import Problem
from admissions.io.readers import FIRST_DATA_ROW
from admissions.io.validate import check_rows, raise_errors

#: The name of the unchanged round in every output.
BASELINE = "baseline"

SCENARIOS = FileSpec(
    name="scenarios",
    key=("scenario", "programme_id"),
    description="Capacity scenarios of a what-if: one row per changed offer.",
    columns=(
        ColumnSpec("scenario", "text", description="Name of the scenario; 'baseline' is reserved."),
        # Nullable here, checked below: a row that only gives a cohort growth has neither.
        ColumnSpec("programme_id", "text", nullable=True,
                   description="Offer in programmes.csv, or a new id with added = true."),
        # Text, not int: '+12' must stay a change, where the int reader would make it 12.
        ColumnSpec("seats", "text", nullable=True, description="New seats (40, 0 closes) or a change (+32, -10)."),
        ColumnSpec("added", "bool", required=False, default=False,
                   description="The offer is new (not in programmes.csv): its seats are added and stay vacant "
                               "(with a demand model: it draws the applicants the model expects)."),
        ColumnSpec("school", "text", required=False, nullable=True,
                   description="Added offer: its school; a school of the round lends its municipality, "
                               "principal and place."),
        ColumnSpec("municipality", "text", required=False, nullable=True,
                   description="Added offer at a new school: its host municipality."),
        ColumnSpec("programme_code", "text", required=False, nullable=True, description="Added offer: NA, SA, ..."),
        ColumnSpec("orientation", "text", required=False, nullable=True, description="Added offer: inriktning."),
        ColumnSpec("principal", "text", required=False, nullable=True,
                   description="Added offer: municipal or independent (default: the school's, else municipal)."),
        ColumnSpec("latitude", "number", required=False, nullable=True, minimum=-90, maximum=90,
                   description="Added offer: where the school is (default: the school's, else the municipality's centre)."),
        ColumnSpec("longitude", "number", required=False, nullable=True, minimum=-180, maximum=180,
                   description="Added offer: with latitude."),
        ColumnSpec("growth", "number", required=False, nullable=True, minimum=0,
                   description="With a demand model: the scenario's cohort growth factor (1.05: 5 % more students in "
                               "every municipality); a row may give it with an empty programme_id."),
    ),
)

#: Columns of scenarios.csv that describe an added offer (as in programmes.csv).
OFFER_ATTRIBUTES = ("school", "municipality", "programme_code", "orientation", "principal", "latitude", "longitude")

_SEATS = re.compile(r"\s*([+-]?)(\d+)\s*")
SEATS_RULE = "must be a whole number >= 0 (the new seats) or +N / -N (a change of the current seats)"


@dataclass(frozen=True)
class Scenario:
    """One scenario: new seats per offer of the round, and the seats of added offers.

    ``seats`` is (p,) int64, the round's seats with the scenario's changes applied; ``added`` maps
    the id of each added offer to its seats, in file order.
    """

    name: str
    seats: np.ndarray
    added: dict[str, int]
    n_changes: int
    #: Per added offer, the attributes its row gives (OFFER_ATTRIBUTES; empty cells left out).
    added_attributes: dict[str, dict[str, object]] = dataclasses.field(default_factory=dict)
    #: The cohort growth factor the scenario gives (None: the cohort as it is).
    growth: float | None = None
    #: Per added offer, its row in the scenarios file (as a spreadsheet numbers it), for its problems.
    added_rows: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def added_seats(self) -> int:
        return int(sum(self.added.values()))


def parse_seats(text: str, current: int | None) -> tuple[int | None, str | None]:
    """The seats a ``seats`` cell gives for an offer with ``current`` seats (None: an added offer).

    Returns ``(seats, None)``, or ``(None, rule)`` naming the rule the cell breaks.
    """
    match = _SEATS.fullmatch(text)
    if match is None:
        from admissions.io.validate import number_rule

        return None, number_rule(text, True, SEATS_RULE)  # with what the cell reads as: '8,0' has a decimal mark
    sign, number = match.group(1), int(match.group(2))
    if current is None and sign:
        return None, "must be a whole number >= 0 for an added offer (it has no current seats to change)"
    seats = number if current is None or not sign else current + number if sign == "+" else current - number
    if seats < 0:
        return None, f"leaves {seats} seats, must leave >= 0 (the offer has {current})"
    if seats > MAX_WHOLE_NUMBER:
        return None, f"gives {seats} seats, must give at most {MAX_WHOLE_NUMBER:,}"
    return seats, None


def load_scenarios(path: Path, programme_ids: np.ndarray, seats: np.ndarray) -> list[Scenario]:
    """Read and validate a scenarios file against the round's offers and seats.

    Parameters
    ----------
    path : Path
        scenarios.csv (or .xlsx / .parquet), see the module docstring.
    programme_ids : (p,) str
        The round's offers, in the order of programmes.csv.
    seats : (p,) int
        Their seats.

    Returns
    -------
    list of Scenario
        In the order each scenario first appears in the file.

    Raises
    ------
    InvalidInput
        With every problem found in the file.
    """
    path = Path(path)
    # The key is checked below with the other rules, and the cells' problems are reported with the
    # rows' (a row with a cell problem is not looked at further), so every problem comes together.
    frame, problems, bad_cells = check_rows(path, dataclasses.replace(SCENARIOS, key=()))
    bad_rows = {row for row, _ in bad_cells}
    file = path.name
    index = {str(pid): p for p, pid in enumerate(programme_ids)}
    seats = np.asarray(seats, dtype=np.int64)

    changes: dict[str, tuple[np.ndarray, dict[str, int], list[int]]] = {}
    added_rows: dict[str, dict[str, int]] = {}
    first_seen: dict[tuple[str, str], int] = {}
    attributes_of: dict[str, dict[str, dict[str, object]]] = {}
    names = frame["scenario"].astype(str).tolist()
    ids = frame["programme_id"].astype(str).tolist()
    cells = frame["seats"].astype(str).tolist()
    added = frame["added"].astype(bool).tolist()
    growth_cells = frame["growth"].to_numpy(dtype=np.float64, na_value=np.nan)
    attributes = [{c: frame[c].iloc[i] for c in OFFER_ATTRIBUTES
                   if not pd.isna(frame[c].iloc[i]) and str(frame[c].iloc[i]).strip() != ""}
                  for i in range(len(frame))]
    growths: dict[str, tuple[float, int]] = {}
    for i, (name, pid, cell, is_added) in enumerate(zip(names, ids, cells, added)):
        row = i + FIRST_DATA_ROW
        if row in bad_rows or not (name.strip() or pid.strip() or cell.strip()):
            continue  # a cell of the row has a problem, or an empty row inside the file: both reported
        if not np.isnan(growth_cells[i]):
            known = growths.get(name)
            if known is not None and known[0] != growth_cells[i]:
                problems.append(Problem(file, row, "growth", f"{growth_cells[i]:g}",
                                        f"differs from row {known[1]} of scenario {name} ({known[0]:g}), "
                                        "must be one factor per scenario"))
            elif known is None:
                growths[name] = (float(growth_cells[i]), row)
            if not pid.strip() and not cell.strip():
                changes.setdefault(name, (seats.copy(), {}, []))
                continue  # a row that only scales the cohort
        missing = [column for column, value in (("programme_id", pid), ("seats", cell)) if not value.strip()]
        for column in missing:
            problems.append(Problem(file, row, column, "", "must not be empty (only a row that gives growth may "
                                                            "leave programme_id and seats empty)"))
        if missing:
            continue
        if name.strip().lower() == BASELINE:
            problems.append(Problem(file, row, "scenario", name,
                                    f"'{BASELINE}' is reserved for the round as it is, must be another name"))
        if (name, pid) in first_seen:
            problems.append(Problem(file, row, "programme_id", pid,
                                    f"duplicate programme_id for scenario {name}; first seen in row "
                                    f"{first_seen[name, pid]}"))
            continue
        first_seen[name, pid] = row
        p = index.get(pid)
        if is_added and p is not None:
            problems.append(Problem(file, row, "programme_id", pid,
                                    "is in programmes.csv, must be a new id when added is true"))
            continue
        if not is_added and p is None:
            from admissions.io.validate import did_you_mean

            problems.append(Problem(file, row, "programme_id", pid,
                                    "programme_id not found in programmes.csv (a new offer needs added = true)"
                                    + did_you_mean(pid, list(index))))
            continue
        value, rule = parse_seats(cell, None if is_added else int(seats[p]))
        if rule is not None:
            problems.append(Problem(file, row, "seats", cell, rule))
            continue
        scenario_seats, scenario_added, rows = changes.setdefault(name, (seats.copy(), {}, []))
        rows.append(row)
        if is_added:
            scenario_added[pid] = value
            attributes_of.setdefault(name, {})[pid] = attributes[i]
            added_rows.setdefault(name, {})[pid] = row
        else:
            scenario_seats[p] = value
    if len(frame) == 0:
        problems.append(Problem(file, None, None, None, "file has no rows, must list at least one change"))
    raise_errors(problems, order=lambda p: (p.row or 0, p.column or ""))
    return [Scenario(name, s, a, len(rows), attributes_of.get(name, {}),
                     growths[name][0] if name in growths else None, added_rows.get(name, {}))
            for name, (s, a, rows) in changes.items()]

