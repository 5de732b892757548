"""The account page: sessions (and ending the others), devices, recovery codes, recent
sign-ins and failed attempts; everything audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import add_authenticator
from crisisplan.core.models import AccountSession, AuditEvent, RecoveryCodeDevice, User

PASSWORD = "correct horse battery"
CHROME_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0 Mobile Safari/537.36"
)


def test_anonymous_goes_to_login(client: Client, db: None) -> None:
    for name in ("account:index",):
        assert client.get(reverse(name))["Location"].startswith(reverse("login"))
    for name in ("account:end_sessions", "account:recovery_codes"):
        assert client.post(reverse(name))["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "args"),
    [("account:end_sessions", []), ("account:recovery_codes", []), ("account:keepalive", [])],
)
def test_state_changes_are_posts(alice_client: Client, name: str, args: list[Any]) -> None:
    assert alice_client.get(reverse(name, args=args)).status_code == 405


def test_the_page_lists_sessions_devices_and_recent_sign_ins(
    client: Client, alice: User, django_assert_max_num_queries: Any
) -> None:
    phone = Client(HTTP_USER_AGENT=CHROME_ON_ANDROID, REMOTE_ADDR="192.0.2.7")
    phone.post(reverse("login"), {"username": "alice@example.com", "password": PASSWORD})
    client.post(reverse("login"), {"username": "alice@example.com", "password": "nope nope"})
    add_authenticator(alice, name="Work phone")
    RecoveryCodeDevice.make_codes(alice)
    client.force_login(alice)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("account:index"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Chrome on Android" in text and "192.0.2.7" in text
    assert "this device" in text
    assert "Work phone" in text
    assert "10 unused recovery codes left." in text
    assert "Signed in" in text and "Failed sign-in attempt" in text
    assert "wrong password" in text


def test_ending_the_other_sessions(client: Client, alice: User) -> None:
    elsewhere = Client()
    elsewhere.force_login(alice)
    client.force_login(alice)
    assert AccountSession.objects.filter(user=alice).count() == 2
    response = client.post(reverse("account:end_sessions"))
    assert response.status_code == 302
    assert elsewhere.get(reverse("clients:dashboard")).status_code == 302
    assert client.get(reverse("clients:dashboard")).status_code == 200
    assert AccountSession.objects.filter(user=alice).count() == 1
    event = AuditEvent.objects.get(action="sessions_end")
    assert event.account == alice and event.detail["count"] == 1


def test_ending_sessions_touches_only_ones_own(client: Client, alice: User, bob: User) -> None:
    bobs = Client()
    bobs.force_login(bob)
    client.force_login(alice)
    client.post(reverse("account:end_sessions"))
    assert bobs.get(reverse("clients:dashboard")).status_code == 200


def test_removing_a_device_asks_for_the_password(
    verified_client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    RecoveryCodeDevice.make_codes(alice)
    url = reverse("account:two_factor_remove", args=[alice_device.pk])
    wrong = verified_client.post(url, {"password": "not it at all"}, follow=True)
    assert "That is not your password." in wrong.content.decode()
    assert TOTPDevice.objects.filter(pk=alice_device.pk).exists()
    assert AuditEvent.objects.get(action="login_failed").detail["step"] == "password_confirm"
    verified_client.post(url, {"password": PASSWORD})
    assert not TOTPDevice.objects.filter(pk=alice_device.pk).exists()
    # The last device gone, the recovery codes go too: two-step login is off.
    assert not RecoveryCodeDevice.objects.filter(user=alice).exists()
    assert AuditEvent.objects.filter(action="2fa_remove", account=alice).exists()


def test_another_users_device_is_404(verified_client: Client, bob: User) -> None:
    bobs_device = add_authenticator(bob)
    url = reverse("account:two_factor_remove", args=[bobs_device.pk])
    assert verified_client.post(url, {"password": PASSWORD}).status_code == 404
    assert TOTPDevice.objects.filter(pk=bobs_device.pk).exists()


def test_new_recovery_codes_replace_the_old(verified_client: Client, alice: User) -> None:
    old = RecoveryCodeDevice.make_codes(alice)
    url = reverse("account:recovery_codes")
    verified_client.post(url, {"password": "wrong wrong"})
    assert RecoveryCodeDevice.objects.get(user=alice).verify_token(old[0])
    response = verified_client.post(url, {"password": PASSWORD})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response.content.decode().count("<li><code>") == 10
    device = RecoveryCodeDevice.objects.get(user=alice)
    assert not device.verify_token(old[1])
    assert device.remaining() == 10
    assert AuditEvent.objects.filter(action="recovery_codes", account=alice).exists()


def test_no_recovery_codes_without_a_device(alice_client: Client) -> None:
    url = reverse("account:recovery_codes")
    assert alice_client.post(url, {"password": PASSWORD}).status_code == 404


def test_wrong_confirmations_lock_the_account(
    verified_client: Client, alice: User, settings: Any
) -> None:
    url = reverse("account:recovery_codes")
    RecoveryCodeDevice.make_codes(alice)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        verified_client.post(url, {"password": f"guess {attempt}"})
    assert verified_client.post(url, {"password": PASSWORD}).status_code == 429


def test_the_navigation_links_the_account_page(alice_client: Client) -> None:
    page = alice_client.get(reverse("clients:dashboard")).content.decode()
    assert f'href="{reverse("account:index")}"' in page
