"""Archive hides without destroying; delete destroys the data key (crypto-shredding)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client
from crisisplan.core.models import AuditEvent, DataKey
from tests.factory import make_client

pytestmark = pytest.mark.django_db


def test_archive_and_unarchive(alice_client: HttpClient, alice: Any) -> None:
    client = make_client(alice, preferred_name="Archie")
    response = alice_client.post(reverse("clients:archive", args=[client.pk]))
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.archived_at is not None
    assert client.preferred_name == "Archie"  # still readable
    assert "Archie" not in alice_client.get(reverse("clients:dashboard")).content.decode()
    detail = alice_client.get(reverse("clients:detail", args=[client.pk])).content.decode()
    assert "Restore from archive" in detail

    alice_client.post(reverse("clients:unarchive", args=[client.pk]))
    client.refresh_from_db()
    assert client.archived_at is None
    actions = list(
        AuditEvent.objects.for_client(client.pk)
        .exclude(action="view")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "archive", "unarchive"]


def test_delete_asks_for_confirmation(alice_client: HttpClient, alice: Any) -> None:
    client = make_client(alice, preferred_name="Dee")
    url = reverse("clients:delete", args=[client.pk])
    page = alice_client.get(url).content.decode()
    assert "encryption key. Their record" in page
    response = alice_client.post(url, {})
    assert response.status_code == 200
    assert "Tick the box to confirm the deletion." in response.content.decode()
    assert Client.objects.filter(pk=client.pk).exists()


def test_delete_destroys_the_data_key_and_the_rows(alice_client: HttpClient, alice: Any) -> None:
    client = make_client(alice, preferred_name="Dee")
    other = make_client(alice, preferred_name="Stays")
    key_id = client.data_key_id
    response = alice_client.post(reverse("clients:delete", args=[client.pk]), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("clients:dashboard")
    assert not Client.objects.filter(pk=client.pk).exists()
    assert not DataKey.objects.filter(pk=key_id).exists()
    assert Client.objects.filter(pk=other.pk).exists()
    with connection.cursor() as cursor:
        db_id = DataKey._meta.pk.get_db_prep_value(key_id, connection)
        cursor.execute("SELECT COUNT(*) FROM crisisplan_datakey WHERE id = %s", [db_id])
        assert cursor.fetchone()[0] == 0
    # The audit trail outlives the client.
    actions = set(AuditEvent.objects.for_client(client.pk).values_list("action", flat=True))
    assert {"create", "delete"} <= actions
    assert alice_client.get(reverse("clients:detail", args=[client.pk])).status_code == 404


def test_deleting_through_a_queryset_also_shreds(alice: Any) -> None:
    make_client(alice)
    make_client(alice)
    Client.objects.filter(therapist=alice).delete()
    assert not Client.objects.exists() and not DataKey.objects.exists()
