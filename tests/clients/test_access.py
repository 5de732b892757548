"""Every client URL: the owner gets it, another therapist and the curator get 404,
anonymous is sent to login, and the wrong HTTP method is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client
from tests.factory import make_client

pytestmark = pytest.mark.django_db

# (url name, methods that work, a method that is refused, POST data)
CLIENT_URLS = [
    ("clients:detail", "get", "post", {}),
    ("clients:edit", "get", "delete", {}),
    ("clients:events", "get", "post", {}),
    ("clients:archive", "post", "get", {}),
    ("clients:unarchive", "post", "get", {}),
    ("clients:delete", "get", "put", {}),
]


@pytest.fixture
def record(alice: Any) -> Client:
    return make_client(alice, preferred_name="Owned by Alice")


def call(http: HttpClient, method: str, url: str, data: dict | None = None) -> Any:
    return getattr(http, method)(url, data or {})


@pytest.mark.parametrize(("name", "method", "wrong", "data"), CLIENT_URLS)
def test_owner_gets_the_page(
    client: HttpClient, alice: Any, record: Client, name: str, method: str, wrong: str, data: dict
) -> None:
    client.force_login(alice)
    response = call(client, method, reverse(name, args=[record.pk]), data)
    assert response.status_code == (200 if method == "get" else 302)


@pytest.mark.parametrize(("name", "method", "wrong", "data"), CLIENT_URLS)
@pytest.mark.parametrize("intruder", ["bob", "carol"])
def test_another_therapist_and_the_curator_get_404(
    request: pytest.FixtureRequest,
    client: HttpClient,
    record: Client,
    intruder: str,
    name: str,
    method: str,
    wrong: str,
    data: dict,
) -> None:
    client.force_login(request.getfixturevalue(intruder))
    response = call(client, method, reverse(name, args=[record.pk]), data)
    assert response.status_code == 404
    assert b"Owned by Alice" not in response.content
    record.refresh_from_db()
    assert record.archived_at is None and Client.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize(("name", "method", "wrong", "data"), CLIENT_URLS)
def test_missing_client_is_404_like_anothers(
    alice_client: HttpClient, name: str, method: str, wrong: str, data: dict
) -> None:
    url = reverse(name, args=["00000000-0000-4000-8000-000000000000"])
    assert call(alice_client, method, url, data).status_code == 404


@pytest.mark.parametrize(("name", "method", "wrong", "data"), CLIENT_URLS)
def test_anonymous_is_sent_to_login(
    client: HttpClient, record: Client, name: str, method: str, wrong: str, data: dict
) -> None:
    url = reverse(name, args=[record.pk])
    response = call(client, method, url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "method", "wrong", "data"), CLIENT_URLS)
def test_wrong_method_is_refused(
    alice_client: HttpClient, record: Client, name: str, method: str, wrong: str, data: dict
) -> None:
    assert call(alice_client, wrong, reverse(name, args=[record.pk])).status_code == 405


@pytest.mark.parametrize(("name", "wrong"), [("clients:dashboard", "post"), ("clients:add", "put")])
def test_pages_without_a_client(client: HttpClient, alice: Any, name: str, wrong: str) -> None:
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(alice)
    assert client.get(url).status_code == 200
    assert call(client, wrong, url).status_code == 405


def test_curator_sees_no_client_in_the_admin(
    client: HttpClient, carol: Any, record: Client
) -> None:
    client.force_login(carol)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert b"Owned by Alice" not in response.content
    assert b"/admin/clients/" not in response.content
    assert client.get(f"/admin/clients/client/{record.pk}/change/").status_code == 404
    assert client.get("/admin/crisisplan/datakey/").status_code == 404


def test_superuser_admin_shows_no_client_contents(client: HttpClient, record: Client) -> None:
    from crisisplan.core.models import User

    admin = User.objects.create_superuser("root@example.com", "a long admin password")
    client.force_login(admin)
    for url in ("/admin/", "/admin/crisisplan/auditevent/"):
        response = client.get(url)
        assert response.status_code == 200
        assert b"Owned by Alice" not in response.content
