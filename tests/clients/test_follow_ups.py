"""Follow-ups: scheduled (the default schedule after a crisis event and after a plan is
first published, or by hand), recorded (reached or not, how, a note, plan reviewed),
listed on the dashboard due today and overdue first, "not reached twice in a row"
highlighted; encrypted; the dashboard's queries do not grow with the follow-ups."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import DEFAULT_SCHEDULE_DAYS, Client, CrisisEvent, FollowUp
from crisisplan.core.models import AuditEvent
from tests.core.test_encryption import raw_rows_as_text
from tests.factory import full_content, make_client, make_plan

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("clients:dashboard")


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def record(alice: Any) -> Client:
    return make_client(alice, preferred_name="Nadia", phone="+44 7700 900123")


def schedule(client: Client, *offsets: int, reason: str = FollowUp.Reason.MANUAL) -> list[FollowUp]:
    return FollowUp.objects.schedule(client, client.therapist, [days(n) for n in offsets], reason)


def record_url(follow_up: FollowUp) -> str:
    return reverse("clients:follow_up_record", args=[follow_up.client_id, follow_up.pk])


# --- scheduling ---------------------------------------------------------------------------


def test_after_a_crisis_event_the_default_schedule_is_offered_and_made(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    event = CrisisEvent.objects.record(record, alice, occurred_at=timezone.now(), actions="x")
    url = reverse("clients:follow_ups_schedule", args=[record.pk])
    offer = alice_client.get(url, {"event": str(event.pk)}).content.decode()
    for n in DEFAULT_SCHEDULE_DAYS:
        assert f'value="{days(n):%Y-%m-%d}"' in offer
    data = {f"due_{i}": f"{days(n):%Y-%m-%d}" for i, n in enumerate(DEFAULT_SCHEDULE_DAYS, 1)}
    response = alice_client.post(url, {**data, "crisis_event": str(event.pk)})
    assert response.status_code == 302
    made = list(FollowUp.objects.filter(client=record).order_by("due_on"))
    assert [f.due_on for f in made] == [days(n) for n in DEFAULT_SCHEDULE_DAYS]
    assert {f.reason for f in made} == {"crisis_event"} and {f.crisis_event for f in made} == {
        event
    }
    assert DEFAULT_SCHEDULE_DAYS[0] == 3  # within 72 hours, then weekly
    assert all(b - a == 7 for a, b in itertools.pairwise(DEFAULT_SCHEDULE_DAYS))
    audit = AuditEvent.objects.get(client_id=record.pk, action="follow_up_schedule")
    assert audit.detail == {"count": 4, "reason": "crisis_event"}


def test_scheduling_by_hand_ignores_empty_rows(alice_client: HttpClient, record: Client) -> None:
    url = reverse("clients:follow_ups_schedule", args=[record.pk])
    alice_client.post(url, {"due_1": "", "due_2": f"{days(5):%Y-%m-%d}", "due_3": ""})
    (made,) = FollowUp.objects.filter(client=record)
    assert made.due_on == days(5) and made.reason == "manual" and made.crisis_event is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give at least one date."),
        ({"due_1": "2000-01-01"}, "A follow-up cannot be due before today."),
        ({"due_1": "next week"}, "Give a date, e.g."),
    ],
)
def test_bad_schedules_are_refused(
    alice_client: HttpClient, record: Client, data: dict, message: str
) -> None:
    url = reverse("clients:follow_ups_schedule", args=[record.pk])
    response = alice_client.post(url, {"due_2": "", **data})
    assert response.status_code == 200 and message in response.content.decode()
    assert not FollowUp.objects.exists()


def test_another_clients_crisis_event_cannot_be_named(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    other = make_client(alice)
    event = CrisisEvent.objects.record(other, alice, occurred_at=timezone.now(), actions="x")
    url = reverse("clients:follow_ups_schedule", args=[record.pk])
    assert alice_client.get(url, {"event": str(event.pk)}).status_code == 404
    response = alice_client.post(
        url, {"due_1": f"{days(3):%Y-%m-%d}", "crisis_event": str(event.pk)}
    )
    assert response.status_code == 404 and not FollowUp.objects.exists()


def test_the_first_publication_of_a_plan_schedules_the_default_follow_ups(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    make_plan(record, full_content(), full_content(2))
    response = alice_client.post(reverse("plans:publish", args=[record.pk, 1]), follow=True)
    assert "follow-up contacts are scheduled for" in response.content.decode()
    made = FollowUp.objects.filter(client=record).order_by("due_on")
    assert [f.due_on for f in made] == [days(n) for n in DEFAULT_SCHEDULE_DAYS]
    assert {f.reason for f in made} == {"plan_published"}
    # Publishing again (another version, or after unpublishing) schedules nothing more.
    alice_client.post(reverse("plans:publish", args=[record.pk, 2]))
    alice_client.post(reverse("plans:unpublish", args=[record.pk]))
    alice_client.post(reverse("plans:publish", args=[record.pk, 2]))
    assert FollowUp.objects.filter(client=record).count() == len(DEFAULT_SCHEDULE_DAYS)


# --- recording --------------------------------------------------------------------------


def test_recording_a_reached_follow_up(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    (follow_up,) = schedule(record, 0)
    page = alice_client.get(record_url(follow_up)).content.decode()
    assert "Follow-up with Nadia" in page and 'href="tel:+447700900123"' in page
    response = alice_client.post(
        record_url(follow_up),
        {
            "outcome": "reached",
            "method": "video",
            "note": "Slept better, used step 2 of the plan",
            "plan_reviewed": "on",
            "retry_on": f"{days(1):%Y-%m-%d}",  # ignored: the client was reached
        },
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    follow_up.client = record
    assert follow_up.done_at is not None and follow_up.recorded_by == alice
    assert (follow_up.outcome, follow_up.method) == ("reached", "video")
    assert follow_up.note.startswith("Slept better") and follow_up.plan_reviewed is True
    assert FollowUp.objects.count() == 1  # no retry after reaching the client
    assert AuditEvent.objects.filter(client_id=record.pk, action="follow_up_record").count() == 1
    raw = raw_rows_as_text()
    assert "Slept better" not in raw and "video" not in raw and "not_reached" not in raw
    # Recorded once: the page now sends the therapist back.
    again = alice_client.post(record_url(follow_up), {"outcome": "not_reached", "method": "phone"})
    assert again.status_code == 302
    follow_up.refresh_from_db()
    follow_up.client = record
    assert follow_up.outcome == "reached"


def test_not_reached_schedules_the_next_attempt(alice_client: HttpClient, record: Client) -> None:
    (follow_up,) = schedule(record, -2)
    response = alice_client.post(
        record_url(follow_up),
        {"outcome": "not_reached", "method": "phone", "retry_on": f"{days(1):%Y-%m-%d}"},
        follow=True,
    )
    assert "Next attempt on" in response.content.decode()
    retry = FollowUp.objects.pending().get(client=record)
    assert retry.due_on == days(1) and retry.reason == "retry"


def test_a_follow_up_needs_an_outcome_and_a_way_and_keeps_the_note(
    alice_client: HttpClient, record: Client
) -> None:
    (follow_up,) = schedule(record, 0)
    response = alice_client.post(record_url(follow_up), {"note": "Voicemail full"})
    content = response.content.decode()
    assert "Say whether you reached the client." in content
    assert "Choose how you tried to reach the client." in content
    assert "Voicemail full" in content
    follow_up.refresh_from_db()
    assert follow_up.done_at is None


def test_cancelling_a_pending_follow_up(alice_client: HttpClient, record: Client) -> None:
    first, second = schedule(record, 3, 10)
    url = reverse("clients:follow_up_cancel", args=[record.pk, first.pk])
    assert alice_client.post(url).status_code == 302
    assert list(FollowUp.objects.all()) == [second]
    assert AuditEvent.objects.filter(client_id=record.pk, action="follow_up_cancel").exists()
    second.record(record.therapist, outcome="reached", method="phone")
    url = reverse("clients:follow_up_cancel", args=[record.pk, second.pk])
    alice_client.post(url)
    assert FollowUp.objects.filter(pk=second.pk).exists()  # a recorded one stays


# --- the dashboard ----------------------------------------------------------------------


def test_dashboard_lists_due_today_and_overdue_first_and_nothing_else(
    alice_client: HttpClient, alice: Any, bob: Any
) -> None:
    amal = make_client(alice, preferred_name="Amal")
    bilal = make_client(alice, preferred_name="Bilal")
    gone = make_client(alice, preferred_name="Archived Ada")
    schedule(amal, 0)  # due today
    schedule(bilal, -3)  # overdue
    schedule(amal, 2)  # upcoming: not listed
    schedule(gone, -1)
    gone.archive(alice)
    (done,) = schedule(bilal, -5)
    done.record(alice, outcome="reached", method="phone")
    schedule(make_client(bob, preferred_name="Bobs Client"), 0)

    content = alice_client.get(DASHBOARD).content.decode()
    due = content[content.index('id="due-heading"') : content.index("</section>")]
    assert "2 follow-ups due" in due
    assert due.index("Bilal") < due.index("Amal")  # overdue first
    assert "Overdue" in due and f"due {days(-3):%-d %b}, 3 days ago" in due and "Due today" in due
    assert "Archived Ada" not in due and "Bobs Client" not in due
    assert due.count("<li") == 2
    # The list comes before the clients.
    assert content.index('id="due-heading"') < content.index("<table")


def test_not_reached_twice_in_a_row_is_highlighted(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    first, second, third = schedule(record, -3, -2, 0)
    first.record(alice, outcome="not_reached", method="phone")
    content = alice_client.get(DASHBOARD).content.decode()
    assert "Not reached twice in a row" not in content  # once is not twice
    second.record(alice, outcome="not_reached", method="text")
    content = alice_client.get(DASHBOARD).content.decode()
    assert 'class="not-reached-twice"' in content and "Not reached twice in a row" in content
    page = alice_client.get(reverse("clients:detail", args=[record.pk])).content.decode()
    assert "Not reached twice in a row." in page
    # Reached at last: the streak ends.
    third.record(alice, outcome="reached", method="phone")
    schedule(record, 0)
    assert "Not reached twice in a row" not in alice_client.get(DASHBOARD).content.decode()


def dashboard_queries(http: HttpClient) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(DASHBOARD).status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_queries_are_the_same_with_1_and_100_follow_ups(
    alice_client: HttpClient, alice: Any, django_assert_num_queries: Any
) -> None:
    first = make_client(alice, preferred_name="First")
    schedule(first, 0)
    one_more = schedule(first, -9)[0]
    one_more.record(alice, outcome="not_reached", method="phone")
    alice_client.get(DASHBOARD)  # warm the session
    queries = dashboard_queries(alice_client)
    for n in range(99):
        client = make_client(alice, preferred_name=f"Many {n}")
        schedule(client, -(n % 5))
        for missed in schedule(client, -10, -9):
            missed.record(alice, outcome="not_reached", method="phone")
    assert FollowUp.objects.pending().count() == 100
    with django_assert_num_queries(queries):
        response = alice_client.get(DASHBOARD)
    content = response.content.decode()
    assert "100 follow-ups due" in content
    assert content.count("Not reached twice in a row") == 99


def test_the_client_page_queries_do_not_grow_with_sessions(
    alice_client: HttpClient, alice: Any, record: Client
) -> None:
    from clients.models import CheckIn

    url = reverse("clients:detail", args=[record.pk])
    alice_client.get(url)  # warm the session
    empty = len(_queries(alice_client, url))
    for n in range(30):
        check_in = CheckIn.objects.record(record, alice, country="DE", place=f"Place {n}")
        CrisisEvent.objects.record(record, alice, occurred_at=timezone.now(), actions=f"E{n}")
        done, _pending = schedule(record, -1, n)
        done.record(alice, outcome="reached", method="phone")
    assert check_in.crisis_events.count() == 1
    assert len(_queries(alice_client, url)) == empty


def _queries(http: HttpClient, url: str) -> list[Any]:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(url).status_code == 200
    return ctx.captured_queries
