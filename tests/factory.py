"""Plain factories for tests: make_client(therapist, **kwargs)."""

from __future__ import annotations

from typing import Any

from clients.models import Client
from crisisplan.models import DataKey

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
