"""The curators' side of the directory: entries, their verification, CSV, reports."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from hotlines.csvio import ImportFailed, export_text, import_csv
from hotlines.forms import ContactMethodForm, CsvImportForm, ServiceAdminForm
from hotlines.models import STALE_AFTER, ContactMethod, OutdatedReport, Service
from hotlines.regions import country_name


class CountryFilter(admin.SimpleListFilter):
    title = "country"
    parameter_name = "country"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = Service.objects.order_by().values_list("country", flat=True).distinct()
        return sorted(((c, f"{country_name(c)} ({c})") for c in codes), key=lambda x: x[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(country=self.value()) if self.value() else queryset


class StaleFilter(admin.SimpleListFilter):
    title = "verification"
    parameter_name = "verification"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        days = STALE_AFTER.days
        return [
            ("stale", f"Stale (not verified for {days} days, or never)"),
            ("never", "Never verified"),
            ("fresh", f"Verified in the last {days} days"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "stale":
            return queryset.stale()
        if self.value() == "never":
            return queryset.filter(last_verified_at__isnull=True)
        if self.value() == "fresh":
            return queryset.exclude(pk__in=queryset.stale().values("pk"))
        return queryset


class ContactMethodInline(admin.StackedInline):
    model = ContactMethod
    form = ContactMethodForm
    extra = 0
    fields = (
        ("kind", "position"),
        ("value", "instructions"),
        "sms_keyword",
        "hours",
        "hours_note",
    )


def _csv_response(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    filename = f"hotlines-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceAdminForm
    inlines = (ContactMethodInline,)
    list_display = (
        "name",
        "place",
        "kind",
        "verification",
        "age",
        "needs_review",
        "active",
    )
    list_filter = (CountryFilter, "kind", "needs_review", StaleFilter, "active", "confidence")
    search_fields = ("name", "country", "subdivision", "contact_methods__value")
    list_select_related = ("last_verified_by",)
    list_per_page = 50
    ordering = ("country", "subdivision", "priority", "name")
    actions = ("mark_verified_today", "export_selected")
    readonly_fields = ("last_verified_at", "last_verified_by", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "kind",
                    ("country", "subdivision"),
                    "timezone",
                    "priority",
                    "active",
                )
            },
        ),
        ("About", {"fields": ("languages", "topics", "audience", "description")}),
        (
            "Sources and verification",
            {
                "fields": (
                    "source_urls",
                    "confidence",
                    "note",
                    "needs_review",
                    ("last_verified_at", "last_verified_by"),
                    ("created_at", "updated_at"),
                )
            },
        ),
    )

    @admin.display(description="country", ordering="country")
    def place(self, service: Service) -> str:
        return (
            f"{service.country} {service.subdivision}" if service.subdivision else service.country
        )

    @admin.display(description="status")
    def verification(self, service: Service) -> str:
        if service.last_verified_at:
            return f"verified by {service.verified_by_name}"
        return f"imported, {service.confidence} confidence"

    @admin.display(description="days since verified", ordering="last_verified_at")
    def age(self, service: Service) -> str:
        days = service.days_since_verified()
        if days is None:
            return "never"
        return f"{days} days (stale)" if service.is_stale() else f"{days} days"

    @admin.action(description="Mark verified today", permissions=["change"])
    def mark_verified_today(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(
            last_verified_at=timezone.now(), last_verified_by=request.user, needs_review=False
        )
        self.message_user(
            request, f"Marked {count} {'entry' if count == 1 else 'entries'} verified today."
        )

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        services = queryset.with_details().order_by(
            "country", "subdivision", "priority", "name", "pk"
        )
        return _csv_response(export_text(services))

    # --- CSV import and export views ------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="hotlines_service_import",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="hotlines_service_export",
            ),
        ]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        errors: list[str] = []
        if request.method == "POST":
            form = CsvImportForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    result = import_csv(form.cleaned_data["file"].read())
                except ImportFailed as exc:
                    errors = [str(error) for error in exc.errors]
                else:
                    self.message_user(request, f"Imported: {result}", messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:hotlines_service_changelist"))
        else:
            form = CsvImportForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Import directory entries from CSV",
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/hotlines/service/import.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _csv_response(export_text())


@admin.register(OutdatedReport)
class OutdatedReportAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "service_link",
        "what_is_wrong",
        "reporter",
        "status",
        "resolved_by",
    )
    list_filter = ("status",)
    list_select_related = ("service", "reporter", "resolved_by")
    search_fields = ("service__name", "what_is_wrong", "suggested_correction")
    actions = ("mark_resolved",)
    readonly_fields = (
        "service_link",
        "reporter",
        "what_is_wrong",
        "suggested_correction",
        "created_at",
        "status",
        "resolved_by",
        "resolved_at",
    )
    fields = readonly_fields

    @admin.display(description="entry")
    def service_link(self, report: OutdatedReport) -> str:
        url = reverse("admin:hotlines_service_change", args=[report.service_id])
        return format_html('<a href="{}">{}</a>', url, report.service)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from therapists, through the directory

    @admin.action(description="Mark resolved", permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.filter(status=OutdatedReport.Status.OPEN).update(
            status=OutdatedReport.Status.RESOLVED,
            resolved_by=request.user,
            resolved_at=timezone.now(),
        )
        self.message_user(request, f"Marked {count} report(s) resolved.")
