"""The app's URLconf plus the baseline page (only in the benchmark's server)."""

from django.urls import path

from bench import views
from crisisplan.urls import handler404, handler500, urlpatterns

BASELINE_PATH = "/__bench__/baseline/"

urlpatterns = [path(BASELINE_PATH.strip("/") + "/", views.baseline), *urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
