"""What plan pages show: the therapist's page frame, and the plan's body for the
therapist's preview and the client's page alike ({% plan_body %}: body_html.py)."""

from __future__ import annotations

from typing import Any

from clients.models import Client
from crisisplan.core.paths import url_for
from crisisplan.plans.models import Plan
from crisisplan.plans.sections import PlanContent
from hotlines.phones import tel_href
from hotlines.regions import place_name


def page_context(plan: Plan, **extra: Any) -> dict[str, Any]:
    """What every therapist page about a plan shows (its tabs: {% plan_nav %}, nav_html.py)."""
    client = plan.client
    return {
        "plan": plan,
        "client": client,
        # "(name could not be read)" when the record does not decrypt: the plan's and
        # the link's pages still work (revoke, unlock), for that record alone.
        "client_name": client.shown_name,
        "client_url": url_for("clients:detail", client.pk),
        **extra,
    }


def cut_off_record(client: Client) -> dict[str, str]:
    """The client record's location and emergency contact, as section 8 shows them to
    the client (crisisplan/plans/body_html.py)."""
    place = place_name(client.country, client.subdivision, client.city)
    name = client.emergency_contact_name
    if name and client.emergency_contact_relationship:
        name += f" ({client.emergency_contact_relationship})"
    phone = client.emergency_contact_phone
    return {
        "location": place if client.country else "",
        "emergency_contact": ", ".join(part for part in (name, phone) if part),
        "emergency_contact_name": name,
        "emergency_contact_phone": phone,
        "emergency_contact_href": tel_href(phone) if phone else "",
    }


def record_info(client: Client) -> dict[str, Any]:
    """What the editor shows the therapist beside section 8: the client's part
    (cut_off_record), and whether the record has a street address and consent to call
    the contact, with the link to change it. Not for the client's page: the street
    address is decrypted here only to say whether there is one."""
    return {
        **cut_off_record(client),
        "has_street_address": bool(client.street_address),
        "consent": bool(client.emergency_contact_consent),
        "consent_date": client.emergency_contact_consent_date,
        "edit_url": url_for("clients:edit", client.pk),
    }


def plan_body_context(plan: Plan, content: PlanContent) -> dict[str, Any]:
    """The context of {% plan_body %} (crisisplan/plans/body_html.py).

    ``content`` is decrypted by the caller (it may raise EncryptionError; the directory
    part does not depend on it, see Plan.directory_help).
    """
    region_help = plan.directory_help()
    keep = ("professionals",) if region_help.services or region_help.fallback else ()
    return {
        "plan_sections": content.display_sections(keep=keep, country=plan.client.country),
        "region_help": region_help,
        "last_reviewed_on": plan.reviewed_on,
        "cut_off_record": cut_off_record(plan.client),
    }
