"""Session lifetime: an idle limit and an absolute limit after login."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LOGIN_AT = "crisisplan_login_at"
SEEN_AT = "crisisplan_seen_at"
# Refresh the idle clock at most this often, so that browsing does not write the
# session row on every request.
TOUCH_EVERY_SECONDS = 60


class SessionTimeoutMiddleware:
    """Log out after SESSION_IDLE_MINUTES idle or SESSION_MAX_HOURS since login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.setdefault(LOGIN_AT, now)
            seen_at = session.get(SEEN_AT, now)
            idle_limit = settings.SESSION_IDLE_MINUTES * 60
            max_age = settings.SESSION_MAX_HOURS * 3600
            if now - seen_at > idle_limit or now - login_at > max_age:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
            elif now - seen_at >= TOUCH_EVERY_SECONDS or SEEN_AT not in session:
                session[SEEN_AT] = now
        return self.get_response(request)
