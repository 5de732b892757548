"""Small things a person notices, in Chromium: no page logs a 404 (the favicon), the app
has an icon for the home screen, and the client page leads with the plan's state and
its main actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from crisisplan.links.models import PrivateLink
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True}


class Problems:
    """Console errors and failed requests of a page, as its developer tools show them."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        page.on("console", self.console)
        page.on("response", self.response)

    def console(self, message: Any) -> None:
        url = message.location.get("url", "")
        # A page that answers 404 on purpose (a dead link) logs its own status.
        if message.type == "error" and not url.endswith("/p/not-a-token/"):
            self.seen.append(f"console: {message.text} {url}")

    def response(self, response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.seen.append(f"{response.status} {response.url}")


def log_in(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your clients")).to_be_visible()


@pytest.fixture
def plan(alice: Any) -> Any:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    record = make_client(alice, preferred_name="Robin", country="GB", subdivision="GB-ENG")
    plan = make_plan(record, full_content(2), full_content(3))
    plan.publish(plan.version(1), alice)
    return plan


def test_no_page_logs_an_error_or_a_404(
    browser: Browser, live_server: Any, plan: Any, artifacts: Path
) -> None:
    context = browser.new_context()
    page = context.new_page()
    problems = Problems(page)
    log_in(page, live_server)
    pk = plan.client.pk
    for path in (
        "/",
        f"/clients/{pk}/",
        f"/clients/{pk}/edit/",
        f"/clients/{pk}/plan/",
        f"/clients/{pk}/plan/preview/",
        f"/clients/{pk}/plan/versions/",
        f"/clients/{pk}/plan/link/",
        "/directory/?country=GB",
        "/account/password/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    # The client's side, in a browser of its own.
    _link, token = PrivateLink.issue(plan, plan.client.therapist)
    phone = browser.new_context(**PHONE).new_page()
    Problems.__init__(problems, phone)  # the same list
    phone.goto(f"{live_server.url}/p/{token}/")
    phone.get_by_role("button", name="Open my plan").click()
    expect(phone.get_by_role("heading", name="My crisis plan")).to_be_visible()
    phone.goto(f"{live_server.url}/p/not-a-token/")
    phone.wait_for_load_state("networkidle")
    # The icon the tab shows, and the one a phone puts on its home screen.
    icon = page.locator('link[rel="icon"][type="image/svg+xml"]').get_attribute("href")
    for href in (icon, "/favicon.ico", "/apple-touch-icon.png"):
        response = page.request.get(live_server.url + href)
        assert response.ok and response.headers["content-type"].startswith("image/"), href
    assert problems.seen == []
    context.close()


def test_the_client_page_leads_with_the_plan_on_a_phone(
    browser: Browser, live_server: Any, plan: Any, artifacts: Path
) -> None:
    page = browser.new_context(**PHONE).new_page()
    log_in(page, live_server)
    page.get_by_role("link", name="Robin", exact=True).click()
    status = page.locator(".plan-summary .plan-status")
    expect(status).to_contain_text("The client sees version 1, published on")
    expect(status).to_contain_text("Version 2, the latest, is not published.")
    edit_plan = page.get_by_role("link", name="Edit the plan")
    # On the first screen, before the record's own buttons.
    box = edit_plan.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740
    record_box = page.get_by_role("link", name="Edit the record").bounding_box()
    assert record_box is not None and record_box["y"] > box["y"]
    page.screenshot(path=artifacts / "client-page-phone.png", full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    edit_plan.click()
    expect(page.get_by_role("heading", name="Crisis plan for Robin")).to_be_visible()
