"""A therapist pins a directory service to a plan by searching for it, in Chromium: with
JavaScript the results come without a reload and nothing typed is lost; without it the
same search is a button of the editor's form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from crisisplan.plans.models import Plan
from tests.factory import full_content, make_client, make_line, make_plan, make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan(alice: Any) -> Plan:
    make_line(number="116 123")  # the region's own line, listed
    for n in range(30):  # the rest of the country: found by searching, never listed
        make_line(number=f"0800 {n:03d} 000", subdivision="GB-SCT")
    make_service("Wales Listening Line", country="GB", subdivision="GB-WLS", phone="0800 555 111")
    record = make_client(alice, preferred_name="Robin", country="GB", subdivision="GB-ENG")
    return make_plan(record, full_content(1))


def log_in(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()


def test_pin_by_searching_the_directory(
    page: Page, live_server: Any, plan: Plan, artifacts: Path
) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/clients/{plan.client.pk}/plan/")
    expect(page.get_by_label("Line 116 123", exact=False)).to_be_checked()
    assert page.get_by_text("0800 001 000").count() == 0  # not listed
    page.get_by_label("Warning sign 1", exact=True).fill("Typed, not saved yet")
    url_before = page.url
    search = page.get_by_label("Find a service to pin")
    search.fill("listening")
    search.press("Enter")  # searches (with JavaScript), does not save
    result = page.get_by_label("Wales Listening Line", exact=False)
    expect(result).to_be_visible()
    assert page.url == url_before
    expect(page.get_by_label("Warning sign 1", exact=True)).to_have_value("Typed, not saved yet")
    result.check()
    # A second search keeps the first result, ticked.
    search.fill("0800 002")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_label("Line 0800 002 000", exact=False)).to_be_visible()
    expect(result).to_be_checked()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.locator(".directory-search").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "editor-directory-search-360.png"))
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("Saved as version 2")).to_be_visible()
    pinned, _hidden = Plan.objects.get(pk=plan.pk).directory_ids()
    assert len(pinned) == 1
    expect(page.get_by_label("Wales Listening Line", exact=False)).to_be_checked()


def test_the_search_works_without_javascript(
    browser: Browser, live_server: Any, plan: Plan
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/clients/{plan.client.pk}/plan/")
    page.get_by_label("Warning sign 1", exact=True).fill("Typed, not saved yet")
    page.get_by_label("Find a service to pin").fill("0800 555")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("1 service matches")).to_be_visible()
    expect(page.get_by_label("Warning sign 1", exact=True)).to_have_value("Typed, not saved yet")
    page.get_by_label("Wales Listening Line", exact=False).check()
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("Saved as version 2")).to_be_visible()
    assert len(Plan.objects.get(pk=plan.pk).directory_ids()[0]) == 1
    context.close()
