from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.forms import ClientForm, DeleteClientForm
from clients.models import Client
from crisisplan import audit
from crisisplan.encryption import EncryptionError
from crisisplan.models import AuditEvent, PrivateLink

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 100
EVENTS_SHOWN = 200


def get_client_for_user(request: HttpRequest, pk: uuid.UUID) -> Client:
    """The client ``pk`` if the logged-in user is its therapist; Http404 otherwise.

    A missing client and another therapist's client answer alike, so ids cannot be
    probed. Curators (staff) are not clinicians: they too get 404 for anyone's client but
    their own. The data key is fetched with the client (one query, ready to decrypt).
    """
    client = (
        Client.objects.for_therapist(request.user).select_related("data_key").filter(pk=pk).first()
    )
    if client is None:
        raise Http404("No such client.")
    return client


def decryption_failures_shown(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a decryption failure with a plain 500 page that names the problem (e.g. the
    missing key id) and holds no client data; never a blank value or a stack trace."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except EncryptionError as exc:
            logger.error("Client data could not be decrypted on %s: %s", request.path, exc)
            return render(
                request, "clients/decryption_error.html", {"problem": str(exc)}, status=500
            )

    return wrapper


@login_required
@require_GET
@decryption_failures_shown
def dashboard(request: HttpRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    clients = Client.objects.for_therapist(request.user).for_dashboard()
    clients = clients.archived() if show_archived else clients.active()
    # Without a search only the shown page is fetched and decrypted; a search decrypts
    # the names of every client in the list (the database cannot read them).
    rows = clients.search(query) if query else clients
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clients/dashboard.html",
        {"page": page, "query": query, "show_archived": show_archived},
    )


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
def add(request: HttpRequest) -> HttpResponse:
    form = ClientForm(
        request.POST if request.method == "POST" else None, instance=Client(therapist=request.user)
    )
    if request.method == "POST" and form.is_valid():
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
    link = PrivateLink.objects.current().filter(plan__client=client).first()
    context = {"client": client, "link": link, "opens": link.recent_opens() if link else []}
    response = render(request, "clients/detail.html", context)
    audit.record(request.user, audit.Action.VIEW, client.pk)
    return response


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
def edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    form = ClientForm(request.POST if request.method == "POST" else None, instance=client)
    if request.method == "POST" and form.is_valid():
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
