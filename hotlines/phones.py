"""Phone numbers as operators publish them, and the tel:/sms: links made from them.

A directory number is kept as the operator writes it ("116 123", "0800 111 0 111",
"1-800-668-6868", "800 SAKINA"), because that is what a person recognises and reads out.
Links are built from it: digits only, a leading + kept, vanity letters turned into the
digits of a phone keypad (ITU E.161), and the "(0)" trunk prefix dropped from an
international number. Short codes (112, 1564) have no international form, so numbers
are not normalised to E.164.

Some services are dialled with a star or a hash ("*4141", Chile's suicide-prevention
line): such a value holds only digits, `*` and `#`, is shown as written, and its tel:
link keeps the `*` and writes `#` as `%23` (RFC 3966). It cannot receive a text message.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

PHONE_HELP = _(
    "As it is dialled locally: digits with spaces, dashes, dots or brackets, a leading + "
    "for an international number, e.g. 112, 116 123, 1-800-668-6868 or +44 20 7946 0000; "
    "a number dialled with a star or hash holds only digits, * and #, e.g. *4141."
)

# Digits and separators, optionally followed by a vanity word in capitals ("800 SAKINA").
_PHONE_SHAPE = re.compile(r"^\+?[\d(][\d ().\-]*(?:[A-Z]{3,}[A-Z\d .\-]*)?$")
# A number dialled with a star or hash (a "star code"): digits, * and # only.
_STAR_CODE = re.compile(r"^[\d*#]+$")
# A trailing bracket holding words is an instruction, not part of the number:
# "988 (then press 1)", "808 24 24 24 (option 4)".
_INSTRUCTIONS = re.compile(r"^(?P<number>.*?)\s*\((?P<instructions>[^()]*[A-Za-z][^()]*)\)$")
_KEYPAD = {
    letter: digit
    for digit, letters in {
        "2": "ABC",
        "3": "DEF",
        "4": "GHI",
        "5": "JKL",
        "6": "MNO",
        "7": "PQRS",
        "8": "TUV",
        "9": "WXYZ",
    }.items()
    for letter in letters
}
MAX_DIGITS = 15  # E.164


def split_instructions(text: str) -> tuple[str, str]:
    """Split "988 (then press 1)" into ("988", "then press 1")."""
    text = text.strip()
    match = _INSTRUCTIONS.match(text)
    if match and match["number"]:
        return match["number"].strip(), match["instructions"].strip()
    return text, ""


def join_instructions(number: str, instructions: str) -> str:
    return f"{number} ({instructions})" if instructions else number


def is_star_code(number: str) -> bool:
    """Dialled with a star or hash (*4141): no international form, no text messages."""
    return "*" in number or "#" in number


def dial_string(number: str) -> str:
    """The characters a phone dials: digits, with a leading + kept (and * and # kept in a
    star code)."""
    number = number.strip()
    if is_star_code(number):
        return "".join(ch for ch in number if ch.isdigit() or ch in "*#")
    international = number.startswith("+")
    if international:
        number = number.replace("(0)", "")
    digits = "".join(_KEYPAD.get(ch, ch) for ch in number if ch.isdigit() or ch in _KEYPAD)
    return f"+{digits}" if international else digits


def validate_phone(number: str) -> None:
    """Raise ValidationError unless `number` is a number as operators publish them."""
    value = number.strip()
    if not value:
        raise ValidationError(_("Enter a phone number."), code="required")
    if is_star_code(value):
        _validate_star_code(value)
        return
    if not _PHONE_SHAPE.match(value) or value.count("(") != value.count(")"):
        raise ValidationError(
            format_lazy("{} {}", _("“%(value)s” is not a phone number."), PHONE_HELP),
            code="invalid_phone",
            params={"value": value},
        )
    digits = dial_string(value).lstrip("+")
    if not 2 <= len(digits) <= MAX_DIGITS:
        raise ValidationError(
            _("A phone number has between 2 and 15 digits; “%(value)s” has %(count)d."),
            code="invalid_phone_length",
            params={"value": value, "count": len(digits)},
        )
    if value.startswith("+"):
        try:
            possible = phonenumbers.is_possible_number(phonenumbers.parse(dial_string(value)))
        except phonenumbers.NumberParseException:
            possible = False
        if not possible:
            raise ValidationError(
                _(
                    "“%(value)s” is not a possible international number: check the country "
                    "code and the digits."
                ),
                code="invalid_phone_international",
                params={"value": value},
            )


def _validate_star_code(value: str) -> None:
    if not _STAR_CODE.match(value):
        raise ValidationError(
            _(
                "“%(value)s” is not a phone number: a number dialled with a star or hash holds "
                "only digits, * and # (no spaces or letters), e.g. *4141."
            ),
            code="invalid_star_code",
            params={"value": value},
        )
    digits = sum(ch.isdigit() for ch in value)
    if not 2 <= digits <= MAX_DIGITS:
        raise ValidationError(
            _("A phone number has between 2 and 15 digits; “%(value)s” has %(count)d."),
            code="invalid_phone_length",
            params={"value": value, "count": digits},
        )


def validate_international_phone(number: str) -> None:
    """A full international number (+ and country code), dialable from any country."""
    validate_phone(number)
    if not number.strip().startswith("+"):
        raise ValidationError(
            _("A number from abroad starts with + and the country code, e.g. +961 1 123 456."),
            code="not_international",
        )


def validate_textable(number: str) -> None:
    """Raise ValidationError if `number` cannot receive a text message (a star code)."""
    if is_star_code(number):
        raise ValidationError(
            _("“%(value)s” is dialled with a star or hash and cannot receive text messages."),
            code="star_code_sms",
            params={"value": number.strip()},
        )


def tel_href(number: str) -> str:
    """A tel: URI; in a star code the * stays and # is written %23 (RFC 3966)."""
    return "tel:" + dial_string(number).replace("#", "%23")


def sms_href(number: str, keyword: str = "") -> str:
    """An RFC 5724 sms: URI, with the keyword as the message body where one is needed;
    "" for a star code, which cannot receive texts."""
    if is_star_code(number):
        return ""
    href = f"sms:{dial_string(number)}"
    if keyword:
        href += "?body=" + quote(keyword, safe="")
    return href


def international_number(number: str, country: str = "") -> str:
    """The number in E.164 form ("+9613111222"), read as dialled in ``country`` (ISO
    3166-1) unless it starts with +; "" when libphonenumber does not know it as a valid
    number there (a short code, a typo, a number of another country without its +)."""
    try:
        parsed = phonenumbers.parse(dial_string(number), (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def whatsapp_href(number: str, country: str = "") -> str:
    """WhatsApp's click-to-chat link (https://wa.me/<E.164 digits>), or "" for a number
    that cannot be made international (see international_number)."""
    e164 = international_number(number, country)
    return f"https://wa.me/{e164.lstrip('+')}" if e164 else ""
