from django.urls import path

from clients import views

app_name = "clients"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("clients/add/", views.add, name="add"),
    path("clients/<uuid:pk>/", views.detail, name="detail"),
    path("clients/<uuid:pk>/edit/", views.edit, name="edit"),
    path("clients/<uuid:pk>/archive/", views.archive, name="archive"),
    path("clients/<uuid:pk>/unarchive/", views.unarchive, name="unarchive"),
    path("clients/<uuid:pk>/delete/", views.delete, name="delete"),
    path("clients/<uuid:pk>/events/", views.events, name="events"),
    path("clients/<uuid:pk>/check-in/", views.check_in, name="check_in"),
    path("clients/<uuid:pk>/check-in/again/", views.check_in_again, name="check_in_again"),
    path("clients/<uuid:pk>/emergency/", views.emergency, name="emergency"),
    path("clients/<uuid:pk>/crisis-events/new/", views.crisis_event_add, name="crisis_event_add"),
    path(
        "clients/<uuid:pk>/follow-ups/schedule/",
        views.follow_ups_schedule,
        name="follow_ups_schedule",
    ),
    path(
        "clients/<uuid:pk>/follow-ups/<uuid:follow_up_pk>/",
        views.follow_up_record,
        name="follow_up_record",
    ),
    path(
        "clients/<uuid:pk>/follow-ups/<uuid:follow_up_pk>/cancel/",
        views.follow_up_cancel,
        name="follow_up_cancel",
    ),
]
