"""The recipe of deploy/, run: Caddy with `tls internal` in front of two gunicorn
instances on one PostgreSQL database (tests/deploy/conftest.py builds it)."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import threading
import time
import urllib.parse

from django_otp.oath import TOTP

from crisisplan.core.keys import generate_entry
from tests.deploy.conftest import (
    CURATOR,
    DOMAIN,
    HEALTH_INTERVAL,
    LINK_RATE_LIMIT_PER_ADDRESS,
    LINK_RATE_LIMIT_PER_LINK,
    OPERATOR,
    AppServer,
    Browser,
    Response,
    Stack,
    manage,
    wait_until,
)


def unknown_token() -> str:
    """Well formed, known to no link: each one counted apart by the per-link limit."""
    return secrets.token_urlsafe(32)


# The time step each key's code was last used in: django-otp takes a code once, so a
# second login with the same key in the same 30 s step waits for the next step.
_USED_STEP: dict[str, int] = {}


def totp(key_hex: str) -> str:
    generator = TOTP(bytes.fromhex(key_hex))
    while generator.t() == _USED_STEP.get(key_hex):
        time.sleep(0.5)
        generator = TOTP(bytes.fromhex(key_hex))
    _USED_STEP[key_hex] = generator.t()
    return f"{generator.token():06d}"


def log_in(browser: Browser, login: dict[str, str]) -> Response:
    step = browser.submit("/login/", {"username": login["email"], "password": login["password"]})
    assert step.status == 302, step.body[:500]
    assert step.header("Location").startswith("/login/code/")
    done = browser.submit("/login/code/", {"code": totp(login["totp_key"])})
    assert done.status == 302, done.body[:500]
    return done


def test_the_recipe_runs_with_production_settings(stack: Stack) -> None:
    recipe = stack.deployment.recipe
    assert "No migrations to apply" not in recipe["migrate"].stdout  # a fresh database
    assert "static files copied" in recipe["collectstatic"].stdout
    assert "no issues" in recipe["check"].stdout


def test_the_first_operator_and_curator_set_up_two_step_login_first(stack: Stack) -> None:
    """Made by step 6 (createsuperuser, create_curator); with the production settings
    their first sign-in leads to setting up the second factor, not to any page."""
    assert "Superuser created" in stack.deployment.recipe["operator"].stdout
    assert "Curator curator@deploy.example created" in stack.deployment.recipe["curator"].stdout
    for login in (OPERATOR, CURATOR):
        browser = stack.browser()
        step = browser.submit(
            "/login/", {"username": login["email"], "password": login["password"]}
        )
        assert step.status == 302, step.body[:300]
        for page in ("/", "/admin/"):  # nothing else before it
            sent = browser.get(page)
            assert sent.status == 302
            assert sent.header("Location").startswith("/account/two-factor/")


def test_http_redirects_to_https(stack: Stack) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    try:
        conn.request("GET", "/login/?next=/", headers={"Host": f"{DOMAIN}:{stack.http_port}"})
        response = conn.getresponse()
    finally:
        conn.close()
    assert response.status == 308
    # The same address on HTTPS (Caddy names no port: in production, 443).
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert (location.scheme, location.hostname) == ("https", DOMAIN)
    assert (location.path, location.query) == ("/login/", "next=/")


def test_a_login_holds_on_both_app_servers(stack: Stack) -> None:
    browser = stack.browser()
    log_in(browser, stack.deployment.seed["alice"])
    answered_by: set[str] = set()
    for _ in range(6):
        page = browser.get("/")
        assert page.status == 200, page.status
        assert "Zephyrine" in page.body  # the dashboard, decrypted by either server
        answered_by.add(stack.server_of(page).name)
    assert answered_by == {"app1", "app2"}


def test_security_headers_arrive_as_the_app_sets_them(stack: Stack) -> None:
    browser = stack.browser()
    token = stack.deployment.seed["links"]["spare"]
    login, link = browser.get("/login/"), browser.get(f"/p/{token}/")
    for page in (login, link):
        assert page.status == 200
        assert page.header("Strict-Transport-Security") == (
            "max-age=31536000; includeSubDomains; preload"
        )
        csp = page.header("Content-Security-Policy")
        assert "frame-ancestors 'none'" in csp
        assert "default-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert page.header("X-Frame-Options") == "DENY"
        assert page.header("X-Content-Type-Options") == "nosniff"
        assert page.header("Server") is None  # Caddy drops its own name
        assert page.headers.get_all("Content-Security-Policy") == [csp]  # not doubled
    assert login.header("Referrer-Policy") == "same-origin"
    assert link.header("Referrer-Policy") == "no-referrer"
    assert link.header("Cache-Control") == "no-store"
    assert "noindex" in link.header("X-Robots-Tag")
    # Exactly what the app server sends when asked directly.
    server = stack.server_of(link)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(
            "GET",
            f"/p/{token}/",
            headers={"Host": DOMAIN, "X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"},
        )
        direct = conn.getresponse()
        direct.read()
    finally:
        conn.close()
    for name in (
        "Strict-Transport-Security",
        "Content-Security-Policy",
        "Referrer-Policy",
        "Cache-Control",
        "X-Robots-Tag",
        "X-Frame-Options",
        "Cross-Origin-Opener-Policy",
    ):
        assert link.header(name) == direct.headers[name], name


def test_the_link_rate_limit_counts_across_both_app_servers(stack: Stack) -> None:
    token = stack.deployment.seed["links"]["rate"]
    browser = stack.browser()
    answers = [browser.get(f"/p/{token}/") for _ in range(LINK_RATE_LIMIT_PER_LINK)]
    assert [a.status for a in answers] == [200] * LINK_RATE_LIMIT_PER_LINK
    assert {stack.server_of(a).name for a in answers} == {"app1", "app2"}
    # The limit is the link's, whoever asks, on either server.
    for _ in range(2):
        refused = stack.browser().get(f"/p/{token}/")
        assert refused.status == 429
        assert 'href="tel:999"' in refused.body  # still the region's emergency number


def test_the_address_is_the_client_s_and_cannot_be_spoofed(stack: Stack) -> None:
    """Caddy writes X-Forwarded-For itself: a client's own header changes nothing, so a
    client cannot escape its address limit, nor spend another client's."""
    flooder, bystander = stack.browser(), stack.browser()
    statuses = [
        flooder.get(f"/p/{unknown_token()}/", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status
        for n in range(LINK_RATE_LIMIT_PER_ADDRESS + 2)
    ]
    assert statuses[:LINK_RATE_LIMIT_PER_ADDRESS] == [404] * LINK_RATE_LIMIT_PER_ADDRESS
    assert statuses[LINK_RATE_LIMIT_PER_ADDRESS:] == [429, 429]
    # Pretending to be the bystander does not use up the bystander's allowance.
    assert bystander.get(f"/p/{unknown_token()}/").status == 404


def test_the_pin_pause_counts_across_both_app_servers(stack: Stack) -> None:
    token, pin = stack.deployment.seed["links"]["pin"], stack.deployment.seed["pin"]
    browser = stack.browser()
    csrf = browser.csrf(browser.get(f"/p/{token}/"))
    tries = [
        browser.post(f"/p/{token}/", {"csrfmiddlewaretoken": csrf, "pin": "1111"}) for _ in range(5)
    ]
    assert [t.status for t in tries] == [403] * 5
    assert {stack.server_of(t).name for t in tries} == {"app1", "app2"}
    paused = browser.get(f"/p/{token}/")
    assert "paused" in paused.body
    assert 'name="pin"' not in paused.body
    # The right PIN, on whichever server, from another browser: still paused.
    again = stack.browser()
    for _ in range(2):
        page = again.get(f"/p/{token}/")
        assert "paused" in page.body
        refused = again.post(f"/p/{token}/", {"csrfmiddlewaretoken": "x", "pin": pin})
        assert refused.status in (403,)


def test_login_lockouts_count_per_client_address(stack: Stack) -> None:
    """Five failures from one client lock that address (and only it) on both servers,
    whatever X-Forwarded-For it sends."""
    seed = stack.deployment.seed
    attacker, colleague = stack.browser(), stack.browser()
    statuses = [
        attacker.submit(
            "/login/",
            {"username": f"nobody{n}@deploy.example", "password": "guess"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        ).status
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
    locked = attacker.submit(
        "/login/",
        {"username": seed["bob"]["email"], "password": seed["bob"]["password"]},
        headers={"X-Forwarded-For": "203.0.113.99"},
    )
    assert locked.status == 429
    fine = colleague.submit(
        "/login/", {"username": seed["bob"]["email"], "password": seed["bob"]["password"]}
    )
    assert fine.status == 302  # on to the code step


def test_health_answers_and_says_nothing_more(stack: Stack) -> None:
    for server in stack.servers:
        assert server.healthz() == (200, "ok\n")
    assert stack.bad_keys.healthz() == (503, "keys\n")
    assert stack.no_database.healthz() == (503, "database\n")
    through = stack.browser().get("/healthz")
    assert (through.status, through.body) == (200, "ok\n")


def test_unhealthy_app_servers_never_get_a_request(stack: Stack) -> None:
    """Keys that do not match the data, a database that does not answer: the reason is
    in the server's log, Caddy keeps it out of rotation, and nobody sees ciphertext or a
    blank plan from it."""
    browser = stack.browser()
    for _ in range(8):
        assert browser.get("/login/").status == 200
    assert stack.bad_keys.request_lines() == []
    assert stack.no_database.request_lines() == []
    keys_log, db_log = stack.bad_keys.stderr(), stack.no_database.stderr()
    assert "Health check failed: keys" in keys_log
    assert "does not unwrap the data keys" in keys_log
    assert "Health check failed: database" in db_log
    assert "OperationalError" in db_log
    for log in (keys_log, db_log):
        for line in log.splitlines():
            json.loads(line)  # gunicorn's own lines are JSON too
    # Asked directly, the server with the wrong keys shows the plan page's help and a
    # plain message, never ciphertext or an empty plan.
    plan = _open_plan_directly(stack.bad_keys, stack.deployment.seed["links"]["open"])
    assert plan.status == 200
    assert 'href="tel:999"' in plan.body
    assert "v2 Zephyrine" not in plan.body
    assert "cannot be shown" in plan.body
    # The server without a database: the plain error page, its request id on stderr.
    conn = http.client.HTTPConnection("127.0.0.1", stack.no_database.port, timeout=15)
    try:
        conn.request(
            "GET", f"/p/{unknown_token()}/", headers={"Host": DOMAIN, "X-Forwarded-Proto": "https"}
        )
        failed = conn.getresponse()
        body = failed.read().decode()
    finally:
        conn.close()
    # The link page's answer without a database (503, help, try again), no trace.
    assert failed.status == 503
    assert "findahelpline.com" in body and "Traceback" not in body
    request_id = failed.headers["X-Request-ID"]
    time.sleep(0.2)
    errors = [json.loads(line) for line in stack.no_database.stderr().splitlines()]
    assert any(e["request_id"] == request_id and e["level"] == "ERROR" for e in errors)


def _open_plan_directly(server: AppServer, token: str) -> Response:
    """Open a link's plan on one app server, as Caddy would forward it."""
    cookies: dict[str, str] = {}
    headers = {"Host": DOMAIN, "X-Forwarded-Proto": "https", "Referer": f"https://{DOMAIN}/"}

    def ask(method: str, path: str, body: str | None = None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
        sent = dict(headers)
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
        return Response(response.status, response.headers, text)

    landing = ask("GET", f"/p/{token}/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', landing.body).group(1)
    opened = ask("POST", f"/p/{token}/", f"csrfmiddlewaretoken={csrf}")
    assert opened.status == 302, opened.body[:500]
    return ask("GET", f"/p/{token}/plan/")


def test_logs_are_json_lines_with_ids_and_nothing_private(stack: Stack) -> None:
    browser = stack.browser()
    page = browser.get("/login/")
    time.sleep(0.2)
    server = stack.server_of(page)
    (line,) = [x for x in server.request_lines() if x["request_id"] == page.request_id]
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert line["path"] == "/login/"
    assert isinstance(line["duration_ms"], float)
    # Caddy's request id is the one the app logs and sends back.
    assert len(page.request_id) == 36
    seed = stack.deployment.seed
    # A link page on each server, then nothing private anywhere: not in the request
    # lines, not in gunicorn's lines, not in Caddy's (which logs no request at all).
    token = seed["links"]["spare"]
    for _ in range(2):
        server = stack.server_of(browser.get(f"/p/{token}/"))
        assert any(x["path"] == "/p/[redacted]/" for x in server.request_lines())
    secrets_ = [*seed["links"].values(), seed["canary"], "Zephyrine", "Ashdown"]
    secrets_ += [seed["alice"]["password"], seed["alice"]["totp_key"]]
    for process in [*stack.servers, stack.bad_keys, stack.no_database, stack.caddy]:
        text = process.stdout() + process.stderr()
        for secret in secrets_:
            assert secret not in text, f"{process.name} logged a secret"
    assert "/p/" not in stack.caddy.stdout() + stack.caddy.stderr()


class KeepAsking:
    """A signed-in therapist's dashboard (every client's name decrypted), asked again and
    again in a thread while something happens to the app servers: (time, status) each."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.outcomes: list[tuple[float, int | str]] = []
        self.running = threading.Event()
        self.thread = threading.Thread(target=self._ask)

    def _ask(self) -> None:
        while self.running.is_set():
            try:
                page = self.browser.get("/")
                self.outcomes.append((time.monotonic(), page.status))
            except Exception as exc:  # a refused or broken connection is a failure too
                self.outcomes.append((time.monotonic(), type(exc).__name__))
            time.sleep(0.02)

    def __enter__(self) -> KeepAsking:
        self.running.set()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running.clear()
        self.thread.join(timeout=30)

    def failed(self) -> list[int | str]:
        return [status for _at, status in self.outcomes if status != 200]


def restart(stack: Stack, server: AppServer, browser: Browser, **env: str) -> float:
    """Stop ``server``, start it again (with ``env`` changed), and wait until Caddy sends it
    requests again; the seconds that took."""
    server.stop()
    server.env = {**server.env, **env}
    server.start()
    started = time.monotonic()
    wait_until("the app server answering", lambda: server.healthz()[0] == 200)
    # Caddy's next active check finds it healthy; the refused connections of its stop
    # count against it for fail_duration (10 s) at most.
    wait_until(
        f"{server.name} back in rotation",
        lambda: stack.server_of(browser.get("/")) is server,
        timeout=20,
    )
    return time.monotonic() - started


def test_a_stopped_app_server_leaves_rotation_without_a_failed_request(stack: Stack) -> None:
    """Stop one app server while requests keep coming; once Caddy's health check has
    noticed, every request goes to the other. Then start it again: back in rotation."""
    browser = stack.browser()
    log_in(browser, stack.deployment.seed["carol"])
    stopped = stack.servers[1]
    with KeepAsking(browser) as asking:
        time.sleep(1)
        stopped.stop()
        stopped_at = time.monotonic()
        noticed = stopped_at + 2 * HEALTH_INTERVAL
        # At least 20 requests after the check noticed, however slow the machine.
        wait_until(
            "20 requests after the health check noticed",
            lambda: sum(at > noticed for at, _status in asking.outcomes) >= 20,
            timeout=60,
        )
    outcomes = asking.outcomes
    after = [status for at, status in outcomes if at > noticed]
    during = [status for at, status in outcomes if stopped_at <= at <= noticed]
    print(
        f"{len(outcomes)} requests; {len(during)} while the check noticed "
        f"({sum(s != 200 for s in during)} failed), {len(after)} after "
        f"({sum(s != 200 for s in after)} failed)"
    )
    assert len(after) >= 20
    assert after == [200] * len(after)
    assert asking.failed() == []  # lb_try_duration retries refused connections
    # Started again, it is back in rotation.
    took = restart(stack, stopped, browser)
    print(f"back in rotation {took:.1f} s after it was started again")


def test_keys_are_renewed_without_a_failed_request(stack: Stack) -> None:
    """README, Deploying, step 10, on both app servers while a therapist keeps working:
    the new key added for decrypting only, then put first, the data keys re-wrapped,
    the old key removed; one server restarted at a time. A client created in between is
    readable on both servers at every step."""
    deployment = stack.deployment
    old = deployment.env["ENCRYPTION_KEYS"]
    new = generate_entry("renewed")
    browser = stack.browser()
    log_in(browser, deployment.seed["alice"])
    phases = [f"{old},{new}", f"{new},{old}", new]
    timings = []
    with KeepAsking(browser) as asking:
        for phase, keys in enumerate(phases):
            if phase == 2:
                rotated = manage(
                    deployment.env, "rotate_encryption_keys", ENCRYPTION_KEYS=phases[1]
                )
                assert rotated.returncode == 0, rotated.stderr
            for server in stack.servers:
                timings.append(restart(stack, server, browser, ENCRYPTION_KEYS=keys))
            if phase == 1:
                made = manage(
                    deployment.env,
                    "shell",
                    "-c",
                    "from crisisplan.core.models import User; from tests.factory import "
                    "make_client; make_client(User.objects.get(email='alice@deploy.example'), "
                    "preferred_name='Written-under-the-new-key')",
                    ENCRYPTION_KEYS=keys,
                )
                assert made.returncode == 0, made.stderr
    deployment.env["ENCRYPTION_KEYS"] = deployment.keys = new  # for any later test
    print(
        f"{len(asking.outcomes)} requests during 6 restarts, {len(asking.failed())} failed; "
        f"back in rotation after {min(timings):.1f} to {max(timings):.1f} s"
    )
    assert asking.failed() == []
    answered_by = set()
    for _ in range(4):
        page = browser.get("/")
        assert "Written-under-the-new-key" in page.body and "Zephyrine" in page.body
        answered_by.add(stack.server_of(page).name)
    assert answered_by == {"app1", "app2"}
    for server in stack.servers:
        assert server.healthz() == (200, "ok\n")
