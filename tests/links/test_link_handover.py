"""Making, replacing and revoking the private link without traps: the new link is shown
once through POST-redirect-GET (its token handed over in the session, never in a URL),
and a link the client has now is replaced or revoked only after its confirm page."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from crisisplan.links import handover
from crisisplan.links.models import PrivateLink
from crisisplan.plans.models import Plan
from tests.factory import full_content, make_client, make_plan, make_published_plan, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(alice: Any) -> Plan:
    make_service("Emergency services", country="GB", kind="emergency", phone="999")
    return make_published_plan(
        make_client(alice, preferred_name="Robin", country="GB"), full_content(1)
    )


def urls(plan: Plan) -> dict[str, str]:
    pk = plan.client.pk
    return {
        n: reverse(f"links:{n}", args=[pk])
        for n in ("manage", "create", "created", "replace", "revoke")
    }


def make(browser: HttpClient, plan: Plan, **data: str) -> str:
    """Make (or replace) the link as the pages do; returns the client's URL path."""
    response = browser.post(urls(plan)["create"], {"expires_in_days": "180", **data})
    assert response.status_code == 302, response.content.decode()[:300]
    assert response["Location"] == urls(plan)["created"]
    page = browser.get(response["Location"]).content.decode()
    return re.search(r'value="http://testserver(/p/[^/]+/)"', page).group(1)


def works(path: str) -> bool:
    return HttpClient().get(path).status_code == 200


def test_a_reload_of_the_new_link_page_never_makes_or_shows_a_link(
    alice_client: HttpClient, plan: Plan
) -> None:
    path = make(alice_client, plan)
    for _ in range(3):
        reload = alice_client.get(urls(plan)["created"])
        assert reload.status_code == 302 and reload["Location"] == urls(plan)["manage"]
    page = alice_client.get(urls(plan)["manage"]).content.decode()
    assert "A new link is shown only once" in page
    assert PrivateLink.objects.filter(plan=plan).count() == 1
    assert works(path)


def test_the_token_is_in_no_url(alice_client: HttpClient, plan: Plan) -> None:
    response = alice_client.post(urls(plan)["create"], {"expires_in_days": "180"})
    token = alice_client.session[handover.KEY]["token"]
    assert token not in response["Location"]
    alice_client.get(response["Location"])
    assert handover.KEY not in alice_client.session  # taken out when shown


def test_an_old_hand_over_is_not_shown(alice_client: HttpClient, plan: Plan) -> None:
    alice_client.post(urls(plan)["create"], {"expires_in_days": "180"})
    session = alice_client.session
    session[handover.KEY] = {**session[handover.KEY], "until": time.time() - 1}
    session.save()
    assert alice_client.get(urls(plan)["created"]).status_code == 302
    assert handover.KEY not in alice_client.session


def test_a_hand_over_shows_on_its_own_plans_page_only(
    alice_client: HttpClient, alice: Any, plan: Plan
) -> None:
    other = make_plan(make_client(alice, preferred_name="Sam"), full_content(1))
    alice_client.post(urls(plan)["create"], {"expires_in_days": "180"})
    assert alice_client.get(urls(other)["created"]).status_code == 302
    assert alice_client.get(urls(plan)["created"]).status_code == 200


def test_a_link_in_use_is_replaced_only_after_its_confirm_page(
    alice_client: HttpClient, plan: Plan
) -> None:
    old = make(alice_client, plan)
    manage = alice_client.get(urls(plan)["manage"]).content.decode()
    assert "Make the link" not in manage and urls(plan)["replace"] in manage
    # Sent without the confirm page (an old form, a second tab): asked, nothing replaced.
    refused = alice_client.post(urls(plan)["create"], {"expires_in_days": "90"})
    assert refused.status_code == 409
    content = refused.content.decode()
    assert "Nothing was replaced" in content and "current link stops working" in content
    assert works(old) and PrivateLink.objects.filter(plan=plan).count() == 1
    # The confirm page names the link in use; replacing through it works.
    confirm = alice_client.get(urls(plan)["replace"])
    assert confirm.status_code == 200
    current = PrivateLink.objects.current().get(plan=plan)
    assert f'name="replaces" value="{current.pk}"' in confirm.content.decode()
    new = make(alice_client, plan, replaces=str(current.pk))
    assert not works(old) and works(new)
    # The same confirmed form sent again (back button, resubmit): the new link stays.
    again = alice_client.post(
        urls(plan)["create"], {"expires_in_days": "180", "replaces": str(current.pk)}
    )
    assert again.status_code == 409
    assert works(new) and PrivateLink.objects.current().filter(plan=plan).count() == 1


def test_bad_input_on_the_confirm_page_keeps_it(alice_client: HttpClient, plan: Plan) -> None:
    make(alice_client, plan)
    current = PrivateLink.objects.current().get(plan=plan)
    response = alice_client.post(
        urls(plan)["create"], {"expires_in_days": "180", "pin": "12", "replaces": str(current.pk)}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "4 to 8 digits" in content and "Replace the link" in content
    assert PrivateLink.objects.current().get(plan=plan) == current


def test_an_expired_link_is_replaced_without_asking(alice_client: HttpClient, plan: Plan) -> None:
    make(alice_client, plan)
    PrivateLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert alice_client.get(urls(plan)["replace"]).status_code == 302  # nothing to confirm
    assert "Make the link" in alice_client.get(urls(plan)["manage"]).content.decode()
    new = make(alice_client, plan)
    assert works(new)


def test_revoking_asks_first_and_a_form_sent_again_changes_nothing(
    alice_client: HttpClient, plan: Plan
) -> None:
    make(alice_client, plan)
    first = PrivateLink.objects.current().get(plan=plan)
    confirm = alice_client.get(urls(plan)["revoke"]).content.decode()
    assert "current link stops working" in confirm
    assert f'value="{first.pk}"' in confirm
    assert alice_client.post(urls(plan)["revoke"], {"link": str(first.pk)}).status_code == 302
    assert not PrivateLink.objects.current().filter(plan=plan).exists()
    new = make(alice_client, plan)
    # The revoke form of the first link, sent again, leaves the new link working.
    response = alice_client.post(urls(plan)["revoke"], {"link": str(first.pk)})
    assert response.status_code == 302
    assert "nothing changed" in alice_client.get(response["Location"]).content.decode()
    assert works(new)


def test_revoke_without_a_link_is_404(alice_client: HttpClient, plan: Plan) -> None:
    assert alice_client.get(urls(plan)["revoke"]).status_code == 404
