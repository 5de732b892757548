"""The therapist's dashboard: own active clients, search, archived list, query budget."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.views import PAGE_SIZE
from crisisplan.core.encryption import decryption_count
from tests.factory import make_client, make_clients

pytestmark = pytest.mark.django_db

URL = reverse("clients:dashboard")


def test_lists_only_own_active_clients(alice_client: HttpClient, alice: Any, bob: Any) -> None:
    make_client(alice, preferred_name="Amira")
    archived = make_client(alice, preferred_name="Archie")
    archived.archive(alice)
    make_client(bob, preferred_name="Bobs Client")
    response = alice_client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Amira" in content
    assert "Archie" not in content
    assert "Bobs Client" not in content
    assert 'href="/clients/add/"' in content


def test_archived_toggle(alice_client: HttpClient, alice: Any) -> None:
    make_client(alice, preferred_name="Amira")
    make_client(alice, preferred_name="Archie").archive(alice)
    content = alice_client.get(URL, {"archived": "1"}).content.decode()
    assert "Archie" in content and "Amira" not in content
    assert "Archived clients" in content


def test_search_by_preferred_or_full_name_ignoring_case_and_accents(
    alice_client: HttpClient, alice: Any
) -> None:
    make_client(alice, preferred_name="Zoë", full_name="Zoë Haddad")
    make_client(alice, preferred_name="Sam", full_name="Samuel Okafor")
    content = alice_client.get(URL, {"q": "zoe"}).content.decode()
    assert "Zoë" in content and "Sam" not in content
    content = alice_client.get(URL, {"q": "OKAFOR"}).content.decode()
    assert "Samuel Okafor" in content and "Zoë" not in content
    content = alice_client.get(URL, {"q": "nobody"}).content.decode()
    assert "name starting with “nobody”" in content


def test_search_never_finds_another_therapists_client(alice_client: HttpClient, bob: Any) -> None:
    make_client(bob, preferred_name="Hidden Person")
    assert b"Hidden Person" not in alice_client.get(URL, {"q": "hidden"}).content


def test_empty_dashboard_invites_to_add(alice_client: HttpClient) -> None:
    assert "You have no clients yet" in alice_client.get(URL).content.decode()


def queries_for(http: HttpClient, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(URL, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_same_number_of_queries_with_1_and_200_clients(
    alice_client: HttpClient, alice: Any, django_assert_num_queries: Any
) -> None:
    make_clients(alice, 1)
    alice_client.get(URL)  # warm the session
    one = queries_for(alice_client)
    make_clients(alice, 199)
    with django_assert_num_queries(one):
        response = alice_client.get(URL)
    assert response.content.decode().count('href="/clients/') >= PAGE_SIZE
    # and a search too
    searching = queries_for(alice_client, {"q": "bulk"})
    make_clients(alice, 10)
    with django_assert_num_queries(searching):
        alice_client.get(URL, {"q": "bulk"})


def test_500_clients_decrypt_only_the_shown_page(alice_client: HttpClient, alice: Any) -> None:
    make_clients(alice, 500)
    alice_client.get(URL)  # warm the session
    before = decryption_count()
    response = alice_client.get(URL)
    decrypted = decryption_count() - before
    assert response.status_code == 200
    # Each row shows the preferred and the full name: two values for each shown client.
    assert decrypted == 2 * PAGE_SIZE
    assert "Page 1 of 10" in response.content.decode()


def test_pages_navigate(alice_client: HttpClient, alice: Any) -> None:
    make_clients(alice, PAGE_SIZE + 3)
    content = alice_client.get(URL, {"page": "2"}).content.decode()
    assert "Page 2 of 2" in content
    assert content.count('<th scope="row">') == 3
