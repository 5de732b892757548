"""The project's error pages (handler404, handler500, CSRF_FAILURE_VIEW)."""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.csrf import csrf_failure as django_csrf_failure

from crisisplan.core.faults import database_unavailable, describe
from crisisplan.links.public import client_page, help_for_path, private_headers, unavailable
from crisisplan.logfilters import redact

logger = logging.getLogger("crisisplan.faults")

# Seconds a client or a browser is asked to wait before trying again after a 503.
RETRY_AFTER_SECONDS = 10


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(render_to_string("404.html", request=request), status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form (missing or stale CSRF token). On a private link's pages the client
    gets the link's own headers and emergency help; elsewhere, 403_csrf.html."""
    if request.path.startswith("/p/"):
        page = client_page(
            request,
            "links/public/csrf_failure.html",
            {},
            region_help=help_for_path(request.path),
            status=403,
        )
        return private_headers(page)
    return django_csrf_failure(request, reason, template_name="403_csrf.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """An uncaught exception (Django calls this inside its ``except``, so sys.exc_info()
    is that exception). The database unable to answer (crisisplan.core.faults) is not a
    bug: 503 with Retry-After, help on the client's pages, and one log line with the
    cause and the request id. Anything else: the plain 500 page."""
    exc = sys.exc_info()[1]
    cause = database_unavailable(exc)
    if cause is None:
        # Rendered without context processors or the request: nothing that failed can
        # fail again here, and no client data can reach the page.
        return HttpResponse(render_to_string("500.html"), status=500)
    request_id = getattr(request, "request_id", "")
    logger.error(
        "Database %s: %s %s answered 503 (%s)",
        cause,
        request.method,
        redact(request.path),
        describe(exc),
    )
    if request.path.startswith("/p/"):
        response = unavailable(request, RETRY_AFTER_SECONDS, request_id)
    else:
        context = {"read_only": cause == "read-only", "request_id": request_id}
        response = HttpResponse(render_to_string("503.html", context), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Logged once, above, with its cause: not again by django.request.
    response._has_been_logged = True
    return response
