"""gunicorn settings read from the working directory (gunicorn loads this file itself).

The access log must never contain a private link's token: RedactingLogger rewrites every
logged value (request line, path, referer, headers) through crisisplan.logfilters.redact.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from crisisplan.logfilters import redact


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }


logger_class = RedactingLogger
wsgi_app = "crisisplan.wsgi:application"
