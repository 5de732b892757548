"""Start-up configuration: production refuses to start with missing or bad secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crisisplan.core.keys import KeyringError, generate_entry, parse_keyring

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py with exactly the given environment (no .env file)."""
    base = {"PATH": os.environ["PATH"], "ENV_FILE": "", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env() -> dict[str, str]:
    key = manage("generate_encryption_key", DEBUG="true").stdout.strip()
    secret = manage(
        "shell",
        "-c",
        "from django.core.management.utils import get_random_secret_key as g; print(g())",
        DEBUG="true",
    ).stdout.strip()
    return {
        "DEBUG": "false",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "crisisplan.example",
        "ENCRYPTION_KEYS": key,
        "DATABASE_URL": "postgres://crisisplan@db.example/crisisplan",
    }


@pytest.fixture(scope="module")
def prod() -> dict[str, str]:
    return production_env()


def test_check_deploy_passes_with_production_settings(prod: dict[str, str]) -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **prod)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SECRET_KEY", "", "SECRET_KEY"),
        ("SECRET_KEY", "short", "SECRET_KEY"),
        ("ALLOWED_HOSTS", "", "ALLOWED_HOSTS"),
        ("ENCRYPTION_KEYS", "", "ENCRYPTION_KEYS"),
        ("ENCRYPTION_KEYS", "k1:not-base64!!", "ENCRYPTION_KEYS"),
        ("ENCRYPTION_KEYS", "k1", "ENCRYPTION_KEYS"),
        ("DATABASE_URL", "nonsense://x", "DATABASE_URL"),
        ("DEBUG", "maybe", "DEBUG"),
        ("LINK_RATE_LIMIT_PER_ADDRESS", "lots", "LINK_RATE_LIMIT_PER_ADDRESS"),
        ("LINK_RATE_LIMIT_PER_LINK", "0/60", "LINK_RATE_LIMIT_PER_LINK"),
    ],
)
def test_production_start_up_names_the_bad_variable(
    prod: dict[str, str], variable: str, value: str, named: str
) -> None:
    env = {**prod, variable: value}
    if not value:
        del env[variable]
    result = manage("check", **env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert named in last_line
    # One sentence, not a wall of text; and never a key or secret echoed back.
    assert len(last_line) < 300
    assert prod["SECRET_KEY"] not in result.stderr


def test_generated_entry_is_a_valid_keyring() -> None:
    result = manage("generate_encryption_key", DEBUG="true")
    assert result.returncode == 0
    keyring = parse_keyring(result.stdout.strip())
    assert len(keyring.keys[keyring.current_id]) == 32


def test_keyring_order_and_validation() -> None:
    first, second = generate_entry("new"), generate_entry("old")
    keyring = parse_keyring(f"{first}, {second}")
    assert keyring.current_id == "new"
    assert set(keyring.keys) == {"new", "old"}
    assert "new" in keyring.keys and "gone" not in keyring.keys
    assert "AAAA" not in repr(keyring) and first.split(":")[1] not in repr(keyring)
    with pytest.raises(KeyringError, match="twice"):
        parse_keyring(f"{first},{first}")
    with pytest.raises(KeyringError, match="32 bytes"):
        parse_keyring("k1:AAAA")


def test_debug_starts_without_secrets() -> None:
    result = manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr
