from __future__ import annotations

import dataclasses
import functools
import logging
import time
import uuid
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.models import Client
from clients.views import decryption_failures_shown
from crisisplan.encryption import EncryptionError
from crisisplan.forms import ChangeNoteForm, CompareForm, LinkForm, NextReviewForm, PinForm
from crisisplan.models import (
    Plan,
    PlanVersion,
    PrivateLink,
    RateCounter,
    RateLimit,
    StaleVersion,
)
from crisisplan.sections import EditorState, PlanContent, changed_sections
from hotlines.models import region_help
from hotlines.phones import tel_href

logger = logging.getLogger(__name__)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(render_to_string("404.html", request=request), status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form (missing or stale CSRF token). On a private link's pages the client
    gets the link's own headers and emergency help; elsewhere, 403_csrf.html."""
    if request.path.startswith("/p/"):
        response = render(request, "crisisplan/link/csrf_failure.html", status=403)
        return _private_headers(response)
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason, template_name="403_csrf.html")


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors or the request: nothing that failed can
    # fail again here, and no client data can reach the page.
    return HttpResponse(render_to_string("500.html"), status=500)


# --- crisis plans -----------------------------------------------------------------------


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


def _plan_context(plan: Plan, **extra: Any) -> dict[str, Any]:
    client = plan.client
    return {
        "plan": plan,
        "client": client,
        "client_name": client.preferred_name,
        "client_url": reverse("clients:detail", args=[client.pk]),
        **extra,
    }


def _record_info(client: Client) -> dict[str, str]:
    place = ", ".join(
        part
        for part in (
            client.city,
            client.subdivision_name if client.subdivision else "",
            client.country_name,
        )
        if part
    )
    name = client.emergency_contact_name
    if name and client.emergency_contact_relationship:
        name += f" ({client.emergency_contact_relationship})"
    phone = client.emergency_contact_phone
    return {
        "location": place if client.country else "",
        "emergency_contact": ", ".join(part for part in (name, phone) if part),
        "emergency_contact_name": name,
        "emergency_contact_phone": phone,
        "emergency_contact_href": tel_href(phone) if phone else "",
        "edit_url": reverse("clients:edit", args=[client.pk]),
    }


def _render_editor(
    request: HttpRequest,
    plan: Plan,
    editor: EditorState,
    *,
    base_version: int,
    change_note: str = "",
    change_note_error: str = "",
    stale: StaleVersion | None = None,
    status: int = 200,
    ticks: tuple[set[int], set[int]] | None = None,
) -> HttpResponse:
    client = plan.client
    directory = plan.directory_choices()
    if ticks is not None:  # re-rendering a POST: keep the ticks as they were sent
        offered, shown = ticks
        directory = [
            dataclasses.replace(c, shown=c.locked or c.service.pk in shown)
            if c.service.pk in offered
            else c
            for c in directory
        ]
    record_info = _record_info(client)
    hints = editor.content.hints(
        has_emergency_contact=bool(
            client.emergency_contact_name and client.emergency_contact_phone
        ),
        has_location=bool(client.country and (client.city or client.street_address)),
    )
    country = client.country_name
    context = _plan_context(
        plan,
        editor=editor,
        sections=editor.sections(),
        base_version=base_version,
        change_note=change_note,
        change_note_error=change_note_error,
        stale=stale,
        hints=hints,
        record_info=record_info,
        directory=directory,
        directory_help=(
            f"Clients see the directory's services for {country} and their region "
            "automatically. Untick one to hide it from this plan (emergency numbers always "
            "show); tick another of the country's services to add it. Numbers are kept in "
            "the directory, so a corrected number shows on the plan at once."
        ),
    )
    return render(request, "crisisplan/editor.html", context, status=status)


def _int_or(value: str | None, default: int) -> int:
    try:
        return int(value or "")
    except ValueError:
        return default


@login_required
@require_http_methods(["GET", "POST"])
@decryption_failures_shown
def plan_edit(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    latest = plan.latest_version()
    current = PlanContent(latest.content if latest else None)
    if request.method == "GET":
        return _render_editor(
            request, plan, EditorState.from_content(current), base_version=plan.current_number
        )

    editor = EditorState.from_post(request.POST)
    base = _int_or(request.POST.get("base_version"), -1)
    note_form = ChangeNoteForm(request.POST)
    note_ok = note_form.is_valid()
    note = note_form.cleaned_data["change_note"] if note_ok else request.POST["change_note"]
    offered = _ids(request.POST.getlist("directory_offered"))
    shown = _ids(request.POST.getlist("directory_shown"))
    render_again = functools.partial(
        _render_editor, request, plan, editor, change_note=note, ticks=(offered, shown)
    )
    if not editor.wants_save:  # a row button without JavaScript: re-render, save nothing
        return render_again(base_version=base)
    if not editor.is_valid or not note_ok:
        error = "" if note_ok else " ".join(note_form.errors["change_note"])
        return render_again(base_version=base, change_note_error=error)

    if base == plan.current_number and editor.content == current and not note:
        changed = (
            plan.choose_directory(offered, shown, request.user) if plan.pk and latest else False
        )
        messages.info(
            request,
            "Directory services updated; the plan's text did not change."
            if changed
            else "Nothing changed, so no new version was saved.",
        )
        return redirect("plans:edit", client_pk=plan.client.pk)
    try:
        with transaction.atomic():
            version = plan.save_version(request.user, editor.content, base, note)
            plan.choose_directory(offered, shown, request.user)
    except StaleVersion as stale:
        return render_again(base_version=stale.current.number, stale=stale, status=409)
    messages.success(
        request,
        f"Saved as version {version.number}. "
        + (
            "The client still sees the published version until you publish this one."
            if plan.published_version_id
            else "Publish it to show it to the client."
        ),
    )
    return redirect("plans:edit", client_pk=plan.client.pk)


def _ids(values: list[str]) -> set[int]:
    return {int(v) for v in values if v.isdigit() and len(v) < 12}


@login_required
@require_GET
@decryption_failures_shown
def plan_versions(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    versions = [] if plan._state.adding else list(plan.versions_newest_first())
    for version in versions:
        version.plan = plan
    compare = CompareForm(
        initial={"a": max(plan.current_number - 1, 1), "b": max(plan.current_number, 1)}
    )
    review_form = NextReviewForm(initial={"next_review_on": plan.next_review_on})
    return render(
        request,
        "crisisplan/versions.html",
        _plan_context(plan, versions=versions, compare=compare, review_form=review_form),
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
        "crisisplan/compare.html",
        _plan_context(plan, older=older, newer=newer, diff=diff, changed=changed_sections(diff)),
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
        f"Version {number} restored as version {new.number}. It is not published yet.",
    )
    return redirect("plans:edit", client_pk=plan.client.pk)


@login_required
@require_POST
@decryption_failures_shown
def plan_publish(request: HttpRequest, client_pk: uuid.UUID, number: int) -> HttpResponse:
    version = get_version_for_user(request, client_pk, number)
    plan = version.plan
    plan.publish(version, request.user)
    messages.success(
        request,
        f"Version {number} is published: the client's link shows it from now on.",
    )
    return redirect("plans:versions", client_pk=plan.client.pk)


@login_required
@require_POST
@decryption_failures_shown
def plan_unpublish(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    if plan.published_version_id:
        plan.unpublish(request.user)
        messages.success(request, "Unpublished: the client's link shows no plan now.")
    else:
        messages.info(request, "The plan was not published.")
    return redirect("plans:versions", client_pk=plan.client.pk)


@login_required
@require_POST
@decryption_failures_shown
def plan_review(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    form = NextReviewForm(request.POST)
    if plan._state.adding:
        messages.error(request, "Save the plan before setting a review date.")
    elif not form.is_valid():
        messages.error(request, " ".join(form.errors["next_review_on"]))
    else:
        day = form.cleaned_data["next_review_on"]
        plan.set_next_review(day, request.user)
        messages.success(
            request,
            f"Next review on {day:%d %B %Y}." if day else "The review date was removed.",
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
    context = _plan_context(plan, version=version, **plan_body_context(plan, content))
    return render(request, "crisisplan/preview.html", context)


def plan_body_context(plan: Plan, content: PlanContent) -> dict[str, Any]:
    """The context of templates/crisisplan/_plan_body.html (the client's page too).

    ``content`` is decrypted by the caller (it may raise EncryptionError; the directory
    part does not depend on it, see Plan.directory_help).
    """
    region_help = plan.directory_help()
    keep = ("professionals",) if region_help.services or region_help.fallback else ()
    return {
        "plan_sections": content.display_sections(keep=keep),
        "region_help": region_help,
        "last_reviewed_on": plan.published_at,
        "cut_off_record": _record_info(plan.client),
    }


# --- private links: the therapist's side ------------------------------------------------


def _link_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("plans:link", args=[token]))


@login_required
@require_GET
def link_manage(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    return render(request, "crisisplan/link_manage.html", _link_context(plan, LinkForm()))


def _link_context(plan: Plan, form: LinkForm) -> dict[str, Any]:
    link = plan.current_link()
    return _plan_context(
        plan,
        link=link,
        opens=link.recent_opens(20) if link else [],
        form=form,
        now=timezone.now(),
    )


@login_required
@require_POST
def link_create(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    """Create or replace the link; the URL is shown on this response only, never again."""
    plan = get_plan_for_user(request, client_pk)
    if plan._state.adding:
        messages.error(request, "Save the plan before making a link to it.")
        return redirect("plans:edit", client_pk=plan.client.pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return render(request, "crisisplan/link_manage.html", _link_context(plan, form), status=400)
    link, token = PrivateLink.issue(
        plan,
        request.user,
        days=form.cleaned_data["expires_in_days"],
        pin=form.cleaned_data["pin"],
    )
    url = _link_url(request, token)
    qr = segno.make(url, error="m")
    response = render(
        request,
        "crisisplan/link_created.html",
        _plan_context(plan, link=link, url=url, qr_data_uri=qr.svg_data_uri(scale=5, border=4)),
    )
    # The token is on this page: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response


def _current_link_or_404(plan: Plan) -> PrivateLink:
    link = plan.current_link()
    if link is None:
        raise Http404("No link.")
    return link


@login_required
@require_POST
def link_revoke(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    _current_link_or_404(plan).revoke(request.user)
    messages.success(request, "The link is revoked: it stopped working just now.")
    return redirect("plans:link_manage", client_pk=plan.client.pk)


@login_required
@require_POST
def link_unlock(request: HttpRequest, client_pk: uuid.UUID) -> HttpResponse:
    plan = get_plan_for_user(request, client_pk)
    _current_link_or_404(plan).unlock(request.user)
    messages.success(request, "The link is unlocked: the client can enter the PIN again.")
    return redirect("plans:link_manage", client_pk=plan.client.pk)


# --- private links: the client's side ---------------------------------------------------

GRANTS = "crisisplan_link_grants"


@functools.cache
def _site_css() -> str:
    """The collected stylesheet, for the self-contained copy (read once per process)."""
    with staticfiles_storage.open("css/app.css") as css:
        return css.read().decode()


def client_address(request: HttpRequest) -> str:
    """The requester's address: the proxy's X-Forwarded-For entry behind a TLS proxy."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def private_link_page(view: Any) -> Any:
    """Wrap every client-facing link view: rate limits per address and per link, counted
    before any lookup (HTTP 429 with emergency help), and headers that keep the page out
    of caches, referrers and search engines."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limits = [
            RateLimit("address", client_address(request), *settings.LINK_RATE_LIMIT_PER_ADDRESS)
        ]
        token = kwargs.get("token")
        if token and PrivateLink.token_is_well_formed(token):
            limits.append(
                RateLimit("link", PrivateLink.hash_token(token), *settings.LINK_RATE_LIMIT_PER_LINK)
            )
        exceeded = RateCounter.hit(*limits)
        if exceeded is None:
            response = view(request, *args, **kwargs)
        else:
            response = _too_many(request, exceeded.seconds)
        return _private_headers(response)

    return wrapper


def _private_headers(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(request, "crisisplan/link/too_many.html", status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _usable_link(
    request: HttpRequest, token: str
) -> tuple[PrivateLink | None, HttpResponse | None]:
    """(link, None) for a usable link; otherwise (None, the response to send): one 404
    page for unknown, expired and revoked links alike."""
    link = PrivateLink.find(token)
    if link is None or not link.is_usable():
        return None, _link_gone(request, link)
    return link, None


def _link_gone(request: HttpRequest, link: PrivateLink | None) -> HttpResponse:
    # A dead link we know still gives its region's emergency numbers; nothing else.
    help_here = None
    if link is not None:
        client = link.plan.client
        help_here = region_help(client.country, client.subdivision)
    return render(request, "crisisplan/link/gone.html", {"region_help": help_here}, status=404)


@private_link_page
def link_unknown(request: HttpRequest) -> HttpResponse:
    return _link_gone(request, None)


def _grant(request: HttpRequest, link: PrivateLink) -> None:
    grants = request.session.get(GRANTS, {})
    now = time.time()
    grants = {pk: until for pk, until in grants.items() if until > now}
    grants[str(link.pk)] = now + PrivateLink.GRANT_MINUTES * 60
    request.session[GRANTS] = grants


def _granted(request: HttpRequest, link: PrivateLink) -> bool:
    return request.session.get(GRANTS, {}).get(str(link.pk), 0) > time.time()


def _landing(
    request: HttpRequest, link: PrivateLink, form: PinForm | None, status: int = 200
) -> HttpResponse:
    client = link.plan.client
    context = {
        "region_help": region_help(client.country, client.subdivision),
        "form": form,
        "locked": link.is_locked(),
        "locked_until": link.locked_until,
        "tries_left": PrivateLink.PIN_FAILURE_LIMIT - link.failed_pin_attempts,
    }
    return render(request, "crisisplan/link/landing.html", context, status=status)


@private_link_page
@require_http_methods(["GET", "HEAD", "POST"])
def link_landing(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with no personal data and the region's emergency numbers (what a chat
    app's preview sees; not an open). POST (the button, after the PIN if one is set):
    records the open and sends the browser to the plan."""
    link, refused = _usable_link(request, token)
    if refused:
        return refused
    if request.method != "POST":
        return _landing(request, link, PinForm() if link.has_pin else None)
    if link.has_pin:
        form = PinForm(request.POST)
        if link.is_locked():
            return _landing(request, link, form, status=403)
        if not form.is_valid():
            return _landing(request, link, form, status=400)
        if not link.check_pin(form.cleaned_data["pin"]):
            if not link.is_locked():
                form.add_error("pin", "That PIN is not right.")
            return _landing(request, link, form, status=403)
    link.record_open(request.headers.get("User-Agent", ""))
    _grant(request, link)
    return redirect("plans:link_plan", token=token)


def _client_plan(
    request: HttpRequest, token: str
) -> tuple[PrivateLink | None, HttpResponse | None]:
    link, refused = _usable_link(request, token)
    if refused:
        return None, refused
    if not _granted(request, link):
        return None, redirect("plans:link", token=token)
    return link, None


def _client_plan_context(link: PrivateLink) -> dict[str, Any]:
    """The plan page's context. A plan that cannot be decrypted still gives the region's
    emergency numbers, with a short message; never a 500."""
    plan = link.plan
    if plan.published_version is not None:
        plan.published_version.plan = plan
    try:
        content = plan.published_content()
        context = plan_body_context(plan, content) if content is not None else {}
        unreadable = False
    except EncryptionError as exc:
        logger.error("A private link's plan could not be decrypted: %s", exc)
        content, context, unreadable = None, {}, True
    if "region_help" not in context:
        context["region_help"] = plan.directory_help()
    return {
        **context,
        "published": content is not None,
        "unreadable": unreadable,
        "last_opened": link.previous_opened_at,
    }


@private_link_page
@require_http_methods(["GET", "HEAD"])
def link_plan(request: HttpRequest, token: str) -> HttpResponse:
    link, refused = _client_plan(request, token)
    if refused:
        return refused
    return render(
        request,
        "crisisplan/link/plan.html",
        {**_client_plan_context(link), "token": token},
    )


@private_link_page
@require_http_methods(["GET", "HEAD"])
def link_copy(request: HttpRequest, token: str) -> HttpResponse:
    """One self-contained HTML file (inline CSS, no scripts) to keep on the phone."""
    link, refused = _client_plan(request, token)
    if refused:
        return refused
    response = render(
        request,
        "crisisplan/link/copy.html",
        {**_client_plan_context(link), "inline_css": _site_css(), "saved_on": timezone.now()},
    )
    response["Content-Disposition"] = 'attachment; filename="my-crisis-plan.html"'
    return response
