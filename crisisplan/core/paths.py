"""``url_for(name, arg)`` (and the template tag ``{% url_for "name" arg %}``, ``{% load
paths %}``): reverse() for the URLs of one object (a client's pages by
its UUID, a private link's by its token), from a pattern reversed once per process
(and ``url_for(name)`` for a URL without arguments, reversed once).

A therapist's plan page links to a dozen of one client's pages and the client's plan
page to four of its link's; each reverse() resolves the URLconf's patterns again (about
40 µs). The pattern is reversed with a stand-in argument and the real one put in its
place: the same URL, for arguments that need no quoting (UUIDs and URL-safe tokens,
the only ones given here).
"""

from __future__ import annotations

import functools
import uuid

from django import template
from django.urls import get_script_prefix, reverse

# {% load paths %} (TEMPLATES' "libraries" in crisisplan/settings.py).
register = template.Library()

# Stand-ins each URL converter accepts: uuid (a UUID) and str (a token).
_STAND_IN = {uuid.UUID: str(uuid.UUID(int=0)), str: "stand-in-token"}


@functools.cache
def _pattern(name: str, kind: type, prefix: str) -> tuple[str, str]:
    stand_in = _STAND_IN[kind]
    head, _found, tail = reverse(name, args=[stand_in]).partition(stand_in)
    return head, tail


@functools.cache
def _plain(name: str, prefix: str) -> str:
    return reverse(name)


@register.simple_tag
def url_for(name: str, arg: uuid.UUID | str | None = None) -> str:
    """reverse(name, args=[arg]); reverse(name) without ``arg``."""
    if arg is None:
        return _plain(name, get_script_prefix())
    head, tail = _pattern(name, type(arg), get_script_prefix())
    return f"{head}{arg}{tail}"
