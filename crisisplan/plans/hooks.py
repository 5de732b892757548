"""What plans add to the client pages below them (clients.hooks), registered once by
``CrisisPlanConfig.ready()``."""

from __future__ import annotations

from django.db.models import QuerySet

from clients import hooks
from clients.models import Client
from crisisplan.plans.export import export_plan


def with_plans(rows: QuerySet[Client]) -> QuerySet[Client]:
    """Each dashboard row's plan status and review date, in the rows' own query."""
    return rows.select_related("plan")


def register() -> None:
    hooks.register_export("plan", export_plan)
    hooks.dashboard_rows.append(with_plans)
