"""Curators keep the directory and nothing else: ``create_curator`` makes a staff
account in the Curators group with the directory's permissions only. A curator cannot
change users, passwords, groups or permissions, and sees nothing of any client."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.urls import reverse

from crisisplan.core.models import User
from crisisplan.links.models import PrivateLink
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = pytest.mark.django_db

PASSWORD = "a long curator password"


def create_curator(email: str, password: str = PASSWORD) -> User:
    out = io.StringIO()
    call_command(
        "create_curator", email, "--name", "Cora", stdin=io.StringIO(password + "\n"), stdout=out
    )
    assert "created" in out.getvalue()
    return User.objects.get(email=email.lower())


def test_create_curator_makes_staff_with_the_directorys_permissions_only() -> None:
    cora = create_curator("Cora@Example.org")
    assert cora.is_staff and not cora.is_superuser and cora.is_active
    assert cora.check_password(PASSWORD) and cora.name == "Cora"
    assert list(cora.groups.values_list("name", flat=True)) == ["Curators"]
    permissions = cora.get_all_permissions()
    assert permissions and all(p.startswith("hotlines.") for p in permissions)
    assert {"hotlines.change_service", "hotlines.add_service"} <= permissions
    assert not cora.user_permissions.exists()
    group = Group.objects.get(name="Curators")
    assert set(group.permissions.all()) == set(
        Permission.objects.filter(content_type__app_label="hotlines")
    )


def test_create_curator_refuses_a_weak_password_and_an_existing_account(alice: User) -> None:
    with pytest.raises(CommandError, match=r"too short|too common"):
        create_curator("weak@example.org", "short")
    with pytest.raises(CommandError, match="already has an account"):
        create_curator("ALICE@example.com")
    assert not User.objects.filter(email="weak@example.org").exists()
    assert not User.objects.get(email="alice@example.com").is_staff


@pytest.fixture
def curator(db: None) -> HttpClient:
    http = HttpClient()
    http.force_login(create_curator("cora@example.org"))
    return http


def test_a_curator_keeps_the_directory_in_the_admin(curator: HttpClient) -> None:
    service = make_service("Samaritans", country="GB", phone="116 123")
    assert curator.get(reverse("admin:hotlines_service_changelist")).status_code == 200
    assert (
        curator.get(reverse("admin:hotlines_service_change", args=[service.pk])).status_code == 200
    )


def test_a_curator_cannot_change_users_passwords_groups_or_permissions(
    curator: HttpClient, alice: User
) -> None:
    group = Group.objects.get(name="Curators")
    forbidden = [
        reverse("admin:crisisplan_user_changelist"),
        reverse("admin:crisisplan_user_add"),
        reverse("admin:crisisplan_user_change", args=[alice.pk]),
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_add"),
        reverse("admin:auth_group_change", args=[group.pk]),
        reverse("admin:crisisplan_auditevent_changelist"),
    ]
    for url in forbidden:
        assert curator.get(url).status_code in (403, 404), url
    # Posting anyway changes nothing: not alice's password, not the group, not herself.
    password_url = f"/admin/crisisplan/user/{alice.pk}/password/"
    new = {"password1": "taken over 12345", "password2": "taken over 12345"}
    assert curator.post(password_url, new).status_code in (403, 404)
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery")
    cora = User.objects.get(email="cora@example.org")
    everything = Permission.objects.values_list("pk", flat=True)
    response = curator.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": "Curators", "permissions": list(everything)},
    )
    assert response.status_code in (403, 404)
    assert not cora.get_all_permissions() - {
        f"hotlines.{codename}"
        for codename in Permission.objects.filter(content_type__app_label="hotlines").values_list(
            "codename", flat=True
        )
    }
    response = curator.post(
        reverse("admin:crisisplan_user_change", args=[cora.pk]),
        {"email": cora.email, "is_staff": "on", "is_superuser": "on", "is_active": "on"},
    )
    assert response.status_code in (403, 404)
    cora.refresh_from_db()
    assert not cora.is_superuser
    # The operator's action to reset a second factor is not theirs either.
    response = curator.post(
        reverse("admin:crisisplan_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [alice.pk]},
    )
    assert response.status_code in (403, 404)


def test_a_curator_sees_nothing_of_any_client(curator: HttpClient, alice: User) -> None:
    record = make_client(alice, preferred_name="Zebracanary", country="GB")
    plan = make_plan(record, full_content(1))
    plan.publish(plan.version(1), alice)
    PrivateLink.issue(plan, alice)
    dashboard = curator.get(reverse("clients:dashboard"))
    assert "Zebracanary" not in dashboard.content.decode()
    for url in (
        reverse("clients:detail", args=[record.pk]),
        reverse("clients:edit", args=[record.pk]),
        reverse("clients:emergency", args=[record.pk]),
        reverse("clients:events", args=[record.pk]),
        reverse("plans:edit", args=[record.pk]),
        reverse("plans:versions", args=[record.pk]),
        reverse("links:manage", args=[record.pk]),
    ):
        response = curator.get(url)
        assert response.status_code == 404, url
        assert "Zebracanary" not in response.content.decode()
