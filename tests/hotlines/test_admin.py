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

from hotlines.csvio import EXPORT_HEADER, import_csv
from hotlines.forms import ContactMethodForm
from hotlines.models import ContactMethod, OutdatedReport, Service, region_help
from tests.factory import make_service

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "hotlines" / "data" / "hotlines_seed.csv"
CHANGELIST = "admin:hotlines_service_changelist"


@pytest.fixture
def carol_client(client, carol):
    client.force_login(carol)
    return client


@pytest.mark.parametrize(
    "url_name",
    [
        CHANGELIST,
        "admin:hotlines_service_import",
        "admin:hotlines_service_export",
        "admin:hotlines_service_coverage",
    ],
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
        response = carol_client.get(reverse(CHANGELIST), {"verification": "all", **params})
        return {s.name for s in response.context["cl"].result_list}

    assert listed(q="116 123") == {"Samaritans"}
    assert listed(q="GB") == {"Samaritans"}
    assert listed(country="DE") == {"Telefonseelsorge", "Inactive line", "Fresh"}
    assert listed(kind__exact="emergency") == {"Fresh"}
    assert listed(verification="stale") == {"Samaritans", "Telefonseelsorge", "Inactive line"}
    assert listed(needs_review__exact="1") == {"Samaritans", "Telefonseelsorge", "Inactive line"}
    assert listed(active__exact="0") == {"Inactive line"}


def test_the_list_opens_on_the_entries_that_need_attention(carol_client, carol) -> None:
    make_service("Never verified")
    old = make_service("Verified long ago")
    old.mark_verified(carol, now=timezone.now() - timedelta(days=200))
    flagged = make_service("Flagged again")
    flagged.mark_verified(carol)
    Service.objects.filter(pk=flagged.pk).update(needs_review=True)  # e.g. a changed import
    make_service("Fresh").mark_verified(carol)

    response = carol_client.get(reverse(CHANGELIST))

    listed = {s.name for s in response.context["cl"].result_list}
    assert listed == {"Never verified", "Verified long ago", "Flagged again"}
    html = response.content.decode()
    assert "Needs attention" in html
    everything = carol_client.get(reverse(CHANGELIST), {"verification": "all"})
    assert len(everything.context["cl"].result_list) == 4
    assert "?verification=all" in html  # "All" is a choice of its own, one click away


def test_the_list_shows_the_main_number_and_the_country_name(
    carol_client, django_assert_max_num_queries
) -> None:
    make_service("Lebanese Red Cross", country="LB", kind="emergency", phone="140")
    make_service("Text only", country="GB", phone=None, sms="85258")
    make_service("Web only", country="GB", phone=None, url="https://example.org/chat")
    make_service("NHS 111", country="GB", subdivision="GB-ENG", phone="111", sms="87023")

    response = carol_client.get(reverse(CHANGELIST))

    rows = {s.name: (s.main_value, admin_place(s)) for s in response.context["cl"].result_list}
    assert rows["Lebanese Red Cross"] == ("140", "LB · Lebanon")
    assert rows["Text only"][0] == "85258"
    assert rows["Web only"][0] is None
    assert rows["NHS 111"] == ("111", "GB · England, United Kingdom")  # the phone, not the SMS
    html = response.content.decode()
    assert "LB · Lebanon" in html
    assert "main number" in html.lower()

    # The numbers come in the list's own query: more entries, no more queries.
    with django_assert_max_num_queries(12) as few:
        carol_client.get(reverse(CHANGELIST))
    for n in range(30):
        make_service(f"Line {n}", country="FR", phone=f"01 23 45 67 {n:02d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        carol_client.get(reverse(CHANGELIST))


def admin_place(service: Service) -> str:
    from django.contrib.admin import site

    return site._registry[Service].place(service)


def test_search_finds_entries_by_country_name_and_by_number(carol_client) -> None:
    make_service("Internal Security Forces (police)", country="LB", kind="emergency", phone="112")
    make_service("Embrace LifeLine", country="LB", phone="1564")
    make_service("Samaritans", country="GB", phone="116 123")
    make_service("Línea de Prevención del Suicidio", country="CL", phone="*4141")
    make_service("Acil", country="TR", kind="emergency", phone="112")
    make_service(
        "Abroad",
        country="DE",
        phone="110",
        from_abroad="+49 30 4664 4664",
        from_abroad_source="https://example.org/official",
    )

    def found(term: str) -> set[str]:
        response = carol_client.get(reverse(CHANGELIST), {"q": term, "verification": "all"})
        assert response.status_code == 200
        return {s.name for s in response.context["cl"].result_list}

    assert found("Lebanon") == {"Internal Security Forces (police)", "Embrace LifeLine"}
    assert found("lebanon") == found("Lebanon")
    assert found("Turkiye") == {"Acil"}  # accents need not be typed
    assert found("116123") == {"Samaritans"}  # without the spaces
    assert found("116 123") == {"Samaritans"}
    assert found("*4141") == {"Línea de Prevención del Suicidio"}
    assert found("1564") == {"Embrace LifeLine"}
    assert found("46644664") == {"Abroad"}
    assert found("Samaritans") == {"Samaritans"}  # names as before
    assert found("nothing like it") == set()


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


def test_marking_verified_reaches_the_clients_lookups_at_once(carol_client) -> None:
    unsure = make_service("Unsure", confidence="low")
    assert region_help("DE").services == []  # remembered by this process

    carol_client.post(
        reverse(CHANGELIST), {"action": "mark_verified_today", "_selected_action": [unsure.pk]}
    )

    assert [s.name for s in region_help("DE").services] == ["Unsure"]


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

    assert "Imported: 435 rows: 435 new" in response.content.decode()
    assert Service.objects.count() == 435


def test_an_import_in_the_admin_keeps_curators_changes_unless_told(carol_client) -> None:
    import_csv(SEED.read_bytes())
    police = Service.objects.get(country="LB", name="Internal Security Forces (police)")
    police.name = "ISF police"
    police.save()
    changed = SEED.read_text(encoding="utf-8").replace(
        "LB,,Internal Security Forces (police),emergency,112,",
        "LB,,Internal Security Forces (police),emergency,112 (police),",
    )
    changed = changed.replace(
        "GB,,Samaritans,crisis_line,116 123,", "GB,,Samaritans,crisis_line,116 124,"
    )
    url = reverse("admin:hotlines_service_import")

    kept = carol_client.post(
        url, {"file": SimpleUploadedFile("v.csv", changed.encode(), "text/csv")}, follow=True
    )

    html = kept.content.decode()
    assert "1 updated, 433 unchanged, 1 skipped" in html
    assert "Skipped line" in html and "“ISF police”" in html and "a curator changed name" in html
    police.refresh_from_db()
    assert police.name == "ISF police"
    assert Service.objects.count() == 435

    replaced = carol_client.post(
        url,
        {
            "file": SimpleUploadedFile("v.csv", changed.encode(), "text/csv"),
            "overwrite_edited": "on",
        },
        follow=True,
    )

    assert "0 new, 1 updated, 434 unchanged." in replaced.content.decode()
    police.refresh_from_db()
    assert police.name == "Internal Security Forces (police)"
    assert Service.objects.count() == 435


def test_a_curator_enters_a_star_number_and_a_number_from_abroad(carol_client) -> None:
    service = make_service("Línea 4141", country="CL", phone="131")
    method = service.contact_methods.get()
    url = reverse("admin:hotlines_service_change", args=[service.pk])
    data = change_form_data(service, method, value="*4141")
    data |= {"from_abroad": "+56 2 2574 7000", "from_abroad_source": ""}

    refused = carol_client.post(url, data)
    assert refused.status_code == 200
    assert "Give the official source of the number from abroad." in refused.content.decode()

    data["from_abroad_source"] = "https://www.minsal.cl/contacto"
    data["from_abroad_verified_on"] = "2026-11-30"
    assert carol_client.post(url, data).status_code == 302

    service.refresh_from_db()
    assert service.contact_methods.get().value == "*4141"
    assert service.contact_methods.get().tel_href == "tel:*4141"
    assert service.from_abroad == "+56 2 2574 7000"
    assert str(service.from_abroad_verified_on) == "2026-11-30"

    for bad, message in [
        ("*41a1", "holds only digits, * and #"),
        ("*", "between 2 and 15 digits"),
    ]:
        response = carol_client.post(url, change_form_data(service, method, value=bad))
        assert message in response.content.decode(), bad
    texting = change_form_data(service, method, value="*4141", kind="sms")
    response = carol_client.post(url, texting)
    assert "cannot receive text messages" in response.content.decode()
    not_international = change_form_data(service, method, value="*4141")
    not_international |= {
        "from_abroad": "2574 7000",
        "from_abroad_source": "https://www.minsal.cl/contacto",
    }
    response = carol_client.post(url, not_international)
    assert "starts with + and the country code" in response.content.decode()


def test_a_curator_chooses_the_number_that_leads_the_danger_button(carol_client) -> None:
    police = make_service("Police", country="LB", kind="emergency", phone="112", priority=10)
    red_cross = make_service(
        "Red Cross", country="LB", kind="emergency", phone="140", topics=["ambulance"]
    )
    line = make_service("Embrace", country="LB", phone="1564")
    assert Service.objects.help_for_region("LB").lead == red_cross

    url = reverse("admin:hotlines_service_change", args=[police.pk])
    data = change_form_data(police, police.contact_methods.get()) | {"leads": "on"}
    assert carol_client.post(url, data).status_code == 302
    assert Service.objects.help_for_region("LB").lead == police

    # Only one per country: choosing another unsets the first.
    url = reverse("admin:hotlines_service_change", args=[red_cross.pk])
    data = change_form_data(red_cross, red_cross.contact_methods.get()) | {"leads": "on"}
    assert carol_client.post(url, data).status_code == 302
    police.refresh_from_db()
    assert not police.leads
    assert Service.objects.help_for_region("LB").lead == red_cross

    url = reverse("admin:hotlines_service_change", args=[line.pk])
    data = change_form_data(line, line.contact_methods.get()) | {"leads": "on"}
    refused = carol_client.post(url, data)
    assert "Only an emergency number can lead" in refused.content.decode()


def change_form_data(
    service: Service, method: ContactMethod, *, value: str | None = None, kind: str = "phone"
) -> dict[str, str]:
    return {
        "name": service.name,
        "kind": service.kind,
        "country": service.country,
        "subdivision": service.subdivision,
        "timezone": service.timezone,
        "priority": str(service.priority),
        "active": "on",
        "languages": "",
        "topics": "; ".join(service.topics),
        "audience": "",
        "description": "",
        "source_urls": "https://example.org/a",
        "confidence": service.confidence,
        "note": service.note,
        "from_abroad": service.from_abroad,
        "from_abroad_source": service.from_abroad_source,
        "from_abroad_verified_on": "",
        "contact_methods-TOTAL_FORMS": "1",
        "contact_methods-INITIAL_FORMS": "1",
        "contact_methods-MIN_NUM_FORMS": "0",
        "contact_methods-MAX_NUM_FORMS": "1000",
        "contact_methods-0-id": str(method.pk),
        "contact_methods-0-service": str(service.pk),
        "contact_methods-0-kind": kind,
        "contact_methods-0-position": "0",
        "contact_methods-0-value": value or method.value,
        "contact_methods-0-instructions": "",
        "contact_methods-0-sms_keyword": "",
        "contact_methods-0-hours": "24/7",
        "contact_methods-0-hours_note": "",
    }


def test_the_coverage_table_shows_where_to_work_first(
    carol_client, carol, django_assert_max_num_queries
) -> None:
    make_service("Emergency", country="JO", kind="emergency", phone="911")
    make_service("Police", country="LB", kind="emergency", phone="112", topics=["police"])
    make_service("Red Cross", country="LB", kind="emergency", phone="140", topics=["ambulance"])
    make_service("Embrace", country="LB", phone="1564").mark_verified(carol)
    make_service("Unsure", country="AF", kind="emergency", phone="119", confidence="low")
    url = reverse("admin:hotlines_service_coverage")
    assert f'href="{url}"' in carol_client.get(reverse(CHANGELIST)).content.decode()

    with django_assert_max_num_queries(10) as few:
        response = carol_client.get(url)

    assert response.status_code == 200
    rows = response.context["coverage"].rows
    assert [row.country for row in rows] == ["AF", "JO", "LB"]  # no emergency, no line, rest
    html = response.content.decode()
    assert "3 countries have entries: 2 with an emergency number clients see" in html
    assert "1 with an emergency number but no crisis line" in html
    assert ">140</a> Red Cross" in html
    assert "?country=LB&amp;verification=all" in html
    for n in range(20):
        make_service(f"Line {n}", country=["FR", "DE", "IT"][n % 3], phone="116 123")
    with django_assert_max_num_queries(len(few.captured_queries)):
        carol_client.get(url)


def test_a_therapist_cannot_see_the_coverage(client, alice) -> None:
    client.force_login(alice)
    response = client.get(reverse("admin:hotlines_service_coverage"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


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
    assert rows[0] == list(EXPORT_HEADER)
    assert {row[3] for row in rows[1:]} == {"Line", "Other line"}

    selected = carol_client.post(
        reverse(CHANGELIST), {"action": "export_selected", "_selected_action": [other.pk]}
    )
    rows = list(csv.reader(io.StringIO(selected.content.decode(), newline="")))
    assert [row[3] for row in rows[1:]] == ["Other line"]


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
