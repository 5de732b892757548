"""A database that cannot answer is not a bug (crisisplan/core/faults.py,
crisisplan/errors.py): 503 with Retry-After and help, one log line with the cause and the
request id. The database errors here are real (a read-only session, a statement past
its timeout, a server that does not listen); the gunicorn drills are in tests/faults/."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError, connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import Client as HttpClient

from crisisplan.core.faults import StalledQueryWatchdog, database_unavailable
from crisisplan.links import recall
from crisisplan.plans.models import Plan
from crisisplan.requestlog import RequestIdFilter
from tests.factory import editor_form_data, full_content, make_client, make_plan, make_service

pytestmark = pytest.mark.django_db(transaction=True)
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL's own errors"
)


def error_of(statements: list[str]) -> Exception:
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    except Exception as exc:  # the error is what the test looks at
        return exc
    raise AssertionError("no error")


@postgres_only
def test_which_errors_mean_the_database_cannot_answer(db: None) -> None:
    timeout = error_of(["SET statement_timeout = 1", "SELECT pg_sleep(1)"])
    read_only = error_of(
        [
            "RESET statement_timeout",
            "SET default_transaction_read_only = on",
            "CREATE TEMP TABLE faults_probe (id int)",
        ]
    )
    duplicate = error_of(
        [
            "RESET default_transaction_read_only",
            "CREATE TEMP TABLE faults_key (id int UNIQUE)",
            "INSERT INTO faults_key VALUES (1)",
            "INSERT INTO faults_key VALUES (1)",
        ]
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    nowhere = DatabaseWrapper({**connection.settings_dict, "PORT": closed_port}, alias="nowhere")
    with pytest.raises(OperationalError) as refused:
        nowhere.ensure_connection()

    assert database_unavailable(timeout) == "timeout"
    assert database_unavailable(read_only) == "read-only"
    assert database_unavailable(refused.value) == "unreachable"
    # Bugs stay 500s.
    assert isinstance(duplicate, IntegrityError)
    assert database_unavailable(duplicate) is None
    assert database_unavailable(error_of(["SELECT 1/0"])) is None
    assert database_unavailable(ValueError("no")) is None


@contextmanager
def read_only() -> Iterator[None]:
    """This test's database session read-only, as default_transaction_read_only makes
    every session in a maintenance window (the test client shares the connection)."""
    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = on")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET default_transaction_read_only")


class Lines(logging.Handler):
    """Log lines as the console handler writes them: with the request's id."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.setFormatter(logging.Formatter("[%(request_id)s] %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def lines() -> Iterator[list[str]]:
    handler = Lines()
    logger = logging.getLogger("crisisplan.faults")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def plan(alice: Any) -> Plan:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    make_service("Samaritans", country="GB", phone="116 123")
    plan = make_plan(make_client(alice, country="GB", subdivision=""), full_content(1))
    plan.publish(plan.version(1), alice)
    return plan


@postgres_only
def test_a_save_while_read_only_says_not_saved_and_reading_works(
    client: HttpClient, alice: Any, plan: Plan, lines: list[str]
) -> None:
    client.force_login(alice)
    client.raise_request_exception = False  # answer as in production: handler500
    path = f"/clients/{plan.client.pk}/plan/"
    data = editor_form_data(full_content(2, tag="Typed "), 1, note="typed")
    with read_only():
        assert client.get("/").status_code == 200
        assert client.get(path).status_code == 200
        refused = client.post(path, data)
    assert refused.status_code == 503
    assert int(refused["Retry-After"]) > 0
    page = refused.content.decode()
    assert "Not saved" in page and "Traceback" not in page
    assert "open for reading only" in page
    assert "Typed warning_signs 0" in page  # what was typed, shown back to copy
    assert not any("Typed" in line for line in lines)  # and never logged
    request_id = refused["X-Request-ID"]
    assert request_id in page
    assert Plan.objects.get(pk=plan.pk).current_number == 1  # nothing half-saved
    (line,) = [line for line in lines if "answered 503" in line]  # logged once
    assert re.fullmatch(
        rf"\[{request_id}\] Database read-only: POST {path} answered 503 "
        r"\(InternalError: cannot execute [A-Z ]+ in a read-only transaction\)",
        line,
    )
    assert client.post(path, data).status_code == 302  # writable again: saved
    assert Plan.objects.get(pk=plan.pk).current_number == 2


@postgres_only
def test_a_client_reads_their_link_while_read_only(
    plan: Plan, redis_cache: str, lines: list[str]
) -> None:
    """Rate limits are not counted and the open is not recorded, but the client's
    landing page and plan open (with the shared cache; the database store would need
    to write the visitor's session)."""
    from crisisplan.links.models import LinkOpen, PrivateLink

    _link, token = PrivateLink.issue(plan, None)
    browser = HttpClient()
    with read_only():
        assert browser.get(f"/p/{token}/").status_code == 200
        assert browser.post(f"/p/{token}/").status_code == 302
        page = browser.get(f"/p/{token}/plan/")
    assert page.status_code == 200
    assert "My crisis plan" in page.content.decode()
    assert not LinkOpen.objects.exists()
    assert any("recording the plan's open skipped" in line for line in lines)
    assert not any(token in line for line in lines)


@postgres_only
def test_a_link_page_that_fails_shows_the_remembered_region_without_a_query(
    plan: Plan, lines: list[str], django_assert_max_num_queries: Any
) -> None:
    """The database store writes the visitor's session to open the plan: read-only, the
    open fails as a 503 that still shows the region's help (from memory)."""
    from crisisplan.links.models import PrivateLink

    recall.forget_all()
    _link, token = PrivateLink.issue(plan, None)
    browser = HttpClient(raise_request_exception=False)
    assert browser.get(f"/p/{token}/").status_code == 200
    with read_only():
        failed = browser.post(f"/p/{token}/")
    assert failed.status_code == 503
    html = failed.content.decode()
    assert 'href="tel:999"' in html and "116 123" in html
    assert "Your plan cannot be opened right now" in html
    assert failed["Cache-Control"] == "no-store"
    assert failed["X-Robots-Tag"].startswith("noindex")
    assert any(f"[{failed['X-Request-ID']}] Database read-only: POST" in x for x in lines)
    assert not any(token in line for line in lines)


@postgres_only
def test_the_watchdog_cuts_a_call_that_waits_too_long(db: None) -> None:
    """crisisplan.core.faults.StalledQueryWatchdog on a real connection: a statement
    still waiting past the limit has its socket shut down, and fails at once. (The
    drills in tests/faults freeze a whole server of their own; here a long pg_sleep
    stands for it, on this test's own connection.)"""
    watchdog = StalledQueryWatchdog(limit=0.5, interval=0.1)
    database = connections["default"]
    database.ensure_connection()
    backend = database.connection.get_backend_pid()
    watchdog.watch(database)
    started = time.monotonic()
    try:
        with (
            database.execute_wrapper(watchdog.executing),
            pytest.raises(OperationalError),
            database.cursor() as cursor,
        ):
            cursor.execute("SELECT pg_sleep(5)")
        assert watchdog.was_cut()
    finally:
        watchdog.unwatch()
        database.close()
    assert time.monotonic() - started < 3
    assert watchdog.tripped() is not None  # the next requests answer at once, a moment
    with database.cursor() as cursor:  # a new connection works
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend])  # the sleeper
