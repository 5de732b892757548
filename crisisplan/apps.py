from django.apps import AppConfig


class CrisisPlanConfig(AppConfig):
    name = "crisisplan"
    verbose_name = "Crisis plans"

    def ready(self) -> None:
        # Plans and links add to the client pages and export of the layer below them
        # (clients.hooks). Imported here because models load only once apps are ready.
        from crisisplan.links import hooks as link_hooks
        from crisisplan.plans import hooks as plan_hooks

        plan_hooks.register()
        link_hooks.register()
