"""Login throttling counts the real client and the real account: behind the TLS proxy
the address is the forwarded one (the same rule as the link rate limits), and every case
variant of an email is one account."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from conftest import make_user
from crisisplan.core.models import User

PASSWORD = "correct horse battery"
PROXY = "127.0.0.1"  # every request reaches gunicorn from the proxy


def login(email: str, password: str, *, forwarded: str | None = None, ip: str = PROXY) -> Any:
    headers = {"REMOTE_ADDR": ip}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(reverse("login"), {"username": email, "password": password}, **headers)


def test_behind_the_proxy_failures_lock_the_forwarded_address_only(
    alice: User, bob: User, settings: Any
) -> None:
    settings.BEHIND_TLS_PROXY = True
    attacker = "203.0.113.9"
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(f"nobody{attempt}@example.com", "guess", forwarded=attacker)
    # The attacker's address is locked out, even with a right password...
    assert login("alice@example.com", PASSWORD, forwarded=attacker).status_code == 429
    # ...while two therapists behind the same proxy, from their own addresses, log in.
    assert login("alice@example.com", PASSWORD, forwarded="198.51.100.1").status_code == 302
    assert login("bob@example.com", PASSWORD, forwarded="198.51.100.2").status_code == 302


def test_behind_the_proxy_the_last_forwarded_entry_counts(alice: User, settings: Any) -> None:
    """A client can put anything in X-Forwarded-For; the proxy appends the address it
    saw. A forged first entry does not let the attacker dodge its own lockout."""
    settings.BEHIND_TLS_PROXY = True
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(f"nobody{attempt}@example.com", "guess", forwarded=f"10.9.9.{attempt}, 203.0.113.9")
    assert login("alice@example.com", PASSWORD, forwarded="1.2.3.4, 203.0.113.9").status_code == 429


def test_without_the_proxy_setting_a_forged_header_is_ignored(alice: User, settings: Any) -> None:
    settings.BEHIND_TLS_PROXY = False
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(f"nobody{attempt}@example.com", "guess", forwarded=f"10.8.8.{attempt}", ip="10.0.0.7")
    assert (
        login("alice@example.com", PASSWORD, forwarded="10.1.1.1", ip="10.0.0.7").status_code == 429
    )


def test_case_variants_of_an_email_share_one_count(db: None, settings: Any) -> None:
    make_user("ann@example.com")
    variants = [
        "Ann@example.com",
        "ANN@EXAMPLE.COM",
        "ann@example.com",
        " Ann@Example.com",
        "aNN@example.com",
    ]
    assert len(variants) == settings.AXES_FAILURE_LIMIT
    for number, email in enumerate(variants):
        # Each from its own address, so only the account's count can lock.
        login(email, "wrong password", ip=f"10.0.5.{number}")
    locked = login("ann@example.com", PASSWORD, ip="10.0.6.1")
    assert locked.status_code == 429
    assert login("Ann@Example.com", PASSWORD, ip="10.0.6.2").status_code == 429
