"""What plans add to the client pages below them (clients.hooks), registered once by
``CrisisPlanConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clients import hooks
from clients.models import Client
from crisisplan.core.encryption import EncryptionError
from crisisplan.plans.export import export_plan
from crisisplan.plans.models import Plan
from crisisplan.plans.sections import PARTS, PlanContent


def with_plans(rows: QuerySet[Client]) -> QuerySet[Client]:
    """Each dashboard row's plan status and review date, in the rows' own query."""
    return rows.select_related("plan")


def cut_off_on_emergency_page(client: Client) -> dict[str, Any]:
    """Section 8 ("if our online session is cut off") for the Emergency page, as
    ``cut_off``: from the published version, else from the latest saved one (then
    ``draft`` is True); ``items`` empty when there is no plan or the section is empty;
    ``unreadable`` when the version cannot be decrypted (never raised: the page must
    show its numbers)."""
    plan = Plan.objects.select_related("published_version").filter(client=client).first()
    if plan is None or not plan.current_number:
        return {"cut_off": {"items": [], "draft": False, "unreadable": False, "number": None}}
    plan.client = client
    version = plan.published_version or plan.latest_version()
    version.plan = plan
    try:
        items = PlanContent(version.content).items(PARTS["session_cut_off"])
    except EncryptionError:
        items, unreadable = [], True
    else:
        unreadable = False
    return {
        "cut_off": {
            "items": items,
            "draft": plan.published_version_id is None,
            "unreadable": unreadable,
            "number": version.number,
        }
    }


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
    hooks.emergency_context.append(cut_off_on_emergency_page)
    hooks.detail_context.append(plan_on_client_page)
