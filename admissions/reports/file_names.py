"""The file names of the documents: every one made by :func:`file_stem`, then made unique.

A name comes from the data (a student id, a school, a municipality, an admission office) and
must be a name every file system takes: ASCII letters, digits, ``-`` and ``_``, at most
MAX_STEM characters, and never the name of another file of the same folder (compared without
case, as Windows and macOS compare names).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: Letters that Unicode does not decompose into an ASCII letter and a mark, as they are written in
#: ASCII (Nordic and other Latin letters a name may hold); the rest of Latin goes through NFKD.
ASCII_FOR = {"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D",
             "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ł": "l", "Ł": "L", "ı": "i"}
_ASCII_TABLE = str.maketrans(ASCII_FOR)

#: Names Windows keeps for devices, in any case and whatever follows a dot (CON.pdf is CON too).
WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                             *(f"lpt{i}" for i in range(10))})

#: What is left unsafe in a file name after transliteration.
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")

#: The longest file name stem the documents write: file systems take 255 bytes a name, and the
#: stems are ASCII, so this leaves room for '-N' (up to 9 digits) and the extension ('.xlsx');
#: every name that fits is written as it was before names were cut.
MAX_STEM = 240


def file_stem(text: str) -> str:
    """``text`` as the stem of a document's file name: transliterated to ASCII (``Ängelholm`` ->
    ``Angelholm``, ``Malmö`` -> ``Malmo``, ``é`` -> ``e``, ``ß`` -> ``ss``, ``ø`` -> ``o``: NFKD without
    its marks, and ASCII_FOR), then every character still not a letter, digit, ``-`` or ``_`` as ``_``
    (``S 1/2`` -> ``S_1_2``, an emoji -> ``_``); ``_`` for an empty text; ``_`` before a name Windows keeps
    for a device (``CON`` -> ``_CON``) or one starting with ``-``. Two texts may give one stem
    (``Ö1`` and ``O1``): :func:`unique_names` keeps their files apart."""
    return _usable(_UNSAFE.sub("_", _transliterated(text)) or "_")


def _transliterated(text: str) -> str:
    """``text`` with its letters in ASCII where they have an ASCII form: NFKD without its marks, then
    ASCII_FOR (so that a letter with a mark over one of those is found too: ǿ, Ǣ)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).translate(
        _ASCII_TABLE)


def _usable(stem: str) -> str:
    """``stem`` with ``_`` before it when Windows keeps it for a device (``CON``, ``lpt1``) or it starts
    with ``-`` (a command line would read ``-x.pdf`` as an option)."""
    return "_" + stem if stem.startswith("-") or stem.lower() in WINDOWS_DEVICES else stem


#: Unicode categories slug reads as a break between words: dashes and spaces.
_WORD_BREAKS = frozenset({"Pd", "Zs"})


def slug(text: str) -> str:
    """A file name from a school, municipality or office name, lower case with ``-`` between its
    words: transliterated as :func:`file_stem` does ('Malmö Latinskola' -> 'malmo-latinskola'), then
    what is still not ASCII dropped, so that it splits no word ('Petri’s skola' -> 'petris-skola', as
    'Petris'; an emoji -> nothing), but a dash or space of any kind parts words ('Ystad–Österlen' ->
    'ystad-osterlen'); 'x' when nothing is left."""
    # A dash or space of any kind joins or parts words as '-' and ' ' do (Ystad–Österlen,
    # Helsingborg‑Ängelholm); other punctuation not in ASCII, such as ’, is dropped.
    plain = "".join(" " if unicodedata.category(ch) in _WORD_BREAKS else ch for ch in _transliterated(text))
    plain = plain.encode("ascii", "ignore").decode("ascii")
    return _usable(re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "x")


def unique_names(names: Iterable[str], texts: Iterable[str] | None = None) -> list[str]:
    """File names made unique (compared without case, as Windows and macOS compare file names), so
    that two names that reduce to one file name (the students Ö1 and O1 both as ``O1``; Malmö and
    Malmo both as ``malmo``) never share a file, where the later one would replace the earlier.

    ``texts``: what each name was made from (a student id). A name equal to its text, which needed
    no change, keeps it (``O1`` is ``O1.pdf`` whatever comes before it; of two such that differ only
    in case, ``a1`` and ``A1``, the first); then every other name
    keeps its own where no earlier one took it, in their order; the rest get ``-2``, ``-3``, ...,
    the first that is no name of the whole set (an id ``O1-2`` keeps ``O1-2.pdf``; ``Ö1`` becomes
    ``O1-3``). A name is cut at MAX_STEM characters first (a 300-character id failed the whole
    command with 'File name too long'), which is a change too.
    """
    names = [name if len(name) <= MAX_STEM else name[:MAX_STEM].rstrip("-_") or name[:MAX_STEM]
             for name in names]  # no dangling separator where it was cut
    texts = list(texts) if texts is not None else [None] * len(names)
    result: list[str | None] = [None] * len(names)
    taken: set[str] = set()
    for unchanged in (True, False):
        for i, (name, text) in enumerate(zip(names, texts)):
            if result[i] is None and (name == text) == unchanged and name.lower() not in taken:
                result[i] = name
                taken.add(name.lower())
    everyone = taken | {name.lower() for name in names}
    for i, name in enumerate(names):
        if result[i] is None:
            k = 2
            while f"{name}-{k}".lower() in everyone:
                k += 1
            result[i] = f"{name}-{k}"
            everyone.add(result[i].lower())
    return result
