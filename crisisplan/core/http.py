"""Request helpers every app's views share: who is asking, and a decryption failure
answered without client data."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from crisisplan.core.encryption import EncryptionError
from crisisplan.core.models import UnsavedWork

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The requester's address: the proxy's X-Forwarded-For entry behind a TLS proxy
    (BEHIND_TLS_PROXY), else the connection's. The one rule for the whole app."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def login_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The account a login attempt names, as django-axes counts it: the email trimmed and
    lower-cased, as login matches it (User.objects.get_by_natural_key), so that case
    variants of one address share one count."""
    if credentials is not None:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    return (username or "").strip().lower()


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


def two_factor_exempt(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page a signed-in user without a verified second factor may still reach (login,
    set-up, logout): crisisplan.middleware.TwoFactorMiddleware lets it through."""
    view.two_factor_exempt = True  # type: ignore[attr-defined]
    return view


def keeps_unsaved_work(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a form page (the plan editor, a client form): a POST that arrives after the
    session ended is kept, encrypted, for its author (UnsavedWork, by
    crisisplan.middleware.SessionTimeoutMiddleware); after logging in again, the GET of
    the same page finds it in ``request.unsaved_work`` (a QueryDict, else None) and shows
    the form filled in, not saved. The view's own checks (owner, optimistic locking)
    apply when the therapist then saves."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.unsaved_work = None  # type: ignore[attr-defined]
        if request.method == "GET" and request.user.is_authenticated:
            fields = UnsavedWork.objects.take(request.user, request.path)
            if fields is not None:
                data = QueryDict(mutable=True)
                for name, value in fields:
                    data.appendlist(name, value)
                data._mutable = False
                request.unsaved_work = data  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    wrapper.keeps_unsaved_work = True  # type: ignore[attr-defined]
    return wrapper
