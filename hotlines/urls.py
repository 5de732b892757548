from django.urls import path

from hotlines import views

app_name = "hotlines"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/report/", views.report, name="report"),
    path("regions/", views.regions, name="regions"),
]
