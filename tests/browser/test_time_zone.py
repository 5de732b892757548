"""A therapist's dates and times in their own time zone, in Chromium: the browser's zone
at the first login, changed on the account page."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from crisisplan.plans.models import PlanVersion
from tests.factory import full_content, make_client, make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True}


def test_times_follow_the_browser_then_the_account_page(
    browser: Browser, live_server: Any, alice: Any, artifacts: Path
) -> None:
    record = make_client(alice, preferred_name="Robin")
    plan = make_plan(record, full_content(1))
    noon = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.UTC)
    PlanVersion.objects.filter(plan=plan).update(created_at=noon)

    # A therapist in Tokyo logs in for the first time.
    page = browser.new_context(timezone_id="Asia/Tokyo", **PHONE).new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/clients/{record.pk}/plan/versions/")
    expect(page.get_by_text("15 Jan 2026, 21:00")).to_be_visible()  # UTC+9, not 12:00

    page.goto(f"{live_server.url}/account/")
    expect(page.get_by_text("Dates and times are shown in Asia/Tokyo")).to_be_visible()
    expect(page.get_by_label("Your time zone")).to_have_value("Asia/Tokyo")
    page.locator("#timezone-heading").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "account-time-zone-phone.png", full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    # Back home in Beirut: chosen on the account page.
    page.get_by_label("Your time zone").select_option("Asia/Beirut")
    page.get_by_role("button", name="Save the time zone").click()
    expect(
        page.get_by_text("Dates and times are shown in Asia/Beirut from now on.")
    ).to_be_visible()
    page.goto(f"{live_server.url}/clients/{record.pk}/plan/versions/")
    expect(page.get_by_text("15 Jan 2026, 14:00")).to_be_visible()  # UTC+2 in January
