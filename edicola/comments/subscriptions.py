"""Subscriptions to discussions: subscribe, confirm, change frequency, unsubscribe.

Guests confirm by a signed link mailed to the address (double opt-in, valid
COMMENTS_NOTIFICATIONS["CONFIRM_DAYS"] days); nothing else is ever sent to an address whose
subscription is unconfirmed, and an address receives at most CONFIRM_MAILS_PER_DAY confirmation
mails a day (counted on the stored OutgoingMail rows, which every process sees). A logged-in
reader whose account's address is proven (core.identity) is confirmed at once (one click); an
account whose address is not proven yet is treated as a guest with that address: double opt-in,
and no link between the account and the address's subscriber. Subscribing twice changes nothing.

Links in mails are signed with SECRET_KEY and bound to the subscriber's random `key` and
address: a link for one address proves nothing about another, and rotating the key voids them.
Manage and unsubscribe links in mails do not expire (mails are kept for years); confirmation
links do, and so do the manage links "Le mie iscrizioni" hands to a logged-in account
(ACCOUNT_MANAGE_SECONDS).
Every refusal is a SubscriptionError with a translated message and the HTTP status to answer;
in that case nothing was written and nothing sent.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from edicola.core import identity, mail, ratelimit
from edicola.news.models import ArticlePage

from .conf import conf
from .forms import clean_email
from .models import Notification, Subscriber, Subscription, new_edit_key

CONFIRM_SALT = "edicola.comments.subscriptions.confirm"
MANAGE_SALT = "edicola.comments.subscriptions.manage"
UNSUBSCRIBE_SALT = "edicola.comments.subscriptions.unsubscribe"
ACCOUNT_MANAGE_SECONDS = 3600  # life of a manage link handed to a logged-in account
CONFIRM_TEMPLATE = "comments/email/confirm_subscription"


class SubscriptionError(Exception):
    """A refusal the reader sees (`message` is translated), with the HTTP status to answer."""

    def __init__(self, message, *, status: int = 400, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.status = status
        self.field = field


# -- Signed links ----------------------------------------------------------------------------------


def _key_digest(subscriber: Subscriber) -> str:
    return hashlib.sha256(f"{subscriber.key}:{subscriber.email}".encode()).hexdigest()[:16]


def _sign(payload: dict, salt: str) -> str:
    return signing.dumps(payload, salt=salt, compress=True)


def _invalid():
    return SubscriptionError(
        _("This link is not valid. Check that you copied all of it."), status=400
    )


def _load(token: str, salt: str, *, max_age=None) -> dict:
    try:
        payload = signing.loads(str(token)[:500], salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise SubscriptionError(
            _("This link has expired. Subscribe again from the article to get a new one."),
            status=410,
        ) from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise _invalid() from None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise _invalid()
    return payload


def _subscriber_for(payload: dict) -> Subscriber:
    subscriber = Subscriber.objects.filter(pk=payload["s"]).first()
    if subscriber is None or payload.get("k") != _key_digest(subscriber):
        raise _invalid()
    return subscriber


def confirm_token(subscription: Subscription) -> str:
    subscriber = subscription.subscriber
    return _sign(
        {"s": subscriber.pk, "k": _key_digest(subscriber), "u": subscription.pk}, CONFIRM_SALT
    )


def manage_token(subscriber: Subscriber, *, expiring: bool = False) -> str:
    """The "Le mie iscrizioni" token; `expiring` ones (handed out on a web page, not mailed)
    work for ACCOUNT_MANAGE_SECONDS."""
    payload = {"s": subscriber.pk, "k": _key_digest(subscriber)}
    if expiring:
        payload["x"] = 1
    return _sign(payload, MANAGE_SALT)


def unsubscribe_token(
    subscriber: Subscriber, subscription_id: int | None = None, *, article_id: int | None = None
) -> str:
    """A one-click unsubscribe token: from one subscription, from every subscription to one
    article, or (neither given) from everything."""
    payload = {"s": subscriber.pk, "k": _key_digest(subscriber)}
    if subscription_id:
        payload["u"] = subscription_id
    elif article_id:
        payload["a"] = article_id
    return _sign(payload, UNSUBSCRIBE_SALT)


def subscriber_for_manage_token(token: str) -> Subscriber:
    payload = _load(token, MANAGE_SALT)
    if payload.get("x"):
        try:
            signing.loads(str(token)[:500], salt=MANAGE_SALT, max_age=ACCOUNT_MANAGE_SECONDS)
        except signing.SignatureExpired:
            raise SubscriptionError(
                _("This link has expired. Open “My subscriptions” from your account again."),
                status=410,
            ) from None
    return _subscriber_for(payload)


def rotate_key(subscriber: Subscriber) -> None:
    """Void every link issued for this subscriber (manage, unsubscribe, confirmation)."""
    subscriber.key = new_edit_key()
    Subscriber.objects.filter(pk=subscriber.pk).update(key=subscriber.key)


def parse_unsubscribe_token(token: str) -> tuple[Subscriber, dict]:
    """The subscriber and the scope ({"subscription_id": ..} or {"article_id": ..} or {})."""
    payload = _load(token, UNSUBSCRIBE_SALT)
    scope = {}
    if isinstance(payload.get("u"), int):
        scope["subscription_id"] = payload["u"]
    elif isinstance(payload.get("a"), int):
        scope["article_id"] = payload["a"]
    return _subscriber_for(payload), scope


def _url(name: str, token: str, language: str) -> str:
    with translation.override(language):
        return settings.BASE_URL + reverse(f"subscriptions:{name}", args=[token])


def manage_url(subscriber: Subscriber, language: str | None = None) -> str:
    return _url("manage", manage_token(subscriber), language or subscriber.language or "it")


def unsubscribe_url(subscriber: Subscriber, token: str, language: str | None = None) -> str:
    return _url("unsubscribe", token, language or subscriber.language or "it")


def list_headers(unsubscribe_link: str, token: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: one-click HTTPS unsubscribe, and a mailto alternative."""
    _name, sender = parseaddr(settings.DEFAULT_FROM_EMAIL)
    mailto = f"mailto:{sender}?subject={quote('unsubscribe ' + token)}"
    return {
        "List-Unsubscribe": f"<{unsubscribe_link}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# -- Subscribing -----------------------------------------------------------------------------------


def _check_article(article) -> None:
    if article is None or not ArticlePage.objects.is_visible(article):
        raise SubscriptionError(_("This article is not available."), status=404)


def _subscriber(email: str, *, user=None, language: str) -> Subscriber:
    subscriber = Subscriber.objects.filter(email=email).first()
    if subscriber is None:
        try:
            with transaction.atomic():
                subscriber = Subscriber.objects.create(email=email, user=user, language=language)
        except IntegrityError:
            subscriber = Subscriber.objects.get(email=email)
    changes = {}
    if user is not None and subscriber.user_id != user.pk:
        changes["user"] = user
    if language and subscriber.language != language and (user is not None or not subscriber.pk):
        changes["language"] = language
    if changes:
        Subscriber.objects.filter(pk=subscriber.pk).update(**changes)
        for name, value in changes.items():
            setattr(subscriber, name, value)
    return subscriber


def subscribe(
    article,
    *,
    kind: str,
    email: str = "",
    user=None,
    ip: str = "",
    language: str | None = None,
) -> Subscription:
    """Subscribe an address (a guest's) or an account (`user`, one click) to an article.

    Returns the Subscription: `confirmed_at` is set for accounts whose address is proven; a
    guest's (or an unproven account's) stays unconfirmed and
    a confirmation link is mailed (at most CONFIRM_MAILS_PER_DAY a day per address). Subscribing
    again to what exists changes nothing (an unconfirmed one gets its link again, within the cap).
    Refusals: 400 bad kind or address; 404 article not published; 429 too many requests.
    """
    user = user if user is not None and getattr(user, "is_authenticated", False) else None
    if kind not in Subscription.Kind.values:
        raise SubscriptionError(_("Choose what you want to be notified of."), field="kind")
    if user is not None:
        email = (user.email or "").strip().lower()
        if not email:
            raise SubscriptionError(_("Your account has no e-mail address."), field="email")
        if not identity.is_confirmed(user):
            # Not proven yet: a guest with that address (double opt-in, linked to nothing).
            user = None
    else:
        try:
            email = clean_email(email)
        except ValidationError as error:
            raise SubscriptionError(error.messages[0], field="email") from None
    _check_article(article)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if user is None:
        identities = [ratelimit.keyed_hash(value) for value in (ip, email) if value]
        try:
            ratelimit.hit("subscribe", identities, conf("SUBSCRIBE_RATE"))
        except ratelimit.RateLimited:
            raise SubscriptionError(_too_many(), status=429) from None
    with transaction.atomic():
        subscriber = _subscriber(email, user=user, language=language)
        subscription, created = Subscription.objects.get_or_create(
            subscriber=subscriber, article_id=article.pk, kind=kind
        )
        if user is not None and subscription.confirmed_at is None:
            Subscription.objects.filter(pk=subscription.pk).update(confirmed_at=timezone.now())
            subscription.refresh_from_db()
        elif subscription.confirmed_at is None and subscriber.disabled_at is None:
            _mail_confirmation(subscription, article, language)
    return subscription


def _mail_confirmation(subscription: Subscription, article, language: str) -> None:
    subscriber = subscription.subscriber
    sent_today = mail.recent_count(subscriber.email, CONFIRM_TEMPLATE, within=timedelta(days=1))
    if sent_today >= conf("CONFIRM_MAILS_PER_DAY"):
        ratelimit.note_refusal(
            mail.cap_reopens_in(
                subscriber.email,
                CONFIRM_TEMPLATE,
                within=timedelta(days=1),
                cap=conf("CONFIRM_MAILS_PER_DAY"),
            )
        )
        raise SubscriptionError(_too_many(), status=429)
    token = unsubscribe_token(subscriber, subscription.pk)
    link = _url("unsubscribe", token, language)
    with translation.override(language):
        subject = gettext("Confirm your subscription to the comments")
        kind_label = str(Subscription.Kind(subscription.kind).label)
    mail.queue_mail(
        subscriber.email,
        subject,
        CONFIRM_TEMPLATE,
        {
            "article_title": article.title,
            "article_url": _article_url(article),
            "kind": kind_label,
            "confirm_url": _url("confirm", confirm_token(subscription), language),
            "unsubscribe_url": link,
            "valid_days": conf("CONFIRM_DAYS"),
        },
        headers=list_headers(link, token),
        language=language,
    )


def _article_url(article) -> str:
    url = article.get_full_url() or ""
    if url.startswith("/"):
        url = settings.BASE_URL + url
    return url


def _too_many():
    return _(
        "Too many subscription requests for this address today. Please check your inbox, "
        "including the spam folder, or try again tomorrow."
    )


def subscription_for_confirm_token(token: str) -> Subscription:
    """The subscription a confirmation link names, if the link is genuine and fresh."""
    payload = _load(token, CONFIRM_SALT, max_age=timedelta(days=conf("CONFIRM_DAYS")))
    subscriber = _subscriber_for(payload)
    subscription = (
        Subscription.objects.select_related("subscriber", "article")
        .filter(pk=payload.get("u"), subscriber=subscriber)
        .first()
    )
    if subscription is None:
        raise SubscriptionError(
            _("This subscription no longer exists. Subscribe again from the article."),
            status=410,
        )
    return subscription


def confirm(token: str) -> tuple[Subscription, bool]:
    """Confirm the subscription a link names. Returns it and whether this call confirmed it
    (False: it was already confirmed, nothing changed)."""
    subscription = subscription_for_confirm_token(token)
    changed = Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    subscription.refresh_from_db()
    return subscription, bool(changed)


# -- Managing --------------------------------------------------------------------------------------


def subscriptions_of(subscriber: Subscriber):
    return (
        Subscription.objects.filter(subscriber=subscriber)
        .select_related("article")
        .order_by("-created_at", "-pk")
    )


def subscriber_for_user(user) -> Subscriber:
    """The subscriber of the account's proven address (made and linked if need be).
    Refusals: 400 the account has no address; 403 its address is not proven yet."""
    if not (getattr(user, "email", "") or "").strip():
        raise SubscriptionError(_("Your account has no e-mail address."), status=400)
    email = identity.confirmed_email(user)
    if not email:
        raise SubscriptionError(
            _(
                "Confirm your e-mail address first: open the link we sent you, or ask for a "
                "new one from your account page."
            ),
            status=403,
        )
    return _subscriber(email, user=user, language=translation.get_language() or "it")


def link_account(user, email: str) -> None:
    """An account has just proven `email`: the address's subscriber becomes the account's."""
    Subscriber.objects.filter(email=(email or "").strip().lower()).update(user=user)


def set_frequency(subscriber: Subscriber, subscription_id, frequency: str) -> int:
    """Switch one subscription (or all, subscription_id None) between immediate and daily."""
    if frequency not in Subscription.Frequency.values:
        raise SubscriptionError(_("Choose how often you want to hear from us."), field="frequency")
    rows = Subscription.objects.filter(subscriber=subscriber)
    if subscription_id is not None:
        rows = rows.filter(pk=subscription_id)
        if not rows.exists():
            raise SubscriptionError(_("This subscription no longer exists."), status=404)
    return rows.update(frequency=frequency)


def unsubscribe(
    subscriber: Subscriber, subscription_id: int | None = None, *, article_id: int | None = None
) -> int:
    """Remove one subscription, those to one article, or every one; mail not yet sent for them
    is cancelled. Returns how many subscriptions were removed (0: nothing left to remove)."""
    with transaction.atomic():
        rows = Subscription.objects.filter(subscriber=subscriber)
        if subscription_id is not None:
            rows = rows.filter(pk=subscription_id)
        elif article_id is not None:
            rows = rows.filter(article_id=article_id)
        articles = list(rows.values_list("article_id", flat=True))
        removed, _by_model = rows.delete()
        pending = Notification.objects.filter(
            subscriber=subscriber, state=Notification.State.PENDING
        )
        if subscription_id is not None or article_id is not None:
            remaining = Subscription.objects.filter(subscriber=subscriber, article_id__in=articles)
            gone = set(articles) - set(remaining.values_list("article_id", flat=True))
            pending = pending.filter(comment__article_id__in=gone)
        pending.update(state=Notification.State.CANCELLED, error="unsubscribed")
    return removed


def subscribe_commenter(comment, *, user=None, ip: str = "") -> Subscription | None:
    """The comment form's "notify me of replies" box: subscribe its author to replies on the
    article. Never refuses the comment: a refusal here (e.g. too many confirmation mails) only
    means no subscription, and is logged."""
    try:
        with transaction.atomic():
            return subscribe(
                comment.article,
                kind=Subscription.Kind.REPLIES,
                email=comment.author_email,
                user=user,
                ip=ip,
            )
    except SubscriptionError as error:
        import logging

        logging.getLogger(__name__).info("No reply subscription for %s: %s", comment.pk, error)
        return None
