"""Searching client names through the blind index: no name is decrypted to search, the
index holds no name, and it follows name changes and key rotation."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client, ClientSearchToken
from clients.views import PAGE_SIZE
from crisisplan.core import blindindex
from crisisplan.core.encryption import decryption_count
from crisisplan.core.keys import generate_entry, parse_keyring
from tests.factory import make_client, make_clients

pytestmark = pytest.mark.django_db
URL = reverse("clients:dashboard")


def names_found(http: HttpClient, query: str) -> list[str]:
    response = http.get(URL, {"q": query})
    assert response.status_code == 200
    return sorted(c.preferred_name for c in response.context["page"].object_list)


def test_every_word_matches_the_start_of_a_name_word(alice_client: HttpClient, alice: Any) -> None:
    make_client(alice, preferred_name="Rana", full_name="Rana Haddad")
    make_client(alice, preferred_name="Hadi", full_name="Hadi Nasser")
    make_client(alice, preferred_name="Ünal", full_name="Ünal Öztürk")
    assert names_found(alice_client, "ha") == ["Hadi", "Rana"]
    assert names_found(alice_client, "rana had") == ["Rana"]
    assert names_found(alice_client, "HADDAD rana") == ["Rana"]
    assert names_found(alice_client, "unal ozt") == ["Ünal"]
    assert names_found(alice_client, "addad") == []  # inside a word: not a prefix
    assert names_found(alice_client, "rana nasser") == []  # every word must match


def test_the_index_holds_no_name_and_differs_per_therapist(alice: Any, bob: Any) -> None:
    rana = make_client(alice, preferred_name="Rana", full_name="Rana Haddad")
    other = make_client(bob, preferred_name="Rana", full_name="Rana Haddad")
    mine = set(rana.search_tokens.values_list("token", flat=True))
    theirs = set(other.search_tokens.values_list("token", flat=True))
    # "r", "ra", "ran", "rana", "h", ..., "haddad": 10 prefixes
    assert len(mine) == len(theirs) == 10
    assert not mine & theirs  # same name, unlinkable across therapists
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM clients_clientsearchtoken")
        stored = " ".join(row[0] for row in cursor.fetchall()).lower()
    assert "rana" not in stored and "hadd" not in stored


def test_a_renamed_client_is_found_by_the_new_name_only(
    alice_client: HttpClient, alice: Any
) -> None:
    client = make_client(alice, preferred_name="Robin", full_name="Robin Old")
    client.preferred_name, client.full_name = "Kai", "Kai New"
    client.save_changes(alice, ["preferred_name", "full_name"])
    assert names_found(alice_client, "robin") == []
    assert names_found(alice_client, "kai new") == ["Kai"]


def test_a_search_decrypts_only_the_shown_page(alice_client: HttpClient, alice: Any) -> None:
    make_clients(alice, 300)
    alice_client.get(URL)  # warm the session
    before = decryption_count()
    response = alice_client.get(URL, {"q": "bulk client"})
    assert response.context["page"].paginator.count == 300
    assert decryption_count() - before == 2 * PAGE_SIZE


def test_search_survives_rotation_and_the_old_key_retires(
    alice_client: HttpClient, alice: Any, settings: Any
) -> None:
    old, new = generate_entry("old"), generate_entry("new")
    settings.ENCRYPTION_KEYRING = parse_keyring(old)
    make_client(alice, preferred_name="Noor", full_name="Noor Saleh")
    settings.ENCRYPTION_KEYRING = parse_keyring(f"{new},{old}")
    assert names_found(alice_client, "noor") == ["Noor"]  # mid-rotation: old tokens match
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    assert set(ClientSearchToken.objects.values_list("key_id", flat=True)) == {"new"}
    settings.ENCRYPTION_KEYRING = parse_keyring(new)
    assert names_found(alice_client, "noor sal") == ["Noor"]


def test_rotation_indexes_clients_that_have_no_tokens_yet(alice: Any) -> None:
    client = make_client(alice, preferred_name="Lea")
    ClientSearchToken.objects.all().delete()  # e.g. made before the index existed
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "Search index: 1 client(s) re-indexed" in out.getvalue()
    assert Client.objects.matching(alice, "le").get() == client


def test_query_tokens_cover_every_key_and_cut_long_words() -> None:
    keyring = parse_keyring(f"{generate_entry('a')},{generate_entry('b')}")
    (tokens,) = blindindex.query_tokens(keyring, "scope", "Abcdefghijklmnopqrstuvwxyz")
    assert len(tokens) == 2
    _key_id, indexed = blindindex.index_tokens(keyring, "scope", ["abcdefghijklmnopqrstuvwxyz"])
    assert len(indexed) == blindindex.MAX_PREFIX
    assert tokens & indexed
