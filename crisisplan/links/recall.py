"""What this app process remembers of the links it served, for the moment the database
cannot answer (crisisplan.links.public.unavailable): the client's page then still shows
the crisis line and emergency number of the client's region.

For each link served lately (not revoked or replaced: those show only the general
help), at most REMEMBERED of them, the least recently served forgotten first: the
client's country and region codes and the plan's hidden directory services (so a hidden
line stays hidden), under the SHA-256 of the link's token. The token itself is never
kept, nor anything of the plan or the client record; the numbers come from the
directory lookups this process remembers anyway
(hotlines.models.remembered_region_help). Each process remembers only what it served
itself: a link it has not served gets the general numbers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from crisisplan.links.models import PrivateLink
from hotlines.models import RegionHelp, remembered_region_help

REMEMBERED = 2000

Region = tuple[str, str, frozenset[int]]
_links: OrderedDict[str, Region] = OrderedDict()
_lock = threading.Lock()


def remember(link: PrivateLink) -> None:
    """Note the region of ``link``'s client (called whenever a link page finds it)."""
    plan = link.plan
    client = plan.client
    _pinned, hidden = plan.directory_ids()
    region = (client.country, client.subdivision, frozenset(hidden))
    with _lock:
        _links[link.token_hash] = region
        _links.move_to_end(link.token_hash)
        while len(_links) > REMEMBERED:
            _links.popitem(last=False)


def forget(token_hash: str) -> None:
    """Forget a link (revoked or replaced: its pages show only the general help)."""
    with _lock:
        _links.pop(token_hash, None)


def region_help_for_path(path: str) -> RegionHelp | None:
    """The help for the link a /p/<token>/... path names, from memory alone (no query):
    None when this process does not know the link or has not looked its region up."""
    if not path.startswith("/p/"):
        return None
    token = path.removeprefix("/p/").split("/", 1)[0]
    if not PrivateLink.token_is_well_formed(token):
        return None
    with _lock:
        region = _links.get(PrivateLink.hash_token(token))
    if region is None:
        return None
    country, subdivision, hidden = region
    return remembered_region_help(country, subdivision, hidden_ids=hidden)


def forget_all() -> None:
    """Empty this process's memory (tests)."""
    with _lock:
        _links.clear()
