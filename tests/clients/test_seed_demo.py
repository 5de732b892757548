"""seed_demo adds a few demo clients in different countries, once."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from clients.models import Client

pytestmark = pytest.mark.django_db


def test_demo_clients_in_several_countries_idempotent(settings: Any) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    clients = list(Client.objects.select_related("data_key", "therapist"))
    assert len(clients) == 4
    assert {c.country for c in clients} == {"LB", "GB", "US", "DE"}
    assert {c.therapist.email for c in clients} == {"demo@crisisplan.example"}
    lebanon = next(c for c in clients if c.country == "LB")
    assert lebanon.preferred_name == "Rana"
    for client in clients:
        client.full_clean()  # demo data passes the same validation as the form
