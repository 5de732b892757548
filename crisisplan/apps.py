from django.apps import AppConfig


class CrisisPlanConfig(AppConfig):
    name = "crisisplan"
    verbose_name = "Crisis plans"

    def ready(self) -> None:
        # Adds the plan and its versions to export_client_data's output.
        from crisisplan import plan_export  # noqa: F401
