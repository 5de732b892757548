"""One client whose data does not decrypt (a corrupted data key) takes down no page but
its own: the dashboard lists the others with that row marked "could not be read", the
link pages still let the therapist see, replace, revoke and unlock the link, and every
page says "could not be read" for that record, never a trace, a blank or ciphertext."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.models import FollowUp
from crisisplan.core.models import DataKey
from crisisplan.links.models import PrivateLink
from tests.factory import full_content, make_client, make_plan

pytestmark = pytest.mark.django_db

UNREADABLE = "could not be read"


def corrupt_data_key(record: Any) -> None:
    """Flip one bit of the client's wrapped data key, as a damaged row or backup would."""
    wrapped = bytearray(DataKey.objects.get(pk=record.data_key_id).wrapped)
    wrapped[-1] ^= 1
    DataKey.objects.filter(pk=record.data_key_id).update(wrapped=bytes(wrapped))


@pytest.fixture
def records(alice: Any) -> dict[str, Any]:
    readable = [make_client(alice, preferred_name=name) for name in ("Anna", "Bea")]
    broken = make_client(alice, preferred_name="Zebracanary", full_name="Zebracanary Full")
    plan = make_plan(broken, full_content(1))
    plan.publish(plan.version(1), alice)
    PrivateLink.issue(plan, alice, pin="2468")
    FollowUp.objects.schedule(broken, alice, [timezone.localdate()], FollowUp.Reason.MANUAL)
    FollowUp.objects.schedule(readable[0], alice, [timezone.localdate()], FollowUp.Reason.MANUAL)
    corrupt_data_key(broken)
    return {"readable": readable, "broken": broken}


def assert_fails_closed(html: str) -> None:
    assert "Zebracanary" not in html
    assert "Traceback" not in html
    assert "\\x" not in html and "b'" not in html  # no bytes, no ciphertext


def test_the_dashboard_shows_the_others_and_marks_the_one_row(
    alice_client: HttpClient, records: dict[str, Any]
) -> None:
    response = alice_client.get(reverse("clients:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Anna" in html and "Bea" in html
    assert html.count(UNREADABLE) >= 2  # its row, and its follow-up due today
    broken = records["broken"]
    row = html[html.index(f'href="/clients/{broken.pk}/"') :]
    row = row[: row.index("</tr>")]
    assert UNREADABLE in row
    # Its row still leads to its pages: the Emergency page and the link.
    assert reverse("clients:emergency", args=[broken.pk]) in row
    assert reverse("links:manage", args=[broken.pk]) in row
    assert_fails_closed(html)


def test_the_link_pages_still_work_for_that_record(
    alice_client: HttpClient, records: dict[str, Any]
) -> None:
    broken = records["broken"]
    link = PrivateLink.objects.get()
    PrivateLink.objects.filter(pk=link.pk).update(
        locked_until=timezone.now() + timezone.timedelta(minutes=10)
    )
    for name in ("links:manage", "links:replace", "links:revoke"):
        response = alice_client.get(reverse(name, args=[broken.pk]))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert UNREADABLE in html
        assert_fails_closed(html)
    # The therapist can still unlock, revoke and replace the client's link.
    assert alice_client.post(reverse("links:unlock", args=[broken.pk])).status_code == 302
    assert not PrivateLink.objects.get().is_locked()
    response = alice_client.post(reverse("links:revoke", args=[broken.pk]), {"link": str(link.pk)})
    assert response.status_code == 302
    assert PrivateLink.objects.get().revoked_at is not None
    response = alice_client.post(
        reverse("links:create", args=[broken.pk]), {"expires_in_days": "180", "pin": ""}
    )
    assert response.status_code == 302
    made = alice_client.get(response["Location"])
    assert made.status_code == 200 and UNREADABLE in made.content.decode()
    assert_fails_closed(made.content.decode())


@pytest.mark.parametrize(
    "name",
    [
        "clients:detail",
        "clients:edit",
        "clients:check_in",
        "clients:events",
        "plans:edit",
        "plans:versions",
        "plans:preview",
    ],
)
def test_its_other_pages_say_could_not_be_read(
    alice_client: HttpClient, records: dict[str, Any], name: str
) -> None:
    alice_client.raise_request_exception = False
    response = alice_client.get(reverse(name, args=[records["broken"].pk]))
    html = response.content.decode()
    assert UNREADABLE in html.lower(), name
    assert_fails_closed(html)
    # ... and the other clients' pages are untouched.
    other = alice_client.get(reverse(name, args=[records["readable"][1].pk]))
    assert other.status_code == 200
