"""A NUL character in a query string is bad input: a plain 400 page on every page,
never a 500 (PostgreSQL cannot compare text holding NUL) and never a trace."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from crisisplan.links.models import PrivateLink
from tests.factory import editor_form_data, full_content, make_client, make_plan

pytestmark = pytest.mark.django_db

NUL = "%00"


@pytest.fixture
def pages(alice: Any) -> list[str]:
    record = make_client(alice, preferred_name="Robin", country="GB")
    plan = make_plan(record, full_content(1), full_content(2))
    plan.publish(plan.version(1), alice)
    _link, token = PrivateLink.issue(plan, alice)
    pk = record.pk
    return [
        reverse("clients:dashboard") + f"?q={NUL}",
        reverse("clients:dashboard") + f"?q=Rob{NUL}in",
        reverse("clients:dashboard") + f"?{NUL}=1",
        reverse("clients:detail", args=[pk]) + f"?x={NUL}",
        reverse("clients:check_in", args=[pk]) + f"?country={NUL}",
        reverse("clients:emergency", args=[pk]) + f"?x={NUL}",
        reverse("plans:edit", args=[pk]) + f"?x={NUL}",
        reverse("plans:compare", args=[pk]) + f"?a=1{NUL}&b=2",
        reverse("plans:directory_search", args=[pk]) + f"?q={NUL}",
        reverse("links:manage", args=[pk]) + f"?x={NUL}",
        reverse("hotlines:index") + f"?q={NUL}",
        reverse("hotlines:index") + f"?country=G{NUL}B",
        reverse("hotlines:regions") + f"?country={NUL}",
        reverse("login") + f"?next=/{NUL}",
        reverse("account:index") + f"?x={NUL}",
        "/admin/hotlines/service/" + f"?q={NUL}",
        f"/p/{token}/?country={NUL}",
        f"/p/{token}/plan/?kept=1{NUL}",
        f"/p/unknown/?x={NUL}",
    ]


def test_a_nul_in_the_query_string_gets_a_plain_400(
    verified_client: HttpClient, pages: list[str]
) -> None:
    verified_client.raise_request_exception = False
    for url in pages:
        response = verified_client.get(url)
        assert response.status_code == 400, url
        page = response.content.decode()
        assert "It contains a character that is not allowed" in page, url
        assert "Traceback" not in page and "Robin" not in page
        assert 'href="tel:112"' in page  # never a dead end
    # The same pages without the NUL answer as usual.
    assert verified_client.get(reverse("clients:dashboard") + "?q=Rob").status_code == 200


def test_anonymous_gets_the_same_400(client: HttpClient, db: None) -> None:
    response = client.get(reverse("clients:dashboard") + f"?q={NUL}")
    assert response.status_code == 400


def test_a_nul_in_the_editors_directory_search_finds_nothing_and_keeps_the_plan(
    alice_client: HttpClient, alice: Any
) -> None:
    """The search is a button of the editor's form (a POST, without JavaScript): a NUL
    in it reached the database as a 500 and lost what was typed."""
    record = make_client(alice, preferred_name="Robin", country="GB")
    make_plan(record, full_content(1))
    data = editor_form_data(full_content(1), base=1)
    data["warning_signs-0-text"] = "Typed, not saved yet"
    data.update({"directory_search": "1", "directory_q": "Sam\x00aritans"})
    response = alice_client.post(reverse("plans:edit", args=[record.pk]), data)
    assert response.status_code == 200
    assert "Typed, not saved yet" in response.content.decode()
