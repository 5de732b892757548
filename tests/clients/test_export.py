"""export_client_data CLIENT_ID: the decrypted record as JSON, or a clear failure."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from clients import hooks
from crisisplan.core.keys import generate_entry, parse_keyring
from crisisplan.core.models import AuditEvent
from tests.factory import make_client

pytestmark = pytest.mark.django_db


def export(client_id: str) -> str:
    out = io.StringIO()
    call_command("export_client_data", client_id, stdout=out)
    return out.getvalue()


def test_exports_the_decrypted_record(alice: Any) -> None:
    client = make_client(
        alice,
        preferred_name="Rana",
        full_name="Rana Haddad",
        date_of_birth=datetime.date(1991, 4, 2),
        country="LB",
        subdivision="LB-BA",
        emergency_contact_consent=True,
    )
    data = json.loads(export(str(client.pk)))
    record = data["client"]
    assert record["id"] == str(client.pk)
    assert record["preferred_name"] == "Rana" and record["full_name"] == "Rana Haddad"
    assert record["date_of_birth"] == "1991-04-02"
    assert record["country"] == "LB" and record["subdivision"] == "LB-BA"
    assert record["emergency_contact_consent"] is True
    assert record["therapist"] == "alice@example.com"
    assert AuditEvent.objects.filter(client_id=client.pk, action="export").exists()


@pytest.mark.parametrize(
    ("client_id", "message"),
    [
        ("00000000-0000-4000-8000-000000000000", "No client has the id"),
        ("not-a-uuid", "is not a client id"),
    ],
)
def test_unknown_id_is_a_clear_error(db: None, client_id: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        export(client_id)


def test_decryption_failure_names_the_problem_and_writes_nothing(alice: Any, settings: Any) -> None:
    settings.ENCRYPTION_KEYRING = parse_keyring(generate_entry("k1"))
    client = make_client(alice, preferred_name="Rana")
    settings.ENCRYPTION_KEYRING = parse_keyring(generate_entry("k2"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="key id 'k1', which is not in ENCRYPTION_KEYS"):
        call_command("export_client_data", str(client.pk), stdout=out)
    assert out.getvalue() == ""
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_hooks_add_sections(alice: Any) -> None:
    client = make_client(alice)
    hooks.register_export("extra", lambda c: [str(c.pk)])
    try:
        assert json.loads(export(str(client.pk)))["extra"] == [str(client.pk)]
        with pytest.raises(ValueError, match="already registered"):
            hooks.register_export("extra", lambda c: None)
    finally:
        hooks.export_sections.pop("extra")


def test_command_exits_non_zero(alice: Any) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "export_client_data", "nope"],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "ENV_FILE": "",
            "DEBUG": "true",
            "DATABASE_URL": "sqlite:////tmp/enc-exit.sqlite3",
        },
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert "is not a client id" in result.stderr
    assert result.stdout == ""
