"""Which database errors mean "the database cannot answer now", as opposed to a bug.

PostgreSQL restarting or stopped, a connection cut, a statement past its timeout, a
database made read-only for maintenance, a full disk: the request could not be done, and
trying again shortly will do it. Those answer 503 with Retry-After and help, are logged
once with their cause (crisisplan/errors.py), and never leave half a write behind (every
save is one transaction). Anything else is a bug, and stays a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, InterfaceError, OperationalError, connection

logger = logging.getLogger("crisisplan.faults")

# SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html) and the
# word the log gives as cause. Classes 08 (connection), 53 (resources) and 57P (the server
# shutting down or starting) by their first characters.
CODES = {
    "25006": "read-only",  # read_only_sql_transaction (default_transaction_read_only)
    "57014": "timeout",  # query_canceled: statement_timeout
    "55P03": "timeout",  # lock_not_available: lock_timeout
    "53100": "disk-full",
}
PREFIXES = {"08": "unreachable", "53": "overloaded", "57P": "restarting"}


def database_unavailable(exc: BaseException | None) -> str | None:
    """The cause, in a word, when ``exc`` says the database cannot answer now
    ("unreachable", "restarting", "read-only", "timeout", "disk-full", "overloaded");
    None for any other exception (a bug: a 500)."""
    if not isinstance(exc, DatabaseError):
        return None
    code = getattr(exc.__cause__, "pgcode", None) or getattr(exc, "pgcode", None) or ""
    if code in CODES:
        return CODES[code]
    for prefix, cause in PREFIXES.items():
        if code.startswith(prefix):
            return cause
    if isinstance(exc, InterfaceError) or (isinstance(exc, OperationalError) and not code):
        # No SQLSTATE: the driver's own (connection refused, closed, timed out, lost).
        return "unreachable"
    return None


def describe(exc: BaseException) -> str:
    """The error's class and first line, for the log: the driver's messages for these
    errors name the server and the failure, never a row's values (a constraint's DETAIL
    would, but constraint errors are not among database_unavailable's)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {first[:200]}" if first else exc.__class__.__name__


@contextmanager
def skipped_while_read_only(what: str) -> Iterator[None]:
    """Around a write that a page can do without (a rate-limit count, the idle clock of
    a session): while the database is read-only the write is skipped, logged once, and
    the page that only reads still answers. Outside a transaction only (in autocommit a
    failed statement leaves the connection usable; inside one it would not)."""
    try:
        yield
    except DatabaseError as exc:
        if connection.in_atomic_block or database_unavailable(exc) != "read-only":
            raise
        logger.warning("Database read-only: %s skipped (%s)", what, describe(exc))
