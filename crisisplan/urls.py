from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crisisplan import errors

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("directory/", include("hotlines.urls")),
    path("", include("crisisplan.plans.urls")),
    path("", include("crisisplan.links.urls")),
    path("", include("clients.urls")),
]

handler404 = errors.not_found
handler500 = errors.server_error
