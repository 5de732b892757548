"""The top of every therapist page about a plan, as HTML (``{% load plan_nav %}``):

- ``{% plan_nav "edit" %}``: the links between the plan's pages (the current one, one of
  edit, preview, versions, compare, link, marked as such), the plan's state and review
  date, and a warning when the client record does not decrypt;
- ``{% plan_status_line plan %}``: the plan's state in words after its badge (also on
  the client record's page): what the client sees.

Built in Python like the editor's rows (editor_html.py): as templates, its links,
translations and state lines were a tenth of the editor's time. Fixed words are
translated once per language and process; every value is escaped.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from crisisplan.core.paths import url_for
from crisisplan.plans.models import Plan

register = template.Library()

# (current page, URL name, label key): the plan's pages in order.
_PAGES = (
    ("edit", "plans:edit", "edit"),
    ("preview", "plans:preview", "preview"),
    ("versions", "plans:versions", "versions"),
    ("link", "links:manage", "link"),
)


@functools.cache
def _words(language: str | None) -> dict[str, str]:
    """The fixed words in ``language`` (the active one), built once per process. As the
    templates' {% translate %} did, a translation goes into text as it is (the
    catalogues are ours); in an attribute it is escaped."""
    return {
        "nav": conditional_escape(gettext("Crisis plan")),
        "record": gettext("Client record"),
        "edit": gettext("Edit"),
        "preview": gettext("Preview"),
        "versions": gettext("Versions"),
        "link": gettext("Private link"),
        "emergency": gettext("Emergency now"),
        "review": gettext("Next review: %(date)s."),
        "overdue": gettext("overdue"),
        "unreadable": gettext(
            "This client's record could not be read: its encrypted data did not decrypt, so "
            "no name is shown. Ask whoever runs CrisisPlan to check ENCRYPTION_KEYS. The "
            "private link and the emergency numbers still work."
        ),
        "published": gettext("The client sees version %(number)s, published on %(date)s."),
        "unpublished": gettext("Version %(number)s, the latest, is not published."),
        "draft": gettext("Not published: the client sees no plan yet, only the emergency numbers."),
        "none": gettext("Nothing written yet."),
    }


def _date(value: Any) -> str:
    """A date, or a datetime in the current time zone, as "4 March 2026"."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return conditional_escape(formats.date_format(value, "j F Y"))


@register.simple_tag
def plan_status_line(plan: Plan | None) -> SafeString:
    """The plan's badge, then what the client sees (``plan`` may be None or unsaved)."""
    words = _words(get_language())
    status = plan.status if plan is not None else ""
    tone = plan.status_tone if plan is not None else ""
    label = conditional_escape(status.label) if status else ""
    html = f'<span class="badge badge-{tone}">{label}</span>\n'
    if status == Plan.Status.PUBLISHED:
        published = plan.published_version.number
        html += words["published"] % {
            "number": published,
            "date": _date(plan.published_at),
        }
        if plan.current_number > published:
            html += f" <strong>{words['unpublished'] % {'number': plan.current_number}}</strong>"
    elif status == Plan.Status.DRAFT:
        html += words["draft"]
    else:
        html += words["none"]
    return mark_safe(html)  # noqa: S308 (every value escaped)


@register.simple_tag(takes_context=True)
def plan_nav(context: template.Context, current: str) -> SafeString:
    """Context (crisisplan/plans/display.py, page_context): plan, client, client_url."""
    words = _words(get_language())
    plan, client = context.get("plan"), context["client"]
    items = []
    if client_url := context.get("client_url"):
        items.append(f'<li><a href="{conditional_escape(client_url)}">{words["record"]}</a></li>')
    for page, url_name, key in _PAGES:
        if page == current:
            items.append(f'<li><span aria-current="page">{words[key]}</span></li>')
        else:
            href = url_for(url_name, client.pk)
            items.append(f'<li><a href="{href}">{words[key]}</a></li>')
    emergency = url_for("clients:emergency", client.pk)
    items.append(f'<li><a class="emergency-link" href="{emergency}">{words["emergency"]}</a></li>')
    status = plan_status_line(plan)
    if plan is not None and plan.next_review_on:
        status += "\n" + words["review"] % {"date": _date(plan.next_review_on)}
        if plan.review_overdue:
            status += f' <span class="badge badge-danger">{words["overdue"]}</span>'
    warning = f'\n<p class="warnings">{words["unreadable"]}</p>' if client.name_unreadable else ""
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<nav class="plan-nav" aria-label="{words["nav"]}">\n<ul>\n'
        + "\n".join(items)
        + f'\n</ul>\n<p class="plan-status">\n{status}\n</p>{warning}\n</nav>'
    )
