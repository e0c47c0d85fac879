"""What the selection rules warn about in a valid input: merit values that differ from the grades,
and (reserve rounds) offers whose seats are below the holders they keep."""

from __future__ import annotations

import numpy as np

from admissions.io.csv_format import format_floats
from admissions.io.encode import EncodedRound, encode_round
from admissions.io.problems import FIRST_DATA_ROW, MAX_PER_RULE, Problem, ProblemLog
from admissions.io.round_input import RoundInput
from admissions.rules.selection import Selection, apply_rules


def merit_warnings(data: RoundInput, encoded: EncodedRound, selection: Selection) -> list[Problem]:
    """A warning for every student whose given merit_value differs from the one computed from grades.

    Grades win; at most MAX_PER_RULE students are listed and one more line counts the rest.
    """
    file = data.file_name("students")
    students = selection.merit_mismatch
    log = ProblemLog()
    log.listed(
        [Problem(file, int(i) + FIRST_DATA_ROW, "merit_value", format_floats(encoded.merit_given[[i]])[0],
                 f"differs from the merit value computed from grades.csv "
                 f"({format_floats(selection.merit[[i]])[0]}); the grades are used", "warning")
         for i in students[:MAX_PER_RULE]],
        len(students), "students whose merit_value differs from their grades",
        file=file, column="merit_value", severity="warning",
    )
    return log.problems


def seat_warnings(encoded: EncodedRound, effective: np.ndarray, file: str = "programmes.csv") -> list[Problem]:
    """A warning per offer whose seats in the input are below the holders it keeps (reserve rounds).

    ``effective`` (p,) int64 the seats each offer has in the round; ``file`` the programmes file as
    the folder has it. Offers are encoded in the file's order, so offer p is on row p + 2.
    """
    return [
        Problem(file, int(p) + FIRST_DATA_ROW, "seats", str(int(encoded.seats[p])),
                f"offer {encoded.programme_ids[p]} has seats {int(encoded.seats[p])} below its "
                f"{int(effective[p])} holders, who keep their seats: effective seats {int(effective[p])}",
                severity="warning")
        for p in np.flatnonzero(effective > encoded.seats)
    ]


def input_warnings(data: RoundInput) -> list[Problem]:
    """The warnings the selection rules find in a valid input (for ``admissions validate``)."""
    encoded = encode_round(data)
    return merit_warnings(data, encoded, apply_rules(encoded))
