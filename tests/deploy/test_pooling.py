"""Past one database server: PgBouncer in transaction mode in front of PostgreSQL, with
the settings the README gives (DB_PREPARED_STATEMENTS=false, CONN_MAX_AGE=0).

A transaction-mode pooler hands each transaction whatever server connection is free;
this one also resets a server connection after every transaction (DISCARD ALL), so a
statement prepared in one transaction is gone by the next, every time: the link page's
prepared query fails there unless DB_PREPARED_STATEMENTS is off."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.conftest import Deployment, free_port, manage, wait_until

PAGES = """
from django.test import Client
browser = Client(
    raise_request_exception=False, HTTP_HOST="crisisplan.test", HTTP_X_FORWARDED_PROTO="https"
)
for path in ["/healthz", "/p/{token}/", "/p/{token}/", "/p/{token}/"]:
    print(path.split("/")[1], browser.get(path).status_code)
"""


@pytest.fixture
def pgbouncer(deployment: Deployment) -> Iterator[str]:
    """PgBouncer in transaction mode on a free port, in front of the deployment's
    database; its DATABASE_URL."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        message = "pgbouncer is not installed (apt-get install pgbouncer; make deploy-check does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    server = urllib.parse.urlsplit(deployment.url)
    target = (
        f"host={server.hostname or '127.0.0.1'} port={server.port or 5432} "
        f"dbname={deployment.name} user={urllib.parse.unquote(server.username or 'postgres')}"
    )
    if server.password:
        target += f" password={urllib.parse.unquote(server.password)}"
    port = free_port()
    # PgBouncer refuses to run as root: as the postgres user, in a folder it may use.
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o777)
    config = folder / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"crisisplan = {target}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = any\n"
        "pool_mode = transaction\n"
        "default_pool_size = 2\n"
        "server_reset_query = DISCARD ALL\n"
        "server_reset_query_always = 1\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    config.chmod(0o644)
    argv = [binary, str(config)]
    if os.geteuid() == 0:
        argv = [binary, "--user", "postgres", str(config)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:

        def answers() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True

        wait_until("pgbouncer listening", answers, timeout=15)
        yield f"postgres://postgres@127.0.0.1:{port}/crisisplan"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def pages(deployment: Deployment, url: str, prepared: str) -> dict[str, list[int]]:
    token = deployment.seed["links"]["spare"]
    result = manage(
        deployment.env,
        "shell",
        "-c",
        PAGES.format(token=token),
        DATABASE_URL=url,
        DB_PREPARED_STATEMENTS=prepared,
        CONN_MAX_AGE="0",
        LOG_FORMAT="plain",
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, list[int]] = {}
    for line in result.stdout.splitlines():
        name, _, status = line.rpartition(" ")
        if name in ("healthz", "p"):
            found.setdefault(name, []).append(int(status))
    return found


def test_transaction_pooling_works_with_prepared_statements_off(
    deployment: Deployment, pgbouncer: str
) -> None:
    assert pages(deployment, pgbouncer, "false") == {"healthz": [200], "p": [200, 200, 200]}


def test_transaction_pooling_breaks_the_prepared_query(
    deployment: Deployment, pgbouncer: str
) -> None:
    """Why the setting exists: with it on, the link page fails behind this pooler (the
    plain error page with emergency numbers), though the health check passes: it
    prepares nothing."""
    found = pages(deployment, pgbouncer, "true")
    assert found["healthz"] == [200]
    assert found["p"] == [500, 500, 500], found
