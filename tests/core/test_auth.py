"""Therapist accounts: login, throttling, session lifetime, password change, admin."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from crisisplan.core.models import User
from crisisplan.middleware import LOGIN_AT, SEEN_AT

PASSWORD = "correct horse battery"
WRONG_CREDENTIALS = "Please enter a correct email address and password."


def login(client: Client, email: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_login_page_renders(client: Client, db: None) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'<label for="id_username">Email address</label>' in response.content


def test_login_with_email_reaches_dashboard(client: Client, alice: User) -> None:
    response = login(client, "Alice@Example.com", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:dashboard")
    assert client.get(reverse("clients:dashboard")).status_code == 200


def test_wrong_email_and_wrong_password_get_the_same_message(client: Client, alice: User) -> None:
    wrong_password = login(client, "alice@example.com", "nope nope nope")
    wrong_email = login(client, "nobody@example.com", PASSWORD)
    assert wrong_password.status_code == wrong_email.status_code == 200
    assert WRONG_CREDENTIALS in wrong_password.content.decode()
    assert WRONG_CREDENTIALS in wrong_email.content.decode()


def test_repeated_failures_lock_the_account_even_with_the_right_password(
    client: Client, alice: User, settings: Any
) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "alice@example.com", f"wrong {attempt}", ip=f"10.0.1.{attempt}")
    locked = login(client, "alice@example.com", PASSWORD, ip="10.0.2.1")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_address(client: Client, alice: User, settings: Any) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"someone{attempt}@example.com", "guess", ip="10.0.3.3")
    assert login(client, "alice@example.com", PASSWORD, ip="10.0.3.3").status_code == 429
    # Another address can still log in to the same account.
    assert login(Client(), "alice@example.com", PASSWORD, ip="10.0.3.4").status_code == 302


def test_lockout_is_stored_in_the_database(client: Client, alice: User, settings: Any) -> None:
    """Shared by every app process and kept across restarts (django-axes DB handler)."""
    from axes.models import AccessAttempt

    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "alice@example.com", f"wrong {attempt}", ip="10.0.4.4")
    assert AccessAttempt.objects.filter(username="alice@example.com").exists()
    # A brand-new client (another process, after a restart) is still locked out.
    assert login(Client(), "alice@example.com", PASSWORD, ip="10.0.4.4").status_code == 429


def test_logout_is_a_post(alice_client: Client) -> None:
    assert alice_client.get(reverse("logout")).status_code == 405
    response = alice_client.post(reverse("logout"))
    assert response.status_code == 302
    assert alice_client.get(reverse("clients:dashboard")).status_code == 302


def test_dashboard_sends_anonymous_to_login(client: Client, db: None) -> None:
    response = client.get(reverse("clients:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    if "login" in seconds_ago:
        session[LOGIN_AT] = now - seconds_ago["login"]
    if "seen" in seconds_ago:
        session[SEEN_AT] = now - seconds_ago["seen"]
    session.save()


def test_session_ends_after_idle_limit(alice_client: Client, settings: Any) -> None:
    assert alice_client.get(reverse("clients:dashboard")).status_code == 200
    _age_session(alice_client, seen=settings.SESSION_IDLE_MINUTES * 60 + 5)
    response = alice_client.get(reverse("clients:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_session_survives_activity_within_idle_limit(alice_client: Client, settings: Any) -> None:
    alice_client.get(reverse("clients:dashboard"))
    _age_session(alice_client, seen=settings.SESSION_IDLE_MINUTES * 60 - 60)
    assert alice_client.get(reverse("clients:dashboard")).status_code == 200


def test_session_ends_after_max_age_even_when_active(alice_client: Client, settings: Any) -> None:
    alice_client.get(reverse("clients:dashboard"))
    _age_session(alice_client, login=settings.SESSION_MAX_HOURS * 3600 + 5, seen=10)
    assert alice_client.get(reverse("clients:dashboard")).status_code == 302


def test_password_change(alice_client: Client, alice: User) -> None:
    url = reverse("password_change")
    assert alice_client.get(url).status_code == 200
    weak = alice_client.post(
        url, {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"}
    )
    assert weak.status_code == 200
    assert "too short" in weak.content.decode()
    new = "a much longer passphrase 42"
    response = alice_client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(new)


def test_argon2_is_the_default_hasher() -> None:
    from django.conf import settings as live

    # The tests swap in a fast hasher; the configured order lives in settings.py.
    from crisisplan import settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert live.PASSWORD_HASHERS  # the fast test hasher is in force here


def test_admin_only_for_staff(client: Client, alice: User, carol: User) -> None:
    client.force_login(alice)
    assert client.get("/admin/").status_code == 302
    client.force_login(carol)
    assert client.get("/admin/").status_code == 200


def test_createsuperuser_works(db: None) -> None:
    call_command("createsuperuser", interactive=False, email="root@example.com", verbosity=0)
    user = User.objects.get(email="root@example.com")
    assert user.is_staff and user.is_superuser


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_security_headers(client: Client, db: None, path: str) -> None:
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_behind_the_proxy_failures_count_per_client_address_not_the_proxys(
    client: Client, alice: User, bob: User, settings: Any
) -> None:
    """Behind a TLS proxy every request comes from the proxy's address: the lockout reads
    the client's address from the proxy's X-Forwarded-For entry (the last one, which the
    proxy wrote), so one client's failures do not lock everyone out, and a client cannot
    escape its own lockout by sending the header itself."""
    settings.BEHIND_TLS_PROXY = True

    def attempt(email: str, password: str, forwarded: str) -> Any:
        return Client().post(
            reverse("login"),
            {"username": email, "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(f"someone{n}@example.com", "guess", "198.51.100.7")
    # Another client behind the same proxy still logs in.
    assert attempt("bob@example.com", PASSWORD, "198.51.100.8").status_code == 302
    # The locked client, pretending to be someone else in its own header, is still locked.
    assert attempt("alice@example.com", PASSWORD, "203.0.113.1, 198.51.100.7").status_code == 429
