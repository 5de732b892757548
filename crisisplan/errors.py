"""The project's error pages (handler404, handler500, CSRF_FAILURE_VIEW)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.csrf import csrf_failure as django_csrf_failure

from crisisplan.links.public import client_page, help_for_path, private_headers


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
    # Rendered without context processors or the request: nothing that failed can
    # fail again here, and no client data can reach the page.
    return HttpResponse(render_to_string("500.html"), status=500)
