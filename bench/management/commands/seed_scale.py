"""``manage.py seed_scale`` (bench settings only): the demo data, then a data set of
realistic size for ``make bench``.

The app's own ``seed_demo`` comes first; then, topped up to the given counts so that a
second run adds nothing: ``--therapists`` in all, the demo therapist with ``--clients``
clients and each other therapist with ``--other-clients``; every new client has a full
plan of ``--versions`` versions, the latest published; for each size in ``--practices``
a therapist ``practice<size>@bench.crisisplan.example`` with that many clients (plans of
one version: the dashboard at 100 and at 10,000 clients); and ``--services`` synthetic
directory services beside the starter data. ``--services-only`` tops up the directory
alone (the benchmark grows it from 5,000 to 50,000 services while the server runs: the
directory's version changes, as an import changes it).

Bulk inserts throughout: bulk_create encrypts through the fields' pre_save as save()
does, and the audit events are those the one-by-one path would write.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

import pycountry
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from clients.models import Client, ClientSearchToken
from crisisplan.core.models import AuditEvent, DataKey, User
from crisisplan.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from crisisplan.plans.models import Plan, PlanVersion
from crisisplan.plans.sections import PlanContent
from hotlines.models import ContactMethod, DirectoryVersion, OpeningPeriod, Service
from hotlines.regions import default_timezone

# The plan versions of a practice's clients (one), marked apart from --versions.
PRACTICE = object()


class Command(BaseCommand):
    help = "The demo data plus a data set of realistic size, for make bench (DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--therapists", type=int, default=50, help="Therapists in all (50).")
        parser.add_argument(
            "--clients", type=int, default=500, help="Clients of the demo therapist (500)."
        )
        parser.add_argument(
            "--other-clients", type=int, default=10, help="Clients of each other therapist (10)."
        )
        parser.add_argument("--versions", type=int, default=3, help="Versions per plan (3).")
        parser.add_argument(
            "--services", type=int, default=15000, help="Synthetic directory services (15000)."
        )
        parser.add_argument(
            "--practices",
            default="",
            help="Comma-separated client counts, one therapist each (e.g. 100,10000).",
        )
        parser.add_argument(
            "--services-only", action="store_true", help="Top up the directory only."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            practices = [int(n) for n in options["practices"].split(",") if n.strip()]
        except ValueError:
            raise CommandError("--practices takes comma-separated numbers.") from None
        if options["services_only"]:
            self.services(options["services"])
        else:
            call_command("seed_demo", stdout=self.stdout)
            self.scale(
                User.objects.get(email=DEMO_EMAIL),
                therapists=options["therapists"],
                clients=options["clients"],
                other_clients=options["other_clients"],
                versions=options["versions"],
                services=options["services"],
                practices=practices,
            )
        self.analyze()

    def analyze(self) -> None:
        """The planner's statistics brought up to date, as a live database's are: the
        pages are timed right after tens of thousands of rows arrive, and were otherwise
        planned on the empty tables' statistics, or timed while autovacuum analyses
        them beside the run (the grown directory measured up to 35% slower)."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def scale(
        self,
        demo: User,
        *,
        therapists: int,
        clients: int,
        other_clients: int,
        versions: int,
        services: int,
        practices: list[int] = (),
    ) -> None:
        if min(therapists, clients, versions) < 1 or min(other_clients, services, *practices) < 0:
            raise CommandError("--therapists, --clients and --versions must be at least 1.")
        started = time.monotonic()
        now = timezone.now()
        # (country, region, city, time zone, language, phone format)
        places = [
            ("GB", "GB-ENG", "Leeds", "Europe/London", "English", "07700 900{:03d}"),
            (
                "US",
                "US-CA",
                "Oakland",
                "America/Los_Angeles",
                "English, Spanish",
                "(510) 555-{:04d}",
            ),
            ("DE", "", "Berlin", "Europe/Berlin", "German", "030 2345{:03d}"),
            ("LB", "LB-BA", "Beirut", "Asia/Beirut", "Arabic, English", "+961 3 123 {:03d}"),
            ("IE", "", "Cork", "Europe/Dublin", "English", "087 123 4{:03d}"),
            ("FR", "", "Lyon", "Europe/Paris", "French", "06 12 34 5{:03d}"),
        ]
        names = ["Robin", "Sasha", "Noor", "Jonas", "Mina", "Tariq", "Lea", "Ana", "Kai", "Ola"]
        surnames = ["Haddad", "Okafor", "Rivera", "Schmidt", "Murphy", "Martin", "Kowalski"]

        def surname(n: int, practice: bool) -> str:
            # In the practices every other client is an Okafor, so that the benchmark's
            # search ("Oka") fills a page of 50 at 100 clients as at 10,000.
            return "Okafor" if practice and n % 2 else surnames[n % len(surnames)]

        def plan_content(n: int, number: int, phone: str) -> PlanContent:
            coping = [
                "Walk round the park with music on",
                "Cold water on my face, then slow breathing for five minutes",
                "Draw, even if it is only lines",
                "Make tea and sit by the open window",
            ][: 2 + number]
            return PlanContent(
                {
                    "warning_signs": [
                        {"text": "I stop answering messages from friends"},
                        {"text": "I lie awake going over the same thoughts"},
                        {"text": f"I skip meals for more than a day (noted in session {n})"},
                    ],
                    "coping": [{"text": text} for text in coping],
                    "distractions": [
                        {"name": names[(n + 1) % len(names)], "phone": phone, "place": ""},
                        {"name": "", "phone": "", "place": "The library on the corner"},
                    ],
                    "helpers": [
                        {"name": f"{names[(n + 2) % len(names)]} (sister)", "phone": phone},
                        {"name": f"{names[(n + 3) % len(names)]} (friend)", "phone": phone},
                    ],
                    "therapist": {
                        "name": demo.name or "My therapist",
                        "phone": "+44 20 7946 0000",
                        "after_hours": "+44 20 7946 0999",
                        "after_hours_note": "Weekdays until 22:00; otherwise the crisis line.",
                    },
                    "professionals": [
                        {"name": "Dr. Salem", "role": "psychiatrist", "phone": phone},
                        {"name": "Health centre", "role": "GP practice", "phone": phone},
                    ],
                    "emergency_department": {
                        "name": "Hospital emergency department",
                        "address": "Nearest to home, 2 km",
                        "phone": phone,
                    },
                    "safer": [
                        {"text": "My sister keeps my medication and gives me a week at a time"},
                        {"text": "No alcohol in the flat"},
                    ],
                    "reasons": [{"text": "My niece"}, {"text": "Finishing my degree"}],
                    "session_cut_off": {
                        "who_calls": "therapist_calls",
                        "number": phone,
                        "minutes": "5",
                        "emergency_contact_when": "If I cannot reach you within 15 minutes "
                        "and you had said you were not safe, I call your sister.",
                        "emergency_services_when": "If you told me you were in danger and "
                        "neither of you answers, I call emergency services for your address.",
                    },
                }
            )

        with transaction.atomic():
            # One Argon2 hash for every extra therapist: hashing 50 would take seconds.
            password = make_password(DEMO_PASSWORD)
            emails = [f"therapist{n:03d}@bench.crisisplan.example" for n in range(1, therapists)]
            known = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
            User.objects.bulk_create(
                User(email=email, name=f"Therapist {email[9:12]}", password=password)
                for email in emails
                if email not in known
            )
            practice_emails = {f"practice{n}@bench.crisisplan.example": n for n in practices}
            known = set(
                User.objects.filter(email__in=practice_emails).values_list("email", flat=True)
            )
            User.objects.bulk_create(
                User(email=email, name=f"Practice of {n}", password=password)
                for email, n in practice_emails.items()
                if email not in known
            )
            owners = (
                [(demo, clients, versions)]
                + [
                    (user, other_clients, versions)
                    for user in User.objects.filter(email__in=emails).order_by("email")
                ]
                + [
                    (user, practice_emails[user.email], PRACTICE)
                    for user in User.objects.filter(email__in=practice_emails)
                ]
            )
            counts = dict(
                Client.objects.filter(therapist__in=[o for o, _, _ in owners])
                .values("therapist")
                .annotate(n=models.Count("pk"))
                .values_list("therapist", "n")
            )
            keys, records, plans, versions_, latest, events = [], [], [], [], [], []
            for owner, wanted, plan_versions in owners:
                practice = plan_versions is PRACTICE
                plan_versions = 1 if practice else plan_versions
                for n in range(counts.get(owner.pk, 0), wanted):
                    country, region, city, zone, language, phone_format = places[n % len(places)]
                    phone = phone_format.format(n % 1000)
                    key = DataKey.generate()
                    when = now - datetime.timedelta(hours=7 * n + 1)
                    record = Client(
                        therapist=owner,
                        data_key=key,
                        preferred_name=names[n % len(names)],
                        full_name=f"{names[n % len(names)]} {surname(n, practice)} {n}",
                        date_of_birth=datetime.date(1970 + n % 35, 1 + n % 12, 1 + n % 28),
                        phone=phone,
                        email=f"client{n}@example.org",
                        country=country,
                        subdivision=region,
                        street_address=f"{n} Station Road",
                        city=city,
                        timezone=zone,
                        preferred_language=language,
                        emergency_contact_name=names[(n + 2) % len(names)],
                        emergency_contact_relationship="sister",
                        emergency_contact_phone=phone,
                        emergency_contact_consent=True,
                        emergency_contact_consent_date=when.date(),
                        notes="Online sessions on Tuesdays. Prefers to be called, not texted.",
                        created_at=when,
                        updated_at=when,
                    )
                    plan = Plan(
                        client=record,
                        current_number=plan_versions,
                        published_at=when,
                        next_review_on=(when + datetime.timedelta(days=90)).date(),
                        created_at=when,
                        updated_at=when,
                    )
                    events.append(
                        AuditEvent(
                            actor=owner, client_id=record.pk, action=AuditEvent.Action.CREATE
                        )
                    )
                    for number in range(1, plan_versions + 1):
                        versions_.append(
                            PlanVersion(
                                plan=plan,
                                number=number,
                                content=plan_content(n, number, phone).to_json(),
                                change_note=f"Version {number}, reviewed together.",
                                author=owner,
                                created_at=when,
                            )
                        )
                        events.append(
                            AuditEvent(
                                actor=owner,
                                client_id=record.pk,
                                action=AuditEvent.Action.EDIT,
                                detail={"version": number},
                            )
                        )
                    latest.append(versions_[-1])
                    events.append(
                        AuditEvent(
                            actor=owner,
                            client_id=record.pk,
                            action=AuditEvent.Action.PUBLISH,
                            detail={"version": plan_versions},
                        )
                    )
                    keys.append(key)
                    records.append(record)
                    plans.append(plan)
            DataKey.objects.bulk_create(keys, batch_size=500)
            Client.objects.bulk_create(records, batch_size=500)
            ClientSearchToken.objects.rebuild(records)
            Plan.objects.bulk_create(plans, batch_size=500)
            PlanVersion.objects.bulk_create(versions_, batch_size=500)
            for plan, version in zip(plans, latest, strict=True):
                plan.published_version = version
            Plan.objects.bulk_update(plans, ["published_version"], batch_size=500)
            AuditEvent.objects.bulk_create(events, batch_size=1000)
        added = self.services(services)
        self.stdout.write(
            f"scale: {len(owners)} therapists, {len(records)} clients with plans of "
            f"{versions} versions added, {added} synthetic services added "
            f"({time.monotonic() - started:.1f} s)"
        )

    def services(self, services: int) -> int:
        """Top the synthetic services up to ``services``; returns how many were added."""
        with transaction.atomic():
            prefix = "Synthetic "
            have = Service.objects.filter(name__startswith=prefix).count()
            regions = sorted(s.code for s in pycountry.subdivisions if len(s.code) <= 6)
            countries = sorted(c.alpha_2 for c in pycountry.countries)
            kinds = ["crisis_line", "text_line", "chat", "other", "crisis_line"]
            new = []
            for i in range(have, services):
                # One in five nationwide, the rest regional lines spread over every region.
                if i % 5 == 0:
                    country, region = countries[(i // 5) % len(countries)], ""
                    variant = (i // 5) // len(countries)  # the country's 1st, 2nd, ... line
                else:
                    region = regions[i % len(regions)]
                    country, variant = region[:2], i
                kind = kinds[variant % len(kinds)]
                new.append(
                    Service(
                        name=f"{prefix}{kind.replace('_', ' ')} {i:05d}",
                        kind=kind,
                        country=country,
                        subdivision=region,
                        languages=["en"],
                        topics=["suicide", "emotional_support"][: 1 + i % 2],
                        description="A synthetic service for benchmarks.",
                        source_urls=["https://example.org/synthetic"],
                        confidence=["high", "medium", "low"][variant % 3],
                        note="confidence: synthetic",
                        priority=100 + i % 50,
                        timezone=default_timezone(country),
                    )
                )
            Service.objects.bulk_create(new, batch_size=1000)
            methods = []
            for i, service in enumerate(new, start=have):
                methods.append(
                    ContactMethod(
                        service=service,
                        kind="phone",
                        value=f"0800 {i % 1000:03d} {i:05d}",
                        always_open=i % 3 == 0,
                        hours_note="" if i % 3 != 2 else "Evenings, hours vary",
                    )
                )
                if service.kind == "text_line":
                    methods.append(ContactMethod(service=service, kind="sms", value="85258"))
                if service.kind in ("chat", "other"):
                    methods.append(
                        ContactMethod(
                            service=service,
                            kind="web",
                            value=f"https://example.org/synthetic/{i}",
                            position=2,
                        )
                    )
            ContactMethod.objects.bulk_create(methods, batch_size=1000)
            OpeningPeriod.objects.bulk_create(
                (
                    OpeningPeriod(
                        contact_method=m,
                        weekday=day,
                        opens=datetime.time(9),
                        closes=datetime.time(17),
                    )
                    for m in methods
                    if m.kind != "web" and not m.always_open and not m.hours_note
                    for day in range(5)
                ),
                batch_size=2000,
            )
            if new:
                # bulk_create sends no signals: tell every process the directory changed.
                DirectoryVersion.changed()
        return len(new)
