"""Forms of the private link: the therapist's link form and the client's PIN."""

from __future__ import annotations

from django import forms

from crisisplan.links.models import PrivateLink

PIN_RE_MESSAGE = "A PIN is 4 to 8 digits (numbers only)."


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
        label="Link works for",
        coerce=int,
        choices=[],
        help_text="After that the link stops working; you can make a new one at any time.",
    )
    pin = PinField(
        label="PIN",
        required=False,
        help_text="Optional: 4 to 8 digits the client types before the plan opens. "
        "Tell it to them in the session, not in the same message as the link.",
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
