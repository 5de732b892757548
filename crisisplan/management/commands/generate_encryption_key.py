from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crisisplan.core.keys import KeyringError, generate_entry


class Command(BaseCommand):
    help = (
        "Print a new ENCRYPTION_KEYS entry (id:base64key). Put it first in ENCRYPTION_KEYS "
        "to make it the key for new writes; keep the old entries until rotate_encryption_keys "
        "has run."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--id", dest="key_id", help="Key id (default: a random one).")

    def handle(self, *args: Any, key_id: str | None = None, **options: Any) -> None:
        try:
            self.stdout.write(generate_entry(key_id))
        except KeyringError as exc:
            raise CommandError(str(exc)) from exc
