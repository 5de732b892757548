"""The plan's lines and numbers as HTML (crisisplan/plans/body_html.py): written in
Python for speed, so escaping is checked here as the templates' autoescape would do it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from crisisplan.plans.sections import PlanContent
from tests.factory import make_client, make_plan

HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"


@pytest.mark.django_db
def test_everything_typed_is_escaped_in_lines_numbers_and_accessible_names(
    alice: Any, alice_client: HttpClient
) -> None:
    record = make_client(alice, preferred_name="Rana", country="LB", subdivision="")
    make_plan(
        record,
        PlanContent(
            {
                "warning_signs": [{"text": HOSTILE}],
                "helpers": [{"name": HOSTILE, "phone": "03 654 321", "whatsapp": "yes"}],
                "therapist": {"name": HOSTILE, "after_hours": "+44 20 7946 0999"},
            }
        ),
    )
    page = alice_client.get(reverse("plans:preview", args=[record.pk])).content.decode()
    assert "<script>alert" not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;"
    assert f"<li>{escaped}</li>" in page  # a warning sign
    # A person: the name, the number as a call link, text and WhatsApp named after them.
    assert (
        f'<li>{escaped} <a class="plan-phone" href="tel:03654321"><bdi dir="ltr">03 654 321'
        f'</bdi></a><span class="plan-reach no-print"> <a class="plan-reach-link" '
        f'href="sms:03654321">Text<span class="visually-hidden"> {escaped}</span></a> '
        '<a class="plan-reach-link" href="https://wa.me/9613654321" target="_blank" '
        f'rel="noopener noreferrer">WhatsApp<span class="visually-hidden"> {escaped} '
        "(opens WhatsApp)</span></a></span></li>"
    ) in page
    # A record's number: its label, then the call link alone.
    assert (
        '<li><span class="plan-item-label">After-hours phone:</span> <a class="plan-phone" '
        'href="tel:+442079460999"><bdi dir="ltr">+44 20 7946 0999</bdi></a></li>'
    ) in page


@pytest.mark.django_db
def test_section_8_s_record_values_and_the_review_date_are_escaped(
    alice: Any, alice_client: HttpClient
) -> None:
    record = make_client(
        alice,
        preferred_name="Rana",
        country="LB",
        subdivision="",
        city=HOSTILE,
        emergency_contact_name=HOSTILE,
        emergency_contact_relationship="sister",
        emergency_contact_phone="03 654 321",
    )
    plan = make_plan(
        record, PlanContent({"session_cut_off": {"who_calls": "therapist_calls", "minutes": "10"}})
    )
    plan.reviewed_on = datetime.date(2026, 3, 4)
    plan.save(update_fields=["reviewed_on"])
    page = alice_client.get(reverse("plans:preview", args=[record.pk])).content.decode()
    assert "<script>alert" not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;"
    assert f"<dt>Where I usually am</dt><dd>{escaped}, Lebanon</dd>" in page
    assert (
        f"<dt>My emergency contact</dt><dd>{escaped} (sister) "
        '<a class="plan-phone" href="tel:03654321"><bdi dir="ltr">03 654 321</bdi></a></dd>'
    ) in page
    assert (
        '<p class="plan-reviewed">Last reviewed with your therapist on '
        '<time datetime="2026-03-04">4 March 2026</time>.</p>'
    ) in page
