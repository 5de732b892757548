"""The client page leads with the plan: its state (what the client sees) and the main
actions come before the record and its archive and delete buttons."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from tests.factory import full_content, make_client, make_plan

pytestmark = pytest.mark.django_db


def page(browser: HttpClient, client: Any) -> str:
    response = browser.get(reverse("clients:detail", args=[client.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_no_plan_yet(alice_client: HttpClient, alice: Any) -> None:
    content = page(alice_client, make_client(alice))
    assert "No plan yet" in content and "Write the plan" in content
    assert "Nothing written yet." in content


def test_a_draft_says_the_client_sees_no_plan(alice_client: HttpClient, alice: Any) -> None:
    record = make_client(alice)
    make_plan(record, full_content(1))
    content = page(alice_client, record)
    assert "Draft" in content and "the client sees no plan yet" in content
    assert "Edit the plan" in content


def test_a_published_plan_names_the_version_the_client_sees(
    alice_client: HttpClient, alice: Any
) -> None:
    record = make_client(alice)
    plan = make_plan(record, full_content(1), full_content(2))
    plan.publish(plan.version(1), alice)
    content = page(alice_client, record)
    assert "The client sees version 1, published on" in content
    assert "Version 2, the latest, is not published." in content


def test_the_plan_and_its_actions_come_first(alice_client: HttpClient, alice: Any) -> None:
    record = make_client(alice)
    make_plan(record, full_content(1))
    content = page(alice_client, record)
    order = [
        content.index('id="plan-heading"'),
        content.index("Edit the plan"),
        content.index('id="link-heading"'),
        content.index("Edit the record"),
        content.index('id="about-heading"'),
        content.index(">Archive<"),
        content.index("Delete…"),
    ]
    assert order == sorted(order)


def test_the_client_page_queries_stay_few(
    alice_client: HttpClient, alice: Any, django_assert_max_num_queries: Any
) -> None:
    record = make_client(alice)
    make_plan(record, full_content(1))
    page(alice_client, record)
    # session, user, the client, its plan, its link, the audit event
    with django_assert_max_num_queries(6):
        page(alice_client, record)
