"""gunicorn's logging: no log line may contain a private link's token.

``RedactingLogger`` rewrites every access-log value (request line, path, referer,
headers) through crisisplan.logfilters.redact, and filters gunicorn's error log (e.g.
"Error handling request /p/...") the same way. ``json_logconfig`` makes gunicorn's own
lines (boot, worker timeouts) JSON like the app's with LOG_FORMAT=json.
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


def json_logconfig() -> dict[str, Any]:
    """gunicorn's logconfig_dict: its error log as JSON lines on stderr. Not propagated
    to the root logger, which Django's LOGGING gives handlers of its own in a worker."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        "formatters": {"json": {"()": "crisisplan.requestlog.JsonFormatter"}},
    }
