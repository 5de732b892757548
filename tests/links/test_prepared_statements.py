"""DB_PREPARED_STATEMENTS: the link page's one query is prepared once per connection
(PgBouncer's session mode, or no pooler), or sent whole each time (transaction mode,
where the next transaction may run on a server connection that never saw the PREPARE)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient

from crisisplan.links.models import LinkPageQuery, PrivateLink
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements: PostgreSQL only"
)


def prepared() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name = %s",
            [LinkPageQuery.PREPARED],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def link_path(alice: Any) -> str:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    plan = make_plan(make_client(alice, country="GB"), full_content(1))
    plan.publish(plan.version(1), alice)
    _link, token = PrivateLink.issue(plan, alice)
    # Start from a connection that has prepared nothing (earlier tests share it).
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection._link_page_prepared = None
    return f"/p/{token}/"


@pytest.mark.parametrize("enabled", [True, False])
def test_the_link_page_prepares_its_query_only_when_allowed(
    link_path: str, settings: Any, enabled: bool
) -> None:
    settings.DB_PREPARED_STATEMENTS = enabled
    browser = HttpClient()
    for _ in range(2):
        response = browser.get(link_path)
        assert response.status_code == 200
        assert 'href="tel:999"' in response.content.decode()
    assert prepared() == (1 if enabled else 0)
