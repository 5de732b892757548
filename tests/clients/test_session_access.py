"""Every URL of the emergency in a session (check-in, Emergency page, crisis events,
follow-ups): the owner gets it, another therapist and the curator get 404 with nothing
changed, a missing client is 404 alike, anonymous is sent to login, and the wrong HTTP
method is refused."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.models import CheckIn, Client, CrisisEvent, FollowUp
from crisisplan.core.models import AuditEvent
from tests.factory import make_client

pytestmark = pytest.mark.django_db

MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def record(alice: Any) -> Client:
    client = make_client(alice, preferred_name="Owned by Alice")
    CheckIn.objects.record(client, alice, country="GB", subdivision="GB-ENG", place="Flat 2")
    return client


@pytest.fixture
def follow_up(alice: Any, record: Client) -> FollowUp:
    return FollowUp.objects.schedule(record, alice, [timezone.localdate()], FollowUp.Reason.MANUAL)[
        0
    ]


def urls(record: Client, follow_up: FollowUp) -> list[tuple[str, str, str, dict]]:
    """(url, the method that works, a method that is refused, POST data)."""
    pk = record.pk

    def url(name: str, *more: Any) -> str:
        return reverse(f"clients:{name}", args=[pk, *more])

    return [
        (url("check_in"), "get", "delete", {}),
        (url("check_in"), "post", "put", {"country": "FR", "company": "alone"}),
        (url("check_in_again"), "post", "get", {}),
        (url("emergency"), "get", "post", {}),
        (url("crisis_event_add"), "get", "put", {}),
        (
            url("crisis_event_add"),
            "post",
            "delete",
            {"occurred_at": "2024-05-01T10:00", "actions": "Called 999"},
        ),
        (url("follow_ups_schedule"), "get", "delete", {}),
        (url("follow_ups_schedule"), "post", "put", {"due_1": "2099-01-01"}),
        (url("follow_up_record", follow_up.pk), "get", "put", {}),
        (
            url("follow_up_record", follow_up.pk),
            "post",
            "delete",
            {"outcome": "reached", "method": "phone"},
        ),
        (url("follow_up_cancel", follow_up.pk), "post", "get", {}),
    ]


def counts() -> tuple[int, int, int]:
    return CheckIn.objects.count(), CrisisEvent.objects.count(), FollowUp.objects.count()


def test_the_owner_gets_every_page(
    client: HttpClient, alice: Any, record: Client, follow_up: FollowUp
) -> None:
    client.force_login(alice)
    for url, method, _wrong, data in urls(record, follow_up):
        if "cancel" in url:
            continue  # cancelling removes the follow-up the record URLs need: below
        response = getattr(client, method)(url, data)
        assert response.status_code == (200 if method == "get" else 302), (url, method)
    response = client.post(reverse("clients:follow_up_cancel", args=[record.pk, follow_up.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("intruder", ["bob", "carol"])
def test_another_therapist_and_the_curator_get_404_and_change_nothing(
    request: pytest.FixtureRequest,
    client: HttpClient,
    record: Client,
    follow_up: FollowUp,
    intruder: str,
) -> None:
    client.force_login(request.getfixturevalue(intruder))
    before, audit_before = counts(), AuditEvent.objects.count()
    for url, method, _wrong, data in urls(record, follow_up):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (url, method)
        assert b"Owned by Alice" not in response.content
    assert counts() == before and AuditEvent.objects.count() == audit_before
    follow_up.refresh_from_db()
    assert follow_up.done_at is None


def test_a_missing_client_is_404_like_anothers(
    alice_client: HttpClient, record: Client, follow_up: FollowUp
) -> None:
    for url, method, _wrong, data in urls(record, follow_up):
        missing = url.replace(str(record.pk), MISSING)
        assert getattr(alice_client, method)(missing, data).status_code == 404, missing


def test_a_follow_up_of_another_client_is_404(
    alice_client: HttpClient, alice: Any, follow_up: FollowUp
) -> None:
    other = make_client(alice)
    url = reverse("clients:follow_up_record", args=[other.pk, follow_up.pk])
    assert alice_client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(
    client: HttpClient, record: Client, follow_up: FollowUp
) -> None:
    before = counts()
    for url, method, _wrong, data in urls(record, follow_up):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    assert counts() == before


def test_the_wrong_method_is_refused(
    alice_client: HttpClient, record: Client, follow_up: FollowUp
) -> None:
    before = counts()
    for url, _method, wrong, _data in urls(record, follow_up):
        assert getattr(alice_client, wrong)(url).status_code == 405, (url, wrong)
    assert counts() == before


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.references: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name in ("aria-describedby", "aria-labelledby") and value:
                self.references += value.split()


def test_help_texts_and_errors_reach_screen_readers(
    alice_client: HttpClient, record: Client, follow_up: FollowUp
) -> None:
    """Every aria-describedby and aria-labelledby on these pages, errors shown too, names
    an element that exists, and no id is used twice."""
    for url, method, _wrong, _data in urls(record, follow_up):
        if "again" in url or "cancel" in url:
            continue  # no page of their own
        bad = {"country": "", "phone": "call me", "occurred_at": "soon", "due_1": "x"}
        response = alice_client.get(url) if method == "get" else alice_client.post(url, bad)
        assert response.status_code == 200, url
        parser = _References()
        parser.feed(response.content.decode())
        missing = set(parser.references) - set(parser.ids)
        assert not missing, f"{url} ({method}) points at no element: {sorted(missing)}"
        assert len(parser.ids) == len(set(parser.ids)), f"{url} ({method}): duplicate ids"
    for page in (reverse("clients:dashboard"), reverse("clients:detail", args=[record.pk])):
        parser = _References()
        parser.feed(alice_client.get(page).content.decode())
        assert set(parser.references) <= set(parser.ids), page
