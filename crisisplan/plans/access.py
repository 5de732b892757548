"""The one way a view reaches a plan or a plan version."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest

from clients.models import Client
from crisisplan.plans.models import Plan, PlanVersion


def get_plan_for_user(request: HttpRequest, client_pk: uuid.UUID) -> Plan:
    """The plan of client ``client_pk`` if the logged-in user is its therapist.

    Http404 otherwise, exactly like a missing client: curators and other therapists
    cannot probe ids. A client without a plan yet gets an unsaved ``Plan`` (saved with
    its first version). One query: the client, its data key, its plan and the published
    version come together, ready to decrypt.
    """
    client = (
        Client.objects.for_therapist(request.user)
        .select_related("data_key", "plan", "plan__published_version")
        .filter(pk=client_pk)
        .first()
    )
    if client is None:
        raise Http404("No such client.")
    try:
        plan = client.plan
    except Plan.DoesNotExist:
        plan = Plan(client=client)
    plan.client = client
    if plan.published_version is not None:
        plan.published_version.plan = plan
    return plan


def get_version_for_user(request: HttpRequest, client_pk: uuid.UUID, number: int) -> PlanVersion:
    """Version ``number`` of the client's plan (Http404 as get_plan_for_user, or if the
    plan has no such version)."""
    plan = get_plan_for_user(request, client_pk)
    version = plan.version(number)
    if version is None:
        raise Http404("No such version.")
    version.plan = plan
    return version
