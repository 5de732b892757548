"""The plan speaks as a careful clinician would (issue 15): section 8 as one agreement in
the client's voice, location and consent, the therapist-only guidance of section 6,
brief items, how to use the plan, "reviewed together", completeness hints, keeping the
plan at hand, and the demo plan as a model."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from crisisplan.core.models import AuditEvent
from crisisplan.links.models import PrivateLink
from crisisplan.plans.models import Plan
from crisisplan.plans.sections import PARTS, SECTIONS, EditorState, PlanContent
from tests.factory import editor_form_data, full_content, make_client, make_plan, make_service

pytestmark = pytest.mark.django_db

CUT_OFF = PARTS["session_cut_off"]


def sentences(record: dict[str, str]) -> list[str]:
    return [str(item) for item in PlanContent({"session_cut_off": record}).items(CUT_OFF)]


@pytest.fixture
def lebanon() -> None:
    make_service("Police", country="LB", kind="emergency", phone="112", topics=["police"])
    make_service(
        "Red Cross ambulance", country="LB", kind="emergency", phone="140", topics=["ambulance"]
    )
    make_service("Embrace LifeLine", country="LB", phone="1564")


@pytest.fixture
def record(alice: Any) -> Client:
    return make_client(
        alice,
        preferred_name="Rana",
        country="LB",
        subdivision="",
        city="Beirut",
        emergency_contact_name="Maya",
        emergency_contact_phone="+961 3 654 321",
    )


@pytest.fixture
def plan(record: Client) -> Plan:
    plan = make_plan(record, full_content(2))
    plan.publish(plan.version(1), record.therapist)
    return plan


def client_page(plan: Plan) -> str:
    _link, token = PrivateLink.issue(plan, plan.client.therapist)
    browser = HttpClient()
    opened = browser.post(reverse("links:landing", args=[token]))
    assert opened.status_code == 302
    return browser.get(opened["Location"]).content.decode()


def between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


# --- 1. section 8: one agreement, in the client's voice ----------------------------------


def test_section_8_reads_as_sentences_with_the_condition_first() -> None:
    assert sentences(
        {
            "who_calls": "therapist_calls",
            "number": "+961 3 123 456",
            "minutes": "5",
            "then": "I call the after-hours number",
            "no_answer": "I leave a message and try again in 10 minutes",
            "contact_if": "we can't reconnect within 15 minutes",
            "services_if": "I am in danger and nobody can reach me.",
        }
    ) == [
        "If our online session is cut off, my therapist calls me on +961 3 123 456.",
        "If we can't reconnect within 5 minutes, I call the after-hours number.",
        "If I call my therapist and they don't answer, I leave a message and try again in "
        "10 minutes.",
        "My therapist calls my emergency contact if we can't reconnect within 15 minutes.",
        "My therapist calls emergency services where I am if I am in danger and nobody can "
        "reach me.",
    ]
    assert sentences({"who_calls": "client_calls", "number": "0113 496 0000", "minutes": "1"}) == [
        "If our online session is cut off, I call my therapist on 0113 496 0000.",
        "We try to reconnect for 1 minute.",
    ]


def test_on_the_clients_page_section_8_is_one_paragraph_and_says_what_to_do_if_unsafe(
    lebanon: None, plan: Plan
) -> None:
    html = client_page(plan)
    section = between(html, 'id="plan-session_cut_off"', "</section>")
    agreement = between(section, '<p class="plan-agreement">', "</p>")
    assert 'my therapist calls me on <a class="plan-phone" href="tel:07700900123">' in agreement
    # "I" is always the client: the therapist is "my therapist", never "I".
    assert "If I call my therapist and they don&#x27;t answer" in agreement
    assert "the therapist" not in agreement and "<ul" not in section
    unsafe = between(section, '<p class="plan-unsafe">', "</p>")
    assert "If you feel unsafe, don't wait: call" in unsafe
    assert unsafe.index('href="tel:1564"') < unsafe.index('href="tel:140"')
    assert "At the start of each session, I tell my therapist where I am." in section
    assert "they say only what is needed to keep me safe" in section
    assert "someone may come to me in person" in section


def test_a_plan_of_the_first_shape_stays_readable_and_the_editor_offers_to_reword_it(
    alice_client: HttpClient, record: Client
) -> None:
    old = {
        "schema": 1,
        "session_cut_off": {
            "who_calls": "therapist_calls",
            "number": "07700 900123",
            "minutes": "5",
            "emergency_contact_when": "If I cannot reach you within 15 minutes, I call Maya.",
            "emergency_services_when": "",
        },
    }
    content = PlanContent(old)
    assert [str(i) for i in content.items(CUT_OFF)] == [
        "If our online session is cut off, my therapist calls me on 07700 900123.",
        "We try to reconnect for 5 minutes.",
        "When my therapist contacts my emergency contact: If I cannot reach you within 15 "
        "minutes, I call Maya.",
    ]
    make_plan(record, content)
    editor = alice_client.get(reverse("plans:edit", args=[record.pk])).content.decode()
    assert "Earlier wording: when the therapist contacts my emergency contact" in editor
    assert "Earlier wording: when the therapist contacts emergency services" not in editor
    assert "Section 8 has text in its earlier wording" in editor
    # Saved again as it was, nothing is lost; emptied, the old field is gone.
    data = editor_form_data(content, 1)
    alice_client.post(reverse("plans:edit", args=[record.pk]), data)
    data["session_cut_off-emergency_contact_when"] = ""
    data["session_cut_off-contact_if"] = "we can't reconnect within 15 minutes"
    data["base_version"] = "1"
    data["change_note"] = "Reworded section 8"
    alice_client.post(reverse("plans:edit", args=[record.pk]), data)
    plan = Plan.objects.get(client=record)
    assert plan.current_number == 2
    saved = PlanContent(plan.version(2).content)
    assert saved.data["session_cut_off"]["emergency_contact_when"] == ""
    assert saved.data["session_cut_off"]["contact_if"] == "we can't reconnect within 15 minutes"
    editor = alice_client.get(reverse("plans:edit", args=[record.pk])).content.decode()
    assert "Earlier wording" not in editor


# --- 2. location and consent -------------------------------------------------------------


def test_a_city_alone_is_not_an_address_and_consent_is_shown_and_hinted(
    alice_client: HttpClient, plan: Plan
) -> None:
    record = plan.client
    edit = reverse("plans:edit", args=[record.pk])
    page = alice_client.get(edit).content.decode()
    assert "The client record has no street address" in page
    assert "The client record has no consent from the client" in page
    assert re.search(r"Consent to call them</dt><dd><strong>Not recorded", page)
    record.street_address = "Olive Tree Street 27"
    record.emergency_contact_consent = True
    record.emergency_contact_consent_date = datetime.date(2026, 3, 1)
    record.save()
    page = alice_client.get(edit).content.decode()
    assert "no street address" not in page and "no consent" not in page
    assert "Consent to call them</dt><dd>Given on 1 March 2026" in page


# --- 3. section 6: guidance for the therapist, the agreed action for the client ---------------


def test_section_6_guidance_is_for_the_therapist_only(
    alice_client: HttpClient, lebanon: None, plan: Plan
) -> None:
    editor = alice_client.get(reverse("plans:edit", args=[plan.client.pk])).content.decode()
    guidance = between(editor, 'id="section-safer"', "</details>")
    assert "For you, not shown to the client" in guidance
    assert "medication and firearms" in guidance
    assert "a trusted person" in guidance and "can be temporary" in guidance
    for page in (
        client_page(plan),
        alice_client.get(reverse("plans:preview", args=[plan.client.pk])).content.decode(),
    ):
        assert "firearms" not in page and "not shown to the client" not in page


# --- 4. brief, and sections 3 and 4 told apart ---------------------------------------------


def test_the_editor_asks_for_a_few_items_and_tells_sections_3_and_4_apart(
    alice_client: HttpClient, plan: Plan
) -> None:
    editor = alice_client.get(reverse("plans:edit", args=[plan.client.pk])).content.decode()
    assert "Up to 30" not in editor and "each up to" not in editor
    assert editor.count("A few specific items, in the client&#x27;s own words.") >= 5
    three, four = SECTIONS[2].help, SECTIONS[3].help
    assert "without talking about the crisis" in three
    assert "would actually tell" in four


# --- 5. how to use the plan --------------------------------------------------------------


def test_how_to_use_the_plan_comes_first(lebanon: None, plan: Plan) -> None:
    html = client_page(plan)
    how = between(html, 'class="plan-how"', "</section>")
    assert html.index('class="plan-how"') < html.index('id="plan-warning_signs"')
    assert "start at step 1. If a step doesn't help, go on to the next one." in how
    assert "If you are in danger, don't go step by step: get help now." in how
    assert 'href="tel:140"' in how  # the "in danger" number, also on paper
    assert "Opening this plan alerts no one. Your therapist can see when it was opened." in how


# --- 6. reviewed together ----------------------------------------------------------------


def test_reviewed_together_has_its_own_date_which_publishing_leaves_alone(
    alice: Any, alice_client: HttpClient, lebanon: None, plan: Plan
) -> None:
    assert plan.reviewed_on is None
    assert "Last reviewed" not in client_page(plan)  # published is not reviewed

    response = alice_client.post(reverse("plans:reviewed", args=[plan.client.pk]))
    assert response.status_code == 302
    plan.refresh_from_db()
    today = timezone.localdate()
    assert plan.reviewed_on == today
    assert plan.next_review_on == today + Plan.REVIEW_EVERY  # none was set
    event = AuditEvent.objects.for_client(plan.client_id).first()
    assert event.detail["fields"] == ["reviewed_on", "next_review_on"]

    plan.reviewed_on = datetime.date(2026, 1, 15)
    plan.next_review_on = today + datetime.timedelta(days=3)
    plan.save(update_fields=["reviewed_on", "next_review_on"])
    plan.publish(plan.save_version(alice, full_content(3), 1), alice)
    plan.refresh_from_db()
    assert plan.reviewed_on == datetime.date(2026, 1, 15)  # a publication is not a review
    assert "Last reviewed with your therapist on <time" in client_page(plan)
    assert ">15 January 2026</time>" in client_page(plan)

    dashboard = alice_client.get(reverse("clients:dashboard")).content.decode()
    assert "Review due " in dashboard
    plan.next_review_on = today - datetime.timedelta(days=1)
    plan.save(update_fields=["next_review_on"])
    dashboard = alice_client.get(reverse("clients:dashboard")).content.decode()
    assert "Review overdue since" in dashboard
    alice_client.post(reverse("plans:reviewed", args=[plan.client.pk]))
    plan.refresh_from_db()
    assert plan.next_review_on == today + Plan.REVIEW_EVERY
    # A later review date the therapist chose stays.
    plan.next_review_on = today + datetime.timedelta(days=200)
    plan.save(update_fields=["next_review_on"])
    plan.mark_reviewed(alice)
    plan.refresh_from_db()
    assert plan.next_review_on == today + datetime.timedelta(days=200)


def test_reviewed_together_needs_a_saved_plan(alice_client: HttpClient, record: Client) -> None:
    response = alice_client.post(reverse("plans:reviewed", args=[record.pk]), follow=True)
    assert "Save the plan before recording a review." in response.content.decode()
    assert not Plan.objects.filter(client=record).exists()


# --- 7. completeness hints, on the versions page too ---------------------------------------


def test_hints_name_the_gaps_a_careful_therapist_would_fill(record: Client) -> None:
    content = full_content(1)
    content.data["safer"] = []
    content.data["reasons"] = []
    content.data["therapist"]["after_hours_note"] = ""
    plan = make_plan(record, content)
    hints = plan.hints(content)
    assert hints[0].startswith("Section 6 is empty")
    assert any(h.startswith("Section 7 is empty") for h in hints)
    assert any("looks available day and night" in h for h in hints)
    assert any(h.startswith("No review date is set") for h in hints)
    plan.next_review_on = datetime.date(2020, 5, 1)
    assert any("The review date, 1 May 2020, has passed" in h for h in plan.hints(content))
    empty = PlanContent()
    assert any(h.startswith("Section 1 ") for h in plan.hints(empty))
    assert any(h.startswith("Section 2 ") for h in plan.hints(empty))


def test_the_versions_page_shows_the_hints_where_it_publishes(
    alice_client: HttpClient, record: Client
) -> None:
    content = full_content(1)
    content.data["safer"] = []
    make_plan(record, content)
    page = alice_client.get(reverse("plans:versions", args=[record.pk])).content.decode()
    hints = between(page, 'aria-labelledby="hints-heading"', "</section>")
    assert "Section 6 is empty" in hints and "For version 1, the latest." in hints


# --- 8. keeping the plan at hand --------------------------------------------------------------


def test_the_plan_says_where_it_is_kept_whom_it_is_shared_with_and_what_may_get_in_the_way(
    lebanon: None, plan: Plan
) -> None:
    html = client_page(plan)
    section = between(html, 'id="plan-follow_through"', "</section>")
    assert "Keeping my plan at hand" in section
    for label, text in (
        ("Where I keep it", "On my phone"),
        ("Whom I share it with", "Sam"),
        ("What might get in the way", "Forgetting it"),
        ("What I will do then", "A reminder on my phone"),
    ):
        assert f'<span class="plan-item-label">{label}:</span> {text}' in section


def test_the_editor_round_trips_the_new_fields() -> None:
    content = full_content(1)
    data = editor_form_data(content, 0)
    state = EditorState.from_post(_querydict(data))
    assert state.is_valid and state.content == content


def _querydict(data: dict[str, Any]) -> Any:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            query.appendlist(key, one)
    return query


# --- 9. the demo plan is a model --------------------------------------------------------------


def test_the_demo_plan_is_a_model_a_new_therapist_can_copy(settings: Any) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    record = next(c for c in Client.objects.select_related("data_key") if c.country == "LB")
    plan = Plan.objects.get(client=record)
    content = plan.published_content()
    data = content.data
    note = data["therapist"]["after_hours_note"]
    assert note.index("1564") < note.index("140") < note.index("112")
    assert "danger" in note[note.index("1564") : note.index("140")]
    ed = data["emergency_department"]
    assert "Hospital" in ed["name"] and re.search(r"\d", ed["address"])
    assert ed["phone"] not in {"112", "140", "125", "175"}
    assert record.street_address and record.city
    assert len(data["safer"]) >= 2
    # The roles are spread: the emergency contact is not the only person in the plan.
    safer_people = {
        word for row in data["safer"] for word in ("Maya", "Karim", "Nour") if word in row["text"]
    }
    assert len(safer_people) >= 2 and record.emergency_contact_name.startswith("Maya")
    assert plan.reviewed_on is not None and plan.next_review_on > plan.reviewed_on
    assert record.emergency_contact_consent
    # A model plan leaves nothing for the hints to ask.
    assert plan.hints(content) == []
