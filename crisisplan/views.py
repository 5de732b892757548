from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(render_to_string("404.html", request=request), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors or the request: nothing that failed can
    # fail again here, and no client data can reach the page.
    return HttpResponse(render_to_string("500.html"), status=500)
