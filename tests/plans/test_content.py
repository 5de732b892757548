"""The plan's content: parsing the editor's form, limits, order, diffs and hints (no DB)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.http import QueryDict

from crisisplan.plans.sections import (
    MAX_ITEMS,
    MAX_TEXT,
    SECTIONS,
    EditorState,
    PlanContent,
    changed_sections,
)


def post(pairs: list[tuple[str, str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    return data


def test_the_design_sections_then_keeping_the_plan_at_hand() -> None:
    assert [s.number for s in SECTIONS] == list(range(1, 10))
    titles = [s.title for s in SECTIONS]
    assert titles[0] == "Warning signs that a crisis may be starting"
    assert titles[3] == "People I can ask for help"
    assert titles[7] == "If our online session is cut off"
    assert titles[8] == "Keeping my plan at hand"


def test_empty_rows_are_ignored_and_order_is_kept() -> None:
    state = EditorState.from_post(
        post(
            [
                ("warning_signs-0-text", "  Not sleeping  "),
                ("warning_signs-1-text", ""),
                ("warning_signs-2-text", "Pulling away from friends"),
                ("helpers-0-name", ""),
                ("helpers-0-phone", ""),
                ("helpers-1-name", "Sam"),
                ("helpers-1-phone", "+44 20 7946 0000"),
            ]
        )
    )
    assert state.is_valid and state.wants_save
    data = state.content.to_json()
    assert data["warning_signs"] == [
        {"text": "Not sleeping"},
        {"text": "Pulling away from friends"},
    ]
    assert data["helpers"] == [{"name": "Sam", "phone": "+44 20 7946 0000", "whatsapp": ""}]
    json.dumps(data)  # serialisable


def test_rows_follow_document_order_not_index() -> None:
    # The JavaScript moves rows in the page without renaming their inputs.
    state = EditorState.from_post(
        post([("coping-3-text", "Walk"), ("coping-0-text", "Music"), ("coping-7-text", "Tea")])
    )
    assert [r["text"] for r in state.content.to_json()["coping"]] == ["Walk", "Music", "Tea"]


@pytest.mark.parametrize(
    ("verb", "expected"),
    [("up", ["B", "A", "C"]), ("down", ["A", "C", "B"]), ("remove", ["A", "C"])],
)
def test_row_buttons_without_javascript(verb: str, expected: list[str]) -> None:
    state = EditorState.from_post(
        post(
            [
                ("reasons-0-text", "A"),
                ("reasons-1-text", "B"),
                ("reasons-2-text", "C"),
                ("row_action", f"reasons:1:{verb}"),
            ]
        )
    )
    assert not state.wants_save  # a row button re-renders; it never saves
    assert [r["text"] for r in state.content.to_json()["reasons"]] == expected


def test_add_rows_keeps_text_and_adds_blank_rows() -> None:
    state = EditorState.from_post(
        post([("safer-0-text", "Give the pills to Sam"), ("row_action", "safer:add")])
    )
    assert not state.wants_save
    part = next(p for s in state.sections() for p in s.parts if p.part.key == "safer")
    values = [row.fields[0].value for row in part.rows]
    assert values[0] == "Give the pills to Sam"
    assert len(values) >= 1 + 3 and not any(values[1:])
    assert [row.index for row in part.rows] == [str(i) for i in range(len(values))]


def test_unknown_fields_and_actions_are_ignored() -> None:
    state = EditorState.from_post(
        post(
            [
                ("nonsense-0-text", "x"),
                ("warning_signs-0-evil", "x"),
                ("therapist-password", "x"),
                ("row_action", "drop table"),
                ("warning_signs-0-text", "Tired"),
            ]
        )
    )
    assert state.wants_save and state.is_valid
    assert state.content.to_json()["warning_signs"] == [{"text": "Tired"}]
    assert set(state.content.to_json()["therapist"]) == {
        "name",
        "phone",
        "after_hours",
        "after_hours_texts",
        "after_hours_whatsapp",
        "after_hours_note",
    }


def test_over_long_item_is_refused_with_the_limit_and_kept() -> None:
    text = "x" * (MAX_TEXT + 1)
    state = EditorState.from_post(post([("coping-0-text", text)]))
    assert not state.is_valid
    field = next(p for s in state.sections() for p in s.parts if p.part.key == "coping").rows[0]
    assert field.fields[0].value == text
    assert f"at most {MAX_TEXT} characters" in field.fields[0].error


def test_too_many_items_is_refused_with_the_limit_and_all_kept() -> None:
    rows = [(f"coping-{i}-text", f"idea {i}") for i in range(MAX_ITEMS + 2)]
    state = EditorState.from_post(post(rows))
    assert not state.is_valid
    part = next(p for s in state.sections() for p in s.parts if p.part.key == "coping")
    assert f"At most {MAX_ITEMS}" in part.error and "remove 2" in part.error
    assert [r.fields[0].value for r in part.rows][: MAX_ITEMS + 2] == [
        f"idea {i}" for i in range(MAX_ITEMS + 2)
    ]
    assert part.advice == "A few specific items, in the client's own words."


@pytest.mark.parametrize(
    "number", ["112", "116 123", "+44 (0)20 7946 0000", "(030) 123-4567", "+1 800 273 8255"]
)
def test_phone_numbers_are_accepted_permissively(number: str) -> None:
    state = EditorState.from_post(post([("helpers-0-name", "Sam"), ("helpers-0-phone", number)]))
    assert state.is_valid, state.errors


@pytest.mark.parametrize("number", ["call me", "12ab34", "+", "555 <script>", "1" * 20])
def test_bad_phone_numbers_get_a_clear_message(number: str) -> None:
    state = EditorState.from_post(post([("helpers-0-name", "Sam"), ("helpers-0-phone", number)]))
    assert not state.is_valid
    (message,) = state.errors.values()
    assert message.startswith("Phone:")


def test_a_phone_without_a_name_is_refused() -> None:
    state = EditorState.from_post(post([("helpers-0-phone", "0123 456")]))
    assert state.errors == {("helpers", 0, ""): "Give the name of the person with this number."}
    state = EditorState.from_post(post([("distractions-0-place", "The library")]))
    assert state.is_valid


def test_session_cut_off_fields_are_checked() -> None:
    state = EditorState.from_post(
        post([("session_cut_off-who_calls", "hacker"), ("session_cut_off-minutes", "0")])
    )
    assert set(state.errors) == {
        ("session_cut_off", None, "who_calls"),
        ("session_cut_off", None, "minutes"),
    }
    state = EditorState.from_post(
        post([("session_cut_off-who_calls", "therapist_calls"), ("session_cut_off-minutes", "5")])
    )
    assert state.is_valid
    items = [str(i) for i in state.content.items(SECTIONS[7].parts[0])]
    assert items == [
        "If our online session is cut off, my therapist calls me.",
        "We try to reconnect for 5 minutes.",
    ]


def test_content_round_trips_through_the_editor() -> None:
    content = PlanContent(
        {
            "warning_signs": [{"text": "A"}, {"text": "B"}],
            "therapist": {"name": "Dr. Ito", "phone": "+81 3 1234 5678"},
            "professionals": [{"name": "GP", "role": "doctor", "phone": "123"}],
        }
    )
    state = EditorState.from_content(content)
    fields = {}
    for section in state.sections():
        for part in section.parts:
            for f in part.record:
                fields[f.name] = f.value
            for row in part.rows:
                for f in row.fields:
                    fields[f.name] = f.value
    again = EditorState.from_post(post(list(fields.items())))
    assert again.content == content


def test_old_or_damaged_content_reads_as_empty_parts() -> None:
    content = PlanContent({"warning_signs": "not a list", "helpers": [None, {"name": 3}]})
    assert content.is_empty()
    assert PlanContent(None).is_empty()


def test_diff_per_section() -> None:
    old = PlanContent(
        {
            "warning_signs": [{"text": "A"}, {"text": "B"}],
            "therapist": {"phone": "111"},
        }
    )
    new = PlanContent(
        {
            "warning_signs": [{"text": "B"}, {"text": "C"}],
            "therapist": {"phone": "222"},
            "helpers": [{"name": "Sam", "phone": "123"}],
        }
    )
    diff = old.diff(new)
    by_key = {d.section.key: d for d in diff}
    assert by_key["warning_signs"].added == ["C"]
    assert by_key["warning_signs"].removed == ["A"]
    assert by_key["professionals"].added == ["Phone: 222"]
    assert by_key["professionals"].removed == ["Phone: 111"]
    assert by_key["helpers"].added == ["Sam — 123"]
    assert [d.section.key for d in changed_sections(diff)] == [
        "warning_signs",
        "helpers",
        "professionals",
    ]
    assert not changed_sections(old.diff(old))


def test_diff_counts_duplicates() -> None:
    old = PlanContent({"coping": [{"text": "Walk"}]})
    new = PlanContent({"coping": [{"text": "Walk"}, {"text": "Walk"}]})
    assert old.diff(new)[1].added == ["Walk"]


RECORD_COMPLETE = {
    "has_emergency_contact": True,
    "has_consent": True,
    "has_street_address": True,
    "review_on": datetime.date(2099, 1, 1),
}


def test_hints_warn_but_do_not_block() -> None:
    empty = PlanContent()
    hints = empty.hints(has_emergency_contact=False, has_consent=False, has_street_address=False)
    # Section 6 first: of all the gaps, the one that matters most.
    assert hints[0].startswith("Section 6 is empty")
    assert len(hints) == 10
    full = PlanContent(
        {
            "warning_signs": [{"text": "I stop answering messages"}],
            "coping": [{"text": "A walk"}],
            "helpers": [{"name": "Sam", "phone": ""}],
            "therapist": {"after_hours": "0123", "after_hours_note": "Weekdays until 22:00"},
            "safer": [{"text": "Sam keeps my medicines for now"}],
            "reasons": [{"text": "My niece"}],
            "session_cut_off": {"who_calls": "client_calls", "no_answer": "I text Sam"},
        }
    )
    assert full.hints(**RECORD_COMPLETE) == []


def test_display_leaves_out_empty_sections_and_links_phones() -> None:
    content = PlanContent(
        {"helpers": [{"name": "Sam", "phone": "+44 20 7946 0000"}], "reasons": [{"text": "Mia"}]}
    )
    shown = content.display_sections()
    assert [s.section.number for s in shown] == [4, 7]
    (item,) = shown[0].parts[0].items
    assert item.text == "Sam"
    (phone,) = item.phones
    assert (phone.number, phone.tel_href) == ("+44 20 7946 0000", "tel:+442079460000")
