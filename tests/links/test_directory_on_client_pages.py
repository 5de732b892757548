"""What the directory puts on the client's pages: numbers dialled with a star, the
number the "in danger" button calls, and a plain word where no crisis line is known."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from crisisplan.links.models import PrivateLink
from crisisplan.plans.models import Plan
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = pytest.mark.django_db


def published_plan(therapist: Any, country: str, *, publish: bool = True) -> Plan:
    record = make_client(therapist, country=country, subdivision="")
    plan = make_plan(record, full_content(1))
    if publish:
        plan.publish(plan.version(1), therapist)
    return plan


def client_pages(plan: Plan) -> dict[str, str]:
    """The landing page, the plan page and the kept copy, as the client gets them."""
    _link, token = PrivateLink.issue(plan, plan.client.therapist)
    path = reverse("links:landing", args=[token])
    browser = HttpClient()
    landing = browser.get(path).content.decode()
    opened = browser.post(path)
    assert opened.status_code == 302
    page = browser.get(opened["Location"]).content.decode()
    copy = browser.get(path + "plan/copy/").content.decode()
    return {"landing": landing, "plan": page, "copy": copy}


def test_a_star_number_is_shown_as_written_and_dialled_with_its_star(alice) -> None:
    make_service("Emergencias", country="CL", kind="emergency", phone="131", topics=["ambulance"])
    make_service("Línea de Prevención del Suicidio", country="CL", phone="*4141")
    make_service("Hash line", country="CL", phone="*123#")

    pages = client_pages(published_plan(alice, "CL"))

    for name in ("plan", "copy"):
        html = pages[name]
        assert 'href="tel:*4141"><bdi dir="ltr">*4141</bdi></a>' in html, name
        assert 'href="tel:*123%23"><bdi dir="ltr">*123#</bdi></a>' in html, name
        assert "sms:*" not in html and "sms:%2A" not in html
    assert 'href="tel:131"' in pages["landing"]


def test_the_danger_button_calls_the_ambulance_and_lists_police_and_fire(alice) -> None:
    make_service("Police", country="LB", kind="emergency", phone="112", topics=["police"])
    make_service(
        "Lebanese Red Cross", country="LB", kind="emergency", phone="140", topics=["ambulance"]
    )
    make_service("Fire brigade", country="LB", kind="emergency", phone="175", topics=["fire"])
    make_service("Embrace LifeLine", country="LB", phone="1564")

    pages = client_pages(published_plan(alice, "LB"))

    for html in pages.values():
        big = re.search(r'class="help-call help-danger" href="([^"]+)"', html)
        assert big and big[1] == "tel:140"
        more = html.split('class="entry-list"')[1].split("</ul>")[0]
        assert 'href="tel:112"' in more and 'href="tel:175"' in more


@pytest.mark.parametrize("publish", [True, False])
def test_where_no_crisis_line_is_known_the_page_says_so(alice, publish: bool) -> None:
    make_service("Emergency services", country="JO", kind="emergency", phone="911")
    make_service("Unconfirmed line", country="JO", phone="06 123 4567", confidence="low")

    pages = client_pages(published_plan(alice, "JO", publish=publish))

    for name in ("plan", "copy"):
        html = pages[name]
        assert "No crisis line listed for Jordan yet" in html, name
        statement = html.split("card no-crisis-line")[1].split("</section>")[0]
        assert 'href="tel:911"><bdi dir="ltr">911</bdi></a>' in statement
        assert 'href="https://findahelpline.com/"' in statement
        assert "Unconfirmed line" not in html  # never a line nobody confirmed
    if publish:
        # Section 5 holds the statement: not a blank section.
        section = pages["plan"].split('id="plan-professionals"')[1].split("</section>")[0]
        assert "No crisis line listed" in section


def test_a_dead_link_of_such_a_country_says_so_too(alice) -> None:
    make_service("Emergency services", country="JO", kind="emergency", phone="911")
    plan = published_plan(alice, "JO")
    link, token = PrivateLink.issue(plan, alice)
    # Expired: a dead link that keeps its region's help (a revoked one gets the general).
    PrivateLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())

    response = HttpClient().get(reverse("links:landing", args=[token]))

    assert response.status_code == 404
    html = response.content.decode()
    assert "No crisis line listed for Jordan yet" in html
    assert 'href="tel:911"' in html


def test_with_a_crisis_line_there_is_no_such_statement(alice) -> None:
    make_service("Emergency", country="DE", kind="emergency", phone="112")
    make_service("TelefonSeelsorge", country="DE", phone="0800 111 0 111")

    pages = client_pages(published_plan(alice, "DE"))

    assert "No crisis line listed" not in pages["plan"]
    assert "TelefonSeelsorge" in pages["plan"]
