"""The client's pages behind a private link (/p/<token>/): no account, the token is
the key. Every view is wrapped by ``private_link_page``: rate limits first, then headers
that keep the page out of caches, referrers and search engines."""

from __future__ import annotations

import functools
import json
import logging
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crisisplan.core.encryption import EncryptionError
from crisisplan.core.faults import skipped_while_read_only
from crisisplan.links import gate, languages, recall
from crisisplan.links.forms import ElsewhereForm, PinForm
from crisisplan.links.models import PrivateLink
from crisisplan.plans.display import plan_body_context
from hotlines.models import RegionHelp

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
        token = kwargs.get("token")
        exceeded = gate.check(request, token)
        if exceeded is None and languages.is_switch(request):
            response = languages.switch(request, token)
        elif exceeded is None:
            response = view(request, *args, **kwargs)
        else:
            response = _too_many(request, exceeded.seconds, token)
        return private_headers(response)

    return wrapper


def private_headers(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def client_page(
    request: HttpRequest | None,
    template: str,
    context: dict[str, Any],
    *,
    region_help: RegionHelp | None,
    status: int = 200,
) -> HttpResponse:
    """Render a page a client can reach: with the help of ``region_help`` (None: the
    general numbers) at the top, and every date and time in that place's time zone.
    ``request`` None: without context processors (a page that must not need the
    database, not even for the visitor's session)."""
    zone = zoneinfo.ZoneInfo(region_help.timezone if region_help else "UTC")
    with timezone.override(zone):
        return render(
            request,
            template,
            {
                **context,
                "region_help": region_help,
                "time_zone": zone.key,
                "time_zone_name": zone_label(zone.key),
                # The switch names each language in itself, never translated.
                "languages": settings.LANGUAGES,
            },
            status=status,
        )


def zone_label(zone: str) -> str:
    """What a person calls a time zone: "Asia/Beirut" -> "Beirut"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _link_help(link: PrivateLink | None) -> RegionHelp | None:
    """The help for a link's client's region on the pages before the plan is open: with
    the plan's hides (a hidden line never shows on any of the client's pages) but not
    its pins (see Plan.directory_help).

    None (the general help) for an unknown link, and for a revoked or replaced one:
    those answer exactly like a token never issued, so whoever holds an old URL learns
    neither that it was real nor where its client lives. An expired link keeps its
    region's numbers (README, "Private links": its likeliest holder is the client)."""
    if link is None or link.revoked_at is not None:
        return None
    return link.plan.directory_help(pins=False)


def _find(token: str) -> PrivateLink | None:
    """PrivateLink.find, noting the link's region in this process's memory for a moment
    the database cannot answer (crisisplan/links/recall.py); a revoked or replaced link
    is forgotten, as its pages show only the general help (see _link_help)."""
    link = PrivateLink.find(token)
    if link is not None and link.revoked_at is None:
        recall.remember(link)
    elif link is not None:
        recall.forget(link.token_hash)
    return link


def help_for_path(request: HttpRequest) -> RegionHelp | None:
    """The help for the link a /p/<token>/... path names, if it is one we know (the
    pages that answer before any view runs: a refused form), in the link's language."""
    if not request.path.startswith("/p/"):
        return None
    link = _find(request.path.removeprefix("/p/").split("/", 1)[0])
    languages.activate_for(request, link)
    return _link_help(link)


def _too_many(request: HttpRequest, retry_after: int, token: str | None) -> HttpResponse:
    # The link's own region where the token names one: one indexed lookup, no more.
    link = _find(token) if token else None
    languages.activate_for(request, link)
    response = client_page(
        request, "links/public/too_many.html", {}, region_help=_link_help(link), status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def _usable_link(
    request: HttpRequest, token: str
) -> tuple[PrivateLink | None, HttpResponse | None]:
    """(link, None) for a usable link; otherwise (None, the response to send): one 404
    page for unknown, expired and revoked links alike (an expired one with its region's
    help, see _link_help)."""
    link = _find(token)
    languages.activate_for(request, link)
    if link is None or not link.is_usable():
        return None, _link_gone(request, link)
    return link, None


def _link_gone(request: HttpRequest, link: PrivateLink | None) -> HttpResponse:
    # A dead link we know still gives its region's help; nothing else.
    return client_page(
        request, "links/public/gone.html", {}, region_help=_link_help(link), status=404
    )


def unavailable(request: HttpRequest, retry_after: int, request_id: str = "") -> HttpResponse:
    """A link page the database could not answer (crisisplan/errors.py): 503 with
    Retry-After, and the help of the link's region as this process remembers it
    (crisisplan/links/recall.py), else the general numbers. No query, not even the
    visitor's session. A plan kept on the phone is shown instead by its service worker,
    which answers any 5xx of the link's pages with it (static/js/sw.js)."""
    response = client_page(
        None,
        "links/public/unavailable.html",
        {"request_id": request_id},
        region_help=recall.region_help_for_path(request.path),
        status=503,
    )
    response["Retry-After"] = str(retry_after)
    return private_headers(response)


@private_link_page
def unknown(request: HttpRequest) -> HttpResponse:
    return _link_gone(request, None)


def _elsewhere(request: HttpRequest, home: RegionHelp) -> dict[str, Any]:
    """The "somewhere else?" form and, once a place is chosen, its help. Before that
    (as every page opens) no form: {% somewhere_else %} shows the same unchosen form
    for every client of a country (crisisplan/links/page_html.py)."""
    if "country" not in request.GET:
        return {"elsewhere": None}
    form = ElsewhereForm(request.GET, home=home)
    place_help, message = form.place_help()
    return {"elsewhere": form, "elsewhere_help": place_help, "elsewhere_message": message}


def _landing(
    request: HttpRequest,
    token: str,
    link: PrivateLink,
    form: PinForm | None,
    status: int = 200,
    wrong: str = "",
) -> HttpResponse:
    home = _link_help(link)
    context = {
        "token": token,
        "form": form,
        # The PIN just sent was checked and wrong (said even when it paused the link).
        "pin_was_wrong": wrong == PrivateLink.PinAnswer.WRONG,
        "locked": link.is_locked(),
        "locked_until": link.locked_until,
        "locked_minutes": link.minutes_locked(),
        "tries_left": PrivateLink.PIN_FAILURE_LIMIT - link.failed_pin_attempts,
        **_elsewhere(request, home),
    }
    return client_page(
        request, "links/public/landing.html", context, region_help=home, status=status
    )


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
        return _landing(request, token, link, PinForm() if link.has_pin else None)
    if link.has_pin:
        form = PinForm(request.POST)
        if link.is_locked():
            return _landing(request, token, link, form, status=403)
        if not form.is_valid():
            return _landing(request, token, link, form, status=400)
        answer = link.try_pin(form.cleaned_data["pin"])
        if answer != PrivateLink.PinAnswer.RIGHT:
            if answer == PrivateLink.PinAnswer.WRONG:
                form.add_error("pin", _("That PIN is not right."))
            return _landing(request, token, link, form, status=403, wrong=answer)
    # While the database is read-only (maintenance) the plan still opens, unrecorded
    # (with the shared cache: the database store's grant needs a session write).
    with skipped_while_read_only("recording the plan's open"):
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
    context = _client_plan_context(link)
    home = context.pop("region_help")
    # ?kept=1: the copy the service worker keeps on the phone, which says when it was
    # saved (static/js/sw.js asks for it when the client chooses "Keep on this phone").
    kept_on = timezone.now() if request.GET.get("kept") == "1" else None
    return client_page(
        request,
        "links/public/plan.html",
        {**context, **_elsewhere(request, home), "token": token, "kept_on": kept_on},
        region_help=home,
    )


@private_link_page
@require_http_methods(["GET", "HEAD"])
def copy(request: HttpRequest, token: str) -> HttpResponse:
    """One self-contained HTML file (inline CSS, no scripts) to keep on the phone."""
    link, refused = _client_plan(request, token)
    if refused:
        return refused
    context = _client_plan_context(link)
    home = context.pop("region_help")
    response = client_page(
        request,
        "links/public/copy.html",
        {**context, "inline_css": _site_css(), "saved_on": timezone.now()},
        region_help=home,
    )
    response["Content-Disposition"] = 'attachment; filename="my-crisis-plan.html"'
    return response


# --- the installable web app and "Keep on this phone" -------------------------------

THEME_COLOUR = "#a4161a"  # the help bar's red (static/css/app.css, --danger)


@functools.lru_cache(maxsize=8)
def _manifest(language: str) -> str:
    """The web app manifest. It is served under each link's path (/p/<token>/...), so
    its relative start URL and scope are that link's landing page, never the site's
    root, and it holds no token itself: the same bytes for every link."""
    icons = [
        {"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    icons.append({"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"})
    return json.dumps(
        {
            # A neutral name: the home screen of a shared phone shows it.
            "name": str(_("My plan")),
            "short_name": str(_("My plan")),
            "start_url": "./",
            "scope": "./",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": THEME_COLOUR,
            "icons": icons,
        }
    )


@require_http_methods(["GET", "HEAD"])
def manifest(request: HttpRequest, token: str) -> HttpResponse:
    """The manifest for /p/<token>/: looks nothing up (it says nothing about the link),
    so it answers alike for every token and costs no query."""
    response = HttpResponse(_manifest(get_language()), content_type="application/manifest+json")
    return private_headers(response)


@functools.cache
def _service_worker_source() -> str:
    with staticfiles_storage.open("js/sw.js") as source:
        return source.read().decode()


@require_http_methods(["GET", "HEAD"])
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/js/sw.js, served from /p/sw.js: a service worker may only control pages
    under its own folder, and this URL (without a token, so no log ever sees one from
    it) lets the page register it for its own link's path, /p/<token>/, alone."""
    response = HttpResponse(_service_worker_source(), content_type="text/javascript")
    return private_headers(response)
