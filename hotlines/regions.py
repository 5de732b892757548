"""Countries, subdivisions, languages and timezones, from maintained sources.

Codes are checked against pycountry (ISO 3166-1, ISO 3166-2, ISO 639). A service's
default timezone comes from the tz database's own country table (zone.tab, shipped with
the same tz database that zoneinfo reads). For a country with several zones the first
zone listed is only a guess (the tz database lists the most populous first where the
geography allows); curators should set the zone of a multi-zone service with limited
hours. The general emergency number of a country with no entry comes from
libphonenumber's short-number data (the phonenumbers package).
"""

from __future__ import annotations

import csv
import gettext as gettext_module
import unicodedata
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

FIND_A_HELPLINE = "https://findahelpline.com/"


@cache
def _iso_catalogue(domain: str, language: str) -> gettext_module.NullTranslations:
    """pycountry's own translations of the ISO names (the Debian iso-codes project)."""
    return gettext_module.translation(
        domain, pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def _active_language() -> str:
    """The active language's base code ("fr" for "fr-ca"), "en" outside a request."""
    return (get_language() or "en").split("-")[0]


def _in_language(domain: str, name: str) -> str:
    """An ISO name (a country, region or language) in the active language, where
    iso-codes has it; else the English name."""
    language = _active_language()
    if not name or language == "en":
        return name
    return _iso_catalogue(domain, language).gettext(name)


def country_name(code: str) -> str:
    """A country's common name in the active language ("Lebanon", "Liban", "لبنان")."""
    country = pycountry.countries.get(alpha_2=code.upper()) if code else None
    if country is None:
        return code
    return _in_language("iso3166-1", getattr(country, "common_name", None) or country.name)


def country_codes() -> list[str]:
    """Every ISO 3166-1 alpha-2 code, sorted."""
    return sorted(country.alpha_2 for country in pycountry.countries)


def _folded(text: str) -> str:
    """Case and accents folded, so "turkiye" finds "Türkiye"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _country_names() -> tuple[tuple[str, str], ...]:
    return tuple(
        (country.alpha_2, _folded(name))
        for country in pycountry.countries
        for name in {
            country.name,
            getattr(country, "common_name", ""),
            getattr(country, "official_name", ""),
        }
        if name
    )


def countries_named(text: str) -> set[str]:
    """The codes of the countries whose name contains `text` (at least 3 letters)."""
    needle = _folded(text.strip())
    if len(needle) < 3:
        return set()
    return {code for code, name in _country_names() if needle in name}


REGION_NAMES = Path(__file__).resolve().parent / "data" / "region_names.csv"


@cache
def _region_names() -> dict[tuple[str, str], str]:
    """(code, language) -> a region's name where iso-codes has none in that language
    (hotlines/data/region_names.csv; see its README)."""
    with REGION_NAMES.open(encoding="utf-8", newline="") as source:
        return {(row["code"], row["language"]): row["name"] for row in csv.DictReader(source)}


def subdivision_name(code: str) -> str:
    """A region's name in the active language: ours (region_names.csv) where iso-codes
    has none in it (a client in Beirut who reads Arabic reads "بيروت", not "Bayrūt"),
    else iso-codes', else the ISO name."""
    subdivision = pycountry.subdivisions.get(code=code) if code else None
    if subdivision is None:
        return code
    curated = _region_names().get((subdivision.code, _active_language()))
    return curated or _in_language("iso3166-2", subdivision.name)


def place_name(country: str, subdivision: str = "", city: str = "") -> str:
    """A place as a person names it, the smallest first: "Bayrūt, Lebanon", "Beirut,
    Bayrūt, Lebanon", "بيروت، لبنان" (the comma of the active language)."""
    name = country_name(country) if country else ""
    for part in (subdivision_name(subdivision) if subdivision else "", city):
        if part:
            # Translators: a place and the larger one it is in, e.g. "Bavaria, Germany"
            # (with the comma your language writes between them).
            name = gettext("%(place)s, %(within)s") % {"place": part, "within": name}
    return name


def _sort_key(name: str) -> str:
    """Case- and accent-insensitive order, marks ignored ("Île-de-France" among the I's)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() or ch == " ")


def country_choices() -> tuple[tuple[str, str], ...]:
    """Every ISO 3166-1 country as (code, common name), in the order of the names, in
    the active language (made once per language and process)."""
    return _country_choices(get_language() or "en")


@cache
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    countries = ((c.alpha_2, country_name(c.alpha_2)) for c in pycountry.countries)
    return tuple(sorted(countries, key=lambda choice: _sort_key(choice[1])))


@cache
def _top_regions(country: str) -> tuple[str, ...]:
    found = pycountry.subdivisions.get(country_code=country) or []
    return tuple(s.code for s in found if not s.parent_code)


def region_choices(country: str, also: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The regions offered for ``country`` by name: its top-level ISO 3166-2 subdivisions
    (states, provinces, nations, governorates), plus the codes in ``also`` that are
    subdivisions of the country at a lower level (a region the directory has entries
    for, or the value a record already holds), named with their parent.

    The directory matches a region exactly, so the top level is what a person in a
    region most often needs; the lower levels the directory uses stay reachable.
    """
    country = (country or "").upper()
    codes = set(_top_regions(country))
    for code in also:
        subdivision = pycountry.subdivisions.get(code=code) if code else None
        if subdivision is not None and subdivision.country_code == country:
            codes.add(subdivision.code)
    choices = []
    for code in codes:
        subdivision = pycountry.subdivisions.get(code=code)
        label = subdivision_name(subdivision.code)
        if subdivision.parent_code:
            label = f"{label} ({subdivision_name(subdivision.parent_code)})"
        choices.append((code, label))
    return sorted(choices, key=lambda choice: (_sort_key(choice[1]), choice[0]))


def language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code) if code else None
    return _in_language("iso639-3", language.name) if language else code


def validate_country(code: str) -> None:
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(
            _("“%(code)s” is not an ISO 3166-1 country code (two letters, e.g. DE)."),
            code="unknown_country",
            params={"code": code},
        )


def validate_subdivision(code: str, country: str) -> None:
    """An ISO 3166-2 code of a subdivision of `country`, or "" for nationwide."""
    if not code:
        return
    subdivision = pycountry.subdivisions.get(code=code)
    if subdivision is None:
        raise ValidationError(
            _("“%(code)s” is not an ISO 3166-2 subdivision code (e.g. GB-ENG)."),
            code="unknown_subdivision",
            params={"code": code},
        )
    if subdivision.country_code != country:
        raise ValidationError(
            _("“%(code)s” is not in %(country)s."),
            code="subdivision_country",
            params={"code": code, "country": country},
        )


def validate_languages(codes: list[str]) -> None:
    if not isinstance(codes, list):
        raise ValidationError(_("Languages must be a list of ISO 639-1 codes."))
    unknown = [c for c in codes if not (isinstance(c, str) and len(c) == 2)]
    unknown += [c for c in codes if c not in unknown and pycountry.languages.get(alpha_2=c) is None]
    if unknown:
        raise ValidationError(
            _("Not ISO 639-1 language codes (two letters, e.g. en): %(codes)s."),
            code="unknown_language",
            params={"codes": ", ".join(map(str, unknown))},
        )


def validate_timezone(name: str) -> None:
    if name not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(name)s” is not an IANA timezone (e.g. Europe/Berlin)."),
            code="unknown_timezone",
            params={"name": name},
        )


@cache
def _zones_by_country() -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    for folder in zoneinfo.TZPATH:
        table = Path(folder) / "zone.tab"
        if table.is_file():
            for line in table.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#"):
                    fields = line.split("\t")
                    zones.setdefault(fields[0], []).append(fields[2])
            break
    return zones


def zones_for_country(country: str) -> list[str]:
    return list(_zones_by_country().get(country, []))


def default_timezone(country: str) -> str:
    """The country's zone (its first listed zone if it has several); UTC if unknown."""
    zones = zones_for_country(country)
    return zones[0] if zones else "UTC"


# Tried first: 112, the GSM emergency number that mobile networks answer or redirect in
# most countries (and the legal one in the EU); in the North American Numbering Plan 911.
# Then the other well-known general numbers, then any short code libphonenumber lists.
_PREFERRED = ("112", "911", "999", "000", "111", "110", "119")
_PREFERRED_NANP = ("911", *_PREFERRED)


@cache
def general_emergency_number(country: str) -> str | None:
    """The emergency number libphonenumber knows for `country`, or None."""
    if not country or country.upper() not in phonenumbers.SUPPORTED_SHORT_REGIONS:
        return None
    country = country.upper()
    nanp = phonenumbers.country_code_for_region(country) == 1
    candidates = list(_PREFERRED_NANP if nanp else _PREFERRED) + [
        f"{n:0{width}d}" for width in (2, 3) for n in range(10**width)
    ]
    for number in candidates:
        if phonenumbers.is_emergency_number(number, country):
            return number
    return None


@dataclass(frozen=True)
class EmergencyFallback:
    """What a page shows when the directory has no emergency number for a place."""

    country: str
    number: str | None  # None: not known; then only `where_to_look` applies
    where_to_look_url: str = FIND_A_HELPLINE

    @property
    def country_name(self) -> str:
        return country_name(self.country) if self.country else gettext("this country")

    @property
    def tel_href(self) -> str:
        return f"tel:{self.number}" if self.number else ""

    @property
    def where_to_look(self) -> str:
        return gettext(
            "Our directory has no checked entry for %(country)s yet. "
            "Ask someone nearby or your phone provider for the local emergency number; "
            "findahelpline.com lists crisis lines by country."
        ) % {"country": self.country_name}

    @property
    def source(self) -> str:
        return gettext(
            "This is the general emergency number from libphonenumber's data, "
            "not checked by our curators."
        )


def emergency_fallback(country: str) -> EmergencyFallback:
    return EmergencyFallback(country=country, number=general_emergency_number(country))
