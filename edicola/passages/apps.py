from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassagesConfig(AppConfig):
    name = "edicola.passages"
    label = "passages"
    verbose_name = _("Passages")

    def ready(self) -> None:
        from . import signals  # noqa: F401
