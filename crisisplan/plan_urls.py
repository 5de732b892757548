"""URLs of the crisis-plan app (plans, versions, private links).

crisisplan/urls.py is the project's root URLconf; the app's own routes live here. Every
plan URL names the client: the access helper checks that client's therapist first.
"""

from django.urls import path, re_path

from crisisplan import views

app_name = "plans"
urlpatterns = [
    path("clients/<uuid:client_pk>/plan/", views.plan_edit, name="edit"),
    path("clients/<uuid:client_pk>/plan/preview/", views.plan_preview, name="preview"),
    path("clients/<uuid:client_pk>/plan/versions/", views.plan_versions, name="versions"),
    path("clients/<uuid:client_pk>/plan/compare/", views.plan_compare, name="compare"),
    path("clients/<uuid:client_pk>/plan/unpublish/", views.plan_unpublish, name="unpublish"),
    path("clients/<uuid:client_pk>/plan/review/", views.plan_review, name="review"),
    path(
        "clients/<uuid:client_pk>/plan/versions/<int:number>/restore/",
        views.plan_restore,
        name="restore",
    ),
    path(
        "clients/<uuid:client_pk>/plan/versions/<int:number>/publish/",
        views.plan_publish,
        name="publish",
    ),
    # The therapist's side of the private link.
    path("clients/<uuid:client_pk>/plan/link/", views.link_manage, name="link_manage"),
    path("clients/<uuid:client_pk>/plan/link/new/", views.link_create, name="link_create"),
    path("clients/<uuid:client_pk>/plan/link/revoke/", views.link_revoke, name="link_revoke"),
    path("clients/<uuid:client_pk>/plan/link/unlock/", views.link_unlock, name="link_unlock"),
    # The client's side: no account, the token is the key. Anything else under /p/
    # (malformed tokens of any length or characters) gets the same 404 page.
    path("p/<str:token>/", views.link_landing, name="link"),
    path("p/<str:token>/plan/", views.link_plan, name="link_plan"),
    path("p/<str:token>/plan/copy/", views.link_copy, name="link_copy"),
    re_path(r"^p/", views.link_unknown, name="link_unknown"),
]
