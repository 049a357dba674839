"""What the accounts app stores besides Django's users: whether an account's address is proven."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_key() -> str:
    return secrets.token_hex(16)


class EmailConfirmation(models.Model):
    """The proof that an account owns its e-mail address.

    `email` is the address that was proven (lower-cased) and `confirmed_at` when: the proof
    holds only while the account's address is still that one. Confirmation links are signed
    and bound to `key` and to the account's current address; confirming rotates `key`, so a
    link works once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="email_confirmation",
        verbose_name=_("account"),
    )
    email = models.EmailField(_("confirmed e-mail"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    key = models.CharField(max_length=32, default=new_key, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mail confirmation")
        verbose_name_plural = _("e-mail confirmations")

    def __str__(self) -> str:
        return self.email or str(self.user_id)
