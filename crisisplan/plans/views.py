"""The therapist's plan pages: the editor, versions, compare, publish, review, preview."""

from __future__ import annotations

import dataclasses
import functools
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.models import FollowUp
from crisisplan.core.http import (
    decryption_failures_shown,
    keeps_unsaved_work,
    typed_text_on_failure,
)
from crisisplan.core.models import UNSAVED_WORK_RESTORED
from crisisplan.plans.access import get_plan_for_user, get_version_for_user
from crisisplan.plans.display import page_context, plan_body_context, record_info
from crisisplan.plans.forms import ChangeNoteForm, CompareForm, NextReviewForm
from crisisplan.plans.models import Plan, PlanVersion, StaleVersion
from crisisplan.plans.sections import EditorState, PlanContent, changed_sections, typed_text

VERSIONS_PER_PAGE = 25


def _render_editor(
    request: HttpRequest,
    plan: Plan,
    editor: EditorState,
    *,
    base_version: int,
    change_note: str = "",
    change_note_error: str = "",
    stale: StaleVersion | None = None,
    publishing: bool = False,
    status: int = 200,
    ticks: tuple[set[int], set[int]] | None = None,
    search: str | None = None,
) -> HttpResponse:
    client = plan.client
    # Re-rendering a POST: search results ticked but not saved yet stay offered, ticked.
    directory = plan.directory_choices(extra_ids=ticks[0] & ticks[1] if ticks else ())
    if ticks is not None:  # re-rendering a POST: keep the ticks as they were sent
        offered, shown = ticks
        directory = [
            dataclasses.replace(c, shown=c.locked or c.service.pk in shown)
            if c.service.pk in offered
            else c
            for c in directory
        ]
    listed, directory_more = plan.directory_listed(directory)
    results = None
    if search is not None:
        results = plan.search_choices(search, directory, exclude={c.service.pk for c in listed})
    info = record_info(client)
    hints = plan.hints(editor.content)
    country = client.country_name
    context = page_context(
        plan,
        editor=editor,
        sections=editor.sections(),
        base_version=base_version,
        change_note=change_note,
        change_note_error=change_note_error,
        stale=stale,
        publishing=publishing,
        hints=hints,
        record_info=info,
        directory=listed,
        directory_more=directory_more,
        directory_help=_(
            "The client's page shows the directory's services for %(country)s and the "
            "client's region by itself, kept up to date by our curators. Untick one to hide "
            "it from this plan; find another of the country's below, by name or number, and "
            "tick it to add it."
        )
        % {"country": country},
        directory_query=search or "",
        directory_results=results,
        # A fresh idempotency key each time the form is shown: posting this form twice
        # makes one version (Plan.save_version).
        save_key=uuid.uuid4(),
    )
    return render(request, "plans/editor.html", context, status=status)


@login_required
@require_GET
def directory_search(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    """The editor's directory search as a fragment (its JavaScript puts it in place; the
    same search works without it, as a button of the editor's form). ``offered``: the
    services the editor on the page already offers."""
    plan = get_plan_for_user(request, client_pk)
    offered = _ids(request.GET.getlist("offered"))
    choices = plan.directory_choices()
    listed, _more = plan.directory_listed(choices)
    query = request.GET.get("q", "")
    return render(
        request,
        "plans/_directory_results.html",
        {
            "client": plan.client,
            "directory_query": query,
            "directory_results": plan.search_choices(
                query, choices, exclude=offered | {c.service.pk for c in listed}
            ),
        },
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


def _int_or(value: str | None, default: int) -> int:
    try:
        return int(value or "")
    except ValueError:
        return default


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
@keeps_unsaved_work
@typed_text_on_failure(typed_text)
def plan_edit(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    latest = plan.latest_version()
    current = PlanContent(latest.content if latest else None)
    kept = request.unsaved_work  # what was sent after the session ended, not saved yet
    if request.method == "GET" and kept is None:
        return _render_editor(
            request,
            plan,
            EditorState.from_content(current, country=plan.client.country),
            base_version=plan.current_number,
        )

    data = kept if kept is not None else request.POST
    editor = EditorState.from_post(data, country=plan.client.country)
    base = _int_or(data.get("base_version"), -1)
    note_form = ChangeNoteForm(data)
    note_ok = note_form.is_valid()
    note = note_form.cleaned_data["change_note"] if note_ok else data.get("change_note", "")
    offered = _ids(data.getlist("directory_offered"))
    shown = _ids(data.getlist("directory_shown"))
    publish = data.get("save") == "publish"
    render_again = functools.partial(
        _render_editor,
        request,
        plan,
        editor,
        change_note=note,
        ticks=(offered, shown),
        publishing=publish,
    )
    if kept is not None:  # shown again, based on the version it was typed on
        messages.warning(request, UNSAVED_WORK_RESTORED)
        return render_again(base_version=base)
    if "directory_search" in data:  # the directory search without JavaScript
        return render_again(base_version=base, search=data.get("directory_q", ""))
    if not editor.wants_save:  # a row button without JavaScript: re-render, save nothing
        return render_again(base_version=base)
    if not editor.is_valid or not note_ok:
        error = "" if note_ok else " ".join(note_form.errors["change_note"])
        return render_again(base_version=base, change_note_error=error)

    if base == plan.current_number and editor.content == current and not note:
        changed = (
            plan.choose_directory(offered, shown, request.user) if plan.pk and latest else False
        )
        if publish and latest is not None and plan.published_version_id != latest.pk:
            follow_ups = plan.publish(latest, request.user)
            messages.success(
                request,
                _(
                    "Nothing in the text changed; version %(number)s is published: the "
                    "client's link shows it from now on."
                )
                % {"number": latest.number},
            )
            _say_follow_ups(request, follow_ups)
        elif publish and latest is None:
            messages.info(request, _("Nothing to publish yet: write the plan first."))
        elif publish:
            messages.info(
                request,
                _("Nothing changed: version %(number)s is already what the client sees.")
                % {"number": latest.number},
            )
        else:
            messages.info(
                request,
                "Directory services updated; the plan's text did not change."
                if changed
                else "Nothing changed, so no new version was saved.",
            )
        return redirect("plans:edit", client_pk=plan.client.pk)
    follow_ups: list[FollowUp] = []
    key = _uuid_or_none(data.get("save_key"))
    try:
        with transaction.atomic():
            version = plan.save_version(request.user, editor.content, base, note, key=key)
            if not version.repeated:
                plan.choose_directory(offered, shown, request.user)
                if publish:
                    follow_ups = plan.publish(version, request.user)
    except StaleVersion as stale:
        return render_again(base_version=stale.current.number, stale=stale, status=409)
    if version.repeated:  # the same form posted again: answer as the first post did
        plan.refresh_from_db(fields=["published_version", "published_at"])
        publish = plan.published_version_id == version.pk
    if publish:
        message = _(
            "Saved as version %(number)s and published: the client's link shows it from now on."
        ) % {"number": version.number}
    elif plan.published_version_id:
        message = _(
            "Saved as version %(number)s. The client still sees version %(published)s until "
            "you publish this one."
        ) % {"number": version.number, "published": plan.published_version.number}
    else:
        message = _("Saved as version %(number)s. Publish it to show it to the client.") % {
            "number": version.number
        }
    messages.success(request, message)
    _say_follow_ups(request, follow_ups)
    return redirect("plans:edit", client_pk=plan.client.pk)


def _ids(values: list[str]) -> set[int]:
    return {int(v) for v in values if v.isdigit() and len(v) < 12}


@login_required
@require_GET
@decryption_failures_shown
def plan_versions(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    # A page of versions at a time: each shown version's note is decrypted.
    rows = PlanVersion.objects.none() if plan._state.adding else plan.versions_newest_first()
    page = Paginator(rows, VERSIONS_PER_PAGE).get_page(request.GET.get("page"))
    for version in page.object_list:
        version.plan = plan
    compare = CompareForm(
        initial={"a": max(plan.current_number - 1, 1), "b": max(plan.current_number, 1)}
    )
    review_form = NextReviewForm(initial={"next_review_on": plan.next_review_on})
    # Publishing happens here too: the latest version's hints, as the editor shows them.
    latest = next((v for v in page.object_list if v.number == plan.current_number), None)
    if latest is None and plan.current_number:
        latest = plan.latest_version()
        latest.plan = plan
    return render(
        request,
        "plans/versions.html",
        page_context(
            plan,
            page=page,
            version_numbers=range(plan.current_number, 0, -1),
            compare=compare,
            review_form=review_form,
            hints=plan.hints(PlanContent(latest.content)) if latest else [],
            hints_version=latest.number if latest else None,
        ),
    )


@login_required
@require_GET
@decryption_failures_shown
def plan_compare(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    form = CompareForm(request.GET)
    if not form.is_valid():
        messages.error(request, "Choose two versions to compare.")
        return redirect("plans:versions", client_pk=plan.client.pk)
    a, b = form.cleaned_data["a"], form.cleaned_data["b"]
    found = {}
    if not plan._state.adding:
        found = {
            v.number: v for v in plan.versions.select_related("author").filter(number__in=[a, b])
        }
    if a not in found or b not in found:
        raise Http404("No such version.")
    older, newer = found[a], found[b]
    older.plan = newer.plan = plan
    diff = PlanContent(older.content).diff(PlanContent(newer.content))
    return render(
        request,
        "plans/compare.html",
        page_context(plan, older=older, newer=newer, diff=diff, changed=changed_sections(diff)),
    )


@login_required
@require_POST
@decryption_failures_shown
def plan_restore(request: HttpRequest, client_pk: uuid.UUID, number: int) -> HttpResponse:
    version = get_version_for_user(request, client_pk, number)
    plan = version.plan
    new = plan.restore(version, request.user)
    messages.success(
        request,
        _("Version %(number)s restored as version %(new)s. It is not published yet.")
        % {"number": number, "new": new.number},
    )
    return redirect("plans:edit", client_pk=plan.client.pk)


@login_required
@require_POST
@decryption_failures_shown
def plan_publish(request: HttpRequest, client_pk: uuid.UUID, number: int) -> HttpResponse:
    version = get_version_for_user(request, client_pk, number)
    plan = version.plan
    follow_ups = plan.publish(version, request.user)
    messages.success(
        request,
        _("Version %(number)s is published: the client's link shows it from now on.")
        % {"number": number},
    )
    _say_follow_ups(request, follow_ups)
    return redirect("plans:versions", client_pk=plan.client.pk)


def _say_follow_ups(request: HttpRequest, follow_ups: list[FollowUp]) -> None:
    """After a first publication: which follow-ups Plan.publish scheduled."""
    if follow_ups:
        days = ", ".join(formats.date_format(f.due_on, "j M") for f in follow_ups)
        messages.info(
            request,
            _(
                "First publication: follow-up contacts are scheduled for %(days)s. "
                "Change them on the client's page."
            )
            % {"days": days},
        )


@login_required
@require_POST
@decryption_failures_shown
def plan_unpublish(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    if plan.published_version_id:
        plan.unpublish(request.user)
        messages.success(request, _("Unpublished: the client's link shows no plan now."))
    else:
        messages.info(request, _("The plan was not published."))
    return redirect("plans:versions", client_pk=plan.client.pk)


@login_required
@require_POST
@decryption_failures_shown
def plan_review(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    form = NextReviewForm(request.POST)
    if plan._state.adding:
        messages.error(request, _("Save the plan before setting a review date."))
    elif not form.is_valid():
        messages.error(request, " ".join(form.errors["next_review_on"]))
    else:
        day = form.cleaned_data["next_review_on"]
        plan.set_next_review(day, request.user)
        messages.success(
            request,
            _("Next review on %(date)s.") % {"date": formats.date_format(day, "j F Y")}
            if day
            else _("The review date was removed."),
        )
    return redirect("plans:versions", client_pk=plan.client.pk)


@login_required
@require_POST
def plan_reviewed(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    """ "Reviewed together today": the date the client's page gives as the last review."""
    plan = get_plan_for_user(request, client_pk)
    if plan._state.adding:
        messages.error(request, _("Save the plan before recording a review."))
    else:
        plan.mark_reviewed(request.user)
        messages.success(
            request,
            _("Reviewed together today. Next review on %(date)s.")
            % {"date": formats.date_format(plan.next_review_on, "j F Y")},
        )
    return redirect("plans:versions", client_pk=plan.client.pk)


@login_required
@require_GET
@decryption_failures_shown
def plan_preview(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    """The plan as the client will read it: the latest version, or ?version=N."""
    plan = get_plan_for_user(request, client_pk)
    number = _int_or(request.GET.get("version"), plan.current_number)
    version = plan.version(number) if number else None
    if number and version is None:
        raise Http404("No such version.")
    if version is not None:
        version.plan = plan
    content = PlanContent(version.content if version else None)
    context = page_context(plan, version=version, **plan_body_context(plan, content))
    return render(request, "plans/preview.html", context)
