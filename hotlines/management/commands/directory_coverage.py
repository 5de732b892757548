from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from hotlines.models import CountryCoverage, Service


def _emergency(row: CountryCoverage) -> str:
    if row.emergency:
        return "yes"
    return "regions only" if row.regional_emergency else "NO"


def _oldest(row: CountryCoverage) -> str:
    if row.oldest_verified is None:
        return "never"
    return f"{timezone.localdate(row.oldest_verified):%Y-%m-%d}"


def _lead(row: CountryCoverage) -> str:
    return f"{row.lead_number} ({row.lead.name})" if row.lead else ""


COLUMNS = (
    ("country", lambda r: r.country),
    ("name", lambda r: r.name),
    ("emergency number", _emergency),
    ("crisis line", lambda r: "yes" if r.crisis_line else "NO"),
    ("verified", lambda r: str(r.verified)),
    ("unverified", lambda r: str(r.unverified)),
    ("low confidence", lambda r: str(r.low_confidence)),
    ("oldest verification", _oldest),
    ("in danger button", _lead),
)


class Command(BaseCommand):
    help = (
        "Where the directory stands, per country: whether clients there see an "
        "emergency number and a crisis line, how many entries are verified, unverified "
        "and of low confidence, the oldest verification, and the number the “in danger” "
        "button calls. Places to work on first come first. Active entries only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="also list the countries without any entry"
        )
        parser.add_argument("--csv", action="store_true", help="write CSV instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        coverage = Service.objects.coverage(every_country=options["all"])
        cells = [[cell(row) for _, cell in COLUMNS] for row in coverage.rows]
        header = [title for title, _ in COLUMNS]
        if options["csv"]:
            writer = csv.writer(self.stdout)
            writer.writerow(header)
            writer.writerows(cells)
            return
        widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
        for line in [header, ["-" * w for w in widths], *cells]:
            padded = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
            self.stdout.write("  ".join(padded).rstrip())
        self.stdout.write(str(coverage))
