"""Parts of the client's pages as HTML, built here rather than by templates
(``{% load client_page %}``):

- ``{% language_switch %}``: the language switch of every client page;
- ``{% keep_plan %}``: the end of the plan page: when the plan was opened before, print,
  "Keep a copy", and "Keep on this phone" (static/js/client_plan.js);
- ``{% somewhere_else %}``: "Somewhere else?" (links/public/_elsewhere.html), which
  before a place is chosen is the same for every client of a country: rendered once
  per language and country.

The plan page is the one a client in crisis waits for, and these parts cost more as
template tags ({% translate %}, {% url %}, a loop) than the rest of its frame; as the
plan's body (crisisplan/plans/body_html.py) they are written in Python, their fixed
words translated once per language and process, every value escaped. The output is the
HTML the templates made.
"""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.utils import formats, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from crisisplan.core.paths import url_for
from crisisplan.links.forms import ElsewhereForm

register = template.Library()


@functools.cache
def _words(language: str | None) -> dict[str, str]:
    """The fixed words in ``language`` (the active one), built once per process. As the
    templates' {% translate %} did, a translation goes into text as it is (the
    catalogues are ours); in an attribute it is escaped."""
    attribute = {
        "kept": gettext("Kept on this phone since {date}: it opens without internet."),
        "removed": gettext("Removed from this phone."),
        "failed": gettext("This did not work. Try again when you have internet."),
        "language": gettext("Language"),
    }
    return {key: conditional_escape(text) for key, text in attribute.items()} | {
        "opened": gettext(
            "Before now, this plan was last opened on "
            '<time datetime="%(iso)s">%(date)s</time> (%(zone)s time).'
        ),
        "first": gettext("This is the first time this plan has been opened."),
        "print": gettext("Print"),
        "copy": gettext("Keep a copy"),
        "copy_note": gettext(
            "“Keep a copy” saves one page you can open without internet. Numbers change: "
            "open this link now and then for the latest plan."
        ),
        "keep": gettext("Keep on this phone"),
        "keep_note": gettext(
            "Then the plan opens even without internet, and anyone who can use this phone "
            "can read it. Nothing is kept unless you choose it."
        ),
        "remove": gettext("Remove from this phone"),
    }


def _opened(last_opened: Any, zone_name: str, words: dict[str, str]) -> str:
    """When the plan was opened before this time, in the place's time zone (the page is
    rendered under it: crisisplan.links.public.client_page)."""
    if not last_opened:
        return words["first"]
    local = timezone.localtime(last_opened)
    return words["opened"] % {
        "iso": local.isoformat(),  # what the date filter's "c" gives
        "date": conditional_escape(formats.date_format(local, "j F Y, H:i")),
        "zone": conditional_escape(zone_name),
    }


@register.simple_tag(takes_context=True)
def keep_plan(context: template.Context) -> SafeString:
    """Context: token, last_opened (datetime or None), time_zone, time_zone_name."""
    words = _words(get_language())
    token = context["token"]
    opened = _opened(context.get("last_opened"), context.get("time_zone_name", ""), words)
    # A usable link's token (URL-safe); escaped all the same, as everything put in HTML.
    scope = conditional_escape(url_for("links:landing", token))
    page = conditional_escape(url_for("links:plan", token))
    copy = conditional_escape(url_for("links:copy", token))
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<p class="muted plan-opened no-print">{opened}</p>\n'
        '<div class="actions no-print">\n'
        f'<button type="button" class="button" data-print hidden>{words["print"]}</button>\n'
        f'<a class="button" href="{copy}">{words["copy"]}</a>\n'
        "</div>\n"
        f'<p class="muted no-print">{words["copy_note"]}</p>\n'
        '<section class="keep no-print" data-keep hidden aria-labelledby="keep-heading"'
        f' data-scope="{scope}" data-page="{page}?kept=1"'
        f' data-worker="{url_for("links:service_worker")}"'
        f' data-time-zone="{conditional_escape(context.get("time_zone", ""))}"'
        f' data-kept="{words["kept"]}" data-removed="{words["removed"]}"'
        f' data-failed="{words["failed"]}">\n'
        f'<h2 id="keep-heading">{words["keep"]}</h2>\n'
        f"<p>{words['keep_note']}</p>\n"
        '<p class="keep-status" data-keep-status role="status"></p>\n'
        '<div class="actions">\n'
        f'<button type="button" class="button" data-keep-add>{words["keep"]}</button>\n'
        '<button type="button" class="button danger" data-keep-remove hidden>'
        f"{words['remove']}</button>\n"
        "</div>\n</section>"
    )


@register.simple_tag(takes_context=True)
def language_switch(context: template.Context) -> SafeString:
    """A POST to the page's own URL (no new URL, the token nowhere new), answered with
    the same page in that language (crisisplan.links.languages). Each language is named
    in itself (settings.LANGUAGES, never translated) and marked as such for screen
    readers. Not in print. A page rendered without the request (the database
    unreachable: links/public/unavailable.html) has no CSRF token, so no switch; the
    language chosen before still applies."""
    request = context.get("request")
    if request is None:
        return mark_safe("")
    current = get_language()
    buttons = "".join(
        f'<button type="submit" name="switch_language" value="{code}" lang="{code}"'
        + (
            f' class="small is-current" aria-current="true">{conditional_escape(name)}</button>'
            if code == current
            else f' class="small">{conditional_escape(name)}</button>'
        )
        for code, name in settings.LANGUAGES
    )
    return mark_safe(  # noqa: S308 (every value escaped)
        '<form method="post" class="language-switch no-print"'
        f' aria-label="{_words(current)["language"]}">\n'
        '<input type="hidden" name="csrfmiddlewaretoken"'
        f' value="{conditional_escape(get_token(request))}">\n{buttons}</form>'
    )


ELSEWHERE = "links/public/_elsewhere.html"


# Before a place is chosen, by language and the client's country (a few hundred at most).
_unchosen: dict[tuple[str | None, str], SafeString] = {}


@register.simple_tag(takes_context=True)
def somewhere_else(context: template.Context) -> SafeString:
    """Context: elsewhere (crisisplan.links.forms.ElsewhereForm, bound: a place was
    chosen; or None), elsewhere_help, elsewhere_message, region_help (the client's).
    Before a place is chosen the form shows nothing of the client but their country,
    selected in its list (no region list until a country is chosen)."""
    engine = context.template.engine
    if context.get("elsewhere") is not None:
        return mark_safe(engine.get_template(ELSEWHERE).render(context))  # noqa: S308
    home = context["region_help"]
    key = (get_language(), home.country)
    found = _unchosen.get(key)
    if found is None:
        unchosen = template.Context({"elsewhere": ElsewhereForm(None, home=home)})
        found = mark_safe(engine.get_template(ELSEWHERE).render(unchosen))  # noqa: S308
        _unchosen[key] = found
    return found
