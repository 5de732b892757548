"""Text a person types: characters no text field of ours accepts.

NUL ends a string early in C libraries and cannot be stored by PostgreSQL. The Unicode
bidirectional embedding, override and isolate controls (U+202A to U+202E, U+2066 to U+2069)
make text display in an order other than the one it is stored in: a name, a number or a
note that reads one way on screen and another way in the database, an export or a
phone's dialler. Plain text never needs them (Arabic and Hebrew display right to left
without them; the marks U+200E, U+200F and U+061C stay allowed).

Every form text field refuses them with one message (``refuse_in_every_text_field``,
called once at start-up, puts the check in front of Django's ``forms.CharField.clean``,
so it covers our forms, the admin's and Django's own, whichever package defines them);
the plan editor, which is not a Django form, asks ``unsafe_text_error`` for each value.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

UNSAFE_CHARACTERS = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")

UNSAFE_TEXT_MESSAGE = _(
    "This text contains an invisible control character (a null character or a "
    "text-direction control, often brought in by copying and pasting), which is not "
    "allowed. Type the text again instead of pasting it."
)
UNSAFE_TEXT_CODE = "unsafe_characters"


def has_unsafe_characters(value: Any) -> bool:
    """Whether ``value`` (a string, or a list of strings as a multiple field sends) holds
    NUL or a bidirectional control."""
    if isinstance(value, str):
        return UNSAFE_CHARACTERS.search(value) is not None
    if isinstance(value, list | tuple):
        return any(has_unsafe_characters(item) for item in value)
    return False


def refuse_unsafe_characters(value: Any) -> None:
    """A validator: ValidationError with the one message for NUL and bidi controls."""
    if has_unsafe_characters(value):
        raise ValidationError(UNSAFE_TEXT_MESSAGE, code=UNSAFE_TEXT_CODE)


def unsafe_text_error(value: str) -> str:
    """The message for a value holding NUL or a bidi control, else ""."""
    return str(UNSAFE_TEXT_MESSAGE) if has_unsafe_characters(value) else ""


def refuse_in_every_text_field() -> None:
    """Make every ``forms.CharField`` (and subclass: email, URL, UUID, the admin's and
    Django's auth forms) check the raw value first. Django itself puts its NUL check in
    every CharField; this one replaces it with a wider one, answered before any other
    check so that the message says what is wrong. Idempotent."""
    clean = forms.CharField.clean
    if getattr(clean, "refuses_unsafe_characters", False):
        return

    @functools.wraps(clean)
    def checked_clean(self: forms.CharField, value: Any) -> Any:
        refuse_unsafe_characters(value)
        return clean(self, value)

    checked_clean.refuses_unsafe_characters = True  # type: ignore[attr-defined]
    forms.CharField.clean = checked_clean  # type: ignore[method-assign]
