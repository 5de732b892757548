"""The Django admin shows no client or plan contents to anyone: not to a curator (staff
with the directory's permissions), not even to a superuser. Every page of every
registered model is walked, with a client, a published plan with pinned and hidden
services, a private link, a report and audit events in the database."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client as HttpClient
from django.urls import NoReverseMatch, reverse

from crisisplan.core.models import User
from crisisplan.links.models import PrivateLink
from crisisplan.plans.models import Plan
from hotlines.models import OutdatedReport, Service
from tests.factory import full_content, make_client, make_service

pytestmark = pytest.mark.django_db

CANARY = "Zebracanary"


@pytest.fixture
def world(alice: Any) -> dict[str, Any]:
    record = make_client(
        alice,
        preferred_name=f"{CANARY} name",
        full_name=f"{CANARY} full",
        notes=f"{CANARY} notes",
        emergency_contact_name=f"{CANARY} contact",
        country="GB",
        subdivision="GB-ENG",
    )
    pinned = make_service("Pinned line", country="GB", phone="116 123")
    hidden = make_service("Hidden line", country="GB", phone="0800 111")
    plan = Plan(client=record)
    version = plan.save_version(alice, full_content(2, tag=f"{CANARY} "), 0, f"{CANARY} note")
    plan.publish(version, alice)
    plan.set_directory_choices({pinned.pk}, {hidden.pk}, alice)
    record.save_changes(alice, ["notes"])
    PrivateLink.issue(plan, alice)
    OutdatedReport.objects.create(service=pinned, reporter=alice, what_is_wrong="Number changed")
    return {"record": record, "plan": plan, "services": [pinned, hidden]}


def admin_urls() -> list[str]:
    """Every changelist, add page and per-object page (change, history, delete) of every
    model registered in the admin."""
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:app_list", args=[info[0]]))
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        for obj in model_admin.get_queryset(_SuperRequest()).order_by("pk")[:20]:
            for view in ("change", "history", "delete"):
                with contextlib.suppress(NoReverseMatch):
                    urls.append(reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[obj.pk]))
    return urls


class _SuperRequest:
    """Enough of a request for ModelAdmin.get_queryset()."""

    user = type("U", (), {"is_superuser": True, "is_active": True, "is_staff": True})()


def walk(http: HttpClient, world: dict[str, Any]) -> int:
    seen = 0
    record = world["record"]
    for url in admin_urls():
        response = http.get(url, follow=True)
        assert response.status_code in (200, 403, 404), url
        body = response.content.decode()
        assert CANARY not in body, f"client or plan content on {url}"
        assert "Owned" not in body
        seen += response.status_code == 200
    # The client's own pages are not reachable through the admin either.
    assert http.get(f"/admin/clients/client/{record.pk}/change/").status_code == 404
    return seen


def test_a_curator_sees_no_client_or_plan_contents(
    client: HttpClient, carol: User, world: dict[str, Any]
) -> None:
    client.force_login(carol)
    assert walk(client, world) > 5  # the directory pages at least were really read
    # ... and a curator does reach the directory, the services' plans stay opaque.
    service = world["services"][0]
    page = client.get(reverse("admin:hotlines_service_delete", args=[service.pk]))
    assert page.status_code == 200 and CANARY not in page.content.decode()
    # Curators do not reach the audit log or the accounts.
    assert client.get(reverse("admin:crisisplan_auditevent_changelist")).status_code == 403
    assert client.get(reverse("admin:crisisplan_user_changelist")).status_code == 403


def test_a_superuser_sees_no_client_or_plan_contents_either(
    client: HttpClient, world: dict[str, Any]
) -> None:
    root = User.objects.create_superuser("root@example.com", "a long admin password")
    client.force_login(root)
    seen = walk(client, world)
    # The audit log and the accounts were among the pages read.
    assert seen > 10
    events = client.get(reverse("admin:crisisplan_auditevent_changelist")).content.decode()
    assert "published the plan" in events
    assert Service.objects.count() == 2
