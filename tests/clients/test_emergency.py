"""The "Emergency now" page: where the client is (latest check-in, else the record,
marked), the place's emergency services first, then crisis lines, what works from
abroad, the emergency contact with its consent, the plan's section 8 and the steps;
general help and "location unknown" when nothing says where the client is; the numbers
still shown when the client's data cannot be decrypted."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import CheckIn, Client
from crisisplan.core.encryption import Ciphertext
from crisisplan.core.keys import generate_entry, parse_keyring
from crisisplan.core.models import AuditEvent
from crisisplan.plans.models import PlanVersion
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(db: None) -> None:
    """Germany: 112 and 110 (short codes), a crisis line with a national number and one
    with an international number. Lebanon: 140 and a crisis line."""
    make_service("Feuerwehr und Rettungsdienst", country="DE", kind="emergency", phone="112")
    make_service("Polizei", country="DE", kind="emergency", phone="110", priority=200)
    make_service("TelefonSeelsorge", country="DE", phone="0800 111 0 111")
    make_service("Krisendienst international", country="DE", phone="+49 30 1234 5678")
    make_service("Red Cross ambulance", country="LB", kind="emergency", phone="140")
    make_service("Embrace LifeLine", country="LB", phone="1564")


@pytest.fixture
def record(alice: Any) -> Client:
    return make_client(
        alice,
        preferred_name="Nadia",
        country="LB",
        subdivision="",
        city="Beirut",
        street_address="Rue Hamra 5",
        phone="+961 3 123 456",
        emergency_contact_name="Maya",
        emergency_contact_relationship="sister",
        emergency_contact_phone="+961 3 654 321",
        emergency_contact_consent=True,
        emergency_contact_consent_date=datetime.date(2025, 3, 4),
    )


def page(http: HttpClient, client: Client) -> str:
    response = http.get(reverse("clients:emergency", args=[client.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_latest_check_in_decides_the_place_and_its_services_come_first(
    alice_client: HttpClient, alice: Any, directory: None, record: Client
) -> None:
    CheckIn.objects.record(record, alice, country="FR", place="Somewhere old")
    CheckIn.objects.record(
        record,
        alice,
        country="DE",
        subdivision="DE-BE",
        place="Hotel Adlon, room 12",
        phone="+49 151 2345 6789",
        company="alone",
    )
    content = page(alice_client, record)
    assert "Emergency: Nadia" in content
    assert "Hotel Adlon, room 12" in content and "Berlin, Germany" in content
    assert "Somewhere old" not in content and "Rue Hamra" not in content
    assert "Confirmed in the session check-in" in content
    assert "The client said they are alone." in content
    assert 'href="tel:+4915123456789"' in content  # call the client
    # Germany's services, emergency numbers first, then crisis lines; not Lebanon's.
    assert "Emergency services in Germany" in content and "Red Cross ambulance" not in content
    order = [content.index(s) for s in ('href="tel:112"', 'href="tel:110"', "TelefonSeelsorge")]
    assert order == sorted(order)
    assert content.index("Crisis lines") > content.index('href="tel:110"')


def test_from_the_record_when_no_check_in_says_so(
    alice_client: HttpClient, directory: None, record: Client
) -> None:
    content = page(alice_client, record)
    assert "From the client record: not confirmed in a session" in content
    assert "Rue Hamra 5, Beirut" in content and "Emergency services in Lebanon" in content
    assert 'href="tel:140"' in content and "Embrace LifeLine" in content


def test_short_codes_are_said_to_work_only_inside_the_country_with_what_does_work(
    alice_client: HttpClient, alice: Any, directory: None, record: Client
) -> None:
    CheckIn.objects.record(record, alice, country="DE", phone="+49 151 2345 6789")
    content = page(alice_client, record)
    assert "112, 110 are short codes: they only work from a phone inside Germany." in content
    assert "The directory knows no number that reaches them from another country." in content
    what_works = content[content.index("If you are not in Germany") :]
    assert "Ask the client to call 112 now" in what_works
    assert 'href="tel:+4915123456789"' in what_works  # the client
    assert "ask them to call 112 for the client" in what_works
    assert 'href="tel:+9613654321"' in what_works  # the emergency contact
    # Only the crisis line whose number is international is offered from abroad.
    offered = what_works[: what_works.index("</ul>")]
    assert 'Krisendienst international: <bdi dir="ltr">+49 30 1234 5678</bdi>' in offered
    assert "TelefonSeelsorge" not in offered


def test_without_an_international_crisis_line_it_says_so(
    alice_client: HttpClient, directory: None, record: Client
) -> None:
    content = page(alice_client, record)
    assert "140 is a short code: it only works from a phone inside Lebanon." in content
    assert (
        "None of the crisis lines of Lebanon in the directory lists an international number"
        in content
    )


def test_a_place_without_directory_entries_gets_the_general_number_with_its_source(
    alice_client: HttpClient, alice: Any, directory: None, record: Client
) -> None:
    CheckIn.objects.record(record, alice, country="IS")
    content = page(alice_client, record)
    assert "Emergency services in Iceland" in content and 'href="tel:112"' in content
    assert "libphonenumber" in content and "not checked by our curators" in content
    assert "The directory has no crisis line for Iceland yet" in content


def test_no_location_at_all_shows_general_help_and_says_it_is_unknown(
    alice_client: HttpClient, alice: Any
) -> None:
    nowhere = make_client(alice, preferred_name="Nowhere", country="", subdivision="")
    content = page(alice_client, nowhere)
    assert "Location unknown." in content
    assert 'href="tel:112"' in content and 'href="tel:911"' in content  # general_help.html
    assert "findahelpline.com" in content
    assert "No emergency contact is recorded." in content


def test_the_emergency_contact_with_the_consent_the_record_holds(
    alice_client: HttpClient, alice: Any, directory: None, record: Client
) -> None:
    content = page(alice_client, record)
    assert "Maya" in content and "(sister)" in content and 'href="tel:+9613654321"' in content
    assert (
        "The client consented to this person being contacted in a crisis (4 March 2025)" in content
    )
    record.emergency_contact_consent = False
    record.save_changes(alice, ["emergency_contact_consent"])
    assert "No consent to contact this person is recorded." in page(alice_client, record)


def test_section_8_of_the_published_plan_or_a_marked_draft(
    alice_client: HttpClient, alice: Any, directory: None, record: Client
) -> None:
    assert "The plan says nothing about a session cut off." in page(alice_client, record)
    plan = make_plan(record, full_content())
    content = page(alice_client, record)
    assert (
        "emergency contact if we can&#x27;t reconnect within 15 minutes." in content
        and 'href="tel:07700900123"><bdi dir="ltr">07700 900123</bdi><' in content
    )
    assert "From version 1, a draft: not published to the client yet." in content
    plan.publish(plan.version(1), alice)
    content = page(alice_client, record)
    assert (
        "emergency contact if we can&#x27;t reconnect within 15 minutes." in content
        and "a draft" not in content
    )


def test_an_unreadable_plan_still_shows_the_numbers(
    alice_client: HttpClient, alice: Any, directory: None, record: Client
) -> None:
    plan = make_plan(record, full_content())
    PlanVersion.objects.filter(plan=plan).update(content=Ciphertext(b"\x01\x02xx" + bytes(40)))
    content = page(alice_client, record)
    assert "The plan could not be decrypted, so section 8 is not shown." in content
    assert 'href="tel:140"' in content and "Maya" in content


def test_an_unreadable_client_record_still_shows_the_places_numbers(
    client: HttpClient, alice: Any, directory: None, settings: Any
) -> None:
    settings.ENCRYPTION_KEYRING = parse_keyring(generate_entry("k1"))
    orphan = make_client(alice, preferred_name="Secret Sunita", country="DE", subdivision="")
    CheckIn.objects.record(orphan, alice, country="LB", place="Secret place")
    settings.ENCRYPTION_KEYRING = parse_keyring(generate_entry("k2"))
    client.force_login(alice)
    content = page(client, orphan)
    assert "could not be decrypted" in content
    assert "Emergency services in Lebanon" in content and 'href="tel:140"' in content
    assert "Secret" not in content


def test_reached_in_one_click_from_the_client_page_and_the_editor(
    alice_client: HttpClient, record: Client
) -> None:
    url = reverse("clients:emergency", args=[record.pk])
    assert (
        f'href="{url}"'
        in alice_client.get(reverse("clients:detail", args=[record.pk])).content.decode()
    )
    assert (
        f'href="{url}"'
        in alice_client.get(reverse("plans:edit", args=[record.pk])).content.decode()
    )


def test_opening_it_is_audited_without_client_data(
    alice_client: HttpClient, alice: Any, directory: None, record: Client
) -> None:
    page(alice_client, record)
    event = AuditEvent.objects.get(client_id=record.pk, action="emergency_view")
    assert event.actor == alice and event.detail == {}


def test_a_fixed_number_of_queries(
    alice_client: HttpClient,
    alice: Any,
    directory: None,
    record: Client,
    django_assert_max_num_queries: Any,
) -> None:
    make_plan(record, full_content())
    for n in range(20):
        CheckIn.objects.record(record, alice, country="DE", place=f"Place {n}")
        make_service(f"Line {n}", country="DE", phone=f"0800 000 {n:04d}")
    alice_client.get(reverse("clients:dashboard"))  # warm the session
    # Session, user, client, latest check-in, the directory (version token, services,
    # contact methods, hours: the lookup is remembered after the first request, so at
    # most these), the plan, its version, and the audit event.
    with django_assert_max_num_queries(11):
        page(alice_client, record)


def test_a_curated_number_from_abroad_is_shown_with_its_source(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    make_service(
        "Rettungsleitstelle",
        country="DE",
        kind="emergency",
        phone="112",
        from_abroad="+49 30 1234 0112",
        from_abroad_source="https://example.org/notruf-aus-dem-ausland",
        from_abroad_verified_on=datetime.date(2025, 6, 1),
    )
    make_service("Polizei", country="DE", kind="emergency", phone="110", priority=200)
    CheckIn.objects.record(record, alice, country="DE")
    content = page(alice_client, record)
    service = content[content.index("Rettungsleitstelle") :]
    assert 'href="tel:112"' in service and "From abroad:" in service
    assert 'href="tel:+493012340112"' in service
    assert 'href="https://example.org/notruf-aus-dem-ausland"' in service
    assert "verified on 1 June 2025" in service
    # 110 has none: it is still named as working only inside Germany.
    assert "110 is a short code: it only works from a phone inside Germany." in content
    assert "112 is a short code" not in content and "112, 110" not in content
    # One emergency number works from abroad, so no "if you are not in Germany" fallback.
    assert "If you are not in Germany" not in content
