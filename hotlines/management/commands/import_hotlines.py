from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotlines.csvio import ImportFailed, import_csv


class Command(BaseCommand):
    help = (
        "Import directory entries from a CSV file (the format of hotlines/data/"
        "hotlines_seed.csv, or of export_hotlines). All rows or none: any problem is "
        "reported by line number and nothing is saved. A row is the entry with its key, "
        "else with its country, region, name and kind. Entries a curator changed since "
        "the last import are left as they are and listed, unless --overwrite-edited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file to import")
        parser.add_argument(
            "--overwrite-edited",
            action="store_true",
            help="also update entries a curator changed since the last import",
        )

    def handle(self, *args: Any, file: Path, overwrite_edited: bool, **options: Any) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            result = import_csv(data, overwrite_edited=overwrite_edited)
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(
                f"{len(exc.errors)} problem(s) in {file}; nothing was imported."
            ) from exc
        self.stdout.write(f"Imported {file}: {result}")
        for skipped in result.skipped:
            self.stdout.write(f"{file}: {skipped}")
        if result.skipped:
            self.stdout.write(
                "Those entries keep the curators' version; --overwrite-edited replaces it "
                "with the file's."
            )
