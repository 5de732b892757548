"""deploy/ says what it claims: the systemd units' hardening, Caddy configurations that
Caddy accepts, gunicorn's production settings, the example environment. (The recipe
itself runs in tests/deploy/, `make deploy-check`.)"""

from __future__ import annotations

import configparser
import gc
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crisisplan import serverhooks
from tests.project.test_readme import README, environment_variables

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keep the directives' case
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_the_app_server_unit_is_hardened() -> None:
    service = unit("crisisplan.service")["Service"]
    assert service["User"] == "crisisplan" and service["Group"] == "crisisplan"
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
    }
    for directive, value in expected.items():
        assert service[directive] == value, directive
    assert service["EnvironmentFile"] == "/etc/crisisplan/crisisplan.env"
    assert "--config deploy/gunicorn.conf.py" in service["ExecStart"]
    assert "ReadWritePaths" not in service  # the app writes nothing to disk


def test_the_backup_unit_writes_only_its_folder() -> None:
    service = unit("crisisplan-backup.service")["Service"]
    assert service["User"] == "crisisplan"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/backups/crisisplan"
    assert service["ExecStart"] == "/opt/crisisplan/scripts/backup"
    assert unit("crisisplan-backup.timer")["Timer"]["OnCalendar"]


def test_systemd_accepts_the_units() -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    result = subprocess.run(
        [analyze, "verify", *sorted(str(p) for p in (DEPLOY / "systemd").iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Only the checkout's absence on this machine may be reported.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable: No such file or directory" not in line
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("caddyfile", "env"),
    [
        ("Caddyfile", {"CRISISPLAN_DOMAIN": "plans.example.org", "ACME_EMAIL": "a@example.org"}),
        ("Caddyfile.tryout", {}),
    ],
)
def test_caddy_accepts_both_configurations(caddyfile: str, env: dict[str, str]) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        if os.environ.get("CI") == "true":
            pytest.fail("caddy is not installed (.ci/run installs it)")
        pytest.skip("caddy is not installed (apt-get install caddy)")
    result = subprocess.run(
        [caddy, "adapt", "--config", caddyfile, "--adapter", "caddyfile"],
        cwd=DEPLOY,
        env={"PATH": os.environ["PATH"], "HOME": "/nonexistent", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert '"uri":"/healthz"' in result.stdout
    assert '"delete":["Server"]' in result.stdout
    # Caddy writes no access log: a link's path holds its token.
    assert '"logs"' not in result.stdout


def test_gunicorn_production_settings_load() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "",
        "DEBUG": "true",
        "LOG_FORMAT": "json",
        "GUNICORN_BIND": "127.0.0.1:8123",
        "GUNICORN_WORKERS": "3",
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            "deploy/gunicorn.conf.py",
            "--print-config",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, flags=re.MULTILINE))
    assert config["bind"] == "['127.0.0.1:8123']"
    assert config["workers"] == "3"
    assert config["accesslog"] == "None"  # the app logs each request itself
    assert "RedactingLogger" in config["logger_class"]
    assert "JsonFormatter" in config["logconfig_dict"]


def test_the_example_environment_names_only_documented_variables() -> None:
    text = (DEPLOY / "crisisplan.env.example").read_text()
    names = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    gunicorn = {"GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_FORWARDED_ALLOW_IPS"}
    assert names - gunicorn <= environment_variables()
    for name in names:
        assert f"`{name}`" in README, name
    assert {"DEBUG", "SECRET_KEY", "ENCRYPTION_KEYS", "BEHIND_TLS_PROXY"} <= names
    assert re.search(r"^BEHIND_TLS_PROXY=true$", text, flags=re.MULTILINE)


@pytest.mark.parametrize("name", ["deploy/manage", "scripts/backup", "scripts/restore"])
def test_the_scripts_are_executable_bash(name: str) -> None:
    path = ROOT / name
    assert os.access(path, os.X_OK)
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in path.read_text()
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", ["gunicorn.conf.py", "deploy/gunicorn.conf.py"])
def test_every_gunicorn_config_freezes_what_a_worker_loaded_at_start_up(path: str) -> None:
    spec = importlib.util.spec_from_file_location("gunicorn_config", ROOT / path)
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    assert config.post_worker_init is serverhooks.post_worker_init
    gc.unfreeze()
    try:
        config.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
