"""Logs for operators: one line per request with its id, status and duration, no client
data or link tokens; every record carries the request id; LOG_FORMAT=json writes JSON."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from crisisplan.requestlog import JsonFormatter, PlainFormatter, RequestIdFilter

TOKEN = "A" * 43


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "crisisplan.request"]


def test_one_line_per_request_with_id_status_and_duration(
    client: Client, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="crisisplan.request"):
        response = client.get("/login/")
    (record,) = request_records(caplog)
    assert record.status == 200
    assert record.method == "GET"
    assert record.path == "/login/"
    assert record.duration_ms >= 0
    assert len(response["X-Request-ID"]) == 32
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == response["X-Request-ID"]
    assert line["status"] == 200
    assert line["message"].startswith("GET /login/ 200 ")


def test_tokens_and_query_strings_never_reach_the_line(
    client: Client, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="crisisplan.request"):
        client.get(f"/p/{TOKEN}/?country=LB&region=LB-BA")
        client.get("/?q=Rana")
    text = "\n".join(JsonFormatter().format(r) for r in request_records(caplog))
    assert TOKEN not in text
    assert "LB-BA" not in text
    assert "Rana" not in text
    assert "/p/[redacted]/" in text


def test_the_proxys_request_id_is_taken_only_behind_the_proxy(
    client: Client, db: None, settings: Any
) -> None:
    given = "0f8e1c7a-4b6d-4e2f-9a3b-5c7d9e1f2a4b"
    assert client.get("/login/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] != given
    settings.BEHIND_TLS_PROXY = True
    assert client.get("/login/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    # Anything that is not an id is replaced.
    odd = client.get("/login/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert odd != "<script>" and len(odd) == 32


def _record(message: str, *args: Any, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"failed at /p/{TOKEN}/plan/")
        except ValueError:
            exc_info = sys.exc_info()
    record = logging.LogRecord("crisisplan.x", logging.ERROR, __file__, 1, message, args, exc_info)
    RequestIdFilter().filter(record)
    return record


def test_an_error_names_its_request_and_keeps_tokens_out_of_the_traceback() -> None:
    from crisisplan.requestlog import REQUEST_ID

    reset = REQUEST_ID.set("abc123def456")
    try:
        record = _record("Could not render %s", f"/p/{TOKEN}/", exc=True)
    finally:
        REQUEST_ID.reset(reset)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc123def456"
    assert line["level"] == "ERROR"
    assert "ValueError" in line["exception"]
    assert TOKEN not in json.dumps(line)
    plain = PlainFormatter().format(record)
    assert "[abc123def456]" in plain
    assert TOKEN not in plain


def test_outside_a_request_the_id_is_a_dash() -> None:
    assert json.loads(JsonFormatter().format(_record("boot")))["request_id"] == "-"


def _fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"failed on /p/{TOKEN}/")


urlpatterns = [path("fails/", _fails)]
handler500 = "crisisplan.errors.server_error"


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.urls(__name__)
def test_an_error_in_a_view_is_logged_with_the_request_id(client: Client, db: None) -> None:
    """A page that fails: the plain 500 page, and the error's record (django.request,
    on stderr) names the request that the response's header names."""
    kept = _Kept()
    logging.getLogger("django.request").addHandler(kept)
    client.raise_request_exception = False
    try:
        response = client.get("/fails/")
    finally:
        logging.getLogger("django.request").removeHandler(kept)
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    (record,) = kept.records
    assert record.request_id == response["X-Request-ID"]
    line = json.loads(JsonFormatter().format(record))
    assert "RuntimeError" in line["exception"]
    assert TOKEN not in json.dumps(line)
