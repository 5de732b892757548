"""Plain builders for tests: records (make_client, make_clients), plans (full_content,
make_plan, editor_form_data) and directory services (make_service, make_line)."""

from __future__ import annotations

from typing import Any

from clients.models import Client, ClientSearchToken
from crisisplan.core.models import DataKey
from crisisplan.plans.models import Plan
from crisisplan.plans.sections import PARTS, PlanContent
from hotlines.hours import parse_hours
from hotlines.models import ContactMethod, Service

_counter = 0


def make_client(therapist: Any, **kwargs: Any) -> Client:
    """A saved client of ``therapist`` with sensible defaults, overridable by kwargs.
    Their pages are in English unless ``language`` says otherwise ("" for the default
    from the record and the region: tests/project/test_languages.py)."""
    global _counter
    _counter += 1
    fields: dict[str, Any] = {
        "preferred_name": f"Client {_counter}",
        "country": "GB",
        "subdivision": "GB-ENG",
        "language": "en",
    }
    fields.update(kwargs)
    return Client.objects.create_for(therapist, **fields)


def make_clients(therapist: Any, count: int, **kwargs: Any) -> list[Client]:
    """``count`` clients in a few queries (bulk_create encrypts through pre_save)."""
    keys = [DataKey.generate() for _ in range(count)]
    DataKey.objects.bulk_create(keys)
    clients = [
        Client(
            therapist=therapist,
            data_key=key,
            preferred_name=f"Bulk client {n}",
            country="DE",
            **kwargs,
        )
        for n, key in enumerate(keys)
    ]
    made = Client.objects.bulk_create(clients)
    ClientSearchToken.objects.rebuild(made)
    return made


def make_service(
    name: str = "Test line",
    *,
    country: str = "DE",
    kind: str = Service.Kind.CRISIS_LINE,
    phone: str | None = "0800 111 0 111",
    sms: str | None = None,
    sms_keyword: str = "",
    url: str | None = None,
    hours: str = "24/7",
    confidence: str = Service.Confidence.HIGH,
    **fields: Any,
) -> Service:
    """A saved service with a phone (and optionally SMS and web) method and hours."""
    service = Service.objects.create(
        name=name,
        country=country,
        kind=kind,
        confidence=confidence,
        note=f"confidence: {confidence}",
        source_urls=["https://example.org/source"],
        **fields,
    )
    parsed = parse_hours(hours)
    methods = [
        (ContactMethod.Kind.PHONE, phone, ""),
        (ContactMethod.Kind.SMS, sms, sms_keyword),
        (ContactMethod.Kind.WEB, url, ""),
    ]
    for position, (kind_, value, keyword) in enumerate(methods):
        if value:
            method = ContactMethod.objects.create(
                service=service,
                kind=kind_,
                value=value,
                sms_keyword=keyword,
                position=position,
            )
            if kind_ != ContactMethod.Kind.WEB:
                method.set_hours(parsed)
    return service


def make_line(country: str = "GB", number: str = "116 123", **kwargs: Any) -> Service:
    """A trusted crisis line in ``country`` with one phone number."""
    return make_service(f"Line {number}", country=country, phone=number, **kwargs)


# --- plans ---


def full_content(items: int = 2, tag: str = "") -> PlanContent:
    """A plan with ``items`` entries in every list and every record field filled."""
    data: dict[str, Any] = {}
    for key, part in PARTS.items():
        if part.many:
            rows = []
            for n in range(items):
                row = {}
                for f in part.fields:
                    if f.kind == "tick":
                        row[f.key] = ""  # ticks: see the WhatsApp tests
                    elif f.kind == "phone":
                        row[f.key] = f"0{n + 1:03d} 123 456"
                    else:
                        row[f.key] = f"{tag}{key} {n}"
                rows.append(row)
            data[key] = rows
    data["therapist"] = {
        "name": f"{tag}Dr. Ito",
        "phone": "0113 496 0000",
        "after_hours": "0113 496 0999",
        "after_hours_note": "Weekdays until 10 pm",
    }
    data["emergency_department"] = {"name": "St Mary's", "address": "1 Road", "phone": "999"}
    data["session_cut_off"] = {
        "who_calls": "therapist_calls",
        "number": "07700 900123",
        "minutes": "5",
        "then": "I call the after-hours number",
        "no_answer": "I leave a message, then call the crisis line",
        "contact_if": "we can't reconnect within 15 minutes",
        "services_if": "I said I was in danger",
    }
    data["follow_through"] = {
        "keep_where": f"{tag}On my phone",
        "share_with": "Sam",
        "in_the_way": "Forgetting it",
        "agreed": "A reminder on my phone",
    }
    return PlanContent(data)


def make_plan(client: Any, *contents: PlanContent, author: Any = None) -> Plan:
    plan = Plan(client=client)
    for number, content in enumerate(contents):
        plan.save_version(author or client.therapist, content, number, f"note {number + 1}")
    return plan


def make_published_plan(client: Any, *contents: PlanContent) -> Plan:
    """make_plan, with its latest version published (what a client's link shows)."""
    plan = make_plan(client, *contents)
    plan.publish(plan.version(len(contents)), client.therapist)
    return plan


def editor_form_data(content: PlanContent, base: int, note: str = "") -> dict[str, Any]:
    """What the editor posts for ``content`` (as the browser sends it)."""
    data: dict[str, Any] = {"base_version": str(base), "change_note": note}
    for key, value in content.to_json().items():
        if key == "schema":
            continue
        if isinstance(value, list):
            for index, row in enumerate(value):
                for field, text in row.items():
                    data[f"{key}-{index}-{field}"] = text
        else:
            for field, text in value.items():
                data[f"{key}-{field}"] = text
    return data
