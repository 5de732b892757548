"""The plan's lines and numbers as HTML (crisisplan/plans/body_html.py): written in
Python for speed, so escaping is checked here as the templates' autoescape would do it."""

from __future__ import annotations

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
