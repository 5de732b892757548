"""The country and region picker on the client form, in Chromium: regions by name, in
place with JavaScript, through one button without it; one message for a missing country."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from clients.models import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOW_REGIONS = "Show this country\N{RIGHT SINGLE QUOTATION MARK}s regions"
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True}


def log_in(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your clients")).to_be_visible()


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def region_labels(page: Page) -> list[str]:
    return page.get_by_label("Region").locator("option").all_inner_texts()


def test_regions_follow_the_country_in_place_on_a_phone(
    browser: Browser, live_server: Any, alice: Any, artifacts: Path
) -> None:
    page = browser.new_context(**PHONE).new_page()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/clients/add/")
    assert region_labels(page) == ["Choose a country first"]
    # Help texts reach screen readers (aria-describedby points at them).
    expect(page.get_by_label("Region")).to_have_accessible_description(
        re.compile(r"^The state, province or region: it decides")
    )
    expect(page.get_by_label("Phone").first).to_have_accessible_description(
        "With the country code, e.g. +44 20 7946 0000."
    )
    # The no-JavaScript button is not needed here.
    expect(page.get_by_role("button", name=SHOW_REGIONS)).to_be_hidden()

    # An empty country: one message under it, not two.
    page.get_by_label("Preferred name", exact=True).fill("Nadia")
    page.get_by_role("button", name="Add client").click()
    expect(page.locator("#id_country_error .field-error")).to_have_count(1)
    expect(page.locator("#id_country_error")).to_have_text("Choose a country.")
    expect(page.get_by_label("Country")).to_have_accessible_description("Choose a country.")
    expect(page.get_by_label("Preferred name", exact=True)).to_have_value("Nadia")

    url = page.url
    page.get_by_label("Country").select_option("LB")
    region = page.get_by_label("Region")
    expect(region.locator("option", has_text="Jabal Lubnān")).to_have_count(1)
    assert page.url == url  # no reload
    expect(region).to_have_value("")  # no "LB-" to trip over
    assert "Not given (nationwide services only)" in region_labels(page)
    assert not any(label.startswith("Alabama") for label in region_labels(page))
    region.select_option(label="Jabal Lubnān")  # "Mount Lebanon", whole, not cut
    page.get_by_label("City").fill("Jounieh")
    page.screenshot(path=artifacts / "place-picker-phone.png", full_page=True)
    assert_accessible(page)

    # Another country: its regions replace Lebanon's, the choice is cleared.
    page.get_by_label("Country").select_option("DE")
    expect(region.locator("option", has_text="Berlin")).to_have_count(1)
    expect(region).to_have_value("")
    page.get_by_label("Country").select_option("LB")
    expect(region.locator("option", has_text="Jabal Lubnān")).to_have_count(1)
    region.select_option(label="Jabal Lubnān")
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_text("Client added.")).to_be_visible()
    expect(page.get_by_text("Jabal Lubnān (LB-JL)")).to_be_visible()
    client = Client.objects.get()
    assert (client.country, client.subdivision) == ("LB", "LB-JL")


def test_without_javascript_one_button_shows_the_countrys_regions(
    browser: Browser, live_server: Any, alice: Any, artifacts: Path
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/clients/add/")
    page.get_by_label("Preferred name", exact=True).fill("Nadia")
    page.get_by_label("Notes").fill("Prefers text messages.")
    page.get_by_label("Country").select_option("LB")
    assert region_labels(page) == ["Choose a country first"]
    page.get_by_role("button", name=SHOW_REGIONS).click()
    # Shown again with Lebanon's regions, nothing lost, nothing saved, no error.
    assert "Jabal Lubnān" in region_labels(page)
    expect(page.get_by_label("Preferred name", exact=True)).to_have_value("Nadia")
    expect(page.get_by_label("Notes")).to_have_value("Prefers text messages.")
    expect(page.get_by_label("Country")).to_have_value("LB")
    expect(page.locator(".field-error")).to_have_count(0)
    assert not Client.objects.exists()
    page.get_by_label("Region").select_option(label="Bayrūt")
    page.screenshot(path=artifacts / "place-picker-no-js-desktop.png", full_page=True)
    # (No axe here: it runs as a script, and this page has none. The same markup is
    # checked with JavaScript on above.)
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_text("Client added.")).to_be_visible()
    assert Client.objects.get().subdivision == "LB-BA"
    context.close()
