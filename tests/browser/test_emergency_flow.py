"""The emergency in a session, in Chromium on a desktop and on a 360 px phone: a
check-in from the dashboard row (refused without a country, nothing typed lost), "same
as last time", the Emergency page (large tap targets, no sideways scroll, axe), a crisis
event, its follow-ups, and a follow-up recorded from the dashboard."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from clients.models import CheckIn, FollowUp
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.fixture
def nadia(alice: Any) -> Any:
    make_service("Feuerwehr und Rettungsdienst", country="DE", kind="emergency", phone="112")
    make_service("TelefonSeelsorge", country="DE", phone="0800 111 0 111")
    make_service("Krisendienst international", country="DE", phone="+49 30 1234 5678")
    make_service("Red Cross ambulance", country="LB", kind="emergency", phone="140")
    record = make_client(
        alice,
        preferred_name="Nadia",
        country="LB",
        subdivision="",
        city="Beirut",
        phone="+961 3 123 456",
        emergency_contact_name="Maya",
        emergency_contact_relationship="sister",
        emergency_contact_phone="+961 3 654 321",
        emergency_contact_consent=True,
    )
    make_plan(record, full_content())
    return record


def assert_accessible(page: Page, name: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def assert_no_sideways_scroll(page: Page, name: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"


def log_in(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your clients")).to_be_visible()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_check_in_emergency_crisis_event_and_follow_up(
    browser: Browser, live_server: Any, nadia: Any, artifacts: Path, device: str
) -> None:
    context = browser.new_context(**DEVICES[device])
    page = context.new_page()
    log_in(page, live_server)

    # Check in from the dashboard row; without a country it is refused, keeping the text.
    page.get_by_role("link", name="Check in Nadia").click()
    expect(page.get_by_role("heading", name="Where is Nadia right now?")).to_be_visible()
    page.get_by_label("Country").select_option("")
    page.get_by_label("Address or landmark").fill("Hotel Adlon, room 12")
    page.get_by_label("Someone is with them").check()
    page.get_by_role("button", name="Confirm location").click()
    expect(page.get_by_text("Choose the country where the client is now")).to_be_visible()
    expect(page.get_by_label("Address or landmark")).to_have_value("Hotel Adlon, room 12")
    expect(page.get_by_label("Someone is with them")).to_be_checked()
    assert_accessible(page, "check-in with an error")
    assert_no_sideways_scroll(page, "check-in")
    page.screenshot(path=artifacts / f"check-in-error-{device}.png", full_page=True)
    page.get_by_label("Country").select_option("DE")
    # The region list follows the country (static/js/place_picker.js).
    page.get_by_label("Region").select_option("DE-BE")
    page.get_by_label("Number the client can be reached on").fill("+49 151 2345 6789")
    page.get_by_role("button", name="Confirm location").click()
    expect(page.get_by_text("Location confirmed.")).to_be_visible()
    expect(page.get_by_text("Hotel Adlon, room 12")).to_be_visible()
    assert_accessible(page, "client page")
    assert_no_sideways_scroll(page, "client page")

    # "Same as last time": one click.
    page.get_by_role("button", name="Same as last time").click()
    expect(page.get_by_text("Location confirmed: the same as last time.")).to_be_visible()
    assert CheckIn.objects.filter(client=nadia).count() == 2

    # The Emergency page, one click from the dashboard row.
    page.get_by_role("link", name="Back to your clients").click()
    page.get_by_role("link", name="Emergency page for Nadia").click()
    expect(page.get_by_role("heading", name="Emergency: Nadia")).to_be_visible()
    expect(page.get_by_text("Hotel Adlon, room 12")).to_be_visible()
    emergency = page.get_by_role("link", name="Feuerwehr und Rettungsdienst: 112")
    expect(emergency).to_have_attribute("href", "tel:112")
    expect(
        page.get_by_text("112 is a short code: it only works from a phone inside Germany.")
    ).to_be_visible()
    what_works = page.locator(".em-what-works")
    expect(
        what_works.get_by_role("link", name="Krisendienst international: +49 30 1234 5678")
    ).to_be_visible()
    # Every number is a large tap target.
    for target in page.locator(".em-call, .em-number, .em-what-works a").all():
        box = target.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44, target.inner_text()
    # The emergency number is on the first screen of a phone.
    box = emergency.bounding_box()
    assert box and box["y"] + box["height"] <= DEVICES[device]["viewport"]["height"] * 1.5
    assert_accessible(page, "Emergency page")
    assert_no_sideways_scroll(page, "Emergency page")
    page.screenshot(path=artifacts / f"emergency-{device}.png", full_page=True)

    # Record what happened; the follow-ups are offered and scheduled.
    page.get_by_role("link", name="Record the crisis event").click()
    page.get_by_label("What was done").fill("Kept Nadia on video; Maya called 112")
    page.get_by_label("Outcome").fill("Ambulance arrived; Nadia safe")
    assert_accessible(page, "crisis event form")
    page.get_by_role("button", name="Save the crisis event").click()
    expect(page.get_by_text("Crisis event recorded.")).to_be_visible()
    expect(page.get_by_label("Follow-up 1 due on")).not_to_have_value("")
    assert_accessible(page, "follow-up schedule")
    assert_no_sideways_scroll(page, "follow-up schedule")
    page.get_by_role("button", name="Schedule these follow-ups").click()
    expect(page.get_by_text("4 follow-ups scheduled.")).to_be_visible()

    # The first one falls due: the dashboard lists it first; it is recorded from there.
    first = FollowUp.objects.filter(client=nadia).order_by("due_on").first()
    FollowUp.objects.filter(pk=first.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    page.get_by_role("link", name="Back to your clients").click()
    expect(page.get_by_role("heading", name="1 follow-up due")).to_be_visible()
    assert_accessible(page, "dashboard with a follow-up due")
    assert_no_sideways_scroll(page, "dashboard")
    page.screenshot(path=artifacts / f"dashboard-follow-up-{device}.png", full_page=True)
    page.get_by_role("link", name="Record the follow-up with Nadia").click()
    page.get_by_label("Not reached", exact=True).check()
    page.get_by_label("How").select_option("phone")
    page.get_by_label("Short note").fill("Voicemail")
    assert_accessible(page, "follow-up form")
    assert_no_sideways_scroll(page, "follow-up form")
    page.screenshot(path=artifacts / f"follow-up-{device}.png", full_page=True)
    page.get_by_role("button", name="Save the follow-up").click()
    expect(page.get_by_text("Follow-up recorded. Next attempt on")).to_be_visible()
    expect(page.get_by_text("Voicemail")).to_be_visible()
    context.close()


def test_emergency_page_for_a_client_with_no_location(
    browser: Browser, live_server: Any, alice: Any, artifacts: Path
) -> None:
    nowhere = make_client(alice, preferred_name="Noor", country="", subdivision="")
    context = browser.new_context(**DEVICES["phone"])
    page = context.new_page()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/clients/{nowhere.pk}/emergency/")
    expect(page.get_by_text("Location unknown.")).to_be_visible()
    expect(page.get_by_role("link", name="112", exact=True)).to_have_attribute("href", "tel:112")
    assert_accessible(page, "Emergency page, location unknown")
    assert_no_sideways_scroll(page, "Emergency page, location unknown")
    page.screenshot(path=artifacts / "emergency-unknown-phone.png", full_page=True)
    context.close()
