"""Forms of the plan pages. The plan's content itself is parsed by
crisisplan.plans.sections.EditorState (its rows come and go, which a Django form does not fit).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_CHANGE_NOTE = 500


class ChangeNoteForm(forms.Form):
    change_note = forms.CharField(
        label=_("Change note"),
        required=False,
        max_length=MAX_CHANGE_NOTE,
        error_messages={
            "max_length": _(
                "A change note has at most %(limit_value)d characters (this has %(show_value)d)."
            )
        },
    )


class NextReviewForm(forms.Form):
    next_review_on = forms.DateField(
        label=_("Next review"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for no review date."),
        error_messages={"invalid": _("Enter a date like 2026-03-31.")},
    )


class CompareForm(forms.Form):
    a = forms.IntegerField(label=_("Compare version"), min_value=1)
    b = forms.IntegerField(label=_("with version"), min_value=1)
