"""The therapist's own time zone: taken from the browser at the first login, set on the
account page, and used for every date and time shown to them."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import totp_code
from crisisplan.core.models import User
from crisisplan.links.models import PrivateLink
from crisisplan.plans.models import PlanVersion
from tests.factory import full_content, make_client, make_plan

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def log_in(client: Client, zone: str, email: str = "alice@example.com") -> Any:
    return client.post(
        reverse("login"), {"username": email, "password": PASSWORD, "browser_time_zone": zone}
    )


def test_the_first_login_takes_the_browsers_zone(client: Client, alice: User) -> None:
    assert log_in(client, "Asia/Beirut").status_code == 302
    alice.refresh_from_db()
    assert alice.time_zone == "Asia/Beirut"


def test_with_a_second_factor_the_zone_comes_with_the_code(
    client: Client, alice: User, alice_device: Any
) -> None:
    log_in(client, "Asia/Beirut")
    alice.refresh_from_db()
    assert alice.time_zone == ""  # not logged in yet
    client.post(
        reverse("account:login_code"),
        {"code": totp_code(alice_device), "browser_time_zone": "America/Santiago"},
    )
    alice.refresh_from_db()
    assert alice.time_zone == "America/Santiago"


def test_a_chosen_zone_is_kept_and_nonsense_ignored(client: Client, alice: User) -> None:
    log_in(client, "Not/A_Zone")
    alice.refresh_from_db()
    assert alice.time_zone == ""
    client.post(reverse("logout"))
    alice.time_zone = "Europe/Berlin"
    alice.save()
    log_in(client, "Asia/Tokyo")  # travelling: the choice stays until changed
    alice.refresh_from_db()
    assert alice.time_zone == "Europe/Berlin"


def test_the_account_page_sets_the_zone(alice_client: Client, alice: User) -> None:
    page = alice_client.get(reverse("account:index")).content.decode()
    assert "Not chosen yet: dates and times are shown in UTC" in page
    response = alice_client.post(reverse("account:time_zone"), {"time_zone": "Asia/Beirut"})
    assert response.status_code == 302 and response["Location"] == reverse("account:index")
    alice.refresh_from_db()
    assert alice.time_zone == "Asia/Beirut"
    page = alice_client.get(reverse("account:index")).content.decode()
    assert "Dates and times are shown in Asia/Beirut" in page
    assert '<option value="Asia/Beirut" selected>' in page
    bad = alice_client.post(reverse("account:time_zone"), {"time_zone": "Mars/Olympus"})
    assert "Choose a time zone" in alice_client.get(bad["Location"]).content.decode()
    alice.refresh_from_db()
    assert alice.time_zone == "Asia/Beirut"


def test_the_zone_setting_needs_a_login_and_a_post(client: Client, alice: User) -> None:
    url = reverse("account:time_zone")
    response = client.post(url, {"time_zone": "Asia/Beirut"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(alice)
    assert client.get(url).status_code == 405


def at_noon_utc(plan: Any) -> datetime.datetime:
    noon = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)
    PlanVersion.objects.filter(plan=plan).update(created_at=noon)
    return noon


def test_dates_and_times_are_in_the_therapists_zone(alice_client: Client, alice: User) -> None:
    record = make_client(alice, preferred_name="Robin")
    plan = make_plan(record, full_content(1))
    at_noon_utc(plan)
    versions = reverse("plans:versions", args=[record.pk])
    assert "1 Jul 2026, 12:00" in alice_client.get(versions).content.decode()  # TIME_ZONE
    alice.time_zone = "Asia/Beirut"  # UTC+3 in July
    alice.save()
    page = alice_client.get(versions).content.decode()
    assert "1 Jul 2026, 15:00" in page and "12:00" not in page
    # The link's opening times too, without a "UTC" that is no longer true.
    link, _token = PrivateLink.issue(plan, alice)
    link.record_open("Firefox")
    link.opens.update(opened_at=datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC))
    page = alice_client.get(reverse("links:manage", args=[record.pk])).content.decode()
    assert "2 July 2026, 02:30" in page and "UTC" not in page


def test_the_zone_does_not_leak_to_the_next_request(alice_client: Client, alice: User) -> None:
    alice.time_zone = "Pacific/Auckland"
    alice.save()
    alice_client.get(reverse("clients:dashboard"))
    assert timezone.get_current_timezone() == zoneinfo.ZoneInfo("UTC")
    anonymous = Client().get(reverse("login"))
    assert anonymous.status_code == 200
    assert timezone.get_current_timezone_name() == "UTC"
