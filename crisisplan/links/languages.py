"""The language of a client's pages, and the switch on every one of them.

The pages open in the language the therapist set on the client's record
(Client.page_language). The switch is a POST of ``switch_language`` to the page's own
URL (so the token goes nowhere it was not already: no new URL, no query string, nothing
in a referrer), answered with a redirect to the same URL and a cookie:

- named crisisplan_language, sent only to /p/ pages (never the token itself in its path,
  which would store the token in the browser's cookie jar), HttpOnly, SameSite=Lax;
- its value is the language and a keyed digest of the link (not of the token, and
  useless without SECRET_KEY): the choice applies to that link only, so another link
  opened on the same phone still opens in its own client's language.

An unknown or malformed code clears the choice: the page falls back to the client's
default, never an error.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac

from crisisplan.core import languages
from crisisplan.links.models import PrivateLink

COOKIE = "crisisplan_language"
COOKIE_PATH = "/p/"
COOKIE_MAX_AGE = 365 * 24 * 3600
FIELD = "switch_language"


def _digest(link: PrivateLink) -> str:
    return salted_hmac("crisisplan.links.language", link.token_hash).hexdigest()[:16]


def chosen(request: HttpRequest) -> tuple[str | None, str]:
    """(the language of the cookie, or None; the link digest it was chosen for)."""
    code, _dot, digest = request.COOKIES.get(COOKIE, "").partition(".")
    return languages.supported(code), digest


def for_link(request: HttpRequest, link: PrivateLink) -> str:
    """The language of this link's pages for this browser: its choice on this link, else
    the client's."""
    code, digest = chosen(request)
    if code and constant_time_compare(digest, _digest(link)):
        return code
    return link.plan.client.page_language


def activate_for(request: HttpRequest, link: PrivateLink | None) -> None:
    """Show this request's page in the link's language (crisisplan.middleware's
    LanguageMiddleware has set the language of a page without a known link). Not for a
    revoked or replaced link: it answers exactly like a token never issued (the
    browser's language), so its language tells nobody the link was real."""
    if link is not None and link.revoked_at is None:
        translation.activate(for_link(request, link))
        request.LANGUAGE_CODE = translation.get_language()


def is_switch(request: HttpRequest) -> bool:
    return request.method == "POST" and FIELD in request.POST


def switch(request: HttpRequest, token: str | None) -> HttpResponse:
    """The switch: remember the language for this link (or forget the choice, for a code
    we do not have), then show the same page again."""
    code = languages.supported(request.POST.get(FIELD))
    response = HttpResponseRedirect(request.get_full_path(), status=303)
    if code is None:
        response.delete_cookie(COOKIE, path=COOKIE_PATH, samesite="Lax")
        return response
    link = PrivateLink.find(token) if token else None
    value = f"{code}.{_digest(link)}" if link is not None else code
    response.set_cookie(
        COOKIE,
        value,
        max_age=COOKIE_MAX_AGE,
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response
