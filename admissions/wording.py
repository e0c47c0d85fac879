"""How a count is worded in English messages and terminal output, for every layer (the library's
messages as much as the commands' tables)."""

from __future__ import annotations


def counted(n: int, one: str, many: str | None = None) -> str:
    """A count with its noun in the number it takes: '1 letter', '2 letters', '1,000 answers',
    '1 municipality file' (``many``: the plural when it is not ``one`` + 's')."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"
