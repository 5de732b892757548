"""The plan pages: editor, versions, comparison, preview, publishing; owner checks,
bad input and query budgets."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crisisplan.core.encryption import decryption_count
from crisisplan.core.models import AuditEvent
from crisisplan.plans.models import Plan, PlanVersion
from crisisplan.plans.sections import MAX_ITEMS, MAX_TEXT, PlanContent
from crisisplan.plans.views import VERSIONS_PER_PAGE
from tests.factory import editor_form_data as form_data
from tests.factory import full_content, make_client, make_line, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(alice: Any) -> Any:
    return make_client(
        alice,
        preferred_name="Robin",
        city="Leeds",
        emergency_contact_name="Maya",
        emergency_contact_phone="07700 900456",
    )


@pytest.fixture
def plan(record: Any) -> Plan:
    plan = make_plan(record, full_content(1), full_content(2))
    plan.publish(plan.version(2), record.therapist)
    return plan


def url(name: str, record: Any, *args: Any) -> str:
    return reverse(f"plans:{name}", args=[record.pk, *args])


# --- every URL: owner, other therapist, curator, anonymous, wrong method ------------------

GETS = [
    ("edit", ()),
    ("versions", ()),
    ("preview", ()),
    ("compare", ()),
    ("directory_search", ()),
]
POSTS = [
    ("publish", (1,)),
    ("restore", (1,)),
    ("unpublish", ()),
    ("review", ()),
    ("reviewed", ()),
]


def _query(name: str) -> str:
    return "?a=1&b=2" if name == "compare" else ""


@pytest.mark.parametrize(("name", "args"), GETS)
def test_get_pages_work_for_the_owner_only(
    name: str, args: tuple, client: HttpClient, alice: Any, bob: Any, carol: Any, plan: Plan
) -> None:
    address = url(name, plan.client, *args) + _query(name)
    client.force_login(alice)
    assert client.get(address).status_code == 200
    for other in (bob, carol):
        client.force_login(other)
        assert client.get(address).status_code == 404
    client.logout()
    response = client.get(address)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(("name", "args"), [*POSTS, ("edit", ())])
def test_post_actions_check_the_owner(
    name: str, args: tuple, client: HttpClient, bob: Any, carol: Any, plan: Plan
) -> None:
    address = url(name, plan.client, *args)
    # Sign-ins are audited too (account events); none about the plan may appear.
    plan_events = AuditEvent.objects.filter(account=None)
    before = (PlanVersion.objects.count(), plan_events.count())
    for other in (bob, carol):
        client.force_login(other)
        data = form_data(full_content(3), 2) if name == "edit" else {}
        assert client.post(address, data).status_code == 404
    client.logout()
    response = client.post(address)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert (PlanVersion.objects.count(), plan_events.count()) == before
    plan.refresh_from_db()
    assert plan.published_version.number == 2


@pytest.mark.parametrize(("name", "args"), POSTS)
def test_post_actions_refuse_get(
    name: str, args: tuple, alice_client: HttpClient, plan: Plan
) -> None:
    assert alice_client.get(url(name, plan.client, *args)).status_code == 405


@pytest.mark.parametrize(("name", "args"), GETS)
def test_read_pages_refuse_post(
    name: str, args: tuple, alice_client: HttpClient, plan: Plan
) -> None:
    if name == "edit":
        assert alice_client.put(url(name, plan.client)).status_code == 405
    else:
        assert alice_client.post(url(name, plan.client) + _query(name)).status_code == 405


def test_unknown_client_and_version_answer_404(alice_client: HttpClient, plan: Plan) -> None:
    missing = uuid.uuid4()
    assert alice_client.get(reverse("plans:edit", args=[missing])).status_code == 404
    assert alice_client.post(url("publish", plan.client, 99)).status_code == 404
    assert alice_client.post(url("restore", plan.client, 99)).status_code == 404
    assert alice_client.get(url("compare", plan.client) + "?a=1&b=99").status_code == 404
    assert alice_client.get(url("preview", plan.client) + "?version=99").status_code == 404


def test_another_therapists_version_cannot_be_reached(
    alice: Any, bob: Any, alice_client: HttpClient, plan: Plan
) -> None:
    bobs = make_plan(make_client(bob), full_content(1), full_content(1), full_content(1))
    # Alice's client path never reaches Bob's plan, whatever the number.
    assert alice_client.post(url("publish", plan.client, 3)).status_code == 404
    bobs.refresh_from_db()
    assert bobs.published_version is None
    assert alice_client.get(url("versions", bobs.client)).status_code == 404


# --- the editor ----------------------------------------------------------------------


def test_editor_shows_the_latest_version_and_hints(alice_client: HttpClient, alice: Any) -> None:
    record = make_client(alice, preferred_name="Kit")  # no emergency contact, no city
    make_plan(record, PlanContent({"coping": [{"text": "Walk the dog"}]}))
    page = alice_client.get(url("edit", record)).content.decode()
    # One line at first, then grows with its text (CSS field-sizing, or the script).
    assert 'maxlength="500">Walk the dog</textarea>' in page
    assert 'name="base_version" value="1"' in page
    for hint in (
        "no person",
        "no phone number of a professional",
        "Section 8",
        "emergency contact",
    ):
        assert hint in page
    for n, title in enumerate(
        [
            "Warning signs that a crisis may be starting",
            "Things I can do on my own to cope",
            "People and places that help me take my mind off things",
            "People I can ask for help",
            "Professionals and services I can contact",
            "Making my surroundings safer",
            "What matters most to me, worth living for",
            "If our online session is cut off",
        ],
        start=1,
    ):
        assert f'-title">{n}. {title}</h2>' in page
    assert "<script src=" in page and "<script>" not in page and "style=" not in page


def test_blank_rows_but_the_first_have_no_buttons(alice_client: HttpClient, alice: Any) -> None:
    # Without JavaScript a blank row's buttons would do nothing (the server drops blank
    # rows); the script gives it a copy of the first row's (tests/browser/test_plan_flow).
    record = make_client(alice)
    helpers = [{"name": "Maya", "phone": "03 654 321"}]
    make_plan(record, PlanContent({"coping": [{"text": "Walk"}], "helpers": helpers}))
    page = alice_client.get(url("edit", record)).content.decode()
    # coping and helpers: a filled row, then a blank one; warning_signs: two blank rows.
    for part in ("coping", "helpers", "warning_signs"):
        assert f'value="{part}:0:up" aria-label="Move' in page
        assert f'value="{part}:1:' not in page
    # A field of a row of several is its label, the row said in it.
    assert '<label class="field">Name<span>, person 1</span><input name="helpers-0-name"' in page


def test_first_save_creates_the_plan(alice_client: HttpClient, record: Any) -> None:
    data = form_data(full_content(2), 0, "first")
    data["warning_signs-5-text"] = ""  # an empty row
    response = alice_client.post(url("edit", record), data)
    assert response.status_code == 302
    plan = Plan.objects.get(client=record)
    assert plan.current_number == 1 and plan.status == Plan.Status.DRAFT
    assert PlanContent(plan.version(1).content) == full_content(2)
    assert plan.version(1).change_note == "first"
    page = alice_client.get(response["Location"]).content.decode()
    assert "Saved as version 1" in page


def test_saving_unchanged_text_makes_no_version(alice_client: HttpClient, plan: Plan) -> None:
    response = alice_client.post(url("edit", plan.client), form_data(full_content(2), 2))
    assert response.status_code == 302
    assert Plan.objects.get(pk=plan.pk).current_number == 2


def test_invalid_input_keeps_everything_typed(alice_client: HttpClient, plan: Plan) -> None:
    data = form_data(full_content(2), 2, "my note")
    data["coping-0-text"] = "x" * (MAX_TEXT + 5)
    data["helpers-1-phone"] = "call me maybe"
    data["reasons-0-text"] = "My cat Miso"
    response = alice_client.post(url("edit", plan.client), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not saved: 2 problems to fix" in page
    assert f"at most {MAX_TEXT} characters" in page and "x" * (MAX_TEXT + 5) in page
    assert "call me maybe" in page and "My cat Miso" in page and 'value="my note"' in page
    # The limits are checked, not given as advice: the editor asks for a few items.
    assert f"Up to {MAX_ITEMS}" not in page
    assert "A few specific items, in the client&#x27;s own words." in page
    assert Plan.objects.get(pk=plan.pk).current_number == 2


def test_too_many_items_are_refused_and_kept(alice_client: HttpClient, plan: Plan) -> None:
    data = form_data(full_content(1), 2)
    for n in range(MAX_ITEMS + 1):
        data[f"safer-{n}-text"] = f"step {n}"
    page = alice_client.post(url("edit", plan.client), data).content.decode()
    assert f"At most {MAX_ITEMS} steps: there are {MAX_ITEMS + 1}; remove 1." in page
    assert f">step {MAX_ITEMS}</textarea>" in page
    assert Plan.objects.get(pk=plan.pk).current_number == 2


def test_a_too_long_change_note_is_refused_and_kept(alice_client: HttpClient, plan: Plan) -> None:
    data = form_data(full_content(3), 2, "n" * 501)
    page = alice_client.post(url("edit", plan.client), data).content.decode()
    assert "at most 500 characters" in page and "n" * 501 in page
    assert Plan.objects.get(pk=plan.pk).current_number == 2


def test_add_rows_without_javascript_saves_nothing(alice_client: HttpClient, plan: Plan) -> None:
    data = form_data(full_content(3), 2)
    data["row_action"] = "helpers:add"
    response = alice_client.post(url("edit", plan.client), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="helpers-5-name"' in page  # 3 filled + blanks + 3 more
    assert 'value="helpers 2"' in page
    assert Plan.objects.get(pk=plan.pk).current_number == 2


def test_move_a_row_without_javascript(alice_client: HttpClient, plan: Plan) -> None:
    data = form_data(full_content(2), 2)
    data["row_action"] = "reasons:1:up"
    page = alice_client.post(url("edit", plan.client), data).content.decode()
    assert page.index(">reasons 1</textarea>") < page.index(">reasons 0</textarea>")


def test_a_stale_save_is_refused_showing_the_other_change(
    alice_client: HttpClient, alice: Any, plan: Plan
) -> None:
    # Tab A and tab B both opened version 2; A saves first.
    tab_b = form_data(full_content(2), 2)
    tab_b["coping-0-text"] = "Typed in tab B"
    tab_a = form_data(full_content(2), 2)
    tab_a["reasons-0-text"] = "Saved in tab A"
    assert alice_client.post(url("edit", plan.client), tab_a).status_code == 302
    response = alice_client.post(url("edit", plan.client), tab_b)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Not saved: this plan was changed in the meantime" in page
    assert "Added:</span> Saved in tab A" in page and "Removed:</span> reasons 0" in page
    assert ">Typed in tab B</textarea>" in page
    assert 'name="base_version" value="3"' in page  # saving again is a deliberate choice
    assert Plan.objects.get(pk=plan.pk).current_number == 3
    tab_b["base_version"] = "3"
    assert alice_client.post(url("edit", plan.client), tab_b).status_code == 302
    assert Plan.objects.get(pk=plan.pk).current_number == 4


def test_missing_csrf_token_is_refused_with_our_page(alice: Any, plan: Plan) -> None:
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post(url("edit", plan.client), form_data(full_content(3), 2))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Not saved: the form had expired" in page and "still in the form" in page
    assert Plan.objects.get(pk=plan.pk).current_number == 2


def test_a_crowded_region_lists_a_few_and_the_search_finds_the_rest(
    alice_client: HttpClient, plan: Plan
) -> None:
    # The editor does not grow with the directory: of the region's services the client
    # sees, the first few are listed; any other is found by searching, comes ticked
    # (shown), and unticking it hides it like a listed one.
    lines = [make_line(number=f"0800 200 {n:03d}") for n in range(Plan.EDITOR_LISTS_SHOWN + 3)]
    page = alice_client.get(url("edit", plan.client)).content.decode()
    listed = [line for line in lines if f'id="id_directory_{line.pk}"' in page]
    assert len(listed) == Plan.EDITOR_LISTS_SHOWN
    assert "3 more services of the region are shown to the client" in page
    last = next(line for line in lines if line not in listed)
    data = form_data(full_content(2), 2)
    data.update(directory_q=last.name, directory_search="1")
    page = alice_client.post(url("edit", plan.client), data).content.decode()
    assert f'id="id_directory_{last.pk}" checked' in page  # shown: untick to hide
    # The script's search says the same.
    search = reverse("plans:directory_search", args=[plan.client.pk])
    fragment = alice_client.get(search, {"q": last.name}).content.decode()
    assert f'id="id_directory_{last.pk}" checked' in fragment
    assert alice_client.get(search, {"q": listed[0].name}).content.decode().count("<li") == 0
    data = form_data(full_content(2), 2)
    data["directory_offered"] = [str(last.pk)]  # found, then unticked
    assert alice_client.post(url("edit", plan.client), data).status_code == 302
    assert plan.directory_ids() == (set(), {last.pk})
    page = alice_client.get(url("edit", plan.client)).content.decode()
    assert f'id="id_directory_{last.pk}">' in page  # a hidden one is always listed
    assert "2 more services of the region are shown to the client" in page


def test_directory_choices_from_the_editor(alice_client: HttpClient, plan: Plan) -> None:
    regional = make_line(number="116 123")
    elsewhere = make_line(number="0800 111", subdivision="GB-SCT")
    page = alice_client.get(url("edit", plan.client)).content.decode()
    assert f'id="id_directory_{regional.pk}" checked' in page
    assert f'id="id_directory_{elsewhere.pk}"' not in page  # found by searching
    # Without JavaScript: "Search" posts the form; it comes back with the results and the
    # typed text, and saves nothing.
    data = form_data(full_content(3, tag="typed "), 2)
    data.update(directory_q="0800", directory_search="1")
    response = alice_client.post(url("edit", plan.client), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_directory_{elsewhere.pk}">' in page and "1 service matches" in page
    assert "typed warning_signs 2" in page  # what was typed is still there
    assert Plan.objects.get(pk=plan.pk).current_number == 2
    data = form_data(full_content(2), 2)
    data["directory_offered"] = [str(regional.pk), str(elsewhere.pk)]
    data["directory_shown"] = [str(elsewhere.pk)]
    response = alice_client.post(url("edit", plan.client), data)
    assert response.status_code == 302
    assert plan.directory_ids() == ({elsewhere.pk}, {regional.pk})
    preview = alice_client.get(url("preview", plan.client)).content.decode()
    assert "0800 111" in preview and "116 123" not in preview


def test_a_ticked_search_result_stays_ticked_through_another_search(
    alice_client: HttpClient, plan: Plan
) -> None:
    first = make_line(number="0800 111", subdivision="GB-SCT")
    second = make_line(number="0800 222", subdivision="GB-WLS")
    data = form_data(full_content(2), 2)
    data.update(
        directory_q="0800 222",
        directory_search="1",
        directory_offered=[str(first.pk)],
        directory_shown=[str(first.pk)],
    )
    page = alice_client.post(url("edit", plan.client), data).content.decode()
    assert f'id="id_directory_{first.pk}" checked' in page
    assert f'id="id_directory_{second.pk}">' in page


def test_the_directory_search_fragment(alice_client: HttpClient, plan: Plan) -> None:
    """What the editor's JavaScript fetches: results as tick boxes, without those the
    editor already offers, never another country's."""
    regional = make_line(number="116 123")
    elsewhere = make_line(number="0800 111", subdivision="GB-SCT")
    other = make_line(number="0800 333", subdivision="GB-NIR")
    make_line(country="IE", number="0800 444")
    address = url("directory_search", plan.client)
    page = alice_client.get(address, {"q": "0800", "offered": str(other.pk)}).content.decode()
    assert f'name="directory_shown" value="{elsewhere.pk}"' in page
    assert "0800 333" not in page and "0800 444" not in page
    assert "116 123" not in alice_client.get(address, {"q": "116"}).content.decode()
    assert regional.pk  # the region's own line is in the editor already
    assert "No other service matches" in alice_client.get(address, {"q": "zzz"}).content.decode()


def test_the_editor_does_not_grow_with_the_countrys_directory(
    alice_client: HttpClient, plan: Plan, django_assert_max_num_queries: Any
) -> None:
    make_line(number="116 123")
    alice_client.get(url("edit", plan.client))
    small = len(alice_client.get(url("edit", plan.client)).content)
    for n in range(60):
        make_line(number=f"0800 {n:03d}", subdivision="GB-SCT")
    alice_client.get(url("edit", plan.client))
    with django_assert_max_num_queries(12):
        large = len(alice_client.get(url("edit", plan.client)).content)
    assert large == small


def test_pins_cost_no_query_in_the_editor_or_a_save(
    alice: Any, alice_client: HttpClient, plan: Plan
) -> None:
    """A plan with pins and hides costs the editor, and a save, the same queries as one
    without (each pin once asked the directory's version again, and each save checked the
    plan's pins against the directory)."""
    regional = make_line(number="116 123")
    elsewhere = [make_line(number=f"0800 {n:03d}", subdivision="GB-SCT") for n in range(3)]
    pinned = make_plan(make_client(alice, city="York"), full_content(1))
    pinned.publish(pinned.version(1), alice)  # as ``plan``'s: its newest version published
    pinned.set_directory_choices({s.pk for s in elsewhere}, {regional.pk}, alice)

    def counts(target: Plan) -> tuple[int, int]:
        address = url("edit", target.client)
        alice_client.get(address)  # the first request's work (the region's lookup)
        with CaptureQueriesContext(connection) as editor:
            alice_client.get(address)
        pins, hides = target.directory_ids()
        offered = [regional.pk, *pins]  # what the editor offers: the region's, the pins
        data = form_data(full_content(1), target.current_number, note="Again")
        data["directory_offered"] = [str(pk) for pk in offered]
        data["directory_shown"] = [
            str(pk) for pk in offered if pk in pins or (pk == regional.pk and pk not in hides)
        ]  # as they were: nothing changes
        with CaptureQueriesContext(connection) as save:
            assert alice_client.post(address, data).status_code == 302
        return len(editor), len(save)

    assert counts(pinned) == counts(plan)
    assert pinned.directory_ids() == ({s.pk for s in elsewhere}, {regional.pk})  # kept


def test_directory_ticks_survive_a_refused_save(alice_client: HttpClient, plan: Plan) -> None:
    regional = make_line(number="116 123")
    data = form_data(full_content(2), 1)  # stale: the plan is at version 2
    data["directory_offered"] = [str(regional.pk)]
    data["directory_shown"] = []
    response = alice_client.post(url("edit", plan.client), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert f'id="id_directory_{regional.pk}">' in page  # still unticked, as sent
    assert plan.directory_ids() == (set(), set())  # and nothing applied


# --- versions, compare, restore, publish, review --------------------------------------------


def test_versions_compare_restore_publish(alice_client: HttpClient, plan: Plan) -> None:
    page = alice_client.get(url("versions", plan.client)).content.decode()
    assert "note 1" in page and "note 2" in page and "Published" in page
    page = alice_client.get(url("compare", plan.client) + "?a=1&b=2").content.decode()
    assert "Added:</span> warning_signs 1" in page
    assert '<th scope="col">Version 1</th>' in page
    response = alice_client.post(url("restore", plan.client, 1))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.current_number == 3 and plan.published_version.number == 2
    assert alice_client.post(url("publish", plan.client, 3)).status_code == 302
    plan.refresh_from_db()
    assert plan.published_version.number == 3
    assert alice_client.post(url("unpublish", plan.client)).status_code == 302
    plan.refresh_from_db()
    assert plan.published_version is None


def test_compare_with_bad_numbers(alice_client: HttpClient, plan: Plan) -> None:
    response = alice_client.get(url("compare", plan.client) + "?a=x&b=")
    assert response.status_code == 302 and response["Location"] == url("versions", plan.client)


def test_review_date(alice_client: HttpClient, plan: Plan) -> None:
    response = alice_client.post(url("review", plan.client), {"next_review_on": "2000-01-31"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.next_review_on == datetime.date(2000, 1, 31) and plan.review_overdue
    alice_client.post(url("review", plan.client), {"next_review_on": "31st of never"})
    plan.refresh_from_db()
    assert plan.next_review_on == datetime.date(2000, 1, 31)
    dashboard = alice_client.get(reverse("clients:dashboard")).content.decode()
    assert "Published" in dashboard and "Review overdue" in dashboard


def test_preview_reads_like_the_clients_page(alice_client: HttpClient, plan: Plan) -> None:
    make_line(number="116 123")
    plan.mark_reviewed(plan.client.therapist)
    page = alice_client.get(url("preview", plan.client)).content.decode()
    assert "Last reviewed with your therapist on" in page
    assert "How to use this plan" in page
    assert 'href="tel:01234567"' not in page
    assert 'href="tel:0001123456"' in page  # full_content's first phone: "0001 123 456"
    assert 'href="tel:116123"' in page
    assert "Maya" in page  # section 8: the client's emergency contact from the record
    empty = make_plan(
        make_client(plan.client.therapist), PlanContent({"reasons": [{"text": "Mia"}]})
    )
    page = alice_client.get(url("preview", empty.client)).content.decode()
    assert "What matters most to me" in page and "Warning signs" not in page


def test_dashboard_status(alice_client: HttpClient, alice: Any, plan: Plan) -> None:
    make_plan(make_client(alice, preferred_name="Drafty"), full_content(1))
    make_client(alice, preferred_name="Planless")
    page = alice_client.get(reverse("clients:dashboard")).content.decode()
    assert page.count("badge-ok") == 1 and "Draft" in page and "No plan yet" in page


# --- query budgets --------------------------------------------------------------------


def _queries(alice_client: HttpClient, address: str) -> int:
    alice_client.get(address)  # warm up: the first request of a session does more
    with CaptureQueriesContext(connection) as captured:
        assert alice_client.get(address).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["edit", "versions", "compare", "preview"])
def test_queries_do_not_grow_with_versions(page: str, alice: Any, alice_client: HttpClient) -> None:
    make_line(number="116 123")
    counts = []
    for versions in (2, 50):
        record = make_client(alice)
        plan = make_plan(record, *[full_content(1, tag=str(n)) for n in range(versions)])
        plan.publish(plan.version(1), alice)
        address = url(page, record) + ("?a=1&b=2" if page == "compare" else "")
        counts.append(_queries(alice_client, address))
    assert counts[0] == counts[1], counts


def test_dashboard_queries_do_not_grow_with_plans(alice: Any, alice_client: HttpClient) -> None:
    counts = []
    alice_client.get(reverse("clients:dashboard"))
    for _ in range(2):
        record = make_client(alice)
        make_plan(record, full_content(1))
        with CaptureQueriesContext(connection) as captured:
            alice_client.get(reverse("clients:dashboard"))
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_version_history_is_paginated(alice: Any, alice_client: HttpClient) -> None:
    record = make_client(alice)
    plan = make_plan(record, *[PlanContent({"coping": [{"text": f"idea {n}"}]}) for n in range(60)])
    alice_client.get(url("versions", record))
    before = decryption_count()
    content = alice_client.get(url("versions", record)).content.decode()
    # one note per shown version, the client's names in the heading (both, as
    # Client.name_unreadable checks them), and the latest version's hints (its content;
    # the record's emergency contact, consent, address)
    assert decryption_count() - before == VERSIONS_PER_PAGE + 2 + 4
    assert "Page 1 of 3" in content and "note 60" in content and "note 35" not in content
    assert content.count('<option value="') == 2 * 60  # compare still offers every version
    oldest = alice_client.get(url("versions", record), {"page": "3"}).content.decode()
    assert "note 1<" in oldest and "Newer versions" in oldest and "Older versions" not in oldest
    assert plan.current_number == 60


def test_publishing_an_older_version_publishes_that_one(
    alice_client: HttpClient, record: Any, alice: Any
) -> None:
    """Version 1 published while version 2 exists: the chosen one, not the latest, and
    the audit log says so."""
    plan = make_plan(record, full_content(1), full_content(2))
    assert plan.current_number == 2 and plan.published_version is None
    response = alice_client.post(url("publish", record, 1))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.published_version.number == 1
    assert plan.published_version == plan.version(1)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.PUBLISH).get()
    assert event.client_id == record.pk and event.actor == alice
    assert event.detail["version"] == 1


def test_the_editor_reads_a_published_newest_version_with_the_plan(
    alice: Any, alice_client: HttpClient
) -> None:
    """When the newest version is the published one, the editor edits the version read
    with the plan (get_plan_for_user) and asks for no version again; when a newer draft
    exists, it edits the draft."""
    plan = make_plan(make_client(alice), full_content(1, tag="old "), full_content(1, tag="new "))
    address = url("edit", plan.client)

    def editor() -> tuple[int, str]:
        alice_client.get(address)  # the first request's work (the region's lookup)
        with CaptureQueriesContext(connection) as queries:
            page = alice_client.get(address).content.decode()
        return len(queries), page

    plan.publish(plan.version(1), alice)
    draft_queries, page = editor()
    assert "new Dr. Ito" in page and "old Dr. Ito" not in page
    plan.publish(plan.version(2), alice)
    published_queries, page = editor()
    assert "new Dr. Ito" in page and "old Dr. Ito" not in page
    assert published_queries == draft_queries - 1
