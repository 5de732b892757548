"""Searching client names through the blind index: no name is decrypted to search, the
index holds no name, and it follows name changes and key rotation."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
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
    assert len(response.context["page"].object_list) == PAGE_SIZE
    assert response.context["page"].has_next()  # found by one row more, never decrypted
    assert decryption_count() - before == 2 * PAGE_SIZE


def test_a_search_does_not_count_its_matches(alice_client: HttpClient, alice: Any) -> None:
    """Half of a practice of 10,000 can match a short prefix: the page reads one row more
    than it shows, so its cost does not grow with the number of matches."""
    make_clients(alice, PAGE_SIZE + 10)
    alice_client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        alice_client.get(URL, {"q": "bulk"})
    client_rows = [q["sql"] for q in queries if 'FROM "clients_client"' in q["sql"]]
    assert not [sql for sql in client_rows if "COUNT(" in sql.upper()], client_rows
    assert [sql for sql in client_rows if f"LIMIT {PAGE_SIZE + 1}" in sql], client_rows


def test_search_pages_say_more_follow_and_reach_them(alice_client: HttpClient, alice: Any) -> None:
    make_clients(alice, PAGE_SIZE + 3)
    make_client(alice, preferred_name="Other")
    first = alice_client.get(URL, {"q": "bulk"}).content.decode()
    assert first.count('<th scope="row">') == PAGE_SIZE
    assert "More clients match than this page shows" in first
    assert 'href="?q=bulk&amp;page=2">Next page</a>' in first
    assert "<span>Page 1</span>" in first and "Previous page" not in first
    second = alice_client.get(URL, {"q": "bulk", "page": "2"}).content.decode()
    assert second.count('<th scope="row">') == 3
    assert "More clients match" not in second and "Next page" not in second
    assert 'href="?q=bulk&amp;page=1">Previous page</a>' in second
    assert "<span>Page 2</span>" in second
    # A page past the end (an old link) or not a page number: the first page.
    for page in ("3", "0", "x", "99999999999999999999"):
        content = alice_client.get(URL, {"q": "bulk", "page": page}).content.decode()
        assert "<span>Page 1</span>" in content, page
    # Archived clients are searched apart, with their own pages.
    archived = alice_client.get(URL, {"q": "bulk", "archived": "1"}).content.decode()
    assert "No archived client has a name starting with" in archived
    # Matches that fit one page: no page links, no "more".
    one = alice_client.get(URL, {"q": "other"}).content.decode()
    assert one.count('<th scope="row">') == 1
    assert "pagination" not in one and "More clients match" not in one


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
