"""The client's pages behind a private link (/p/<token>/): no account, the token is
the key. Every view is wrapped by ``private_link_page``: rate limits first, then headers
that keep the page out of caches, referrers and search engines."""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from crisisplan.core.encryption import EncryptionError
from crisisplan.links import gate
from crisisplan.links.forms import PinForm
from crisisplan.links.models import PrivateLink
from crisisplan.plans.display import plan_body_context

logger = logging.getLogger(__name__)


@functools.cache
def _site_css() -> str:
    """The collected stylesheet, for the self-contained copy (read once per process)."""
    with staticfiles_storage.open("css/app.css") as css:
        return css.read().decode()


def private_link_page(view: Any) -> Any:
    """Wrap every client-facing link view: rate limits per address and per link, counted
    before any lookup (HTTP 429 with emergency help; crisisplan/links/gate.py), and
    headers that keep the page out of caches, referrers and search engines."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        exceeded = gate.check(request, kwargs.get("token"))
        if exceeded is None:
            response = view(request, *args, **kwargs)
        else:
            response = _too_many(request, exceeded.seconds)
        return private_headers(response)

    return wrapper


def private_headers(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(request, "links/public/too_many.html", status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _usable_link(
    request: HttpRequest, token: str
) -> tuple[PrivateLink | None, HttpResponse | None]:
    """(link, None) for a usable link; otherwise (None, the response to send): one 404
    page for unknown, expired and revoked links alike."""
    link = PrivateLink.find(token)
    if link is None or not link.is_usable():
        return None, _link_gone(request, link)
    return link, None


def _link_gone(request: HttpRequest, link: PrivateLink | None) -> HttpResponse:
    # A dead link we know still gives its region's emergency numbers; nothing else.
    help_here = link.plan.directory_help(choices=False) if link is not None else None
    return render(request, "links/public/gone.html", {"region_help": help_here}, status=404)


@private_link_page
def unknown(request: HttpRequest) -> HttpResponse:
    return _link_gone(request, None)


def _landing(
    request: HttpRequest, link: PrivateLink, form: PinForm | None, status: int = 200
) -> HttpResponse:
    context = {
        "region_help": link.plan.directory_help(choices=False),
        "form": form,
        "locked": link.is_locked(),
        "locked_until": link.locked_until,
        "tries_left": PrivateLink.PIN_FAILURE_LIMIT - link.failed_pin_attempts,
    }
    return render(request, "links/public/landing.html", context, status=status)


@private_link_page
@require_http_methods(["GET", "HEAD", "POST"])
def landing(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with no personal data and the region's emergency numbers (what a chat
    app's preview sees; not an open). POST (the button, after the PIN if one is set):
    records the open and sends the browser to the plan."""
    link, refused = _usable_link(request, token)
    if refused:
        return refused
    if request.method != "POST":
        return _landing(request, link, PinForm() if link.has_pin else None)
    if link.has_pin:
        form = PinForm(request.POST)
        if link.is_locked():
            return _landing(request, link, form, status=403)
        if not form.is_valid():
            return _landing(request, link, form, status=400)
        if not link.check_pin(form.cleaned_data["pin"]):
            if not link.is_locked():
                form.add_error("pin", "That PIN is not right.")
            return _landing(request, link, form, status=403)
    link.record_open(request.headers.get("User-Agent", ""))
    response = redirect("links:plan", token=token)
    gate.grant(request, response, link)
    return response


def _client_plan(
    request: HttpRequest, token: str
) -> tuple[PrivateLink | None, HttpResponse | None]:
    link, refused = _usable_link(request, token)
    if refused:
        return None, refused
    if not gate.granted(request, link):
        return None, redirect("links:landing", token=token)
    return link, None


def _client_plan_context(link: PrivateLink) -> dict[str, Any]:
    """The plan page's context. A plan that cannot be decrypted still gives the region's
    emergency numbers, with a short message; never a 500."""
    plan = link.plan
    if plan.published_version is not None:
        plan.published_version.plan = plan
    try:
        content = plan.published_content()
        context = plan_body_context(plan, content) if content is not None else {}
        unreadable = False
    except EncryptionError as exc:
        logger.error("A private link's plan could not be decrypted: %s", exc)
        content, context, unreadable = None, {}, True
    if "region_help" not in context:
        context["region_help"] = plan.directory_help()
    return {
        **context,
        "published": content is not None,
        "unreadable": unreadable,
        "last_opened": link.previous_opened_at,
    }


@private_link_page
@require_http_methods(["GET", "HEAD"])
def plan(request: HttpRequest, token: str) -> HttpResponse:
    link, refused = _client_plan(request, token)
    if refused:
        return refused
    return render(
        request,
        "links/public/plan.html",
        {**_client_plan_context(link), "token": token},
    )


@private_link_page
@require_http_methods(["GET", "HEAD"])
def copy(request: HttpRequest, token: str) -> HttpResponse:
    """One self-contained HTML file (inline CSS, no scripts) to keep on the phone."""
    link, refused = _client_plan(request, token)
    if refused:
        return refused
    response = render(
        request,
        "links/public/copy.html",
        {**_client_plan_context(link), "inline_css": _site_css(), "saved_on": timezone.now()},
    )
    response["Content-Disposition"] = 'attachment; filename="my-crisis-plan.html"'
    return response
