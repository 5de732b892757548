"""The test run's settings (pyproject.toml: ``DJANGO_SETTINGS_MODULE = "tests.settings"``):
the app's own, read without a .env.

Tests must not depend on a developer's .env (or its absence on a fresh clone), so the
run reads no .env and uses development defaults; DATABASE_URL still comes from the
environment (``make test`` sets it to PostgreSQL). Tests that need production settings
start the app in a subprocess with an exact environment (tests/core/test_settings.py).
"""

from __future__ import annotations

import os

os.environ["ENV_FILE"] = ""
os.environ.setdefault("DEBUG", "true")

from crisisplan.settings import *  # noqa: F403
