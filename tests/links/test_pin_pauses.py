"""Wrong PINs pause a link, for longer each time in a row (15 minutes, an hour, a day);
the therapist sees the pause on the dashboard and can end it there (audited)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from crisisplan.core.models import AuditEvent
from crisisplan.links.models import LinkOpen, PrivateLink
from crisisplan.plans.models import Plan
from tests.factory import full_content, make_client, make_published_plan, make_service

pytestmark = pytest.mark.django_db

PIN = "2468"


@pytest.fixture
def plan(alice: Any) -> Plan:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    return make_published_plan(
        make_client(alice, preferred_name="Robin", country="GB"), full_content(1)
    )


def issue(plan: Plan) -> str:
    _link, token = PrivateLink.issue(plan, plan.client.therapist, pin=PIN)
    return reverse("links:landing", args=[token])


def wrong_tries(path: str, count: int = PrivateLink.PIN_FAILURE_LIMIT) -> list[Any]:
    return [HttpClient().post(path, {"pin": "0000"}) for _ in range(count)]


def end_the_pause() -> None:
    PrivateLink.objects.update(locked_until=timezone.now() - timedelta(seconds=1))


def paused_for() -> timedelta:
    return PrivateLink.objects.get().locked_until - timezone.now()


def test_each_pause_in_a_row_lasts_longer(plan: Plan) -> None:
    path = issue(plan)
    lengths = []
    for _pause in range(4):
        answers = wrong_tries(path)
        assert [a.status_code for a in answers] == [403] * 5
        # Every one of the five was checked, and said so; the fifth also paused the link.
        assert all("That PIN is not right." in a.content.decode() for a in answers)
        assert "paused" in answers[-1].content.decode()
        # Paused: the next try is not even checked, the right PIN included.
        refused = HttpClient().post(path, {"pin": PIN})
        assert refused.status_code == 403 and "not right" not in refused.content.decode()
        lengths.append(paused_for())
        end_the_pause()
    expected = [timedelta(minutes=15), timedelta(hours=1), timedelta(hours=24), timedelta(hours=24)]
    for length, want in zip(lengths, expected, strict=True):
        assert want - timedelta(minutes=1) < length <= want
    assert PrivateLink.objects.get().pin_pauses == 4
    assert not LinkOpen.objects.exists()


def test_the_right_pin_starts_the_pauses_again(plan: Plan) -> None:
    path = issue(plan)
    wrong_tries(path)
    end_the_pause()
    wrong_tries(path, 4)
    assert HttpClient().post(path, {"pin": PIN}).status_code == 302
    link = PrivateLink.objects.get()
    assert (link.failed_pin_attempts, link.pin_pauses, link.locked_until) == (0, 0, None)
    wrong_tries(path)
    assert timedelta(minutes=14) < paused_for() <= timedelta(minutes=15)


def test_a_pause_that_ended_gives_five_new_tries(plan: Plan) -> None:
    path = issue(plan)
    wrong_tries(path)
    end_the_pause()
    answers = wrong_tries(path, 4)
    assert "1 try left before the link pauses" in answers[-1].content.decode()
    assert not PrivateLink.objects.get().is_locked()


def test_the_dashboard_shows_the_pause_and_unlocks_it(
    alice_client: HttpClient, plan: Plan, alice: Any
) -> None:
    path = issue(plan)
    dashboard = alice_client.get(reverse("clients:dashboard")).content.decode()
    unlock = reverse("links:unlock", args=[plan.client.pk])
    assert f'action="{unlock}"' not in dashboard  # nothing to unlock yet
    wrong_tries(path)
    wrong_tries(path, 1)  # refused: paused
    dashboard = alice_client.get(reverse("clients:dashboard")).content.decode()
    assert ">Paused<" in dashboard
    assert f'action="{unlock}"' in dashboard
    response = alice_client.post(unlock, {"from": "dashboard"})
    assert response.status_code == 302 and response["Location"] == reverse("clients:dashboard")
    link = PrivateLink.objects.get()
    assert not link.is_locked() and link.pin_pauses == 0 and link.failed_pin_attempts == 0
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LINK_UNLOCK).get()
    assert event.actor == alice and event.client_id == plan.client.pk
    assert HttpClient().post(path, {"pin": PIN}).status_code == 302


def test_the_link_page_says_how_many_pauses_in_a_row(alice_client: HttpClient, plan: Plan) -> None:
    path = issue(plan)
    wrong_tries(path)
    end_the_pause()
    wrong_tries(path)
    page = alice_client.get(reverse("links:manage", args=[plan.client.pk])).content.decode()
    assert "2 pauses in a row" in page
    assert "Unlock the link" in page


def test_unlocking_is_for_the_clients_therapist_only(
    client: HttpClient, bob: Any, plan: Plan
) -> None:
    path = issue(plan)
    wrong_tries(path)
    client.force_login(bob)
    assert client.post(reverse("links:unlock", args=[plan.client.pk])).status_code == 404
    assert PrivateLink.objects.get().is_locked()
