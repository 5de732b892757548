"""Phone numbers as operators publish them, and the links made from them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from hotlines.models import ContactMethod, Service
from hotlines.phones import (
    sms_href,
    split_instructions,
    tel_href,
    validate_international_phone,
    validate_phone,
)

SEED = Path(settings.BASE_DIR) / "hotlines" / "data" / "hotlines_seed.csv"


def seed_numbers() -> list[str]:
    with SEED.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    numbers = {split_instructions(r["phone"])[0] for r in rows} | {r["sms"] for r in rows}
    return sorted(numbers - {""})


@pytest.mark.parametrize("number", seed_numbers())
def test_every_number_in_the_starter_data_is_accepted(number: str) -> None:
    validate_phone(number)


@pytest.mark.parametrize(
    "number",
    ["112", "15", "1564", "116 123", "0800-999-0091", "(02) 2327 2327", "+44 20 7946 0000"],
)
def test_short_codes_and_local_formats_are_accepted(number: str) -> None:
    validate_phone(number)


@pytest.mark.parametrize("number", ["*4141", "*123#", "#31#", "*99#", "**21*12#"])
def test_numbers_dialled_with_a_star_or_hash_are_accepted(number: str) -> None:
    validate_phone(number)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("*", "between 2 and 15 digits"),
        ("#", "between 2 and 15 digits"),
        ("*#", "between 2 and 15 digits"),
        ("*4", "between 2 and 15 digits"),
        ("*41a1", "dialled with a star or hash holds only digits"),
        ("*SAKINA", "dialled with a star or hash holds only digits"),
        ("*41 41", "dialled with a star or hash holds only digits"),
        ("+*4141", "dialled with a star or hash holds only digits"),
        ("*1234567890123456", "between 2 and 15 digits"),
        ("call us", "is not a phone number"),
        ("abc", "is not a phone number"),
        ("112a", "is not a phone number"),
        ("1", "between 2 and 15 digits"),
        ("1234 5678 9012 3456", "between 2 and 15 digits"),
        ("112; DROP TABLE", "is not a phone number"),
        ("(112", "is not a phone number"),
        ("+1 2", "not a possible international number"),
        ("", "Enter a phone number"),
    ],
)
def test_anything_else_is_rejected_with_a_message(number: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_phone(number)


@pytest.mark.parametrize(
    ("number", "href"),
    [
        ("112", "tel:112"),
        ("116 123", "tel:116123"),
        ("1-800-668-6868", "tel:18006686868"),
        ("(02) 2327 2327", "tel:0223272327"),
        ("+254 722 178 177", "tel:+254722178177"),
        ("+44 (0)20 7946 0000", "tel:+442079460000"),
        ("800 SAKINA", "tel:800725462"),
        ("*4141", "tel:*4141"),
        ("*123#", "tel:*123%23"),
        ("#31#", "tel:%2331%23"),
    ],
)
def test_tel_links_hold_only_digits_and_a_leading_plus(number: str, href: str) -> None:
    assert tel_href(number) == href


def test_sms_links_carry_the_keyword_url_encoded() -> None:
    assert sms_href("741741") == "sms:741741"
    assert sms_href("741741", "HOME") == "sms:741741?body=HOME"
    assert sms_href("0477 13 11 14", "HELP ME & now") == "sms:0477131114?body=HELP%20ME%20%26%20now"


def test_a_star_number_is_never_offered_for_texting() -> None:
    assert sms_href("*4141") == ""
    assert sms_href("*4141", "HELP") == ""


def test_a_number_from_abroad_is_international() -> None:
    validate_international_phone("+961 1 123 456")
    for number, message in [
        ("140", "starts with +"),
        ("*4141", "starts with +"),
        ("+1 2", "not a possible"),
    ]:
        with pytest.raises(ValidationError, match=message):
            validate_international_phone(number)


def test_instructions_are_split_from_the_number() -> None:
    assert split_instructions("988 (then press 1)") == ("988", "then press 1")
    assert split_instructions("808 24 24 24 (option 4)") == ("808 24 24 24", "option 4")
    assert split_instructions("(02) 2327 2327") == ("(02) 2327 2327", "")


@pytest.mark.django_db
def test_a_contact_method_is_checked_by_its_kind() -> None:
    service = Service.objects.create(name="X", country="DE", kind="crisis_line")

    with pytest.raises(ValidationError) as phone_error:
        ContactMethod(service=service, kind="phone", value="ring ring").full_clean()
    assert "is not a phone number" in str(phone_error.value.message_dict["value"])

    with pytest.raises(ValidationError) as url_error:
        ContactMethod(service=service, kind="chat", value="javascript:alert(1)").full_clean()
    assert "web address" in str(url_error.value.message_dict["value"])

    with pytest.raises(ValidationError) as keyword_error:
        ContactMethod(service=service, kind="phone", value="112", sms_keyword="HOME").full_clean()
    assert "sms_keyword" in keyword_error.value.message_dict

    method = ContactMethod(service=service, kind="sms", value="741741", sms_keyword="HOME")
    method.full_clean()
    assert method.href == "sms:741741?body=HOME"

    star = ContactMethod(service=service, kind="phone", value="*4141")
    star.full_clean()
    assert (star.href, star.display_value, star.is_star_code) == ("tel:*4141", "*4141", True)
    with pytest.raises(ValidationError) as texting:
        ContactMethod(service=service, kind="sms", value="*4141").full_clean()
    assert "cannot receive text messages" in str(texting.value.message_dict["value"])
