"""Backups that restore (scripts/backup, scripts/restore), drilled on the deployment's
database: back up, restore into a fresh database, and every client's export is the
same; a client deleted (crypto-shredded) stays unreadable; the keys are in no backup."""

from __future__ import annotations

import base64
import json
import re
import stat
import subprocess
from pathlib import Path

import pytest

from crisisplan.core.keys import generate_entry, parse_keyring
from tests.deploy.conftest import (
    ROOT,
    Deployment,
    database_url,
    drop_database,
    fresh_database,
    manage,
)


def script(name: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def backup(env: dict[str, str], folder: Path) -> Path:
    made = script("backup", env, str(folder))
    assert made.returncode == 0, made.stderr
    return Path(made.stdout.strip())


def restore(env: dict[str, str], file: Path, url: str) -> None:
    done = script("restore", {**env, "DATABASE_URL": url}, str(file))
    assert done.returncode == 0, done.stderr


def export(env: dict[str, str], client_id: str, **more: str) -> subprocess.CompletedProcess[str]:
    return manage(env, "export_client_data", client_id, **more)


@pytest.fixture
def scratch(deployment: Deployment) -> object:
    """Fresh databases for restores, dropped afterwards."""
    server = database_url()
    made: list[str] = []

    def new(suffix: str) -> str:
        name = f"{deployment.name}_{suffix}"
        made.append(name)
        return fresh_database(server, name)

    yield new
    for name in made:
        drop_database(server, name)


def test_a_backup_restores_every_client_exactly(
    deployment: Deployment, scratch: object, tmp_path: Path
) -> None:
    env, seed = deployment.env, deployment.seed
    file = backup(env, tmp_path / "backups")
    assert re.fullmatch(r"crisisplan-\d{8}T\d{6}Z\.dump", file.name)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert file.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format

    restored = scratch("restore")
    restore(env, file, restored)
    for client_id in seed["clients"]:
        before = export(env, client_id)
        after = export(env, client_id, DATABASE_URL=restored)
        assert before.returncode == after.returncode == 0, before.stderr + after.stderr
        data = json.loads(before.stdout)
        assert "v2 " in before.stdout  # the published version, decrypted
        for section in ("check_ins", "crisis_events", "follow_ups"):
            assert data[section], section
        assert after.stdout == before.stdout
    # The restored database serves: migrations applied, the keys match its data.
    health = manage(
        env,
        "shell",
        "-c",
        "from django.test import Client; r = Client().get('/healthz'); "
        "print(r.status_code, r.content.decode().strip())",
        DATABASE_URL=restored,
    )
    assert health.stdout.strip().splitlines()[-1] == "200 ok", health.stderr


def test_a_shredded_client_stays_unreadable_after_a_restore(
    deployment: Deployment, scratch: object, tmp_path: Path
) -> None:
    env, shredded = deployment.env, deployment.seed["shredded"]
    restored = scratch("shredded")
    restore(env, backup(env, tmp_path / "backups"), restored)
    gone = export(env, shredded, DATABASE_URL=restored)
    assert gone.returncode != 0
    assert gone.stdout == ""
    assert f"No client has the id {shredded}" in gone.stderr


def test_the_keys_are_in_no_backup(deployment: Deployment, tmp_path: Path) -> None:
    env = deployment.env
    file = backup(env, tmp_path / "backups")
    dump = file.read_bytes()
    entry = deployment.keys.split(":", 1)[1]
    keyring = parse_keyring(deployment.keys)
    raw = keyring.keys[keyring.current_id]
    for secret in (entry.encode(), raw, base64.b64encode(raw), env["SECRET_KEY"].encode()):
        assert secret not in dump
    listing = subprocess.run(
        ["pg_restore", "--file=-", str(file)], capture_output=True, timeout=120, check=True
    ).stdout
    assert entry.encode() not in listing
    assert b"ENCRYPTION_KEYS" not in listing


def test_a_backup_without_its_keys_is_worth_nothing(
    deployment: Deployment, scratch: object, tmp_path: Path
) -> None:
    env = deployment.env
    restored = scratch("nokeys")
    restore(env, backup(env, tmp_path / "backups"), restored)
    other = generate_entry(parse_keyring(env["ENCRYPTION_KEYS"]).current_id)  # not the key
    for client_id in deployment.seed["clients"]:
        refused = export(env, client_id, DATABASE_URL=restored, ENCRYPTION_KEYS=other)
        assert refused.returncode != 0
        assert refused.stdout == ""
        assert "could not be decrypted" in refused.stderr


def test_an_older_backup_of_a_shredded_client_dies_with_its_retired_key(
    deployment: Deployment, scratch: object, tmp_path: Path
) -> None:
    """Deleting a client destroys its data key; a backup made before still holds that
    key, wrapped, until the key that wrapped it is retired (rotate, then remove)."""
    env, seed = deployment.env, deployment.seed
    live = scratch("lifecycle")
    restore(env, backup(env, tmp_path / "backups"), live)  # a copy to live through
    kept = seed["clients"][2]
    gone = seed["clients"][3]
    old_backup = backup({**env, "DATABASE_URL": live}, tmp_path / "old")
    deleted = manage(
        env,
        "shell",
        "-c",
        f"from clients.models import Client; Client.objects.get(pk='{gone}').destroy()",
        DATABASE_URL=live,
    )
    assert deleted.returncode == 0, deleted.stderr
    new = generate_entry("prod2")
    rotated = manage(
        env,
        "rotate_encryption_keys",
        DATABASE_URL=live,
        ENCRYPTION_KEYS=f"{new},{env['ENCRYPTION_KEYS']}",
    )
    assert rotated.returncode == 0, rotated.stderr
    # The old key retired: the live data reads with the new key alone.
    assert export(env, kept, DATABASE_URL=live, ENCRYPTION_KEYS=new).returncode == 0
    # The old backup, restored with today's keys: the deleted client does not decrypt.
    again = scratch("old")
    restore(env, old_backup, again)
    unreadable = export(env, gone, DATABASE_URL=again, ENCRYPTION_KEYS=new)
    assert unreadable.returncode != 0
    assert unreadable.stdout == ""
    assert "could not be decrypted" in unreadable.stderr


def test_a_restore_never_mixes_with_live_data(deployment: Deployment, tmp_path: Path) -> None:
    env = deployment.env
    file = backup(env, tmp_path / "backups")
    refused = script("restore", env, str(file))  # into the deployment's own database
    assert refused.returncode == 1
    assert "restore into an empty one" in refused.stderr


def test_backup_refuses_anything_but_postgresql(deployment: Deployment, tmp_path: Path) -> None:
    refused = script("backup", {**deployment.env, "DATABASE_URL": "sqlite:///x"}, str(tmp_path))
    assert refused.returncode == 2
    assert "DATABASE_URL" in refused.stderr
    assert list(tmp_path.iterdir()) == []
