"""Plain factories for tests: make_client(therapist, **kwargs), make_service(name, **kwargs)."""

from __future__ import annotations

from typing import Any

from clients.models import Client
from crisisplan.models import DataKey
from hotlines.hours import parse_hours
from hotlines.models import ContactMethod, Service

_counter = 0


def make_client(therapist: Any, **kwargs: Any) -> Client:
    """A saved client of ``therapist`` with sensible defaults, overridable by kwargs."""
    global _counter
    _counter += 1
    fields: dict[str, Any] = {
        "preferred_name": f"Client {_counter}",
        "country": "GB",
        "subdivision": "GB-ENG",
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
    return Client.objects.bulk_create(clients)


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
