"""The language of the client's pages: the one set on the client's record (or its
default), a switch on every page that needs no account and puts the token nowhere new,
an unknown code falling back to the client's default; right to left for Arabic; dates
in the client's language and time zone. The therapist's pages follow their account."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client
from crisisplan.core import languages
from crisisplan.links import languages as link_languages
from crisisplan.links.models import LinkOpen, PrivateLink
from crisisplan.plans.models import Plan
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = pytest.mark.django_db


def published(alice: Any, **fields: Any) -> Plan:
    record = make_client(alice, **fields)
    plan = make_plan(record, full_content(1))
    plan.publish(plan.version(1), alice)
    return plan


def link_path(plan: Plan) -> tuple[str, str]:
    _link, token = PrivateLink.issue(plan, plan.client.therapist)
    return token, reverse("links:landing", args=[token])


def html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


def switch(browser: HttpClient, path: str, code: str) -> Any:
    """Press a language button as a browser does: with the page's CSRF token."""
    page = browser.get(path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return browser.post(path, {"csrfmiddlewaretoken": token, "switch_language": code})


# --- the default ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preferred", "country", "subdivision", "expected"),
    [
        ("", "LB", "", "ar"),  # the region's
        ("", "CA", "CA-QC", "fr"),
        ("", "SN", "", "fr"),
        ("", "GB", "GB-ENG", "en"),
        ("French, some Arabic", "LB", "", "fr"),  # the record's first named language
        ("عربي", "FR", "", "ar"),
        ("Arabe", "GB", "", "ar"),
        ("Spanish", "TN", "", "ar"),  # none we have: the region's
    ],
)
def test_a_new_client_s_pages_default_to_the_record_s_language_else_the_region_s(
    alice: Any, preferred: str, country: str, subdivision: str, expected: str
) -> None:
    record = make_client(
        alice,
        language="",
        preferred_language=preferred,
        country=country,
        subdivision=subdivision,
    )
    assert Client.objects.get(pk=record.pk).language == expected


def test_a_record_saved_before_languages_existed_opens_in_the_region_s(alice: Any) -> None:
    record = make_client(alice, country="MA", subdivision="")
    Client.objects.filter(pk=record.pk).update(language="")
    assert Client.objects.get(pk=record.pk).page_language == "ar"


def test_the_therapist_sets_the_language_on_the_client_record(
    alice_client: Any, alice: Any
) -> None:
    record = make_client(alice, country="GB", subdivision="GB-ENG")
    page = alice_client.get(reverse("clients:edit", args=[record.pk])).content.decode()
    assert 'name="language"' in page and "Automatic" in page
    data = {"preferred_name": "Rana", "country": "GB", "subdivision": "GB-ENG", "language": "fr"}
    response = alice_client.post(reverse("clients:edit", args=[record.pk]), data)
    assert response.status_code == 302
    assert Client.objects.get(pk=record.pk).language == "fr"
    data["language"] = "xx"
    response = alice_client.post(reverse("clients:edit", args=[record.pk]), data)
    assert response.status_code == 200  # the form again, with its message
    assert Client.objects.get(pk=record.pk).language == "fr"


# --- the client's pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "direction", "text"),
    [("ar", "rtl", "العربية"), ("fr", "ltr", "Français"), ("en", "ltr", "English")],
)
def test_the_client_s_pages_open_in_the_client_s_language(
    alice: Any, language: str, direction: str, text: str
) -> None:
    plan = published(alice, country="LB", subdivision="", language=language)
    _token, path = link_path(plan)
    browser = HttpClient(HTTP_ACCEPT_LANGUAGE="de, en;q=0.5")
    response = browser.get(path)
    html = response.content.decode()
    assert html_tag(html) == f'<html lang="{language}" dir="{direction}">'
    assert response["Content-Language"] == language
    assert 'name="switch_language"' in html and text in html


def test_the_switch_shows_the_same_page_in_the_chosen_language(alice: Any) -> None:
    plan = published(alice, country="LB", subdivision="", language="ar")
    token, path = link_path(plan)
    browser = HttpClient()
    response = switch(browser, path, "fr")
    assert response.status_code == 303
    assert response["Location"] == path  # the same page: no new address
    cookie = response.cookies[link_languages.COOKIE]
    assert cookie["path"] == "/p/" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert token not in cookie.value and token not in cookie.output()
    assert cookie.value.startswith("fr.")
    assert html_tag(browser.get(path).content.decode()) == '<html lang="fr" dir="ltr">'
    # Opening the plan keeps the language, and the switch opened nothing.
    assert not LinkOpen.objects.exists()
    browser.post(path)
    plan_page = browser.get(reverse("links:plan", args=[token])).content.decode()
    assert html_tag(plan_page) == '<html lang="fr" dir="ltr">'


def test_the_switch_works_on_the_plan_page_too(alice: Any) -> None:
    plan = published(alice, country="LB", subdivision="", language="en")
    token, path = link_path(plan)
    browser = HttpClient()
    browser.post(path)
    plan_path = reverse("links:plan", args=[token])
    response = switch(browser, plan_path, "ar")
    assert response.status_code == 303 and response["Location"] == plan_path
    assert html_tag(browser.get(plan_path).content.decode()) == '<html lang="ar" dir="rtl">'


@pytest.mark.parametrize("bad", ["xx", "", "../../etc", "fr" * 200, "AR\x00", "english"])
def test_an_unknown_code_falls_back_to_the_client_s_default_never_an_error(
    alice: Any, bad: str
) -> None:
    plan = published(alice, country="LB", subdivision="", language="ar")
    _token, path = link_path(plan)
    browser = HttpClient()
    switch(browser, path, "fr")
    response = switch(browser, path, bad)
    assert response.status_code == 303 and response["Location"] == path
    page = browser.get(path)
    assert page.status_code == 200
    assert html_tag(page.content.decode()) == '<html lang="ar" dir="rtl">'


def test_a_forged_cookie_is_ignored(alice: Any) -> None:
    plan = published(alice, country="LB", subdivision="", language="ar")
    _token, path = link_path(plan)
    for value in ("zz.0123456789abcdef", "fr.0123456789abcdef", "fr", "<script>", "fr." * 50):
        browser = HttpClient()
        browser.cookies[link_languages.COOKIE] = value
        page = browser.get(path)
        assert page.status_code == 200
        assert html_tag(page.content.decode()) == '<html lang="ar" dir="rtl">', value


def test_a_choice_holds_for_its_own_link_only(alice: Any) -> None:
    """A shared phone: the second client's link still opens in its own language."""
    _first, first_path = link_path(published(alice, country="LB", subdivision="", language="ar"))
    _second, second_path = link_path(published(alice, country="FR", subdivision="", language="fr"))
    browser = HttpClient()
    switch(browser, first_path, "en")
    assert html_tag(browser.get(first_path).content.decode()) == '<html lang="en" dir="ltr">'
    assert html_tag(browser.get(second_path).content.decode()) == '<html lang="fr" dir="ltr">'


def test_every_client_page_has_the_switch(alice: Any) -> None:
    plan = published(alice, country="LB", subdivision="", language="ar")
    token, path = link_path(plan)
    browser = HttpClient()
    pages = {"landing": browser.get(path)}
    browser.post(path)
    pages["plan"] = browser.get(reverse("links:plan", args=[token]))
    pages["elsewhere"] = browser.get(reverse("links:plan", args=[token]) + "?country=FR")
    pages["unknown"] = HttpClient().get("/p/not-a-token/")
    PrivateLink.objects.update(revoked_at=datetime(2026, 1, 1, tzinfo=UTC))
    pages["revoked"] = HttpClient().get(path)
    PrivateLink.objects.update(revoked_at=None, expires_at=datetime(2026, 1, 1, tzinfo=UTC))
    pages["expired"] = HttpClient().get(path)
    for name, response in pages.items():
        html = response.content.decode()
        assert html.count('name="switch_language"') == len(languages.codes()), name
        # Every language named in itself, for screen readers too.
        assert '<button type="submit" name="switch_language" value="ar" lang="ar"' in html, name
    # A revoked link answers exactly like one never issued: in the browser's language
    # (here none: English), never its client's, which would tell that it was real.
    assert html_tag(pages["revoked"].content.decode()) == '<html lang="en" dir="ltr">'
    assert html_tag(pages["unknown"].content.decode()) == '<html lang="en" dir="ltr">'
    # An expired one keeps its region's numbers, and its client's language.
    assert html_tag(pages["expired"].content.decode()) == '<html lang="ar" dir="rtl">'


def test_the_switch_on_a_page_of_no_link_follows_the_choice(db: None) -> None:
    browser = HttpClient()
    response = switch(browser, "/p/not-a-token/", "ar")
    assert response.status_code == 303
    page = browser.get("/p/not-a-token/")
    assert page.status_code == 404
    assert html_tag(page.content.decode()) == '<html lang="ar" dir="rtl">'


def test_the_switch_needs_the_csrf_token(alice: Any) -> None:
    plan = published(alice, country="LB", subdivision="", language="ar")
    _token, path = link_path(plan)
    browser = HttpClient(enforce_csrf_checks=True)
    response = browser.post(path, {"switch_language": "fr"})
    assert response.status_code == 403
    assert link_languages.COOKIE not in response.cookies


def test_phone_numbers_read_left_to_right_in_arabic(alice: Any) -> None:
    make_service("Embrace LifeLine", country="LB", phone="+961 1 234 567")
    plan = published(alice, country="LB", subdivision="", language="ar")
    token, path = link_path(plan)
    browser = HttpClient()
    browser.post(path)
    html = browser.get(reverse("links:plan", args=[token])).content.decode()
    assert '<bdi dir="ltr">+961 1 234 567</bdi>' in html
    # Every number of the plan and of the directory: inside a left-to-right isolate.
    for number in re.findall(r'href="tel:[^"]*"[^>]*>(.*?)</a>', html, re.S):
        assert number.startswith('<bdi dir="ltr">') or re.fullmatch(r"\d+", number) is None, number


def test_dates_are_in_the_client_s_language_and_time_zone(alice: Any) -> None:
    plan = published(alice, country="LB", subdivision="", language="fr")
    token, path = link_path(plan)
    link = PrivateLink.objects.get()
    # Opened before at 22:30 UTC on 31 December: 1 January, 00:30 in Beirut (UTC+2).
    PrivateLink.objects.filter(pk=link.pk).update(
        last_opened_at=datetime(2025, 12, 31, 22, 30, tzinfo=UTC)
    )
    browser = HttpClient()
    browser.post(path)
    html = browser.get(reverse("links:plan", args=[token])).content.decode()
    assert "1 janvier 2026, 00:30" in html
    Client.objects.update(language="ar")
    PrivateLink.objects.filter(pk=link.pk).update(
        last_opened_at=datetime(2025, 12, 31, 22, 30, tzinfo=UTC)
    )
    browser = HttpClient()
    browser.post(path)
    html = browser.get(reverse("links:plan", args=[token])).content.decode()
    assert "1 يناير 2026, 00:30" in html


def test_directory_names_stay_kind_labels_and_countries_are_translated(alice: Any) -> None:
    make_service("Embrace LifeLine", country="LB", phone="1564")
    make_service("Police", country="LB", kind="emergency", phone="112")
    plan = published(alice, country="LB", subdivision="", language="ar")
    _token, path = link_path(plan)
    browser = HttpClient()
    html = browser.get(path).content.decode()
    assert "Embrace LifeLine" in html  # a service's own name, as it is
    assert "لبنان" in html  # Lebanon, from pycountry's Arabic catalogue
    assert "Lebanon" not in html


def test_the_client_s_region_is_named_in_the_page_s_language(alice: Any) -> None:
    """iso-codes has no Arabic name for Lebanon's governorates; the client in Beirut
    reads "بيروت" (hotlines/data/region_names.csv), never "Bayrūt" in Latin letters."""
    make_service("Police", country="LB", kind="emergency", phone="112")
    plan = published(alice, country="LB", subdivision="LB-BA", language="ar")
    _token, path = link_path(plan)
    html = HttpClient().get(path).content.decode()
    assert "بيروت، لبنان" in html and "Bayrūt" not in html  # and an Arabic comma


# --- the therapist's pages ------------------------------------------------------------


def test_the_therapist_s_pages_follow_the_account_s_language(alice_client: Any, alice: Any) -> None:
    dashboard = reverse("clients:dashboard")
    assert html_tag(alice_client.get(dashboard).content.decode()) == '<html lang="en" dir="ltr">'
    response = alice_client.post(reverse("account:language"), {"language": "ar"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "ar"
    assert html_tag(alice_client.get(dashboard).content.decode()) == '<html lang="ar" dir="rtl">'
    # An unknown code: a message, nothing changed.
    alice_client.post(reverse("account:language"), {"language": "xx"})
    alice.refresh_from_db()
    assert alice.language == "ar"
    # Empty: the browser's language.
    alice_client.post(reverse("account:language"), {"language": ""})
    page = alice_client.get(dashboard, HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")
    assert html_tag(page.content.decode()) == '<html lang="fr" dir="ltr">'


def test_a_client_s_language_does_not_leak_into_the_therapist_s_pages(
    alice_client: Any, alice: Any
) -> None:
    plan = published(alice, country="LB", subdivision="", language="ar")
    _token, path = link_path(plan)
    alice_client.get(path)  # the therapist tries the client's link in the same browser
    page = alice_client.get(reverse("clients:dashboard"))
    assert html_tag(page.content.decode()) == '<html lang="en" dir="ltr">'


def test_the_login_page_follows_the_browser(db: None) -> None:
    page = HttpClient().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ar")
    assert html_tag(page.content.decode()) == '<html lang="ar" dir="rtl">'
    page = HttpClient().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de")
    assert html_tag(page.content.decode()) == '<html lang="en" dir="ltr">'


def test_the_scripts_catalogue_is_served_from_our_origin(db: None) -> None:
    response = HttpClient().get(reverse("javascript_catalog"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "django.gettext" in response.content.decode()


def test_opening_hours_are_read_in_the_page_s_language() -> None:
    from django.utils import translation

    from hotlines.hours import format_hours, parse_hours

    hours = parse_hours("Mon-Fri 09:00-17:00; Sat 10:00-14:00")
    with translation.override("fr"):
        assert format_hours(hours, for_reading=True) == "lun-ven 09:00-17:00; sam 10:00-14:00"
        # The format curators write and the CSV carries stays the same in every language.
        assert format_hours(hours) == "Mon-Fri 09:00-17:00; Sat 10:00-14:00"
    with translation.override("ar"):
        assert format_hours(hours, for_reading=True).startswith("إثنين-جمعة 09:00-17:00")
