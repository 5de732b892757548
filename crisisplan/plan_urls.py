"""URLs of the crisis-plan app (plans, versions, private links).

crisisplan/urls.py is the project's root URLconf; the app's own routes live here.
"""

from django.urls import path  # noqa: F401

app_name = "plans"
urlpatterns: list = []
