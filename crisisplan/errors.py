"""The project's error pages (handler400, handler404, handler500, CSRF_FAILURE_VIEW)."""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import resolve
from django.views.csrf import csrf_failure as django_csrf_failure

from crisisplan.core.http import TypedText
from crisisplan.links.public import client_page, help_for_path, private_headers


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


logger = logging.getLogger(__name__)

# Seconds a browser is told to wait before saving again when the database is down.
SAVE_RETRY_AFTER = 30


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors or the request: nothing that failed can
    # fail again here, and no client data can reach the page...
    typed = _typed_text(request)
    if typed is None:
        return HttpResponse(render_to_string("500.html"), status=500)
    # ...except what the person has just typed into a form, shown back to them so that
    # a failed save loses nothing: escaped, read-only, never stored by the browser
    # (no-store) and never logged.
    database_down = isinstance(sys.exc_info()[1], DatabaseError)
    page = render_to_string("not_saved.html", {"typed": typed, "database_down": database_down})
    response = HttpResponse(page, status=503 if database_down else 500)
    response["Cache-Control"] = "no-store"
    if database_down:
        response["Retry-After"] = str(SAVE_RETRY_AFTER)
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
