"""The therapist's own time zone: every date and time shown to them is in it.

Set on the account page; until then it is taken from the browser at the first login
(the login pages send the zone the browser reports, static/js/browser_time_zone.js), or
else TIME_ZONE applies. crisisplan.middleware.TimeZoneMiddleware activates it for each
request of a logged-in user (django.utils.timezone.activate), so templates and
timezone.localtime() use it.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

# The login forms' hidden field with the zone the browser reports.
BROWSER_FIELD = "browser_time_zone"


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_zone(name: str) -> bool:
    return bool(name) and name in _zones()


@cache
def zone_choices() -> tuple[tuple[str, str], ...]:
    """IANA zones of places (Region/City) and UTC, by name, for a select."""
    zones = sorted(z for z in _zones() if ("/" in z and not z.startswith("Etc/")) or z == "UTC")
    return tuple((z, z.replace("_", " ")) for z in zones)


def zone_of(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone named ``name``; None for none (or one the tz database no longer has)."""
    return zoneinfo.ZoneInfo(name) if is_zone(name) else None


@receiver(user_logged_in, dispatch_uid="crisisplan_time_zone_from_browser")
def _default_from_browser(sender: Any, request: HttpRequest | None, user: Any, **kw: Any) -> None:
    """At a login, a user without a time zone gets the one their browser reports."""
    if request is None or request.method != "POST" or getattr(user, "time_zone", "x"):
        return
    name = request.POST.get(BROWSER_FIELD, "").strip()
    if is_zone(name):
        user.time_zone = name
        user.save(update_fields=["time_zone"])
