from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

from crisisplan.core.text import refuse_in_every_text_field


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that asks for the second factor (crisisplan.core.admin_site)."""

    default = False  # named in INSTALLED_APPS as crisisplan.apps.AdminConfig
    default_site = "crisisplan.core.admin_site.AdminSite"


class CrisisPlanConfig(AppConfig):
    name = "crisisplan"
    verbose_name = _("Crisis plans")

    def ready(self) -> None:
        # Every form text field refuses NUL and bidi controls (crisisplan.core.text).
        refuse_in_every_text_field()
        # Plans and links add to the client pages and export of the layer below them
        # (clients.hooks). Imported here because models load only once apps are ready.
        from crisisplan.links import hooks as link_hooks
        from crisisplan.plans import hooks as plan_hooks

        plan_hooks.register()
        link_hooks.register()
        # Sign-in, sign-out and failed-attempt receivers (account page, audit log), and
        # the therapist's time zone taken from the browser at the first login.
        from crisisplan.core import sessions, timezones  # noqa: F401
