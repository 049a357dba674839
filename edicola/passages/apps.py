from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassagesConfig(AppConfig):
    name = "edicola.passages"
    label = "passages"
    verbose_name = _("Passages")

    def ready(self) -> None:
        from edicola.comments.privacy import SCOPE
        from edicola.core import privacy as personal_data

        from . import signals  # noqa: F401
        from .privacy import ErrorReportData

        personal_data.register(SCOPE, ErrorReportData(), order=50)
