"""Account pages: login with a second factor, its set-up, password reset and change, the
account page (sessions, devices, recovery codes, recent sign-ins) and the keep-alive.

Login is two steps. The password step (Django's LoginView) logs in at once only a user
without a second factor; anyone else is remembered as "pending" in the session for a few
minutes and logged in by the code step. A wrong code counts toward the same django-axes
lockout as a wrong password (a ``user_login_failed`` signal for the account), and as
nobody is logged in between the steps, knowing the password never resets that count.
"""

from __future__ import annotations

import base64
import time
from binascii import unhexlify
from typing import Any
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_from_request
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from crisisplan.core import sessions
from crisisplan.core.forms import (
    WRONG_CODE,
    ConfirmPasswordForm,
    LanguageForm,
    LoginCodeForm,
    TimeZoneForm,
    TwoFactorSetupForm,
)
from crisisplan.core.http import two_factor_exempt
from crisisplan.core.models import (
    AccountSession,
    AuditEvent,
    RecoveryCodeDevice,
    User,
    has_second_factor,
)

PENDING = "crisisplan_2fa_pending"
PENDING_SECONDS = 300
SETUP_KEY = "crisisplan_2fa_setup_key"
EVENTS_SHOWN = 30


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _failed(request: HttpRequest, user: User | None, step: str) -> None:
    """Count a failed code, confirmation or reset link toward the account's lockout."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.email if user else "", "step": step},
        request=request,
    )


def _locked(request: HttpRequest, user: User | None) -> HttpResponse | None:
    credentials = {"username": user.email if user else ""}
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    return get_lockout_response(request, None, credentials)


# --- login ---------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """The password step. A user with a second factor is not logged in yet: the code
    step (``login_code``) does that."""

    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not has_second_factor(user):
            return super().form_valid(form)
        session = self.request.session
        session.cycle_key()
        session[PENDING] = {"user": user.pk, "backend": user.backend, "at": sessions.now()}
        query = urlencode({"next": self.get_success_url()})
        return redirect(f"{reverse('account:login_code')}?{query}")


login_view = two_factor_exempt(LoginView.as_view())
logout_view = two_factor_exempt(auth_views.LogoutView.as_view())


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or sessions.now() - pending["at"] > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def _check_code(user: User, form: LoginCodeForm) -> Any:
    """The device that accepts the code (authenticator or recovery code), or None."""
    code = form.cleaned_data["code"]
    if form.is_authenticator_code():
        devices: Any = TOTPDevice.objects.filter(user=user, confirmed=True)
        code = code.replace(" ", "")
    else:
        devices = RecoveryCodeDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        if device.verify_token(code):
            return device
    return None


@never_cache
@two_factor_exempt
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponseBase:
    """The second step: a code from the authenticator app, or a recovery code."""
    user = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Please log in again: the sign-in took too long."))
        return redirect("login")
    form = LoginCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        locked = _locked(request, user)
        if locked is not None:
            request.session.pop(PENDING, None)
            return locked
        device = _check_code(user, form)
        if device is not None:
            del request.session[PENDING]
            user.otp_device = device  # django-otp marks the session verified at login
            login(request, user, backend=user.backend)
            otp_login(request, device)
            if isinstance(device, RecoveryCodeDevice):
                left = device.remaining()
                messages.warning(
                    request,
                    _(
                        "You used a recovery code; %(left)s left. Make new ones on your "
                        "account page if you have lost your authenticator."
                    )
                    % {"left": left},
                )
            return redirect(_safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
        _failed(request, user, "recovery_code" if not form.is_authenticator_code() else "code")
        if getattr(request, "axes_locked_out", False):
            request.session.pop(PENDING, None)  # AxesMiddleware answers with the lockout page
        form.add_error(None, WRONG_CODE)  # shown as an alert above the field
    return render(request, "core/login_code.html", {"form": form, "next": _safe_next(request, "")})


# --- set-up of the second factor -------------------------------------------------------


def _qr_svg(config_url: str) -> str:
    return segno.make(config_url, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", omitsize=False
    )


@never_cache
@login_required
@two_factor_exempt
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Scan a QR code, then prove it worked with a code: only then is the device saved,
    with ten recovery codes (shown once) if the user had none."""
    key = request.session.get(SETUP_KEY)
    if not key or request.method == "GET":
        key = request.session[SETUP_KEY] = random_hex(20)
    device = TOTPDevice(user=request.user, key=key, confirmed=True)
    form = TwoFactorSetupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        totp = TOTP(unhexlify(key), device.step, device.t0, device.digits, 0)
        totp.time = time.time()
        if totp.verify(form.cleaned_data["code"], tolerance=device.tolerance):
            device.name = form.cleaned_data["name"] or _("Authenticator app")
            device.last_t, device.drift = totp.t(), totp.drift  # this code cannot log in again
            codes = _save_new_device(request, device)
            if codes:
                return _show_recovery_codes(request, codes, first=True)
            messages.success(request, _("Your new authenticator is set up."))
            return redirect(_safe_next(request, reverse("account:index")))
        form.add_error("code", _("That code did not match. Check the app and try the new code."))
    secret = base64.b32encode(unhexlify(key)).decode()
    return render(
        request,
        "core/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": settings.REQUIRE_2FA and not has_second_factor(request.user),
            "next": _safe_next(request, ""),
        },
    )


def _save_new_device(request: HttpRequest, device: TOTPDevice) -> list[str]:
    """Save the checked device, verify this session with it and sign out the user's other
    sessions (they were not verified by it). Returns new recovery codes, if made."""
    user = request.user
    first = not has_second_factor(user)
    device.save()
    del request.session[SETUP_KEY]
    otp_login(request, device)
    AccountSession.objects.for_user(user).exclude(session_key=request.session.session_key).end()
    AuditEvent.objects.record(user, AuditEvent.Action.TWO_FACTOR_ADD, account=user)
    if first or not RecoveryCodeDevice.objects.filter(user=user).exists():
        codes = RecoveryCodeDevice.make_codes(user)
        AuditEvent.objects.record(user, AuditEvent.Action.RECOVERY_CODES, account=user)
        return codes
    return []


def _show_recovery_codes(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    response = render(
        request,
        "core/recovery_codes.html",
        {"codes": codes, "first": first, "next": _safe_next(request, reverse("account:index"))},
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the account page ------------------------------------------------------------------

STEP_LABELS = {
    "password": _lazy("wrong password"),
    "code": _lazy("wrong code"),
    "recovery_code": _lazy("wrong recovery code"),
    "reset_link": _lazy("invalid or used reset link"),
    "password_confirm": _lazy("wrong password when confirming a change"),
}
FACTOR_LABELS = {
    "authenticator": _lazy("with a code"),
    "recovery_code": _lazy("with a recovery code"),
}


def _event_note(event: AuditEvent) -> str:
    """What the account page says about an event, beyond its action: the how and where."""
    detail = event.detail
    parts = [
        str(STEP_LABELS.get(detail.get("step", ""), "")),
        str(FACTOR_LABELS.get(detail.get("second_factor", ""), "")),
        detail.get("device", ""),
        detail.get("address", ""),
    ]
    if event.actor_id and event.actor_id != event.account_id:
        parts.append(_("by %(who)s") % {"who": event.actor})
    return ", ".join(str(part) for part in parts if part)


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = request.session.session_key
    rows = [row for row in AccountSession.objects.for_user(user) if row.is_alive()]
    recovery = RecoveryCodeDevice.objects.filter(user=user).first()
    events = AuditEvent.objects.for_account(user).select_related("actor")[:EVENTS_SHOWN]
    return render(
        request,
        "core/account.html",
        {
            "sessions": rows,
            "current_key": current,
            "others": sum(1 for row in rows if row.session_key != current),
            "devices": TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id"),
            "recovery_left": recovery.remaining() if recovery else None,
            "events": [(event, _event_note(event)) for event in events],
            "confirm_form": ConfirmPasswordForm(user),
            "language_form": LanguageForm(initial={"language": user.language}),
            "time_zone_form": TimeZoneForm(
                initial={"time_zone": user.time_zone or settings.TIME_ZONE}
            ),
            "default_time_zone": settings.TIME_ZONE,
        },
    )


def _save_choice(request: HttpRequest, form: LanguageForm | TimeZoneForm) -> bool:
    """Save the one field of an account-page choice (named as the user's field) on the
    user; False, and nothing saved, when the choice is not one of the list's."""
    if not form.is_valid():
        return False
    (field,) = form.fields
    setattr(request.user, field, form.cleaned_data[field])
    request.user.save(update_fields=[field])
    return True


@login_required
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Set the language of the user's pages; the message is already in it."""
    if _save_choice(request, LanguageForm(request.POST)):
        translation.activate(request.user.language or get_language_from_request(request))
        messages.success(request, _("Your pages are shown in this language from now on."))
    else:
        messages.error(request, _("Choose a language from the list."))
    return redirect("account:index")


@login_required
@require_POST
def time_zone(request: HttpRequest) -> HttpResponse:
    """Set the time zone of every date and time shown to the user."""
    if _save_choice(request, TimeZoneForm(request.POST)):
        zone = request.user.time_zone.replace("_", " ")
        messages.success(
            request, _("Dates and times are shown in %(zone)s from now on.") % {"zone": zone}
        )
    else:
        messages.error(request, _("Choose a time zone from the list."))
    return redirect("account:index")


@login_required
@require_POST
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    user = request.user
    ended = (
        AccountSession.objects.for_user(user).exclude(session_key=request.session.session_key).end()
    )
    AuditEvent.objects.record(user, AuditEvent.Action.SESSIONS_END, account=user, count=ended)
    messages.success(request, _("Signed out everywhere else."))
    return redirect("account:index")


def _confirmed(request: HttpRequest) -> ConfirmPasswordForm | HttpResponseBase:
    """The password asked again: a valid form, or the answer to give instead. A wrong
    password counts toward the lockout, which signs the session out."""
    user = request.user
    locked = _locked(request, user)
    if locked is not None:
        return locked
    form = ConfirmPasswordForm(user, request.POST)
    if form.is_valid():
        return form
    if form.has_error("password", "wrong_password"):
        _failed(request, user, "password_confirm")
    messages.error(request, " ".join(form.errors["password"]))
    return redirect("account:index")


@login_required
@require_POST
def remove_device(request: HttpRequest, pk: int) -> HttpResponseBase:
    device = get_object_or_404(TOTPDevice, pk=pk, user=request.user)
    form = _confirmed(request)
    if not isinstance(form, ConfirmPasswordForm):
        return form
    user = request.user
    device.delete()
    if not has_second_factor(user):
        RecoveryCodeDevice.objects.filter(user=user).delete()
    AuditEvent.objects.record(user, AuditEvent.Action.TWO_FACTOR_REMOVE, account=user)
    messages.success(request, _("The device was removed."))
    return redirect("account:index")


@login_required
@require_POST
def new_recovery_codes(request: HttpRequest) -> HttpResponseBase:
    if not has_second_factor(request.user):
        raise Http404("No second factor.")
    form = _confirmed(request)
    if not isinstance(form, ConfirmPasswordForm):
        return form
    codes = RecoveryCodeDevice.make_codes(request.user)
    AuditEvent.objects.record(request.user, AuditEvent.Action.RECOVERY_CODES, account=request.user)
    return _show_recovery_codes(request, codes, first=False)


# --- password change and reset ---------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, and then every other session of the user ends."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # keeps this session (a new key)
        user = form.user
        AccountSession.objects.for_user(user).exclude(
            session_key=self.request.session.session_key
        ).end()
        sessions.record_session(self.request, user)
        AuditEvent.objects.record(user, AuditEvent.Action.PASSWORD_CHANGE, account=user)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's: the same answer whether or not the address has an account."""

    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        for user in form.get_users(form.cleaned_data["email"]):
            AuditEvent.objects.record(None, AuditEvent.Action.PASSWORD_RESET_REQUEST, account=user)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's (a link works for PASSWORD_RESET_TIMEOUT and dies once used); a dead or
    forged link counts toward the lockout, and a reset signs the user out everywhere."""

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        request = self.request
        user = self.get_user(kwargs["uidb64"])
        locked = _locked(request, user)
        if locked is not None:
            return locked
        response = super().dispatch(*args, **kwargs)
        # Django answers a good link with a redirect (or the form, validlink True) and a
        # bad one with the "link is not valid" page.
        if not self.validlink and response.status_code == 200:
            _failed(request, user, "reset_link")
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        AccountSession.objects.filter(user=user).end()
        AuditEvent.objects.record(None, AuditEvent.Action.PASSWORD_RESET, account=user)
        return response


password_reset = two_factor_exempt(PasswordResetView.as_view())
password_reset_done = two_factor_exempt(auth_views.PasswordResetDoneView.as_view())
password_reset_confirm = two_factor_exempt(PasswordResetConfirmView.as_view())
password_reset_complete = two_factor_exempt(auth_views.PasswordResetCompleteView.as_view())


# --- keep-alive --------------------------------------------------------------------------


@two_factor_exempt
@require_POST
def keepalive(request: HttpRequest) -> JsonResponse:
    """Restart the idle clock while a form has unsaved changes (session_keepalive.js).
    Answers how many seconds the session has left; 401 once it has ended."""
    if not request.user.is_authenticated:
        return JsonResponse({"ends_in": 0, "hard_ends_in": 0}, status=401)
    at = sessions.now()
    sessions.touch(request, at, force=True)
    ends_in, hard_in = sessions.seconds_left(request.session, at)
    return JsonResponse({"ends_in": ends_in, "hard_ends_in": hard_in})
