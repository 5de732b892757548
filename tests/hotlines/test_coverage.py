"""Where the directory stands, per country: directory_coverage and Service.objects.coverage()."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from hotlines.csvio import import_csv
from hotlines.models import Service
from tests.factory import make_service

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "hotlines" / "data" / "hotlines_seed.csv"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("directory_coverage", *args, stdout=out)
    return out.getvalue()


def test_the_starter_data_by_country() -> None:
    import_csv(SEED.read_bytes())

    out = run()

    lines = out.splitlines()
    assert lines[0].split()[:3] == ["country", "name", "emergency"]
    # No emergency number clients may see: first (only low-confidence rows there).
    assert {line.split()[0] for line in lines[2:5]} == {"AF", "SD", "SS"}
    lebanon = next(line for line in lines if line.startswith("LB "))
    assert lebanon.split()[2:8] == ["yes", "yes", "0", "5", "0", "never"]
    assert "140 (Lebanese Red Cross ambulance)" in lebanon
    jordan = next(line for line in lines if line.startswith("JO "))
    assert jordan.split()[2:4] == ["yes", "NO"]
    assert lines[-1] == (
        "131 countries with entries: 128 with a client-visible emergency number, 80 with "
        "a client-visible crisis line, 48 with an emergency number but no crisis line; "
        "0 of 435 entries verified, 17 of low confidence."
    )


def test_every_country_and_csv() -> None:
    make_service("Line", country="DE")

    rows = list(csv.DictReader(io.StringIO(run("--all", "--csv"))))

    by_country = {row["country"]: row for row in rows}
    assert len(rows) == 249
    assert by_country["LY"]["emergency number"] == "NO"
    assert by_country["LY"]["crisis line"] == "NO"
    assert by_country["DE"]["crisis line"] == "yes"


def test_counts_dates_and_the_regional_only_case(carol) -> None:
    now = timezone.now()
    old = make_service("Old", country="CD", kind="crisis_line")
    old.mark_verified(carol, now=now - timedelta(days=400))
    make_service("New", country="CD", kind="other").mark_verified(carol, now=now)
    make_service("Unsure", country="CD", confidence="low")
    make_service("Kinshasa", country="CD", subdivision="CD-KN", kind="emergency", phone="112")
    make_service("Gone", country="CD", active=False)

    [congo] = Service.objects.coverage().rows

    assert (congo.emergency, congo.regional_emergency, congo.crisis_line) == (False, True, True)
    assert (congo.entries, congo.verified, congo.unverified, congo.low_confidence) == (4, 2, 2, 1)
    assert congo.oldest_verified == now - timedelta(days=400)
    assert congo.lead is None
    assert "regions only" in run()


@pytest.mark.parametrize("size", [10, 2_000])
def test_coverage_takes_three_queries_whatever_the_size(
    size: int, django_assert_num_queries
) -> None:
    countries = ["DE", "FR", "GB", "US", "JP", "LB", "JO"]
    for i in range(min(size, 20)):
        make_service(f"Emergency {i}", country=countries[i % 7], kind="emergency", phone="112")
    Service.objects.bulk_create(
        Service(name=f"Line {i}", country=countries[i % 7], kind="crisis_line") for i in range(size)
    )

    with django_assert_num_queries(3):
        coverage = Service.objects.coverage()
        for row in coverage.rows:
            assert row.lead_number == "112"
    assert coverage.entries == size + min(size, 20)
