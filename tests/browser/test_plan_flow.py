"""A therapist writes, revises, compares and publishes a crisis plan in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from crisisplan.plans.models import Plan
from crisisplan.plans.sections import PlanContent
from tests.factory import make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def rows(page: Page, part: str) -> Any:
    return page.locator(f'ol[data-part="{part}"] > li')


def test_write_revise_compare_publish(
    page: Page, live_server: Any, alice: Any, artifacts: Path
) -> None:
    record = make_client(
        alice,
        preferred_name="Robin",
        city="Leeds",
        emergency_contact_name="Maya",
        emergency_contact_phone="07700 900456",
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Robin", exact=True).click()
    page.get_by_role("link", name="Write the plan").click()
    expect(page.get_by_role("heading", name="Crisis plan for Robin")).to_be_visible()
    expect(page.get_by_text("Section 4 names no person")).to_be_visible()
    assert_accessible(page)

    # Lists: fill the blank rows, then add one with the JavaScript button (no reload).
    page.get_by_label("Warning sign 1", exact=True).fill("I stop answering messages")
    page.get_by_label("Warning sign 2", exact=True).fill("I lie awake")
    url_before = page.url
    page.get_by_role("button", name="Add more rows to warning signs").click()
    expect(rows(page, "warning_signs")).to_have_count(3)
    page.get_by_label("Warning sign 3", exact=True).fill("I skip meals")
    page.get_by_role("button", name="Add more rows to warning signs").click()
    expect(rows(page, "warning_signs")).to_have_count(4)
    assert page.url == url_before
    page.get_by_label("Warning sign 4", exact=True).fill("I feel like a burden")
    # Reorder and remove without a reload.
    page.get_by_role("button", name="Move sign 2 up").click()
    page.get_by_role("button", name="Remove sign 3").click()
    expect(rows(page, "warning_signs")).to_have_count(3)

    page.get_by_label("Thing I can do 1", exact=True).fill("Walk with music on")
    page.get_by_role("button", name="Add more rows to things i can do").click()
    page.get_by_label("Thing I can do 3", exact=True).fill("Cold water, slow breathing")
    page.get_by_label("Name, person or place 1", exact=True).fill("Nour")
    page.get_by_label("Phone, person or place 1", exact=True).fill("+44 20 7946 0011")
    page.get_by_label("Place, person or place 2", exact=True).fill("The library")
    page.get_by_label("Name, person 1", exact=True).fill("Sam")
    page.get_by_label("Phone, person 1", exact=True).fill("0113 496 0000")
    page.locator("[name=therapist-name]").fill("Alice Example")
    page.locator("[name=therapist-phone]").fill("+44 20 7946 0000")
    page.locator("[name=therapist-after_hours]").fill("+44 20 7946 0999")
    page.get_by_label("Name, professional 1", exact=True).fill("Dr. Salem")
    page.get_by_label("Role, professional 1", exact=True).fill("GP")
    page.get_by_label("Phone, professional 1", exact=True).fill("0113 496 0123")
    page.locator("[name=emergency_department-name]").fill("Leeds General Infirmary")
    page.locator("[name=emergency_department-address]").fill("Great George St, Leeds")
    page.locator("[name=emergency_department-phone]").fill("0113 243 2799")
    page.get_by_label("Step 1", exact=True).fill("Sam keeps my medication")
    page.get_by_label("What matters 1", exact=True).fill("My niece")
    page.get_by_label("If our session drops").select_option(label="My therapist calls me")
    page.get_by_label("On this number").fill("07700 900123")
    page.get_by_label("We try to reconnect for (minutes)").fill("5")
    page.get_by_label("If we can't reconnect in that time,").fill("I call the after-hours number")
    page.get_by_label("If I call my therapist and they don't answer,").fill("I call 116 123")
    page.get_by_label("My therapist calls my emergency contact if").fill("I said I was not safe")
    page.get_by_label("My therapist calls emergency services where I am if").fill("I am in danger")
    page.get_by_label("Change note").fill("First plan")
    page.screenshot(path=artifacts / "plan-editor-filled.png", full_page=True)
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Saved as version 1")).to_be_visible()

    plan = Plan.objects.select_related("client__data_key").get(client=record)
    saved = PlanContent(plan.version(1).content).to_json()
    assert [r["text"] for r in saved["warning_signs"]] == [
        "I lie awake",
        "I stop answering messages",
        "I feel like a burden",
    ]
    assert [r["text"] for r in saved["coping"]] == [
        "Walk with music on",
        "Cold water, slow breathing",
    ]
    assert saved["session_cut_off"]["minutes"] == "5"
    expect(page.get_by_text("Section 4 names no person")).to_have_count(0)

    # Edit again.
    page.get_by_label("What matters 2", exact=True).fill("Finishing my degree")
    page.get_by_label("Warning sign 1", exact=True).fill("I lie awake until 4 am")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Saved as version 2")).to_be_visible()
    page.screenshot(path=artifacts / "plan-editor.png", full_page=True)
    assert_accessible(page)

    # Compare the two versions.
    page.get_by_role("navigation", name="Crisis plan").get_by_role("link", name="Versions").click()
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="Version 1 and version 2")).to_be_visible()
    expect(page.get_by_text("Added: Finishing my degree")).to_be_visible()
    expect(page.get_by_text("Removed: I lie awake", exact=True)).to_be_visible()
    page.screenshot(path=artifacts / "plan-compare.png", full_page=True)
    assert_accessible(page)

    # Publish.
    page.get_by_role("navigation", name="Crisis plan").get_by_role("link", name="Versions").click()
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_text("Version 2 is published")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Preview").click()
    expect(page.get_by_role("link", name="0113 496 0000")).to_have_attribute(
        "href", "tel:01134960000"
    )
    page.screenshot(path=artifacts / "plan-preview.png", full_page=True)
    assert_accessible(page)
    plan.refresh_from_db()
    assert plan.published_version.number == 2
