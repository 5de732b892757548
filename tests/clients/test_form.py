"""Adding and editing a client: encrypted storage, validation, audit of field names."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client
from crisisplan.core.models import AuditEvent
from tests.factory import make_client

pytestmark = pytest.mark.django_db

ADD = reverse("clients:add")


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "preferred_name": "Rana",
        "full_name": "Rana Haddad",
        "date_of_birth": "1991-04-02",
        "phone": "+961 3 123 456",
        "email": "rana@example.org",
        "country": "LB",
        "subdivision": "LB-BA",
        "city": "Beirut",
        "street_address": "Rue Hamra 12",
        "timezone": "Asia/Beirut",
        "preferred_language": "Arabic",
        "emergency_contact_name": "Maya",
        "emergency_contact_relationship": "sister",
        "emergency_contact_phone": "+961 3 654 321",
        "emergency_contact_consent": "on",
        "emergency_contact_consent_date": "2024-01-15",
        "other_providers": "Dr. K, psychiatrist",
        "notes": "Prefers evening sessions.",
    }
    data.update(overrides)
    return data


def test_add_form_renders(alice_client: HttpClient) -> None:
    content = alice_client.get(ADD).content.decode()
    assert '<label for="id_preferred_name">' in content
    assert '<option value="LB">Lebanon</option>' in content
    assert "style=" not in content and "<script>" not in content


def test_add_creates_an_encrypted_client(alice_client: HttpClient, alice: Any) -> None:
    response = alice_client.post(ADD, form_data())
    client = Client.objects.select_related("data_key").get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[client.pk])
    assert client.therapist == alice
    assert client.preferred_name == "Rana"
    assert client.country == "LB" and client.subdivision == "LB-BA"
    assert client.emergency_contact_consent is True
    assert str(client.date_of_birth) == "1991-04-02"
    assert client.phone == "+961 3 123 456"
    event = AuditEvent.objects.get(client_id=client.pk)
    assert event.action == "create" and event.actor == alice
    detail = alice_client.get(response["Location"]).content.decode()
    assert "Rana Haddad" in detail and "Beirut" in detail and "Rue Hamra 12" in detail


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"country": "ZZ"}, "country", "Choose a country from the list."),
        ({"country": ""}, "country", "Choose a country."),
        ({"subdivision": "XX-YY"}, "subdivision", "Choose one of the regions of Lebanon"),
        ({"subdivision": "US-CA"}, "subdivision", "Choose one of the regions of Lebanon"),
        ({"preferred_name": ""}, "preferred_name", "This field is required"),
        ({"preferred_name": "x" * 101}, "preferred_name", "at most 100 characters"),
        ({"phone": "call me"}, "phone", "does not look like a phone number"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice"),
        ({"date_of_birth": "yesterday"}, "date_of_birth", "valid date"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    alice_client: HttpClient, overrides: dict, field: str, message: str
) -> None:
    response = alice_client.post(ADD, form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors.get(field, [])
    assert len(errors) == 1, errors  # one message per field, never the same thing twice
    assert message in errors[0]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Client.objects.exists()


def test_subdivision_is_normalised_to_upper_case(alice_client: HttpClient) -> None:
    alice_client.post(ADD, form_data(country="US", subdivision=" us-ca ", phone=""))
    assert Client.objects.get().subdivision == "US-CA"


def test_database_refuses_a_subdivision_of_another_country(alice: Any) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        make_client(alice, country="LB", subdivision="US-CA")


def test_edit_shows_decrypted_values_and_saves_changes(
    alice_client: HttpClient, alice: Any
) -> None:
    client = make_client(alice, preferred_name="Sam", notes="old note", country="GB")
    url = reverse("clients:edit", args=[client.pk])
    content = alice_client.get(url).content.decode()
    assert 'value="Sam"' in content and "old note" in content
    data = form_data(preferred_name="Sammy", country="GB", subdivision="GB-ENG", phone="")
    response = alice_client.post(url, data)
    assert response.status_code == 302
    fresh = Client.objects.select_related("data_key").get(pk=client.pk)
    assert fresh.preferred_name == "Sammy" and fresh.notes == "Prefers evening sessions."
    event = AuditEvent.objects.filter(client_id=client.pk, action="edit").get()
    assert "preferred_name" in event.detail["fields"] and "notes" in event.detail["fields"]
    assert "Sammy" not in str(event.detail)


def test_edit_without_changes_writes_nothing(alice_client: HttpClient, alice: Any) -> None:
    client = make_client(alice, preferred_name="Sam", country="DE", subdivision="")
    url = reverse("clients:edit", args=[client.pk])
    initial = alice_client.get(url).context["form"].initial
    data = {
        k: ("on" if v is True else "" if v in (None, False) else str(v)) for k, v in initial.items()
    }
    data = {k: v for k, v in data.items() if not (k == "emergency_contact_consent" and not v)}
    alice_client.post(url, data)
    assert not AuditEvent.objects.filter(client_id=client.pk, action="edit").exists()
