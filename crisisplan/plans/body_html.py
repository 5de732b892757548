"""``{% plan_parts ds %}``: the parts of a section of the plan as the client reads them
(templates/plans/_plan_body.html): their lines, each number with its ways to reach it.

Written in Python rather than as template loops with an include per number: the lines
and numbers were most of the client's plan page's cost (Django resolves every variable,
pushes a context per include and wraps every escape; a plan has dozens of lines and a
dozen numbers or more). The output is the HTML the templates made, escaped the same way
(conditional_escape, as editor_html does).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from crisisplan.plans.sections import DisplaySection, Item, Phone

register = template.Library()


def _label(label: Any) -> str:
    return f'<span class="plan-item-label">{conditional_escape(label)}:</span> ' if label else ""


def call_html(phone: Phone) -> str:
    """A number as a call link."""
    return (
        f'<a class="plan-phone" href="{conditional_escape(phone.tel_href)}">'
        f'<bdi dir="ltr">{conditional_escape(phone.number)}</bdi></a>'
    )


def phone_html(phone: Phone, who: str) -> str:
    """One number: a call link, then where the plan offers them a text message (sms:)
    and WhatsApp (opened outside the page, with no referrer). ``who`` (the person's
    name) completes the links' accessible names: "Text Maya", "WhatsApp Maya"."""
    out = _label(phone.label) + call_html(phone)
    sms, whatsapp = phone.sms_href, phone.whatsapp_href
    if not (sms or whatsapp):
        return out
    out += '<span class="plan-reach no-print">'
    if sms:
        out += (
            f' <a class="plan-reach-link" href="{conditional_escape(sms)}">'
            f"{conditional_escape(gettext('Text'))}"
            f'<span class="visually-hidden"> {conditional_escape(who)}</span></a>'
        )
    if whatsapp:
        out += (
            f' <a class="plan-reach-link" href="{conditional_escape(whatsapp)}" target="_blank"'
            ' rel="noopener noreferrer">WhatsApp'
            f'<span class="visually-hidden"> {conditional_escape(who)}'
            f" {conditional_escape(gettext('(opens WhatsApp)'))}</span></a>"
        )
    return out + "</span>"


def item_html(item: Item) -> str:
    """One line: its label, its text, and its numbers (a space before each, but before
    the first only after a text)."""
    numbers = "".join(
        (" " if item.text or index else "") + phone_html(phone, item.text or phone.label)
        for index, phone in enumerate(item.phones)
    )
    return f"<li>{_label(item.label)}{conditional_escape(item.text)}{numbers}</li>"


@register.simple_tag
def plan_parts(ds: DisplaySection) -> SafeString:
    """Each part: a heading where the section has several parts (or is section 5, whose
    directory services follow under their own), then its lines."""
    headings = len(ds.parts) > 1 or ds.section.key == "professionals"
    out = []
    for part in ds.parts:
        if headings:
            out.append(f"<h3>{conditional_escape(part.label)}</h3>")
        lines = "\n".join(item_html(item) for item in part.items)
        out.append(f'<ul class="plan-items">\n{lines}\n</ul>')
    return mark_safe("\n".join(out))  # noqa: S308 (every value escaped)


@register.simple_tag
def plan_agreement(ds: DisplaySection) -> SafeString:
    """Section 8's agreement as one paragraph's sentences: each with its numbers as call
    links inside, then the rest of the sentence (Item.tail)."""
    sentences = "".join(
        f"{_label(item.label)}{conditional_escape(item.text)}"
        + "".join(" " + call_html(phone) for phone in item.phones)
        + f"{conditional_escape(item.tail)} "
        for part in ds.parts
        for item in part.items
    )
    return mark_safe(sentences)  # noqa: S308 (every value escaped)
