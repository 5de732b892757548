"""What an app process remembers of the links it served, for a moment the database
cannot answer (crisisplan/links/recall.py): the region's help, found without a query,
under the token's hash and never the token; hidden lines stay hidden, pins stay out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from crisisplan.links import recall
from crisisplan.links.models import PrivateLink
from crisisplan.plans.models import Plan
from hotlines.models import Service, forget_region_help
from tests.factory import full_content, make_client, make_plan, make_published_plan, make_service
from tests.links.test_client_help import issue, opened

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(db: None) -> dict[str, Service]:
    return {
        "police": make_service("ISF police", country="LB", kind="emergency", phone="112"),
        "ambulance": make_service(
            "Red Cross ambulance", country="LB", kind="emergency", phone="140", priority=200
        ),
        "embrace": make_service("Embrace LifeLine", country="LB", phone="1564"),
        "france_line": make_service("3114", country="FR", phone="3114"),
    }


@pytest.fixture
def plan(alice: Any, directory: dict[str, Service]) -> Plan:
    return make_published_plan(make_client(alice, country="LB", subdivision=""), full_content(1))


@pytest.fixture(autouse=True)
def _forgotten() -> None:
    recall.forget_all()


def numbers(help_: Any) -> set[str]:
    return {phone.value for service in help_.services for phone in service.phones}


def test_a_served_link_leaves_its_regions_help_in_memory_under_the_tokens_hash(
    plan: Plan, django_assert_num_queries: Any
) -> None:
    token, path = issue(plan)
    assert recall.region_help_for_path(path) is None  # not served yet
    assert HttpClient().get(path).status_code == 200
    with django_assert_num_queries(0):
        remembered = recall.region_help_for_path(path)
        remembered = recall.region_help_for_path(path + "plan/")
    assert remembered.country == "LB"
    assert remembered.lead.phones[0].value == "112"  # as the landing page's button
    assert remembered.talk.method.value == "1564"
    assert list(recall._links) == [PrivateLink.hash_token(token)]
    assert token not in repr(recall._links)


def test_a_hidden_line_stays_hidden_and_pins_stay_out(
    plan: Plan, directory: dict[str, Any], alice: Any
) -> None:
    plan.hidden_services.add(directory["embrace"])
    plan.pinned_services.add(directory["france_line"])
    _token, path = issue(plan)
    # Only the plan page was served (its lookup has the pins): remembered without them.
    browser = opened(path)
    recall.forget_all()
    forget_region_help()
    assert browser.get(path + "plan/").status_code == 200
    remembered = recall.region_help_for_path(path)
    assert "1564" not in numbers(remembered)  # hidden by the plan
    assert "3114" not in numbers(remembered)  # pinned from France: can say something
    assert {"112", "140"} <= numbers(remembered)


def test_unknown_and_malformed_links_are_not_remembered(plan: Plan) -> None:
    for path in ("/p/" + "A" * 43 + "/", "/p/short/", "/clients/"):
        HttpClient().get(path)
        assert recall.region_help_for_path(path) is None
    assert not recall._links


def test_the_memory_keeps_the_links_served_last(
    alice: Any, directory: dict[str, Service], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recall, "REMEMBERED", 2)
    paths = []
    for _ in range(3):
        plan = make_plan(make_client(alice, country="LB", subdivision=""), full_content(1))
        paths.append(issue(plan)[1])
        assert HttpClient().get(paths[-1]).status_code == 200
    assert len(recall._links) == 2
    assert recall.region_help_for_path(paths[0]) is None
    assert recall.region_help_for_path(paths[2]) is not None


def test_a_revoked_link_is_forgotten(plan: Plan) -> None:
    """Its pages show only the general help (whoever holds an old URL learns nothing
    of where its client lives), in an outage too."""
    old_path = issue(plan)[1]
    HttpClient().get(old_path)
    assert recall.region_help_for_path(old_path) is not None
    issue(plan)  # replaces it
    assert HttpClient().get(old_path).status_code == 404
    assert recall.region_help_for_path(old_path) is None
