"""A plain factory for directory entries, for tests (ours and the plans' pages)."""

from __future__ import annotations

from typing import Any

from hotlines.hours import parse_hours
from hotlines.models import ContactMethod, Service


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
