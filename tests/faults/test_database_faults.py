"""Issue 19: an outage loses no work and never strands a client. Real processes, no
mocks (tests/faults/conftest.py): PostgreSQL restarted and stopped under load, a gunicorn
worker killed during concurrent saves, the database read-only. The figures are printed
(run with -s to see them); `make faults` prints them on their own (BENCHMARKS.md)."""

from __future__ import annotations

import re
import time

from bench import faults
from tests.faults.conftest import Drill

# "A few seconds": no request may take longer, whatever the database does.
PATIENCE_SECONDS = 5


def settle(drill: Drill) -> None:
    """Every page answers again (the drills before may have left a worker restarting)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = faults.fetch(drill.app.browser(), "GET", f"/p/{drill.tokens[0]}/")
        if response is not None and response.status == 200:
            return
        time.sleep(0.2)
    raise AssertionError("the app did not answer again")


def test_postgres_restarted_under_load(drill: Drill) -> None:
    figures = faults.restart_drill(drill.cluster, drill.app, drill.tokens, restarts=2)
    for f in figures:
        print(f)
        # Every failure a clean 503 with Retry-After and the client's emergency number.
        assert f.failed == f.failed_clean, f
        assert f.slowest_seconds < PATIENCE_SECONDS, f
        # Back by itself within seconds of PostgreSQL accepting connections again.
        assert f.recovery_seconds < PATIENCE_SECONDS, f
        assert f.statuses.get(200, 0) > f.failed, f


def test_postgres_stopped_under_load_never_keeps_a_request_waiting(drill: Drill) -> None:
    settle(drill)
    f = faults.stop_drill(drill.cluster, drill.app, drill.tokens, down=3)
    print(f)
    assert f.failed > 0  # it was down, and said so
    assert f.failed == f.failed_clean, f
    assert f.slowest_seconds < PATIENCE_SECONDS, f
    assert f.recovery_seconds < PATIENCE_SECONDS, f


def test_postgres_frozen_under_load_never_keeps_a_request_waiting_long(drill: Drill) -> None:
    """A server that stops answering on its open connections (every process stopped):
    the kernel still acknowledges, statement_timeout never fires, libpq would wait for
    ever. The watchdog cuts the connection a second after the statement timeout."""
    settle(drill)
    f = faults.freeze_drill(drill.cluster, drill.app, drill.tokens, frozen=10)
    print(f)
    assert f.failed > 0
    assert f.failed == f.failed_clean, f
    # The statement timeout (5 s) and a second, and the watchdog's look every 0.25 s.
    assert f.slowest_seconds < 5 + PATIENCE_SECONDS, f
    assert f.recovery_seconds < PATIENCE_SECONDS, f
    assert "Database stalled: GET /p/[redacted]/ answered 503" in drill.app.log_text()
    assert "WORKER TIMEOUT" not in drill.app.log_text()


def test_postgres_stopped_answers_503_with_help_and_recovers(drill: Drill) -> None:
    settle(drill)
    known = f"/p/{drill.tokens[1]}/"
    browser = drill.app.browser(timeout=30)
    # Both workers serve the link (and the therapist page) before the database stops.
    for _ in range(6):
        assert browser.get(known).status == 200
    never_served = "/p/" + "N" * 43 + "/"
    therapist = drill.app.logged_in(drill.email)
    drill.cluster.stop()
    try:
        for _ in range(4):
            started = time.monotonic()
            page = browser.get(known)
            assert time.monotonic() - started < PATIENCE_SECONDS
            assert page.status == 503
            assert int(page.header("Retry-After")) > 0
            assert page.header("Cache-Control") == "no-store"
            # This process's memory of the link's region: its emergency number and
            # crisis line, not the general list.
            assert 'href="tel:999"' in page.text
            assert "116 123" in page.text
            assert "Your plan cannot be opened right now" in page.text
            assert page.header("X-Request-ID") in page.text
        unknown = browser.get(never_served)
        assert unknown.status == 503
        assert 'href="tel:112"' in unknown.text  # the general numbers
        assert "findahelpline.com" in unknown.text
        editor = therapist.get(f"/clients/{drill.clients[1]}/plan/")
        assert editor.status == 503
        assert "Not available for a moment" in editor.text
        assert "Traceback" not in editor.text
        ids = [page.header("X-Request-ID"), unknown.header("X-Request-ID")]
        ids.append(editor.header("X-Request-ID"))
        # The health check says so, at once, with one word: the proxy takes it out.
        started = time.monotonic()
        health = browser.get("/healthz")
        assert time.monotonic() - started < PATIENCE_SECONDS
        assert (health.status, health.text) == (503, "database\n")
    finally:
        drill.cluster.start()
    settle(drill)
    assert browser.get(known).status == 200
    assert browser.get("/healthz").text == "ok\n"
    assert "Health check failed: database (OperationalError" in drill.app.log_text()
    # Each failure logged once, with its cause and its request id; no token anywhere.
    lines = dict(faults.fault_lines(drill.app))
    for request_id in ids:
        assert lines[request_id] == "unreachable"
        # One line with the cause, beside the request's own access line.
        named = [line for line in drill.app.log_text().splitlines() if request_id in line]
        assert len([line for line in named if " crisisplan.request " not in line]) == 1
    for token in drill.tokens:
        assert token not in drill.app.log_text()
    assert "N" * 43 not in drill.app.log_text()
    assert not re.search(r"Traceback", drill.app.log_text())


def test_a_save_stuck_behind_a_lock_answers_within_the_statement_timeout(drill: Drill) -> None:
    """The app server's statements give up after DATABASE_STATEMENT_TIMEOUT (5 s,
    crisisplan/wsgi.py): a save waiting for a plan row that another session holds (a
    long maintenance transaction, say) answers 503, logged as a timeout, and saves
    nothing; once the lock is gone the same save works."""
    settle(drill)
    client = drill.clients[3]
    therapist = drill.app.logged_in(drill.email)
    holder = drill.cluster.connect()
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM crisisplan_plan FOR UPDATE")
        started = time.monotonic()
        stuck = faults.save(therapist, client, "saved behind a lock")
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert stuck is not None and stuck.status == 503
    assert 4.5 < waited < 5 + PATIENCE_SECONDS
    assert "Not saved" in stuck.text
    assert dict(faults.fault_lines(drill.app))[stuck.header("X-Request-ID")] == "timeout"
    assert "saved behind a lock" not in drill.app.report()["plans"][client]["notes"]
    assert faults.save(therapist, client, "saved after the lock").status == 302


def test_a_worker_killed_during_concurrent_saves_loses_no_save(drill: Drill) -> None:
    settle(drill)
    figures = faults.save_drill(drill.app, drill.email, drill.clients, seconds=6, kills=2)
    print(figures)
    assert figures.kills == 2
    assert figures.saved > 0
    assert figures.lost == 0  # every save answered "saved" is in the database
    assert figures.refused_but_stored == 0  # and none answered "not saved" is
    assert figures.unreadable_versions == 0  # no half-written version
    assert figures.plans_with_gaps_or_duplicates == 0  # 1..n on every plan
    assert not figures.other, figures.other


def test_a_read_only_database_refuses_saves_plainly_and_still_reads(drill: Drill) -> None:
    settle(drill)
    figures = faults.read_only_drill(
        drill.cluster, drill.app, drill.email, drill.clients[2], drill.tokens[2]
    )
    print(figures)
    assert figures.save_status == 503
    assert figures.save_message  # "Not saved: ..."
    assert set(figures.reads.values()) == {200}, figures.reads
    assert figures.versions_during == figures.versions_before
    assert figures.health == 200  # reading works: the instance stays in rotation
    assert figures.save_after_status == 302
    assert figures.versions_after == figures.versions_before + 1
    assert "read-only" in dict(faults.fault_lines(drill.app)).values()
