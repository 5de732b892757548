"""The dashboard's page comes from an index in page order, so its cost does not grow
with the practice: the database reads a page, never sorts every client."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from clients.models import Client
from tests.factory import make_clients

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice(alice: Any) -> Any:
    if connection.vendor != "postgresql":
        pytest.skip("query plans: PostgreSQL only")
    make_clients(alice, 2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
    return alice


@pytest.mark.parametrize("archived", [False, True])
def test_a_dashboard_page_is_read_in_index_order(practice: Any, archived: bool) -> None:
    clients = Client.objects.for_therapist(practice).for_dashboard()
    clients = clients.archived() if archived else clients.active()
    plan = clients[:50].explain()
    name = "clients_client_archived_idx" if archived else "clients_client_dashboard_idx"
    assert f"Index Scan using {name}" in plan, plan
    assert "Sort" not in plan, plan
