"""Opening hours: the weekly format, and "open now" around midnight and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from hotlines.hours import (
    Hours,
    HoursError,
    Period,
    format_hours,
    is_open,
    looks_structured,
    parse_hours,
)
from hotlines.models import Service
from tests.factory import make_service


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "24/7",
        "daily 10:00-24:00",
        "Mon-Fri 09:00-17:00; Sat 10:00-14:00",
        "Mon, Wed 18:00-22:00",
        "Mon-Fri 09:00-12:00, 13:00-17:00",
        "Fri-Sun 22:00-02:00",
        "daily 00:00-24:00",
    ],
)
def test_the_weekly_format_round_trips(text: str) -> None:
    assert format_hours(parse_hours(text)) == text


def test_parsing_is_forgiving_about_case_and_dashes() -> None:
    assert format_hours(parse_hours("mon\u2013fri 9:00 - 17:00")) == "Mon-Fri 09:00-17:00"
    assert format_hours(parse_hours("Sat-Mon 10:00-12:00")) == "Mon, Sat-Sun 10:00-12:00"


@pytest.mark.parametrize(
    "text",
    [
        "Mon-Fri 25:00-17:00",
        "Mon 09:60-10:00",
        "Mon 09:00-09:00",
        "Funday 09:00-10:00",
        "Mon, Mon 09:00-10:00",
        "Mon 24:30-01:00",
    ],
)
def test_impossible_hours_are_errors(text: str) -> None:
    assert looks_structured(text)
    with pytest.raises(HoursError):
        parse_hours(text)


@pytest.mark.parametrize(
    "text",
    [
        "11:00-04:00 (as of 2021)",
        "daily 16:00-21:00; 24 h on the 10th of each month",
        "limited hours (mieli.fi lists Fri 09:00-13:00)",
    ],
)
def test_free_text_is_not_the_weekly_format(text: str) -> None:
    assert not looks_structured(text)


def test_unknown_hours_are_never_closed() -> None:
    assert is_open(Hours(), "Europe/Berlin", utc(2025, 1, 1, 12)) is None
    assert is_open(Hours(always_open=True), "Europe/Berlin", utc(2025, 1, 1, 3)) is True


def test_a_period_past_midnight_belongs_to_the_day_it_opens() -> None:
    friday_night = parse_hours("Fri 22:00-02:00")
    tz = "UTC"
    assert is_open(friday_night, tz, utc(2025, 1, 3, 21, 59)) is False  # Fri
    assert is_open(friday_night, tz, utc(2025, 1, 3, 22, 0)) is True
    assert is_open(friday_night, tz, utc(2025, 1, 3, 23, 59)) is True
    assert is_open(friday_night, tz, utc(2025, 1, 4, 0, 0)) is True  # Sat
    assert is_open(friday_night, tz, utc(2025, 1, 4, 1, 59)) is True
    assert is_open(friday_night, tz, utc(2025, 1, 4, 2, 0)) is False
    assert is_open(friday_night, tz, utc(2025, 1, 2, 23, 0)) is False  # Thu night
    assert is_open(friday_night, tz, utc(2025, 1, 5, 1, 0)) is False  # Sat night


def test_closing_at_24_00_ends_at_midnight() -> None:
    amico = parse_hours("daily 10:00-24:00")
    assert amico.periods[0] == Period(0, time(10), time(0))
    assert is_open(amico, "Europe/Rome", utc(2025, 1, 6, 22, 59)) is True  # 23:59 in Rome
    assert is_open(amico, "Europe/Rome", utc(2025, 1, 6, 23, 0)) is False  # 00:00


def test_hours_are_local_wall_clock_across_spring_forward_in_berlin() -> None:
    office = parse_hours("Mon-Fri 09:00-17:00")
    # Friday 28 March 2025, 07:30 UTC = 08:30 CET: not yet open.
    assert is_open(office, "Europe/Berlin", utc(2025, 3, 28, 7, 30)) is False
    # Monday 31 March 2025 (after the change on Sunday 30th), 07:30 UTC = 09:30 CEST: open.
    # A fixed UTC+1 offset would say 08:30 and closed.
    assert is_open(office, "Europe/Berlin", utc(2025, 3, 31, 7, 30)) is True
    assert is_open(office, "Europe/Berlin", utc(2025, 3, 31, 15, 0)) is False  # 17:00 CEST


def test_a_night_line_through_fall_back_in_berlin() -> None:
    # Clocks go from 03:00 CEST back to 02:00 CET on Sunday 26 October 2025.
    saturday_night = parse_hours("Sat 22:00-02:00")
    assert is_open(saturday_night, "Europe/Berlin", utc(2025, 10, 25, 23, 30)) is True  # 01:30
    assert is_open(saturday_night, "Europe/Berlin", utc(2025, 10, 26, 0, 30)) is False  # 02:30
    assert is_open(saturday_night, "Europe/Berlin", utc(2025, 10, 26, 1, 30)) is False  # 02:30 CET


def test_hours_are_local_wall_clock_across_spring_forward_in_new_york() -> None:
    daily = parse_hours("daily 08:00-20:00")
    # Sunday 9 March 2025: EST (UTC-5) until 02:00, then EDT (UTC-4).
    assert is_open(daily, "America/New_York", utc(2025, 3, 9, 12, 30)) is True  # 08:30 EDT
    assert is_open(daily, "America/New_York", utc(2025, 3, 8, 12, 30)) is False  # 07:30 EST
    assert is_open(daily, "America/New_York", utc(2025, 3, 10, 0, 30)) is False  # 20:30 EDT


@pytest.mark.django_db
def test_a_service_is_open_if_any_live_method_is() -> None:
    berlin = make_service(hours="Mon-Fri 09:00-17:00", url="https://example.org")
    assert berlin.timezone == "Europe/Berlin"  # the country's zone, by default
    assert berlin.open_state(utc(2025, 3, 31, 7, 30)) is True
    # Closed: the website (which has no hours) does not make it "unknown".
    assert berlin.open_state(utc(2025, 3, 31, 18, 0)) is False

    unknown = make_service("No hours", hours="")
    assert unknown.open_state(utc(2025, 3, 31, 18, 0)) is None

    mixed = make_service("Mixed", hours="Mon-Fri 09:00-17:00", sms="741741")
    sms = mixed.contact_methods.get(kind="sms")
    sms.set_hours(Hours())
    assert Service.objects.get(pk=mixed.pk).open_state(utc(2025, 3, 31, 18, 0)) is None
    sms.set_hours(parse_hours("24/7"))
    assert Service.objects.get(pk=mixed.pk).open_state(utc(2025, 3, 31, 18, 0)) is True
