from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "edicola.accounts"
    label = "accounts"
    verbose_name = _("Reader accounts")

    def ready(self) -> None:
        from edicola.core import identity

        from .confirmation import confirmed_email

        identity.register_confirmed_email(confirmed_email)
