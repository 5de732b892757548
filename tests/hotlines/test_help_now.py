"""The two kinds of help every client page shows (RegionHelp.talk and .lead), the
place's time zone for times shown to a person there, and the international numbers
WhatsApp needs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotlines.models import region_help
from hotlines.phones import international_number, whatsapp_href
from tests.factory import make_service

pytestmark = pytest.mark.django_db


def test_talk_is_the_first_crisis_line_to_call_and_danger_the_leading_emergency_number() -> None:
    make_service("Chat only", kind="crisis_line", phone=None, url="https://example.org/chat")
    make_service("Text line", kind="text_line", phone="0800 000 001", priority=1)
    make_service("Second line", phone="0800 000 003", priority=20)
    make_service("First line", phone="0800 000 002", priority=10)
    make_service("Police", kind="emergency", phone="110", priority=1, topics=["police"])
    make_service("Ambulance", kind="emergency", phone="112", priority=10, topics=["ambulance"])
    help_here = region_help("DE")
    talk = help_here.talk
    assert (talk.service.name, talk.href, talk.is_call) == ("First line", "tel:0800000002", True)
    assert help_here.lead.name == "Ambulance"


def test_without_a_line_to_call_a_text_line_or_chat_is_how_to_talk() -> None:
    make_service("Crisis Text Line", kind="text_line", phone=None, sms="741741", sms_keyword="HOME")
    talk = region_help("DE").talk
    assert (talk.service.name, talk.href, talk.is_call) == (
        "Crisis Text Line",
        "sms:741741?body=HOME",
        False,
    )


def test_a_line_dialled_with_a_star_is_called_never_texted() -> None:
    make_service("Línea de Prevención del Suicidio", country="CL", phone="*4141", sms="*4141")
    assert region_help("CL").talk.href == "tel:*4141"


def test_a_line_closed_now_gives_way_to_one_that_is_open() -> None:
    make_service("Day line", phone="0800 000 001", priority=1, hours="Mon-Fri 09:00-17:00")
    make_service("Night line", phone="0800 000 002", priority=2, hours="24/7")
    help_here = region_help("DE")
    berlin = ZoneInfo("Europe/Berlin")
    assert help_here.talk_at(datetime(2026, 3, 2, 10, 0, tzinfo=berlin)).service.name == "Day line"
    assert (
        help_here.talk_at(datetime(2026, 3, 1, 23, 0, tzinfo=berlin)).service.name == "Night line"
    )


def test_when_every_line_is_closed_the_first_is_still_offered() -> None:
    make_service("Day line", phone="0800 000 001", priority=1, hours="Mon-Fri 09:00-17:00")
    make_service("Late line", phone="0800 000 002", priority=2, hours="Mon-Fri 18:00-22:00")
    sunday = datetime(2026, 3, 1, 3, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert region_help("DE").talk_at(sunday).service.name == "Day line"


def test_a_place_with_no_crisis_line_or_emergency_entry_has_none_and_a_fallback() -> None:
    help_here = region_help("JO")
    assert help_here.talk is None
    assert help_here.lead is None
    assert help_here.fallback is not None and help_here.fallback.number


def test_lines_of_another_country_are_not_this_places_help() -> None:
    """A service pinned from elsewhere (a short code of another country) never becomes
    the place's "talk to someone" button."""
    abroad = make_service("Abroad line", country="GB", phone="116 123")
    police = make_service("Police abroad", country="GB", kind="emergency", phone="999")
    help_here = region_help("DE", pinned_ids=[abroad.pk, police.pk])
    assert {s.name for s in help_here.services} == {"Abroad line", "Police abroad"}
    assert help_here.talk is None
    assert help_here.fallback is not None  # the "in danger" button: Germany's own number


def test_the_place_time_zone_is_the_countrys_or_a_regions_own() -> None:
    assert region_help("LB").timezone == "Asia/Beirut"
    assert region_help("GB", "GB-ENG").timezone == "Europe/London"
    # A region's own services carry the zone a curator set for them.
    make_service("Line CA", country="US", subdivision="US-CA", timezone="America/Los_Angeles")
    assert region_help("US", "US-CA").timezone == "America/Los_Angeles"
    assert region_help("US").timezone == "America/New_York"  # the tz database's first zone
    assert region_help("").timezone == "UTC"


def test_place_name_names_the_region_and_the_country() -> None:
    assert region_help("LB").place_name == "Lebanon"
    assert region_help("GB", "GB-ENG").place_name == "England, United Kingdom"


@pytest.mark.parametrize(
    ("number", "country", "e164"),
    [
        ("+961 3 111 222", "", "+9613111222"),
        ("03 111 222", "LB", "+9613111222"),  # a local mobile number of the client's country
        ("0113 496 0000", "GB", "+441134960000"),
        ("+44 (0)20 7946 0999", "LB", "+442079460999"),
        ("1564", "LB", ""),  # a short code has no international form
        ("03 111 222", "", ""),  # a local number, country unknown
        ("12", "GB", ""),
    ],
)
def test_international_numbers_for_whatsapp(number: str, country: str, e164: str) -> None:
    assert international_number(number, country) == e164
    assert whatsapp_href(number, country) == (f"https://wa.me/{e164[1:]}" if e164 else "")
