"""The crisis moment on the client's phone, server side: both kinds of help on every page
a client can reach, in the region's time zone, with the trust of each entry; "somewhere
else?"; the installable app's manifest and the service worker that keeps the plan."""

from __future__ import annotations

import base64
import gzip
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from crisisplan.core.keys import parse_keyring
from crisisplan.links.models import LinkOpen, PrivateLink
from crisisplan.logfilters import redact
from crisisplan.plans.models import Plan
from hotlines.models import Service
from tests.factory import full_content, make_client, make_plan, make_service
from tests.links.test_private_link import PHONE_UA, assert_private_headers

pytestmark = pytest.mark.django_db

BEIRUT = ZoneInfo("Asia/Beirut")


@pytest.fixture
def directory(db: None) -> dict[str, Service]:
    return {
        "police": make_service("ISF police", country="LB", kind="emergency", phone="112"),
        "ambulance": make_service(
            "Red Cross ambulance", country="LB", kind="emergency", phone="140", priority=200
        ),
        "embrace": make_service("Embrace LifeLine", country="LB", phone="1564"),
        "france": make_service("SAMU", country="FR", kind="emergency", phone="15"),
        "france_line": make_service("3114", country="FR", phone="3114"),
        "corsica": make_service(
            "Corsica line", country="FR", subdivision="FR-20R", phone="0800 100 100"
        ),
    }


@pytest.fixture
def plan(alice: Any, directory: dict[str, Service]) -> Plan:
    record = make_client(alice, preferred_name="Rana", country="LB", subdivision="")
    plan = make_plan(record, full_content(1))
    plan.publish(plan.version(1), alice)
    return plan


def issue(plan: Plan, pin: str = "") -> tuple[str, str]:
    _link, token = PrivateLink.issue(plan, plan.client.therapist, pin=pin)
    return token, reverse("links:landing", args=[token])


def opened(path: str) -> HttpClient:
    browser = HttpClient()
    assert browser.post(path, HTTP_USER_AGENT=PHONE_UA).status_code == 302
    return browser


def help_bar(html: str) -> str:
    match = re.search(
        r'<header class="help-bar[^"]*" aria-label="Help now">(.*?)</header>', html, re.S
    )
    assert match, "no help bar at the top of the page"
    assert html.index(match.group(0)) < html.index("<main")
    return match.group(1)


def assert_both_kinds_of_help(html: str, talk: str = "1564", danger: str = "112") -> None:
    bar = help_bar(html)
    kind = r'">\s*<span class="help-kind">'
    assert re.search(
        rf'<a class="help-call help-talk" href="tel:{talk}{kind}Talk to someone now', bar
    )
    assert re.search(
        rf'<a class="help-call help-danger" href="tel:{danger}{kind}In danger now', bar
    )


# --- 1. both kinds of help on every page --------------------------------------------------


def test_landing_pin_paused_plan_gone_and_unreadable_pages_show_both(
    plan: Plan, settings: Any
) -> None:
    _token, path = issue(plan)
    landing = HttpClient().get(path)
    assert_both_kinds_of_help(landing.content.decode())
    browser = opened(path)
    page = browser.get(path + "plan/")
    assert page.status_code == 200
    assert_both_kinds_of_help(page.content.decode())
    assert 'class="help-bar help-bar-sticky"' in page.content.decode()  # stays on screen

    _token, pin_path = issue(plan, pin="2468")  # replaces the first link
    pin_page = HttpClient().get(pin_path).content.decode()
    assert 'name="pin"' in pin_page
    assert_both_kinds_of_help(pin_page)
    # The replaced link answers like an unknown token: the general help, both kinds.
    gone = HttpClient().get(path)
    assert gone.status_code == 404
    bar = help_bar(gone.content.decode())
    assert 'class="help-call help-talk" href="https://findahelpline.com"' in bar
    assert 'class="help-call help-danger help-general"' in bar
    PrivateLink.objects.filter(revoked_at__isnull=True).update(
        locked_until=timezone.now() + timedelta(minutes=10)
    )
    paused = HttpClient().get(pin_path).content.decode()
    assert "paused" in paused
    assert_both_kinds_of_help(paused)
    # An expired link keeps its region's help (README: the documented trade-off).
    PrivateLink.objects.filter(revoked_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    expired = HttpClient().get(pin_path)
    assert expired.status_code == 404
    assert_both_kinds_of_help(expired.content.decode())

    # A plan that cannot be decrypted ("cannot be shown").
    _token, path = issue(plan)
    browser = opened(path)
    settings.ENCRYPTION_KEYRING = parse_keyring(
        "other:" + base64.b64encode(bytes(range(100, 132))).decode()
    )
    browser.raise_request_exception = False
    unreadable = browser.get(path + "plan/").content.decode()
    assert "cannot be shown right now" in unreadable
    assert_both_kinds_of_help(unreadable)


def test_the_429_and_refused_form_pages_show_the_links_region(plan: Plan, settings: Any) -> None:
    settings.LINK_RATE_LIMIT_PER_ADDRESS = (1, 3600)
    _token, path = issue(plan)
    browser = HttpClient(REMOTE_ADDR="203.0.113.7")
    browser.get(path)
    limited = browser.get(path)
    assert limited.status_code == 429
    assert_both_kinds_of_help(limited.content.decode())
    refused = HttpClient(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.8").post(path)
    assert refused.status_code == 403
    assert_private_headers(refused)
    assert_both_kinds_of_help(refused.content.decode())


def test_an_unknown_link_shows_the_general_numbers_and_where_to_find_a_line(db: None) -> None:
    response = HttpClient().get("/p/" + "A" * 43 + "/")
    assert response.status_code == 404
    bar = help_bar(response.content.decode())
    assert "Talk to someone now" in bar and 'href="https://findahelpline.com"' in bar
    assert "In danger now" in bar
    for number in ("112", "911", "999", "000"):
        assert f'href="tel:{number}"' in bar


def test_a_place_without_a_crisis_line_says_so_and_shows_the_emergency_number(
    alice: Any, db: None
) -> None:
    make_service("Police", country="JO", kind="emergency", phone="911")
    record = make_client(alice, country="JO", subdivision="")
    plan = make_plan(record, full_content(1))
    _token, path = issue(plan)
    bar = help_bar(HttpClient().get(path).content.decode())
    assert "No crisis line listed for Jordan yet." in bar
    assert 'href="tel:911"' in bar


def test_without_any_entry_the_general_number_of_the_country(alice: Any, db: None) -> None:
    record = make_client(alice, country="NO", subdivision="")
    plan = make_plan(record, full_content(1))
    _token, path = issue(plan)
    bar = help_bar(HttpClient().get(path).content.decode())
    assert "No crisis line listed for Norway" in bar
    assert re.search(r'href="tel:112">\s*<span class="help-kind">In danger now', bar)
    assert "not yet confirmed" in bar


def test_a_pinned_line_waits_for_the_open_plan_and_a_hidden_one_never_shows(
    plan: Plan, directory: dict[str, Service]
) -> None:
    # A line of another region of the country: shown only where the therapist pins it.
    youth = make_service("Youth line", country="LB", subdivision="LB-JL", phone="1555")
    plan.set_directory_choices({youth.pk}, set(), plan.client.therapist)
    _token, path = issue(plan)
    landing = HttpClient().get(path).content.decode()
    assert "Youth line" not in landing  # a pin can say something about the client
    page = opened(path).get(path + "plan/").content.decode()
    assert_both_kinds_of_help(page, talk="1555")  # the therapist's choice, once open

    plan.set_directory_choices(set(), {directory["embrace"].pk}, plan.client.therapist)
    for html in (
        HttpClient().get(path).content.decode(),
        opened(path).get(path + "plan/").content.decode(),
    ):
        assert "Embrace" not in html
        assert "No crisis line listed for Lebanon" in help_bar(html)


# --- 4. kind when locked; issue 13.5: the region's time zone -------------------------------


def test_the_pause_page_says_when_in_the_clients_own_time_and_who_can_unlock(
    plan: Plan,
) -> None:
    _token, path = issue(plan, pin="2468")
    until = timezone.now().replace(microsecond=0) + timedelta(minutes=12, seconds=30)
    PrivateLink.objects.update(locked_until=until)
    html = HttpClient().get(path).content.decode()
    beirut = until.astimezone(BEIRUT)
    assert f"at {beirut:%H:%M} (Beirut time)" in html
    assert "try again in 13 minutes" in html
    assert "(UTC)" not in html
    assert "Your therapist can unlock it sooner" in html


def test_plan_page_times_are_in_the_regions_time_zone(plan: Plan) -> None:
    _token, path = issue(plan)
    browser = opened(path)
    link = PrivateLink.objects.current().get()
    opened_at = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)  # 00:30 on 2 March in Beirut
    link.previous_opened_at = opened_at
    link.save(update_fields=["previous_opened_at"])
    Plan.objects.filter(pk=plan.pk).update(reviewed_on=opened_at.astimezone(BEIRUT).date())
    html = browser.get(path + "plan/").content.decode()
    assert "last opened on" in html
    assert "2 March 2026, 00:30</time> (Beirut time)" in html
    assert "Last reviewed with your therapist on" in html and ">2 March 2026<" in html


# --- 6. trust ----------------------------------------------------------------------------------


def test_each_entry_says_who_runs_it_when_it_was_checked_or_that_it_is_not_confirmed(
    plan: Plan, directory: dict[str, Service], carol: Any
) -> None:
    carol.name = "Carol Curator"
    carol.save()
    checked = datetime(2026, 2, 28, 23, 0, tzinfo=UTC)  # 1 March in Beirut
    directory["police"].mark_verified(carol, now=checked)
    _token, path = issue(plan)
    html = opened(path).get(path + "plan/").content.decode()
    police = re.search(
        r'<li class="entry">\s*<span class="entry-name">ISF police</span>.*?</li>', html, re.S
    ).group(0)
    assert "Run by ISF police. Last checked on 1 March 2026." in police
    assert "not yet confirmed" not in police
    ambulance = re.search(
        r'<span class="entry-name">Red Cross ambulance</span>.*?</li>', html, re.S
    ).group(0)
    assert "Run by Red Cross ambulance. From public sources, not yet confirmed." in ambulance
    embrace = re.search(r'<article class="service card".*?</article>', html, re.S).group(0)
    assert "Run by Embrace LifeLine. From public sources, not yet confirmed." in embrace
    assert "Carol" not in html  # never a person's name
    landing = HttpClient().get(path).content.decode()
    assert "Last checked on 1 March 2026." in help_bar(landing)


# --- 3. somewhere else? ---------------------------------------------------------------------


def test_somewhere_else_is_a_get_form_on_the_landing_and_plan_pages(plan: Plan) -> None:
    _token, path = issue(plan)
    browser = opened(path)
    for html in (
        HttpClient().get(path).content.decode(),
        browser.get(path + "plan/").content.decode(),
    ):
        form = re.search(r'<details class="elsewhere no-print">.*?</details>', html, re.S).group(0)
        assert '<form method="get"' in form and "csrfmiddlewaretoken" not in form
        assert '<option value="LB" selected>Lebanon</option>' in form
        assert form.count("<option") > 240  # every country


def test_another_country_shows_its_help_and_stores_nothing(plan: Plan) -> None:
    _token, path = issue(plan)
    browser = opened(path)
    session_before = dict(browser.session)
    opens_before = LinkOpen.objects.count()
    response = browser.get(path + "plan/", {"country": "fr"})
    assert response.status_code == 200
    html = response.content.decode()
    section = re.search(r'<section class="elsewhere-help no-print".*?</section>', html, re.S).group(
        0
    )
    assert "Help in France" in section
    assert 'href="tel:15"' in section and 'href="tel:3114"' in section
    assert "Corsica line" not in section
    assert '<option value="FR-20R">' in html  # its regions, now that a country is chosen
    assert_both_kinds_of_help(html)  # the bar keeps the client's own region
    assert "warning_signs 0" in html  # the plan is still there
    assert "Set-Cookie" not in str(response.headers)
    assert dict(browser.session) == session_before
    assert LinkOpen.objects.count() == opens_before

    region = browser.get(path + "plan/", {"country": "FR", "region": "FR-20R"}).content.decode()
    assert "Help in Corse, France" in region and "Corsica line" in region
    landing = HttpClient().get(path, {"country": "FR"}).content.decode()
    assert "Help in France" in landing and "Rana" not in landing


@pytest.mark.parametrize("code", ["ZZ", "xx", "<script>alert(1)</script>", "L", "%00"])
def test_a_country_that_does_not_exist_shows_the_clients_own_help(plan: Plan, code: str) -> None:
    _token, path = issue(plan)
    for response in (
        HttpClient().get(path, {"country": code}),
        opened(path).get(path + "plan/", {"country": code}),
    ):
        assert response.status_code == 200
        html = response.content.decode()
        assert "There is no country with the code" in html
        assert "This is the help for Lebanon." in html
        section = re.search(r'<section class="elsewhere-help.*?</section>', html, re.S).group(0)
        assert 'href="tel:1564"' in section and 'href="tel:112"' in section
        assert "<script>alert" not in html


def test_a_region_of_another_country_falls_back_to_the_whole_country(plan: Plan) -> None:
    _token, path = issue(plan)
    html = HttpClient().get(path, {"country": "FR", "region": "GB-ENG"}).content.decode()
    assert "That is not a region of France" in html
    assert "Help in France" in html


def test_somewhere_else_costs_a_few_queries(plan: Plan, django_assert_max_num_queries: Any) -> None:
    _token, path = issue(plan)
    browser = opened(path)
    browser.get(path + "plan/", {"country": "FR"})  # France's lookup is now remembered
    # The plan page's five, the directory's version for the second place, its regions.
    with django_assert_max_num_queries(7):
        assert browser.get(path + "plan/", {"country": "FR"}).status_code == 200


# --- 5. the installable app and "Keep on this phone" ----------------------------------------


def test_the_manifest_starts_at_the_links_landing_page_and_holds_no_token(
    plan: Plan, client: HttpClient
) -> None:
    token, path = issue(plan)
    landing = client.get(path).content.decode()
    href = re.search(r'<link rel="manifest" href="([^"]+)">', landing).group(1)
    assert href == path + "manifest.webmanifest"
    assert '<meta name="theme-color" content="#a4161a">' in landing
    response = client.get(href)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert_private_headers(response)
    manifest = json.loads(response.content)
    assert (
        urljoin(f"https://example.org{href}", manifest["start_url"]) == f"https://example.org{path}"
    )
    assert urljoin(f"https://example.org{href}", manifest["scope"]) == f"https://example.org{path}"
    assert manifest["display"] == "standalone" and manifest["theme_color"] == "#a4161a"
    assert token not in response.content.decode()
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/icons/")
        assert client.get(icon["src"]).status_code == 200
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    assert client.post(href).status_code == 405
    # The same bytes for any token: it says nothing about a link.
    assert client.get("/p/" + "B" * 43 + "/manifest.webmanifest").content == response.content


def test_the_service_worker_is_ours_under_p_and_knows_no_token(
    plan: Plan, client: HttpClient
) -> None:
    token, path = issue(plan)
    page = opened(path).get(path + "plan/").content.decode()
    keep = re.search(r'<section class="keep no-print" data-keep hidden[^>]*>', page).group(0)
    assert f'data-scope="{path}"' in keep
    assert 'data-worker="/p/sw.js"' in keep
    assert f'data-page="{path}plan/?kept=1"' in keep
    worker = client.get("/p/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert_private_headers(worker)
    source = worker.content.decode()
    assert "caches" in source and "sw-kept/page" in source
    assert token not in source and "http" not in source.split("\n", 12)[-1]
    assert client.post("/p/sw.js").status_code == 405
    assert (
        redact(f"GET /p/{token}/manifest.webmanifest") == "GET /p/[redacted]/manifest.webmanifest"
    )


def test_nothing_is_kept_unless_chosen_and_the_landing_page_says_what_keeping_means(
    plan: Plan,
) -> None:
    _token, path = issue(plan)
    landing = HttpClient().get(path).content.decode()
    assert "anyone who can use this phone can read it" in landing
    page = opened(path).get(path + "plan/").content.decode()
    # The script registers the worker only on the button; nothing else does.
    assert "serviceWorker" not in page
    assert "kept-note" not in page


def test_the_kept_copy_says_when_it_was_saved_in_the_clients_time(plan: Plan) -> None:
    _token, path = issue(plan)
    html = opened(path).get(path + "plan/", {"kept": "1"}).content.decode()
    note = re.search(r'<p class="message kept-note">(.*?)</p>', html, re.S).group(1)
    assert "This copy was kept on this phone on" in note and "(Beirut time)" in note
    now = timezone.now().astimezone(BEIRUT)
    assert f"{now.day} {now:%B %Y}, " in note


# --- 7. light ---------------------------------------------------------------------------------


def test_the_plan_page_with_css_js_and_service_worker_weighs_under_20_kb(
    client: HttpClient, plan: Plan
) -> None:
    record = make_client(plan.client.therapist, country="LB", subdivision="")
    full = make_plan(record, full_content(4))
    full.publish(full.version(1), plan.client.therapist)
    _token, path = issue(full)
    client.post(path)
    page = client.get(path + "plan/").content
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page)
    assert len(assets) == 2  # the stylesheet and the page's script
    sizes = {"page": len(gzip.compress(page))}
    for asset in [*assets, b"/p/sw.js"]:
        response = client.get(asset.decode())
        body = b"".join(response.streaming_content) if response.streaming else response.content
        sizes[asset.decode()] = len(gzip.compress(body))
    print(sizes, sum(sizes.values()))
    assert sum(sizes.values()) < 20 * 1024
