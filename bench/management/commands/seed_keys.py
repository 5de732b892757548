"""``manage.py seed_keys --keys N`` (bench settings only): top the data keys up to N
synthetic ones (no client), for timing ``rotate_encryption_keys`` at two sizes.

Keys are generated as DataKey.generate() does (a fresh DEK wrapped by the current KEK)
and inserted with bulk_create, so 100,000 take seconds, not minutes.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crisisplan.core.models import DataKey

BATCH = 5000


class Command(BaseCommand):
    help = "Top the data keys up to --keys synthetic ones (for make bench)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keys", type=int, required=True, help="Data keys in all.")

    def handle(self, *args: Any, keys: int, **options: Any) -> None:
        if keys < 1:
            raise CommandError("--keys must be at least 1.")
        started = time.monotonic()
        missing = keys - DataKey.objects.count()
        while missing > 0:
            batch = [DataKey.generate() for _ in range(min(BATCH, missing))]
            DataKey.objects.bulk_create(batch, batch_size=BATCH)
            missing -= len(batch)
        self.stdout.write(
            f"keys: {DataKey.objects.count()} data keys ({time.monotonic() - started:.1f} s)"
        )
