"""The hand-over of a new link's token from the request that makes it to the page that
shows it (POST-redirect-GET): kept in the therapist's server-side session, for a few
minutes at most, and taken out of it the first time it is shown.

So a reload of the page that shows the link shows it no more (and never makes another
one), the token is never in a URL (nor in the logs that record URLs), and no copy is
left behind: the session row holds it only between the redirect and the next request.
"""

from __future__ import annotations

import time

from django.http import HttpRequest

from crisisplan.plans.models import Plan

KEY = "crisisplan_new_link"
KEEP_SECONDS = 300


def give(request: HttpRequest, plan: Plan, token: str) -> None:
    request.session[KEY] = {
        "plan": str(plan.pk),
        "token": token,
        "until": time.time() + KEEP_SECONDS,
    }


def take(request: HttpRequest, plan: Plan) -> str | None:
    """The token made for ``plan`` in this session, once; None if there is none (already
    shown, too old, or made for another plan, which keeps it for its own page)."""
    handed = request.session.get(KEY)
    if not isinstance(handed, dict) or handed.get("plan") != str(plan.pk):
        return None
    del request.session[KEY]
    if handed.get("until", 0) < time.time():
        return None
    return handed.get("token")
