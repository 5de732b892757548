"""Logs for operators: one line per request, and every log line carrying its request id.

- ``RequestLogMiddleware`` gives each request an id (the proxy's ``X-Request-ID`` behind
  a TLS proxy, else a new one), sends it back in the response's ``X-Request-ID`` header,
  and logs one line when the response is ready: request id, method, path (link tokens
  redacted, no query string: it can say where a client is), status and duration. Never
  the address, a cookie, a form value or a user's data.
- ``RequestIdFilter`` puts the current request id on every record (``-`` outside a
  request), so that an error on stderr names the request it belongs to.
- ``JsonFormatter`` writes a record as one JSON object per line (``LOG_FORMAT=json``);
  ``PlainFormatter`` as ``time level logger [request id] message``. Both redact link
  tokens and search words in the message and in a traceback.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from crisisplan.logfilters import redact

logger = logging.getLogger("crisisplan.request")

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# What we accept as a request id from the proxy (Caddy's {http.request.uuid}).
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{8,64}")

# The fields of a request line, beside the message.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")


def current_request_id() -> str:
    return REQUEST_ID.get()


def _request_id(request: HttpRequest) -> str:
    if settings.BEHIND_TLS_PROXY:
        given = request.headers.get("X-Request-ID", "")
        if _REQUEST_ID_RE.fullmatch(given):
            return given
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """First in MIDDLEWARE after the health check: times everything below it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _request_id(request)
        reset = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration = round((time.perf_counter() - started) * 1000, 1)
            path = redact(request.path)
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                path,
                response.status_code,
                duration,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration,
                },
            )
            return response
        finally:
            REQUEST_ID.reset(reset)


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the request
    fields of a request line, and ``exception`` (the redacted traceback) where there is
    one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return redact(super().format(record))
