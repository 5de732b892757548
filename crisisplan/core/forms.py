"""Forms of the account pages: the second factor at login and at set-up, and the password
asked again before a change that weakens the account."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crisisplan.core.timezones import zone_choices

WRONG_CODE = _(
    "That code did not work. It may be mistyped, expired or already used: try the code "
    "your app shows now, or another recovery code."
)


class LoginCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_(
            "The 6-digit code your authenticator app shows now. Lost your phone? Enter one "
            "of your recovery codes instead."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()

    def is_authenticator_code(self) -> bool:
        code = self.cleaned_data["code"].replace(" ", "")
        return code.isdigit() and len(code) == 6


class TwoFactorSetupForm(forms.Form):
    name = forms.CharField(
        label=_("Name of this device"),
        max_length=64,
        required=False,
        help_text=_("So you can tell your devices apart later, e.g. “Work phone”."),
    )
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        help_text=_("Enter the 6-digit code the app shows, to check that it is set up."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )

    def clean_code(self) -> int:
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Enter the 6 digits the app shows."))
        return int(code)


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        help_text=_("Asked again because this change affects how you sign in."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password


class LanguageForm(forms.Form):
    """The language of the user's own pages (a client's pages follow the client's)."""

    language = forms.ChoiceField(label=_("Language of your pages"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("The language of your browser")),
            *settings.LANGUAGES,
        ]


class TimeZoneForm(forms.Form):
    """The time zone of every date and time shown to the user (crisisplan.core.timezones)."""

    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        help_text=_("Where you work from: session times, saves and link openings show in it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = zone_choices()
