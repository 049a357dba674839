"""Setting a password by mailed link: for a reader who forgot theirs, and for accounts that came
over from another site without one (a WordPress export file carries no password hashes).

`request_password_link` answers the same whether or not an account has the address, so the
form tells no one who is registered; links are Django's password-reset tokens, which stop
working once the password changes or after PASSWORD_RESET_TIMEOUT.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from edicola.core import mail, ratelimit

LINK_TEMPLATE = "accounts/email/password_link"
MAILS_PER_DAY = 3  # per address
REQUESTS_PER_NETWORK = ["10/3600", "30/86400"]


class PasswordLinkRefused(Exception):
    """Too many requests; `message` is translated."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def request_password_link(email: str, *, ip: str = "") -> None:
    """Mail a link that sets the password of the account with this address, if there is one."""
    email = (email or "").strip().lower()
    if ip:
        try:
            ratelimit.hit("password-link-ip", ratelimit.keyed_hash(ip), REQUESTS_PER_NETWORK)
        except ratelimit.RateLimited:
            raise PasswordLinkRefused(_too_many()) from None
    with transaction.atomic():
        if mail.recent_count(email, LINK_TEMPLATE, within=timedelta(days=1)) >= MAILS_PER_DAY:
            raise PasswordLinkRefused(_too_many())
        user = (
            get_user_model()
            ._default_manager.filter(email__iexact=email, is_active=True)
            .order_by("pk")
            .first()
        )
        if user is None:
            return
        path = reverse(
            "accounts:set_password",
            args=[
                urlsafe_base64_encode(force_bytes(user.pk)),
                default_token_generator.make_token(user),
            ],
        )
        hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
        mail.queue_mail(
            user.email,
            _("Set your password"),
            LINK_TEMPLATE,
            {"link": settings.BASE_URL + path, "valid_hours": hours},
            language=translation.get_language(),
        )


def user_for_link(uidb64: str, token: str):
    """The account a mailed link is for, or None when the link is wrong or no longer valid."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    user = get_user_model()._default_manager.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def _too_many():
    return _(
        "You have asked for this link too many times today. Please check your inbox, including "
        "the spam folder, or try again tomorrow."
    )
