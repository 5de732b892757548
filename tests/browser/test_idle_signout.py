"""No work lost to an idle sign-out, in Chromium, with an idle limit of one minute: type
in the plan editor, see the warning, stay signed in, then wait it out, press Save, log
in again, and the text is there (not saved yet)."""

from __future__ import annotations

import time
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from crisisplan.core import sessions
from crisisplan.core.models import AccountSession, UnsavedWork
from crisisplan.plans.models import PlanVersion
from tests.factory import full_content, make_client, make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPED = "Walk to the park with Sam"


def log_in(page: Page) -> None:
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()


def server_seen_at(user: Any) -> int:
    key = AccountSession.objects.get(user=user).session_key
    store = import_module(django_settings.SESSION_ENGINE).SessionStore(session_key=key)
    return store.load()[sessions.SEEN_AT]


def test_type_wait_save_log_in_and_the_text_is_there(
    page: Page, live_server: Any, alice: Any, settings: Any, artifacts: Path
) -> None:
    settings.SESSION_IDLE_MINUTES = 1
    record = make_client(alice, preferred_name="Robin")
    make_plan(record, full_content(1))
    editor = f"{live_server.url}/clients/{record.pk}/plan/"
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(editor)
    log_in(page)
    expect(page.get_by_role("heading", name="Crisis plan for Robin")).to_be_visible()
    page.locator('[name="coping-0-text"]').fill(TYPED)

    # Half a minute before the end, with unsaved changes: the warning.
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible(timeout=45_000)
    expect(warning.locator('[data-when="soon"]')).to_be_visible()
    expect(warning.locator('[data-when="ended"]')).to_be_hidden()
    page.screenshot(path=artifacts / "idle-warning-phone.png")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    # "Stay signed in" restarts the server's idle clock.
    before = server_seen_at(alice)
    clicked = int(time.time())
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    deadline = time.time() + 5
    while server_seen_at(alice) == before and time.time() < deadline:
        time.sleep(0.2)
    assert server_seen_at(alice) >= clicked - 1

    # Now nobody touches the page until the session has ended.
    ended = warning.locator('[data-when="ended"]')
    expect(ended).to_be_visible(timeout=75_000)
    expect(ended).to_contain_text("You were signed out")
    expect(page.get_by_role("button", name="Stay signed in")).to_be_hidden()
    time.sleep(2)
    versions = PlanVersion.objects.count()
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_text("What you typed is kept")).to_be_visible()
    assert PlanVersion.objects.count() == versions
    assert UnsavedWork.objects.filter(user=alice).count() == 1

    log_in(page)
    expect(page.get_by_role("heading", name="Crisis plan for Robin")).to_be_visible()
    assert page.url == editor
    expect(page.locator('[name="coping-0-text"]')).to_have_value(TYPED)
    expect(page.get_by_text("It is not saved yet")).to_be_visible()
    page.screenshot(path=artifacts / "idle-restored-phone.png")
    # Saving it now is an ordinary save, checked against the version it was typed on.
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Saved as version 2")).to_be_visible()
    assert PlanVersion.objects.count() == versions + 1
