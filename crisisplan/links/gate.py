"""What every request to a private link passes, kept where all app processes share it:
the rate limits (per address and per link) and the visitor's grant (this browser opened
the plan, after the PIN where there is one, within the last GRANT_MINUTES).

Two stores, one behaviour:

- With a shared cache (CACHE_URL=redis://..., Django's built-in RedisCache): both
  counters and the grant are read and written in Redis, in one round trip per request;
  the grant is found through a cookie of its own (a random visitor id, of which Redis
  keeps only a SHA-256 digest), so a client's request needs no database session at all.
- Otherwise (``make run``, or a cache that is not shared, like the default local-memory
  one): the counters are rows of RateCounter, counted in one upsert, and the grant lives
  in the visitor's database session.

Either way a limit or a grant holds across every process that uses the same store.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse

from crisisplan.core.faults import skipped_while_read_only
from crisisplan.core.http import client_address
from crisisplan.links.models import PrivateLink, RateCounter, RateLimit

# The session key of the database store: {link id: Unix time the grant ends}.
GRANTS = "crisisplan_link_grants"
# The cookie of the shared-cache store: a random visitor id, sent only to /p/ pages.
VISITOR_COOKIE = "crisisplan_visitor"
VISITOR_PATH = "/p/"


# One command for the whole check (counters, their expiry, the grant): each KEYS[i] up to
# #ARGV is a counter, incremented and set to expire at ARGV[i]; a last key past them is
# the grant, whose existence is returned as the last value.
CHECK_SCRIPT = """
local replies = {}
for i, key in ipairs(KEYS) do
  if i <= #ARGV then
    replies[i] = redis.call('INCR', key)
    redis.call('EXPIREAT', key, ARGV[i])
  else
    replies[i] = redis.call('EXISTS', key)
  end
end
return replies
"""


def shared_cache() -> BaseCache | None:
    """The cache all app processes share (Redis), or None: then the database."""
    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None


def _grant_key(visitor: str, token_hash: str) -> str:
    digest = hashlib.sha256(f"{visitor}|{token_hash}".encode()).hexdigest()
    return f"link-grant:{digest}"


def check(request: HttpRequest, token: str | None) -> RateLimit | None:
    """Count this request against the address limit and, for a well-formed token, the
    link's; the first limit now exceeded, or None. With the shared cache it also reads
    whether this browser holds a grant for the token (``granted`` answers from it)."""
    limits = [RateLimit("address", client_address(request), *settings.LINK_RATE_LIMIT_PER_ADDRESS)]
    token_hash = None
    if token and PrivateLink.token_is_well_formed(token):
        token_hash = PrivateLink.hash_token(token)
        limits.append(RateLimit("link", token_hash, *settings.LINK_RATE_LIMIT_PER_LINK))
    cache = shared_cache()
    if cache is None:
        # A client must reach their plan's help even while the database is read-only
        # (maintenance): the request is then not counted.
        with skipped_while_read_only("link rate limits"):
            return RateCounter.hit(*limits)
        return None
    now = time.time()
    visitor = request.COOKIES.get(VISITOR_COOKIE)
    grant_key = _grant_key(visitor, token_hash) if visitor and token_hash else None
    windows = [limit.window(now) for limit in limits]
    # Keys go through make_key, so the cache's KEY_PREFIX and VERSION apply.
    keys = [cache.make_key(f"link-rate:{key}") for key, _expires in windows]
    if grant_key:
        keys.append(cache.make_key(grant_key))
    replies = _check_script(cache)(keys=keys, args=[expires for _key, expires in windows])
    request._link_grant = token_hash if grant_key and replies[-1] else None
    for limit, count in zip(limits, replies, strict=False):
        if count > limit.count:
            return limit
    return None


def _check_script(cache: BaseCache) -> Any:
    """CHECK_SCRIPT bound to the cache's own Redis client (its connection pool and
    options; Django's RedisCache has no public way to run a script), made once."""
    script = getattr(cache, "_link_check_script", None)
    if script is None:
        script = cache._cache.get_client(write=True).register_script(CHECK_SCRIPT)
        cache._link_check_script = script
    return script


def granted(request: HttpRequest, link: PrivateLink) -> bool:
    """Whether this browser opened ``link`` within the last GRANT_MINUTES."""
    if shared_cache() is None:
        return request.session.get(GRANTS, {}).get(str(link.pk), 0) > time.time()
    return getattr(request, "_link_grant", None) == link.token_hash


def grant(request: HttpRequest, response: HttpResponse, link: PrivateLink) -> None:
    """Let this browser see ``link``'s plan for GRANT_MINUTES (after the open, and the
    PIN where there is one)."""
    seconds = PrivateLink.GRANT_MINUTES * 60
    cache = shared_cache()
    if cache is None:
        now = time.time()
        grants = {pk: until for pk, until in request.session.get(GRANTS, {}).items() if until > now}
        grants[str(link.pk)] = now + seconds
        request.session[GRANTS] = grants
        return
    visitor = request.COOKIES.get(VISITOR_COOKIE) or secrets.token_urlsafe(32)
    cache.set(_grant_key(visitor, link.token_hash), 1, timeout=seconds)
    # A browser-session cookie, like the session's: closing the browser forgets it.
    response.set_cookie(
        VISITOR_COOKIE,
        visitor,
        path=VISITOR_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
