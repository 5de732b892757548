"""Opening hours: a small weekly format, its parser and writer, and "open now".

The format (used in the CSV and in the admin):

    24/7
    daily 10:00-24:00
    Mon-Fri 09:00-17:00; Sat 10:00-14:00
    Mon, Wed 18:00-22:00, 23:00-02:00

Groups are separated by ";". Each group is days ("daily", a day, a range of days such
as "Mon-Fri", or several of these separated by commas) and one or more time ranges
separated by commas. "24:00" closes at midnight; a range that closes at or before it
opens ends on the next day ("Fri 22:00-02:00" is Friday night into Saturday).

Times are wall-clock times in the service's IANA timezone, so "09:00" stays 09:00
across daylight-saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext

ALWAYS = "24/7"
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_LOOKUP = {name.lower(): i for i, name in enumerate(DAY_NAMES)} | {
    full: i
    for i, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
_TIME = r"\d{1,2}:\d{2}"
_RANGE = rf"{_TIME}\s*[-\u2013]\s*{_TIME}"
# The shape of one group, checked before its meaning: text in this shape with a wrong
# value ("Mon-Fri 25:00-17:00") is an error; text in another shape is a free-text note.
_GROUP_SHAPE = re.compile(
    rf"^(?P<days>[A-Za-z]+(?:\s*[-\u2013,]\s*[A-Za-z]+)*)\s+(?P<ranges>{_RANGE}(?:\s*,\s*{_RANGE})*)$"
)
_RANGE_PARTS = re.compile(r"^(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})$")


class HoursError(ValueError):
    """The text is in the weekly format but says something impossible."""


@dataclass(frozen=True, order=True)
class Period:
    weekday: int  # 0 = Monday
    opens: time
    closes: time  # at or before `opens`: closes on the next day; 00:00 = midnight

    def spans(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, self.opens)
        end = datetime.combine(day, self.closes)
        if end <= start:
            end += timedelta(days=1)
        return start, end


@dataclass(frozen=True)
class Hours:
    """Parsed hours: always open, weekly periods, or unknown (neither)."""

    always_open: bool = False
    periods: tuple[Period, ...] = ()

    @property
    def known(self) -> bool:
        return self.always_open or bool(self.periods)


def looks_structured(text: str) -> bool:
    """True if every group has the shape of the weekly format (so errors are errors)."""
    text = text.strip()
    if text == ALWAYS:
        return True
    groups = [g.strip() for g in text.split(";")]
    return bool(text) and all(_GROUP_SHAPE.match(g) for g in groups)


def parse_hours(text: str) -> Hours:
    """Parse the weekly format; raise HoursError if it is malformed.

    Call looks_structured() first to tell the format apart from free text.
    """
    text = text.strip()
    if not text:
        return Hours()
    if text == ALWAYS:
        return Hours(always_open=True)
    periods: list[Period] = []
    for group in (g.strip() for g in text.split(";")):
        match = _GROUP_SHAPE.match(group)
        if not match:
            raise HoursError(
                gettext("“%(text)s” is not days and times, e.g. “Mon-Fri 09:00-17:00” or “24/7”.")
                % {"text": group}
            )
        days = _parse_days(match["days"])
        for part in re.split(r"\s*,\s*", match["ranges"]):
            opens, closes = _parse_range(part)
            periods.extend(Period(day, opens, closes) for day in days)
    if len(set(periods)) != len(periods):
        raise HoursError(gettext("The same day and time range is given twice."))
    return Hours(periods=tuple(sorted(periods)))


def _parse_days(text: str) -> list[int]:
    text = text.strip()
    if text.lower() in ("daily", "everyday"):
        return list(range(7))
    days: list[int] = []
    for item in re.split(r"\s*,\s*", text):
        ends = [end.lower() for end in re.split(r"\s*[-\u2013]\s*", item)]
        if len(ends) > 2 or not all(end in _DAY_LOOKUP for end in ends):
            raise HoursError(
                gettext(
                    "“%(text)s” is not a day or a range of days (use Mon, Tue, Wed, Thu, Fri, "
                    "Sat, Sun or daily)."
                )
                % {"text": item}
            )
        first, last = _DAY_LOOKUP[ends[0]], _DAY_LOOKUP[ends[-1]]
        day = first
        while True:  # ranges may wrap around the week: "Fri-Mon"
            if day in days:
                raise HoursError(gettext("“%(text)s” names a day twice.") % {"text": text})
            days.append(day)
            if day == last:
                break
            day = (day + 1) % 7
    return days


def _parse_range(text: str) -> tuple[time, time]:
    match = _RANGE_PARTS.match(text)
    if not match:
        raise HoursError(
            gettext("“%(text)s” is not a time range like 09:00-17:00.") % {"text": text}
        )
    oh, om, ch, cm = (int(x) for x in match.groups())
    if oh > 23 or om > 59 or ch > 24 or cm > 59 or (ch == 24 and cm):
        raise HoursError(
            gettext("“%(text)s” is not a time of day (00:00 to 24:00).") % {"text": text}
        )
    if oh == ch and om == cm and not (oh == 0 and ch == 24):
        raise HoursError(gettext("“%(text)s” opens and closes at the same time.") % {"text": text})
    return time(oh, om), time(0, 0) if ch == 24 else time(ch, cm)


def format_hours(hours: Hours, *, for_reading: bool = False) -> str:
    """Write hours back in the weekly format (the inverse of parse_hours); with
    ``for_reading``, for people in the active language: the days' names from Django's
    own catalogue ("lun.-ven." in French), "24/7" and "daily" translated."""
    if hours.always_open:
        return gettext("24/7") if for_reading else ALWAYS
    if not hours.periods:
        return ""
    ranges_by_day: dict[int, tuple[tuple[time, time], ...]] = {}
    for day in range(7):
        ranges_by_day[day] = tuple(
            sorted((p.opens, p.closes) for p in hours.periods if p.weekday == day)
        )
    groups: dict[tuple[tuple[time, time], ...], list[int]] = {}
    for day, ranges in ranges_by_day.items():
        if ranges:
            groups.setdefault(ranges, []).append(day)
    parts = []
    for ranges, days in sorted(groups.items(), key=lambda item: item[1][0]):
        text_ranges = ", ".join(f"{_hhmm(o, False)}-{_hhmm(c, True)}" for o, c in ranges)
        parts.append(f"{_format_days(days, for_reading)} {text_ranges}")
    return "; ".join(parts)


def _hhmm(value: time, closing: bool) -> str:
    if closing and value == time(0, 0):
        return "24:00"
    return value.strftime("%H:%M")


def _format_days(days: list[int], for_reading: bool = False) -> str:
    names = [str(WEEKDAYS_ABBR[i]) for i in range(7)] if for_reading else DAY_NAMES
    if len(days) == 7:
        return gettext("daily") if for_reading else "daily"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(names[r[0]] if len(r) == 1 else f"{names[r[0]]}-{names[r[-1]]}" for r in runs)


def is_open(hours: Hours, tz: str, now: datetime) -> bool | None:
    """Open at `now` (an aware datetime)? None when the hours are unknown."""
    if hours.always_open:
        return True
    if not hours.periods:
        return None
    # Wall-clock time where the service is: opening hours are local times.
    local = now.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    for day in (local.date(), local.date() - timedelta(days=1)):
        for period in hours.periods:
            if period.weekday != day.weekday():
                continue
            start, end = period.spans(day)
            if start <= local < end:
                return True
    return False
