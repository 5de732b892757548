"""Stored data whose key is not in ENCRYPTION_KEYS: a clear error naming the key id,
never a blank value and never a stack trace or client data on the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from crisisplan.core.keys import generate_entry, parse_keyring
from tests.factory import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def orphaned(alice: Any, settings: Any) -> Any:
    """A client whose data key is wrapped by 'k1', a key later removed from the keyring."""
    settings.ENCRYPTION_KEYRING = parse_keyring(generate_entry("k1"))
    client = make_client(alice, preferred_name="Secret Sunita", notes="private")
    settings.ENCRYPTION_KEYRING = parse_keyring(generate_entry("k2"))
    return client


@pytest.mark.parametrize("name", ["clients:detail", "clients:edit"])
def test_page_names_the_missing_key_id(alice_client: HttpClient, orphaned: Any, name: str) -> None:
    alice_client.raise_request_exception = False
    response = alice_client.get(reverse(name, args=[orphaned.pk]))
    assert response.status_code == 500
    content = response.content.decode()
    assert "wrapped with key id &#x27;k1&#x27;, which is not in ENCRYPTION_KEYS" in content
    assert "Secret Sunita" not in content and "private" not in content
    assert "Traceback" not in content


def test_the_dashboard_lists_the_record_as_unreadable(
    alice_client: HttpClient, orphaned: Any
) -> None:
    """The dashboard is not taken down by it (tests/clients/test_unreadable_records.py)."""
    response = alice_client.get(reverse("clients:dashboard"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "name could not be read" in content
    assert "Secret Sunita" not in content and "private" not in content


def test_search_never_shows_the_unreadable_record(alice_client: HttpClient, orphaned: Any) -> None:
    # Its name's search tokens were made with the retired key: a search matches nothing
    # rather than decrypting (and never shows a blank or ciphertext).
    response = alice_client.get(reverse("clients:dashboard"), {"q": "sun"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Secret Sunita" not in content and "starting with “sun”" in content


def test_other_pages_still_work(alice_client: HttpClient, orphaned: Any, alice: Any) -> None:
    # Archiving and deleting need no decryption of the record's contents... but their
    # pages show the name, so the delete page fails closed too; archiving works.
    response = alice_client.post(reverse("clients:archive", args=[orphaned.pk]))
    assert response.status_code == 302
