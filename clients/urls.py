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
]
