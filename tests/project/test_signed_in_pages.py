"""Every page a signed-in therapist gets is kept out of caches (Cache-Control: no-store,
private), and no page title names a client: browser history, tab lists and a shared
computer's next user see titles.

The walk is generic: every URL pattern of the project that a GET can reach, filled in
with a client of the therapist's that has a plan, a private link, a check-in, a crisis
event and a follow-up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from clients.models import CheckIn, CrisisEvent, FollowUp
from crisisplan.links.models import PrivateLink
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = pytest.mark.django_db

NAME = "Zebracanary"
FULL_NAME = "Quokkafull"


def named_patterns(
    resolvers: list[Any] | None = None, namespace: str = ""
) -> list[tuple[str, list[str]]]:
    """(URL name with its namespace, the names of its arguments) of every named pattern."""
    found = []
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += named_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            arguments = list(getattr(entry.pattern, "converters", {}).keys())
            found.append((f"{namespace}{entry.name}", arguments))
    return found


@pytest.fixture
def arguments(alice: Any) -> dict[str, Any]:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    record = make_client(alice, preferred_name=NAME, full_name=f"{NAME} {FULL_NAME}", country="GB")
    plan = make_plan(record, full_content(1), full_content(2))
    plan.publish(plan.version(1), alice)
    _link, token = PrivateLink.issue(plan, alice)
    CheckIn.objects.record(record, alice, country="GB", place=f"{NAME} street")
    CrisisEvent.objects.record(record, alice, occurred_at=timezone.now(), actions=f"{NAME} x")
    follow_up = FollowUp.objects.filter(client=record).first()  # from the first publication
    return {
        "pk": record.pk,
        "client_pk": record.pk,
        "number": 1,
        "token": token,
        "follow_up_pk": follow_up.pk,
    }


def test_every_signed_in_page_is_not_stored_and_names_no_client_in_its_title(
    verified_client: HttpClient, arguments: dict[str, Any]
) -> None:
    pages = 0
    for name, names in named_patterns():
        if name.startswith("admin:") or any(arguments.get(n) is None for n in names):
            continue
        try:
            url = reverse(name, kwargs={n: arguments[n] for n in names})
        except NoReverseMatch:  # an integer pk (a service, a device): no client data
            continue
        response = verified_client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            continue
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        # The client's link pages (/p/) keep their own no-store (tested with them).
        wanted = {"no-store"} if url.startswith("/p/") else {"no-store", "private"}
        assert wanted <= control, (url, response["Cache-Control"])
        title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
        if title:
            assert NAME not in title.group(1) and FULL_NAME not in title.group(1), url
        pages += 1
    # The walk really read the pages with client data: dashboard, client, plan, link...
    assert pages >= 15


def test_the_client_page_names_the_client_in_its_heading_not_its_title(
    verified_client: HttpClient, arguments: dict[str, Any]
) -> None:
    page = verified_client.get(reverse("clients:detail", args=[arguments["pk"]]))
    html = page.content.decode()
    assert NAME in html  # the page itself shows who it is about
    assert NAME not in re.search(r"<title>(.*?)</title>", html, re.S).group(1)
