"""A therapist adds a client, finds them by search, edits and archives them (Chromium)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from clients.models import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your clients")).to_be_visible()


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_add_find_edit_archive(page: Page, live_server: Any, alice: Any, artifacts: Path) -> None:
    log_in(page, live_server)
    page.get_by_role("link", name="Add client").click()
    expect(page.get_by_role("heading", name="Add a client")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Preferred name", exact=True).fill("Nadia")
    page.get_by_label("Full name").fill("Nadia Karam")
    page.get_by_label("Country").select_option("LB")
    page.get_by_label("Region").select_option(label="Bayrūt")
    page.get_by_label("City").fill("Beirut")
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("heading", name="Nadia")).to_be_visible()
    expect(page.get_by_text("Client added.")).to_be_visible()

    # Another client, so the search has something to leave out.
    Client.objects.create_for(alice, preferred_name="Omar", country="DE")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_label("Search by name").fill("karam")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Nadia")).to_be_visible()
    expect(page.get_by_role("link", name="Omar")).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path=artifacts / "clients-search.png", full_page=True)

    page.get_by_role("link", name="Nadia").click()
    page.get_by_role("link", name="Edit the record").click()
    page.get_by_label("Preferred name", exact=True).fill("Nadia K.")
    page.get_by_label("Notes").fill("Prefers text messages.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Nadia K.")).to_be_visible()
    expect(page.get_by_text("Prefers text messages.")).to_be_visible()

    page.get_by_role("button", name="Archive").click()
    expect(page.get_by_text("Client archived.")).to_be_visible()
    page.get_by_role("link", name="Back to your clients").click()
    expect(page.get_by_role("link", name="Nadia K.")).to_have_count(0)
    page.get_by_role("link", name="Show archived clients").click()
    expect(page.get_by_role("link", name="Nadia K.")).to_be_visible()
    assert_accessible(page)
