"""The therapist's plan pages. Every URL names the client: the access helper checks that
client's therapist first."""

from django.urls import path

from crisisplan.plans import views

app_name = "plans"
urlpatterns = [
    path("clients/<uuid:client_pk>/plan/", views.plan_edit, name="edit"),
    path("clients/<uuid:client_pk>/plan/preview/", views.plan_preview, name="preview"),
    path(
        "clients/<uuid:client_pk>/plan/directory/",
        views.directory_search,
        name="directory_search",
    ),
    path("clients/<uuid:client_pk>/plan/versions/", views.plan_versions, name="versions"),
    path("clients/<uuid:client_pk>/plan/compare/", views.plan_compare, name="compare"),
    path("clients/<uuid:client_pk>/plan/unpublish/", views.plan_unpublish, name="unpublish"),
    path("clients/<uuid:client_pk>/plan/review/", views.plan_review, name="review"),
    path("clients/<uuid:client_pk>/plan/reviewed/", views.plan_reviewed, name="reviewed"),
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
]
