"""Two-step login: the code after the password, recovery codes, set-up, REQUIRE_2FA,
the admin, and the operator's reset of a lost second factor."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import add_authenticator, make_user, totp_code
from crisisplan.core import views as account_views
from crisisplan.core.models import (
    AccountSession,
    AuditEvent,
    RecoveryCode,
    RecoveryCodeDevice,
    User,
)
from tests.factory import make_client

PASSWORD = "correct horse battery"
WRONG_CODE = "That code did not work"


def password_step(client: Client, email: str = "alice@example.com", **extra: Any) -> Any:
    return client.post(
        reverse("login"), {"username": email, "password": PASSWORD, **extra}, REMOTE_ADDR="10.9.0.1"
    )


def code_step(client: Client, code: str, **extra: Any) -> Any:
    return client.post(
        reverse("account:login_code"), {"code": code, **extra}, REMOTE_ADDR="10.9.0.1"
    )


@pytest.fixture
def require_2fa(settings: Any) -> None:
    settings.REQUIRE_2FA = True


# --- login ---------------------------------------------------------------------------


def test_password_alone_does_not_log_in_a_user_with_a_device(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    response = password_step(client, next="/clients/add/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account:login_code") + "?next=%2Fclients%2Fadd%2F"
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("clients:dashboard")).status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()
    assert "remember" not in page.content.decode().lower()


def test_the_right_code_logs_in_verified_and_follows_next(
    client: Client, alice: User, alice_device: TOTPDevice, require_2fa: None
) -> None:
    password_step(client, next="/clients/add/")
    response = code_step(client, totp_code(alice_device), next="/clients/add/")
    assert response.status_code == 302 and response["Location"] == "/clients/add/"
    assert client.get(reverse("clients:dashboard")).status_code == 200  # verified
    event = AuditEvent.objects.filter(action="login", account=alice).get()
    assert event.detail["second_factor"] == "authenticator"
    assert AccountSession.objects.filter(user=alice).count() == 1


def test_next_to_another_site_is_ignored(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    password_step(client)
    response = code_step(client, totp_code(alice_device), next="https://evil.example/")
    assert response["Location"] == reverse("clients:dashboard")


def test_a_wrong_code_gets_a_plain_message_and_is_counted(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    password_step(client)
    response = code_step(client, "000000" if totp_code(alice_device) != "000000" else "111111")
    assert response.status_code == 200
    assert WRONG_CODE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="alice@example.com").failures_since_start == 1
    failed = AuditEvent.objects.get(action="login_failed", account=alice)
    assert failed.detail["step"] == "code"


def test_wrong_codes_lock_out_like_passwords_and_the_password_does_not_reset_them(
    client: Client, alice: User, alice_device: TOTPDevice, settings: Any
) -> None:
    wrong = "123456" if totp_code(alice_device) != "123456" else "654321"
    password_step(client)
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        assert code_step(client, wrong).status_code == 200
    # The right password again does not clear the count (nobody was logged in).
    assert password_step(client).status_code == 302
    code_step(client, wrong)
    locked = code_step(client, wrong)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # Locked: neither the right password nor the right code gets in now.
    assert password_step(Client()).status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="locked_out", account=alice).exists()


def test_a_code_works_only_once(client: Client, alice: User, alice_device: TOTPDevice) -> None:
    code = totp_code(alice_device)
    password_step(client)
    assert code_step(client, code).status_code == 302
    client.post(reverse("logout"))
    password_step(client)
    response = code_step(client, code)
    assert response.status_code == 200 and WRONG_CODE in response.content.decode()


def test_a_recovery_code_logs_in_once(
    client: Client, alice: User, alice_device: TOTPDevice, require_2fa: None
) -> None:
    codes = RecoveryCodeDevice.make_codes(alice)
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9a-z]{4}(-[0-9a-z]{4}){3}", code) for code in codes)
    password_step(client)
    # Spaces, capitals and missing dashes do not matter.
    response = code_step(client, codes[3].upper().replace("-", " "), next="/")
    assert response.status_code == 302
    dashboard = client.get(reverse("clients:dashboard"))
    assert dashboard.status_code == 200
    assert "You used a recovery code; 9 left." in dashboard.content.decode()
    event = AuditEvent.objects.get(action="login", account=alice)
    assert event.detail["second_factor"] == "recovery_code"
    client.post(reverse("logout"))
    password_step(client)
    again = code_step(client, codes[3])
    assert again.status_code == 200 and WRONG_CODE in again.content.decode()
    assert (
        AuditEvent.objects.filter(action="login_failed", account=alice).get().detail["step"]
        == "recovery_code"
    )


def test_recovery_codes_are_stored_hashed(alice: User) -> None:
    codes = RecoveryCodeDevice.make_codes(alice)
    stored = list(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 10
    for code in codes:
        plain = code.replace("-", "")
        assert not any(plain in digest or code in digest for digest in stored)
    # New codes replace the old ones.
    RecoveryCodeDevice.make_codes(alice)
    device = RecoveryCodeDevice.objects.get(user=alice)
    assert not device.verify_token(codes[0])
    assert device.remaining() == 10


def test_the_code_step_needs_a_fresh_password_step(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    assert client.get(reverse("account:login_code")).status_code == 302
    password_step(client)
    session = client.session
    session[account_views.PENDING]["at"] -= account_views.PENDING_SECONDS + 1
    session.save()
    response = code_step(client, totp_code(alice_device))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_user_without_a_device_logs_in_with_the_password(client: Client, alice: User) -> None:
    response = password_step(client)
    assert response["Location"] == reverse("clients:dashboard")
    assert client.session["_auth_user_id"] == str(alice.pk)


# --- REQUIRE_2FA -----------------------------------------------------------------------


def test_without_a_device_every_page_sends_to_set_up(
    alice_client: Client, alice: User, require_2fa: None
) -> None:
    client_record = make_client(alice)
    setup = reverse("account:two_factor_setup")
    assert alice_client.get(reverse("clients:dashboard"))["Location"] == setup
    detail = reverse("clients:detail", args=[client_record.pk])
    assert alice_client.get(detail)["Location"] == f"{setup}?next={detail.replace('/', '%2F')}"
    assert alice_client.get(reverse("plans:edit", args=[client_record.pk])).status_code == 302
    assert alice_client.get(reverse("account:index"))["Location"].startswith(setup)
    assert alice_client.get(setup).status_code == 200
    # Client pages (no account) are never in the way; logout works.
    assert alice_client.get("/p/unknown-token/").status_code == 404
    assert alice_client.post(reverse("logout")).status_code == 302


def test_an_unverified_session_of_a_user_with_a_device_is_signed_out(
    alice_client: Client, alice_device: TOTPDevice, require_2fa: None
) -> None:
    response = alice_client.get(reverse("clients:dashboard"))
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in alice_client.session


def test_verified_session_reaches_every_page(verified_client: Client, require_2fa: None) -> None:
    assert verified_client.get(reverse("clients:dashboard")).status_code == 200
    assert verified_client.get(reverse("account:index")).status_code == 200


def test_require_2fa_is_off_in_these_tests_and_on_by_default_in_production() -> None:
    from django.conf import settings

    from crisisplan import settings as configured
    from tests.project.test_settings import manage, production_env

    assert configured.DEBUG and not settings.REQUIRE_2FA
    env = production_env()
    script = "from django.conf import settings as s; print(s.REQUIRE_2FA, s.EMAIL_BACKEND)"
    shown = manage("shell", "-v", "0", "-c", script, **env).stdout.split()
    assert shown == ["True", "django.core.mail.backends.smtp.EmailBackend"]
    shown = manage("shell", "-v", "0", "-c", script, **env, REQUIRE_2FA="false").stdout.split()
    assert shown[0] == "False"


# --- set-up ----------------------------------------------------------------------------


def _setup_key(client: Client) -> Any:
    from django_otp.oath import TOTP

    key = client.session[account_views.SETUP_KEY]
    return TOTP(bytes.fromhex(key))


def test_set_up_saves_the_device_only_after_a_right_code(
    alice_client: Client, alice: User, require_2fa: None
) -> None:
    url = reverse("account:two_factor_setup")
    page = alice_client.get(url).content.decode()
    assert "<svg" in page and "Type this key into the app instead" in page
    totp = _setup_key(alice_client)
    wrong = (totp.token() + 1) % 1_000_000
    response = alice_client.post(url, {"code": f"{wrong:06d}", "name": "Work phone"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()
    # The key stays the same across a wrong try (the app was set up with it).
    response = alice_client.post(url, {"code": f"{totp.token():06d}", "name": "Work phone"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    codes = re.findall(r"<li><code>([0-9a-z-]{19})</code></li>", response.content.decode())
    assert len(codes) == 10
    device = TOTPDevice.objects.get(user=alice)
    assert device.confirmed and device.name == "Work phone"
    assert RecoveryCodeDevice.objects.get(user=alice).remaining() == 10
    # This session is verified now, so the app is reachable.
    assert alice_client.get(reverse("clients:dashboard")).status_code == 200
    actions = set(AuditEvent.objects.filter(account=alice).values_list("action", flat=True))
    assert {"2fa_add", "recovery_codes"} <= actions


def test_set_up_signs_out_the_other_sessions(
    alice_client: Client, alice: User, client: Client
) -> None:
    other = Client()
    other.force_login(alice)
    url = reverse("account:two_factor_setup")
    alice_client.get(url)
    totp = _setup_key(alice_client)
    alice_client.post(url, {"code": f"{totp.token():06d}"})
    assert other.get(reverse("clients:dashboard")).status_code == 302


def test_set_up_needs_login_and_get_or_post(client: Client, alice: User) -> None:
    url = reverse("account:two_factor_setup")
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(alice)
    assert client.put(url).status_code == 405


# --- the admin -------------------------------------------------------------------------


def test_admin_needs_the_second_factor(client: Client, carol: User, require_2fa: None) -> None:
    client.force_login(carol)
    assert client.get("/admin/")["Location"].startswith(reverse("account:two_factor_setup"))
    device = add_authenticator(carol)
    verified = Client()
    password_step(verified, "carol@example.com")
    code_step(verified, totp_code(device))
    assert verified.get("/admin/").status_code == 200


def test_the_admin_login_form_is_never_used(client: Client, db: None) -> None:
    response = client.get("/admin/login/?next=/admin/hotlines/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/hotlines/"
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 302


def test_nobody_sees_a_second_factor_in_the_admin(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    root = User.objects.create_superuser("root@example.com", PASSWORD)
    client.force_login(root)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    page = client.get(reverse("admin:crisisplan_user_change", args=[alice.pk])).content.decode()
    assert alice_device.key not in page
    listing = client.get(reverse("admin:crisisplan_user_changelist")).content.decode()
    assert "two-factor" in listing.lower()


def test_a_superuser_resets_a_lost_second_factor(
    verified_client: Client, alice: User, alice_device: TOTPDevice, require_2fa: None
) -> None:
    RecoveryCodeDevice.make_codes(alice)
    root = User.objects.create_superuser("root@example.com", PASSWORD)
    admin = Client()
    admin.force_login(root)
    from django_otp import DEVICE_ID_SESSION_KEY

    root_device = add_authenticator(root)
    session = admin.session
    session[DEVICE_ID_SESSION_KEY] = root_device.persistent_id
    session.save()
    response = admin.post(
        reverse("admin:crisisplan_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [alice.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not RecoveryCodeDevice.objects.filter(user=alice).exists()
    # Alice is signed out everywhere, and sets up a new app at her next login.
    assert verified_client.get(reverse("clients:dashboard"))["Location"].startswith("/login/")
    event = AuditEvent.objects.get(action="2fa_reset")
    assert (event.actor, event.account) == (root, alice)


def test_a_curator_cannot_reset_a_second_factor(client: Client, carol: User, alice: User) -> None:
    add_authenticator(alice)
    client.force_login(carol)
    client.post(
        reverse("admin:crisisplan_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [alice.pk]},
    )
    assert TOTPDevice.objects.filter(user=alice).exists()
    assert not AuditEvent.objects.filter(action="2fa_reset").exists()


def test_a_failed_password_on_an_unknown_address_names_no_account(client: Client, db: None) -> None:
    make_user("someone@example.com")
    client.post(reverse("login"), {"username": "nobody@example.com", "password": "x"})
    assert not AuditEvent.objects.filter(action="login_failed").exists()
