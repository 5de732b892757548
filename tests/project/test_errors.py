"""An internal error shows a plain page, never a stack trace or a client's data, and the
log line it leaves holds no client plaintext either. The error here is real: a table the
view writes to is gone (as in a botched migration), nothing of ours is mocked."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient

from crisisplan.requestlog import JsonFormatter, PlainFormatter
from tests.factory import editor_form_data as form_data
from tests.factory import full_content, make_client

pytestmark = pytest.mark.django_db

CANARY = "Quokkacanary"


def drop_table(model_table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {model_table} RENAME TO broken_{model_table}")


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    """The records as our console handler would write them (message and traceback), in
    the plain format and as JSON (LOG_FORMAT=json)."""
    formatters = [PlainFormatter(), JsonFormatter()]
    return "\n".join(f.format(record) for record in caplog.records for f in formatters)


@pytest.fixture
def http(client: HttpClient, alice: Any) -> HttpClient:
    client.force_login(alice)
    client.raise_request_exception = False  # answer as in production: handler500
    return client


def assert_plain_500(response: Any) -> None:
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "emergency number" in body  # still pointing to help
    assert "Traceback" not in body and "ProgrammingError" not in body
    assert "OperationalError" not in body and CANARY not in body


def test_a_failing_client_page_shows_no_trace_and_no_client_data(
    http: HttpClient, alice: Any, caplog: pytest.LogCaptureFixture
) -> None:
    record = make_client(alice, preferred_name=f"{CANARY} name", notes=f"{CANARY} notes")
    drop_table("crisisplan_auditevent")  # the page renders, then recording the view fails
    with caplog.at_level(logging.INFO):
        response = http.get(f"/clients/{record.pk}/")
    assert_plain_500(response)
    logged = log_text(caplog)
    assert "Internal Server Error" in logged  # the failure is logged ...
    assert CANARY not in logged  # ... without the client's data


def test_a_failing_plan_save_logs_none_of_the_typed_text(
    http: HttpClient, alice: Any, caplog: pytest.LogCaptureFixture
) -> None:
    record = make_client(alice, preferred_name="Robin")
    data = form_data(full_content(2, tag=f"{CANARY} "), 0, note=f"{CANARY} note")
    drop_table("crisisplan_planversion")
    with caplog.at_level(logging.INFO):
        response = http.post(f"/clients/{record.pk}/plan/", data)
    # The page shows the typed text back, read-only and not stored (issue 19)...
    assert response.status_code == 500
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Traceback" not in body and f"{CANARY} note" in body
    # ...and the log holds none of it.
    logged = log_text(caplog)
    assert "Internal Server Error" in logged
    assert CANARY not in logged


def test_a_page_that_does_not_exist_still_shows_emergency_help(client, db) -> None:
    """A client whose link was cut short can land on any URL: no dead end."""
    response = client.get("/clients-plan-typo/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'href="tel:112"' in html
    assert "findahelpline.com" in html


def test_the_500_page_offers_tap_to_call_numbers() -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert 'href="tel:112"' in html and 'href="tel:911"' in html
