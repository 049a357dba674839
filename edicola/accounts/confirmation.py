"""Proving an account's e-mail address: the mailed link, confirming it, and what counts as proven.

- Signing up mails a signed link to the address (stored, then sent, by core.mail); it works for
  ACCOUNTS["CONFIRM_HOURS"] hours and once. The account page can send it again. Mails are rate
  limited per IP (CONFIRM_RATE_IP) and per address (CONFIRM_RATE_EMAIL).
- An address is proven while the account still has the address the link was opened for.
- Staff accounts (is_staff or superuser: made with createsuperuser or by staff in the admin)
  count as proven: the staff vouch for them. Self sign-ups and accounts imported from WordPress
  are proven only by the link (migration 0001 marks none of them confirmed).
- `confirmed_email()` is registered with core.identity, which every other app asks: until the
  address is proven the account acts as one without an address (no linking to what a guest
  with that address did, no one-click subscriptions, no "known reader").

Refusals are ConfirmationError with a translated message and the HTTP status to answer; then
nothing was written and nothing sent (rate-limit counters aside).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from edicola.core import identity, mail, ratelimit
from edicola.core.tasks import after_commit

from .conf import conf
from .models import EmailConfirmation, new_key

SALT = "edicola.accounts.confirm"
TEMPLATE = "accounts/email/confirm_email"


class ConfirmationError(Exception):
    """A refusal the reader sees (`message` is translated), with the HTTP status to answer and,
    for 429, the seconds to wait."""

    def __init__(self, message, *, status: int = 400, retry_after: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.status = status
        self.retry_after = retry_after


def _address(user) -> str:
    return (getattr(user, "email", "") or "").strip().lower()


def confirmed_email(user) -> str:
    """The account's address if it is proven, otherwise "" (see the module's rules)."""
    email = _address(user)
    if not email or not getattr(user, "is_active", True):
        return ""
    if user.is_staff or user.is_superuser:
        return email
    try:
        row = user.email_confirmation
    except EmailConfirmation.DoesNotExist:
        return ""
    return email if row.confirmed_at is not None and row.email == email else ""


def _digest(row: EmailConfirmation, email: str) -> str:
    return hashlib.sha256(f"{row.key}:{email}".encode()).hexdigest()[:16]


def confirm_token(row: EmailConfirmation, email: str) -> str:
    return signing.dumps({"u": row.user_id, "k": _digest(row, email)}, salt=SALT, compress=True)


def _invalid() -> ConfirmationError:
    return ConfirmationError(_("This link is not valid. Check that you copied all of it."))


def _limit(user, ip: str) -> None:
    try:
        if ip:
            ratelimit.hit("account-confirm-ip", ratelimit.keyed_hash(ip), conf("CONFIRM_RATE_IP"))
        ratelimit.hit(
            "account-confirm-email",
            ratelimit.keyed_hash(_address(user)),
            conf("CONFIRM_RATE_EMAIL"),
        )
    except ratelimit.RateLimited as limited:
        raise ConfirmationError(
            _(
                "We have sent too many confirmation e-mails. Check your inbox, including the "
                "spam folder, or try again later."
            ),
            status=429,
            retry_after=limited.retry_after,
        ) from None


def send_confirmation(user, *, ip: str = "", language: str | None = None) -> None:
    """Mail the account a link that proves its address (sign-up, or "send again").

    Refusals: 400 no address; 409 already confirmed; 429 too many mails for this IP or address.
    """
    email = _address(user)
    if not email:
        raise ConfirmationError(_("Your account has no e-mail address."))
    if confirmed_email(user):
        raise ConfirmationError(_("Your e-mail address is already confirmed."), status=409)
    _limit(user, ip)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        row, _created = EmailConfirmation.objects.get_or_create(user=user)
        with translation.override(language):
            link = settings.BASE_URL + reverse("accounts:confirm", args=[confirm_token(row, email)])
            subject = gettext("Confirm your e-mail address")
        mail.queue_mail(
            email,
            subject,
            TEMPLATE,
            {
                "name": user.get_full_name() or "",
                "confirm_url": link,
                "valid_hours": conf("CONFIRM_HOURS"),
            },
            language=language,
        )


def _load(token: str) -> dict:
    try:
        payload = signing.loads(
            str(token)[:500], salt=SALT, max_age=timedelta(hours=conf("CONFIRM_HOURS"))
        )
    except signing.SignatureExpired:
        raise ConfirmationError(
            _("This link has expired. Log in and ask for a new one from your account page."),
            status=410,
        ) from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise _invalid() from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise _invalid()
    return payload


def account_for_token(token: str):
    """The account a confirmation link names, if the link is genuine, fresh and unused (or its
    address is confirmed already)."""
    payload = _load(token)
    row = EmailConfirmation.objects.select_related("user").filter(user_id=payload["u"]).first()
    if row is None:
        raise _invalid()
    email = _address(row.user)
    already = row.confirmed_at is not None and row.email == email
    if not email or (payload.get("k") != _digest(row, email) and not already):
        raise _invalid()
    return row.user


def confirm(token: str) -> tuple[object, bool]:
    """Prove the address a link was mailed to. Returns the account and whether this call
    confirmed it (False: it was confirmed already, nothing changed). After the commit,
    core.identity.email_confirmed is sent so other apps link what the address owns."""
    payload = _load(token)
    with transaction.atomic():
        row = (
            EmailConfirmation.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(user_id=payload["u"])
            .first()
        )
        if row is None or not _address(row.user):
            raise _invalid()
        user, email = row.user, _address(row.user)
        if row.confirmed_at is not None and row.email == email:
            return user, False
        if payload.get("k") != _digest(row, email):
            raise _invalid()
        row.email, row.confirmed_at, row.key = email, timezone.now(), new_key()
        row.save(update_fields=["email", "confirmed_at", "key"])
        after_commit(identity.email_confirmed.send, sender=type(user), user=user, email=email)
    return user, True
