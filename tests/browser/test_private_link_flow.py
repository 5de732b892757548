"""The private link on a phone, in Chromium: made by the therapist, opened by the client
with a PIN, revoked; the pages stay readable at 360 px and at 200% text size."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from crisisplan.links.models import LinkOpen, PrivateLink
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STOPS_WORKING = "The client\N{RIGHT SINGLE QUOTATION MARK}s current link stops working"
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def plan(alice: Any) -> Any:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    make_service("Samaritans", country="GB", phone="116 123")
    record = make_client(alice, preferred_name="Robin", country="GB", subdivision="GB-ENG")
    plan = make_plan(record, full_content(3))
    plan.publish(plan.version(1), alice)
    return plan


def assert_accessible(page: Page, name: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def assert_no_sideways_scroll(page: Page, name: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"


def assert_reads_at_200_percent(page: Page, name: str) -> None:
    # Text enlarged to 200% (WCAG 1.4.4), set through the CSSOM (CSP allows no inline style).
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert_no_sideways_scroll(page, f"{name} at 200%")
    page.evaluate("document.documentElement.style.fontSize = ''")


def test_therapist_makes_a_link_the_client_opens_it_and_it_is_revoked(
    page: Page, browser: Browser, live_server: Any, plan: Any, artifacts: Path
) -> None:
    # The therapist logs in and makes a link with a PIN.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/clients/{plan.client.pk}/plan/link/")
    assert_accessible(page, "link page")
    # The help texts reach screen readers (aria-describedby points at them).
    expect(page.get_by_label("PIN")).to_have_accessible_description(
        re.compile(r"^Optional: 4 to 8 digits")
    )
    page.get_by_label("PIN").fill("2468")
    page.get_by_role("button", name="Make the link").click()
    url = page.get_by_label("Private link").input_value()
    assert url.startswith(f"{live_server.url}/p/")
    assert "/p/" not in page.url  # the token is in no address (POST-redirect-GET)
    expect(page.get_by_role("img", name="QR code of the private link")).to_be_visible()
    expect(page.get_by_role("button", name="Copy the link")).to_be_visible()
    page.screenshot(path=artifacts / "link-created.png", full_page=True)
    assert_accessible(page, "new link page")
    # A reload shows it no more, and never makes another link.
    page.reload()
    expect(page.get_by_text("A new link is shown only once")).to_be_visible()
    expect(page.get_by_label("Private link")).to_have_count(0)
    assert PrivateLink.objects.count() == 1

    # The client opens it on a phone, in a browser of their own.
    phone = browser.new_context(**PHONE)
    client_page = phone.new_page()
    client_page.goto(url)
    expect(client_page.get_by_role("heading", name="Your crisis plan")).to_be_visible()
    danger = client_page.get_by_role("banner").get_by_role("link", name="In danger now 999")
    expect(danger).to_have_attribute("href", "tel:999")
    expect(client_page.get_by_text("Robin")).to_have_count(0)
    client_page.screenshot(path=artifacts / "link-landing-pin.png", full_page=True)
    assert_accessible(client_page, "PIN page")
    assert_no_sideways_scroll(client_page, "PIN page")

    client_page.get_by_label("Your PIN").fill("1357")
    client_page.get_by_role("button", name="Open my plan").click()
    expect(client_page.get_by_role("alert")).to_contain_text("not right")
    client_page.get_by_label("Your PIN").fill("2468")
    client_page.get_by_role("button", name="Open my plan").click()

    expect(client_page.get_by_role("heading", name="My crisis plan")).to_be_visible()
    call = client_page.get_by_role("banner").get_by_role("link", name="In danger now 999")
    expect(call).to_have_attribute("href", "tel:999")
    box = call.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 44  # a large tap target
    expect(client_page.get_by_text("warning_signs 0")).to_be_visible()
    expect(client_page.get_by_role("button", name="Print")).to_be_visible()
    client_page.screenshot(path=artifacts / "link-plan.png", full_page=True)
    assert_accessible(client_page, "plan page")
    assert_no_sideways_scroll(client_page, "plan page")
    assert_reads_at_200_percent(client_page, "plan page")
    assert LinkOpen.objects.count() == 1

    # "Keep a copy" downloads one file.
    with client_page.expect_download() as download:
        client_page.get_by_role("link", name="Keep a copy").click()
    assert download.value.suggested_filename == "my-crisis-plan.html"

    # The therapist revokes the link; the client's reload shows the 404 page with help.
    page.goto(f"{live_server.url}/clients/{plan.client.pk}/plan/link/")
    page.get_by_role("link", name="Revoke the link…").click()
    expect(page.get_by_role("heading", name=STOPS_WORKING)).to_be_visible()
    assert_accessible(page, "revoke page")
    page.get_by_role("button", name="Revoke the link").click()
    expect(page.get_by_text("The link is revoked")).to_be_visible()
    response = client_page.reload()
    assert response is not None and response.status == 404
    expect(client_page.get_by_role("heading", name="This link does not work")).to_be_visible()
    # Revoked answers as a token never issued (issue 11): the general numbers.
    expect(client_page.get_by_role("banner").get_by_role("link", name="112")).to_have_attribute(
        "href", "tel:112"
    )
    client_page.screenshot(path=artifacts / "link-404.png", full_page=True)
    assert_accessible(client_page, "404 page")
    assert_no_sideways_scroll(client_page, "404 page")
    phone.close()


def test_landing_and_429_pages_on_a_phone(
    browser: Browser, live_server: Any, plan: Any, settings: Any, artifacts: Path
) -> None:
    settings.LINK_RATE_LIMIT_PER_ADDRESS = (2, 3600)
    _link, token = PrivateLink.issue(plan, None)
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(f"{live_server.url}/p/{token}/")
    expect(page.get_by_role("button", name="Open my plan")).to_be_visible()
    page.screenshot(path=artifacts / "link-landing.png", full_page=True)
    assert_accessible(page, "landing page")
    assert_reads_at_200_percent(page, "landing page")

    page.goto(f"{live_server.url}/p/{token}/")
    response = page.goto(f"{live_server.url}/p/{token}/")
    assert response is not None and response.status == 429
    expect(page.get_by_role("heading", name="Please wait a moment")).to_be_visible()
    danger = page.get_by_role("banner").get_by_role("link", name="In danger now 999")
    expect(danger).to_have_attribute("href", "tel:999")  # the link's region's number
    page.screenshot(path=artifacts / "link-429.png", full_page=True)
    assert_accessible(page, "429 page")
    assert_reads_at_200_percent(page, "429 page")
    phone.close()


def test_the_plan_page_works_without_javascript(
    browser: Browser, live_server: Any, plan: Any
) -> None:
    _link, token = PrivateLink.issue(plan, None)
    phone = browser.new_context(**PHONE, java_script_enabled=False)
    page = phone.new_page()
    page.goto(f"{live_server.url}/p/{token}/")
    page.get_by_role("button", name="Open my plan").click()
    expect(page.get_by_role("heading", name="My crisis plan")).to_be_visible()
    expect(page.get_by_role("link", name="Keep a copy")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    phone.close()


def test_a_page_that_does_not_exist_is_no_dead_end(
    browser: Browser, live_server: Any, db: None, artifacts: Path
) -> None:
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    page.screenshot(path=artifacts / "404-general.png", full_page=True)
    assert_accessible(page, "general 404 page")
    assert_no_sideways_scroll(page, "general 404 page")
    phone.close()


def test_replacing_a_link_in_use_asks_first_and_an_old_confirmation_replaces_nothing(
    browser: Browser, live_server: Any, plan: Any, artifacts: Path
) -> None:
    therapist = browser.new_context(**PHONE)
    page = therapist.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/clients/{plan.client.pk}/plan/link/")
    page.get_by_role("button", name="Make the link").click()
    first = page.get_by_label("Private link").input_value()
    page.get_by_role("link", name="Done").click()

    # The link is in use: replacing it goes through a page that says what happens.
    expect(page.get_by_role("button", name="Make the link")).to_have_count(0)
    page.get_by_role("link", name="Replace the link…").click()
    expect(page.get_by_role("heading", name=STOPS_WORKING)).to_be_visible()
    page.screenshot(path=artifacts / "link-replace-phone.png", full_page=True)
    assert_accessible(page, "replace page")
    assert_no_sideways_scroll(page, "replace page")
    # Meanwhile, in another tab, the link is replaced...
    other_tab = therapist.new_page()
    other_tab.goto(f"{live_server.url}/clients/{plan.client.pk}/plan/link/replace/")
    other_tab.get_by_role("button", name="Replace the link").click()
    second = other_tab.get_by_label("Private link").input_value()
    assert second != first
    # ...so this page's confirmation is about a link that is gone: nothing is replaced.
    page.get_by_role("button", name="Replace the link").click()
    expect(page.get_by_text("Nothing was replaced")).to_be_visible()
    assert_accessible(page, "replace page, not confirmed")
    client = browser.new_context(**PHONE).new_page()
    assert client.goto(second).status == 200
    assert client.goto(first).status == 404
    assert PrivateLink.objects.current().count() == 1
    therapist.close()
