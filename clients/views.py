from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import hooks
from clients.access import get_client_for_user, get_crisis_event_for_client, get_follow_up_for_user
from clients.emergency import EmergencySheet
from clients.forms import (
    CheckInForm,
    ClientForm,
    CrisisEventForm,
    DeleteClientForm,
    RecordFollowUpForm,
    ScheduleFollowUpsForm,
)
from clients.models import (
    RETRY_AFTER_DAYS,
    CheckIn,
    Client,
    CrisisEvent,
    FollowUp,
    default_schedule,
)
from crisisplan.core.http import (
    decryption_failures_shown,
    form_typed_text,
    keeps_unsaved_work,
    typed_text_on_failure,
)
from crisisplan.core.models import UNSAVED_WORK_RESTORED, AuditEvent
from crisisplan.core.paging import UncountedPaginator

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
    # index finds names without decrypting them). A search's matches are not counted:
    # for a common name prefix they grow with the practice, so its pages say whether
    # more follow, not how many (the plain list's count is read from an index alone).
    if query:
        paginator = UncountedPaginator(clients.matching(request.user, query), PAGE_SIZE)
    else:
        paginator = Paginator(clients, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    due = [] if show_archived else FollowUp.objects.for_therapist(request.user).due_with_streaks()
    return render(
        request,
        "clients/dashboard.html",
        {
            "page": page,
            "query": query,
            "show_archived": show_archived,
            "due_follow_ups": due,
            "stale_after_days": settings.CHECKIN_STALE_DAYS,
        },
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
@typed_text_on_failure(form_typed_text(ClientForm))
def add(request: HttpRequest) -> HttpResponse:
    form = ClientForm(_form_data(request), instance=Client(therapist=request.user))
    if form.refresh_requested:  # "show this country's regions" without JavaScript
        form = ClientForm(initial=form.typed_values(), instance=Client(therapist=request.user))
    elif request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ClientForm.Meta.fields}
        client = Client.objects.create_for(request.user, **fields)
        messages.success(request, _("Client added."))
        return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/form.html", {"form": form, "client": None})


@login_required
@require_GET
@decryption_failures_shown
def detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    context: dict[str, Any] = {"client": client, **client.session_overview()}
    for more in hooks.detail_context:
        context.update(more(client))
    response = render(request, "clients/detail.html", context)
    AuditEvent.objects.record(request.user, AuditEvent.Action.VIEW, client.pk)
    return response


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
@keeps_unsaved_work
@typed_text_on_failure(form_typed_text(ClientForm))
def edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    form = ClientForm(_form_data(request), instance=client)
    if form.refresh_requested:  # "show this country's regions" without JavaScript
        form = ClientForm(initial=form.typed_values(), instance=client)
    elif request.method == "POST" and form.is_valid():
        client = form.save(commit=False)
        client.save_changes(request.user, list(form.changed_data))
        messages.success(
            request, _("Changes saved.") if form.changed_data else _("Nothing changed.")
        )
        return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/form.html", {"form": form, "client": client})


@login_required
@require_POST
@decryption_failures_shown
def archive(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    if not client.is_archived:
        client.archive(request.user)
    messages.success(request, _("Client archived. Find them under “Archived clients”."))
    return redirect("clients:detail", pk=client.pk)


@login_required
@require_POST
@decryption_failures_shown
def unarchive(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    if client.is_archived:
        client.unarchive(request.user)
    messages.success(request, _("Client restored to your active clients."))
    return redirect("clients:detail", pk=client.pk)


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
def delete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    form = DeleteClientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        client.destroy(request.user)
        messages.success(request, _("The client's record was destroyed."))
        return redirect("clients:dashboard")
    return render(request, "clients/delete.html", {"client": client, "form": form})


# What a plan event changed, in the therapist's words (the plan's own fields; a saved
# version is named by its number).
PLAN_FIELD_LABELS = {
    "next_review_on": gettext_lazy("plan's next review date"),
    "reviewed_on": gettext_lazy("plan reviewed together with the client"),
    "directory_services": gettext_lazy("plan's directory services"),
}


def _event_labels(detail: dict[str, Any]) -> list[str]:
    fields = detail.get("fields", [])
    labels = Client.field_labels(fields) + [
        PLAN_FIELD_LABELS[f] for f in fields if f in PLAN_FIELD_LABELS
    ]
    if isinstance(detail.get("version"), int):
        labels.append(_("plan version %(number)s") % {"number": detail["version"]})
    return labels


@login_required
@require_GET
@decryption_failures_shown
def events(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    events = AuditEvent.objects.for_client(client.pk).select_related("actor")[:EVENTS_SHOWN]
    rows = [(event, _event_labels(event.detail)) for event in events]
    return render(request, "clients/events.html", {"client": client, "rows": rows})


# --- the emergency in a session ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
@keeps_unsaved_work
@typed_text_on_failure(form_typed_text(CheckInForm))
def check_in(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Where the client is right now: one form at the start of a session."""
    client = get_client_for_user(request, pk)
    last = CheckIn.objects.latest_for(client)
    data = _form_data(request)
    if data is None:
        form = CheckInForm(initial=CheckInForm.initial_for(client, last))
    else:
        form = CheckInForm(data, instance=CheckIn(client=client))
        if form.refresh_requested:  # "show this country's regions" without JavaScript
            form = CheckInForm(initial=form.typed_values(), instance=CheckIn(client=client))
        elif request.method == "POST" and form.is_valid():
            CheckIn.objects.record(client, request.user, **form.values())
            messages.success(request, _("Location confirmed."))
            return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/check_in.html", {"client": client, "form": form, "last": last})


@login_required
@require_POST
@decryption_failures_shown
def check_in_again(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Same as last time: one click, a new check-in with the last one's values."""
    client = get_client_for_user(request, pk)
    last = CheckIn.objects.latest_for(client)
    if last is None:
        messages.error(request, _("There is no earlier check-in to repeat: fill in the form."))
        return redirect("clients:check_in", pk=client.pk)
    last.same_again(request.user)
    messages.success(request, _("Location confirmed: the same as last time."))
    return redirect("clients:detail", pk=client.pk)


@login_required
@require_GET
@decryption_failures_shown
def emergency(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Emergency now: where the client is and whom to call, on one page."""
    client = get_client_for_user(request, pk)
    sheet = EmergencySheet.for_client(client)
    context: dict[str, Any] = {"client": client, "sheet": sheet}
    for more in hooks.emergency_context:
        context.update(more(client))
    response = render(request, "clients/emergency.html", context)
    AuditEvent.objects.record(request.user, AuditEvent.Action.EMERGENCY_VIEW, client.pk)
    return response


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
@keeps_unsaved_work
@typed_text_on_failure(form_typed_text(CrisisEventForm))
def crisis_event_add(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = get_client_for_user(request, pk)
    data = _form_data(request)
    if data is not None:
        form = CrisisEventForm(data, instance=CrisisEvent(client=client))
        if request.method == "POST" and form.is_valid():
            event = CrisisEvent.objects.record(client, request.user, **form.values())
            messages.success(
                request, _("Crisis event recorded. Schedule the follow-up contacts now?")
            )
            return redirect(
                f"{reverse('clients:follow_ups_schedule', args=[client.pk])}?event={event.pk}"
            )
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = CrisisEventForm(initial={"occurred_at": now})
    check_in = CheckIn.objects.latest_for(client)
    return render(
        request,
        "clients/crisis_event_form.html",
        {"client": client, "form": form, "check_in": check_in},
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
def follow_ups_schedule(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Schedule follow-up contacts, the default schedule filled in (after a crisis event
    when ?event= names one of the client's events)."""
    client = get_client_for_user(request, pk)
    if request.method == "POST":
        form = ScheduleFollowUpsForm(request.POST)
        valid = form.is_valid()
        event = get_crisis_event_for_client(client, form.cleaned_data.get("crisis_event"))
        if valid:
            reason = FollowUp.Reason.CRISIS_EVENT if event else FollowUp.Reason.MANUAL
            made = FollowUp.objects.schedule(
                client,
                request.user,
                form.cleaned_data["days"],
                reason,
                event.pk if event else None,
            )
            messages.success(
                request,
                ngettext(
                    "%(count)d follow-up scheduled.", "%(count)d follow-ups scheduled.", len(made)
                )
                % {"count": len(made)},
            )
            return redirect("clients:detail", pk=client.pk)
    else:
        event = get_crisis_event_for_client(client, _uuid_or_none(request.GET.get("event")))
        start = event.occurred_at if event else None
        days = [day for day in default_schedule(start) if day >= timezone.localdate()]
        form = ScheduleFollowUpsForm(
            initial=ScheduleFollowUpsForm.initial_for(days, event.pk if event else None)
        )
    return render(
        request,
        "clients/follow_ups_schedule.html",
        {"client": client, "form": form, "event": event},
    )


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
@keeps_unsaved_work
@typed_text_on_failure(form_typed_text(RecordFollowUpForm))
def follow_up_record(request: HttpRequest, pk: uuid.UUID, follow_up_pk: uuid.UUID) -> HttpResponse:
    follow_up = get_follow_up_for_user(request, pk, follow_up_pk)
    client = follow_up.client
    if follow_up.is_done:
        messages.info(request, _("This follow-up is already recorded."))
        return redirect("clients:detail", pk=client.pk)
    data = _form_data(request)
    if data is not None:
        form = RecordFollowUpForm(data)
        if request.method == "POST" and form.is_valid():
            again = follow_up.record(request.user, **form.cleaned_data)
            text = _("Follow-up recorded.")
            if again is not None:
                text += " " + _("Next attempt on %(day)s.") % {
                    "day": formats.date_format(again.due_on, "j F Y")
                }
            messages.success(request, text)
            return redirect("clients:detail", pk=client.pk)
    else:
        tomorrow = timezone.localdate() + datetime.timedelta(days=RETRY_AFTER_DAYS)
        form = RecordFollowUpForm(initial={"retry_on": tomorrow})
    return render(
        request,
        "clients/follow_up_record.html",
        {"client": client, "follow_up": follow_up, "form": form},
    )


@login_required
@require_POST
@decryption_failures_shown
def follow_up_cancel(request: HttpRequest, pk: uuid.UUID, follow_up_pk: uuid.UUID) -> HttpResponse:
    follow_up = get_follow_up_for_user(request, pk, follow_up_pk)
    client = follow_up.client
    if follow_up.is_done:
        messages.info(request, _("A recorded follow-up stays in the record."))
    else:
        follow_up.cancel(request.user)
        messages.success(request, _("Follow-up cancelled."))
    return redirect("clients:detail", pk=client.pk)
