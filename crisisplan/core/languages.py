"""The languages the pages come in (settings.LANGUAGES), and which one a client's pages
open in when the therapist has not chosen: the first supported language the client
record's "preferred language" names, else the language of the client's region.

Adding a language is a translator's job: a line in settings.LANGUAGES, its catalogues
under locale/ (README, "Languages"), and, for a better default, its names below and the
places where it is the language people read.
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings


def codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def supported(code: object) -> str | None:
    """The supported language a code names ("fr", "fr-CA", " AR "), or None for anything
    else (an unknown code, a value that is not text)."""
    if not isinstance(code, str):
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in codes() else None


# Where most people read official information in French or in Arabic. Elsewhere the
# default is English (LANGUAGE_CODE). Lebanon, Morocco, Algeria and Tunisia use both
# Arabic and French; Arabic is the official language and the default, and the client
# can switch.
ARABIC_COUNTRIES = frozenset(
    [
        "AE",
        "BH",
        "DZ",
        "EG",
        "EH",
        "IQ",
        "JO",
        "KM",
        "KW",
        "LB",
        "LY",
        "MA",
        "MR",
        "OM",
        "PS",
        "QA",
        "SA",
        "SD",
        "SO",
        "SY",
        "TN",
        "YE",
    ]
)
FRENCH_COUNTRIES = frozenset(
    # France and its overseas departments and territories, Monaco, Luxembourg,
    # French-speaking Africa, the Indian Ocean and the Caribbean.
    [
        "FR",
        "GF",
        "GP",
        "MQ",
        "RE",
        "YT",
        "PM",
        "BL",
        "MF",
        "NC",
        "PF",
        "WF",
        "TF",
        "MC",
        "LU",
        "BF",
        "BI",
        "BJ",
        "CD",
        "CF",
        "CG",
        "CI",
        "CM",
        "DJ",
        "GA",
        "GN",
        "ML",
        "NE",
        "SN",
        "TD",
        "TG",
        "MG",
        "SC",
        "HT",
    ]
)
FRENCH_REGIONS = frozenset({"CA-QC", "BE-WAL", "BE-BRU", "CH-GE", "CH-VD", "CH-NE", "CH-JU"})

# How people write a language's name in a record (in English, French or Arabic).
NAMES: dict[str, tuple[str, ...]] = {
    "en": ("english", "anglais", "انجليزي", "الانجليزية", "الإنجليزية", "إنجليزي"),
    "fr": ("french", "francais", "français", "فرنسي", "الفرنسية", "الفرنسيه"),
    "ar": ("arabic", "arabe", "عربي", "العربية", "العربيه", "عربية"),
}


def for_place(country: str, subdivision: str = "") -> str:
    """The default language of a place's clients (a supported code)."""
    country = (country or "").upper()
    if (subdivision or "").upper() in FRENCH_REGIONS or country in FRENCH_COUNTRIES:
        found = supported("fr")
    elif country in ARABIC_COUNTRIES:
        found = supported("ar")
    else:
        found = None
    return found or supported(settings.LANGUAGE_CODE) or codes()[0]


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def from_text(text: str) -> str | None:
    """The first supported language a free text names ("Arabic, some French" -> "ar";
    "fr"; "عربي"), or None."""
    folded = _folded(text or "")
    found: list[tuple[int, str]] = []
    for code in codes():
        words = (code, *NAMES.get(code, ()))
        for word in words:
            match = re.search(rf"(?<!\w){re.escape(_folded(word))}(?!\w)", folded)
            if match:
                found.append((match.start(), code))
    return min(found)[1] if found else None


def default_for(preferred_language: str, country: str, subdivision: str = "") -> str:
    """A client's default page language: from the record's preferred language where it
    names a supported one, else from the region."""
    return from_text(preferred_language) or for_place(country, subdivision)
