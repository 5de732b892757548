"""What the layers above clients (plans, links) add to its pages and its export.

clients sits below plans and links (README, "Architecture") and never imports them, yet
a client's dashboard row shows the plan and the link, and a client's export includes
the plan. Those layers register here, once, in ``CrisisPlanConfig.ready()``:

``export_sections``
    name -> ``function(client) -> JSON value``, a section of ``export_client_data``'s
    output. It runs inside ``Client.export()``: a decryption failure aborts the export.
``dashboard_rows``
    ``function(queryset) -> queryset`` that fetches what the dashboard's row partials
    show (select_related/prefetch_related, so the page's queries stay constant).
``detail_context``
    ``function(client) -> dict`` merged into the client page's context.
``emergency_context``
    ``function(client) -> dict`` merged into the Emergency page's context (plans: the
    plan's section 8 as ``cut_off``). It must not raise on a decryption failure: the
    page is for the worst moment, so it says what could not be read instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from clients.models import Client

export_sections: dict[str, Callable[[Client], Any]] = {}
dashboard_rows: list[Callable[[QuerySet[Client]], QuerySet[Client]]] = []
detail_context: list[Callable[[Client], dict[str, Any]]] = []
emergency_context: list[Callable[[Client], dict[str, Any]]] = []


def register_export(key: str, section: Callable[[Client], Any]) -> None:
    if key in export_sections or key == "client":
        raise ValueError(f"An export section {key!r} is already registered.")
    export_sections[key] = section
