"""/healthz with the production settings on databases in the states an operator meets:
one without migrations (a new server, or code ahead of the database), and the
deployment's own (healthy). The unreachable database and keys that do not match the
data are in test_deploy.py, as app servers behind Caddy."""

from __future__ import annotations

from tests.deploy.conftest import (
    Deployment,
    database_url,
    drop_database,
    fresh_database,
    manage,
)

ASK = (
    "from django.test import Client; r = Client().get('/healthz'); "
    "print('healthz', r.status_code, r.content.decode().strip())"
)


def healthz(deployment: Deployment, **env: str) -> tuple[str, str]:
    result = manage(deployment.env, "shell", "-c", ASK, **env)
    assert result.returncode == 0, result.stderr
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("healthz ")]
    return line.removeprefix("healthz "), result.stderr


def test_a_database_without_migrations_is_not_healthy(deployment: Deployment) -> None:
    server = database_url()
    name = f"{deployment.name}_empty"
    url = fresh_database(server, name)
    try:
        answer, log = healthz(deployment, DATABASE_URL=url)
    finally:
        drop_database(server, name)
    assert answer == "503 migrations"
    assert "Health check failed: migrations" in log
    assert "run `python manage.py migrate`" in log


def test_the_deployment_is_healthy(deployment: Deployment) -> None:
    assert healthz(deployment)[0] == "200 ok"
