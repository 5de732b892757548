from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotlines import hours as hours_lib
from hotlines.models import ContactMethod, OutdatedReport, Service
from hotlines.regions import country_name, subdivision_name

HOURS_HELP = _(
    "“24/7”, or days and times such as “Mon-Fri 09:00-17:00; Sat 10:00-14:00” "
    "(22:00-02:00 runs past midnight; 24:00 is midnight). Leave empty if unknown."
)


class ListField(forms.CharField):
    """A list edited as text: "en; fr" or one item per line."""

    def __init__(self, *, separator: str = ";", **kwargs: Any) -> None:
        self.separator = separator
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            joiner = "\n" if self.separator == "\n" else f"{self.separator} "
            return joiner.join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        return [item.strip() for item in text.split(self.separator) if item.strip()]


class ServiceAdminForm(forms.ModelForm):
    languages = ListField(
        required=False, help_text=_("ISO 639-1 codes separated by “;”, e.g. en; fr.")
    )
    topics = ListField(required=False, help_text=_("Separated by “;”, e.g. suicide; youth."))
    source_urls = ListField(
        separator="\n",
        required=False,
        label=_("Sources"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One web address per line."),
    )
    from_abroad_source = forms.URLField(
        assume_scheme="https",
        max_length=Service._meta.get_field("from_abroad_source").max_length,
        required=False,
        label=Service._meta.get_field("from_abroad_source").verbose_name,
        help_text=Service._meta.get_field("from_abroad_source").help_text,
    )

    class Meta:
        model = Service
        fields = (
            "name",
            "kind",
            "country",
            "subdivision",
            "timezone",
            "priority",
            "active",
            "leads",
            "from_abroad",
            "from_abroad_source",
            "from_abroad_verified_on",
            "languages",
            "topics",
            "audience",
            "description",
            "source_urls",
            "confidence",
            "note",
            "needs_review",
        )


class ContactMethodForm(forms.ModelForm):
    """A contact method with its opening hours as one line of text."""

    hours = forms.CharField(required=False, max_length=300, help_text=HOURS_HELP)

    class Meta:
        model = ContactMethod
        fields = ("kind", "value", "instructions", "sms_keyword", "hours", "hours_note", "position")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("hours", self.instance.hours_spec)

    def clean_hours(self) -> hours_lib.Hours:
        text = self.cleaned_data["hours"].strip()
        try:
            return hours_lib.parse_hours(text)
        except hours_lib.HoursError as exc:
            raise forms.ValidationError(
                _("%(problem)s Put hours that fit no weekly pattern in the hours note.")
                % {"problem": exc}
            ) from exc

    def save(self, commit: bool = True) -> ContactMethod:
        method = super().save(commit=False)
        hours: hours_lib.Hours = self.cleaned_data.get("hours") or hours_lib.Hours()
        method.always_open = hours.always_open
        if commit:
            method.save()
            method.set_hours(hours)
        else:
            save_m2m = self.save_m2m

            def save_m2m_and_hours() -> None:
                save_m2m()
                method.set_hours(hours)

            self.save_m2m = save_m2m_and_hours
        return method


class CsvImportForm(forms.Form):
    MAX_BYTES = 5 * 1024 * 1024

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("The format of hotlines/data/hotlines_seed.csv (UTF-8, with its header row)."),
    )
    overwrite_edited = forms.BooleanField(
        label=_("Also overwrite entries a curator changed since the last import"),
        required=False,
        help_text=_(
            "Unticked, such entries keep the curators' version and are listed after the import."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class DirectoryFilterForm(forms.Form):
    """The therapist's directory search: all fields optional, submitted with GET."""

    country = forms.ChoiceField(label=_("Country"), required=False)
    subdivision = forms.ChoiceField(label=_("Region"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    open_now = forms.BooleanField(label=_("Open now"), required=False)

    def __init__(
        self,
        data: Any,
        *,
        countries: list[str],
        subdivisions: list[str],
        topics: list[str],
    ) -> None:
        super().__init__(data)
        by_name = sorted(countries, key=country_name)
        self.fields["country"].choices = [("", _("Choose a country"))] + [
            (code, f"{country_name(code)} ({code})") for code in by_name
        ]
        self.fields["subdivision"].choices = [("", _("Nationwide only"))] + [
            (code, f"{subdivision_name(code)} ({code})") for code in sorted(subdivisions)
        ]
        self.fields["topic"].choices = [("", _("Any topic"))] + [
            (topic, topic.replace("_", " ")) for topic in sorted(topics)
        ]


class OutdatedReportForm(forms.ModelForm):
    class Meta:
        model = OutdatedReport
        fields = ("what_is_wrong", "suggested_correction")
        widgets = {
            "what_is_wrong": forms.Textarea(attrs={"rows": 4}),
            "suggested_correction": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "what_is_wrong": _("e.g. the number no longer answers, or the hours have changed."),
            "suggested_correction": _(
                "The right number, hours or address, and where you found it, if you know."
            ),
        }
