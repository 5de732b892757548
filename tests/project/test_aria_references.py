"""Every aria-describedby (and aria-labelledby) on every page points at an element that
exists: help texts and error messages reach screen readers.

Each named URL of the app is visited in the states a person meets (with errors too);
a URL added without a visit here fails ``test_every_page_is_visited``.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clients.models import FollowUp
from crisisplan.links.models import PrivateLink
from tests.factory import editor_form_data, full_content, make_client, make_plan, make_service

pytestmark = pytest.mark.django_db

# Views that only answer a POST with a redirect, or answer no HTML: no page of their own.
NO_PAGE = {
    "logout",
    "clients:archive",
    "clients:unarchive",
    "clients:check_in_again",
    "clients:follow_up_cancel",
    "plans:unpublish",
    "plans:review",
    "plans:reviewed",
    "plans:restore",
    "plans:publish",
    "links:unlock",
    "hotlines:regions",
    "account:end_sessions",
    "account:two_factor_remove",
    "account:keepalive",
    "account:time_zone",
    "account:language",
    # Not HTML: the client app's manifest (JSON) and service worker (JavaScript).
    "links:manifest",
    "links:service_worker",
    # Not HTML: the scripts' strings (Django's JavaScript catalogue).
    "javascript_catalog",
}


class References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, id)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name in ("aria-describedby", "aria-labelledby") and value is not None:
                self.references += [(tag, name, ref) for ref in value.split()]
                if not value.split():
                    self.references.append((tag, name, "(empty)"))


def assert_references_exist(html: str, where: str) -> None:
    parser = References()
    parser.feed(html)
    ids = set(parser.ids)
    missing = [f"<{tag} {attr}={ref!r}>" for tag, attr, ref in parser.references if ref not in ids]
    assert not missing, f"{where}: points at no element: {', '.join(missing)}"
    duplicates = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
    assert not duplicates, f"{where}: duplicate ids {duplicates}"


def named_urls(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
            yield from named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


@pytest.fixture
def world(alice: Any) -> dict[str, Any]:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    service = make_service("Samaritans", country="GB", phone="116 123")
    record = make_client(alice, preferred_name="Robin", country="GB", subdivision="GB-ENG")
    plan = make_plan(record, full_content(1), full_content(2))
    plan.publish(plan.version(2), alice)
    link, token = PrivateLink.issue(plan, alice, pin="2468")
    return {"client": record, "plan": plan, "token": token, "link": link, "service": service}


def visits(world: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(URL name, who, path, POST data or None for a GET)."""
    pk = world["client"].pk
    token = world["token"]
    edit_plan = reverse("plans:edit", args=[pk])
    bad_plan = editor_form_data(full_content(1), 2)
    bad_plan["helpers-0-phone"] = "call me"
    password = {"password": "correct horse battery"}
    follow_up = reverse(
        "clients:follow_up_record",
        args=[pk, FollowUp.objects.filter(client=world["client"]).values_list("pk", flat=True)[0]],
    )
    return [
        ("login", "anonymous", reverse("login"), None),
        # Two-step login: the code page (after the password), with a wrong code too.
        ("login", "second", reverse("login"), {"username": "dora@example.com", **password}),
        ("account:login_code", "second", reverse("account:login_code"), None),
        ("account:login_code", "second", reverse("account:login_code"), {"code": "000000"}),
        ("account:index", "alice", reverse("account:index"), None),
        ("account:two_factor_setup", "alice", reverse("account:two_factor_setup"), None),
        (
            "account:two_factor_setup",
            "alice",
            reverse("account:two_factor_setup"),
            {"name": "", "code": "1"},
        ),
        ("account:recovery_codes", "verified", reverse("account:recovery_codes"), password),
        ("password_reset", "anonymous", reverse("password_reset"), None),
        ("password_reset", "anonymous", reverse("password_reset"), {"email": "nobody"}),
        ("password_reset_done", "anonymous", reverse("password_reset_done"), None),
        (
            "password_reset_confirm",
            "anonymous",
            reverse("password_reset_confirm", args=["MQ", "not-a-token"]),
            None,
        ),
        ("password_reset_complete", "anonymous", reverse("password_reset_complete"), None),
        ("login", "anonymous", reverse("login"), {"username": "x@example.com", "password": "no"}),
        ("password_change", "alice", reverse("password_change"), None),
        ("password_change", "alice", reverse("password_change"), {"old_password": "x"}),
        ("password_change_done", "alice", reverse("password_change_done"), None),
        ("clients:dashboard", "alice", reverse("clients:dashboard"), None),
        ("clients:add", "alice", reverse("clients:add"), None),
        ("clients:add", "alice", reverse("clients:add"), {"preferred_name": ""}),
        ("clients:detail", "alice", reverse("clients:detail", args=[pk]), None),
        ("clients:edit", "alice", reverse("clients:edit", args=[pk]), None),
        (
            "clients:edit",
            "alice",
            reverse("clients:edit", args=[pk]),
            {"preferred_name": "", "country": "GB", "phone": "call me"},
        ),
        ("clients:delete", "alice", reverse("clients:delete", args=[pk]), None),
        ("clients:delete", "alice", reverse("clients:delete", args=[pk]), {}),
        ("clients:events", "alice", reverse("clients:events", args=[pk]), None),
        # The emergency in a session (the plan's first publication scheduled follow-ups).
        ("clients:check_in", "alice", reverse("clients:check_in", args=[pk]), None),
        (
            "clients:check_in",
            "alice",
            reverse("clients:check_in", args=[pk]),
            {"country": "", "subdivision": "XX", "phone": "call me"},
        ),
        ("clients:emergency", "alice", reverse("clients:emergency", args=[pk]), None),
        ("clients:crisis_event_add", "alice", reverse("clients:crisis_event_add", args=[pk]), None),
        (
            "clients:crisis_event_add",
            "alice",
            reverse("clients:crisis_event_add", args=[pk]),
            {"occurred_at": "soon", "actions": ""},
        ),
        (
            "clients:follow_ups_schedule",
            "alice",
            reverse("clients:follow_ups_schedule", args=[pk]),
            None,
        ),
        (
            "clients:follow_ups_schedule",
            "alice",
            reverse("clients:follow_ups_schedule", args=[pk]),
            {"due_1": "2000-01-01", "due_2": "x"},
        ),
        ("clients:follow_up_record", "alice", follow_up, None),
        ("clients:follow_up_record", "alice", follow_up, {"note": "x" * 600, "retry_on": "x"}),
        ("plans:edit", "alice", edit_plan, None),
        ("plans:edit", "alice", edit_plan, bad_plan),
        ("plans:preview", "alice", reverse("plans:preview", args=[pk]), None),
        (
            "plans:directory_search",
            "alice",
            reverse("plans:directory_search", args=[pk]) + "?q=line",
            None,
        ),
        ("plans:versions", "alice", reverse("plans:versions", args=[pk]), None),
        ("plans:compare", "alice", reverse("plans:compare", args=[pk]) + "?a=1&b=2", None),
        ("links:manage", "alice", reverse("links:manage", args=[pk]), None),
        ("links:create", "alice", reverse("links:create", args=[pk]), {"pin": "12"}),
        ("links:revoke", "alice", reverse("links:revoke", args=[pk]), None),
        ("hotlines:index", "alice", reverse("hotlines:index") + "?country=GB", None),
        ("hotlines:report", "alice", reverse("hotlines:report", args=[world["service"].pk]), None),
        (
            "hotlines:report",
            "alice",
            reverse("hotlines:report", args=[world["service"].pk]),
            {"what_is_wrong": ""},
        ),
        ("links:landing", "phone", reverse("links:landing", args=[token]), None),
        ("links:landing", "phone", reverse("links:landing", args=[token]), {"pin": "1111"}),
        ("links:landing", "phone", reverse("links:landing", args=[token]), {"pin": "2468"}),
        ("links:plan", "phone", reverse("links:plan", args=[token]), None),
        ("links:plan", "phone", reverse("links:plan", args=[token]) + "?country=FR", None),
        ("links:copy", "phone", reverse("links:copy", args=[token]), None),
        ("links:unknown", "phone", "/p/not-a-token/", None),
        ("404", "anonymous", "/no/such/page/", None),
        # Last: replacing the link (its confirm page, then the new link shown once).
        ("links:replace", "alice", reverse("links:replace", args=[pk]), None),
        ("links:create", "alice", reverse("links:create", args=[pk]), {"expires_in_days": "90"}),
        (
            "links:create",
            "alice",
            reverse("links:create", args=[pk]),
            {"expires_in_days": "90", "replaces": str(world["link"].pk)},
        ),
        ("links:created", "alice", reverse("links:created", args=[pk]), None),
    ]


def test_every_aria_reference_points_at_an_element(
    world: dict[str, Any], alice: Any, client: HttpClient
) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY

    from conftest import add_authenticator, make_user

    browsers = {name: HttpClient() for name in ("anonymous", "alice", "phone", "second")}
    browsers["alice"].force_login(alice)
    add_authenticator(make_user("dora@example.com"))  # logs in with a code
    eve = make_user("eve@example.com")
    device = add_authenticator(eve)
    browsers["verified"] = HttpClient()
    browsers["verified"].force_login(eve)
    session = browsers["verified"].session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    shown = set()
    for name, who, path, data in visits(world):
        browser = browsers[who]
        response = browser.get(path) if data is None else browser.post(path, data)
        if response.status_code in (301, 302):
            continue  # e.g. the right PIN: the plan page is visited next
        assert response.status_code < 500, f"{name} {path}: {response.status_code}"
        assert_references_exist(response.content.decode(), f"{name} {path}")
        shown.add(name)
    assert shown == {name for name, *_rest in visits(world)}, "a page was never shown"


def test_every_page_is_visited(world: dict[str, Any]) -> None:
    visited = {name for name, *_rest in visits(world)}
    pages = set(named_urls(get_resolver().url_patterns)) - NO_PAGE
    assert pages <= visited, f"not visited: {sorted(pages - visited)}"


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/hotlines/service/", "/admin/hotlines/service/add/"]
)
def test_the_curators_admin_pages_too(db: None, path: str) -> None:
    from conftest import make_user

    curator = make_user("root@example.com", is_staff=True)
    curator.is_superuser = True
    curator.save(update_fields=["is_superuser"])
    browser = HttpClient()
    browser.force_login(curator)
    response = browser.get(path)
    assert response.status_code == 200
    assert_references_exist(response.content.decode(), path)


def test_a_broken_reference_is_caught() -> None:
    with pytest.raises(AssertionError, match="id_pin_helptext"):
        assert_references_exist(
            '<p class="help" id="id_pin_help">4 to 8 digits</p>'
            '<input id="id_pin" aria-describedby="id_pin_helptext">',
            "the old link form",
        )
