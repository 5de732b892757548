"""A curator corrects a number and verifies it; a therapist finds it and reports it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Page, expect

from hotlines.csvio import import_csv
from hotlines.models import OutdatedReport, Service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = Path(settings.BASE_DIR) / "hotlines" / "data" / "hotlines_seed.csv"
PASSWORD = "correct horse battery"  # conftest's make_user default


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_curator_corrects_and_verifies_then_therapist_finds_and_reports(
    page: Page, live_server: Any, carol: Any, alice: Any, artifacts: Path
) -> None:
    import_csv(SEED.read_bytes())
    base = live_server.url

    # The curator corrects Samaritans' number in the admin...
    log_in(page, base, "carol@example.com")
    page.goto(f"{base}/admin/hotlines/service/")
    page.get_by_role("textbox").first.fill("Samaritans")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Samaritans", exact=True).click()
    number = page.locator("#id_contact_methods-0-value")
    expect(number).to_have_value("116 123")
    number.fill("116 124")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # ...and marks it verified today.
    page.get_by_role("checkbox", name="Select this object for an action - Samaritans (GB)").check()
    page.get_by_label("Action:").select_option(label="Mark verified today")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Marked 1 entry verified today.")
    page.screenshot(path=artifacts / "directory-admin.png", full_page=True)
    page.get_by_role("button", name="Log out").first.click()

    # A therapist finds it by country and sees the corrected, verified number.
    log_in(page, base, "alice@example.com")
    page.goto(f"{base}/directory/")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Show services").click()
    entry = page.get_by_role("article").filter(
        has=page.get_by_role("heading", name="Samaritans", exact=True)
    )
    expect(entry.get_by_role("link", name="116 124")).to_have_attribute("href", "tel:116124")
    expect(entry).to_contain_text("by carol@example.com")
    page.screenshot(path=artifacts / "directory-gb.png", full_page=True)
    assert_accessible(page)

    # ...and reports it as outdated.
    entry.get_by_role("link", name="Report outdated information about Samaritans").click()
    expect(page.get_by_role("heading", name="Report outdated information")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What is wrong").fill("The line says this number is for Wales only.")
    page.get_by_label("What it should be").fill("116 123 for all of the UK")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("status")).to_contain_text("your report on “Samaritans” was sent")

    report = OutdatedReport.objects.get()
    assert report.service == Service.objects.get(country="GB", name="Samaritans")
    assert report.reporter == alice


PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def test_a_client_where_no_crisis_line_is_known_and_one_dialling_a_star(
    browser: Any, live_server: Any, alice: Any, artifacts: Path
) -> None:
    from crisisplan.links.models import PrivateLink
    from tests.factory import full_content, make_client, make_plan

    import_csv(SEED.read_bytes())
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    for country, name in (("JO", "jordan"), ("CL", "chile")):
        record = make_client(alice, country=country, subdivision="")
        plan = make_plan(record, full_content(1))
        plan.publish(plan.version(1), alice)
        _link, token = PrivateLink.issue(plan, alice)
        page.goto(f"{live_server.url}/p/{token}/")
        page.get_by_role("button", name="Open my plan").click()
        expect(page.get_by_role("heading", name="My crisis plan")).to_be_visible()
        page.screenshot(path=artifacts / f"client-plan-{name}.png", full_page=True)
        assert Axe().run(page).violations_count == 0, Axe().run(page).generate_report()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        if country == "JO":
            statement = page.get_by_role("region", name="No crisis line listed for Jordan yet")
            expect(statement.get_by_role("link", name="911")).to_have_attribute("href", "tel:911")
            expect(statement.get_by_role("link", name="findahelpline.com")).to_be_visible()
            box = statement.get_by_role("link", name="911").bounding_box()
            assert box and box["height"] >= 44  # a tap target, not a word in a sentence
        else:
            # In the directory's list, and in section 8's "if you feel unsafe" line.
            stars = page.get_by_role("link", name="*4141", exact=True)
            expect(stars).to_have_count(2)
            for star in stars.all():
                expect(star).to_have_attribute("href", "tel:*4141")
    phone.close()


def test_a_curator_sees_the_coverage_and_finds_lebanon_by_name(
    page: Page, live_server: Any, carol: Any, artifacts: Path
) -> None:
    import_csv(SEED.read_bytes())
    log_in(page, live_server.url, "carol@example.com")
    page.goto(f"{live_server.url}/admin/hotlines/service/")
    page.get_by_role("link", name="Coverage by country").click()
    table = page.get_by_role("table", name="Coverage by country (active entries)")
    expect(table.get_by_role("row").nth(1)).to_contain_text("South Sudan (SS)")
    row = table.get_by_role("row").filter(has=page.get_by_role("link", name="Lebanon (LB)"))
    expect(row).to_contain_text("140 Lebanese Red Cross ambulance")
    page.screenshot(path=artifacts / "directory-coverage.png", full_page=True)
    row.get_by_role("link", name="Lebanon (LB)").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    page.get_by_role("textbox").first.fill("Lebanon")
    page.keyboard.press("Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    expect(page.locator("#result_list")).to_contain_text("1564")
