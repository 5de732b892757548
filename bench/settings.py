"""Settings of the benchmark's processes: the app's own settings, plus

- the bench app, whose ``seed_scale`` command loads the data set it measures;
- the baseline route (bench/urls.py), which exists only here, never in production;
- the folder the runner writes the baseline template into (BENCH_TEMPLATES_DIR);
- a static root of the benchmark's own (STATIC_ROOT), so collectstatic never touches
  var/static of `make run`;
- the guard: any database but a PostgreSQL ``*_bench`` one stops start-up.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from bench.guard import Refused, check_database_settings
from crisisplan.settings import *  # noqa: F403
from crisisplan.settings import BASE_DIR, DATABASES, INSTALLED_APPS, TEMPLATES

try:
    check_database_settings(DATABASES["default"])
except Refused as exc:
    raise ImproperlyConfigured(f"bench.settings: {exc}") from None

ROOT_URLCONF = "bench.urls"
# For its seed_scale command (bench/management/commands/seed_scale.py).
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

TEMPLATES = copy.deepcopy(TEMPLATES)
if os.environ.get("BENCH_TEMPLATES_DIR"):
    TEMPLATES[0]["DIRS"] = [Path(os.environ["BENCH_TEMPLATES_DIR"]), *TEMPLATES[0]["DIRS"]]

STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "var" / "bench-static")
