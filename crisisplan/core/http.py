"""Request helpers every app's views share: who is asking, and a decryption failure
answered without client data."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crisisplan.core.encryption import EncryptionError

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The requester's address: the proxy's X-Forwarded-For entry behind a TLS proxy
    (BEHIND_TLS_PROXY), else the connection's. The one rule for the whole app."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def decryption_failures_shown(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a decryption failure with a plain 500 page that names the problem (e.g. the
    missing key id) and holds no client data; never a blank value or a stack trace."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except EncryptionError as exc:
            logger.error("Client data could not be decrypted on %s: %s", request.path, exc)
            return render(request, "core/decryption_error.html", {"problem": str(exc)}, status=500)

    return wrapper
