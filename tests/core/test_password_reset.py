"""Password reset by email (Django's views and tokens) and password change: the same
answer for any address, links that expire and die once used, other sessions ended."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from crisisplan.core.models import AuditEvent, User

NEW = "a brand new passphrase 7"


def ask(client: Client, email: str) -> Any:
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR="10.8.0.1")


def link_in(message: Any) -> str:
    match = re.search(r"https?://[^/\s]+(/password-reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def set_password(client: Client, link: str, password: str = NEW) -> Any:
    opened = client.get(link, REMOTE_ADDR="10.8.0.1")
    assert opened.status_code == 302  # Django moves the token out of the address
    return client.post(
        opened["Location"],
        {"new_password1": password, "new_password2": password},
        REMOTE_ADDR="10.8.0.1",
    )


def test_the_same_answer_whether_or_not_the_address_has_an_account(
    client: Client, alice: User
) -> None:
    known = ask(client, "ALICE@example.com")
    unknown = ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    page = client.get(reverse("password_reset_done")).content.decode()
    assert "If that address belongs to an account" in page
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    assert mail.outbox[0].subject == "Reset your CrisisPlan password"


def test_the_link_sets_a_new_password_once_and_ends_every_session(
    client: Client, alice: User
) -> None:
    elsewhere = Client()
    elsewhere.force_login(alice)
    assert elsewhere.get(reverse("clients:dashboard")).status_code == 200
    ask(client, "alice@example.com")
    link = link_in(mail.outbox[0])
    done = set_password(client, link)
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert elsewhere.get(reverse("clients:dashboard")).status_code == 302
    assert "_auth_user_id" not in client.session  # a reset does not log in
    assert AuditEvent.objects.filter(action="password_reset", account=alice).exists()
    # Used: the same link is dead, with a plain message, and the attempt is counted.
    again = client.get(link, REMOTE_ADDR="10.8.0.1")
    assert again.status_code == 200
    assert "This link does not work" in again.content.decode()
    failed = AuditEvent.objects.get(action="login_failed", account=alice)
    assert failed.detail["step"] == "reset_link"


def test_an_expired_link_does_not_work(client: Client, alice: User, settings: Any) -> None:
    generator = default_token_generator
    stale = generator._num_seconds(generator._now()) - settings.PASSWORD_RESET_TIMEOUT - 5
    token = generator._make_token_with_timestamp(alice, stale, generator.secret)
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    response = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()
    assert settings.PASSWORD_RESET_TIMEOUT == 3600


def test_forged_links_count_toward_the_lockout(client: Client, alice: User, settings: Any) -> None:
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        url = reverse("password_reset_confirm", args=[uid, f"abc-{attempt}"])
        client.get(url, REMOTE_ADDR="10.8.1.1")
    ask(client, "alice@example.com")
    link = link_in(mail.outbox[0])
    # Even a good link is refused while locked (the account and this address).
    assert client.get(link, REMOTE_ADDR="10.8.1.1").status_code == 429


def test_links_for_unknown_accounts_look_the_same(client: Client, alice: User) -> None:
    nobody = urlsafe_base64_encode(force_bytes(999_999))
    someone = urlsafe_base64_encode(force_bytes(alice.pk))
    one = client.get(reverse("password_reset_confirm", args=[nobody, "x-y"]))
    two = client.get(reverse("password_reset_confirm", args=[someone, "x-y"]))
    assert one.status_code == two.status_code == 200
    assert one.content == two.content


def test_after_a_reset_the_second_factor_is_still_asked(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    ask(client, "alice@example.com")
    set_password(client, link_in(mail.outbox[0]))
    response = client.post(reverse("login"), {"username": "alice@example.com", "password": NEW})
    assert response["Location"].startswith(reverse("account:login_code"))


def test_reset_pages_need_no_login_and_work_at_phone_size(client: Client, db: None) -> None:
    page = client.get(reverse("password_reset"))
    assert page.status_code == 200
    assert '<label for="id_email">' in page.content.decode()
    assert "Forgot your password?" in client.get(reverse("login")).content.decode()


def test_changing_the_password_ends_the_other_sessions(alice_client: Client, alice: User) -> None:
    elsewhere = Client()
    elsewhere.force_login(alice)
    response = alice_client.post(
        reverse("password_change"),
        {"old_password": "correct horse battery", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert alice_client.get(reverse("clients:dashboard")).status_code == 200
    assert elsewhere.get(reverse("clients:dashboard")).status_code == 302
    assert AuditEvent.objects.filter(action="password_change", account=alice).exists()
    # The account page still lists this session (it got a new key).
    assert "this device" in alice_client.get(reverse("account:index")).content.decode()


@pytest.mark.parametrize(
    ("value", "backend"),
    [
        ("consolemail://", "django.core.mail.backends.console.EmailBackend"),
        ("smtp+tls://u:p@smtp.example.org:587", "django.core.mail.backends.smtp.EmailBackend"),
    ],
)
def test_email_url_chooses_the_mail_backend(value: str, backend: str) -> None:
    from tests.project.test_settings import manage

    script = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST)"
    shown = manage("shell", "-v", "0", "-c", script, DEBUG="true", EMAIL_URL=value)
    assert shown.stdout.split()[0] == backend, shown.stderr


def test_a_malformed_email_url_stops_start_up() -> None:
    from tests.project.test_settings import manage

    result = manage("check", DEBUG="true", EMAIL_URL="pigeon://coop")
    assert result.returncode != 0
    assert "EMAIL_URL is malformed" in result.stderr
