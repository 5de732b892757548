from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from crisisplan import errors
from crisisplan.core import views as account_views

urlpatterns = [
    path("login/", account_views.login_view, name="login"),
    path("logout/", account_views.logout_view, name="logout"),
    path(
        "account/password/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password-reset/", account_views.password_reset, name="password_reset"),
    path("password-reset/sent/", account_views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        account_views.password_reset_complete,
        name="password_reset_complete",
    ),
    # The scripts' strings in the page's language (locale/*/LC_MESSAGES/djangojs.po),
    # from our own origin like every script.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript_catalog"),
    path("", include("crisisplan.core.urls")),
    path("admin/", admin.site.urls),
    path("directory/", include("hotlines.urls")),
    path("", include("crisisplan.plans.urls")),
    path("", include("crisisplan.links.urls")),
    path("", include("clients.urls")),
]

handler400 = errors.bad_request
handler404 = errors.not_found
handler500 = errors.server_error
