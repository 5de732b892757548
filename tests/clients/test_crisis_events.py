"""Recording a crisis event: time, what was done, who was called, outcome, notes;
encrypted, linked to the latest check-in, audited, exported; then the follow-ups are
offered."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.models import CheckIn, Client, CrisisEvent
from crisisplan.core.models import AuditEvent
from tests.core.test_encryption import raw_rows_as_text
from tests.factory import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(alice: Any) -> Client:
    return make_client(alice, preferred_name="Nadia")


def url(record: Client) -> str:
    return reverse("clients:crisis_event_add", args=[record.pk])


def form(**overrides: str) -> dict[str, str]:
    when = timezone.localtime() - datetime.timedelta(minutes=30)
    return {
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "actions": "Kept Nadia on video; she agreed to go to her neighbour",
        "called": "The neighbour Sami; then 112 through Maya",
        "outcome": "With the neighbour, ambulance arrived",
        "notes": "Follow up about the medication",
        **overrides,
    }


def test_the_form_starts_at_now_and_names_the_check_in(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    content = alice_client.get(url(record)).content.decode()
    assert timezone.localtime().strftime("%Y-%m-%dT%H:") in content
    assert "There is no session check-in to link it to." in content
    CheckIn.objects.record(record, alice, country="ES")
    assert "Linked to the check-in of" in alice_client.get(url(record)).content.decode()


def test_an_event_is_saved_encrypted_linked_audited_then_follow_ups_are_offered(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    check_in = CheckIn.objects.record(record, alice, country="ES", subdivision="ES-CT")
    response = alice_client.post(url(record), form())
    event = CrisisEvent.objects.get(client=record)
    assert response.status_code == 302
    schedule = reverse("clients:follow_ups_schedule", args=[record.pk])
    assert response["Location"] == f"{schedule}?event={event.pk}"
    assert event.check_in == check_in and event.recorded_by == alice
    assert event.actions.startswith("Kept Nadia on video") and event.called.endswith("Maya")
    assert event.outcome == "With the neighbour, ambulance arrived"
    assert event.notes == "Follow up about the medication"
    assert timezone.now() - event.occurred_at < datetime.timedelta(minutes=31)
    audit = AuditEvent.objects.get(client_id=record.pk, action="crisis_event")
    assert audit.detail == {"with_check_in": True}
    raw = raw_rows_as_text()
    assert "neighbour" not in raw and "medication" not in raw
    # The schedule page then offers the default follow-ups after this event.
    offer = alice_client.get(response["Location"]).content.decode()
    assert "After the crisis event of" in offer and f'value="{event.pk}"' in offer
    # ... and the client page lists the event.
    page = alice_client.get(reverse("clients:detail", args=[record.pk])).content.decode()
    assert "Kept Nadia on video" in page and "ambulance arrived" in page
    assert "Catalunya [Cataluña], Spain" in page and "check-in of" in page


def test_what_was_done_is_required_and_nothing_typed_is_lost(
    alice_client: HttpClient, record: Client
) -> None:
    response = alice_client.post(url(record), form(actions=""))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Write what was done, even in a few words." in content
    assert "The neighbour Sami" in content and "Follow up about the medication" in content
    assert not CrisisEvent.objects.exists()


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("", "Give the date and time it happened."),
        ("yesterday evening", "Give the date and time it happened, e.g."),
        ("2999-01-01T10:00", "This is in the future"),
    ],
)
def test_a_bad_time_is_refused(
    alice_client: HttpClient, record: Client, when: str, message: str
) -> None:
    content = alice_client.post(url(record), form(occurred_at=when)).content.decode()
    assert message in content and "The neighbour Sami" in content
    assert not CrisisEvent.objects.exists()


def test_an_event_without_a_check_in_is_saved_unlinked(
    alice_client: HttpClient, record: Client
) -> None:
    alice_client.post(url(record), form())
    event = CrisisEvent.objects.get(client=record)
    assert event.check_in is None
    assert AuditEvent.objects.get(action="crisis_event").detail == {"with_check_in": False}


def test_events_are_in_the_export(alice: Any, record: Client) -> None:
    check_in = CheckIn.objects.record(record, alice, country="ES")
    CrisisEvent.objects.record(
        record, alice, occurred_at=timezone.now(), actions="Called 112", notes="A note"
    )
    (exported,) = Client.objects.get(pk=record.pk).export()["crisis_events"]
    assert exported["actions"] == "Called 112" and exported["notes"] == "A note"
    assert exported["check_in_id"] == str(check_in.pk)


def test_deleting_the_client_deletes_its_events_and_check_ins(alice: Any, record: Client) -> None:
    CheckIn.objects.record(record, alice, country="ES")
    CrisisEvent.objects.record(record, alice, occurred_at=timezone.now(), actions="x")
    record.destroy(alice)
    assert not CrisisEvent.objects.exists() and not CheckIn.objects.exists()


def test_an_event_sent_after_the_session_ended_is_kept_and_shown_again(
    alice_client: HttpClient, alice: Any, record: Client, settings: Any
) -> None:
    from tests.core.test_unsaved_work import idle_too_long

    idle_too_long(alice_client, settings)
    response = alice_client.post(url(record), form())
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not CrisisEvent.objects.exists()
    alice_client.force_login(alice)
    page = alice_client.get(url(record)).content.decode()
    assert "Kept Nadia on video" in page and "It is not saved yet" in page
    assert not CrisisEvent.objects.exists()
