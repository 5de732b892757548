"""The deployment check (`make deploy-check`): the recipe of deploy/ run for real.

One PostgreSQL database of its own (the name of DATABASE_URL's database + ``_deploy``,
dropped and made again, removed afterwards; the shared server is never reconfigured),
migrated, collected and checked with the production settings (DEBUG off, fresh
SECRET_KEY and ENCRYPTION_KEYS), seeded by tests/deploy/seed.py; then two gunicorn
instances with deploy/gunicorn.conf.py behind Caddy with deploy/Caddyfile.tryout
(tls internal), as two app servers would be. Two more instances stand in Caddy's list
that must never get a request: one whose keys do not match the data, one whose
DATABASE_URL does not answer.

Only with DEPLOY_CHECK=1 (the Makefile sets it); Caddy comes from Debian packages
(.ci/run installs it).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DOMAIN = "crisisplan.test"
# Small limits, so that a test reaches them in a few requests.
LINK_RATE_LIMIT_PER_LINK = 20
LINK_RATE_LIMIT_PER_ADDRESS = 30
HEALTH_INTERVAL = 1.0

if os.environ.get("DEPLOY_CHECK") != "1":
    collect_ignore_glob = ["test_*.py"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(what: str, predicate: Any, timeout: float = 30, output: Any = None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = predicate()
        except OSError:
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            extra = f"\n{output()}" if output else ""
            raise AssertionError(f"{what} did not happen within {timeout} s{extra}")
        time.sleep(0.1)


# --- the database --------------------------------------------------------------------


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        message = "the deployment check needs PostgreSQL: DATABASE_URL=postgres://..."
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return url


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def admin(url: str, *statements: str) -> None:
    """Run statements on the server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg2

    conn = psycopg2.connect(with_database(url, "postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def fresh_database(url: str, name: str) -> str:
    """A new, empty database ``name`` on the server of ``url``; its URL."""
    admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the production environment ------------------------------------------------------


def production_env(url: str, keys: str, static_root: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "ENV_FILE": "",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": DOMAIN,
        "DATABASE_URL": url,
        "ENCRYPTION_KEYS": keys,
        "BEHIND_TLS_PROXY": "true",
        "STATIC_ROOT": str(static_root),
        "LOG_FORMAT": "json",
        "LINK_RATE_LIMIT_PER_LINK": f"{LINK_RATE_LIMIT_PER_LINK}/600",
        "LINK_RATE_LIMIT_PER_ADDRESS": f"{LINK_RATE_LIMIT_PER_ADDRESS}/600",
        **extra,
    }


def manage(
    env: dict[str, str], *args: str, stdin: str | None = None, **more: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, **more},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


OPERATOR = {"email": "operator@deploy.example", "password": "operator deploy passphrase"}
CURATOR = {"email": "curator@deploy.example", "password": "curator deploy passphrase"}


@dataclass
class Deployment:
    """The deployment's database, seeded, and the environment its app servers use."""

    url: str
    name: str
    keys: str
    env: dict[str, str]
    seed: dict[str, Any]
    recipe: dict[str, subprocess.CompletedProcess[str]]
    tmp: Path


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    from crisisplan.core.keys import generate_entry

    url = database_url()
    name = f"{database_name(url)}_deploy"
    tmp = tmp_path_factory.mktemp("deploy")
    deploy_url = fresh_database(url, name)
    keys = generate_entry("prod1")
    env = production_env(deploy_url, keys, tmp / "static")
    try:
        recipe = {
            "migrate": manage(env, "migrate", "--noinput"),
            "collectstatic": manage(env, "collectstatic", "--noinput"),
            "check": manage(env, "check", "--deploy", "--fail-level", "WARNING"),
            # README, Deploying, step 6: the first operator and curator.
            "operator": manage(
                env,
                "createsuperuser",
                "--noinput",
                "--email",
                OPERATOR["email"],
                DJANGO_SUPERUSER_PASSWORD=OPERATOR["password"],
            ),
            "curator": manage(
                env, "create_curator", CURATOR["email"], stdin=CURATOR["password"] + "\n"
            ),
        }
        for step, result in recipe.items():
            assert result.returncode == 0, f"{step}:\n{result.stdout}{result.stderr}"
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.deploy.seed"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert seeded.returncode == 0, seeded.stderr
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        yield Deployment(deploy_url, name, keys, env, seed, recipe, tmp)
    finally:
        drop_database(url, name)


# --- processes -----------------------------------------------------------------------


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    out: Path
    err: Path
    popen: subprocess.Popen | None = None

    def start(self) -> Process:
        with self.out.open("ab") as out, self.err.open("ab") as err:
            # A process group of its own: stopping it stops gunicorn's workers too.
            self.popen = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def output(self) -> str:
        return f"--- {self.name} stdout\n{self.stdout()}\n--- stderr\n{self.stderr()}"

    def stdout(self) -> str:
        return self.out.read_text(errors="replace") if self.out.exists() else ""

    def stderr(self) -> str:
        return self.err.read_text(errors="replace") if self.err.exists() else ""


@dataclass
class AppServer(Process):
    port: int = 0

    def request_lines(self) -> list[dict[str, Any]]:
        """The app's JSON request lines on stdout."""
        lines = []
        for raw in self.stdout().splitlines():
            line = json.loads(raw)  # every line is JSON: LOG_FORMAT=json
            if line.get("logger") == "crisisplan.request":
                lines.append(line)
        return lines

    def served(self, request_id: str) -> bool:
        return any(line["request_id"] == request_id for line in self.request_lines())

    def healthz(self) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()


def app_server(name: str, env: dict[str, str], tmp: Path, **extra: str) -> AppServer:
    port = free_port()
    return AppServer(
        name,
        [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py"],
        {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2", **extra},
        tmp / f"{name}.out",
        tmp / f"{name}.err",
        port=port,
    )


# --- HTTPS through Caddy ---------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def request_id(self) -> str:
        return self.headers["X-Request-ID"]


class _Connection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 with the site's name for SNI, the certificate and Host."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Browser:
    """A browser as far as the server can tell: cookies, CSRF tokens, a Referer, and
    its own address on the loopback network (127.0.0.x), as a client on the internet has
    its own."""

    port: int
    context: ssl.SSLContext
    address: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        conn = _Connection(
            DOMAIN,
            self.port,
            context=self.context,
            timeout=15,
            source_address=(self.address, 0),
        )
        sent = {
            "User-Agent": "Mozilla/5.0 (deploy check) Chrome/126.0",
            "Referer": f"https://{DOMAIN}:{self.port}{path}",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for key, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        return Response(response.status, response.headers, text)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict[str, str], **kwargs: Any) -> Response:
        return self.request("POST", path, form, **kwargs)

    def csrf(self, page: Response) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert found, page.body[:2000]
        return found.group(1)

    def submit(self, path: str, form: dict[str, str], **kwargs: Any) -> Response:
        """GET the page, then POST its form with the CSRF token, as a browser does."""
        page = self.get(path)
        return self.post(path, {"csrfmiddlewaretoken": self.csrf(page), **form}, **kwargs)


@dataclass
class Stack:
    deployment: Deployment
    servers: list[AppServer]  # the two good ones
    bad_keys: AppServer
    no_database: AppServer
    caddy: Process
    http_port: int
    https_port: int
    context: ssl.SSLContext
    _addresses: Iterator[int] = field(default_factory=lambda: iter(range(2, 250)))

    def browser(self) -> Browser:
        """A browser at an address of its own (127.0.0.2, .3, ...): each test's limits and
        lockouts are its own."""
        return Browser(self.https_port, self.context, f"127.0.0.{next(self._addresses)}")

    def server_of(self, response: Response) -> AppServer:
        """The app server that answered (its log has the request's id)."""
        time.sleep(0.05)
        found = [
            s
            for s in [*self.servers, self.bad_keys, self.no_database]
            if s.served(response.request_id)
        ]
        assert len(found) == 1, f"{response.request_id} served by {found}"
        return found[0]


def caddy_binary() -> str:
    found = shutil.which("caddy")
    if found is None:
        message = "caddy is not installed (apt-get install caddy; .ci/run does)."
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


def caddy_process(tmp: Path, domain: str, upstreams: str, **extra: str) -> tuple[Process, int, int]:
    """Caddy with deploy/Caddyfile.tryout (tls internal) in front of ``upstreams``, on two
    free ports (not started): the process, its HTTP and its HTTPS port."""
    http_port, https_port = free_port(), free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "caddy-data"),
        "XDG_CONFIG_HOME": str(tmp / "caddy-config"),
        "CRISISPLAN_DOMAIN": domain,
        "CRISISPLAN_UPSTREAMS": upstreams,
        "CADDY_HTTP_PORT": str(http_port),
        "CADDY_HTTPS_PORT": str(https_port),
        # No admin endpoint: nothing here reloads Caddy, and one port fewer to collide
        # with another process's.
        "CADDY_ADMIN": "off",
        "CADDY_BIND": "127.0.0.1",
        **extra,
    }
    proxy = Process(
        "caddy",
        [caddy_binary(), "run", "--config", "deploy/Caddyfile.tryout", "--adapter", "caddyfile"],
        env,
        tmp / "caddy.out",
        tmp / "caddy.err",
    )
    return proxy, http_port, https_port


def caddy_authority(tmp: Path) -> Path:
    """The root certificate of the local authority Caddy makes for ``tls internal``."""
    return tmp / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"


@pytest.fixture(scope="session")
def stack(deployment: Deployment) -> Iterator[Stack]:
    tmp = deployment.tmp
    env = deployment.env
    good = [app_server(f"app{n}", env, tmp) for n in (1, 2)]
    # The same key id with other key material: keys that do not match the data.
    from crisisplan.core.keys import generate_entry

    wrong_keys = generate_entry(deployment.keys.split(":", 1)[0])
    bad_keys = app_server("badkeys", env, tmp, ENCRYPTION_KEYS=wrong_keys)
    no_database = app_server(
        "nodb", env, tmp, DATABASE_URL=with_database("postgres://postgres@127.0.0.1:9/", "x")
    )
    proxy, http_port, https_port = caddy_process(
        tmp,
        DOMAIN,
        " ".join(f"127.0.0.1:{s.port}" for s in [*good, bad_keys, no_database]),
        CRISISPLAN_HEALTH_INTERVAL=f"{HEALTH_INTERVAL:g}s",
    )
    everything = [*good, bad_keys, no_database, proxy]
    try:
        for process in [*good, bad_keys, no_database]:
            process.start()
        for server in [*good, bad_keys, no_database]:
            wait_until(
                f"{server.name} answering /healthz",
                lambda server=server: server.healthz()[0] in (200, 503),
                output=server.output,
            )
        proxy.start()
        root = caddy_authority(tmp)
        wait_until("Caddy's local authority", root.exists, output=proxy.output)
        context = ssl.create_default_context(cafile=str(root))
        stack = Stack(
            deployment, good, bad_keys, no_database, proxy, http_port, https_port, context
        )
        probe = Browser(https_port, context)
        wait_until(
            "Caddy serving HTTPS",
            lambda: probe.get("/login/").status == 200,
            output=proxy.output,
        )
        # Caddy has checked every app server at least twice.
        time.sleep(3 * HEALTH_INTERVAL)
        yield stack
    finally:
        for process in reversed(everything):
            process.stop()
