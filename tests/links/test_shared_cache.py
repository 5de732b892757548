"""Link pages with a shared cache (CACHE_URL=redis://...): the rate limits and the
visitor's grant live in a real redis-server (conftest.redis_url), the rest is unchanged.
Across two app processes: tests/links/test_processes.py."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django.urls import reverse

from crisisplan.links import gate
from crisisplan.links.models import LinkOpen, PrivateLink, RateCounter
from crisisplan.plans.models import Plan
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(alice: Any) -> Plan:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    make_service("Samaritans", country="GB", phone="116 123")
    record = make_client(alice, preferred_name="Robin", country="GB", subdivision="GB-ENG")
    plan = make_plan(record, full_content(1))
    plan.publish(plan.version(1), alice)
    return plan


def issue(plan: Plan, pin: str = "") -> str:
    _link, token = PrivateLink.issue(plan, plan.client.therapist, pin=pin)
    return reverse("links:landing", args=[token])


def test_rate_limits_are_counted_in_redis(plan: Plan, redis_cache: str, settings: Any) -> None:
    settings.LINK_RATE_LIMIT_PER_ADDRESS = (3, 3600)
    path = issue(plan)
    browser = HttpClient(REMOTE_ADDR="203.0.113.9")
    assert [browser.get(path).status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = browser.get("/p/unknown/")
    assert limited.status_code == 429
    assert limited["Cache-Control"] == "no-store"
    assert 'href="tel:999"' in limited.content.decode()
    assert HttpClient(REMOTE_ADDR="203.0.113.10").get(path).status_code == 200
    assert not RateCounter.objects.exists()  # nothing counted in the database
    # The counters expire with their window; no key holds the address itself.
    keys = redis.Redis.from_url(redis_cache).keys("*link-rate*")
    assert keys and all(b"203.0.113" not in key for key in keys)
    assert all(0 < redis.Redis.from_url(redis_cache).ttl(key) <= 2 * 3600 for key in keys)


def test_the_per_link_limit_is_counted_in_redis(
    plan: Plan, redis_cache: str, settings: Any
) -> None:
    settings.LINK_RATE_LIMIT_PER_LINK = (2, 3600)
    path = issue(plan)
    statuses = [HttpClient(REMOTE_ADDR=f"198.51.100.{n}").get(path).status_code for n in (1, 2, 3)]
    assert statuses == [200, 200, 429]


def test_the_grant_lives_in_redis_not_in_a_session(plan: Plan, redis_cache: str) -> None:
    path = issue(plan)
    browser = HttpClient()
    opened = browser.post(path)
    assert opened.status_code == 302
    cookie = opened.cookies[gate.VISITOR_COOKIE]
    assert cookie["path"] == "/p/" and cookie["httponly"] and cookie["samesite"] == "Lax"
    page = browser.get(opened["Location"])
    assert page.status_code == 200 and "My crisis plan" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert not Session.objects.exists()
    assert LinkOpen.objects.count() == 1
    # Redis keeps a digest, never the cookie's value, for the grant's 60 minutes.
    store = redis.Redis.from_url(redis_cache)
    [key] = store.keys("*link-grant*")
    assert cookie.value.encode() not in key
    assert PrivateLink.GRANT_MINUTES * 60 - 5 < store.ttl(key) <= PrivateLink.GRANT_MINUTES * 60
    # Without the grant (another browser, or the grant expired) the landing page again.
    assert HttpClient().get(opened["Location"]).status_code == 302
    store.delete(key)
    assert browser.get(opened["Location"]).status_code == 302


def test_a_grant_opens_only_its_own_link(plan: Plan, alice: Any, redis_cache: str) -> None:
    other = make_plan(make_client(alice, country="GB"), full_content(2))
    other.publish(other.version(1), alice)
    mine, theirs = issue(plan), issue(other)
    browser = HttpClient()
    assert browser.post(mine).status_code == 302
    assert browser.get(mine + "plan/").status_code == 200
    assert browser.get(theirs + "plan/")["Location"] == theirs
    # A replaced link's grant dies with it.
    replaced = issue(plan)
    assert browser.get(mine + "plan/").status_code == 404
    assert browser.get(replaced + "plan/")["Location"] == replaced


def test_the_pin_rules_hold_with_redis(plan: Plan, redis_cache: str) -> None:
    path = issue(plan, pin="2468")
    browser = HttpClient()
    assert browser.post(path, {"pin": "1111"}).status_code == 403
    assert gate.VISITOR_COOKIE not in browser.cookies
    assert browser.get(path + "plan/")["Location"] == path
    for _ in range(PrivateLink.PIN_FAILURE_LIMIT - 1):
        browser.post(path, {"pin": "1111"})
    assert browser.post(path, {"pin": "2468"}).status_code == 403  # paused, even right
    assert browser.get(path + "plan/")["Location"] == path


def test_with_redis_a_plan_page_takes_one_query(
    plan: Plan, redis_cache: str, django_assert_num_queries: Any
) -> None:
    """The link with everything it shows, in one query; no session, no counter row."""
    path = issue(plan)
    browser = HttpClient()
    browser.post(path)
    browser.get(path + "plan/")  # the region's lookup is now remembered
    with django_assert_num_queries(1):
        assert browser.get(path + "plan/").status_code == 200
    with django_assert_num_queries(1):
        assert browser.get(path).status_code == 200


def test_a_cache_that_is_not_shared_leaves_everything_in_the_database(
    plan: Plan, settings: Any
) -> None:
    """The default local-memory cache is per process: the database keeps the state."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert gate.shared_cache() is None
    path = issue(plan)
    browser = HttpClient()
    assert browser.post(path).status_code == 302
    assert Session.objects.count() == 1 and RateCounter.objects.exists()
    assert gate.VISITOR_COOKIE not in browser.cookies
