from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import hooks
from clients.access import get_client_for_user
from clients.forms import ClientForm, DeleteClientForm
from clients.models import Client
from crisisplan.core.http import decryption_failures_shown, keeps_unsaved_work
from crisisplan.core.models import UNSAVED_WORK_RESTORED, AuditEvent

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 100
EVENTS_SHOWN = 200


@login_required
@require_GET
@decryption_failures_shown
def dashboard(request: HttpRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    clients = Client.objects.for_therapist(request.user).for_dashboard()
    clients = clients.archived() if show_archived else clients.active()
    # Only the shown page is fetched and decrypted, with or without a search (the blind
    # index finds names without decrypting them).
    rows = clients.matching(request.user, query) if query else clients
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clients/dashboard.html",
        {"page": page, "query": query, "show_archived": show_archived},
    )


def _form_data(request: HttpRequest) -> Any:
    """The form's data: the POST, or what was sent after the session ended (shown again,
    not saved), or None for an empty form."""
    if request.unsaved_work is not None:
        messages.warning(request, UNSAVED_WORK_RESTORED)
        return request.unsaved_work
    return request.POST if request.method == "POST" else None


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
@keeps_unsaved_work
def add(request: HttpRequest) -> HttpResponse:
    form = ClientForm(_form_data(request), instance=Client(therapist=request.user))
    if form.refresh_requested:  # "show this country's regions" without JavaScript
        form = ClientForm(initial=form.typed_values(), instance=Client(therapist=request.user))
    elif request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ClientForm.Meta.fields}
        client = Client.objects.create_for(request.user, **fields)
        messages.success(request, "Client added.")
        return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/form.html", {"form": form, "client": None})


@login_required
@require_GET
@decryption_failures_shown
def detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    context: dict[str, Any] = {"client": client}
    for more in hooks.detail_context:
        context.update(more(client))
    response = render(request, "clients/detail.html", context)
    AuditEvent.objects.record(request.user, AuditEvent.Action.VIEW, client.pk)
    return response


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
@keeps_unsaved_work
def edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    form = ClientForm(_form_data(request), instance=client)
    if form.refresh_requested:  # "show this country's regions" without JavaScript
        form = ClientForm(initial=form.typed_values(), instance=client)
    elif request.method == "POST" and form.is_valid():
        client = form.save(commit=False)
        client.save_changes(request.user, list(form.changed_data))
        messages.success(request, "Changes saved." if form.changed_data else "Nothing changed.")
        return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/form.html", {"form": form, "client": client})


@login_required
@require_POST
@decryption_failures_shown
def archive(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    if not client.is_archived:
        client.archive(request.user)
    messages.success(request, "Client archived. Find them under “Archived clients”.")
    return redirect("clients:detail", pk=client.pk)


@login_required
@require_POST
@decryption_failures_shown
def unarchive(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    if client.is_archived:
        client.unarchive(request.user)
    messages.success(request, "Client restored to your active clients.")
    return redirect("clients:detail", pk=client.pk)


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
def delete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    form = DeleteClientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        client.destroy(request.user)
        messages.success(request, "The client's record was destroyed.")
        return redirect("clients:dashboard")
    return render(request, "clients/delete.html", {"client": client, "form": form})


# What a plan event changed, in the therapist's words (the plan's own fields; a saved
# version is named by its number).
PLAN_FIELD_LABELS = {
    "next_review_on": "plan's next review date",
    "directory_services": "plan's directory services",
}


def _event_labels(detail: dict[str, Any]) -> list[str]:
    fields = detail.get("fields", [])
    labels = Client.field_labels(fields) + [
        PLAN_FIELD_LABELS[f] for f in fields if f in PLAN_FIELD_LABELS
    ]
    if isinstance(detail.get("version"), int):
        labels.append(f"plan version {detail['version']}")
    return labels


@login_required
@require_GET
@decryption_failures_shown
def events(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    events = AuditEvent.objects.for_client(client.pk).select_related("actor")[:EVENTS_SHOWN]
    rows = [(event, _event_labels(event.detail)) for event in events]
    return render(request, "clients/events.html", {"client": client, "rows": rows})
