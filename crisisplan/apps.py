from django.apps import AppConfig


class CrisisPlanConfig(AppConfig):
    name = "crisisplan"
    verbose_name = "Crisis plans"
