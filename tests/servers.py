"""Real gunicorn processes serving the test database, and a cookie-keeping client for
them: for the tests of what must hold across app processes (tests/links/test_processes.py,
tests/links/test_pin_race.py)."""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from conftest import TEST_KEYS

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = log


def _database_url() -> str:
    db = connection.settings_dict
    return "postgres://{}:{}@{}:{}/{}".format(
        urllib.parse.quote(db["USER"] or ""),
        urllib.parse.quote(db["PASSWORD"] or ""),
        db["HOST"] or "localhost",
        db["PORT"] or 5432,
        db["NAME"],
    )


@contextmanager
def gunicorn_servers(
    tmp_path: Path,
    env: dict[str, str],
    *,
    workers: int = 1,
    options: Sequence[str] = (),
    access_log: bool = True,
    ready_within: float = 30,
    stop_within: float = 10,
) -> Iterator[list[Server]]:
    """Two gunicorn servers (``workers`` sync workers each) on free ports, with DEBUG on
    and the test run's keys and static files, serving the test database; ``env`` adds
    or replaces variables (rate limits, CACHE_URL). With ``access_log``, each writes
    its access log to tmp_path/access<n>.log (Server.log). Yields once both answer
    /login/; stopped (SIGTERM, then waited for) on the way out."""
    if connection.vendor != "postgresql":
        pytest.skip("gunicorn processes share a database server: PostgreSQL only")
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "",
        "DEBUG": "true",
        "DATABASE_URL": _database_url(),
        "ENCRYPTION_KEYS": TEST_KEYS,
        "STATIC_ROOT": str(settings.STATIC_ROOT),
        **env,
    }
    processes, found = [], []
    try:
        for n in range(2):
            port, log = free_port(), tmp_path / f"access{n}.log"
            argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
            argv += ["--workers", str(workers), *options]
            if access_log:
                argv += ["--access-logfile", str(log)]
            processes.append(
                subprocess.Popen(
                    argv,
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            found.append(Server(port, log))
        deadline = time.monotonic() + ready_within
        for server in found:
            while True:
                try:
                    urllib.request.urlopen(server.url + "/login/", timeout=2).close()  # noqa: S310
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        yield found
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=stop_within)


class Browser:
    """A cookie-keeping client (cookies are per host, so both servers share them) that
    follows no redirect and waits up to ``timeout`` seconds for an answer."""

    def __init__(self, timeout: float = 10) -> None:
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect(),
        )

    def request(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=self.timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
