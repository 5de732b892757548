"""A signed-in session's lifetime and its record on the account page.

A session ends SESSION_IDLE_MINUTES after the last request (or keep-alive) and at the
latest SESSION_MAX_HOURS after login (crisisplan.middleware.SessionTimeoutMiddleware
enforces both). The times live in the session itself; the account page's list of
sessions is ``AccountSession``, written here from Django's login signals.
"""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from crisisplan.core.faults import skipped_while_read_only
from crisisplan.core.http import client_address
from crisisplan.core.models import (
    AccountSession,
    AuditEvent,
    RecoveryCodeDevice,
    User,
    describe_device,
)

LOGIN_AT = "crisisplan_login_at"
SEEN_AT = "crisisplan_seen_at"
# Left in the fresh, anonymous session after a timeout: whose session it was, so that a
# form sent from a page still open (the editor) is kept for them (UnsavedWork).
SIGNED_OUT = "crisisplan_signed_out"
# Refresh the idle clock at most this often, so that browsing does not write the
# session row on every request.
TOUCH_EVERY_SECONDS = 60


def now() -> int:
    return int(time.time())


def idle_seconds() -> int:
    return settings.SESSION_IDLE_MINUTES * 60


def max_seconds() -> int:
    return settings.SESSION_MAX_HOURS * 3600


def seconds_left(session: Any, at: int) -> tuple[int, int]:
    """(seconds until the session ends, seconds until its hard maximum)."""
    hard = session.get(LOGIN_AT, at) + max_seconds() - at
    idle = session.get(SEEN_AT, at) + idle_seconds() - at
    return min(idle, hard), hard


def has_ended(session: Any, at: int) -> bool:
    return seconds_left(session, at)[0] < 0


def touch(request: HttpRequest, at: int, *, force: bool = False) -> None:
    """Restart the idle clock (at most once a minute unless forced)."""
    session = request.session
    session.setdefault(LOGIN_AT, at)
    if force or SEEN_AT not in session or at - session[SEEN_AT] >= TOUCH_EVERY_SECONDS:
        # While the database is read-only the clock is left as it is (the session is not
        # changed, so not saved): pages that only read still answer.
        with skipped_while_read_only("the session's idle clock"):
            key = session.session_key
            if key and not AccountSession.objects.filter(session_key=key).update(
                last_seen_at=timezone.now()
            ):
                record_session(request, request.user)
            session[SEEN_AT] = at


def signed_out_user(session: Any, at: int) -> int | None:
    """The id of the user whose session timed out in this browser, within the hard limit."""
    marker = session.get(SIGNED_OUT)
    if isinstance(marker, dict) and at - int(marker.get("at", 0)) <= max_seconds():
        return marker.get("user")
    return None


def mark_signed_out(session: Any, user_id: int, at: int) -> None:
    session[SIGNED_OUT] = {"user": user_id, "at": at}


def factor_name(device: Any) -> str:
    """How a sign-in's second factor is named in the audit log."""
    if device is None:
        return ""
    return "recovery_code" if isinstance(device, RecoveryCodeDevice) else "authenticator"


def session_timing(request: HttpRequest) -> dict[str, Any]:
    """Template context: how long the signed-in session has left, for the page that warns
    before it ends (static/js/session_keepalive.js). Nothing for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    ends_in, hard_in = seconds_left(request.session, now())
    return {
        "session_timing": {
            "idle": idle_seconds(),
            "ends_in": max(ends_in, 0),
            "hard_ends_in": max(hard_in, 0),
        }
    }


def record_session(request: HttpRequest, user: Any) -> None:
    """List the request's session on the user's account page (or refresh its row)."""
    key = request.session.session_key
    if not key:
        request.session.save()
        key = request.session.session_key
    AccountSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "device": describe_device(request.META.get("HTTP_USER_AGENT", ""))[:60],
            "address": client_address(request) or None,
        },
    )


@receiver(user_logged_in, dispatch_uid="crisisplan_session_started")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    at = now()
    request.session[LOGIN_AT] = at
    request.session[SEEN_AT] = at
    record_session(request, user)
    # The login views set user.otp_device to the device that checked the second factor
    # (django-otp then marks the session verified).
    device = getattr(user, "otp_device", None)
    AuditEvent.objects.record(
        user,
        AuditEvent.Action.LOGIN,
        account=user,
        second_factor=factor_name(device),
        device=describe_device(request.META.get("HTTP_USER_AGENT", "")),
        address=client_address(request),
    )


@receiver(user_logged_out, dispatch_uid="crisisplan_session_ended")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    key = request.session.session_key if request is not None else None
    if key:
        AccountSession.objects.filter(session_key=key).delete()


@receiver(user_login_failed, dispatch_uid="crisisplan_login_failed_audited")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A failed password, code or reset link on an existing account goes on that
    account's page. Attempts on unknown addresses are only counted by django-axes."""
    username = (credentials or {}).get("username")
    if not username:
        return
    account = User.objects.filter(email__iexact=username).first()
    if account is None:
        return
    AuditEvent.objects.record(
        None,
        AuditEvent.Action.LOGIN_FAILED,
        account=account,
        step=str(credentials.get("step", "password")),
        address=client_address(request) if request is not None else "",
    )


@receiver(user_locked_out, dispatch_uid="crisisplan_locked_out_audited")
def _locked_out(sender: Any, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    account = User.objects.filter(email__iexact=username).first() if username else None
    if account is not None:
        AuditEvent.objects.record(None, AuditEvent.Action.LOCKED_OUT, account=account)
