"""PIN tries sent at once to several gunicorn processes: never more PIN checks than
PIN_FAILURE_LIMIT before the pause, and the right PIN never opens a link that wrong
ones have paused, however the requests interleave.

Two gunicorn servers with three sync workers each serve the test database (six
requests at once). The link's PIN is hashed with an Argon2 cost of about a second, as
a real hash on a busy server takes: the window in which a check that read "not paused"
is still running. (The servers check whatever hash the row holds.)
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import argon2
import pytest

from crisisplan.links.models import LinkOpen, PrivateLink
from crisisplan.plans.models import Plan
from tests.factory import full_content, make_client, make_plan, make_service
from tests.servers import Browser, Server, gunicorn_servers

pytestmark = pytest.mark.django_db(transaction=True)

PIN = "2468"
WORKERS = 3
NOT_RIGHT = "That PIN is not right."
# Seconds to wait for an answer: answers to a burst on a busy machine can take longer
# than Browser's 10 s.
PATIENCE = 120


def slow_pin_hash(pin: str, seconds: float = 1.5) -> str:
    """A Django Argon2 hash of ``pin`` whose check takes about ``seconds`` here."""
    probe = argon2.PasswordHasher(time_cost=4, memory_cost=8192, parallelism=1)
    encoded = probe.hash(pin)
    started = time.perf_counter()
    probe.verify(encoded, pin)
    per_round = (time.perf_counter() - started) / 4
    rounds = max(4, round(seconds / max(per_round, 1e-4)))
    hasher = argon2.PasswordHasher(time_cost=rounds, memory_cost=8192, parallelism=1)
    return "argon2" + hasher.hash(pin)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    env = {"LINK_RATE_LIMIT_PER_ADDRESS": "1000/3600", "LINK_RATE_LIMIT_PER_LINK": "1000/3600"}
    with gunicorn_servers(
        tmp_path,
        env,
        workers=WORKERS,
        options=["--timeout", "120"],
        access_log=False,
        ready_within=60,
        stop_within=20,
    ) as found:
        yield found


@pytest.fixture
def path(alice: Any) -> str:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    plan: Plan = make_plan(make_client(alice, country="GB"), full_content(1))
    plan.publish(plan.version(1), alice)
    link, token = PrivateLink.issue(plan, None, pin="0000")
    PrivateLink.objects.filter(pk=link.pk).update(pin_hash=slow_pin_hash(PIN))
    return f"/p/{token}/"


def csrf_for(browser: Browser, server: Server, path: str) -> str:
    _status, page = browser.request(server.url + path)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _wait_until_the_tries_are_taken(seconds: float) -> None:
    """Until every try of the link is taken, at most ``seconds`` (about two thirds of a
    PIN check): the fixed code takes a try before its slow check, so on a busy machine
    this waits for the five requests to reach the servers; code that counts a try only
    after the check takes none in that time, and the right PIN then arrives while the
    wrong ones are still being checked, as the race needs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        link = PrivateLink.objects.get(revoked_at__isnull=True)
        if link.failed_pin_attempts >= PrivateLink.PIN_FAILURE_LIMIT or link.is_locked():
            return
        time.sleep(0.02)


def test_the_right_pin_never_opens_a_link_that_wrong_pins_paused(
    servers: list[Server], path: str
) -> None:
    """Five wrong PINs reach five workers at once; while their slow checks run, the
    right PIN reaches the sixth. The five have used every try: it is not checked."""
    browser = Browser(timeout=PATIENCE)
    csrf = csrf_for(browser, servers[0], path)

    def post(server: Server, pin: str) -> tuple[int, str]:
        return browser.request(server.url + path, {"csrfmiddlewaretoken": csrf, "pin": pin})

    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        wrong = [
            pool.submit(post, servers[n % 2], f"11{n:02d}")
            for n in range(PrivateLink.PIN_FAILURE_LIMIT)
        ]
        _wait_until_the_tries_are_taken(seconds=1.0)  # they are in the servers, hashing
        right = pool.submit(post, servers[1], PIN)
        answers = [future.result() for future in wrong]
        status, page = right.result()
    assert status == 403, "the right PIN opened a link that five wrong PINs had paused"
    assert "paused" in page and NOT_RIGHT not in page  # refused, not checked
    assert [code for code, _page in answers] == [403] * PrivateLink.PIN_FAILURE_LIMIT
    assert sum(NOT_RIGHT in page for _code, page in answers) == PrivateLink.PIN_FAILURE_LIMIT
    assert not LinkOpen.objects.exists()
    link = PrivateLink.objects.get(revoked_at__isnull=True)
    assert link.is_locked() and link.pin_pauses == 1


def test_a_burst_of_wrong_pins_gets_exactly_the_allowed_checks(
    servers: list[Server], path: str
) -> None:
    """Sixteen wrong PINs at once, on six workers: exactly five are checked (each answer
    says whether its PIN was checked), the rest are refused unchecked."""
    browser = Browser(timeout=PATIENCE)
    csrf = csrf_for(browser, servers[0], path)
    tries = 16

    def post(n: int) -> tuple[int, str]:
        server = servers[n % 2]
        return browser.request(server.url + path, {"csrfmiddlewaretoken": csrf, "pin": f"9{n:03d}"})

    with ThreadPoolExecutor(max_workers=2 * WORKERS + 2) as pool:
        answers = list(pool.map(post, range(tries)))
    assert [code for code, _page in answers] == [403] * tries
    checked = sum(NOT_RIGHT in page for _code, page in answers)
    assert checked == PrivateLink.PIN_FAILURE_LIMIT
    link = PrivateLink.objects.get(revoked_at__isnull=True)
    assert link.is_locked() and link.pin_pauses == 1
    assert link.failed_pin_attempts == PrivateLink.PIN_FAILURE_LIMIT
