"""The country and region picker, for any form that asks where someone is (the client
record; the session check-in).

A country select and a select of that country's regions by name. Without JavaScript
the region list is the one of the country the form was last shown with, and a "Show
its regions" button (``PlacePicker.refresh_name``) sends the form back to be shown
again with the new country's regions, nothing saved and nothing typed lost. With
JavaScript (static/js/place_picker.js) the list follows the country in place, from
``hotlines:regions``. Templates render both with templates/includes/place_picker.html.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotlines.models import Service
from hotlines.regions import country_choices, country_name, region_choices


def regions_for(country: str, keep: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The regions offered for ``country``: its top-level regions, the lower-level ones
    the directory has entries for, and ``keep`` (a value already chosen)."""
    if not country:
        return []
    return region_choices(country, {*Service.objects.subdivisions_in(country), *keep})


class CountryField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Country"))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Choose a country."),
                "invalid_choice": _("Choose a country from the list."),
            },
        )
        super().__init__(choices=(), **kwargs)

    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().upper()


class RegionField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Region"))
        kwargs.setdefault("required", False)
        super().__init__(choices=(), **kwargs)

    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().upper()


class PlacePicker:
    """Mixin for a Form or ModelForm with a country field and a region field.

    Subclasses declare ``country = CountryField()`` and ``subdivision = RegionField()``
    (other names through ``country_field`` and ``region_field``) and list this mixin
    first. The region's choices are those of the country the form holds: the data sent,
    else the initial value (a ModelForm's instance).
    """

    country_field = "country"
    region_field = "subdivision"
    # The no-JavaScript "show its regions" button: shows the form again, saves nothing.
    refresh_name = "place_refresh"

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self[self.country_field].value() or ""
        country = country.strip().upper() if isinstance(country, str) else ""
        region = self[self.region_field].value() or ""
        region = region.strip().upper() if isinstance(region, str) else ""
        country_choices_ = list(country_choices())
        country_field = self.fields[self.country_field]
        country_field.choices = [("", _("Choose a country")), *country_choices_]
        known = {code for code, _name in country_choices_}
        regions = regions_for(country, [region]) if country in known else []
        region_field = self.fields[self.region_field]
        if not country or country not in known:
            empty = _("Choose a country first")
        elif regions:
            empty = _("Not given (nationwide services only)")
        else:
            empty = _("%(country)s has no regions to choose") % {"country": country_name(country)}
        region_field.choices = [("", empty), *regions]
        region_field.error_messages["invalid_choice"] = _(
            "Choose one of the regions of %(country)s, or none. The list shows them now."
        ) % {"country": country_name(country) if country else _("the country")}
        country_field.widget.attrs.update(
            {"data-place-country": "", "data-region-select": self[self.region_field].auto_id}
        )
        region_field.widget.attrs["data-place-region"] = ""
        self.region_country_name = country_name(country) if country in known else ""

    @property
    def refresh_requested(self) -> bool:
        """True when the form was sent by the "show its regions" button."""
        return bool(getattr(self, "data", {}).get(self.add_prefix(self.refresh_name)))  # type: ignore[attr-defined]

    def typed_values(self) -> dict[str, Any]:
        """What was sent, field by field, as initial values for an unbound form: shown
        again after "show its regions", without errors for fields not filled in yet."""
        return {
            name: field.widget.value_from_datadict(
                self.data,  # type: ignore[attr-defined]
                self.files,  # type: ignore[attr-defined]
                self.add_prefix(name),  # type: ignore[attr-defined]
            )
            for name, field in self.fields.items()
        }
