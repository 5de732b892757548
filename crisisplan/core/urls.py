"""The account pages (namespace ``account``). Login, logout and the password views keep
Django's global names (``login``, ``password_reset_done``...), in crisisplan/urls.py."""

from django.urls import path

from crisisplan.core import views

app_name = "account"
urlpatterns = [
    path("login/code/", views.login_code, name="login_code"),
    path("account/", views.account, name="index"),
    path("account/two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/<int:pk>/remove/", views.remove_device, name="two_factor_remove"),
    path("account/recovery-codes/", views.new_recovery_codes, name="recovery_codes"),
    path("account/sessions/end/", views.end_other_sessions, name="end_sessions"),
    path("account/language/", views.language, name="language"),
    path("account/time-zone/", views.time_zone, name="time_zone"),
    path("account/session/keepalive/", views.keepalive, name="keepalive"),
]
