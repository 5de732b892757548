"""The curators' side of the directory: entries, their verification, CSV, reports,
and the coverage by country."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Replace
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from hotlines.csvio import ImportFailed, export_text, import_csv
from hotlines.forms import ContactMethodForm, CsvImportForm, ServiceAdminForm
from hotlines.models import (
    STALE_AFTER,
    ContactMethod,
    DirectoryVersion,
    OutdatedReport,
    Service,
)
from hotlines.regions import countries_named, country_name

# A search that looks like a number once its separators are gone: "116123", "+961 1".
_NUMBER_SEARCH = re.compile(r"^\+?[\d*#]{2,}$")
_SEPARATORS = (" ", "-", ".", "(", ")")


def _compact(expression: Any) -> Any:
    """A phone number without its separators, in SQL: "116 123" -> "116123"."""
    for separator in _SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return expression


class CountryFilter(admin.SimpleListFilter):
    title = _("country")
    parameter_name = "country"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = Service.objects.order_by().values_list("country", flat=True).distinct()
        return sorted(((c, f"{country_name(c)} ({c})") for c in codes), key=lambda x: x[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(country=self.value()) if self.value() else queryset


class StaleFilter(admin.SimpleListFilter):
    """Verification, with "needs attention" as the list's default view: curators open
    the list on the work still to do. "All" is a choice of its own."""

    title = _("verification")
    parameter_name = "verification"
    DEFAULT = "todo"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        days = STALE_AFTER.days
        return [
            ("todo", _("Needs attention (stale, never verified or flagged for review)")),
            ("stale", _("Stale (not verified for %(days)s days, or never)") % {"days": days}),
            ("never", _("Never verified")),
            ("fresh", _("Verified in the last %(days)s days") % {"days": days}),
            ("all", _("All")),
        ]

    def value(self) -> str:
        return super().value() or self.DEFAULT

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "todo":
            return queryset.needing_attention()
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
        "main_number",
        "kind",
        "verification",
        "age",
        "needs_review",
        "active",
    )
    # StaleFilter first: its default ("needs attention") is what the list opens on.
    list_filter = (StaleFilter, CountryFilter, "kind", "needs_review", "active", "confidence")
    # Beside these, get_search_results finds countries by name and numbers without spaces.
    search_fields = ("name", "country", "subdivision", "key", "contact_methods__value")
    list_select_related = ("last_verified_by",)
    list_per_page = 50
    ordering = ("country", "subdivision", "priority", "name")
    actions = ("mark_verified_today", "export_selected")
    readonly_fields = (
        "key",
        "imported_at",
        "last_verified_at",
        "last_verified_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "kind",
                    ("country", "subdivision"),
                    "leads",
                    "timezone",
                    "priority",
                    "active",
                )
            },
        ),
        (_("About"), {"fields": ("languages", "topics", "audience", "description")}),
        (
            _("Number from abroad"),
            {
                "description": _(
                    "Short codes (112, 140) usually cannot be dialled from another country. "
                    "A therapist abroad sees this number instead, where an official source "
                    "gives one."
                ),
                "fields": ("from_abroad", "from_abroad_source", "from_abroad_verified_on"),
            },
        ),
        (
            _("Sources and verification"),
            {
                "fields": (
                    "source_urls",
                    "confidence",
                    "note",
                    "needs_review",
                    ("last_verified_at", "last_verified_by"),
                    ("key", "imported_at"),
                    ("created_at", "updated_at"),
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The main number in the same query as the list: one subquery, not a query a row.
        first_phone = (
            ContactMethod.objects.filter(service=OuterRef("pk"))
            .exclude(kind__in=[ContactMethod.Kind.CHAT, ContactMethod.Kind.WEB])
            .order_by("kind", "position", "id")  # phone before sms
            .values("value")[:1]
        )
        return super().get_queryset(request).annotate(main_value=Subquery(first_phone))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Also by country name ("Lebanon") and by number, written with or without
        spaces ("116123" finds "116 123"), the number from abroad included."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        extra = Q()
        codes = countries_named(term)
        if codes:
            extra |= Q(country__in=codes)
        compact = term
        for separator in _SEPARATORS:
            compact = compact.replace(separator, "")
        if _NUMBER_SEARCH.match(compact):
            numbers = (
                ContactMethod.objects.annotate(compact=_compact("value"))
                .filter(compact__contains=compact)
                .values("service_id")
            )
            extra |= Q(pk__in=numbers)
            abroad = Service.objects.annotate(compact=_compact("from_abroad")).filter(
                compact__contains=compact
            )
            extra |= Q(pk__in=abroad.values("pk"))
        if not extra:
            return found, duplicates
        return queryset.filter(Q(pk__in=found.values("pk")) | extra), False

    @admin.display(description=_("country"), ordering="country")
    def place(self, service: Service) -> str:
        # The code first: the list is sorted by it.
        return f"{service.country} · {service.place_name}"

    @admin.display(description=_("main number"), ordering="main_value")
    def main_number(self, service: Service) -> str:
        return service.main_value or "—"

    @admin.display(description=_("status"))
    def verification(self, service: Service) -> str:
        if service.last_verified_at:
            return gettext("verified by %(name)s") % {"name": service.verified_by_name}
        return gettext("imported, %(confidence)s confidence") % {
            "confidence": service.get_confidence_display()
        }

    @admin.display(description=_("days since verified"), ordering="last_verified_at")
    def age(self, service: Service) -> str:
        days = service.days_since_verified()
        if days is None:
            return gettext("never")
        if service.is_stale():
            return gettext("%(days)s days (stale)") % {"days": days}
        return gettext("%(days)s days") % {"days": days}

    @admin.action(description=_("Mark verified today"), permissions=["change"])
    def mark_verified_today(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(
            last_verified_at=timezone.now(), last_verified_by=request.user, needs_review=False
        )
        DirectoryVersion.changed()  # update() sends no signals: clients' lookups must see it
        self.message_user(
            request,
            ngettext(
                "Marked %(count)s entry verified today.",
                "Marked %(count)s entries verified today.",
                count,
            )
            % {"count": count},
        )

    @admin.action(description=_("Export selected as CSV"), permissions=["view"])
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
            path(
                "coverage/",
                self.admin_site.admin_view(self.coverage_view),
                name="hotlines_service_coverage",
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
                    result = import_csv(
                        form.cleaned_data["file"].read(),
                        overwrite_edited=form.cleaned_data["overwrite_edited"],
                    )
                except ImportFailed as exc:
                    errors = [str(error) for error in exc.errors]
                else:
                    self.message_user(
                        request,
                        gettext("Imported: %(result)s") % {"result": result},
                        messages.SUCCESS,
                    )
                    shown = 20
                    for skipped in result.skipped[:shown]:
                        self.message_user(
                            request,
                            gettext("Skipped %(entry)s") % {"entry": skipped},
                            messages.WARNING,
                        )
                    if len(result.skipped) > shown:
                        more = len(result.skipped) - shown
                        self.message_user(
                            request,
                            gettext("…and %(more)s more entries skipped.") % {"more": more},
                            messages.WARNING,
                        )
                    return HttpResponseRedirect(reverse("admin:hotlines_service_changelist"))
        else:
            form = CsvImportForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import directory entries from CSV"),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/hotlines/service/import.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _csv_response(export_text())

    def coverage_view(self, request: HttpRequest) -> HttpResponse:
        """Per country: what clients there see, and how much is verified (3 queries)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Directory coverage by country"),
            "opts": self.model._meta,
            "coverage": Service.objects.coverage(),
            "stale_days": STALE_AFTER.days,
        }
        return TemplateResponse(request, "admin/hotlines/service/coverage.html", context)


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

    @admin.display(description=_("entry"))
    def service_link(self, report: OutdatedReport) -> str:
        url = reverse("admin:hotlines_service_change", args=[report.service_id])
        return format_html('<a href="{}">{}</a>', url, report.service)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from therapists, through the directory

    @admin.action(description=_("Mark resolved"), permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.filter(status=OutdatedReport.Status.OPEN).update(
            status=OutdatedReport.Status.RESOLVED,
            resolved_by=request.user,
            resolved_at=timezone.now(),
        )
        self.message_user(
            request,
            ngettext(
                "Marked %(count)s report resolved.", "Marked %(count)s reports resolved.", count
            )
            % {"count": count},
        )
