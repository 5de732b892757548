"""Session lifetime (an idle limit and an absolute limit after login, without losing a
form sent too late) and the second factor required before any page."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from crisisplan import errors
from crisisplan.core import faults, languages, sessions, timezones
from crisisplan.core.models import UnsavedWork, User, has_second_factor
from crisisplan.links import languages as link_languages

# Kept importable from here: tests and older code name them so.
LOGIN_AT = sessions.LOGIN_AT
SEEN_AT = sessions.SEEN_AT
TOUCH_EVERY_SECONDS = sessions.TOUCH_EVERY_SECONDS

# What a form keeps of a POST: everything the person typed, not the CSRF token.
_NOT_KEPT = {"csrfmiddlewaretoken"}


def _form_fields(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_KEPT
        for value in values
    ]


class StalledQueryMiddleware:
    """First of all, on the app server (the health check included): a request whose
    database call waits a second longer than DATABASE_STATEMENT_TIMEOUT is waiting on a
    server that stopped answering; its connection is cut
    (crisisplan.core.faults.StalledQueryWatchdog) and it answers 503 with help instead
    of hanging. A request that waited a second or more for a database that then failed
    (a connect timeout) counts as a stall too: DatabasePauseMiddleware then answers the
    next requests at once. Not used without a statement timeout (commands, runserver,
    tests in one process) or on SQLite."""

    SLOW_FAILURE_SECONDS = 1.0

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if settings.DATABASE_STATEMENT_TIMEOUT <= 0 or connection.vendor != "postgresql":
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.watchdog = faults.install_watchdog(settings.DATABASE_STATEMENT_TIMEOUT + 1)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        database = connections[DEFAULT_DB_ALIAS]
        self.watchdog.watch(database)
        try:
            with database.execute_wrapper(self.watchdog.executing):
                response = self.get_response(request)
        finally:
            self.watchdog.unwatch()
        slow = time.monotonic() - started >= self.SLOW_FAILURE_SECONDS
        if slow and getattr(request, "database_fault", None) in ("unreachable", "stalled"):
            self.watchdog.stalled()
        return response


class DatabasePauseMiddleware:
    """For two seconds after the database stalled (StalledQueryMiddleware), a request
    answers 503 with help at once (crisisplan.errors.server_error, logged with its
    request id: this runs after crisisplan.requestlog), instead of queueing behind
    seconds of waiting; then one request tries the database again. Static files are
    served as ever."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if settings.DATABASE_STATEMENT_TIMEOUT <= 0 or connection.vendor != "postgresql":
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.watchdog = faults.install_watchdog(settings.DATABASE_STATEMENT_TIMEOUT + 1)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        since = self.watchdog.tripped()
        if since is not None and not request.path_info.startswith(settings.STATIC_URL):
            raise faults.DatabaseStalled(f"the database stopped answering {since:.1f} s ago")
        return self.get_response(request)


class NullCharacterMiddleware:
    """A request whose query string holds a NUL character gets a plain 400 page.

    PostgreSQL cannot store or compare text with NUL in it, so such a parameter would
    reach a query and fail as a 500. Form fields refuse NUL themselves, with a message
    beside the field (crisisplan.core.text), so that nothing typed is lost.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(
            "\x00" in name or any("\x00" in value for value in values)
            for name, values in request.GET.lists()
        ):
            return errors.bad_request(request)
        return self.get_response(request)


class SignedInPagesNotStoredMiddleware:
    """Every page a signed-in user gets (their clients, plans, links, their account) is
    sent with ``Cache-Control: no-store, private``: no shared cache keeps it, and the
    browser does not keep a copy that Back or a shared computer's next user could show.
    (Page titles, which browser history and tab lists keep, name no client.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Whoever holds a session cookie may be signed in: decided without loading the
        # session or the user (no query, so a page the database cannot answer is not
        # made to fail here too). A page that says no-store itself (the client's link
        # pages, an error page) is left as it is.
        stored = "no-store" not in response.get("Cache-Control", "")
        if stored and settings.SESSION_COOKIE_NAME in request.COOKIES:
            patch_cache_control(response, no_store=True, private=True)
        return response


class SessionTimeoutMiddleware:
    """Log out after SESSION_IDLE_MINUTES idle or SESSION_MAX_HOURS since login.

    Runs in process_view, after the CSRF check, so that a form sent to a page marked
    ``keeps_unsaved_work`` after the session ended (the therapist typed, was called
    away, came back and pressed Save) is kept for its author, genuinely theirs, and shown
    again once they have logged in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        at = sessions.now()
        session = request.session
        keeps = request.method == "POST" and getattr(view, "keeps_unsaved_work", False)
        if request.user.is_authenticated:
            if not sessions.has_ended(session, at):
                sessions.touch(request, at)
                return None
            owner_id: int | None = request.user.pk
            logout(request)
            sessions.mark_signed_out(request.session, owner_id, at)
        else:
            # Signed out a moment ago (by a keep-alive or another tab): still theirs.
            owner_id = sessions.signed_out_user(session, at) if keeps else None
            if owner_id is None:
                return None
        if keeps:
            owner = User.objects.filter(pk=owner_id, is_active=True).first()
            if owner is not None:
                UnsavedWork.objects.keep(owner, request.path, _form_fields(request))
                messages.info(
                    request,
                    _(
                        "You were signed out after a period of inactivity. What you typed "
                        "is kept: log in again to continue where you left off."
                    ),
                )
                return redirect_to_login(request.get_full_path())
        messages.info(request, _("You were signed out after a period of inactivity."))
        return None


# Pages for a client (no account) and the static files need no second factor.
_PUBLIC_PREFIXES = ("/p/", "/static/")


class TwoFactorMiddleware:
    """With REQUIRE_2FA, a signed-in user whose session no second factor has verified
    reaches only the pages marked ``two_factor_exempt`` (set-up, logout, login): without
    a device they are sent to set it up first. A session that is not verified although
    the user has a device (one made in another session, say) is signed out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not settings.REQUIRE_2FA or getattr(view, "two_factor_exempt", False):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.path_info.startswith(_PUBLIC_PREFIXES):
            return None
        if has_second_factor(user):
            logout(request)
            return redirect_to_login(request.get_full_path())
        target = reverse("account:two_factor_setup")
        if request.method == "GET" and request.path_info != reverse("clients:dashboard"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)


class TimeZoneMiddleware:
    """Dates and times in the logged-in user's own time zone (crisisplan.core.timezones);
    the server's TIME_ZONE for everyone else. The client's pages set their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone = timezones.zone_of(user.time_zone) if user and user.is_authenticated else None
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class LanguageMiddleware:
    """The language of every page (README, "Languages"):

    - a client's pages (/p/...): the language chosen with the switch on them, else the
      client's (crisisplan.links.languages, once the view has found the link); a page
      that knows no link (a mistyped address) the browser's;
    - a signed-in user's pages: the language of their account, else the browser's;
    - everyone else (login, password reset): the browser's (Accept-Language);

    always one of settings.LANGUAGES, LANGUAGE_CODE when nothing matches.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
            # The language a view settled on (a client's, for a link's pages).
            response.headers.setdefault("Content-Language", translation.get_language())
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            return response
        finally:
            translation.deactivate()

    @staticmethod
    def language_for(request: HttpRequest) -> str:
        if request.path_info.startswith("/p/"):
            code, _digest = link_languages.chosen(request)
            if code:
                return code
        else:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                code = languages.supported(user.language)
                if code:
                    return code
        return (
            languages.supported(translation.get_language_from_request(request))
            or languages.supported(settings.LANGUAGE_CODE)
            or languages.codes()[0]
        )
