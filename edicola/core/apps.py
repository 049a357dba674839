from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "edicola.core"
    label = "core"
    verbose_name = _("Site")

    def ready(self) -> None:
        from django.core.management import call_command

        from . import clock, signals  # noqa: F401

        clock.register_job(
            "scheduled publishing", lambda: call_command("publish_scheduled", verbosity=0), order=0
        )
