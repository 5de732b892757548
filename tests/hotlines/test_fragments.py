"""{% directory_fragment %}: the directory parts of client pages, rendered once per region
lookup and remembered, must be exactly what the template renders, and follow the time
of day ("open now") and the directory's changes at once."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.template.loader import render_to_string

from hotlines.models import region_help
from hotlines.templatetags import directory
from tests.factory import make_service

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)


@pytest.fixture
def lines(db: None) -> None:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    make_service("Day line", country="GB", phone="0800 111", hours="Mon-Fri 09:00-17:00")
    make_service("Night line", country="GB", phone="0800 222", hours="24/7")


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime.datetime) -> None:
    """The clock the tag reads (django.utils.timezone.now), set to ``moment``."""
    monkeypatch.setattr(directory.timezone, "now", lambda: moment)
    monkeypatch.setattr("hotlines.models.timezone.now", lambda: moment)


@pytest.mark.parametrize(
    "name", ["hotlines/includes/help_calls.html", "hotlines/includes/helplines.html"]
)
def test_a_fragment_is_exactly_the_template(lines: None, name: str, monkeypatch: Any) -> None:
    at(monkeypatch, MONDAY.replace(hour=10))
    found = region_help("GB", "GB-ENG")
    first = directory.directory_fragment(name, found)
    assert first == render_to_string(name, {"region_help": found})
    assert directory.directory_fragment(name, found) is first  # remembered


def test_open_now_follows_the_clock_with_the_lookup_remembered(
    lines: None, monkeypatch: Any
) -> None:
    name = "hotlines/includes/helplines.html"
    found = region_help("GB", "GB-ENG")
    at(monkeypatch, MONDAY.replace(hour=10))
    morning = directory.directory_fragment(name, found)
    assert "Day line" in morning and morning.count("Open now") == 2
    at(monkeypatch, MONDAY.replace(hour=17, minute=0, second=30))
    evening = directory.directory_fragment(name, found)
    assert evening.count("Open now") == 1 and "Closed now" in evening
    assert evening == render_to_string(name, {"region_help": found})
    assert region_help("GB", "GB-ENG") is found  # the same remembered lookup throughout


def test_a_changed_number_is_a_new_lookup_and_a_new_fragment(lines: None) -> None:
    name = "hotlines/includes/help_calls.html"
    before = directory.directory_fragment(name, region_help("GB", "GB-ENG"))
    assert 'href="tel:999"' in before
    found = region_help("GB", "GB-ENG")
    method = found.emergency[0].contact_methods.all()[0]
    method.value = "112"
    method.save()
    after = directory.directory_fragment(name, region_help("GB", "GB-ENG"))
    assert 'href="tel:112"' in after and 'href="tel:999"' not in after


def test_a_page_without_a_region_gets_the_general_numbers(db: None) -> None:
    html = directory.directory_fragment("hotlines/includes/help_calls.html", None)
    assert 'href="tel:112"' in html and 'href="tel:911"' in html
