from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any, ClassVar

import phonenumbers
from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crisisplan.core.encryption import EncryptedModelFormMixin
from hotlines.places import CountryField, PlacePicker, RegionField


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
    timezone = forms.ChoiceField(label="Time zone", choices=(), required=False)

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
        ("About the client", ("preferred_name", "full_name", "date_of_birth", "phone", "email")),
        (
            "Where the client usually is during sessions",
            ("country", "subdivision", "city", "street_address", "timezone"),
        ),
        ("Language", ("preferred_language",)),
        (
            "Emergency contact",
            (
                "emergency_contact_name",
                "emergency_contact_relationship",
                "emergency_contact_phone",
                "emergency_contact_consent",
                "emergency_contact_consent_date",
            ),
        ),
        ("Care", ("other_providers", "notes")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()
        for name in ("phone", "emergency_contact_phone"):
            self.fields[name].help_text = "With the country code, e.g. +44 20 7946 0000."

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.sections]

    def _clean_phone(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        if not value:
            return ""
        region = self.data.get(self.add_prefix("country")) or None
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            raise forms.ValidationError(
                "This does not look like a phone number; include the country code, "
                "e.g. +44 20 7946 0000."
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

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
        label="I understand that this client's record is destroyed for good.",
        required=True,
        error_messages={"required": "Tick the box to confirm the deletion."},
    )
