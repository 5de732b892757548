"""'Save and publish' in the editor: one step from the work to what the client sees, with
the same optimistic-locking check as a plain save; the editor says what the client sees."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from crisisplan.core.models import AuditEvent
from crisisplan.plans.models import Plan
from tests.factory import editor_form_data, full_content, make_client, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(alice: Any) -> Plan:
    plan = make_plan(make_client(alice, preferred_name="Robin"), full_content(1), full_content(2))
    plan.publish(plan.version(1), alice)
    return plan


def edit(plan: Plan) -> str:
    return reverse("plans:edit", args=[plan.client.pk])


def publish_data(content: Any, base: int, note: str = "") -> dict[str, Any]:
    return {**editor_form_data(content, base, note), "save": "publish"}


def test_save_and_publish_saves_a_version_the_client_sees_at_once(
    alice_client: HttpClient, plan: Plan
) -> None:
    response = alice_client.post(edit(plan), publish_data(full_content(3), 2, "more"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.current_number == 3 and plan.published_version.number == 3
    actions = list(
        AuditEvent.objects.filter(client_id=plan.client.pk).values_list("action", flat=True)
    )
    assert "publish" in actions
    page = alice_client.get(response["Location"]).content.decode()
    assert "Saved as version 3 and published" in page
    assert "The client sees version 3, published on" in page


def test_a_plain_save_leaves_the_published_version(alice_client: HttpClient, plan: Plan) -> None:
    response = alice_client.post(edit(plan), editor_form_data(full_content(3), 2))
    plan.refresh_from_db()
    assert plan.current_number == 3 and plan.published_version.number == 1
    page = alice_client.get(response["Location"]).content.decode()
    assert "The client still sees version 1 until you publish this one." in page
    assert "Version 3, the latest, is not published." in page


def test_a_stale_save_and_publish_publishes_nothing(alice_client: HttpClient, plan: Plan) -> None:
    plan.save_version(plan.client.therapist, full_content(4), 2)  # another tab saved
    response = alice_client.post(edit(plan), publish_data(full_content(3), 2))
    assert response.status_code == 409
    assert "Not saved and not published: this plan was changed" in response.content.decode()
    plan.refresh_from_db()
    assert plan.current_number == 3 and plan.published_version.number == 1


def test_an_invalid_save_and_publish_publishes_nothing(
    alice_client: HttpClient, plan: Plan
) -> None:
    data = publish_data(full_content(3), 2)
    data["helpers-0-phone"] = "call me maybe"
    response = alice_client.post(edit(plan), data)
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.current_number == 2 and plan.published_version.number == 1


def test_unchanged_text_publishes_the_latest_version(alice_client: HttpClient, plan: Plan) -> None:
    response = alice_client.post(edit(plan), publish_data(full_content(2), 2))
    plan.refresh_from_db()
    assert plan.current_number == 2 and plan.published_version.number == 2
    page = alice_client.get(response["Location"]).content.decode()
    assert "Nothing in the text changed; version 2 is published" in page


def test_unchanged_text_of_the_published_version_changes_nothing(
    alice_client: HttpClient, plan: Plan
) -> None:
    plan.publish(plan.version(2), plan.client.therapist)
    published_at = Plan.objects.get(pk=plan.pk).published_at
    response = alice_client.post(edit(plan), publish_data(full_content(2), 2))
    plan.refresh_from_db()
    assert plan.published_version.number == 2 and plan.published_at == published_at
    page = alice_client.get(response["Location"]).content.decode()
    assert "Nothing changed: version 2 is already what the client sees." in page


def test_an_empty_new_plan_has_nothing_to_publish(alice_client: HttpClient, alice: Any) -> None:
    record = make_client(alice)
    response = alice_client.post(
        reverse("plans:edit", args=[record.pk]), {"base_version": "0", "save": "publish"}
    )
    assert response.status_code == 302
    assert not Plan.objects.filter(client=record).exists()


def test_the_editor_says_what_the_client_sees(alice_client: HttpClient, plan: Plan) -> None:
    page = alice_client.get(edit(plan)).content.decode()
    assert "The client sees version 1, published on" in page
    assert '<button type="submit" name="save" value="publish">Save and publish</button>' in page
    plan.unpublish(plan.client.therapist)
    page = alice_client.get(edit(plan)).content.decode()
    assert "Not published: the client sees no plan yet" in page
