"""The plan as the client reads it, as HTML: on the client's private-link page, its
kept copy and the therapist's preview.

- ``{% how_to_use %}``: how to use the plan, at the top (``opened_note=True`` on the
  private link's page and its preview: opening it is recorded, as the client is told);
- ``{% plan_body %}``: the sections, from the context plan_body_context() builds
  (crisisplan/plans/display.py): each section's heading and lines (section 8 with the
  agreement and what the client record adds), section 5 with the region's helplines,
  then when the plan was last reviewed together. Headings start at h2; the including
  page owns the h1.

Written in Python rather than as template loops and includes: the plan's lines and
numbers, then the sections around them, were most of the client's plan page's cost
(Django resolves every variable, pushes a context per include and wraps every escape; a
plan has dozens of lines and a dozen numbers or more). The fixed words are translated
and escaped once per language and process; every value is escaped
(conditional_escape, as editor_html does). The directory's parts come from
{% directory_fragment %}, remembered per directory version like every page's.
"""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, pgettext

from crisisplan.plans.sections import SECTIONS, DisplaySection, Item, Phone
from hotlines.models import RegionHelp
from hotlines.templatetags.directory import directory_fragment

register = template.Library()


@functools.cache
def _plan_labels() -> dict[int, Any]:
    """The sections' titles and their parts' and fields' labels, by identity: module
    constants, translated lazily (each use a gettext), so _escaped() translates them
    once per language instead."""
    labels: dict[int, Any] = {}
    for section in SECTIONS:
        labels[id(section.title)] = section.title
        for part in section.parts:
            labels[id(part.label)] = part.label
            for field in part.fields:
                labels[id(field.label)] = field.label
    return labels


@functools.cache
def _translated(label_id: int, language: str | None) -> str:
    return conditional_escape(_plan_labels()[label_id])


def _escaped(value: Any, language: str | None) -> str:
    """``value`` escaped: one of the plan's own labels (the same object, not an equal
    text) from memory, anything else as it comes."""
    if _plan_labels().get(id(value)) is value:
        return _translated(id(value), language)
    return conditional_escape(value)


def _label(label: Any, language: str | None) -> str:
    if not label:
        return ""
    return f'<span class="plan-item-label">{_escaped(label, language)}:</span> '


def call_html(phone: Phone) -> str:
    """A number as a call link."""
    return (
        f'<a class="plan-phone" href="{conditional_escape(phone.tel_href)}">'
        f'<bdi dir="ltr">{conditional_escape(phone.number)}</bdi></a>'
    )


def phone_html(phone: Phone, who: Any, language: str | None) -> str:
    """One number: a call link, then where the plan offers them a text message (sms:)
    and WhatsApp (opened outside the page, with no referrer). ``who`` (the person's
    name) completes the links' accessible names: "Text Maya", "WhatsApp Maya"."""
    out = _label(phone.label, language) + call_html(phone)
    sms, whatsapp = phone.sms_href, phone.whatsapp_href
    if not (sms or whatsapp):
        return out
    words = _words(language)
    who = _escaped(who, language)
    out += '<span class="plan-reach no-print">'
    if sms:
        out += (
            f' <a class="plan-reach-link" href="{conditional_escape(sms)}">{words["text"]}'
            f'<span class="visually-hidden"> {who}</span></a>'
        )
    if whatsapp:
        out += (
            f' <a class="plan-reach-link" href="{conditional_escape(whatsapp)}" target="_blank"'
            ' rel="noopener noreferrer">WhatsApp'
            f'<span class="visually-hidden"> {who} {words["whatsapp"]}</span></a>'
        )
    return out + "</span>"


def item_html(item: Item, language: str | None) -> str:
    """One line: its label, its text, and its numbers (a space before each, but before
    the first only after a text)."""
    numbers = "".join(
        (" " if item.text or index else "") + phone_html(phone, item.text or phone.label, language)
        for index, phone in enumerate(item.phones)
    )
    return f"<li>{_label(item.label, language)}{_escaped(item.text, language)}{numbers}</li>"


def plan_parts(ds: DisplaySection, language: str | None) -> str:
    """Each part: a heading where the section has several parts (or is section 5, whose
    directory services follow under their own), then its lines."""
    headings = len(ds.parts) > 1 or ds.section.key == "professionals"
    out = []
    for part in ds.parts:
        if headings:
            out.append(f"<h3>{_escaped(part.label, language)}</h3>")
        lines = "\n".join(item_html(item, language) for item in part.items)
        out.append(f'<ul class="plan-items">\n{lines}\n</ul>')
    return "\n".join(out)


def plan_agreement(ds: DisplaySection, language: str | None) -> str:
    """Section 8's agreement as one paragraph's sentences: each with its numbers as call
    links inside, then the rest of the sentence (Item.tail)."""
    sentences = "".join(
        f"{_label(item.label, language)}{conditional_escape(item.text)}"
        + "".join(" " + call_html(phone) for phone in item.phones)
        + f"{conditional_escape(item.tail)} "
        for part in ds.parts
        for item in part.items
    )
    return sentences


@functools.cache
def _words(language: str | None) -> dict[str, str]:
    """The body's fixed words in ``language`` (the active one), built once per process.
    As the templates' {% translate %} did, a translation is put in as it is (the
    catalogues are ours, and some hold markup); only values are escaped."""
    words = {
        "how_heading": gettext("How to use this plan"),
        "how": gettext(
            "When you notice a warning sign, start at step 1. If a step doesn't help, go on "
            "to the next one. Hard moments pass, and each step can help you get through."
        ),
        "danger": gettext("If you are in danger, don't go step by step: get help now."),
        "call": pgettext("call a phone number", "Call"),
        "text": conditional_escape(gettext("Text")),
        "whatsapp": conditional_escape(gettext("(opens WhatsApp)")),
        "opened": gettext(
            "Opening this plan alerts no one. Your therapist can see when it was opened."
        ),
        "none": gettext("No plan has been written yet."),
        "helplines": gettext("Emergency numbers and helplines where I am:"),
        "unsafe": gettext("If you feel unsafe, don't wait: call"),
        "local": gettext("your local emergency number"),
        "each_session": gettext("At the start of each session, I tell my therapist where I am."),
        "usually": gettext("Where I usually am"),
        "contact": gettext("My emergency contact"),
        "contact_called": gettext(
            "If my therapist calls my emergency contact, they say only what is needed to "
            "keep me safe: that they are worried about me and where I am."
        ),
        "services_called": gettext(
            "If my therapist calls emergency services, they give where I am, and someone "
            "may come to me in person."
        ),
    }
    # Its values are put in, escaped, by reviewed_html.
    words["reviewed"] = gettext(
        'Last reviewed with your therapist on <time datetime="%(iso)s">%(date)s</time>.'
    )
    return words


@register.simple_tag(takes_context=True)
def how_to_use(context: template.Context, opened_note: bool = False) -> SafeString:
    """How to use the plan. Context: region_help (the plan's, or None)."""
    words = _words(get_language())
    region_help = context.get("region_help")
    call = ""
    if region_help:
        inline = directory_fragment("hotlines/includes/danger_inline.html", region_help)
        call = f" {words['call']} {inline}."
    note = f'<p class="muted">{words["opened"]}</p>' if opened_note else ""
    return mark_safe(  # noqa: S308 (every value escaped)
        '<section class="plan-how" aria-labelledby="plan-how-heading">\n'
        f'<h2 id="plan-how-heading">{words["how_heading"]}</h2>\n'
        f"<p>{words['how']}</p>\n"
        f"<p><strong>{words['danger']}</strong>{call}</p>\n{note}</section>"
    )


def cut_off_html(
    ds: DisplaySection, region_help: RegionHelp | None, record: dict | None, language: str | None
) -> str:
    """Section 8: one agreement in the client's voice (its sentences from
    PlanContent.items, "I" always the client), what to do if they feel unsafe, and what
    the client record adds (``record``: display.cut_off_record): where they usually are,
    their emergency contact and what would be shared."""
    words = _words(language)
    if region_help:
        call = directory_fragment("hotlines/includes/talk_or_danger_inline.html", region_help)
    else:
        call = words["local"]
    html = (
        f'<p class="plan-agreement">{plan_agreement(ds, language)}</p>\n'
        f'<p class="plan-unsafe"><strong>{words["unsafe"]}</strong> {call}.</p>\n'
        f"<p>{words['each_session']}</p>"
    )
    if not record:
        return html
    location, contact = record.get("location"), record.get("emergency_contact")
    if location or contact:
        html += '\n<dl class="details">'
        if location:
            html += f"<dt>{words['usually']}</dt><dd>{conditional_escape(location)}</dd>"
        if contact:
            html += f"<dt>{words['contact']}</dt><dd>"
            html += conditional_escape(record.get("emergency_contact_name", ""))
            if phone := record.get("emergency_contact_phone"):
                href = conditional_escape(record.get("emergency_contact_href", ""))
                html += (
                    f' <a class="plan-phone" href="{href}">'
                    f'<bdi dir="ltr">{conditional_escape(phone)}</bdi></a>'
                )
            html += "</dd>"
        html += "</dl>"
    shared = f"{words['contact_called']} " if contact else ""
    return html + f"\n<p>{shared}{words['services_called']}</p>"


def reviewed_html(reviewed_on: Any, words: dict) -> str:
    """When the therapist last reviewed the plan with the client (a date), or ""."""
    if not reviewed_on:
        return ""
    sentence = words["reviewed"] % {
        "iso": conditional_escape(formats.date_format(reviewed_on, "Y-m-d")),
        "date": conditional_escape(formats.date_format(reviewed_on, "j F Y")),
    }
    return f'<p class="plan-reviewed">{sentence}</p>'


@register.simple_tag(takes_context=True)
def plan_body(context: template.Context) -> SafeString:
    """The plan's sections. Context (crisisplan/plans/display.py, plan_body_context):
    plan_sections (DisplaySections, empty ones left out; section 5 stays when the
    directory has services for the region), region_help (the client's region with the
    plan's pins and hides, or None), last_reviewed_on (a date or None), cut_off_record
    (display.cut_off_record)."""
    language = get_language()
    words = _words(language)
    region_help = context.get("region_help")
    record = context.get("cut_off_record")
    out = ['<div class="plan-body">']
    for ds in context.get("plan_sections") or ():
        key = ds.section.key
        out.append(
            f'<section class="plan-section-body" aria-labelledby="plan-{key}">\n'
            f'<h2 id="plan-{key}">{ds.section.number}. {_escaped(ds.title, language)}</h2>'
        )
        if key == "session_cut_off":
            out.append(cut_off_html(ds, region_help, record, language))
        else:
            out.append(plan_parts(ds, language))
        if key == "professionals" and region_help:
            out.append(
                f'<p class="plan-directory-intro">{words["helplines"]}</p>\n'
                + directory_fragment("hotlines/includes/helplines.html", region_help)
            )
        out.append("</section>")
    if len(out) == 1:
        out.append(f"<p>{words['none']}</p>")
    if reviewed := reviewed_html(context.get("last_reviewed_on"), words):
        out.append(reviewed)
    out.append("</div>")
    return mark_safe("\n".join(out))  # noqa: S308 (every value escaped)
