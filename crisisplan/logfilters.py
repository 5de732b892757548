"""Logging filters that keep secrets out of every log line."""

from __future__ import annotations

import logging
import re

# A private link's path is /p/<token>/...; the token must never reach a log.
LINK_TOKEN_RE = re.compile(r"(/p/)[^/\s?\"']+")
# Searches put client names in the query string (/?q=Rana).
SEARCH_QUERY_RE = re.compile(r"([?&]q=)[^&\s\"']*")


def redact(text: str) -> str:
    text = LINK_TOKEN_RE.sub(r"\1[redacted]", text)
    return SEARCH_QUERY_RE.sub(r"\1[redacted]", text)


class RedactTokensFilter(logging.Filter):
    """Rewrite a record's message so that private-link tokens are replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        for attr in ("request",):
            # django.server attaches the request; drop it so no handler formats its path.
            if hasattr(record, attr):
                delattr(record, attr)
        return True
