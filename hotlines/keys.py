"""Stable keys of directory entries.

Every entry has a key that import and export carry, so that a renamed entry is still the
same entry. A row of a file without keys (the starter data) gets the key derived from its
country, region, name and kind as it first came in: the same row always gets the same
key, on every installation. Keys never change afterwards, whatever a curator renames.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.utils.text import slugify

KEY_MAX_LENGTH = 100
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def derived_key(country: str, subdivision: str, name: str, kind: str) -> str:
    """e.g. "lb-lebanese-red-cross-ambulance-5c1d9e0a": readable, and unique through the
    hash of the whole natural key (names can slugify alike, or to nothing)."""
    natural = "\x1f".join((country.upper(), subdivision.upper(), name, kind))
    digest = hashlib.sha256(natural.encode("utf-8")).hexdigest()[:8]
    slug = slugify(name)[:40].strip("-")
    return "-".join(part for part in (country.lower(), slug, digest) if part)


def new_key() -> str:
    """The key of an entry made by hand (in the admin) rather than imported."""
    return f"entry-{secrets.token_hex(6)}"
