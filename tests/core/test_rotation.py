"""rotate_encryption_keys: re-wrap every data key under the current KEK."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from clients.models import Client
from crisisplan.core.keys import generate_entry, parse_keyring
from crisisplan.core.models import AuditEvent, DataKey
from tests.factory import make_client

pytestmark = pytest.mark.django_db

OLD = generate_entry("old")
NEW = generate_entry("new")


def rotate(**options: Any) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out, **options)
    return out.getvalue()


def test_after_rotation_the_old_key_can_be_retired(alice: Any, settings: Any) -> None:
    settings.ENCRYPTION_KEYRING = parse_keyring(OLD)
    clients = [make_client(alice, notes=f"note {n}") for n in range(5)]

    settings.ENCRYPTION_KEYRING = parse_keyring(f"{NEW},{OLD}")
    output = rotate(batch_size=2)
    assert "5 data key(s) to re-wrap under key id 'new'" in output
    assert "2/5 re-wrapped" in output and "4/5 re-wrapped" in output
    assert "Done: 5 data key(s) re-wrapped" in output
    assert set(DataKey.objects.values_list("kek_id", flat=True)) == {"new"}

    settings.ENCRYPTION_KEYRING = parse_keyring(NEW)
    for n, client in enumerate(clients):
        assert Client.objects.select_related("data_key").get(pk=client.pk).notes == f"note {n}"
    event = AuditEvent.objects.get(action="key_rotation")
    assert event.detail == {"kek_id": "new", "rewrapped": 5}


def test_rotation_is_resumable_and_idempotent(alice: Any, settings: Any) -> None:
    settings.ENCRYPTION_KEYRING = parse_keyring(OLD)
    make_client(alice)
    settings.ENCRYPTION_KEYRING = parse_keyring(f"{NEW},{OLD}")
    make_client(alice)  # already under the new key
    assert "1 data key(s) to re-wrap" in rotate()
    assert "0 data key(s) to re-wrap" in rotate()


def test_a_key_wrapped_by_an_unknown_kek_stops_with_its_id(alice: Any, settings: Any) -> None:
    settings.ENCRYPTION_KEYRING = parse_keyring(OLD)
    make_client(alice)
    settings.ENCRYPTION_KEYRING = parse_keyring(NEW)
    with pytest.raises(CommandError, match="wrapped with key id 'old', which is not in"):
        rotate()
    assert DataKey.objects.get().kek_id == "old"
