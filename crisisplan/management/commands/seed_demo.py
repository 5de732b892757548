from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse

from clients.models import Client
from crisisplan.core.encryption import EncryptionError
from crisisplan.core.models import User
from crisisplan.links.models import PrivateLink
from crisisplan.plans.models import Plan
from crisisplan.plans.sections import PlanContent
from hotlines.csvio import ImportFailed, import_csv
from hotlines.models import Service

DEMO_EMAIL = "demo@crisisplan.example"
DEMO_PASSWORD = "demo-therapist-2026"  # noqa: S105 (a published demo login, DEBUG only)


class Command(BaseCommand):
    help = "Create demo data for local use (idempotent). Runs only with DEBUG=true."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the app is served, for the demo link (http://127.0.0.1:8000).",
        )

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
        with transaction.atomic():
            self.demo_plan(therapist)
            link_url = self.demo_link(therapist, options["base_url"])
        self.stdout.write(f"login: {therapist.email} {DEMO_PASSWORD}")
        if link_url:
            self.stdout.write(f"link: {link_url}")

    def demo_therapist(self) -> User:
        therapist = User.objects.filter(email=DEMO_EMAIL).first()
        if therapist is None:
            therapist = User.objects.create_user(
                DEMO_EMAIL, DEMO_PASSWORD, name="Dr. Demo Therapist"
            )
        return therapist

    def demo_clients(self, therapist: User) -> None:
        """A few demo clients in different countries (idempotent, by preferred name)."""
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
        """Import the directory's starter data into an empty directory. A directory that
        has entries is the curators': it is left alone (`import_hotlines` updates it,
        keeping their changes)."""
        count = Service.objects.count()
        if count:
            self.stdout.write(
                f"directory: {count} entries already there, left as they are "
                "(import_hotlines updates them)"
            )
            return
        seed = settings.BASE_DIR / "hotlines" / "data" / "hotlines_seed.csv"
        try:
            result = import_csv(seed.read_bytes())
        except ImportFailed as exc:
            raise CommandError(f"The directory's starter data did not import:\n{exc}") from None
        self.stdout.write(f"directory: {result}")

    def demo_link(self, therapist: User, base_url: str, client_name: str = "Rana") -> str:
        """A fresh private link to the demo plan (the token of an older one cannot be
        shown again, so each run replaces it). Returns its URL, or "" without a plan."""
        client = next(
            (c for c in Client.objects.for_therapist(therapist) if c.preferred_name == client_name),
            None,
        )
        plan = Plan.objects.filter(client=client).first() if client else None
        if plan is None:
            return ""
        _link, token = PrivateLink.issue(plan, therapist)
        return base_url.rstrip("/") + reverse("links:landing", args=[token])

    def demo_plan(self, therapist: User, client_name: str = "Rana") -> None:
        """A full crisis plan for one demo client: two versions, the latest published
        (idempotent: a client that has a plan keeps it)."""
        client = next(
            (
                c
                for c in Client.objects.for_therapist(therapist).select_related("data_key")
                if c.preferred_name == client_name
            ),
            None,
        )
        if client is None or Plan.objects.filter(client=client, current_number__gt=0).exists():
            self.stdout.write("demo plan: already there")
            return
        first = {
            "warning_signs": [
                {"text": "I stop answering messages from friends"},
                {"text": "I lie awake going over the same thoughts"},
                {"text": "I feel like a burden to my family"},
            ],
            "coping": [
                {"text": "Walk along the Corniche with music on"},
                {"text": "Cold water on my face, then slow breathing for five minutes"},
                {"text": "Draw, even if it is only lines"},
            ],
            "distractions": [
                {"name": "Nour", "phone": "+961 3 111 222", "whatsapp": "yes", "place": ""},
                {"name": "", "phone": "", "place": "The café below my flat"},
            ],
            "helpers": [
                {"name": "Maya (sister)", "phone": "+961 3 654 321", "whatsapp": "yes"},
                {"name": "Karim (friend)", "phone": "+961 71 222 333", "whatsapp": "yes"},
            ],
            "therapist": {
                "name": "Dr. Demo Therapist",
                "phone": "+44 20 7946 0000",
                "after_hours": "+44 20 7946 0999",
                "after_hours_texts": "yes",
                "after_hours_whatsapp": "yes",
                "after_hours_note": "Weekdays until 22:00 Beirut time; otherwise call 140.",
            },
            "professionals": [{"name": "Dr. Salem", "role": "psychiatrist", "phone": "01 123 456"}],
            "emergency_department": {
                "name": "Hospital emergency department",
                "address": "Beirut (nearest to home)",
                "phone": "140",
            },
            "safer": [{"text": "Maya keeps my medication and gives me a week at a time"}],
            "reasons": [{"text": "My niece Lina"}, {"text": "Finishing my degree"}],
            "session_cut_off": {
                "who_calls": "therapist_calls",
                "number": "+961 3 123 456",
                "minutes": "5",
                "emergency_contact_when": "If I cannot reach you within 15 minutes and you "
                "had said you were not safe, I call Maya.",
                "emergency_services_when": "If you told me you were in danger and neither you "
                "nor Maya answer, I call emergency services for your address.",
            },
        }
        plan = Plan(client=client)
        plan.save_version(therapist, PlanContent(first), 0, "First plan, made together.")
        second = {
            **first,
            "coping": [*first["coping"], {"text": "Make mint tea and sit on the balcony"}],
        }
        version = plan.save_version(therapist, PlanContent(second), 1, "Added a coping idea.")
        plan.publish(version, therapist)
        self.stdout.write(f"demo plan: {client_name}, 2 versions, version 2 published")
