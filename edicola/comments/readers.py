"""Who is asking: an account, or a guest known by a random id in a signed cookie, and the network
stored for them (never the full address).

Views and the API build a ClientInfo with `client_info(request)` and, after a response that
needs the guest id (a vote, a report, a comment), call `remember_reader(request, response)`.

`is_moderator(user)` is the one answer to "is this the editorial staff": the moderation
permission (given to a group in Wagtail's admin), never `is_staff`, which Wagtail's user form
cannot set. It opens the moderation queue and gives a comment the "Editorial staff" badge.
"""

import secrets
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from edicola.core import identity
from edicola.core.origin import client_ip, ip_network  # noqa: F401 (ip_network: re-exported)

# The discussion's cookies. The sort order selects a variant of cached pages; holders of an edit
# cookie bypass the page cache (registered with core.pagecache by CommentsConfig.ready()).
SORT_COOKIE = "edicola_ordine"
EDIT_COOKIE_PREFIX = "edicola_modifica_"
EDIT_COOKIE_SALT = "edicola.comments.edit"
GUEST_COOKIE = "edicola_ospite"
GUEST_COOKIE_SALT = "edicola.comments.guest"
GUEST_COOKIE_AGE = 365 * 24 * 3600
READER_COOKIE = "edicola_lettore"
READER_COOKIE_SALT = "edicola.comments.reader"
READER_COOKIE_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class ClientInfo:
    """Who is asking: the account if logged in, the guest's reader id (signed cookie), the IP."""

    ip: str
    user: object | None = None  # an authenticated User, or None
    reader_id: str = ""  # "u:<id>" or "g:<random>"; see client_info()
    # Hashes of the addresses this browser has proven (core.identity.proven_emails).
    proven_emails: frozenset[str] = frozenset()


MODERATE_PERMISSION = "comments.change_comment"


def is_moderator(user) -> bool:
    """Whether `user` moderates the discussion (and so speaks for the editorial staff)."""
    return bool(
        user is not None
        and getattr(user, "is_active", False)
        and user.has_perm(MODERATE_PERMISSION)
    )


def account_of(client: ClientInfo | None):
    """The client's authenticated account, or None for a guest."""
    user = getattr(client, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def reader_key(client: ClientInfo) -> str:
    """The id votes and reports are stored under: the account if any, else the guest cookie."""
    user = account_of(client)
    return f"u:{user.pk}" if user is not None else (client.reader_id or "")


def _guest_id(request: HttpRequest) -> str:
    if not hasattr(request, "_edicola_guest_id"):
        value = request.get_signed_cookie(READER_COOKIE, default="", salt=READER_COOKIE_SALT)
        request._edicola_guest_id = value if value.isalnum() and len(value) <= 40 else ""
        request._edicola_guest_id_new = not request._edicola_guest_id
        if not request._edicola_guest_id:
            request._edicola_guest_id = secrets.token_hex(12)
    return request._edicola_guest_id


def client_info(request: HttpRequest) -> ClientInfo:
    user = (
        request.user if getattr(request, "user", None) and request.user.is_authenticated else None
    )
    reader_id = f"u:{user.pk}" if user else f"g:{_guest_id(request)}"
    return ClientInfo(
        ip=client_ip(request),
        user=user,
        reader_id=reader_id,
        proven_emails=identity.proven_emails(request),
    )


def remember_reader(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Set the guest-id cookie if this request created a new guest id."""
    if getattr(request, "_edicola_guest_id_new", False):
        response.set_signed_cookie(
            READER_COOKIE,
            request._edicola_guest_id,
            salt=READER_COOKIE_SALT,
            max_age=READER_COOKIE_AGE,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response
