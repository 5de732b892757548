from django.apps import AppConfig


class HotlinesConfig(AppConfig):
    name = "hotlines"
    verbose_name = "Directory of emergency services"
