"""Session check-in: where the client is right now, in one step; "same as last time" in
one click; encrypted, timestamped and audited; the dashboard says when the location was
last confirmed and flags it when it is older than CHECKIN_STALE_DAYS (or never)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.models import CheckIn, Client
from crisisplan.core.models import AuditEvent
from tests.core.test_encryption import raw_rows_as_text
from tests.factory import make_client

pytestmark = pytest.mark.django_db

PLACE = "Hotel Miramar, room 412, Via Roma 3"


@pytest.fixture
def record(alice: Any) -> Client:
    return make_client(
        alice,
        preferred_name="Nadia",
        country="LB",
        subdivision="LB-BA",
        city="Beirut",
        phone="+961 3 123 456",
    )


def url(name: str, client: Client) -> str:
    return reverse(f"clients:{name}", args=[client.pk])


def data(**overrides: str) -> dict[str, str]:
    return {
        "country": "IT",
        "subdivision": "IT-RM",
        "place": PLACE,
        "phone": "+39 312 345 6789",
        "company": "alone",
        **overrides,
    }


def test_the_form_starts_from_the_record_when_there_is_no_check_in(
    alice_client: HttpClient, record: Client
) -> None:
    content = alice_client.get(url("check_in", record)).content.decode()
    assert "Where is Nadia right now?" in content
    assert '<option value="LB" selected>' in content
    assert '<option value="LB-BA" selected>' in content
    assert "Beirut" in content and "+961 3 123 456" in content
    assert "Same as last time" not in content  # nothing to repeat yet


def test_a_check_in_is_saved_encrypted_timestamped_and_audited(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    before = timezone.now()
    response = alice_client.post(url("check_in", record), data())
    assert response.status_code == 302 and response["Location"] == url("detail", record)
    check_in = CheckIn.objects.get(client=record)
    assert (check_in.country, check_in.subdivision) == ("IT", "IT-RM")
    assert check_in.place == PLACE and check_in.phone == "+39 312 345 6789"
    assert check_in.company == CheckIn.Company.ALONE
    assert check_in.created_at >= before and check_in.recorded_by == alice
    event = AuditEvent.objects.get(client_id=record.pk, action="check_in")
    assert event.actor == alice and event.detail == {"same_as_last": False}
    raw = raw_rows_as_text()
    assert "Miramar" not in raw and "312 345 6789" not in raw
    # The record's usual location is untouched: a check-in is where the client is now.
    record.refresh_from_db()
    assert record.country == "LB"


def test_a_check_in_without_a_country_is_refused_keeping_what_was_typed(
    alice_client: HttpClient, record: Client
) -> None:
    response = alice_client.post(url("check_in", record), data(country="", subdivision=""))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Choose the country where the client is now" in content
    assert "Hotel Miramar, room 412" in content and "+39 312 345 6789" in content
    assert re.search(r'value="alone"[^>]* checked', content)
    assert not CheckIn.objects.exists()


def test_a_region_of_another_country_is_refused(alice_client: HttpClient, record: Client) -> None:
    response = alice_client.post(url("check_in", record), data(subdivision="US-CA"))
    assert "Choose one of the regions of Italy, or none." in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_malformed_phone_is_refused(alice_client: HttpClient, record: Client) -> None:
    response = alice_client.post(url("check_in", record), data(phone="call me maybe"))
    assert "does not look like a phone number" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_the_database_refuses_a_check_in_without_a_country(alice: Any, record: Client) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.record(record, alice, country="")


def test_same_as_last_time_is_one_click(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    alice_client.post(url("check_in", record), data())
    page = alice_client.get(url("check_in", record)).content.decode()
    assert "Same as last time" in page and "Hotel Miramar" in page
    response = alice_client.post(url("check_in_again", record))
    assert response.status_code == 302
    first, second = CheckIn.objects.filter(client=record).order_by("created_at")
    assert second.pk != first.pk and second.created_at > first.created_at
    assert (second.country, second.subdivision, second.place, second.phone, second.company) == (
        "IT",
        "IT-RM",
        PLACE,
        "+39 312 345 6789",
        "alone",
    )
    flags = AuditEvent.objects.filter(client_id=record.pk, action="check_in").order_by("id")
    assert [e.detail["same_as_last"] for e in flags] == [False, True]


def test_same_as_last_time_without_a_check_in_asks_for_the_form(
    alice_client: HttpClient, record: Client
) -> None:
    response = alice_client.post(url("check_in_again", record), follow=True)
    assert "There is no earlier check-in to repeat" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_the_client_page_shows_the_latest_check_in(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    assert "Location never confirmed" in alice_client.get(url("detail", record)).content.decode()
    CheckIn.objects.record(record, alice, country="FR", place="Old flat")
    CheckIn.objects.record(record, alice, country="IT", subdivision="IT-RM", place=PLACE)
    content = alice_client.get(url("detail", record)).content.decode()
    assert "Hotel Miramar" in content and "Old flat" not in content
    assert "Confirmed 0" in content and "minutes ago" in content


def test_dashboard_says_when_the_location_was_confirmed_and_flags_stale_ones(
    alice_client: HttpClient, alice: Any, settings: Any
) -> None:
    settings.CHECKIN_STALE_DAYS = 7
    never = make_client(alice, preferred_name="Never", country="DE", subdivision="")
    recent = make_client(alice, preferred_name="Recent", country="DE", subdivision="")
    stale = make_client(alice, preferred_name="Stale", country="DE", subdivision="")
    CheckIn.objects.record(recent, alice, country="ES", subdivision="ES-CT")
    old = CheckIn.objects.record(stale, alice, country="FR")
    CheckIn.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    content = alice_client.get(reverse("clients:dashboard")).content.decode()
    rows = {
        name: content[content.index(f">{name}<") :][:1500] for name in ("Never", "Recent", "Stale")
    }
    assert "Location never confirmed" in rows["Never"] and "(from the record)" in rows["Never"]
    assert "Spain" in rows["Recent"] and "(ES-CT)" in rows["Recent"]
    assert "badge-ok" in rows["Recent"] and "ask again" not in rows["Recent"]
    assert "France" in rows["Stale"] and "1\xa0week, 1\xa0day ago: ask again" in rows["Stale"]
    # A check-in link and an Emergency link on every row.
    for record in (never, recent, stale):
        assert url("check_in", record) in content and url("emergency", record) in content
    # A longer threshold: the 8-day-old check-in is recent enough.
    settings.CHECKIN_STALE_DAYS = 10
    content = alice_client.get(reverse("clients:dashboard")).content.decode()
    assert "ask again" not in content


def test_a_check_in_is_in_the_export(alice: Any, record: Client) -> None:
    CheckIn.objects.record(record, alice, country="IT", place=PLACE, company="not_alone")
    exported = Client.objects.get(pk=record.pk).export()["check_ins"]
    assert len(exported) == 1
    assert exported[0]["place"] == PLACE and exported[0]["company"] == "not_alone"
    assert exported[0]["country"] == "IT"


def test_without_javascript_the_picker_shows_the_chosen_countrys_regions(
    alice_client: HttpClient, record: Client
) -> None:
    response = alice_client.post(
        url("check_in", record), data(country="DE", subdivision="", place_refresh="1")
    )
    content = response.content.decode()
    assert response.status_code == 200 and not CheckIn.objects.exists()
    assert '<option value="DE-BE">Berlin</option>' in content
    assert "Hotel Miramar, room 412" in content and "field-error" not in content


def test_the_database_refuses_a_region_of_another_country(alice: Any, record: Client) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.record(record, alice, country="IT", subdivision="US-CA")
