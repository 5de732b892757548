"""Django's admin finds the app's admin here; the classes live with their models."""

from crisisplan.core import admin  # noqa: F401
