"""What links add to the client pages below them (clients.hooks), registered once by
``CrisisPlanConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from clients import hooks
from clients.models import Client
from crisisplan.links.models import PrivateLink


def with_current_links(rows: QuerySet[Client]) -> QuerySet[Client]:
    """Each dashboard row's current link as ``client.plan.current_links`` (a list of at
    most one), in one more query whatever the number of rows."""
    return rows.prefetch_related(
        Prefetch("plan__links", queryset=PrivateLink.objects.current(), to_attr="current_links")
    )


def link_on_client_page(client: Client) -> dict[str, Any]:
    """The client page's link summary (templates/links/_summary.html)."""
    link = PrivateLink.objects.current().filter(plan__client=client).first()
    return {"link": link, "opens": link.recent_opens() if link else []}


def register() -> None:
    hooks.dashboard_rows.append(with_current_links)
    hooks.detail_context.append(link_on_client_page)
