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
                # Fictional, like every demo name and number: a full address, as
                # emergency services would need it.
                "street_address": "Olive Tree Street 27, building Nour, 3rd floor, Achrafieh",
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
        # A model a new therapist can copy: brief, specific, in the client's words; the
        # crisis line before the emergency number; roles spread over several people;
        # no detail of any means of harm. Every name, address and number is made up.
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
                "after_hours_note": "Weekdays until 22:00 Beirut time. Other times I call "
                "the Embrace LifeLine, 1564; if I am in danger, 140 (or 112).",
            },
            "professionals": [{"name": "Dr. Salem", "role": "psychiatrist", "phone": "01 123 456"}],
            "emergency_department": {
                "name": "Cedar Hill Hospital, emergency department",
                "address": "Hospital Street 5, Achrafieh, Beirut",
                "phone": "01 987 654",
            },
            "safer": [
                {"text": "Maya keeps my medicines for now and brings me a week's supply at a time"},
                {"text": "Karim keeps the things we talked about at his place until our review"},
            ],
            "reasons": [{"text": "My niece Lina"}, {"text": "Finishing my degree"}],
            "session_cut_off": {
                "who_calls": "therapist_calls",
                "number": "+961 3 123 456",
                "minutes": "5",
                "then": "I call my therapist's after-hours number",
                "no_answer": "I leave a message and try again in 10 minutes. If I feel "
                "unsafe, I call 1564 straight away",
                "contact_if": "we can't reconnect within 15 minutes and I had said I was not safe",
                "services_if": "I am in danger and neither I nor Maya can be reached",
            },
            "follow_through": {
                "keep_where": "On my phone's home screen, and a printed copy in my bag",
                "share_with": "Maya",
                "in_the_way": "Thinking it won't help",
                "agreed": "I try one step anyway, starting with step 2",
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
        plan.mark_reviewed(therapist)
        self.stdout.write(
            f"demo plan: {client_name}, 2 versions, version 2 published, reviewed together"
        )
