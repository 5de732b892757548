"""The project's error pages (handler400, handler404, handler500, CSRF_FAILURE_VIEW)."""

from __future__ import annotations

import logging
import sys

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import resolve
from django.views.csrf import csrf_failure as django_csrf_failure

from crisisplan.core.faults import database_unavailable, describe
from crisisplan.core.http import TypedText
from crisisplan.links.public import client_page, help_for_path, private_headers, unavailable
from crisisplan.logfilters import redact
from crisisplan.requestlog import current_request_id

logger = logging.getLogger("crisisplan.faults")

# Seconds a client or a browser is asked to wait before trying again after a 503.
RETRY_AFTER_SECONDS = 10


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Plain, like the 500 page: the request itself is what is wrong.
    response = HttpResponse(render_to_string("400.html"), status=400)
    response["Cache-Control"] = "no-store"
    return response


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
            region_help=help_for_path(request),
            status=403,
        )
        return private_headers(page)
    return django_csrf_failure(request, reason, template_name="403_csrf.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """An uncaught exception (Django calls this inside its ``except``, so sys.exc_info()
    is that exception). The database unable to answer (crisisplan.core.faults) is not a
    bug: 503 with Retry-After, help on the client's pages, what was typed on a failed
    save, and one log line with the cause and the request id. Anything else: the plain
    500 page (or, for a failed save, what was typed)."""
    exc = sys.exc_info()[1]
    cause = database_unavailable(exc)
    request.database_fault = cause  # for crisisplan.middleware.StalledQueryMiddleware
    typed = _typed_text(request)
    if cause is None and typed is None:
        # Rendered without context processors or the request: nothing that failed can
        # fail again here, and no client data can reach the page.
        return HttpResponse(render_to_string("500.html"), status=500)
    if cause is not None:
        logger.error(
            "Database %s: %s %s answered 503 (%s)",
            cause,
            request.method,
            redact(request.path),
            describe(exc),
        )
    request_id = current_request_id()
    if typed is not None:
        # What the person has just typed into a form, shown back to them so that a failed
        # save loses nothing: escaped, read-only, never stored by the browser (no-store)
        # and never logged.
        context = {
            "typed": typed,
            "database_down": cause is not None,
            "read_only": cause == "read-only",
            "request_id": request_id,
        }
        response = HttpResponse(
            render_to_string("not_saved.html", context), status=503 if cause else 500
        )
        response["Cache-Control"] = "no-store"
        if cause is not None:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif request.path.startswith("/p/"):
        response = unavailable(request, RETRY_AFTER_SECONDS, request_id)
    else:
        context = {"read_only": cause == "read-only", "request_id": request_id}
        response = HttpResponse(render_to_string("503.html", context), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
    if cause is not None:
        # Logged once, above, with its cause: not again by django.request.
        response._has_been_logged = True
    return response


def _typed_text(request: HttpRequest) -> TypedText | None:
    """What the failed POST holds, if it was sent to a form page marked
    typed_text_on_failure (crisisplan.core.http), in that page's labels; else None."""
    if request.method != "POST":
        return None
    try:
        describe_form = getattr(resolve(request.path_info).func, "typed_text", None)
        if describe_form is None:
            return None
        return describe_form(request.POST)
    except Http404:
        return None
    except Exception as exc:  # the plain page then; the text itself is never logged
        logger.error("The typed text of a failed save could not be shown: %s", type(exc).__name__)
        return None
