"""The benchmark's one rule about databases: it uses only its own.

`make bench` drops and recreates its database on every run, so it must never be pointed
at the development or a production database. Its database is PostgreSQL and its name
ends in ``_bench``: DATABASE_URL when set (and then it must name such a database),
otherwise ``postgres://postgres@127.0.0.1:5432/crisisplan_bench``.

Pure Python (no Django): the runner checks before it starts anything, and
bench/settings.py checks again, so no process with the benchmark's settings can reach
another database either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crisisplan_bench"
SUFFIX = "_bench"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql"}
ENGINE = "django.db.backends.postgresql"
# Plain identifiers only: the name is also used (quoted) in DROP/CREATE DATABASE.
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Refused(Exception):
    """Not the benchmark's own database; the message is one sentence."""


def check_name(name: str) -> str:
    if not name.endswith(SUFFIX) or name == SUFFIX:
        raise Refused(
            f"the benchmark drops and recreates its database, so it only uses one whose "
            f"name ends in '{SUFFIX}', not {name!r} (it never touches the development or "
            "a production database); unset DATABASE_URL to use "
            f"{DEFAULT_DATABASE_URL.rsplit('/', 1)[1]}."
        )
    if not _NAME.match(name):
        raise Refused(
            f"the benchmark's database name {name!r} must be lower-case letters, digits "
            "and underscores."
        )
    return name


def database_url(environ: Mapping[str, str]) -> str:
    """The benchmark's database URL, or Refused if DATABASE_URL names another database."""
    url = environ.get("DATABASE_URL", "").strip()
    if not url:
        return DEFAULT_DATABASE_URL
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise Refused(
            f"DATABASE_URL is a {parts.scheme or 'malformed'} URL: the benchmark runs only "
            f"on a PostgreSQL database of its own (a name ending in '{SUFFIX}')."
        )
    check_name(unquote(parts.path.lstrip("/")))
    return url


def check_database_settings(database: Mapping[str, object]) -> None:
    """Refused unless Django's DATABASES["default"] is a PostgreSQL ``*_bench`` database."""
    if database.get("ENGINE") != ENGINE:
        raise Refused(
            f"the benchmark runs only on PostgreSQL, not {database.get('ENGINE')!r} "
            f"(a database of its own, whose name ends in '{SUFFIX}')."
        )
    check_name(str(database.get("NAME") or ""))
