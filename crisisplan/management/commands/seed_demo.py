from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from crisisplan.models import User

DEMO_EMAIL = "demo@crisisplan.example"
DEMO_PASSWORD = "demo-therapist-2026"  # noqa: S105 (a published demo login, DEBUG only)


class Command(BaseCommand):
    help = "Create demo data for local use (idempotent). Runs only with DEBUG=true."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates an account with a published password, so it runs only "
                "with DEBUG=true."
            )
        with transaction.atomic():
            therapist = self.demo_therapist()
            self.demo_clients(therapist)
        self.load_directory()
        self.stdout.write(f"login: {therapist.email} {DEMO_PASSWORD}")

    def demo_therapist(self) -> User:
        therapist = User.objects.filter(email=DEMO_EMAIL).first()
        if therapist is None:
            therapist = User.objects.create_user(
                DEMO_EMAIL, DEMO_PASSWORD, name="Dr. Demo Therapist"
            )
        return therapist

    def demo_clients(self, therapist: User) -> None:
        """A few demo clients in different countries (idempotent, by preferred name)."""
        from clients.models import Client
        from crisisplan.encryption import EncryptionError

        demo = [
            {
                "preferred_name": "Rana",
                "full_name": "Rana Haddad",
                "country": "LB",
                "subdivision": "LB-BA",
                "city": "Beirut",
                "timezone": "Asia/Beirut",
                "preferred_language": "Arabic, English",
                "phone": "+961 3 123 456",
                "emergency_contact_name": "Maya Haddad",
                "emergency_contact_relationship": "sister",
                "emergency_contact_phone": "+961 3 654 321",
                "emergency_contact_consent": True,
            },
            {
                "preferred_name": "Sam",
                "full_name": "Samuel Okafor",
                "country": "GB",
                "subdivision": "GB-ENG",
                "city": "Leeds",
                "timezone": "Europe/London",
                "preferred_language": "English",
                "phone": "+44 7700 900123",
            },
            {
                "preferred_name": "Alex",
                "full_name": "Alex Rivera",
                "country": "US",
                "subdivision": "US-CA",
                "city": "Oakland",
                "timezone": "America/Los_Angeles",
                "preferred_language": "Spanish, English",
            },
            {
                "preferred_name": "Jonas",
                "country": "DE",
                "city": "Berlin",
                "timezone": "Europe/Berlin",
                "preferred_language": "German",
            },
        ]
        try:
            existing = {
                client.preferred_name
                for client in Client.objects.for_therapist(therapist).select_related("data_key")
            }
            added = 0
            for fields in demo:
                if fields["preferred_name"] not in existing:
                    Client.objects.create_for(therapist, **fields)
                    added += 1
        except EncryptionError as exc:
            raise CommandError(f"Demo clients need encryption keys: {exc}") from None
        self.stdout.write(f"demo clients: {added} added, {len(demo) - added} already there")

    def load_directory(self) -> None:
        """Import the directory's starter data (idempotent: unchanged rows stay as they are)."""
        from hotlines.csvio import ImportFailed, import_csv

        seed = settings.BASE_DIR / "hotlines" / "data" / "hotlines_seed.csv"
        try:
            result = import_csv(seed.read_bytes())
        except ImportFailed as exc:
            raise CommandError(f"The directory's starter data did not import:\n{exc}") from None
        self.stdout.write(f"directory: {result}")
