"""``{% directory_fragment "hotlines/includes/helplines.html" region_help %}``: a
directory part of a page (the emergency bar, the helplines), rendered once and then
remembered by this process.

A fragment depends only on the region's lookup (its services, with the plan's pins and
hides), the language, the time zone (dates of the last check), and which services are
open now; nothing else of the request or the page. It is kept on the RegionHelp itself,
which region_help() remembers until the directory's version changes, so a corrected
number is never served from an old fragment, and under a key of the language, the time
zone and the "open now" state of every service, so a line that opens or closes is shown
so at once. The output is exactly the included template's.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from hotlines.models import RegionHelp

register = template.Library()

# Fragments of the pages that know no region (an unknown link): by template and language.
_without_region: dict[tuple[str, str | None, str], SafeString] = {}


@register.simple_tag
def directory_fragment(template_name: str, region_help: RegionHelp | None) -> SafeString:
    context = {"region_help": region_help}
    if region_help is None:
        key = (template_name, get_language(), timezone.get_current_timezone_name())
        found = _without_region.get(key)
        if found is None:
            found = _without_region[key] = mark_safe(render_to_string(template_name, context))  # noqa: S308
        return found
    states = region_help.open_states(timezone.now())
    key = (template_name, get_language(), timezone.get_current_timezone_name(), states)
    found = region_help.fragments.get(key)
    if found is None:
        found = mark_safe(render_to_string(template_name, context))  # noqa: S308 (our template)
        # Rendered across a change of "open now" (a minute turning): serve, do not keep.
        if region_help.open_states(timezone.now()) == states:
            region_help.remember_fragment(key, found)
    return found
