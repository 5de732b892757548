"""The baseline: a bare Django view rendering a static template.

The runner writes ``bench/baseline.html`` (into BENCH_TEMPLATES_DIR) with exactly as
many bytes as the client's plan page, so the baseline pays the same middleware, template
loading and response size, and nothing else: no session, no query, no decryption.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

TEMPLATE = "bench/baseline.html"


@require_GET
def baseline(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE)
