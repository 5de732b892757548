"""Data for the deployment check (tests/deploy/), written through the app's own code
into the deployment's database: ``python -m tests.deploy.seed`` with the production
environment (DJANGO_SETTINGS_MODULE=crisisplan.settings). Prints what the tests need
as JSON: logins with their authenticator keys, link tokens, client ids."""

from __future__ import annotations

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisisplan.settings")
django.setup()

from django.utils import timezone  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from clients.models import CheckIn, CrisisEvent  # noqa: E402
from crisisplan.core.models import User  # noqa: E402
from crisisplan.links.models import PrivateLink  # noqa: E402
from tests.factory import full_content, make_client, make_plan, make_service  # noqa: E402

PASSWORD = "deploy check passphrase"
# A client's name that must never reach a log.
CANARY = "Zephyrine Quillfeather"


def therapist(email: str) -> dict[str, str]:
    user = User.objects.create_user(email, PASSWORD, name=email.split("@")[0].title())
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return {"email": email, "password": PASSWORD, "totp_key": device.key}


def main() -> None:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    make_service("Samaritans", country="GB", phone="116 123")
    alice, bob = therapist("alice@deploy.example"), therapist("bob@deploy.example")
    # Each login of a test its own account: a code works once, and two logins in the same
    # 30 seconds would need the same code.
    carol = therapist("carol@deploy.example")
    owner = User.objects.get(email=alice["email"])
    links, clients = {}, []
    for n, (name, pin) in enumerate(
        [(CANARY, ""), ("Robin Ashdown", "2468"), ("Sam Okafor", ""), ("Kim Tran", "")]
    ):
        client = make_client(
            owner,
            preferred_name=name.split()[0],
            full_name=name,
            country="GB",
            subdivision="GB-ENG",
            emergency_contact_name=f"Contact {n}",
            emergency_contact_phone=f"07700 90045{n}",
        )
        plan = make_plan(client, full_content(1, f"v1 {name} "), full_content(2, f"v2 {name} "))
        plan.publish(plan.version(2), owner)  # schedules the follow-ups too
        CheckIn.objects.record(
            client,
            owner,
            country="GB",
            subdivision="GB-ENG",
            place=f"{name}'s flat, 3rd floor",
            phone=f"07700 90099{n}",
            company="alone",
        )
        CrisisEvent.objects.record(
            client,
            owner,
            occurred_at=timezone.now(),
            actions=f"Stayed on the line with {name}",
            called="Contact",
            outcome="Safe",
        )
        _link, token = PrivateLink.issue(plan, owner, pin=pin)
        links[["open", "pin", "rate", "spare"][n]] = token
        clients.append(str(client.pk))
    # Deleted (crypto-shredded) before any backup is made.
    shredded = make_client(owner, preferred_name="Shredded", full_name="Shredded Before Backup")
    make_plan(shredded, full_content(1, "shredded "))
    shredded_id = str(shredded.pk)
    shredded.destroy(owner)
    print(
        json.dumps(
            {
                "alice": alice,
                "bob": bob,
                "carol": carol,
                "links": links,
                "pin": "2468",
                "clients": clients,
                "shredded": shredded_id,
                "canary": CANARY,
            }
        )
    )


if __name__ == "__main__":
    main()
