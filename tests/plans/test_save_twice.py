"""A save posted twice (a double click, a retry after a timeout that did save) makes one
version: the editor's form carries an idempotency key (issue 19, "Bad input")."""

from __future__ import annotations

import re
import threading
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from crisisplan.plans.models import Plan, PlanVersion
from tests.factory import editor_form_data, full_content, make_client, make_plan


@pytest.fixture
def plan(alice: Any) -> Plan:
    return make_plan(make_client(alice, preferred_name="Robin"), full_content(1))


def edit(plan: Plan) -> str:
    return reverse("plans:edit", args=[plan.client.pk])


def form_key(page: str) -> str:
    return re.search(r'name="save_key" value="([0-9a-f-]{36})"', page).group(1)


@pytest.mark.django_db
def test_the_same_form_posted_twice_makes_one_version(alice_client: HttpClient, plan: Plan) -> None:
    key = form_key(alice_client.get(edit(plan)).content.decode())
    data = {**editor_form_data(full_content(2), 1, "more"), "save_key": key}
    first = alice_client.post(edit(plan), data, follow=True)
    second = alice_client.post(edit(plan), data, follow=True)
    assert PlanVersion.objects.filter(plan=plan).count() == 2
    assert PlanVersion.objects.get(plan=plan, number=2).save_key == uuid.UUID(key)
    for response in (first, second):
        assert response.status_code == 200
        assert "Saved as version 2. Publish it to show it to the client." in (
            response.content.decode()
        )
    # Each showing of the form has a key of its own.
    assert form_key(second.content.decode()) != key


@pytest.mark.django_db
def test_save_and_publish_posted_twice_publishes_one_version(
    alice_client: HttpClient, plan: Plan
) -> None:
    key = form_key(alice_client.get(edit(plan)).content.decode())
    data = {**editor_form_data(full_content(2), 1), "save_key": key, "save": "publish"}
    alice_client.post(edit(plan), data)
    again = alice_client.post(edit(plan), data, follow=True)
    assert "Saved as version 2 and published" in again.content.decode()
    plan.refresh_from_db()
    assert plan.current_number == 2 and plan.published_version.number == 2


@pytest.mark.django_db
def test_other_text_under_a_used_key_is_not_taken_for_the_first_save(
    alice_client: HttpClient, plan: Plan
) -> None:
    """The save seemed to fail (a timeout) but had worked; the therapist typed more and
    saved again from the same page: refused as stale with the text kept, never answered
    "saved" for text that was not."""
    key = form_key(alice_client.get(edit(plan)).content.decode())
    alice_client.post(edit(plan), {**editor_form_data(full_content(2), 1), "save_key": key})
    more = {**editor_form_data(full_content(2, tag="more "), 1), "save_key": key}
    response = alice_client.post(edit(plan), more)
    assert response.status_code == 409
    assert "more warning_signs 1" in response.content.decode()
    assert PlanVersion.objects.filter(plan=plan).count() == 2


@pytest.mark.django_db
def test_a_refused_save_keeps_working_with_its_key(alice_client: HttpClient, plan: Plan) -> None:
    data = editor_form_data(full_content(2), 1)
    data["helpers-0-phone"] = "call me maybe"
    data["save_key"] = str(uuid.uuid4())
    refused = alice_client.post(edit(plan), data)
    assert refused.status_code == 200
    fixed = {**editor_form_data(full_content(2), 1), "save_key": data["save_key"]}
    assert alice_client.post(edit(plan), fixed).status_code == 302
    assert PlanVersion.objects.filter(plan=plan).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_form_at_the_same_moment_make_one_version(alice: Any) -> None:
    """Two requests racing (a double click): the second waits for the first's row lock,
    then finds its version. Each thread has its own database connection."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    plan = make_plan(make_client(alice), full_content(1))
    key = uuid.uuid4()
    start = threading.Barrier(2)
    found: list[Any] = []

    def save() -> None:
        try:
            start.wait()
            mine = Plan.objects.select_related("client").get(pk=plan.pk)
            found.append(mine.save_version(alice, full_content(2), 1, key=key))
        except Exception as exc:  # reported by the assertion below
            found.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(v, PlanVersion) for v in found), found
    assert sorted(v.repeated for v in found) == [False, True]
    assert {v.pk for v in found} == {PlanVersion.objects.get(plan=plan, number=2).pk}
    assert PlanVersion.objects.filter(plan=plan).count() == 2
