"""/healthz: 200 "ok" when the database answers, migrations are applied and the keys
match the data; 503 with one word otherwise, the reason in the log.

The database being unreachable, and a database without migrations, are tested against
real gunicorn processes in tests/deploy/ (`make deploy-check`)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crisisplan.core.keys import generate_entry, parse_keyring
from tests.factory import make_client


@pytest.fixture
def production_like(settings: Any) -> None:
    """The HTTPS redirect and a real host list, as in production: the proxy still
    reaches /healthz by the app server's own address, over plain HTTP."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["crisisplan.example"]


def healthz(client: Client, method: str = "get") -> Any:
    return getattr(client, method)("/healthz", HTTP_HOST="127.0.0.1:8001")


def test_healthy_says_ok_and_nothing_else(
    client: Client, alice: Any, production_like: None
) -> None:
    make_client(alice)
    response = healthz(client)
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    # No version, server or framework details.
    assert "Server" not in response
    assert "X-Request-ID" not in response
    assert healthz(client, "head").status_code == 200


def test_an_empty_database_is_healthy(client: Client, db: None) -> None:
    assert healthz(client).content == b"ok\n"


def test_another_method_is_not_the_health_check(client: Client, db: None) -> None:
    assert client.post("/healthz").status_code == 404


def test_keys_missing_the_id_the_data_uses(
    client: Client, alice: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    make_client(alice)  # wrapped under test1, the first of the test keys
    settings.ENCRYPTION_KEYRING = parse_keyring(generate_entry("fresh"))
    with caplog.at_level("ERROR", logger="crisisplan.health"):
        response = healthz(client)
    assert response.status_code == 503
    assert response.content == b"keys\n"
    assert "Health check failed: keys" in caplog.text
    assert "'test1'" in caplog.text
    assert "ENCRYPTION_KEYS lacks" in caplog.text


def test_keys_of_the_right_id_but_not_the_data(
    client: Client, alice: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The same key id with other key material: the data's keys do not unwrap."""
    make_client(alice)
    settings.ENCRYPTION_KEYRING = parse_keyring(generate_entry("test1"))
    with caplog.at_level("ERROR", logger="crisisplan.health"):
        response = healthz(client)
    assert (response.status_code, response.content) == (503, b"keys\n")
    assert "does not unwrap the data keys" in caplog.text
    # Never the key itself.
    key = settings.ENCRYPTION_KEYRING.keys["test1"]
    assert key.hex() not in caplog.text


def test_an_old_key_still_listed_keeps_it_healthy(
    client: Client, alice: Any, settings: Any
) -> None:
    """After a new key is put first and before rotation, the data is still readable."""
    make_client(alice)
    old = settings.ENCRYPTION_KEYRING
    entries = ",".join(
        f"{key_id}:{__import__('base64').b64encode(raw).decode()}"
        for key_id, raw in old.keys.items()
    )
    settings.ENCRYPTION_KEYRING = parse_keyring(f"{generate_entry('new')},{entries}")
    assert healthz(client).content == b"ok\n"


def test_no_keys_at_all(client: Client, db: None, settings: Any) -> None:
    settings.ENCRYPTION_KEYRING = None
    response = healthz(client)
    assert (response.status_code, response.content) == (503, b"keys\n")
