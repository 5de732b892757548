"""Request helpers every app's views share: who is asking, a decryption failure answered
without client data, and what a form page keeps of a save that could not be made."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
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


# What a form's POST holds, for a person to read: (heading, lines) per group.
TypedText = list[tuple[str, list[str]]]


def typed_text_on_failure(
    describe: Callable[[Mapping[str, Any]], TypedText],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For a form page: when answering its POST fails (the database is down, a bug), the
    error page (crisisplan.errors.server_error) shows what was typed, read-only, so that
    nothing is lost. ``describe`` turns the POST into labelled lines from code alone: it
    runs while the database may be down, so it must not touch it."""

    def mark(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        view.typed_text = describe  # type: ignore[attr-defined]
        return view

    return mark


def form_typed_text(form_class: type[forms.BaseForm]) -> Callable[[Mapping[str, Any]], TypedText]:
    """``describe`` for typed_text_on_failure: the fields of ``form_class`` in order, with
    their labels, and a choice's label where the choices are fixed in code. Only the
    class is read (an instance may look up choices in the database)."""

    def describe(post: Mapping[str, Any]) -> TypedText:
        lines = []
        for name, field in form_class.base_fields.items():
            values = post.getlist(name) if hasattr(post, "getlist") else [post.get(name)]
            values = [v.strip() for v in values if isinstance(v, str) and v.strip()]
            if not values or isinstance(field.widget, forms.HiddenInput):
                continue
            choices = getattr(field, "choices", None)
            if isinstance(choices, list | tuple) and not isinstance(field, forms.ModelChoiceField):
                names = {str(k): str(v) for k, v in choices if not isinstance(v, list | tuple)}
                values = [names.get(v, v) for v in values]
            label = str(field.label or name.replace("_", " ").capitalize())
            if isinstance(field, forms.BooleanField):
                lines.append(label)
            else:
                lines.append(f"{label}: {', '.join(values)}")
        return [("", lines)] if lines else []

    return describe
