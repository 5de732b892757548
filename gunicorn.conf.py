"""gunicorn settings read from the working directory (gunicorn loads this file itself).

No log may contain a private link's token: RedactingLogger rewrites every access-log
value (request line, path, referer, headers) through crisisplan.logfilters.redact, and
filters gunicorn's error log (e.g. "Error handling request /p/...") the same way.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from crisisplan.logfilters import RedactTokensFilter, redact


class RedactingLogger(Logger):
    def __init__(self, cfg: Any) -> None:
        super().__init__(cfg)
        self.error_log.addFilter(RedactTokensFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }


logger_class = RedactingLogger
wsgi_app = "crisisplan.wsgi:application"
