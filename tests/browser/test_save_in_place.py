"""With JavaScript, the editor and the client forms save without leaving the page, and a
save that gets no answer leaves the page as it is, saying "Not saved — try again"
(static/js/save_in_place.js; issue 19, point 1). The server answers as without it: a
stale save still shows the conflict. The database going down for real is in
test_save_when_database_down.py; here the browser's network drops the request (a
network error) or a proxy answers 502."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Route, expect

from clients.models import Client
from crisisplan.plans.models import Plan, PlanVersion
from tests.factory import full_content, make_client, make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOT_SAVED = re.compile(r"^Not saved — try again\. The server did not answer")


def log_in(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email address").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your clients")).to_be_visible()


def mark_document(page: Page) -> None:
    """A mark that a page load would wipe out."""
    page.evaluate("window.sameDocument = true")


def same_document(page: Page) -> bool:
    return page.evaluate("window.sameDocument === true")


def save(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).first.click()


def test_the_editor_saves_in_place_and_keeps_the_text_when_no_answer_comes(
    page: Page, live_server: Any, alice: Any
) -> None:
    record = make_client(alice, preferred_name="Robin")
    editor = f"{live_server.url}/clients/{record.pk}/plan/"
    log_in(page, live_server)
    page.goto(editor)
    page.get_by_label("Warning sign 1", exact=True).fill("I pace at night")
    mark_document(page)
    alert = page.locator(".plan-save-bar [data-save-failed]")

    # The network drops the save: the page stays as it is and says so.
    page.route("**/plan/", lambda route: route.abort("connectionreset"))
    save(page)
    expect(alert).to_have_text(NOT_SAVED)
    expect(page.get_by_label("Warning sign 1", exact=True)).to_have_value("I pace at night")
    page.unroute("**/plan/")

    # A proxy in front answers 502: the same.
    def bad_gateway(route: Route) -> None:
        if route.request.method == "POST":
            route.fulfill(status=502, body="Bad gateway")
        else:
            route.continue_()

    page.route("**/plan/", bad_gateway)
    page.get_by_label("Warning sign 2", exact=True).fill("I skip meals")
    save(page)
    expect(alert).to_have_text(NOT_SAVED)
    page.unroute("**/plan/")
    assert not PlanVersion.objects.exists()
    assert same_document(page)

    # The server answers: the saved editor replaces the page's body, no page load.
    save(page)
    expect(page.get_by_text("Saved as version 1.")).to_be_visible()
    assert same_document(page) and page.url == editor
    expect(alert).to_be_empty()
    expect(page.get_by_label("Warning sign 2", exact=True)).to_have_value("I skip meals")
    # The new body's scripts run: a row is added without a page load.
    page.get_by_role("button", name="Add more rows to warning signs").click()
    expect(page.locator('ol[data-part="warning_signs"] > li')).to_have_count(4)
    assert same_document(page)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_stale_save_in_place_shows_the_conflict_and_keeps_the_text(
    page: Page, live_server: Any, alice: Any
) -> None:
    plan = make_plan(make_client(alice, preferred_name="Robin"), full_content(1))
    log_in(page, live_server)
    page.goto(f"{live_server.url}/clients/{plan.client.pk}/plan/")
    page.get_by_label("Warning sign 1", exact=True).fill("Mine, typed in this tab")
    mark_document(page)
    Plan.objects.get(pk=plan.pk).save_version(alice, full_content(2), 1)  # another tab

    save(page)
    expect(
        page.get_by_role("heading", name=re.compile("Not saved: this plan was changed"))
    ).to_be_visible()
    expect(page.get_by_label("Warning sign 1", exact=True)).to_have_value("Mine, typed in this tab")
    assert same_document(page)
    assert list(plan.versions.values_list("number", flat=True).order_by("number")) == [1, 2]

    save(page)  # based on version 2 now
    expect(page.get_by_text("Saved as version 3.")).to_be_visible()


def test_a_double_click_on_save_makes_one_version(page: Page, live_server: Any, alice: Any) -> None:
    plan = make_plan(make_client(alice, preferred_name="Robin"), full_content(1))
    log_in(page, live_server)
    page.goto(f"{live_server.url}/clients/{plan.client.pk}/plan/")
    page.get_by_label("Warning sign 1", exact=True).fill("Double-clicked")
    page.get_by_role("button", name="Save", exact=True).first.dblclick()
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    assert plan.versions.count() == 2


def test_the_client_record_saves_in_place(page: Page, live_server: Any, alice: Any) -> None:
    record = Client.objects.create_for(alice, preferred_name="Nadia", country="LB")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/clients/{record.pk}/edit/")
    page.get_by_label("Notes").fill("Prefers text messages.")
    mark_document(page)
    page.route("**/edit/", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("[data-save-failed]")).to_have_text(NOT_SAVED)
    expect(page.get_by_label("Notes")).to_have_value("Prefers text messages.")
    page.unroute("**/edit/")

    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Changes saved.")).to_be_visible()
    assert same_document(page)
    assert page.url == f"{live_server.url}/clients/{record.pk}/"  # where the save leads
    record.refresh_from_db()
    assert record.notes == "Prefers text messages."


def test_a_refused_save_keeps_the_page(page: Page, live_server: Any, alice: Any) -> None:
    """A 403 (the form's CSRF cookie is gone) would replace the text with an error page:
    the page stays, saying so."""
    record = make_client(alice, preferred_name="Robin")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/clients/{record.pk}/plan/")
    page.get_by_label("Warning sign 1", exact=True).fill("Kept through a refusal")
    mark_document(page)
    page.context.clear_cookies(name="csrftoken")
    save(page)
    expect(page.locator(".plan-save-bar [data-save-failed]")).to_have_text(
        re.compile(r"^Not saved — try again\. The server refused it \(error 403\)")
    )
    expect(page.get_by_label("Warning sign 1", exact=True)).to_have_value("Kept through a refusal")
    assert same_document(page)
    assert not PlanVersion.objects.exists()


def test_a_save_without_an_answer_in_time_keeps_the_page(
    page: Page, live_server: Any, alice: Any
) -> None:
    record = make_client(alice, preferred_name="Robin")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/clients/{record.pk}/plan/")
    page.get_by_label("Warning sign 1", exact=True).fill("Typed on a slow line")
    held: list[Route] = []

    def hold(route: Route) -> None:
        if route.request.method == "POST":
            held.append(route)  # never answered: the server is hanging
        else:
            route.continue_()

    page.route("**/plan/", hold)
    page.locator("form.plan-editor").evaluate(
        "form => form.setAttribute('data-save-timeout', '1500')"
    )
    save(page)
    expect(page.locator(".plan-save-bar [data-save-failed]")).to_have_text(NOT_SAVED)
    expect(page.get_by_label("Warning sign 1", exact=True)).to_have_value("Typed on a slow line")
    assert len(held) == 1
