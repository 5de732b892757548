"""Whom can this person call? The lookup every client page draws from."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from django.conf import settings

from hotlines.csvio import import_csv
from hotlines.models import Audience, ContactMethod, OpeningPeriod, Service
from hotlines.regions import general_emergency_number
from tests.factory import make_service

pytestmark = pytest.mark.django_db


def names(services) -> list[str]:
    return [s.name for s in services]


def test_emergency_numbers_come_first_then_crisis_lines_then_the_rest_by_priority() -> None:
    make_service("Chat", kind="chat", priority=1)
    make_service("Line B", priority=20)
    make_service("Line A", priority=10)
    make_service("Text", kind="text_line", priority=1)
    make_service("Other", kind="other", priority=1)
    make_service("Police", kind="emergency", phone="110", priority=20)
    make_service("General", kind="emergency", phone="112", priority=10)

    assert names(Service.objects.for_region("DE")) == [
        "General",
        "Police",
        "Line A",
        "Line B",
        "Text",
        "Chat",
        "Other",
    ]


def test_nationwide_services_plus_the_subdivisions_own() -> None:
    make_service("Emergency", country="GB", kind="emergency", phone="999")
    make_service("Samaritans", country="GB", phone="116 123")
    make_service("NHS 111", country="GB", subdivision="GB-ENG", phone="111")
    make_service("Breathing Space", country="GB", subdivision="GB-SCT", phone="0800 83 85 87")
    make_service("Elsewhere", country="IE", phone="116 123")

    # Same kind and priority: nationwide first, then the region's own.
    assert names(Service.objects.for_region("GB", "GB-ENG")) == [
        "Emergency",
        "Samaritans",
        "NHS 111",
    ]
    assert names(Service.objects.for_region("GB")) == ["Emergency", "Samaritans"]
    assert names(Service.objects.for_region("gb", "GB-SCT")) == [
        "Emergency",
        "Samaritans",
        "Breathing Space",
    ]


def test_clients_see_trusted_or_verified_entries_only(carol) -> None:
    make_service("High", confidence="high")
    make_service("Medium", confidence="medium")
    low = make_service("Low", confidence="low")
    make_service("Inactive", confidence="high", active=False)

    assert names(Service.objects.for_region("DE")) == ["High", "Medium"]
    therapist_view = Service.objects.for_region("DE", audience=Audience.THERAPIST)
    assert names(therapist_view) == ["High", "Low", "Medium"]

    low.mark_verified(carol)
    assert "Low" in names(Service.objects.for_region("DE"))
    assert Service.objects.get(pk=low.pk).visible_to_clients

    # Flagged for review again (e.g. re-imported with a change): hidden again.
    Service.objects.filter(pk=low.pk).update(needs_review=True)
    assert "Low" not in names(Service.objects.for_region("DE"))


def test_pinned_services_follow_the_emergency_numbers_and_hidden_ones_drop_out() -> None:
    make_service("Emergency", kind="emergency", phone="112")
    line = make_service("Line", priority=1)
    abroad = make_service("Therapist's own line", country="AT", phone="142")
    emergency = Service.objects.get(name="Emergency")

    pinned = Service.objects.for_region("DE", pinned_ids=[abroad.pk])
    assert names(pinned) == ["Emergency", "Therapist's own line", "Line"]

    hidden = Service.objects.for_region("DE", hidden_ids=[line.pk, emergency.pk])
    assert names(hidden) == ["Emergency"]  # an emergency number cannot be hidden


def test_a_corrected_number_reaches_the_next_lookup() -> None:
    line = make_service("Line", phone="0800 111 0 111")
    ContactMethod.objects.filter(service=line, kind="phone").update(value="0800 111 0 222")

    method = Service.objects.for_region("DE")[0].contact_methods.all()[0]
    assert method.tel_href == "tel:08001110222"


def test_a_country_with_nothing_gets_a_clear_fallback() -> None:
    help_ = Service.objects.help_for_region("NZ")
    assert help_.services == []
    assert help_.fallback is not None
    assert help_.fallback.number == "111"  # from libphonenumber's data, not our own table
    assert help_.fallback.tel_href == "tel:111"
    assert "findahelpline.com" in help_.fallback.where_to_look
    assert "New Zealand" in help_.fallback.where_to_look

    assert general_emergency_number("DE") == "112"
    assert general_emergency_number("US") == "911"
    assert Service.objects.help_for_region("AQ").fallback.number is None


def test_crisis_lines_without_a_trusted_emergency_number_still_get_the_fallback() -> None:
    make_service("Line")
    make_service("Unsure", kind="emergency", phone="112", confidence="low")

    help_ = Service.objects.help_for_region("DE")
    assert names(help_.services) == ["Line"]
    assert help_.fallback is not None
    assert help_.fallback.number == "112"

    make_service("Emergency", kind="emergency", phone="112")
    help_ = Service.objects.help_for_region("DE")
    assert help_.fallback is None
    assert names(help_.emergency) == ["Emergency"]
    assert names(help_.others) == ["Line"]


def _bulk_directory(count: int) -> None:
    countries = ["DE", "FR", "GB", "US", "JP"]
    Service.objects.bulk_create(
        Service(
            name=f"Service {i}",
            country=countries[i % len(countries)],
            kind=Service.Kind.CRISIS_LINE if i % 3 else Service.Kind.EMERGENCY,
            confidence=Service.Confidence.HIGH,
            timezone="Europe/Berlin",
        )
        for i in range(count)
    )
    ids = list(Service.objects.values_list("pk", flat=True))
    ContactMethod.objects.bulk_create(
        ContactMethod(service_id=pk, kind="phone", value="0800 111 0 111") for pk in ids
    )
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(contact_method_id=pk, weekday=0, opens=time(9), closes=time(17))
        for pk in ContactMethod.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize("size", [10, 5_000])
def test_the_lookup_takes_three_queries_whatever_the_directory_size(
    size: int, django_assert_num_queries
) -> None:
    _bulk_directory(size)
    pinned = list(Service.objects.filter(country="FR").values_list("pk", flat=True)[:3])

    with django_assert_num_queries(3):
        help_ = Service.objects.help_for_region("DE", pinned_ids=pinned)
        for service in help_.services:
            for method in service.contact_methods.all():
                assert method.href.startswith("tel:")
                method.hours_spec  # noqa: B018 (reads the prefetched periods)
            service.status_text  # noqa: B018 (reads the prefetched verifier)

    assert len(help_.services) == size // 5 + len(pinned)


# --- the "in danger" button's number --------------------------------------------------


def test_the_danger_button_leads_with_the_ambulance_where_numbers_are_separate() -> None:
    import_csv((Path(settings.BASE_DIR) / "hotlines" / "data" / "hotlines_seed.csv").read_bytes())

    lebanon = Service.objects.help_for_region("LB")
    assert lebanon.lead.name == "Lebanese Red Cross ambulance"
    assert lebanon.lead.phones[0].value == "140"
    # Police and fire stay listed, after it.
    assert [s.phones[0].value for s in lebanon.emergency] == ["140", "125", "112", "175"]
    # A single general number leads where there is no separate ambulance number.
    assert Service.objects.help_for_region("US").lead.phones[0].value == "911"
    assert Service.objects.help_for_region("FR").lead.phones[0].value == "15"  # SAMU
    assert Service.objects.help_for_region("DE").lead.phones[0].value == "112"  # fire/ambulance


def test_a_curators_choice_leads_and_only_an_emergency_number_of_the_place() -> None:
    police = make_service("Police", kind="emergency", phone="110", topics=["police"], priority=1)
    ambulance = make_service("Ambulance", kind="emergency", phone="112", topics=["ambulance"])
    deaf = make_service(
        "For deaf people",
        kind="emergency",
        phone="0800 112",
        topics=["ambulance", "accessibility"],
        priority=1,
    )
    make_service("App only", kind="emergency", phone=None, url="https://example.org", priority=0)
    abroad = make_service(
        "Austrian ambulance", country="AT", kind="emergency", phone="144", topics=["ambulance"]
    )
    abroad.leads = True
    abroad.save()

    help_ = Service.objects.help_for_region("DE", pinned_ids=[abroad.pk])
    assert help_.lead == ambulance
    assert names(help_.emergency) == [
        "Ambulance",
        "Police",
        "For deaf people",
        "App only",
        "Austrian ambulance",
    ]

    police.leads = True
    police.save()
    assert Service.objects.help_for_region("DE", pinned_ids=[abroad.pk]).lead == police
    assert Service.objects.get(pk=abroad.pk).leads  # another country's choice stays
    assert deaf.lead_rank("DE") > ambulance.lead_rank("DE")


def test_the_lookup_says_whether_a_place_has_a_crisis_line() -> None:
    make_service("Emergency", country="JO", kind="emergency", phone="911")
    make_service("Unsure line", country="JO", confidence="low")
    make_service("Information", country="JO", kind="other", phone="06 123 4567")

    jordan = Service.objects.help_for_region("JO")
    assert not jordan.has_crisis_line  # a low-confidence line is no line for clients
    assert jordan.country_name == "Jordan"
    assert jordan.find_a_helpline_url.startswith("https://findahelpline.com")
    assert Service.objects.help_for_region("JO", audience=Audience.THERAPIST).has_crisis_line

    make_service("Text", country="JO", kind="text_line", phone=None, sms="85258")
    assert Service.objects.help_for_region("JO").has_crisis_line


def test_the_lookup_gives_what_a_therapist_abroad_can_dial() -> None:
    with_abroad = make_service(
        "Lebanese Red Cross",
        country="LB",
        kind="emergency",
        phone="140",
        topics=["ambulance"],
        from_abroad="+961 1 372 802",
        from_abroad_source="https://www.redcross.org.lb/",
    )
    short = make_service("Police", country="LB", kind="emergency", phone="112")
    line = make_service("Embrace", country="LB", phone="+961 1 341 941")
    make_service("Local line", country="LB", phone="1564")

    help_ = Service.objects.help_for_region("LB")

    assert help_.from_abroad == [with_abroad]
    assert with_abroad.from_abroad_tel_href == "tel:+9611372802"
    assert help_.local_only == [short]
    assert help_.international_lines == [line]
