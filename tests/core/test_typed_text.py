"""What a failed save shows of a form's POST (crisisplan.core.http.form_typed_text and
crisisplan.plans.sections.typed_text): labels from code, no database (issue 19)."""

from __future__ import annotations

from django.http import QueryDict

from clients.forms import CheckInForm, ClientForm, RecordFollowUpForm
from crisisplan.core.http import form_typed_text
from crisisplan.plans.sections import typed_text


def post(**fields: str | list[str]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            data.appendlist(name, one)
    return data


def test_the_editor_post_reads_in_the_editors_words() -> None:
    data = post(
        **{
            "base_version": "3",
            "save_key": "0b6f3c1e-5a43-4b8e-9c4d-2f7a1e0c9d11",
            "warning_signs-0-text": "I pace at night",
            "warning_signs-5-text": "",
            "warning_signs-2-text": "I skip meals",
            "helpers-0-name": "Maya",
            "helpers-0-phone": "07700 900456",
            "helpers-0-whatsapp": "yes",
            "therapist-name": "Dr. Ito",
            "session_cut_off-who_calls": "client_calls",
            "change_note": "After Tuesday",
            "directory_shown": "12",
        }
    )
    assert typed_text(data) == [
        ("1. Warning signs that a crisis may be starting", ["I pace at night", "I skip meals"]),
        ("4. People I can ask for help", ["Name: Maya · Phone: 07700 900456 · On WhatsApp"]),
        ("5. Professionals and services I can contact", ["My therapist, Name: Dr. Ito"]),
        ("8. If our online session is cut off", ["If our session drops: I call my therapist"]),
        ("Change note", ["After Tuesday"]),
    ]


def test_invalid_values_are_shown_as_typed() -> None:
    data = post(**{"helpers-0-phone": "call me maybe", "session_cut_off-minutes": "soon"})
    assert typed_text(data) == [
        ("4. People I can ask for help", ["Phone: call me maybe"]),
        ("8. If our online session is cut off", ["We try to reconnect for (minutes): soon"]),
    ]


def test_a_form_post_reads_with_its_labels_and_no_query() -> None:
    # No django_db mark: pytest-django refuses any query this test would make.
    record = form_typed_text(ClientForm)(
        post(preferred_name="Nadia", country="LB", notes="Texts only", place_refresh="")
    )
    follow_up = form_typed_text(RecordFollowUpForm)(
        post(outcome="reached", plan_reviewed="on", note="Doing better")
    )
    check_in = form_typed_text(CheckInForm)(post(company="alone", place="At home"))
    assert record == [("", ["Preferred name: Nadia", "Country: LB", "Notes: Texts only"])]
    assert follow_up == [
        (
            "",
            [
                "Did you reach the client?: Reached",
                "Short note: Doing better",
                "We reviewed the crisis plan together",
            ],
        )
    ]
    assert check_in == [("", ["Address or landmark: At home", "Is the client alone?: Alone"])]
    assert form_typed_text(ClientForm)(post()) == []
