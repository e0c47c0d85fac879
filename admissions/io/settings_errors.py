"""The problems of a TOML settings file (admissions.toml, a folder's programme_types.toml) in its own words.

Both files are read with pydantic models whose numbers and dates are strict: TOML has its own
types, so ``seed = true``, ``seed = "7"``, ``others = 5.0`` or ``answer_by = "2027-07-01"`` is a
problem naming the setting and its value, never silently read as another value. Each of
pydantic's errors becomes one line, ``NAME == VALUE, RULE``, with the value written as TOML writes
it and the rule in the words of a TOML file, never pydantic's report (its type names, URLs).
"""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError

#: The rule of a value of a type the setting does not take, by pydantic's error type
#: (``{key}``: the setting's own name, the last part of its dotted name).
TYPE_RULES = {
    "int_type": "input should be a whole number, written without quotes ({key} = 7)",
    "date_type": "input should be a date, without quotes or a time ({key} = 2027-07-01)",
    "tuple_type": 'input should be a list ({key} = ["choice_rank", "lottery"])',
    "string_type": 'input should be text, written in quotes ({key} = "...")',
}


def shown(value: object) -> str:
    """A setting's value as a message shows it: a TOML boolean, date or time as TOML writes it
    (``true``, ``2027-07-01T10:00:00``), anything else as its repr (``'7'``, ``7.0``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return repr(value)


def settings_messages(exc: ValidationError, *, whole: bool = False) -> list[str]:
    """One message per error: 'seed == true, input should be a whole number, written without quotes (seed = 7)'.

    ``whole``: name a setting by itself, not the element of it at fault (``tie_break == 'birthday'``,
    not ``tie_break.0 == 'birthday'``), as a command-line option is named.
    """
    messages = []
    for error in exc.errors():
        name = ".".join(str(part) for part in (error["loc"][:1] if whole else error["loc"]))
        key = str(error["loc"][-1]) if error["loc"] else name
        if error["type"] == "missing":
            messages.append(f"{name} is missing, must be given")
            continue
        rule = TYPE_RULES.get(error["type"], error["msg"].lower()).format(key=key)
        messages.append(f"{name} == {shown(error.get('input'))}, {rule}")
    return messages
