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


def directory_reads(alice_client, params: dict[str, str]) -> tuple[list[str], str]:
    """The queries of one directory page that read services, and its HTML."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = alice_client.get(INDEX, params)
    assert response.status_code == 200
    reads = [q["sql"] for q in captured if 'FROM "hotlines_service"' in q["sql"]]
    return reads, response.content.decode()


def test_a_countrys_page_reads_no_service_until_the_directory_changes(
    alice_client, directory
) -> None:
    """Regions, topics and entries of a country are read once per directory version, so
    the page costs the same however many services the country has."""
    params = {"country": "DE", "topic": "youth"}
    first, _ = directory_reads(alice_client, params)
    assert first  # read once
    again, html = directory_reads(alice_client, params)
    assert again == []
    assert '<option value="suicide">suicide</option>' in html
    assert "Office line" in html and "Crisis Text Line" not in html


def test_a_curators_change_shows_at_once(alice_client, directory, carol) -> None:
    params = {"country": "DE"}
    directory_reads(alice_client, params)
    line = make_service("Youth line", phone="0800 222 0 222", topics=["lgbtq"])
    reads, html = directory_reads(alice_client, params)
    assert reads  # a new version: read again
    assert "Youth line" in html and "0800 222 0 222" in html
    assert '<option value="lgbtq">lgbtq</option>' in html
    assert 'value="DE-BY"' not in html
    make_service("Bavaria line", subdivision="DE-BY")
    assert 'value="DE-BY"' in directory_reads(alice_client, params)[1]
    method = line.contact_methods.get()
    method.value = "0800 333 0 333"
    method.save()
    _, html = directory_reads(alice_client, params)
    assert "0800 333 0 333" in html and "0800 222 0 222" not in html
    line.active = False
    line.save()
    _, html = directory_reads(alice_client, params)
    assert "Youth line" not in html and "lgbtq" not in html


def test_a_country_with_many_entries_is_shown_a_page_at_a_time(alice_client, directory) -> None:
    from hotlines.views import ENTRIES_PER_PAGE

    for n in range(ENTRIES_PER_PAGE + 2):
        make_service(f"Line {n:02d}", topics=["suicide"])
    params = {"country": "DE", "topic": "suicide"}
    response = alice_client.get(INDEX, params)
    html = response.content.decode()
    assert html.count('class="service card"') == ENTRIES_PER_PAGE
    assert f"{ENTRIES_PER_PAGE + 3} of {ENTRIES_PER_PAGE + 5} entries shown." in html
    assert f"This page: 1 to {ENTRIES_PER_PAGE}." in html
    assert "Page 1 of 2" in html
    assert 'href="?country=DE&amp;topic=suicide&amp;page=2">Next page</a>' in html
    second = alice_client.get(INDEX, {**params, "page": "2"}).content.decode()
    assert second.count('class="service card"') == 3
    assert "Page 2 of 2" in second and "Previous page" in second
    # Emergency numbers lead the first page, whatever the topic chosen.
    everything = alice_client.get(INDEX, {"country": "DE"})
    assert everything.context["page"].object_list[0][0].name == "Emergency services"


def test_browsing_the_directory_keeps_the_clients_lookups_in_memory(
    alice_client, directory, monkeypatch
) -> None:
    """A client's page falls back on its remembered lookup while the database cannot be
    reached: therapists browsing many regions must not push it out."""
    from hotlines import models

    monkeypatch.setattr(models, "REGION_CACHE_SIZE", 2)
    models.region_help("DE")
    for params in (
        {"country": "DE"},
        {"country": "GB"},
        {"country": "GB", "subdivision": "GB-ENG"},
    ):
        assert alice_client.get(INDEX, params).status_code == 200
    remembered = models.remembered_region_help("DE")
    assert remembered is not None and remembered.services[0].name == "Emergency services"
