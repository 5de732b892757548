"""The therapist's side of the private link: see it, make or replace it, revoke it,
unlock it after wrong PINs."""

from __future__ import annotations

import uuid
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from crisisplan.links.access import get_link_for_user
from crisisplan.links.forms import LinkForm
from crisisplan.links.models import PrivateLink
from crisisplan.plans.access import get_plan_for_user
from crisisplan.plans.display import page_context
from crisisplan.plans.models import Plan


def _manage_context(plan: Plan, form: LinkForm) -> dict[str, Any]:
    link = PrivateLink.objects.current_for(plan)
    return page_context(
        plan,
        link=link,
        opens=link.recent_opens(20) if link else [],
        form=form,
        now=timezone.now(),
    )


@login_required
@require_GET
def manage(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    return render(request, "links/manage.html", _manage_context(plan, LinkForm()))


@login_required
@require_POST
def create(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    """Create or replace the link; the URL is shown on this response only, never again."""
    plan = get_plan_for_user(request, client_pk)
    if plan._state.adding:
        messages.error(request, "Save the plan before making a link to it.")
        return redirect("plans:edit", client_pk=plan.client.pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return render(request, "links/manage.html", _manage_context(plan, form), status=400)
    link, token = PrivateLink.issue(
        plan,
        request.user,
        days=form.cleaned_data["expires_in_days"],
        pin=form.cleaned_data["pin"],
    )
    url = request.build_absolute_uri(reverse("links:landing", args=[token]))
    qr = segno.make(url, error="m")
    response = render(
        request,
        "links/created.html",
        page_context(plan, link=link, url=url, qr_data_uri=qr.svg_data_uri(scale=5, border=4)),
    )
    # The token is on this page: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan, link = get_link_for_user(request, client_pk)
    link.revoke(request.user)
    messages.success(request, "The link is revoked: it stopped working just now.")
    return redirect("links:manage", client_pk=plan.client.pk)


@login_required
@require_POST
def unlock(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan, link = get_link_for_user(request, client_pk)
    link.unlock(request.user)
    messages.success(request, "The link is unlocked: the client can enter the PIN again.")
    return redirect("links:manage", client_pk=plan.client.pk)
