"""The project's error pages (handler400, handler404, handler500, CSRF_FAILURE_VIEW)."""

from __future__ import annotations

import logging
import sys

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import resolve
from django.views.csrf import csrf_failure as django_csrf_failure

from crisisplan.core.faults import database_unavailable
from crisisplan.core.faults import describe as describe_error
from crisisplan.core.http import TypedText
from crisisplan.links.public import client_page, help_for_path, private_headers, unavailable
from crisisplan.logfilters import redact
from crisisplan.requestlog import current_request_id


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
            region_help=help_for_path(request.path),
            status=403,
        )
        return private_headers(page)
    return django_csrf_failure(request, reason, template_name="403_csrf.html")


# Logged as crisisplan.faults: a database that cannot answer, its cause and the request.
logger = logging.getLogger("crisisplan.faults")

# Seconds a client or a browser is asked to wait before trying again after a 503.
RETRY_AFTER_SECONDS = 10
# Seconds a browser is told to wait before saving again when the database is down.
SAVE_RETRY_AFTER = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """An uncaught exception (Django calls this inside its ``except``: sys.exc_info() is
    that exception).

    - The database unable to answer (crisisplan.core.faults: down, restarting,
      read-only, too slow) is not a bug: 503 with Retry-After, logged here once with its
      cause and the request id (not again by django.request). A client's link page
      still shows the help of the client's region as this process remembers it.
    - A form's POST shows what was typed (below), whatever the error.
    - Anything else: the plain 500 page.

    Rendered without context processors or the request: nothing that failed can fail
    again here, and no client data can reach the page...
    """
    exc = sys.exc_info()[1]
    cause = database_unavailable(exc)
    if cause is not None:
        logger.error(
            "Database %s: %s %s answered 503 (%s)",
            cause,
            request.method,
            redact(request.path),
            describe_error(exc),
        )
    typed = _typed_text(request)
    if typed is not None:
        # ...except what the person has just typed into a form, shown back to them so
        # that a failed save loses nothing: escaped, read-only, never stored by the
        # browser (no-store) and never logged.
        context = {
            "typed": typed,
            "database_down": cause is not None,
            "read_only": cause == "read-only",
            "request_id": current_request_id() if cause else "",
        }
        response = HttpResponse(render_to_string("not_saved.html", context), status=500)
        response["Cache-Control"] = "no-store"
        retry_after = SAVE_RETRY_AFTER
    elif cause is None:
        return HttpResponse(render_to_string("500.html"), status=500)
    elif request.path.startswith("/p/"):
        response = unavailable(request, RETRY_AFTER_SECONDS, current_request_id())
        retry_after = RETRY_AFTER_SECONDS
    else:
        context = {"read_only": cause == "read-only", "request_id": current_request_id()}
        response = HttpResponse(render_to_string("503.html", context), status=500)
        response["Cache-Control"] = "no-store"
        retry_after = RETRY_AFTER_SECONDS
    if cause is not None:
        response.status_code = 503
        response["Retry-After"] = str(retry_after)
        response._has_been_logged = True  # logged above, with its cause
    return response


def _typed_text(request: HttpRequest) -> TypedText | None:
    """What the failed POST holds, if it was sent to a form page marked
    typed_text_on_failure (crisisplan.core.http), in that page's labels; else None."""
    if request.method != "POST":
        return None
    try:
        describe = getattr(resolve(request.path_info).func, "typed_text", None)
        if describe is None:
            return None
        return describe(request.POST)
    except Http404:
        return None
    except Exception as exc:  # the plain page then; the text itself is never logged
        logger.error("The typed text of a failed save could not be shown: %s", type(exc).__name__)
        return None
