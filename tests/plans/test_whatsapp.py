"""Reaching a person the way people reach each other: the people of sections 3 and 4 get
call and text links, and WhatsApp where the therapist ticks it; the therapist's
after-hours number gets text and WhatsApp where the therapist allows them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client as HttpClient
from django.urls import reverse

from crisisplan.plans.models import Plan
from crisisplan.plans.sections import EditorState, PlanContent
from tests.factory import editor_form_data, make_client, make_plan


def post(**fields: str) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in fields.items():
        data[key.replace("__", "-")] = value
    return data


def helpers(content: PlanContent, country: str = "") -> list[Any]:
    (section,) = [s for s in content.display_sections(country=country) if s.section.number == 4]
    return [phone for item in section.parts[0].items for phone in item.phones]


def test_a_person_with_a_number_can_be_called_and_texted_and_whatsapp_is_ticked() -> None:
    content = PlanContent(
        {
            "helpers": [
                {"name": "Maya", "phone": "03 654 321", "whatsapp": "yes"},
                {"name": "Karim", "phone": "+961 71 222 333"},
            ]
        }
    )
    maya, karim = helpers(content, country="LB")
    assert maya.tel_href == "tel:03654321"
    assert maya.sms_href == "sms:03654321"
    # Normalised by libphonenumber for the client's country: Lebanon's +961.
    assert maya.whatsapp_href == "https://wa.me/9613654321"
    assert karim.sms_href == "sms:+96171222333"
    assert karim.whatsapp_href == ""  # not ticked


def test_section_3_people_too_but_not_other_numbers() -> None:
    content = PlanContent(
        {
            "distractions": [{"name": "Nour", "phone": "+961 3 111 222", "whatsapp": "yes"}],
            "professionals": [{"name": "Dr. Salem", "phone": "01 123 456"}],
            "session_cut_off": {"number": "+961 3 123 456"},
        }
    )
    shown = {s.section.number: s for s in content.display_sections(country="LB")}
    (nour,) = shown[3].parts[0].items[0].phones
    assert nour.sms_href and nour.whatsapp_href == "https://wa.me/9613111222"
    (salem,) = shown[5].parts[0].items[0].phones
    assert (salem.sms_href, salem.whatsapp_href) == ("", "")
    (cut_off,) = shown[8].parts[0].items[0].phones
    assert (cut_off.sms_href, cut_off.whatsapp_href) == ("", "")


def test_the_after_hours_number_is_texted_only_where_the_therapist_allows_it() -> None:
    def after_hours(**ticks: str) -> Any:
        therapist = {"name": "Dr. Ito", "after_hours": "+44 20 7946 0999", **ticks}
        section = next(
            s
            for s in PlanContent({"therapist": therapist}).display_sections(country="LB")
            if s.section.number == 5
        )
        return next(p for item in section.parts[0].items for p in item.phones)

    plain = after_hours()
    assert (plain.sms_href, plain.whatsapp_href) == ("", "")
    texts = after_hours(after_hours_texts="yes")
    assert texts.sms_href == "sms:+442079460999" and texts.whatsapp_href == ""
    both = after_hours(after_hours_texts="yes", after_hours_whatsapp="yes")
    assert both.whatsapp_href == "https://wa.me/442079460999"
    assert str(both) == "After-hours phone: +44 20 7946 0999 (texts, WhatsApp)"


def test_a_tick_changes_what_the_diff_shows() -> None:
    before = PlanContent({"helpers": [{"name": "Maya", "phone": "+961 3 654 321"}]})
    after = PlanContent(
        {"helpers": [{"name": "Maya", "phone": "+961 3 654 321", "whatsapp": "yes"}]}
    )
    (changed,) = [s for s in before.diff(after) if s.changed]
    assert changed.added == ["Maya — +961 3 654 321 (WhatsApp)"]
    assert changed.removed == ["Maya — +961 3 654 321"]


def test_the_editor_keeps_ticks_and_a_tick_alone_is_an_empty_row() -> None:
    state = EditorState.from_post(
        post(
            helpers__0__name="Maya",
            helpers__0__phone="+961 3 654 321",
            helpers__0__whatsapp="yes",
            helpers__1__whatsapp="yes",  # ticked on an empty row: nothing to save
        ),
        country="LB",
    )
    assert state.is_valid, state.errors
    assert state.content.to_json()["helpers"] == [
        {"name": "Maya", "phone": "+961 3 654 321", "whatsapp": "yes"}
    ]


@pytest.mark.parametrize(
    ("fields", "error_key", "message"),
    [
        (
            {"helpers__0__name": "Maya", "helpers__0__whatsapp": "yes"},
            ("helpers", 0, "whatsapp"),
            "add the number in “Phone” too",
        ),
        (
            # A local number of another country than the client's (Lebanon).
            {
                "helpers__0__name": "Sam",
                "helpers__0__phone": "0113 496 0000",
                "helpers__0__whatsapp": "yes",
            },
            ("helpers", 0, "whatsapp"),
            "is not a number of Lebanon. Write it as +…",
        ),
        (
            {
                "helpers__0__name": "Sam",
                "helpers__0__phone": "+961 3 654 321",
                "helpers__0__whatsapp": "on",
            },
            ("helpers", 0, "whatsapp"),
            "tick the box or leave it empty",
        ),
        (
            {"therapist__name": "Dr. Ito", "therapist__after_hours_texts": "yes"},
            ("therapist", None, "after_hours_texts"),
            "add the number in “After-hours phone” too",
        ),
    ],
)
def test_ticks_that_cannot_work_are_refused_with_a_clear_message(
    fields: dict[str, str], error_key: tuple[Any, ...], message: str
) -> None:
    state = EditorState.from_post(post(**fields), country="LB")
    assert not state.is_valid
    assert message in state.errors[error_key]


def test_a_number_with_its_own_error_gets_no_second_one_about_whatsapp() -> None:
    state = EditorState.from_post(
        post(helpers__0__name="Sam", helpers__0__phone="not a number", helpers__0__whatsapp="yes"),
        country="LB",
    )
    assert set(state.errors) == {("helpers", 0, "phone")}


# --- in the browser's HTML ----------------------------------------------------------------


@pytest.fixture
def record(alice: Any) -> Any:
    return make_client(alice, preferred_name="Rana", country="LB", subdivision="")


@pytest.mark.django_db
def test_the_editor_offers_the_ticks_and_saves_them(alice_client: HttpClient, record: Any) -> None:
    url = reverse("plans:edit", args=[record.pk])
    page = alice_client.get(url).content.decode()
    assert re.search(
        r'<input type="checkbox" name="helpers-0-whatsapp" value="yes"',
        page,
    )
    assert 'name="distractions-0-whatsapp"' in page
    assert 'name="therapist-after_hours_texts"' in page
    assert 'name="therapist-after_hours_whatsapp"' in page
    content = PlanContent(
        {
            "helpers": [{"name": "Maya", "phone": "03 654 321", "whatsapp": "yes"}],
            "therapist": {"after_hours": "+44 20 7946 0999", "after_hours_texts": "yes"},
        }
    )
    response = alice_client.post(url, editor_form_data(content, 0))
    assert response.status_code == 302
    plan = Plan.objects.get(client=record)
    assert PlanContent(plan.version(1).content) == content
    again = alice_client.get(url).content.decode()
    assert re.search(r'name="helpers-0-whatsapp" value="yes" checked', again)


@pytest.mark.django_db
def test_a_refused_tick_keeps_everything_typed(alice_client: HttpClient, record: Any) -> None:
    url = reverse("plans:edit", args=[record.pk])
    data = {
        "base_version": "0",
        "change_note": "",
        "helpers-0-name": "Sam",
        "helpers-0-phone": "0113 496 0000",
        "helpers-0-whatsapp": "yes",
    }
    response = alice_client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a number of Lebanon. Write it as +…" in page
    assert 'value="0113 496 0000"' in page
    assert re.search(r'name="helpers-0-whatsapp" value="yes" checked', page)
    assert not Plan.objects.filter(client=record, current_number__gt=0).exists()


@pytest.mark.django_db
def test_the_preview_shows_text_and_whatsapp_links_opened_outside(
    alice_client: HttpClient, record: Any
) -> None:
    plan = make_plan(
        record,
        PlanContent({"helpers": [{"name": "Maya", "phone": "03 654 321", "whatsapp": "yes"}]}),
    )
    page = alice_client.get(reverse("plans:preview", args=[record.pk])).content.decode()
    assert plan.current_number == 1
    assert 'href="tel:03654321"' in page
    assert 'href="sms:03654321"' in page
    assert re.search(
        r'<a class="plan-reach-link" href="https://wa.me/9613654321" target="_blank" '
        r'rel="noopener noreferrer">WhatsApp',
        page,
    )
