"""Limits that must hold across app processes, and tokens that must never reach a log.

Two real gunicorn processes serve the test database; requests alternate between them.
The limits and grants are tested with each store they can live in: the database, and
a real redis-server (CACHE_URL), as crisisplan/links/gate.py keeps them.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session

from crisisplan.links.models import LinkOpen, PrivateLink
from crisisplan.logfilters import RedactTokensFilter
from crisisplan.plans.models import Plan
from hotlines.models import ContactMethod
from tests.factory import full_content, make_client, make_published_plan, make_service
from tests.servers import ROOT, Browser, Server, gunicorn_servers


@pytest.fixture(params=["database"])
def store(request: pytest.FixtureRequest) -> str:
    """Where the link state lives: "database", or the URL of a redis-server."""
    return request.getfixturevalue("redis_url") if request.param == "redis" else "database"


both_stores = pytest.mark.parametrize("store", ["database", "redis"], indirect=True)


@pytest.fixture
def servers(tmp_path: Path, store: str) -> Iterator[list[Server]]:
    env = {"LINK_RATE_LIMIT_PER_ADDRESS": "10/3600", "LINK_RATE_LIMIT_PER_LINK": "1000/3600"}
    if store != "database":
        env["CACHE_URL"] = store
    with gunicorn_servers(tmp_path, env) as found:
        yield found


@pytest.fixture
def plan(alice: Any) -> Plan:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    return make_published_plan(make_client(alice, country="GB"), full_content(1))


pytestmark = pytest.mark.django_db(transaction=True)


@both_stores
def test_the_address_limit_holds_across_two_processes(servers: list[Server], plan: Plan) -> None:
    _link, token = PrivateLink.issue(plan, None)
    path = f"/p/{token}/"
    browser = Browser()
    statuses = [browser.request(servers[n % 2].url + path)[0] for n in range(10)]
    assert statuses == [200] * 10
    for server in servers:
        status, page = browser.request(server.url + path)
        assert status == 429
        assert 'href="tel:999"' in page  # the link's region's emergency number


@both_stores
def test_the_pin_lock_holds_across_two_processes(servers: list[Server], plan: Plan) -> None:
    _link, token = PrivateLink.issue(plan, None, pin="2468")
    path = f"/p/{token}/"
    browser = Browser()
    _status, page = browser.request(servers[0].url + path)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    for n in range(PrivateLink.PIN_FAILURE_LIMIT):
        status, _ = browser.request(
            servers[n % 2].url + path, {"csrfmiddlewaretoken": csrf, "pin": "1111"}
        )
        assert status == 403
    status, page = browser.request(servers[0].url + path)
    assert 'name="pin"' not in page  # no PIN form while paused
    # (the page's language switch still carries a CSRF token: use it, to be refused
    # by the lock, not by the CSRF check)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert "paused" in page
    status, page = browser.request(
        servers[1].url + path, {"csrfmiddlewaretoken": csrf, "pin": "2468"}
    )
    assert status == 403
    assert not LinkOpen.objects.exists()
    assert PrivateLink.objects.get().is_locked()


@both_stores
def test_a_plan_opened_on_one_process_opens_on_the_other(
    servers: list[Server], plan: Plan, store: str
) -> None:
    """The grant is shared: opening the link on one process lets the plan page of every
    other process show the plan, and only in that browser. (The PIN is checked before
    the grant, tests/links/test_shared_cache.py; these servers hash with Argon2, the
    test run with MD5.)"""
    _link, token = PrivateLink.issue(plan, None)
    path = f"/p/{token}/"
    browser = Browser()
    _status, page = browser.request(servers[0].url + path)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, _ = browser.request(servers[0].url + path, {"csrfmiddlewaretoken": csrf})
    assert status == 302
    status, page = browser.request(servers[1].url + path + "plan/")
    assert status == 200
    assert "My crisis plan" in page
    status, _ = Browser().request(servers[1].url + path + "plan/")
    assert status == 302  # another browser goes to the landing page
    # The grant lives where the store says: a session row only without Redis.
    assert Session.objects.exists() == (store == "database")


@both_stores
def test_a_revoked_link_closes_on_every_process_at_once(
    servers: list[Server], plan: Plan, store: str
) -> None:
    link, token = PrivateLink.issue(plan, None)
    path = f"/p/{token}/"
    browser = Browser()
    _status, page = browser.request(servers[0].url + path)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert browser.request(servers[0].url + path, {"csrfmiddlewaretoken": csrf})[0] == 302
    assert browser.request(servers[1].url + path + "plan/")[0] == 200
    link.revoke(None)
    for server in servers:
        status, page = browser.request(server.url + path + "plan/")
        assert status == 404
        assert 'href="tel:999"' in page


def test_tokens_never_reach_the_access_log(servers: list[Server], plan: Plan) -> None:
    _link, token = PrivateLink.issue(plan, None)
    browser = Browser()
    for server in servers:
        browser.request(server.url + f"/p/{token}/")
        browser.request(server.url + f"/p/{token}/plan/")
        browser.request(server.url + "/p/some-guessed-token/")
    time.sleep(0.5)  # gunicorn writes its access log after the response
    for server in servers:
        log = server.log.read_text()
        assert log.count("/p/[redacted]/") >= 3, log
        assert token not in log
        assert "some-guessed-token" not in log


def test_the_logging_filter_redacts_tokens_and_searches() -> None:
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /p/AbC_123-xyz/plan/?q=Robin HTTP/1.1", "200", "512"),
        None,
    )
    assert RedactTokensFilter().filter(record)
    message = record.getMessage()
    assert "AbC_123-xyz" not in message
    assert "Robin" not in message
    assert "/p/[redacted]/plan/" in message


def test_a_corrected_number_reaches_every_process_at_once(
    servers: list[Server], plan: Plan
) -> None:
    """Each process remembers region lookups; the directory's version (in the database)
    tells all of them that a number changed."""
    _link, token = PrivateLink.issue(plan, None)
    browser = Browser()
    for server in servers:
        status, page = browser.request(server.url + f"/p/{token}/")
        assert status == 200
        assert 'href="tel:999"' in page
    method = ContactMethod.objects.get(service__name="Emergency services", kind="phone")
    method.value = "112"
    method.save()
    for server in servers:
        _status, page = browser.request(server.url + f"/p/{token}/")
        assert 'href="tel:112"' in page
        assert 'href="tel:999"' not in page


def test_gunicorn_serves_hashed_static_files_through_whitenoise(servers: list[Server]) -> None:
    _status, page = Browser().request(servers[0].url + "/login/")
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert css, "the stylesheet is linked under a hashed name"
    with urllib.request.urlopen(servers[1].url + css.group(1), timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert b"--accent" in response.read()


def test_gunicorns_error_log_redacts_tokens() -> None:
    """Errors gunicorn logs itself (outside Django) name the request's path too."""
    from gunicorn.config import Config

    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    logger = conf.RedactingLogger(Config())
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logger.error_log.addHandler(handler)
    try:
        logger.error("Error handling request %s", "/p/AbC_123-xyz/plan/")
    finally:
        logger.error_log.removeHandler(handler)
    assert seen == ["Error handling request /p/[redacted]/plan/"]
