"""Plans and versions: immutable encrypted versions, optimistic locking, publishing,
restoring, the audit log, the export and the directory's pins and hides."""

from __future__ import annotations

import json
import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from crisisplan.core.models import AuditEvent
from crisisplan.plans.models import Plan, PlanVersion, PlanVersionError, StaleVersion
from crisisplan.plans.sections import MAX_ITEMS, PARTS, PlanContent
from hotlines.models import Service
from tests.factory import full_content, make_client, make_line, make_plan


@pytest.fixture
def client_record(alice: Any) -> Any:
    return make_client(alice, preferred_name="Robin")


def test_every_save_is_a_new_encrypted_version(alice: Any, client_record: Any) -> None:
    plan = make_plan(client_record, full_content(tag="canary-"), full_content(1))
    assert plan.current_number == 2
    assert [v.number for v in plan.versions_newest_first()] == [2, 1]
    v1 = plan.version(1)
    assert v1.author == alice and v1.change_note == "note 1"
    assert PlanContent(v1.content) == full_content(tag="canary-")
    with connection.cursor() as cursor:
        cursor.execute("SELECT content, change_note FROM crisisplan_planversion")
        raw = b"".join(bytes(col) for row in cursor.fetchall() for col in row)
    assert b"canary" not in raw and b"note 1" not in raw


def test_versions_are_immutable(client_record: Any) -> None:
    plan = make_plan(client_record, full_content())
    version = plan.version(1)
    version.change_note = "rewritten"
    with pytest.raises(PlanVersionError):
        version.save()
    assert plan.version(1).change_note == "note 1"


def test_a_stale_save_is_refused_with_what_changed(alice: Any, client_record: Any) -> None:
    plan = make_plan(client_record, PlanContent({"coping": [{"text": "Walk"}]}))
    other_tab = Plan.objects.get(pk=plan.pk)
    plan.save_version(alice, PlanContent({"coping": [{"text": "Run"}]}), 1)
    with pytest.raises(StaleVersion) as exc:
        other_tab.save_version(alice, PlanContent({"coping": [{"text": "Swim"}]}), 1)
    (change,) = exc.value.changes
    assert change.section.key == "coping"
    assert change.added == ["Run"] and change.removed == ["Walk"]
    assert Plan.objects.get(pk=plan.pk).current_number == 2
    assert PlanVersion.objects.filter(plan=plan).count() == 2


def test_publish_unpublish_restore_and_audit(alice: Any, client_record: Any) -> None:
    plan = make_plan(client_record, full_content(1), full_content(2))
    plan.publish(plan.version(1), alice)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.PUBLISHED and plan.published_version.number == 1
    assert plan.published_at is not None
    restored = plan.restore(plan.version(1), alice)
    assert restored.number == 3 and restored.restored_from == 1
    assert PlanContent(restored.content) == full_content(1)
    plan.unpublish(alice)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT and plan.published_at is None
    actions = list(
        AuditEvent.objects.for_client(client_record.pk)
        .order_by("created_at", "id")
        .values_list("action", "detail")
    )
    # The first publication also schedules the default follow-ups (clients/test_follow_ups).
    assert [a for a, _ in actions] == [
        "create",
        "edit",
        "edit",
        "publish",
        "follow_up_schedule",
        "restore",
        "unpublish",
    ]
    assert "Dr. Ito" not in json.dumps([d for _, d in actions])


def test_a_plan_publishes_only_its_own_versions(alice: Any, client_record: Any) -> None:
    plan = make_plan(client_record, full_content())
    other = make_plan(make_client(alice), full_content())
    with pytest.raises(ValueError):
        plan.publish(other.version(1), alice)


def test_status_and_overdue_review(alice: Any, client_record: Any) -> None:
    import datetime

    plan = Plan(client=client_record)
    assert plan.status == Plan.Status.NONE
    plan = make_plan(client_record, full_content())
    assert plan.status == Plan.Status.DRAFT and not plan.review_overdue
    plan.set_next_review(datetime.date(2000, 1, 1), alice)
    assert plan.review_overdue


def test_twenty_items_in_every_section_save_quickly(alice: Any, client_record: Any) -> None:
    import time

    content = full_content(20)
    assert all(len(content.data[k]) == 20 for k, p in PARTS.items() if p.many)
    assert MAX_ITEMS >= 20
    plan = Plan(client=client_record)
    started = time.perf_counter()
    plan.save_version(alice, content, 0)
    elapsed = time.perf_counter() - started
    print(f"\nsaving a plan with 20 items in every section took {elapsed * 1000:.1f} ms")
    assert PlanContent(plan.version(1).content) == content


def test_export_includes_every_version(alice: Any, client_record: Any) -> None:
    plan = make_plan(client_record, full_content(1), full_content(2, tag="v2 "))
    plan.publish(plan.version(2), alice)
    out = StringIO()
    call_command("export_client_data", str(client_record.pk), stdout=out)
    data = json.loads(out.getvalue())
    exported = data["plan"]
    assert exported["published_version"] == 2
    assert [v["number"] for v in exported["versions"]] == [2, 1]
    newest = exported["versions"][0]
    assert newest["published"] is True and newest["author"] == "alice@example.com"
    assert newest["created_at"]
    section = newest["sections"]["1. Warning signs that a crisis may be starting"]
    assert section["Warning signs"] == ["v2 warning_signs 0", "v2 warning_signs 1"]
    assert exported["versions"][1]["published"] is False


def test_export_of_a_client_without_a_plan(alice: Any, client_record: Any) -> None:
    out = StringIO()
    call_command("export_client_data", str(client_record.pk), stdout=out)
    assert json.loads(out.getvalue())["plan"] is None


def test_a_corrected_number_reaches_every_plan_at_once(alice: Any, bob: Any) -> None:
    line = make_line(number="116 123")
    plans = [
        make_plan(make_client(alice), full_content()),
        make_plan(make_client(bob), full_content()),
    ]
    for plan in plans:
        numbers = [m.value for s in plan.directory_help().services for m in s.contact_methods.all()]
        assert "116 123" in numbers
    method = line.contact_methods.get()
    method.value = "116 124"
    method.save()
    for plan in plans:
        plan = Plan.objects.select_related("client").get(pk=plan.pk)
        numbers = [m.value for s in plan.directory_help().services for m in s.contact_methods.all()]
        assert "116 124" in numbers and "116 123" not in numbers


def test_pins_and_hides(alice: Any, client_record: Any) -> None:
    emergency = make_line(number="999", kind=Service.Kind.EMERGENCY)
    regional = make_line(number="116 123")
    elsewhere = make_line(number="0800 111", subdivision="GB-SCT")
    abroad = make_line(country="IE", number="0800 112")
    plan = make_plan(client_record, full_content())
    choices = {c.service.pk: c for c in plan.directory_choices()}
    assert choices[emergency.pk].locked and choices[regional.pk].default
    assert elsewhere.pk not in choices  # found by searching, not listed
    # By a word of its name, or its number as written or dialled; never another country's.
    assert plan.directory_search("0800") == [elsewhere]
    assert plan.directory_search("0800111") == [elsewhere]
    assert plan.directory_search("line 0800 1") == [elsewhere]
    assert plan.directory_search("116", exclude={regional.pk}) == []
    assert plan.directory_search("  ") == []
    offered = {emergency.pk, regional.pk, elsewhere.pk, abroad.pk}
    assert plan.choose_directory(offered, {elsewhere.pk}, alice)
    assert plan.directory_ids() == ({elsewhere.pk}, {regional.pk})
    shown = [s.pk for s in plan.directory_help().services]
    assert shown == [emergency.pk, elsewhere.pk]  # emergency cannot be hidden; pin next
    assert not plan.choose_directory(offered, {elsewhere.pk}, alice)  # no change
    assert not plan.choose_directory(offered, {elsewhere.pk, abroad.pk}, alice)  # not its country
    choices = {c.service.pk: c for c in plan.directory_choices()}
    assert choices[elsewhere.pk].shown and not choices[elsewhere.pk].default  # pinned: listed
    assert plan.directory_search("0800", exclude=choices) == []  # offered already


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_at_the_database_level(alice: Any) -> None:
    """Two connections save on the same base at once: exactly one wins."""
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks and concurrent connections (PostgreSQL)")
    client_record = make_client(alice)
    plan = make_plan(client_record, full_content(1))
    barrier = threading.Barrier(2)
    results: list[str] = []

    def save(text: str) -> None:
        try:
            mine = Plan.objects.select_related("client__data_key").get(pk=plan.pk)
            barrier.wait(timeout=10)
            mine.save_version(alice, PlanContent({"coping": [{"text": text}]}), 1)
            results.append("saved")
        except StaleVersion:
            results.append("stale")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(t,)) for t in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["saved", "stale"]
    assert list(PlanVersion.objects.filter(plan=plan).values_list("number", flat=True)) == [2, 1]


def test_seed_demo_gives_one_client_a_published_plan(settings: Any, db: None) -> None:
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)  # idempotent
    plan = Plan.objects.select_related("client__data_key", "published_version").get()
    assert plan.client.preferred_name == "Rana"
    assert plan.current_number == 2 and plan.published_version.number == 2
    plan.published_version.plan = plan
    content = PlanContent(plan.published_version.content)
    assert all(content.rows(key) for key in PARTS), "every section is filled"
    assert "demo plan: Rana, 2 versions, version 2 published" in out.getvalue()
