from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotlines.csvio import ImportFailed, import_csv


class Command(BaseCommand):
    help = (
        "Import directory entries from a CSV file (the format of hotlines/data/"
        "hotlines_seed.csv). All rows or none: any problem is reported by line number "
        "and nothing is saved. Rows are matched by country, region, name and kind."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file to import")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            result = import_csv(data)
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(
                f"{len(exc.errors)} problem(s) in {file}; nothing was imported."
            ) from exc
        self.stdout.write(f"Imported {file}: {result}")
