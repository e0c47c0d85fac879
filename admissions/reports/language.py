"""The documents' language: one message catalogue (gettext .po, read with Babel), Swedish and English.

Every text a person reads in a document (lists, letters, headers, labels) is a message of
``admissions/locale/LANG/LC_MESSAGES/admissions.po``, looked up by a key such as
``"letter.admitted"`` through :func:`texts`. The catalogues are read as .po files at run time, so
``pip install .`` ships them as package data with no build step; a test checks that every key the
code uses is translated in both languages and that no catalogue has a key the code no longer uses.

Numbers, percentages and dates are formatted by Babel from the CLDR data of the language:
Swedish ``12 345``, ``78,8 %``, ``2027-07-01``; English ``12,345``, ``78.8%``, ``1 July 2027``.
CSV files are for programs and never go through this module: they keep the contract's column
names and plain numbers.
"""

from __future__ import annotations

import datetime as dt
import decimal
from functools import lru_cache
from importlib import resources
from typing import get_args

from babel import Locale
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import get_decimal_symbol, get_group_symbol, parse_pattern

from admissions.config import Language
from admissions.errors import ConfigError

#: The languages of the documents; the first is the default.
LANGUAGES: tuple[str, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = LANGUAGES[0]
#: The CLDR locale whose number and date formats each language uses.
LOCALES = {"sv": "sv_SE", "en": "en_GB"}
#: gettext domain: admissions/locale/LANG/LC_MESSAGES/DOMAIN.po
DOMAIN = "admissions"
#: Messages about a count of something: each has a singular twin ``KEY_one`` ("1 elev", "1 student"),
#: which ``_(KEY, count=n)`` gives when n is 1 (Swedish and English both use the plural for 0 and 2.5).
#: The number each is about is its placeholder ``{n}`` in both languages: a count of whole things
#: filled by :meth:`Texts.counted`, a measure that may have decimals (letter.reserve_below's points)
#: by ``_(KEY, count=x, n=_.number(x))``.
COUNTED = ("html.n_students", "html.card_first", "html.card_cutoff", "html.cost_at_least", "reason.others",
           "letter.reserve_below", "page.n_offers", "sweep.note_counts", "forecast.meta", "plan.note_classes",
           "plan.note_verified", "lottery.title", "lottery.meta")
ONE = "_one"


def catalogue_path(language: str):
    """The .po file of a language inside the installed package."""
    return resources.files("admissions") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def catalogue(language: str) -> Catalog:
    """The message catalogue of a language, read once."""
    check_language(language)
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=LOCALES[language], domain=DOMAIN)


def check_language(language: str) -> None:
    """Raise ConfigError unless ``language`` is one of LANGUAGES (the parameter named: a command says its option)."""
    if language not in LANGUAGES:
        raise ConfigError("{language} == {value!r}, must be one of {languages}", parameters=("language",),
                          values={"value": language, "languages": ", ".join(LANGUAGES)})


def check_chosen_language(language: str | None) -> None:
    """:func:`check_language` for the language given to a command, None being its default (the run's
    or admissions.toml's, else Swedish): refused before any work, as every command with documents does."""
    if language is not None:
        check_language(language)


class Texts:
    """Messages and number formats of one language.

    ``_ = texts("sv")``; ``_("letter.reserve", position=3)`` is the message with its ``{position}``
    filled in; ``_.number(12345)`` is ``"12 345"``. A key missing from the catalogue is a KeyError
    (the catalogue test makes sure none is).
    """

    def __init__(self, language: str) -> None:
        check_language(language)
        self.language = language
        self.locale = Locale.parse(LOCALES[language])
        self._messages = {m.id: m.string for m in catalogue(language) if m.id and m.string}
        #: The keys this language has a message for.
        self.keys = frozenset(self._messages)
        #: The language's thousands separator and decimal mark (Swedish: no-break space and comma).
        self.group, self.decimal = get_group_symbol(self.locale), get_decimal_symbol(self.locale)
        pattern = self.locale.percent_formats[None].pattern
        # One decimal: 78,8 % rather than 79 %.
        self._percent_pattern = _last_zero_decimal(pattern)

    def __call__(self, key: str, /, count: float | None = None, **values: object) -> str:
        """The message ``key`` in this language with its ``{placeholders}`` filled from ``values``.

        ``count``: the number a COUNTED message is about; when it is 1 the message is the key's
        singular twin ``KEY_one``.
        """
        if count == 1 and key in COUNTED:
            key += ONE
        text = self._messages[key]
        return text.format(**values) if values else text

    def counted(self, key: str, n: int, /, **values: object) -> str:
        """The COUNTED message ``key`` about ``n`` things, ``{n}`` filled with ``n`` as this language
        writes a whole number (``12 345 elever``, ``12,345 students``; the singular twin when ``n`` is 1),
        the other placeholders from ``values``."""
        return self(key, count=n, n=self.number(n, decimals=0), **values)

    def number(self, value: float | int | None, decimals: int = 2) -> str:
        """A count or a merit value without needless decimals (``12 345``, ``237,5``); empty for None."""
        if value is None or value != value:
            return ""
        return self._apply("#,##0" + ("." + "#" * decimals if decimals else ""), value)

    def percent(self, share: float | None) -> str:
        """A share 0-1 as a percentage with one decimal (``78,8 %``); empty for None."""
        if share is None or share != share:
            return ""
        return self._apply(self._percent_pattern, share)

    def _apply(self, pattern: str, value: float | int) -> str:
        """``value`` in a number pattern, halves rounded away from zero as report.xlsx's number formats
        round them (babel alone rounds half to even: 81,65 % would read 81,6 % on the page, 81,7 % in the
        workbook)."""
        with decimal.localcontext(rounding=decimal.ROUND_HALF_UP):
            return _pattern(pattern).apply(value, self.locale)

    def sek(self, amount: float | None) -> str:
        """An amount in Swedish kronor, whole kronor (``3 956 200 kr`` / ``SEK 3,956,200``)."""
        if amount is None or amount != amount:
            return ""
        return self("format.sek", amount=self.number(round(amount), decimals=0))

    def date(self, value: dt.date | dt.datetime | None) -> str:
        """A date: ``2027-07-01`` in Swedish, ``1 July 2027`` in English; empty for None."""
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.date()
        return format_date(value, self("format.date"), locale=self.locale)


@lru_cache(maxsize=64)
def _pattern(pattern: str):
    """A CLDR number pattern, parsed once (parsing it is most of Babel's time per number)."""
    return parse_pattern(pattern)


def _last_zero_decimal(pattern: str) -> str:
    """A CLDR percent pattern (``#,##0 %``) with one decimal (``#,##0.0 %``)."""
    at = pattern.rfind("0")
    return pattern[: at + 1] + ".0" + pattern[at + 1:]


@lru_cache(maxsize=None)
def texts(language: str = DEFAULT_LANGUAGE) -> Texts:
    """The :class:`Texts` of a language (one object per language)."""
    return Texts(language)
