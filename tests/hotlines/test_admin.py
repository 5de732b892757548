"""The curators' admin: who reaches it, verification, hours inline, CSV, reports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hotlines.csvio import HEADER
from hotlines.forms import ContactMethodForm
from hotlines.models import ContactMethod, OutdatedReport, Service
from tests.factory import make_service

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "hotlines" / "data" / "hotlines_seed.csv"
CHANGELIST = "admin:hotlines_service_changelist"


@pytest.fixture
def carol_client(client, carol):
    client.force_login(carol)
    return client


@pytest.mark.parametrize(
    "url_name", [CHANGELIST, "admin:hotlines_service_import", "admin:hotlines_service_export"]
)
def test_only_staff_reach_the_directory_admin(client, alice, url_name: str) -> None:
    url = reverse(url_name)
    assert client.get(url).status_code == 302  # anonymous: to the admin login
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_list_shows_country_kind_status_and_age(carol_client, carol) -> None:
    fresh = make_service("Fresh line")
    fresh.mark_verified(carol)
    old = make_service("Old line")
    old.mark_verified(carol, now=timezone.now() - timedelta(days=200))
    make_service("Never verified")

    response = carol_client.get(reverse(CHANGELIST))

    html = response.content.decode()
    assert response.status_code == 200
    assert "verified by carol@example.com" in html
    assert "imported, high confidence" in html
    assert "200 days (stale)" in html
    assert ">never<" in html


def test_search_and_filters(carol_client, carol) -> None:
    make_service("Samaritans", country="GB", phone="116 123")
    make_service("Telefonseelsorge", country="DE", phone="0800 111 0 111")
    make_service("Inactive line", country="DE", active=False)
    fresh = make_service("Fresh", country="DE", kind="emergency", phone="112")
    fresh.mark_verified(carol)

    def listed(**params: str) -> set[str]:
        response = carol_client.get(reverse(CHANGELIST), params)
        return {s.name for s in response.context["cl"].result_list}

    assert listed(q="116 123") == {"Samaritans"}
    assert listed(q="GB") == {"Samaritans"}
    assert listed(country="DE") == {"Telefonseelsorge", "Inactive line", "Fresh"}
    assert listed(kind__exact="emergency") == {"Fresh"}
    assert listed(verification="stale") == {"Samaritans", "Telefonseelsorge", "Inactive line"}
    assert listed(needs_review__exact="1") == {"Samaritans", "Telefonseelsorge", "Inactive line"}
    assert listed(active__exact="0") == {"Inactive line"}


def test_mark_verified_today_records_who(carol_client, carol) -> None:
    one, two = make_service("One"), make_service("Two")
    untouched = make_service("Untouched")

    response = carol_client.post(
        reverse(CHANGELIST),
        {"action": "mark_verified_today", "_selected_action": [one.pk, two.pk]},
        follow=True,
    )

    assert "Marked 2 entries verified today." in response.content.decode()
    for service in (one, two):
        service.refresh_from_db()
        assert service.last_verified_by == carol
        assert service.last_verified_at.date() == timezone.now().date()
        assert not service.needs_review
    untouched.refresh_from_db()
    assert untouched.last_verified_at is None


def test_a_curator_corrects_a_number_and_its_hours_inline(carol_client) -> None:
    service = make_service("Line", phone="0800 111 0 111", hours="24/7")
    method = service.contact_methods.get()
    url = reverse("admin:hotlines_service_change", args=[service.pk])
    data = {
        "name": "Line",
        "kind": "crisis_line",
        "country": "DE",
        "subdivision": "",
        "timezone": "Europe/Berlin",
        "priority": "100",
        "active": "on",
        "languages": "de; en",
        "topics": "suicide",
        "audience": "",
        "description": "",
        "source_urls": "https://example.org/a\nhttps://example.org/b",
        "confidence": "high",
        "note": "confidence: high",
        "contact_methods-TOTAL_FORMS": "1",
        "contact_methods-INITIAL_FORMS": "1",
        "contact_methods-MIN_NUM_FORMS": "0",
        "contact_methods-MAX_NUM_FORMS": "1000",
        "contact_methods-0-id": str(method.pk),
        "contact_methods-0-service": str(service.pk),
        "contact_methods-0-kind": "phone",
        "contact_methods-0-position": "0",
        "contact_methods-0-value": "call me maybe",
        "contact_methods-0-instructions": "",
        "contact_methods-0-sms_keyword": "",
        "contact_methods-0-hours": "Mon-Fri 25:00-17:00",
        "contact_methods-0-hours_note": "",
    }

    refused = carol_client.post(url, data)
    assert refused.status_code == 200
    assert "is not a phone number" in refused.content.decode()
    assert "is not a time of day" in refused.content.decode()

    data["contact_methods-0-value"] = "0800 111 0 222"
    data["contact_methods-0-hours"] = "Mon-Fri 09:00-17:00; Sat 22:00-02:00"
    saved = carol_client.post(url, data)
    assert saved.status_code == 302

    service.refresh_from_db()
    method = service.contact_methods.get()
    assert method.value == "0800 111 0 222"
    assert not method.always_open
    assert method.hours_spec == "Mon-Fri 09:00-17:00; Sat 22:00-02:00"
    assert service.languages == ["de", "en"]
    assert service.source_urls == ["https://example.org/a", "https://example.org/b"]


def test_the_hours_field_round_trips_through_the_form() -> None:
    service = make_service(hours="daily 10:00-24:00")
    method = service.contact_methods.get()
    form = ContactMethodForm(instance=method)
    assert form.initial["hours"] == "daily 10:00-24:00"

    data = {"kind": "phone", "value": "112", "position": 0, "hours": "24/7"}
    form = ContactMethodForm(data, instance=method)
    assert form.is_valid(), form.errors
    form.save()
    method = ContactMethod.objects.get(pk=method.pk)
    assert method.always_open
    assert not method.periods.exists()


def test_csv_import_from_the_admin(carol_client) -> None:
    url = reverse("admin:hotlines_service_import")
    assert f'href="{url}"' in carol_client.get(reverse(CHANGELIST)).content.decode()
    assert carol_client.get(url).status_code == 200

    response = carol_client.post(
        url, {"file": SimpleUploadedFile("seed.csv", SEED.read_bytes(), "text/csv")}, follow=True
    )

    assert "Imported: 147 rows: 147 new" in response.content.decode()
    assert Service.objects.count() == 147


def test_a_bad_csv_in_the_admin_lists_errors_and_saves_nothing(carol_client) -> None:
    rows = SEED.read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3].replace("LB,,", "ZZ,,", 1)
    bad = "\r\n".join(rows).encode("utf-8")

    response = carol_client.post(
        reverse("admin:hotlines_service_import"),
        {"file": SimpleUploadedFile("bad.csv", bad, "text/csv")},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in html
    assert "line 4: country_code: “ZZ” is not an ISO 3166-1 country code" in html
    assert Service.objects.count() == 0


def test_a_therapist_cannot_import(client, bob) -> None:
    bob.is_staff = True  # staff, but without the directory's permissions
    bob.save()
    client.force_login(bob)
    response = client.post(
        reverse("admin:hotlines_service_import"),
        {"file": SimpleUploadedFile("seed.csv", SEED.read_bytes(), "text/csv")},
    )
    assert response.status_code == 403
    assert Service.objects.count() == 0


def test_csv_export_from_the_admin(carol_client) -> None:
    make_service("Line", phone="116 123")
    other = make_service("Other line", phone="0800 111 0 111")

    response = carol_client.get(reverse("admin:hotlines_service_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
    assert rows[0] == list(HEADER)
    assert {row[2] for row in rows[1:]} == {"Line", "Other line"}

    selected = carol_client.post(
        reverse(CHANGELIST), {"action": "export_selected", "_selected_action": [other.pk]}
    )
    rows = list(csv.reader(io.StringIO(selected.content.decode(), newline="")))
    assert [row[2] for row in rows[1:]] == ["Other line"]


def test_curators_see_and_resolve_reports(carol_client, carol, alice) -> None:
    service = make_service("Line")
    report = OutdatedReport.objects.create(
        service=service, reporter=alice, what_is_wrong="No answer", suggested_correction="116 124"
    )
    listing = carol_client.get(reverse("admin:hotlines_outdatedreport_changelist"))
    assert "No answer" in listing.content.decode()
    detail = carol_client.get(reverse("admin:hotlines_outdatedreport_change", args=[report.pk]))
    assert "116 124" in detail.content.decode()

    carol_client.post(
        reverse("admin:hotlines_outdatedreport_changelist"),
        {"action": "mark_resolved", "_selected_action": [report.pk]},
    )

    report.refresh_from_db()
    assert report.status == OutdatedReport.Status.RESOLVED
    assert report.resolved_by == carol
    assert report.resolved_at is not None
