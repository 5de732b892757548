"""The one way a therapist's view reaches a plan's private link."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest

from crisisplan.links.models import PrivateLink
from crisisplan.plans.access import get_plan_for_user
from crisisplan.plans.models import Plan


def get_link_for_user(request: HttpRequest, client_pk: uuid.UUID) -> tuple[Plan, PrivateLink]:
    """The client's plan and its current (not revoked) link, if the logged-in user is the
    client's therapist; Http404 as get_plan_for_user, or when there is no such link."""
    plan = get_plan_for_user(request, client_pk)
    link = PrivateLink.objects.current_for(plan)
    if link is None:
        raise Http404("No link.")
    link.plan = plan
    return plan, link
