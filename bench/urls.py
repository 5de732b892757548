"""The app's URLconf plus the benchmark's reference pages (only in the benchmark's server)."""

from django.urls import path

from bench import views
from crisisplan.urls import handler404, handler500, urlpatterns

STATIC_PATH = "/__bench__/static/"
BASELINE_PATH = "/__bench__/baseline/"
SESSION_PATH = "/__bench__/session/"

urlpatterns = [
    path(STATIC_PATH.strip("/") + "/", views.static),
    path(BASELINE_PATH.strip("/") + "/", views.baseline),
    path(SESSION_PATH.strip("/") + "/", views.session),
    *urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
