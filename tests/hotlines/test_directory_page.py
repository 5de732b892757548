"""The therapists' directory pages: browse by place and topic, report an outdated entry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotlines.models import OutdatedReport, Service
from tests.factory import make_service

pytestmark = pytest.mark.django_db
INDEX = reverse("hotlines:index")


@pytest.fixture
def directory(carol):
    emergency = make_service("Emergency services", kind="emergency", phone="112")
    emergency.mark_verified(carol)
    make_service(
        "Crisis Text Line",
        kind="text_line",
        phone=None,
        sms="741741",
        sms_keyword="HOME",
        hours="",
        topics=["suicide"],
    )
    make_service(
        "Office line",
        hours="Mon 00:00-00:01",
        confidence="low",
        topics=["youth"],
        languages=["de", "en"],
    )
    make_service("NHS 111", country="GB", subdivision="GB-ENG", phone="111")
    make_service("Samaritans", country="GB", phone="116 123")


def test_anonymous_is_sent_to_login(client) -> None:
    for url in (INDEX, reverse("hotlines:report", args=[1])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_wrong_methods_are_refused(alice_client, directory) -> None:
    assert alice_client.post(INDEX).status_code == 405
    service = make_service("Line")
    assert alice_client.put(reverse("hotlines:report", args=[service.pk])).status_code == 405


def test_browse_by_country_shows_links_hours_and_status(alice_client, directory) -> None:
    response = alice_client.get(INDEX, {"country": "DE"})

    html = response.content.decode()
    assert response.status_code == 200
    names = [s.name for s, _ in response.context["entries"]]
    assert names == ["Emergency services", "Office line", "Crisis Text Line"]
    assert 'href="tel:112"' in html
    assert 'href="sms:741741?body=HOME"' in html
    assert "Verified on" in html and "by carol@example.com" in html
    assert "imported with low confidence, needs review" in html
    assert "Not shown to clients until a curator verifies it." in html
    assert "Mon 00:00-00:01 (Europe/Berlin time)" in html
    assert "German, English" in html
    assert "Hours unknown" in html  # the text line has no hours: not "closed"
    assert response.context["region"].fallback is None


def test_filters_by_subdivision_topic_and_open_now(alice_client, directory) -> None:
    def names(**params: str) -> list[str]:
        response = alice_client.get(INDEX, params)
        return [s.name for s, _ in response.context["entries"]]

    assert names(country="GB") == ["Samaritans"]
    assert names(country="GB", subdivision="GB-ENG") == ["Samaritans", "NHS 111"]
    assert names(country="DE", subdivision="GB-ENG") == [
        "Emergency services",
        "Office line",
        "Crisis Text Line",
    ]
    assert names(country="DE", topic="youth") == ["Office line"]
    # Open now: 24/7 lines, never the one with unknown hours; the office line only in
    # its one minute a week.
    office_open = Service.objects.get(name="Office line").open_state() is True
    expected = ["Emergency services"] + (["Office line"] if office_open else [])
    assert names(country="DE", open_now="on") == expected


def test_a_country_without_entries_shows_the_fallback(alice_client, directory) -> None:
    response = alice_client.get(INDEX, {"country": "GB"})
    html = response.content.decode()
    assert "Emergency number for United Kingdom" in html
    assert 'href="tel:112"' in html
    assert "findahelpline.com" in html


def test_without_a_country_it_asks_for_one(alice_client, directory) -> None:
    response = alice_client.get(INDEX)
    assert "Choose a country to see its services." in response.content.decode()
    assert response.context["region"] is None


def test_report_form_saves_a_report(alice_client, alice, directory) -> None:
    service = make_service("Line", phone="0800 111 0 111")
    url = reverse("hotlines:report", args=[service.pk])
    page = alice_client.get(url)
    assert page.status_code == 200
    assert "0800 111 0 111" in page.content.decode()

    response = alice_client.post(
        url,
        {"what_is_wrong": "Nobody answers.", "suggested_correction": "0800 111 0 222"},
        follow=True,
    )

    assert "your report on “Line” was sent" in response.content.decode()
    report = OutdatedReport.objects.get()
    assert (report.service, report.reporter) == (service, alice)
    assert report.what_is_wrong == "Nobody answers."
    assert report.status == OutdatedReport.Status.OPEN


def test_an_incomplete_report_keeps_what_was_typed(alice_client, directory) -> None:
    service = make_service("Line")
    response = alice_client.post(
        reverse("hotlines:report", args=[service.pk]),
        {"what_is_wrong": "", "suggested_correction": "The new number is 0800 111 0 222"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    assert "The new number is 0800 111 0 222" in html
    assert not OutdatedReport.objects.exists()


def test_reporting_a_missing_entry_is_404(alice_client) -> None:
    assert alice_client.get(reverse("hotlines:report", args=[999])).status_code == 404


def test_the_country_list_is_read_once_per_directory_change(alice_client, directory) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def country_scans() -> int:
        """Queries reading every active service's country (the whole directory)."""
        with CaptureQueriesContext(connection) as captured:
            content = alice_client.get(INDEX, {"country": "DE"}).content.decode()
        assert 'value="DE"' in content
        scans = [
            q["sql"]
            for q in captured
            if q["sql"].startswith('SELECT "hotlines_service"."country" AS "country" FROM')
        ]
        return len(scans)

    country_scans()
    assert country_scans() == 0  # remembered under the directory's version
    make_service("Line of Kenya", country="KE")
    assert country_scans() == 1  # the directory changed: read again, once
    assert country_scans() == 0
    assert 'value="KE"' in alice_client.get(INDEX).content.decode()
