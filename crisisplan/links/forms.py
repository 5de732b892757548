"""Forms of the private link: the therapist's link form, the client's PIN and the
client's "somewhere else?"."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from django import forms
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crisisplan.links.models import PrivateLink
from hotlines.models import RegionHelp, Service, region_help
from hotlines.regions import country_choices, country_name, subdivision_name

PIN_RE_MESSAGE = _("A PIN is 4 to 8 digits (numbers only).")


class PinField(forms.CharField):
    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault("min_length", 4)
        kwargs.setdefault(
            "error_messages",
            {"min_length": PIN_RE_MESSAGE, "max_length": PIN_RE_MESSAGE},
        )
        super().__init__(
            widget=forms.PasswordInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}
            ),
            strip=True,
            **kwargs,
        )

    def validate(self, value: str) -> None:
        super().validate(value)
        if value and not value.isdigit():
            raise forms.ValidationError(PIN_RE_MESSAGE, code="digits")


class LinkForm(forms.Form):
    """Create (or replace) a plan's private link. ``replaces`` names the link in use that
    the therapist agreed to replace (the confirm page): a link in use is only replaced
    when it is that one, so a form sent again (a reload, the back button, a second tab)
    never replaces the link the client has now."""

    expires_in_days = forms.TypedChoiceField(
        label=_("Link works for"),
        coerce=int,
        choices=[],
        help_text=_("After that the link stops working; you can make a new one at any time."),
    )
    pin = PinField(
        label=_("PIN"),
        required=False,
        help_text=_(
            "Optional: 4 to 8 digits the client types before the plan opens. "
            "Tell it to them in the session, not in the same message as the link."
        ),
    )

    replaces = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_in_days"].choices = PrivateLink.EXPIRY_CHOICES
        self.fields["expires_in_days"].initial = PrivateLink.DEFAULT_EXPIRY_DAYS


class PinForm(forms.Form):
    pin = PinField(label="Your PIN", required=True)


class RevokeForm(forms.Form):
    """Revoke the link in use: ``link`` names the one the therapist confirmed."""

    link = forms.UUIDField(widget=forms.HiddenInput)


# --- "Somewhere else?" on the client's pages -----------------------------------------


def _country_choices() -> tuple[tuple[str, str], ...]:
    """Every ISO 3166-1 country, by name: for a country without directory entries the
    page still shows the general emergency number (RegionHelp.fallback). Made once per
    language and process (hotlines.regions.country_choices)."""
    return country_choices()


@functools.lru_cache(maxsize=64)
def _country_options(language: str, chosen: str) -> str:
    options = [("", str(_("Choose a country"))), *_country_choices()]
    selected = mark_safe(" selected")  # a constant attribute, nothing from the request
    rows = ((code, selected if code == chosen else "", name) for code, name in options)
    return format_html_join("", '<option value="{}"{}>{}</option>', rows)


def _code(value: Any, length: int) -> str:
    return value.strip().upper()[:length] if isinstance(value, str) else ""


class ElsewhereForm(forms.Form):
    """ "Somewhere else?": the help of another country (and region) for a client away
    from home. A GET form on the client's pages: nothing is stored and nothing of the
    plan is sent. Regions are those the directory has services of, offered once a
    country is chosen (without JavaScript: after the first submit).
    """

    country = forms.ChoiceField(label=_("Country"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, data: Mapping[str, Any] | None, *, home: RegionHelp) -> None:
        if data is not None and "country" in data:
            # Codes as typed into the address bar too: "fr", " FR ".
            data = {
                "country": _code(data.get("country"), 12),
                "region": _code(data.get("region"), 6),
            }
        else:
            data = None
        super().__init__(data, initial={"country": home.country, "region": home.subdivision})
        self.home = home
        countries = _country_choices()
        if data is not None:
            # Validation needs the choices; the page's select is country_options, made
            # once. (Setting 250 choices on every plan page cost more than its query.)
            self.fields["country"].choices = [("", _("Choose a country")), *countries]
        # Regions once a country is chosen (one query; none on the page as it opens).
        chosen = data["country"] if data else ""
        regions = (
            Service.objects.visible_to_clients()
            .filter(country=chosen)
            .exclude(subdivision="")
            .values_list("subdivision", flat=True)
            .distinct()
            if chosen in dict(countries)
            else []
        )
        self.fields["region"].choices = [
            ("", _("All of the country")),
            *sorted(((code, subdivision_name(code)) for code in regions), key=itemgetter(1)),
        ]

    @property
    def has_regions(self) -> bool:
        return len(self.fields["region"].choices) > 1

    @property
    def region_value(self) -> str:
        return self.data["region"] if self.is_bound else self.initial["region"]

    @property
    def country_options(self) -> str:
        """The country select's options, the chosen (or home) country selected: built
        once per language and choice, since every plan page carries them all."""
        chosen = self.data["country"] if self.is_bound else self.initial["country"]
        if chosen not in dict(_country_choices()):
            chosen = self.home.country  # "ZZ": the help shown is the client's own
        return _country_options(get_language(), chosen)

    def place_help(self) -> tuple[RegionHelp | None, str]:
        """(the help to show, a short message): None when no country was chosen; the
        client's own region's help for a country code that does not exist."""
        if not self.is_bound or not self.data["country"]:
            return None, ""
        if self.is_valid():
            return region_help(self.cleaned_data["country"], self.cleaned_data["region"]), ""
        code = self.data["country"]
        if "country" in self.errors:
            message = _(
                "There is no country with the code “%(code)s”. This is the help for %(home)s."
            )
            return self.home, message % {"code": code, "home": self.home.place_name}
        message = _("That is not a region of %(country)s: this is the help for the whole country.")
        return region_help(code), message % {"country": country_name(code)}
