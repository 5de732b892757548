"""The plan's part of a client's export (``export_client_data``): every version,
decrypted, with its author, time and whether it is the published one.

Registered as a clients.hooks export section (crisisplan.plans.hooks). A version that
fails to decrypt raises, so the command exits without writing partial data.
"""

from __future__ import annotations

from typing import Any

from clients.models import Client
from crisisplan.plans.models import Plan
from crisisplan.plans.sections import SECTIONS, PlanContent


def export_plan(client: Client) -> dict[str, Any] | None:
    plan = Plan.objects.filter(client=client).first()
    if plan is None:
        return None
    plan.client = client
    pinned, hidden = plan.directory_ids()
    versions = []
    for version in plan.versions_newest_first():
        version.plan = plan
        content = PlanContent(version.content)
        versions.append(
            {
                "number": version.number,
                "created_at": version.created_at.isoformat(),
                "author": version.author.email if version.author else None,
                "published": version.pk == plan.published_version_id,
                "change_note": version.change_note,
                "restored_from": version.restored_from,
                "sections": {
                    f"{section.number}. {section.title}": {
                        str(part.label): [str(item) for item in content.items(part)]
                        for part in section.parts
                    }
                    for section in SECTIONS
                },
                "content": content.to_json(),
            }
        )
    return {
        "id": str(plan.pk),
        "published_version": (next((v["number"] for v in versions if v["published"]), None)),
        "published_at": plan.published_at.isoformat() if plan.published_at else None,
        "reviewed_on": plan.reviewed_on.isoformat() if plan.reviewed_on else None,
        "next_review_on": plan.next_review_on.isoformat() if plan.next_review_on else None,
        "pinned_directory_services": sorted(pinned),
        "hidden_directory_services": sorted(hidden),
        "versions": versions,
    }
