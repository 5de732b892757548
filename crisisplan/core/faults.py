"""Which database errors mean "the database cannot answer now", as opposed to a bug.

PostgreSQL restarting or stopped, a connection cut, a statement past its timeout, a
database made read-only for maintenance, a full disk: the request could not be done, and
trying again shortly will do it. Those answer 503 with Retry-After and help, are logged
once with their cause (crisisplan/errors.py), and never leave half a write behind (every
save is one transaction). Anything else is a bug, and stays a 500.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

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
    ("unreachable", "restarting", "read-only", "timeout", "stalled", "disk-full",
    "overloaded");
    None for any other exception (a bug: a 500)."""
    if not isinstance(exc, DatabaseError):
        return None
    if isinstance(exc, DatabaseStalled):
        return "stalled"
    code = getattr(exc.__cause__, "pgcode", None) or getattr(exc, "pgcode", None) or ""
    if code in CODES:
        return CODES[code]
    for prefix, cause in PREFIXES.items():
        if code.startswith(prefix):
            return cause
    if connection.vendor == "sqlite":
        # SQLite (make run) has no server to lose; its OperationalError is mostly a bug
        # ("no such table"), except a database another process holds locked too long.
        locked = isinstance(exc, OperationalError) and "database is locked" in str(exc)
        return "timeout" if locked else None
    if isinstance(exc, InterfaceError) or (isinstance(exc, OperationalError) and not code):
        # No SQLSTATE: the driver's own (connection refused, closed, timed out, lost),
        # or the watchdog cut a connection the server had stopped answering on.
        return "stalled" if _watchdog is not None and _watchdog.was_cut() else "unreachable"
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


class DatabaseStalled(OperationalError):
    """Raised before a request touches the database while this process saw it stall a
    moment ago (StalledQueryWatchdog.tripped): the request answers 503 at once instead
    of waiting seconds more on a server that does not answer."""


# Django's health check of a kept connection is a SELECT 1: a server that takes this
# long to answer it has stopped answering (and the reconnection that follows has
# DATABASE_CONNECT_TIMEOUT of its own).
PING_LIMIT = 2.0


class StalledQueryWatchdog:
    """Cut the database connection of a request whose database call has waited longer
    than ``limit`` seconds: the call then fails at once (OperationalError), and the
    request answers 503 with help instead of hanging until the app server kills it.

    A server that refuses or drops connections is caught by the connect and TCP timeouts
    (settings, DATABASE_CONNECT_TIMEOUT), a slow statement by statement_timeout, which
    the server enforces. Neither helps when the server stops answering on a connection
    it has open (its processes frozen, its disk stalled): the kernel still acknowledges
    what is sent and statement_timeout never fires, and libpq has no timeout of its own.

    A statement's start is noted by a Django execute wrapper (``executing``, installed
    per request by crisisplan.middleware.StalledQueryMiddleware); Django's own health
    check of a kept connection (``is_usable``, which no wrapper sees) is recognised by
    its frame (``sys._current_frames``). One thread per process looks every
    ``interval`` seconds; a statement waiting ``limit`` seconds or more (a health check
    PING_LIMIT seconds) has its connection's socket shut down. Watching costs a
    dictionary entry per request and per statement; the thread starts with the first
    request (after gunicorn forks).

    For ``pause`` seconds after a stall (a cut, or a request that waited a second or
    more for a database that then failed), ``tripped`` is true: the requests queued
    behind the stalled one answer at once, and one request after the pause tries again.
    """

    def __init__(self, limit: float, interval: float = 0.25, pause: float = 2.0) -> None:
        self.limit, self.interval, self.pause = limit, interval, pause
        self._stalled_at = -pause
        self._watched: dict[int, Any] = {}
        self._started: dict[int, float] = {}
        self._pings: dict[int, tuple[int, float]] = {}
        self._cut: set[int] = set()
        self._lock = threading.Lock()
        self._pid = 0

    def watch(self, wrapper: Any) -> None:
        """Watch the calling thread's database connection (``wrapper``: Django's)."""
        if self._pid != os.getpid():
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="stalled-query-watchdog", daemon=True).start()
        with self._lock:
            self._watched[threading.get_ident()] = wrapper

    def unwatch(self) -> None:
        ident = threading.get_ident()
        with self._lock:
            self._watched.pop(ident, None)
            self._pings.pop(ident, None)
            self._cut.discard(ident)

    def executing(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        """A Django execute wrapper: note when the calling thread's statement started."""
        ident = threading.get_ident()
        self._started[ident] = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            self._started.pop(ident, None)

    def stalled(self) -> None:
        """Note a stall: requests answer at once for the next ``pause`` seconds."""
        self._stalled_at = time.monotonic()

    def tripped(self) -> float | None:
        """Seconds since the last stall, while that is under ``pause``; else None."""
        since = time.monotonic() - self._stalled_at
        return since if since < self.pause else None

    def was_cut(self) -> bool:
        """Whether the watchdog cut the calling thread's connection in this request."""
        with self._lock:
            return threading.get_ident() in self._cut

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            self.look()

    def look(self) -> None:
        now = time.monotonic()
        frames = sys._current_frames()
        with self._lock:
            watched = list(self._watched.items())
        for ident, wrapper in watched:
            started, limit = self._started.get(ident), self.limit
            if started is None:
                started, limit = self._pinging_since(ident, frames.get(ident), now), PING_LIMIT
            if started is None or now - started < min(limit, self.limit):
                continue
            with self._lock:
                if ident not in self._watched:  # the request ended meanwhile
                    continue
                self._cut.add(ident)
                self._pings.pop(ident, None)
            self.stalled()
            self._shut_down(wrapper)

    def _pinging_since(self, ident: int, frame: Any, now: float) -> float | None:
        """Since when the thread has been in Django's health check of its connection (the
        same frame), or None when it is not in it."""
        in_ping = frame is not None and frame.f_code.co_name == "is_usable"
        with self._lock:
            if not in_ping or "/django/db/backends/" not in frame.f_code.co_filename:
                self._pings.pop(ident, None)
                return None
            seen = self._pings.get(ident)
            if seen is None or seen[0] != id(frame):
                self._pings[ident] = seen = (id(frame), now)
            return seen[1]

    @staticmethod
    def _shut_down(wrapper: Any) -> None:
        raw = getattr(wrapper, "connection", None)
        if raw is None:  # still connecting: connect_timeout bounds that
            return
        # Closed meanwhile (psycopg2's InterfaceError, an OSError): nothing left to cut.
        with suppress(Exception), socket.socket(fileno=os.dup(raw.fileno())) as sock:
            sock.shutdown(socket.SHUT_RDWR)


_watchdog: StalledQueryWatchdog | None = None


def install_watchdog(limit: float) -> StalledQueryWatchdog:
    """The process's watchdog (crisisplan.middleware.StalledQueryMiddleware makes it)."""
    global _watchdog
    if _watchdog is None or _watchdog.limit != limit:
        _watchdog = StalledQueryWatchdog(limit)
    return _watchdog
