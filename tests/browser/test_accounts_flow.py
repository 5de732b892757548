"""Accounts in Chromium at phone size: setting up two-step login, logging in with a code
and with a recovery code, the account page, and resetting a forgotten password."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def assert_fits_a_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide at a 360px viewport"


def log_in(page: Page, base: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def code_from(secret: str, steps_ahead: int = 0) -> str:
    key = base64.b32decode(secret.replace(" ", ""))
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_set_up_then_log_in_with_a_code_and_with_a_recovery_code(
    page: Page, live_server: Any, alice: Any, settings: Any, artifacts: Path
) -> None:
    settings.REQUIRE_2FA = True
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server.url)
    # No second factor yet: set-up comes before any client page.
    expect(page.get_by_role("heading", name="Set up two-step login")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    page.screenshot(path=artifacts / "two-factor-setup-phone.png", full_page=True)
    assert_accessible(page)
    assert_fits_a_phone(page)
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Name of this device").fill("My phone")
    page.get_by_label("Code from the app").fill("000000" if code_from(secret) != "000000" else "1")
    page.get_by_role("button", name="Check the code and turn on").click()
    expect(page.get_by_text("That code did not match")).to_be_visible()
    page.get_by_label("Code from the app").fill(code_from(secret))
    page.get_by_role("button", name="Check the code and turn on").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=artifacts / "recovery-codes-phone.png", full_page=True)
    assert_accessible(page)
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # Log in: password, then the code (the next one: a code works only once).
    log_in(page, live_server.url)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.screenshot(path=artifacts / "login-code-phone.png", full_page=True)
    assert_accessible(page)
    assert_fits_a_phone(page)
    page.get_by_label("Code").fill("999999" if code_from(secret, 1) != "999999" else "1")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code did not work")
    assert_accessible(page)
    page.get_by_label("Code").fill(code_from(secret, 1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your clients")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # Lost phone: a recovery code instead.
    log_in(page, live_server.url)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You used a recovery code; 9 left.")).to_be_visible()

    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("9 unused recovery codes left.")).to_be_visible()
    expect(page.get_by_text("Failed sign-in attempt").first).to_be_visible()
    page.get_by_text("Remove My phone…").click()  # opens the password box
    page.screenshot(path=artifacts / "account-phone.png", full_page=True)
    assert_accessible(page)
    assert_fits_a_phone(page)


def test_reset_a_forgotten_password(
    page: Page, live_server: Any, alice: Any, artifacts: Path
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)

    link = re.search(r"https?://\S+/password-reset/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.screenshot(path=artifacts / "password-reset-phone.png", full_page=True)
    assert_accessible(page)
    assert_fits_a_phone(page)
    page.get_by_label("New password", exact=True).fill("a brand new passphrase 7")
    page.get_by_label("New password confirmation").fill("a brand new passphrase 7")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("heading", name="Your new password is set")).to_be_visible()

    # The link is dead now.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    assert_accessible(page)
    log_in(page, live_server.url, password="a brand new passphrase 7")
    expect(page.get_by_role("heading", name="Your clients")).to_be_visible()
