"""``manage.py seed_faults`` (bench settings only, so only ever a ``*_bench`` database):
the data the fault drills (bench/faults.py) use, and afterwards what the database holds.

- ``--plans N --password P``: one therapist, the UK's emergency number and a crisis
  line, N clients in the UK each with a published plan and a private link; prints JSON
  with each client's id and link token (the drill's own throwaway data).
- ``--report``: prints JSON, per client, the numbers of the plan's versions, each
  version's change note (the drills write a unique one per save) and how many versions
  could not be read whole (decrypted content and note): a half-written version would.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from clients.models import Client
from crisisplan.core.encryption import EncryptionError
from crisisplan.core.models import User
from crisisplan.links.models import PrivateLink
from crisisplan.plans.models import Plan, PlanVersion
from crisisplan.plans.sections import PlanContent
from hotlines.hours import parse_hours
from hotlines.models import ContactMethod, Service

EMAIL = "faults@example.org"
CONTENT = {
    "warning_signs": [{"text": "I stop answering messages"}],
    "coping": [{"text": "A walk with music on"}],
    "helpers": [{"name": "A friend", "phone": "07700 900123"}],
}


class Command(BaseCommand):
    help = "Seed the fault drills' data, or report what the database holds (bench/faults.py)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plans", type=int, default=0)
        parser.add_argument("--password", default="")
        parser.add_argument("--report", action="store_true")

    def handle(self, *args: Any, plans: int, password: str, report: bool, **options: Any) -> None:
        result = self.report() if report else self.seed(plans, password)
        self.stdout.write(json.dumps(result))

    def seed(self, plans: int, password: str) -> dict[str, Any]:
        with transaction.atomic():
            therapist = User.objects.create_user(EMAIL, password)
            for name, kind, number in (
                ("Emergency services", Service.Kind.EMERGENCY, "999"),
                ("Samaritans", Service.Kind.CRISIS_LINE, "116 123"),
            ):
                service = Service.objects.create(
                    name=name,
                    country="GB",
                    kind=kind,
                    confidence=Service.Confidence.HIGH,
                    source_urls=["https://example.org/source"],
                )
                method = ContactMethod.objects.create(
                    service=service, kind=ContactMethod.Kind.PHONE, value=number
                )
                method.set_hours(parse_hours("24/7"))
            made = []
            for n in range(plans):
                client = Client.objects.create_for(
                    therapist, preferred_name=f"Drill {n}", country="GB", subdivision="GB-ENG"
                )
                plan = Plan(client=client)
                version = plan.save_version(therapist, PlanContent(CONTENT), 0, "seed")
                plan.publish(version, therapist)
                _link, token = PrivateLink.issue(plan, therapist)
                made.append({"client": str(client.pk), "token": token})
        return {"email": EMAIL, "plans": made}

    def report(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for plan in Plan.objects.select_related("client__data_key").order_by("pk"):
            rows = PlanVersion.objects.filter(plan=plan).order_by("number", "pk")
            numbers, notes, unreadable = [], [], 0
            for pk, number in rows.values_list("pk", "number"):
                numbers.append(number)
                try:  # each version on its own: one unreadable must not hide the others
                    version = PlanVersion.objects.get(pk=pk)
                    version.plan = plan
                    PlanContent(version.content)
                    notes.append(version.change_note)
                except EncryptionError:
                    unreadable += 1
            found[str(plan.client.pk)] = {
                "numbers": numbers,
                "current": plan.current_number,
                "notes": notes,
                "unreadable": unreadable,
            }
        return {"plans": found}
