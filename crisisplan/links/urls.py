"""The private link: the therapist's pages about it, and the client's pages behind it."""

from django.urls import path, re_path

from crisisplan.links import public, views

app_name = "links"
urlpatterns = [
    path("clients/<uuid:client_pk>/plan/link/", views.manage, name="manage"),
    path("clients/<uuid:client_pk>/plan/link/new/", views.create, name="create"),
    path("clients/<uuid:client_pk>/plan/link/made/", views.created, name="created"),
    path("clients/<uuid:client_pk>/plan/link/replace/", views.replace, name="replace"),
    path("clients/<uuid:client_pk>/plan/link/revoke/", views.revoke, name="revoke"),
    path("clients/<uuid:client_pk>/plan/link/unlock/", views.unlock, name="unlock"),
    # The client's side: no account, the token is the key. Anything else under /p/
    # (malformed tokens of any length or characters) gets the same 404 page.
    # The service worker that keeps a plan on the phone: under /p/ so that it may
    # control /p/<token>/, and without a token in its own URL.
    path("p/sw.js", public.service_worker, name="service_worker"),
    path("p/<str:token>/", public.landing, name="landing"),
    path("p/<str:token>/manifest.webmanifest", public.manifest, name="manifest"),
    path("p/<str:token>/plan/", public.plan, name="plan"),
    path("p/<str:token>/plan/copy/", public.copy, name="copy"),
    re_path(r"^p/", public.unknown, name="unknown"),
]
