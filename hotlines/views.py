"""The therapists' side of the directory: browse it, and report an outdated entry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hotlines.forms import DirectoryFilterForm, OutdatedReportForm
from hotlines.models import (
    Audience,
    DirectoryVersion,
    Service,
    country_filters,
    directory_countries,
    region_help,
)
from hotlines.places import regions_for
from hotlines.regions import country_choices, country_name

ENTRIES_PER_PAGE = 20


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    # The country list, the chosen country's regions and topics, and its services are
    # each read once per directory version and remembered in this process (a curator's
    # change makes a new version), so the page costs the same however big the directory.
    version = DirectoryVersion.current()
    chosen = request.GET.get("country", "").strip().upper()[:2]
    filters = country_filters(chosen, version=version)
    data = request.GET.copy()
    if not data.get("subdivision", "").upper().startswith(f"{chosen}-"):
        data["subdivision"] = ""  # a region of another country: show the country's services
    form = DirectoryFilterForm(
        data,
        countries=directory_countries(version=version),
        subdivisions=list(filters.subdivisions),
        topics=list(filters.topics),
    )
    region = None
    entries: list[tuple[Service, bool | None]] = []
    if form.is_valid() and form.cleaned_data["country"]:
        country = form.cleaned_data["country"]
        subdivision = form.cleaned_data["subdivision"]
        region = region_help(country, subdivision, audience=Audience.THERAPIST, version=version)
        now = timezone.now()
        topic = form.cleaned_data["topic"]
        for service in region.services:
            if topic and topic not in service.topics:
                continue
            state = service.open_state(now)
            if form.cleaned_data["open_now"] and state is not True:
                continue
            entries.append((service, state))
    # A page of entries at a time (emergency numbers first): a country with hundreds of
    # lines shows the first ENTRIES_PER_PAGE and links to the rest.
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "hotlines/index.html",
        {
            "form": form,
            "region": region,
            "entries": entries,
            "page": page,
            "country_name": country_name(region.country) if region else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(Service.objects.with_details(), pk=pk)
    form = OutdatedReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outdated = form.save(commit=False)
        outdated.service = service
        outdated.reporter = request.user
        outdated.save()
        messages.success(
            request,
            _("Thank you: your report on “%(name)s” was sent. A curator will check it.")
            % {"name": service.name},
        )
        return redirect(f"{reverse('hotlines:index')}?country={service.country}")
    return render(request, "hotlines/report.html", {"service": service, "form": form})


@login_required
@require_GET
def regions(request: HttpRequest) -> JsonResponse:
    """The regions the place picker offers for ?country=XX (static/js/place_picker.js),
    as [[code, name], ...]; ?keep=XX-YYY adds a region already chosen."""
    country = request.GET.get("country", "").strip().upper()[:2]
    if country not in dict(country_choices()):
        return JsonResponse({"country": "", "regions": []}, status=404)
    keep = request.GET.get("keep", "").strip().upper()[:6]
    response = JsonResponse({"country": country, "regions": regions_for(country, [keep])})
    response["Cache-Control"] = "private, max-age=600"
    return response
