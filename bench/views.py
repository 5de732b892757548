"""The benchmark's two reference pages (bench/urls.py, never in the app's URLs).

- ``static``: a sanity row. A bare view rendering a static template with exactly as
  many bytes as the client's plan page (written by bench/probe.py): the same middleware
  and response size, and nothing else.
- ``baseline`` (b): the fair baseline, what any page of this stack that holds a
  visitor's state cannot avoid: it reads the visitor's session from the database (the
  app's session engine in every configuration), fetches
  one row (a private link by its token's hash, one table, its unique index), counts the
  request with the same ``RateCounter.hit`` the link pages use without a shared cache
  (one upsert of two counters), and renders the same template as ``static``. It does
  the same whatever CACHE_URL says, so every configuration is compared with one yardstick.
- ``session``: gives the benchmark's client a database session naming that row.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crisisplan.core.http import client_address
from crisisplan.links.models import PrivateLink, RateCounter, RateLimit

TEMPLATE = "bench/baseline.html"
SESSION_KEY = "bench_token_hash"


@require_GET
def static(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE)


@require_GET
def baseline(request: HttpRequest) -> HttpResponse:
    token_hash = request.session.get(SESSION_KEY)
    if token_hash is None:
        return HttpResponseBadRequest("No benchmark session: GET /__bench__/session/ first.")
    row = PrivateLink.objects.filter(token_hash=token_hash).first()
    RateCounter.hit(
        RateLimit("address", client_address(request), *settings.LINK_RATE_LIMIT_PER_ADDRESS),
        RateLimit("link", token_hash, *settings.LINK_RATE_LIMIT_PER_LINK),
    )
    return render(request, TEMPLATE, {"row": row})


@require_GET
def session(request: HttpRequest) -> HttpResponse:
    """A database session naming the link in ?token_hash= (the runner calls it once)."""
    request.session[SESSION_KEY] = request.GET.get("token_hash", "")
    return HttpResponse("ok\n", content_type="text/plain")
