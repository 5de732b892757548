"""gunicorn settings read from the working directory (gunicorn loads this file itself):
the app and the logger that keeps link tokens out of every log (crisisplan/serverlog.py).

Production adds its settings in deploy/gunicorn.conf.py (README, "Deploying").
"""

from __future__ import annotations

from crisisplan import serverhooks
from crisisplan.serverlog import RedactingLogger

logger_class = RedactingLogger
wsgi_app = "crisisplan.wsgi:application"
post_worker_init = serverhooks.post_worker_init  # gc.freeze() after start-up
