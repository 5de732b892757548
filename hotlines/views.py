"""The therapists' side of the directory: browse it, and report an outdated entry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hotlines.forms import DirectoryFilterForm, OutdatedReportForm
from hotlines.models import Audience, Service, directory_countries
from hotlines.places import regions_for
from hotlines.regions import country_choices, country_name


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    active = Service.objects.filter(active=True).order_by()
    # Regions and topics are offered for the chosen country only: the whole directory's
    # would be thousands of options (and as many rows read) on every page.
    chosen = request.GET.get("country", "").strip().upper()[:2]
    in_country = active.filter(country=chosen)
    data = request.GET.copy()
    if not data.get("subdivision", "").upper().startswith(f"{chosen}-"):
        data["subdivision"] = ""  # a region of another country: show the country's services
    form = DirectoryFilterForm(
        data,
        countries=directory_countries(),
        subdivisions=list(
            in_country.exclude(subdivision="").values_list("subdivision", flat=True).distinct()
        ),
        topics=sorted(
            {t for topics in in_country.values_list("topics", flat=True) for t in topics}
        ),
    )
    region = None
    entries: list[tuple[Service, bool | None]] = []
    if form.is_valid() and form.cleaned_data["country"]:
        country = form.cleaned_data["country"]
        subdivision = form.cleaned_data["subdivision"]
        region = Service.objects.help_for_region(country, subdivision, audience=Audience.THERAPIST)
        now = timezone.now()
        topic = form.cleaned_data["topic"]
        for service in region.services:
            state = service.open_state(now)
            if topic and topic not in service.topics:
                continue
            if form.cleaned_data["open_now"] and state is not True:
                continue
            entries.append((service, state))
    return render(
        request,
        "hotlines/index.html",
        {
            "form": form,
            "region": region,
            "entries": entries,
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
