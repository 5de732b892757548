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
        self.stdout.write(f"login: {therapist.email} {DEMO_PASSWORD}")

    def demo_therapist(self) -> User:
        therapist = User.objects.filter(email=DEMO_EMAIL).first()
        if therapist is None:
            therapist = User.objects.create_user(
                DEMO_EMAIL, DEMO_PASSWORD, name="Dr. Demo Therapist"
            )
        return therapist
