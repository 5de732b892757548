"""What plans add to the client pages below them (clients.hooks), registered once by
``CrisisPlanConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clients import hooks
from clients.models import Client
from crisisplan.plans.export import export_plan
from crisisplan.plans.models import Plan


def with_plans(rows: QuerySet[Client]) -> QuerySet[Client]:
    """Each dashboard row's plan status and review date, in the rows' own query."""
    return rows.select_related("plan")


def plan_on_client_page(client: Client) -> dict[str, Any]:
    """The client page's plan state and actions (templates/plans/_on_client_page.html);
    an unsaved plan for a client without one yet (its status: "No plan yet"). One query."""
    plan = Plan.objects.select_related("published_version").filter(client=client).first()
    plan = plan or Plan(client=client)
    plan.client = client
    return {"plan": plan}


def register() -> None:
    hooks.register_export("plan", export_plan)
    hooks.dashboard_rows.append(with_plans)
    hooks.detail_context.append(plan_on_client_page)
