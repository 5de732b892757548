"""A save while the database is down loses nothing (issue 19, point 1).

A real gunicorn with production settings serves the app from a PostgreSQL cluster of
this module's own (bench/faults.py's throwaway Cluster), which the tests stop and start:
never the shared server. With JavaScript the editor stays as it is and says "Not saved — try
again"; without, the error page shows what was typed, read-only, never stored by the
browser, never logged. Started again, the same save goes through, once.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from bench.faults import DATABASE, Cluster, DrillError, postgres_bin
from conftest import TEST_KEYS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """gunicorn serving the app from a cluster, with production settings: DEBUG off, so
    errors are answered by the project's own handlers, as in production."""

    def __init__(self, database_url: str, static_root: str, encryption_keys: str) -> None:
        self.port = free_port()
        # "localhost": browsers keep Secure cookies (DEBUG off) on it over plain HTTP.
        self.url = f"http://localhost:{self.port}"
        self.log = Path(tempfile.mkdtemp(prefix="crisisplan-gunicorn-")) / "gunicorn.log"
        self.env = {
            "PATH": os.environ["PATH"],
            "ENV_FILE": "",
            "DEBUG": "false",
            "SECRET_KEY": "a-test-key-that-is-long-enough-for-the-check-" + "x" * 20,
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "DATABASE_URL": database_url,
            "ENCRYPTION_KEYS": encryption_keys,
            "STATIC_ROOT": static_root,
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "REQUIRE_2FA": "false",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return done.stdout

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "crisisplan.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--timeout",
                    "60",
                    "--access-logfile",
                    "-",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/login/", timeout=2).close()  # noqa: S310
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.log.parent, ignore_errors=True)

    def logged(self) -> str:
        return self.log.read_text(errors="replace")


SEED = """
from clients.models import Client
from crisisplan.core.models import User
alice = User.objects.create_user("alice@example.com", "correct horse battery")
client = Client.objects.create_for(alice, preferred_name="Robin", country="GB")
print(client.pk)
"""


@dataclass
class Outage:
    cluster: Cluster
    server: AppServer
    client_pk: str

    @property
    def editor(self) -> str:
        return f"{self.server.url}/clients/{self.client_pk}/plan/"

    def versions(self) -> list[int]:
        rows = self.cluster.sql(
            "SELECT number FROM crisisplan_planversion ORDER BY number", DATABASE
        )
        return [number for (number,) in rows]


@pytest.fixture(scope="module")
def outage(_collected_static: None) -> Iterator[Outage]:
    try:
        postgres_bin()
    except DrillError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    folder = Path(tempfile.mkdtemp(prefix="crisisplan-save-"))
    os.chmod(folder, 0o755)  # noqa: S103 - the postgres user reaches its cluster inside
    cluster = Cluster(folder / "pg")
    server = None
    try:
        cluster.create()
        server = AppServer(cluster.url(), str(settings.STATIC_ROOT), TEST_KEYS)
        server.manage("migrate", "--noinput", "-v", "0")
        client_pk = server.manage("shell", "-c", SEED).strip().splitlines()[-1]
        server.start()
        yield Outage(cluster, server, client_pk)
    finally:
        if server is not None:
            server.stop()
        cluster.remove()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_up(outage: Outage) -> Iterator[Outage]:
    """Each test starts, and leaves the cluster, running."""
    yield outage
    if not (outage.cluster.data / "postmaster.pid").exists():
        outage.cluster.start()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class FormPoster:
    """A browser without JavaScript: cookies (Secure ones too, on localhost), no
    redirects followed unless asked."""

    def __init__(self) -> None:
        policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("http", "https"))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar(policy)), NoRedirect()
        )

    def send(self, url: str, data: dict[str, str] | None = None) -> tuple[int, Any, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, body, headers={"Origin": _origin(url)})  # noqa: S310
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def _log_in(poster: FormPoster, server: AppServer) -> None:
    _status, _headers, page = poster.send(server.url + "/login/")
    status, _headers, _page = poster.send(
        server.url + "/login/",
        {
            "csrfmiddlewaretoken": _hidden(page, "csrfmiddlewaretoken"),
            "username": "alice@example.com",
            "password": "correct horse battery",
        },
    )
    assert status == 302


TYPED = "<b>I stop answering</b> & lie awake"


def test_without_javascript_the_error_page_shows_what_was_typed(database_up: Outage) -> None:
    outage = database_up
    poster = FormPoster()
    _log_in(poster, outage.server)
    _status, _headers, page = poster.send(outage.editor)
    form = {
        "csrfmiddlewaretoken": _hidden(page, "csrfmiddlewaretoken"),
        "base_version": _hidden(page, "base_version"),
        "save_key": _hidden(page, "save_key"),
        "warning_signs-0-text": TYPED,
        "warning_signs-1-text": "I skip meals",
        "helpers-0-name": "Maya",
        "helpers-0-phone": "07700 900456",
        "session_cut_off-who_calls": "therapist_calls",
        "session_cut_off-minutes": "5",
        "change_note": "First draft with Robin",
        "save": "1",
    }
    before = outage.versions()

    outage.cluster.stop()
    status, headers, page = poster.send(outage.editor, form)
    assert status == 503
    assert int(headers["Retry-After"]) > 0
    assert "no-store" in headers["Cache-Control"]
    assert "Not saved — try again" in page
    text = re.search(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", page, re.S).group(1)
    assert "&lt;b&gt;I stop answering&lt;/b&gt; &amp; lie awake" in text
    assert "<b>" not in page
    assert "1. Warning signs that a crisis may be starting" in text
    assert "4. People I can ask for help\nName: Maya · Phone: 07700 900456" in text
    assert "If our session drops: My therapist calls me" in text
    assert "We try to reconnect for (minutes): 5" in text
    assert "First draft with Robin" in text
    assert "csrfmiddlewaretoken" not in text and form["save_key"] not in page
    # Nothing of it reached gunicorn's log (its own and Django's).
    assert "I stop answering" not in outage.server.logged()
    assert "Maya" not in outage.server.logged()

    outage.cluster.start()
    status, headers, _page = poster.send(outage.editor, form)
    assert status == 302
    after = outage.versions()
    assert len(after) == len(before) + 1
    # Sent once more (a double click, a retry): the same version, not another.
    status, headers, _page = poster.send(outage.editor, form)
    assert status == 302
    assert outage.versions() == after


def test_with_javascript_the_editor_stays_and_says_not_saved(
    database_up: Outage, page: Page, artifacts: Path
) -> None:
    outage = database_up
    page.goto(outage.server.url + "/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Robin", exact=True)).to_be_visible()
    page.goto(outage.editor)
    saved = len(outage.versions())
    number = saved + 1
    page.evaluate("window.sameDocument = true")

    # The database stops while the therapist types.
    outage.cluster.stop()
    page.get_by_label("Warning sign 1", exact=True).fill("I pace at night")
    page.get_by_label("Change note").fill("After the session of Tuesday")
    page.get_by_role("button", name="Save", exact=True).first.click()
    alert = page.locator(".plan-save-bar [data-save-failed]")
    expect(alert).to_have_text(re.compile("^Not saved — try again. The server did not answer"))
    assert alert.get_attribute("role") == "alert"
    expect(page.get_by_label("Warning sign 1", exact=True)).to_have_value("I pace at night")
    expect(page.get_by_label("Change note")).to_have_value("After the session of Tuesday")
    assert page.evaluate("window.sameDocument") is True
    page.screenshot(path=artifacts / "save-not-saved.png")

    outage.cluster.start()
    assert len(outage.versions()) == saved
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text(f"Saved as version {number}.")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True  # no page load: the body was replaced
    expect(page.get_by_label("Warning sign 1", exact=True)).to_have_value("I pace at night")
    expect(alert).to_be_empty()
    assert outage.versions()[-1] == number


def test_a_client_form_without_javascript_shows_what_was_typed(database_up: Outage) -> None:
    outage = database_up
    poster = FormPoster()
    _log_in(poster, outage.server)
    url = f"{outage.server.url}/clients/{outage.client_pk}/crisis-events/new/"
    _status, _headers, page = poster.send(url)
    form = {
        "csrfmiddlewaretoken": _hidden(page, "csrfmiddlewaretoken"),
        "occurred_at": "2026-12-05T21:30",
        "actions": "Stayed on the call; agreed a plan for the night",
        "called": "Her sister Maya",
        "outcome": "",
    }
    outage.cluster.stop()
    status, headers, page = poster.send(url, form)
    assert status == 503 and "no-store" in headers["Cache-Control"]
    text = re.search(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", page, re.S).group(1)
    assert text.splitlines() == [
        "When it happened: 2026-12-05T21:30",
        "What was done: Stayed on the call; agreed a plan for the night",
        "Who was called: Her sister Maya",
    ]
    assert "Her sister Maya" not in outage.server.logged()


def test_without_javascript_in_chromium_the_typed_text_is_ready_to_copy(
    database_up: Outage, browser: Browser, artifacts: Path
) -> None:
    outage = database_up
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(outage.server.url + "/login/")
        page.get_by_label("Email address").fill("alice@example.com")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Log in").click()
        page.goto(outage.editor)
        page.get_by_label("Warning sign 1", exact=True).fill("I stop sleeping")
        page.get_by_label("Change note").fill("Written without JavaScript")

        outage.cluster.stop()
        page.get_by_role("button", name="Save", exact=True).first.click()
        expect(page.get_by_role("heading", name="Not saved — try again")).to_be_visible()
        box = page.get_by_label("What you typed")
        expect(box).to_have_js_property("readOnly", True)
        expect(box).to_have_value(re.compile("^1. Warning signs.*\nI stop sleeping\n", re.S))
        expect(box).to_have_value(re.compile("Change note\nWritten without JavaScript"))
        page.screenshot(path=artifacts / "save-not-saved-no-javascript.png", full_page=True)
        html = page.content()
    finally:
        context.close()
    # axe needs JavaScript: the same page, checked in a page that runs it.
    checker = browser.new_page()
    try:
        checker.goto(outage.server.url + "/login/")
        checker.set_content(html)
        results = Axe().run(checker)
        assert results.violations_count == 0, results.generate_report()
    finally:
        checker.close()
