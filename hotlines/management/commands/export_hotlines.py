from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hotlines.csvio import export_text


class Command(BaseCommand):
    help = "Write every directory entry to stdout as CSV, in the format import_hotlines reads."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(export_text(), ending="")
