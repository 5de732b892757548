"""The audit log: append-only, no client data, a therapist sees their own client's events."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import reverse

from crisisplan.core.models import AuditEvent, AuditLogError
from tests.factory import make_client

pytestmark = pytest.mark.django_db


def test_record_appends_an_event(alice: Any) -> None:
    client = make_client(alice)
    event = AuditEvent.objects.record(alice, AuditEvent.Action.EXPORT, client.pk, via="test")
    assert event.actor == alice and event.client_id == client.pk
    assert event.detail == {"via": "test"}


def test_events_cannot_be_changed_or_deleted(alice: Any) -> None:
    event = AuditEvent.objects.record(alice, AuditEvent.Action.VIEW, None)
    event.action = AuditEvent.Action.DELETE
    with pytest.raises(AuditLogError):
        event.save()
    with pytest.raises(AuditLogError):
        event.delete()
    with pytest.raises(AuditLogError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="edit")
    with pytest.raises(AuditLogError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def test_deleting_the_actor_keeps_the_event(bob: Any) -> None:
    event = AuditEvent.objects.record(bob, AuditEvent.Action.VIEW, None)
    bob.delete()
    assert AuditEvent.objects.get(pk=event.pk).actor is None


def test_detail_refuses_structured_values_and_unknown_actions(alice: Any) -> None:
    with pytest.raises(TypeError):
        AuditEvent.objects.record(alice, AuditEvent.Action.EDIT, None, record={"name": "Rana"})
    with pytest.raises(ValueError, match="Unknown audit action"):
        AuditEvent.objects.record(alice, "peek", None)


def test_events_page_shows_the_clients_events(alice_client: HttpClient, alice: Any) -> None:
    client = make_client(alice, preferred_name="Rana")
    other = make_client(alice, preferred_name="Other")
    client.save_changes(alice, ["notes", "preferred_name"])
    other.archive(alice)
    content = alice_client.get(reverse("clients:events", args=[client.pk])).content.decode()
    assert "Created" in content
    assert "Edited" in content and "notes, preferred name" in content
    assert "Archived" not in content  # that was the other client


def test_events_page_names_what_a_plan_event_changed(alice_client: HttpClient, alice: Any) -> None:
    from crisisplan.plans.models import Plan
    from tests.factory import full_content

    client = make_client(alice, preferred_name="Rana")
    plan = Plan(client=client)
    version = plan.save_version(alice, full_content(1), 0)
    plan.publish(version, alice)
    plan.set_next_review(None, alice)
    content = alice_client.get(reverse("clients:events", args=[client.pk])).content.decode()
    assert 'Edited: <span class="muted">plan version 1</span>' in content
    assert 'Published the plan: <span class="muted">plan version 1</span>' in content
    assert "plan&#x27;s next review date" in content


def test_views_are_recorded(alice_client: HttpClient, alice: Any) -> None:
    client = make_client(alice)
    alice_client.get(reverse("clients:detail", args=[client.pk]))
    assert AuditEvent.objects.filter(client_id=client.pk, action="view", actor=alice).count() == 1


def test_the_log_holds_no_client_data(alice_client: HttpClient, alice: Any) -> None:
    client = make_client(alice, preferred_name="Canary Name", notes="Canary note")
    alice_client.post(
        reverse("clients:edit", args=[client.pk]),
        {"preferred_name": "Canary Renamed", "country": "GB", "notes": "Canary changed"},
    )
    alice_client.post(reverse("clients:archive", args=[client.pk]))
    dumped = str(list(AuditEvent.objects.values()))
    assert "Canary" not in dumped
    assert AuditEvent.objects.filter(action="edit").exists()
