"""gunicorn's production settings: `gunicorn --config deploy/gunicorn.conf.py`, run
from the checkout's root by deploy/systemd/crisisplan.service (README, "Deploying").

Read from the environment (the service's EnvironmentFile), beside the app's own:

- GUNICORN_BIND: the address Caddy reaches this app server on (127.0.0.1:8000). On a
  second machine, its private address; never one that clients can reach.
- GUNICORN_WORKERS: worker processes (2 per core + 1). Each holds one database
  connection (CONN_MAX_AGE), so PostgreSQL's max_connections must exceed the sum over
  all app servers (docs/operations.md, "Scaling").
- GUNICORN_FORWARDED_ALLOW_IPS: the proxy's addresses (127.0.0.1,::1), the only ones
  whose X-Forwarded-Proto gunicorn believes. The app itself believes X-Forwarded-For
  and -Proto only with BEHIND_TLS_PROXY=true.
"""

from __future__ import annotations

import multiprocessing
import os

from crisisplan import serverhooks
from crisisplan.serverlog import RedactingLogger, json_logconfig

wsgi_app = "crisisplan.wsgi:application"
post_worker_init = serverhooks.post_worker_init  # gc.freeze() after start-up
proc_name = "crisisplan"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Sync workers: every request is short (one to a few queries); a slow client is the
# proxy's problem, not a worker's, since Caddy buffers requests.
worker_class = "sync"
timeout = 30  # a worker stuck this long is replaced (and logged)
graceful_timeout = 25  # on SIGTERM (systemctl stop, restart) requests under way finish
keepalive = 5  # Caddy reuses connections to the app server
# A fresh worker now and then bounds any slow growth of memory; spread out, so that
# the workers of one server do not restart together.
max_requests = 2000
max_requests_jitter = 200

# Logs: the app writes one line per request with its id (crisisplan/requestlog.py), so
# gunicorn's own access log stays off; its error log goes to stderr (the journal).
logger_class = RedactingLogger
accesslog = None
errorlog = "-"
loglevel = "info"
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    logconfig_dict = json_logconfig()
