"""No work lost to an idle sign-out: a form sent after the session ended is kept,
encrypted, for its author, and shown again (not saved) after the next login; the plan's
optimistic locking still applies. The keep-alive restarts the idle clock."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from crisisplan.core import sessions
from crisisplan.core.models import AuditEvent, DataKey, UnsavedWork, User
from crisisplan.plans.models import Plan, PlanVersion
from tests.factory import editor_form_data, full_content, make_client, make_plan

TYPED = "Call Sam before it gets late"


@pytest.fixture
def plan(alice: User) -> Plan:
    return make_plan(make_client(alice, preferred_name="Robin"), full_content(1), full_content(2))


def edit_url(plan: Plan) -> str:
    return reverse("plans:edit", args=[plan.client.pk])


def typed_form(base: int = 2) -> dict[str, Any]:
    data = editor_form_data(full_content(2), base)
    data["coping-0-text"] = TYPED
    data["save"] = "1"
    return data


def idle_too_long(client: Client, settings: Any) -> None:
    session = client.session
    session[sessions.SEEN_AT] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 5
    session.save()


def test_a_save_after_the_idle_limit_is_kept_and_shown_after_login(
    alice_client: Client, alice: User, plan: Plan, settings: Any
) -> None:
    versions = PlanVersion.objects.count()
    idle_too_long(alice_client, settings)
    response = alice_client.post(edit_url(plan), typed_form())
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={edit_url(plan)}"
    login_page = alice_client.get(response["Location"]).content.decode()
    assert "What you typed is kept" in login_page
    assert PlanVersion.objects.count() == versions  # nothing saved
    assert UnsavedWork.objects.filter(user=alice).count() == 1

    alice_client.force_login(alice)
    page = alice_client.get(edit_url(plan)).content.decode()
    assert f'value="{TYPED}"' in page or f">{TYPED}<" in page
    assert "It is not saved yet" in page
    assert 'name="base_version" value="2"' in page
    assert PlanVersion.objects.count() == versions
    # Shown once, then gone with its data key.
    assert not UnsavedWork.objects.exists()
    assert TYPED not in alice_client.get(edit_url(plan)).content.decode()
    assert AuditEvent.objects.filter(action="unsaved_work_kept", account=alice).exists()


def test_kept_work_is_encrypted_and_shredded_with_its_key(
    alice_client: Client, alice: User, plan: Plan, settings: Any
) -> None:
    idle_too_long(alice_client, settings)
    alice_client.post(edit_url(plan), typed_form())
    work = UnsavedWork.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT fields FROM crisisplan_unsavedwork")
        (raw,) = cursor.fetchone()
    assert TYPED.encode() not in bytes(raw)
    assert b"csrfmiddlewaretoken" not in bytes(raw)
    assert ["coping-0-text", TYPED] in UnsavedWork.objects.get().fields
    UnsavedWork.objects.all().delete()
    assert not DataKey.objects.filter(pk=work.data_key_id).exists()


def test_optimistic_locking_still_applies_to_kept_work(
    alice_client: Client, alice: User, plan: Plan, settings: Any
) -> None:
    idle_too_long(alice_client, settings)
    alice_client.post(edit_url(plan), typed_form(base=2))
    # Meanwhile, another save (another device) made version 3.
    plan.save_version(alice, full_content(3), 2, "from the office")
    alice_client.force_login(alice)
    page = alice_client.get(edit_url(plan)).content.decode()
    assert 'name="base_version" value="2"' in page
    again = alice_client.post(edit_url(plan), typed_form(base=2))
    assert again.status_code == 409
    assert TYPED in again.content.decode()
    assert Plan.objects.get(pk=plan.pk).current_number == 3


def test_kept_after_a_keep_alive_already_saw_the_end(
    alice_client: Client, alice: User, plan: Plan, settings: Any
) -> None:
    idle_too_long(alice_client, settings)
    # The page's keep-alive (or another tab) reached the server first and ended it.
    assert alice_client.post(reverse("account:keepalive")).status_code == 401
    response = alice_client.post(edit_url(plan), typed_form())
    assert response["Location"].startswith("/login/")
    assert UnsavedWork.objects.filter(user=alice).count() == 1


def test_nothing_is_kept_without_a_signed_in_author(client: Client, plan: Plan) -> None:
    response = client.post(edit_url(plan), typed_form())
    assert response.status_code == 302
    assert not UnsavedWork.objects.exists()


def test_nothing_is_kept_from_a_forged_form(alice: User, plan: Plan, settings: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    idle_too_long(browser, settings)
    assert browser.post(edit_url(plan), typed_form()).status_code == 403
    assert not UnsavedWork.objects.exists()


def test_kept_work_shows_only_to_its_author_and_only_while_fresh(
    alice_client: Client, alice: User, bob: User, plan: Plan, settings: Any
) -> None:
    UnsavedWork.objects.keep(bob, edit_url(plan), list(typed_form().items()))
    assert TYPED not in alice_client.get(edit_url(plan)).content.decode()
    UnsavedWork.objects.keep(alice, edit_url(plan), list(typed_form().items()))
    UnsavedWork.objects.filter(user=alice).update(expires_at="2000-01-01T00:00:00Z")
    assert TYPED not in alice_client.get(edit_url(plan)).content.decode()


def test_another_therapists_plan_stays_404_with_kept_work(
    client: Client, bob: User, plan: Plan
) -> None:
    UnsavedWork.objects.keep(bob, edit_url(plan), list(typed_form().items()))
    client.force_login(bob)
    assert client.get(edit_url(plan)).status_code == 404


def test_a_client_form_is_kept_too(alice_client: Client, alice: User, settings: Any) -> None:
    record = make_client(alice, preferred_name="Robin")
    url = reverse("clients:edit", args=[record.pk])
    idle_too_long(alice_client, settings)
    alice_client.post(url, {"preferred_name": "Robin", "country": "GB", "notes": TYPED})
    alice_client.force_login(alice)
    page = alice_client.get(url).content.decode()
    assert TYPED in page and "It is not saved yet" in page
    record.refresh_from_db()
    assert record.notes == ""


def test_the_keep_alive_restarts_the_idle_clock(alice_client: Client, settings: Any) -> None:
    session = alice_client.session
    session[sessions.SEEN_AT] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 + 20
    session.save()
    response = alice_client.post(reverse("account:keepalive"))
    assert response.status_code == 200
    assert response.json()["ends_in"] == pytest.approx(settings.SESSION_IDLE_MINUTES * 60, abs=3)
    time_left = int(time.time()) - alice_client.session[sessions.SEEN_AT]
    assert time_left <= 2


def test_the_keep_alive_stops_at_the_hard_limit(alice_client: Client, settings: Any) -> None:
    session = alice_client.session
    session[sessions.LOGIN_AT] = int(time.time()) - settings.SESSION_MAX_HOURS * 3600 + 30
    session.save()
    data = alice_client.post(reverse("account:keepalive")).json()
    assert data["ends_in"] <= 30 and data["hard_ends_in"] <= 30


def test_pages_with_a_form_carry_the_warning_and_its_timings(
    alice_client: Client, plan: Plan, settings: Any
) -> None:
    page = alice_client.get(edit_url(plan)).content.decode()
    assert (
        '<form method="post" class="plan-editor" novalidate data-unsaved-work data-save-in-place>'
        in page
    )
    assert f'data-session-idle="{settings.SESSION_IDLE_MINUTES * 60}"' in page
    assert "Stay signed in" in page and 'id="session-warning"' in page
    assert "session-warning" not in Client().get(reverse("login")).content.decode()
