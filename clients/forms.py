from __future__ import annotations

import datetime
import zoneinfo
from functools import lru_cache
from typing import Any, ClassVar

import phonenumbers
from django import forms
from django.conf import settings
from django.core.validators import validate_email
from django.utils import timezone as tz
from django.utils.translation import gettext_lazy as _

from clients.models import CheckIn, Client, CrisisEvent, FollowUp
from crisisplan.core.encryption import EncryptedModelFormMixin
from hotlines.places import CountryField, PlacePicker, RegionField


def clean_phone_number(value: str, region: str | None) -> str:
    """A phone number in international format, or "" for none; ValidationError if it
    cannot be one (a number without country code is read as one of ``region``)."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise forms.ValidationError(
            _(
                "This does not look like a phone number; include the country code, "
                "e.g. +44 20 7946 0000."
            )
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return [("", "—"), *((z, z.replace("_", " ")) for z in zones)]


class ClientForm(PlacePicker, EncryptedModelFormMixin, forms.ModelForm):
    """Create and edit a client. Country and region come from the place picker
    (hotlines.places); Client.clean() checks them again for every other way in."""

    country = CountryField()
    subdivision = RegionField(
        help_text=_(
            "The state, province or region: it decides which regional crisis lines "
            "the client's plan shows."
        ),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=(), required=False)

    class Meta:
        model = Client
        fields: ClassVar = [
            "preferred_name",
            "full_name",
            "date_of_birth",
            "phone",
            "email",
            "country",
            "subdivision",
            "city",
            "street_address",
            "timezone",
            "preferred_language",
            "language",
            "emergency_contact_name",
            "emergency_contact_relationship",
            "emergency_contact_phone",
            "emergency_contact_consent",
            "emergency_contact_consent_date",
            "other_providers",
            "notes",
        ]
        widgets: ClassVar = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "emergency_contact_consent_date": forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            ),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "emergency_contact_phone": forms.TextInput(
                attrs={"type": "tel", "autocomplete": "off"}
            ),
            "email": forms.TextInput(attrs={"type": "email", "autocomplete": "off"}),
            "street_address": forms.Textarea(attrs={"rows": 2}),
            "other_providers": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 5}),
        }

    sections: ClassVar = (
        (_("About the client"), ("preferred_name", "full_name", "date_of_birth", "phone", "email")),
        (
            _("Where the client usually is during sessions"),
            ("country", "subdivision", "city", "street_address", "timezone"),
        ),
        (_("Language"), ("preferred_language", "language")),
        (
            _("Emergency contact"),
            (
                "emergency_contact_name",
                "emergency_contact_relationship",
                "emergency_contact_phone",
                "emergency_contact_consent",
                "emergency_contact_consent_date",
            ),
        ),
        (_("Care"), ("other_providers", "notes")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()
        self.fields["language"] = forms.ChoiceField(
            label=self.fields["language"].label,
            help_text=self.fields["language"].help_text,
            choices=[("", _("Automatic")), *settings.LANGUAGES],
            required=False,
        )
        for name in ("phone", "emergency_contact_phone"):
            self.fields[name].help_text = _("With the country code, e.g. +44 20 7946 0000.")

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.sections]

    def _clean_phone(self, name: str) -> str:
        region = self.data.get(self.add_prefix("country")) or None
        return clean_phone_number(self.cleaned_data.get(name, ""), region)

    def clean_phone(self) -> str:
        return self._clean_phone("phone")

    def clean_emergency_contact_phone(self) -> str:
        return self._clean_phone("emergency_contact_phone")

    def clean_email(self) -> str:
        value = self.cleaned_data.get("email", "")
        if value:
            validate_email(value)
        return value

    def clean_timezone(self) -> str:
        return self.cleaned_data.get("timezone") or ""


class DeleteClientForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this client's record is destroyed for good."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the deletion.")},
    )


# --- the emergency in a session -----------------------------------------------------


class CheckInForm(PlacePicker, EncryptedModelFormMixin, forms.ModelForm):
    """Where the client is right now. Country and region with the client record's place
    picker (hotlines.places); CheckIn.clean() checks them again. Only the country is
    required."""

    country = CountryField(
        error_messages={
            "required": _(
                "Choose the country where the client is now: the emergency numbers depend on it."
            ),
            "invalid_choice": _("Choose a country from the list."),
        },
    )
    subdivision = RegionField(
        help_text=_("The state, province or region: the Emergency page shows its services."),
    )
    company = forms.ChoiceField(
        label=_("Is the client alone?"),
        choices=CheckIn.Company.choices,
        widget=forms.RadioSelect,
        initial=CheckIn.Company.NOT_ASKED,
        error_messages={"required": _("Choose whether the client is alone.")},
    )

    class Meta:
        model = CheckIn
        fields: ClassVar = ["country", "subdivision", "place", "phone", "company"]
        labels: ClassVar = {
            "place": _("Address or landmark"),
            "phone": _("Number the client can be reached on"),
        }
        help_texts: ClassVar = {
            "place": _("Where exactly, in the client's words: what emergency services need."),
            "phone": _("If the call drops. With the country code, e.g. +44 7700 900123."),
        }
        widgets: ClassVar = {
            "place": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def clean_phone(self) -> str:
        region = self.data.get(self.add_prefix("country")) or None
        return clean_phone_number(self.cleaned_data.get("phone", ""), region)

    @classmethod
    def initial_for(cls, client: Client, last: CheckIn | None) -> dict[str, Any]:
        """Start from the last check-in, else from the record (decrypts)."""
        if last is not None:
            return {
                "country": last.country,
                "subdivision": last.subdivision,
                "place": last.place,
                "phone": last.phone,
            }
        place = ", ".join(part for part in (client.street_address, client.city) if part)
        return {
            "country": client.country,
            "subdivision": client.subdivision,
            "place": place,
            "phone": client.phone,
        }

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CrisisEventForm(EncryptedModelFormMixin, forms.ModelForm):
    class Meta:
        model = CrisisEvent
        fields: ClassVar = ["occurred_at", "actions", "called", "outcome", "notes"]
        labels: ClassVar = {
            "occurred_at": _("When it happened"),
            "actions": _("What was done"),
            "called": _("Who was called"),
            "outcome": _("Outcome"),
            "notes": _("Notes"),
        }
        help_texts: ClassVar = {
            "actions": _("What you and the client did, in order."),
            "called": _(
                "E.g. emergency services (which number), the emergency contact, a crisis line."
            ),
            "outcome": _("Where the client is now and who is with them, as far as you know."),
        }
        error_messages: ClassVar = {
            "actions": {"required": _("Write what was done, even in a few words.")},
            "occurred_at": {
                "required": _("Give the date and time it happened."),
                "invalid": _("Give the date and time it happened, e.g. 2025-03-01 21:30."),
            },
        }
        widgets: ClassVar = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "actions": forms.Textarea(attrs={"rows": 4}),
            "called": forms.Textarea(attrs={"rows": 2}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_occurred_at(self) -> datetime.datetime:
        when = self.cleaned_data["occurred_at"]
        if when > tz.now() + datetime.timedelta(minutes=FUTURE_SLACK_MINUTES):
            raise forms.ValidationError(_("This is in the future: give when it happened."))
        return when

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


# A clock a few minutes fast is no reason to refuse an event.
FUTURE_SLACK_MINUTES = 10
SCHEDULE_ROWS = 6


class ScheduleFollowUpsForm(forms.Form):
    """Up to SCHEDULE_ROWS dates, one follow-up each; empty rows are left out."""

    crisis_event = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, SCHEDULE_ROWS + 1):
            self.fields[f"due_{n}"] = forms.DateField(
                label=_("Follow-up %(number)s due on") % {"number": n},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                error_messages={"invalid": _("Give a date, e.g. 2025-03-01.")},
            )

    @classmethod
    def initial_for(cls, days: list[datetime.date], event_id: Any = None) -> dict[str, Any]:
        initial: dict[str, Any] = {f"due_{n}": day for n, day in enumerate(days, start=1)}
        if event_id:
            initial["crisis_event"] = event_id
        return initial

    def date_fields(self) -> list[forms.BoundField]:
        return [self[f"due_{n}"] for n in range(1, SCHEDULE_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        days = [cleaned.get(f"due_{n}") for n in range(1, SCHEDULE_ROWS + 1)]
        days = [day for day in days if day]
        today = tz.localdate()
        if any(day < today for day in days):
            raise forms.ValidationError(_("A follow-up cannot be due before today."))
        if not days and not self.errors:
            raise forms.ValidationError(_("Give at least one date."))
        cleaned["days"] = sorted(set(days))
        return cleaned


class RecordFollowUpForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Did you reach the client?"),
        choices=FollowUp.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you reached the client.")},
    )
    method = forms.ChoiceField(
        label=_("How"),
        choices=[("", _("Choose")), *FollowUp.Method.choices],
        error_messages={"required": _("Choose how you tried to reach the client.")},
    )
    note = forms.CharField(
        label=_("Short note"),
        max_length=FollowUp._meta.get_field("note").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    plan_reviewed = forms.BooleanField(
        label=_("We reviewed the crisis plan together"), required=False
    )
    retry_on = forms.DateField(
        label=_("If not reached: try again on"),
        required=False,
        help_text=_("A new follow-up on this day. Leave it empty to schedule none."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date, e.g. 2025-03-01.")},
    )

    def clean_retry_on(self) -> datetime.date | None:
        day = self.cleaned_data.get("retry_on")
        if day and day < tz.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("outcome") == FollowUp.Outcome.REACHED:
            cleaned["retry_on"] = None
        return cleaned
