"""The admin site: one way in (our login, with its second factor), and with REQUIRE_2FA
only a session verified by a second factor reaches it (like django-otp's OTPAdminSite)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class AdminSite(admin.AdminSite):
    site_header = gettext_lazy("CrisisPlan admin")
    site_title = gettext_lazy("CrisisPlan admin")

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.REQUIRE_2FA or request.user.is_verified()

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Never Django's own admin login form, which would skip the second factor."""
        if request.user.is_authenticated:
            messages.error(request, _("Your account cannot use the admin."))
            return redirect("clients:dashboard")
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        return redirect_to_login(target)
