"""Who has proven which e-mail address: the one question every app asks before it trusts one.

An account's address counts only once it is proven. The accounts app knows how (a confirmation
link mailed at sign-up) and registers the answer with `register_confirmed_email()` in its
`AppConfig.ready()`; the discussion and the other apps ask `confirmed_email(user)` and know
nothing of accounts. Until an account's address is proven, the answer is "" and the account
acts as one without an address.

A browser can prove an address too, without an account: the reader opened a link mailed to it
(a subscription's confirmation, an account's). `remember_proven_email()` records that in a
signed cookie of this browser, holding keyed hashes only (never the address), and
`proven_emails(request)` reads them back. The cookie is set only on answers that are never
cached, and no cached page depends on it.

`email_confirmed(sender=<user model>, user=..., email=...)` is sent, after the commit, when an
account's address has just been proven; apps listening link what that address already owns.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse

email_confirmed = Signal()

PROOF_COOKIE = "edicola_email_provata"
PROOF_COOKIE_SALT = "edicola.core.identity.proof"
PROOF_COOKIE_AGE = 365 * 24 * 3600
PROOF_COOKIE_MAX = 5  # addresses remembered per browser, newest first

_confirmed_email = None


def register_confirmed_email(function) -> None:
    """`function(user) -> str`: the account's proven address (lower-cased), or ""."""
    global _confirmed_email
    _confirmed_email = function


def confirmed_email(user) -> str:
    """The account's address if it is proven, "" otherwise (or for no account at all)."""
    if user is None or not getattr(user, "is_authenticated", False) or _confirmed_email is None:
        return ""
    return _confirmed_email(user) or ""


def is_confirmed(user) -> bool:
    return bool(confirmed_email(user))


def email_hash(email: str) -> str:
    """A keyed, non-reversible stand-in for an address (what the proof cookie holds)."""
    value = (email or "").strip().lower().encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), b"identity:" + value, hashlib.sha256)
    return digest.hexdigest()[:24]


def proven_emails(request: HttpRequest) -> frozenset[str]:
    """Hashes of the addresses this browser has proven (see `email_hash`)."""
    value = request.get_signed_cookie(PROOF_COOKIE, default="", salt=PROOF_COOKIE_SALT)
    hashes = [part for part in str(value).split(".") if len(part) == 24 and part.isalnum()]
    return frozenset(hashes[:PROOF_COOKIE_MAX])


def remember_proven_email(request: HttpRequest, response: HttpResponse, email: str) -> None:
    """Record in this browser that its reader proved `email` (call on uncached answers only)."""
    if not (email or "").strip():
        return
    value = request.get_signed_cookie(PROOF_COOKIE, default="", salt=PROOF_COOKIE_SALT)
    kept = [part for part in str(value).split(".") if len(part) == 24 and part.isalnum()]
    new = email_hash(email)
    hashes = [new, *[part for part in kept if part != new]][:PROOF_COOKIE_MAX]
    response.set_signed_cookie(
        PROOF_COOKIE,
        ".".join(hashes),
        salt=PROOF_COOKIE_SALT,
        max_age=PROOF_COOKIE_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
