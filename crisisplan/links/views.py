"""The therapist's side of the private link: see it, make it, replace or revoke it
(after a confirm page when the client's link is in use), unlock it after wrong PINs."""

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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crisisplan.links import handover
from crisisplan.links.access import get_link_for_user
from crisisplan.links.forms import LinkForm, RevokeForm
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


def _in_use(plan: Plan) -> PrivateLink | None:
    """The plan's link that works for the client now (paused by wrong PINs included)."""
    link = PrivateLink.objects.current_for(plan)
    return link if link is not None and link.is_usable() else None


@login_required
@require_POST
def create(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    """Make the link (or replace the one in use, after its confirm page), then send the
    browser to the page that shows it once: a reload there never makes another."""
    plan = get_plan_for_user(request, client_pk)
    if plan._state.adding:
        messages.error(request, "Save the plan before making a link to it.")
        return redirect("plans:edit", client_pk=plan.client.pk)
    in_use = _in_use(plan)
    form = LinkForm(request.POST)
    if not form.is_valid():
        if in_use is not None:
            return render(
                request,
                "links/replace.html",
                page_context(plan, link=in_use, form=form),
                status=400,
            )
        return render(request, "links/manage.html", _manage_context(plan, form), status=400)
    if in_use is not None and form.cleaned_data["replaces"] != in_use.pk:
        # Not confirmed for the link the client has now (a form sent again, an old
        # page, another tab): ask, never replace it silently.
        form = LinkForm(initial={**form.cleaned_data, "replaces": in_use.pk, "pin": ""})
        context = page_context(plan, link=in_use, form=form, not_confirmed=True)
        return render(request, "links/replace.html", context, status=409)
    _link, token = PrivateLink.issue(
        plan,
        request.user,
        days=form.cleaned_data["expires_in_days"],
        pin=form.cleaned_data["pin"],
    )
    handover.give(request, plan, token)
    return redirect("links:created", client_pk=plan.client.pk)


@login_required
@require_GET
def created(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    """The new link, shown once: its token is taken from the session's hand-over."""
    plan = get_plan_for_user(request, client_pk)
    token = handover.take(request, plan)
    link = PrivateLink.objects.current_for(plan)
    if token is None or link is None or link.token_hash != PrivateLink.hash_token(token):
        messages.info(
            request,
            _(
                "A new link is shown only once, right after it is made: CrisisPlan keeps no "
                "copy. If it did not reach the client, make a new one."
            ),
        )
        return redirect("links:manage", client_pk=plan.client.pk)
    url = request.build_absolute_uri(reverse("links:landing", args=[token]))
    qr = segno.make(url, error="m")
    response = render(
        request,
        "links/created.html",
        page_context(plan, link=link, url=url, qr_data_uri=qr.svg_data_uri(scale=5, border=4)),
    )
    # The token is on this page: never keep it in a cache (nor the back button's).
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def replace(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    """Ask before replacing the link in use: the client's current link stops working."""
    plan = get_plan_for_user(request, client_pk)
    in_use = _in_use(plan)
    if in_use is None:
        return redirect("links:manage", client_pk=plan.client.pk)
    form = LinkForm(initial={"replaces": in_use.pk})
    return render(request, "links/replace.html", page_context(plan, link=in_use, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    """GET: ask first. POST: revoke the link the therapist confirmed, if it is still the
    current one (a form sent again changes nothing)."""
    plan, link = get_link_for_user(request, client_pk)
    if request.method == "GET":
        form = RevokeForm(initial={"link": link.pk})
        return render(request, "links/revoke.html", page_context(plan, link=link, form=form))
    form = RevokeForm(request.POST)
    if not form.is_valid() or form.cleaned_data["link"] != link.pk:
        messages.info(request, _("That link was already replaced or revoked: nothing changed."))
        return redirect("links:manage", client_pk=plan.client.pk)
    link.revoke(request.user)
    messages.success(request, _("The link is revoked: it stopped working just now."))
    return redirect("links:manage", client_pk=plan.client.pk)


@login_required
@require_POST
def unlock(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    """End a pause after wrong PINs (from the link page, or the dashboard's row)."""
    plan, link = get_link_for_user(request, client_pk)
    link.unlock(request.user)
    messages.success(request, _("The link is unlocked: the client can enter the PIN again."))
    if request.POST.get("from") == "dashboard":
        return redirect("clients:dashboard")
    return redirect("links:manage", client_pk=plan.client.pk)
