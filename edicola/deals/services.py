"""The deals' rules: publish, schedule, expire and withdraw a deal, count a click.

Publishing writes the deal's broadcasts to the outbox in the same transaction; workers are
started after commit. An expired or withdrawn deal is never broadcast: its unsent messages are
dropped and its Telegram post is edited to show it is over. Alerts and the Telegram bot live in
`alerts`, WhatsApp subscribers in `subscribers`.
"""

import hashlib
import math
import re
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edicola.core import pagecache, ratelimit
from edicola.core.origin import ip_network
from edicola.core.tasks import after_commit
from edicola.deals import outbox
from edicola.deals.models import (
    Alert,
    Click,
    Deal,
    OutboxMessage,
    WhatsAppSubscriber,
)

Status = Deal.Status
Channel = OutboxMessage.Channel
Kind = OutboxMessage.Kind
BOT_USER_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|preview|fetch|monitor|curl|wget|python-|httpx|headless|scan",
    re.IGNORECASE,
)


class DealError(Exception):
    """A translated reason why nothing was saved."""


class TooManyRequests(DealError):
    """A reader's form was sent too often: nothing saved; `retry_after` seconds to wait."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        if retry_after < 90:
            message = ngettext(
                "Too many requests. Try again in %(count)d second.",
                "Too many requests. Try again in %(count)d seconds.",
                retry_after,
            ) % {"count": retry_after}
        else:
            minutes = math.ceil(retry_after / 60)
            message = ngettext(
                "Too many requests. Try again in %(count)d minute.",
                "Too many requests. Try again in %(count)d minutes.",
                minutes,
            ) % {"count": minutes}
        super().__init__(message)


def limit_form(form: str, *, ip: str, phone: str = "") -> None:
    """Count one reader's form (`form`: "alert" or "whatsapp") per network and, for WhatsApp,
    per phone number; raise TooManyRequests before anything is saved when over the limit."""
    try:
        network = ip_network(ip)
        if network:
            ratelimit.hit(
                f"deals-{form}-net", ratelimit.keyed_hash(network), settings.DEALS_RATE_PER_NETWORK
            )
        if phone:
            ratelimit.hit(
                f"deals-{form}-phone", ratelimit.keyed_hash(phone), settings.DEALS_RATE_PER_PHONE
            )
    except ratelimit.RateLimited as limited:
        raise TooManyRequests(limited.retry_after) from None


def disclosure_for(deal: Deal | None = None) -> str:
    if deal is not None and deal.store.disclosure:
        return deal.store.disclosure
    return settings.DEALS_AFFILIATE_DISCLOSURE or _(
        "As an affiliate we earn from qualifying purchases made through these links."
    )


def telegram_enabled() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN and settings.TELEGRAM_CHANNEL)


def whatsapp_enabled() -> bool:
    return bool(settings.WHATSAPP_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID)


def alerts_enabled() -> bool:
    """Personal alerts need the bot: its token to answer, its username to link readers to it."""
    return bool(settings.TELEGRAM_BOT_TOKEN and settings.TELEGRAM_BOT_USERNAME)


def bot_url(start: str = "") -> str:
    """The Telegram bot's link (opening it with `start` as the /start payload); "" without one."""
    if not alerts_enabled():
        return ""
    url = f"https://t.me/{settings.TELEGRAM_BOT_USERNAME.lstrip('@')}"
    return f"{url}?start={start}" if start else url


def deal_saved(deal: Deal, previous_status: str | None, *, now: datetime | None = None) -> None:
    """Apply what an editor asked for when saving a deal in the admin.

    "Scheduled" or "live" means: live now if its time has come (queuing its broadcasts),
    scheduled if it starts later, expired if its expiry has passed. "Withdrawn" (or back to draft
    after being live) takes a deal off the air. Editing a live deal updates its Telegram post.
    """
    now = now or timezone.now()
    wanted = deal.status
    was_on_air = previous_status == Status.LIVE
    if wanted in (Status.SCHEDULED, Status.LIVE):
        if deal.expires_at and deal.expires_at <= now:
            end_deal(deal, withdrawn=False, now=now)
        elif deal.starts_at > now:
            Deal.objects.filter(pk=deal.pk).update(status=Status.SCHEDULED)
            deal.status = Status.SCHEDULED
            if was_on_air:
                _queue_sync(deal)
            pagecache.invalidate_all()
        elif was_on_air:
            deal_edited(deal)
        else:
            go_live(deal, now=now)
    elif wanted == Status.EXPIRED:
        end_deal(deal, withdrawn=False, now=now)
    elif wanted == Status.WITHDRAWN or (wanted == Status.DRAFT and was_on_air):
        end_deal(deal, withdrawn=True, now=now)
    else:
        pagecache.invalidate_all()


def go_live(deal: Deal, *, now: datetime | None = None) -> None:
    """Put a deal on the site and queue its broadcasts, in one transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(
            status=Status.LIVE, published_at=deal.published_at or now, ended_at=None
        )
        deal.status = Status.LIVE
        deal.published_at = deal.published_at or now
        deal.ended_at = None
        queue_broadcasts(deal)
    after_commit(pagecache.invalidate_all)


def queue_broadcasts(deal: Deal) -> None:
    """The channel post, the WhatsApp offers and the matching Telegram alerts of a live deal.
    Rows that exist already are kept, so queuing twice sends once."""
    channels = set()
    if telegram_enabled():
        outbox.queue(
            [
                OutboxMessage(
                    deal=deal,
                    channel=Channel.TELEGRAM_CHANNEL,
                    recipient=settings.TELEGRAM_CHANNEL,
                    kind=Kind.POST,
                )
            ]
        )
        chats = matching_chats(deal)
        outbox.queue(
            OutboxMessage(
                deal=deal, channel=Channel.TELEGRAM_CHAT, recipient=str(chat), kind=Kind.ALERT
            )
            for chat in chats
        )
        channels |= {Channel.TELEGRAM_CHANNEL, Channel.TELEGRAM_CHAT}
    if whatsapp_enabled():
        phones = WhatsAppSubscriber.objects.filter(
            status=WhatsAppSubscriber.Status.CONFIRMED
        ).values_list("phone", flat=True)
        batch = []
        for phone in phones.iterator(chunk_size=2000):
            batch.append(
                OutboxMessage(deal=deal, channel=Channel.WHATSAPP, recipient=phone, kind=Kind.OFFER)
            )
            if len(batch) >= 2000:
                outbox.queue(batch)
                batch = []
        outbox.queue(batch)
        channels.add(Channel.WHATSAPP)
    for channel in sorted(channels):
        outbox.enqueue_drain(channel)


def matching_chats(deal: Deal) -> list[int]:
    """Active Telegram chats with an alert whose keyword is in the deal and price is met."""
    haystack = f"{deal.title} {' '.join(deal.keyword_list)}".lower()
    chats = set()
    alerts = Alert.objects.filter(
        subscriber__is_active=True, max_price__gte=deal.price
    ).select_related("subscriber")
    for alert in alerts.iterator():
        if re.search(rf"\b{re.escape(alert.keyword.lower())}\b", haystack):
            chats.add(alert.subscriber.chat_id)
    return sorted(chats)


def deal_edited(deal: Deal) -> None:
    """A live deal changed: its Telegram post shows the new version."""
    with transaction.atomic():
        _queue_sync(deal)
    after_commit(pagecache.invalidate_all)


def _queue_sync(deal: Deal) -> None:
    if not telegram_enabled():
        return
    if not OutboxMessage.objects.filter(deal=deal, kind=Kind.POST).exists():
        return
    sync = dict(deal=deal, channel=Channel.TELEGRAM_CHANNEL, kind=Kind.SYNC)
    rows = OutboxMessage.objects.filter(**sync).exclude(state=OutboxMessage.State.SENDING)
    if not rows.update(state=OutboxMessage.State.PENDING, available_at=timezone.now(), error=""):
        outbox.queue([OutboxMessage(recipient=settings.TELEGRAM_CHANNEL, **sync)])
    outbox.enqueue_drain(Channel.TELEGRAM_CHANNEL)


def end_deal(deal: Deal, *, withdrawn: bool, now: datetime | None = None) -> None:
    """Expire or withdraw a deal: off the live list, unsent messages dropped, post edited."""
    now = now or timezone.now()
    status = Status.WITHDRAWN if withdrawn else Status.EXPIRED
    with transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(status=status, ended_at=now)
        deal.status = status
        deal.ended_at = now
        OutboxMessage.objects.filter(
            deal=deal,
            state=OutboxMessage.State.PENDING,
            kind__in=[Kind.OFFER, Kind.ALERT],
        ).update(state=OutboxMessage.State.FAILED, error="deal over before sending")
        post = OutboxMessage.objects.filter(deal=deal, kind=Kind.POST).first()
        if post and post.state == OutboxMessage.State.PENDING:
            post.state = OutboxMessage.State.FAILED
            post.error = "deal over before sending"
            post.save(update_fields=["state", "error", "updated_at"])
        elif post:
            _queue_sync(deal)
    after_commit(pagecache.invalidate_all)


def catalogue_changed(sender=None, **kwargs) -> None:
    """A deal was deleted, or a store renamed, edited or deleted: the deals list, the deal pages
    and every page showing related deals are retired once the change is committed, so no cached
    page keeps a link to what is gone. (Connected to post_delete / post_save by DealsConfig.)"""
    after_commit(pagecache.invalidate_all)


def tick(now: datetime | None = None) -> None:
    """The clock's turn: scheduled deals whose time came go live, live ones past expiry end,
    and outbox workers are started for messages that fell due (retries, back-offs)."""
    now = now or timezone.now()
    for deal in Deal.objects.filter(status=Status.SCHEDULED, starts_at__lte=now).select_related(
        "store"
    ):
        if deal.expires_at and deal.expires_at <= now:
            end_deal(deal, withdrawn=False, now=now)
        else:
            go_live(deal, now=now)
    for deal in Deal.objects.filter(status=Status.LIVE, expires_at__lte=now).select_related(
        "store"
    ):
        end_deal(deal, withdrawn=False, now=now)
    for channel in Channel.values:
        outbox.recover(channel, now)
        due = OutboxMessage.objects.filter(
            channel=channel, state=OutboxMessage.State.PENDING, available_at__lte=now
        )
        if due.exists():
            outbox.enqueue_drain(channel)


def is_bot(user_agent: str) -> bool:
    return not user_agent or bool(BOT_USER_AGENTS.search(user_agent))


def record_click(
    deal: Deal, *, reader: str, user_agent: str, channel: str, proven: bool = True
) -> bool:
    """Count a reader's click on a deal link, once per reader, deal and hour; bots never count.
    `reader` identifies the reader (our signed cookie, or address and browser). A reader who
    cannot be told apart (`proven=False`: a forged or unsigned cookie) is counted once per
    `reader` (their network), deal and day. Returns whether the click was counted."""
    if is_bot(user_agent):
        return False
    if channel not in Click.Channel.values:
        channel = Click.Channel.SITE
    now = timezone.now()
    period = now.strftime("%Y%m%d%H") if proven else "day:" + now.strftime("%Y%m%d")
    key = hashlib.blake2b(
        f"{reader}|{period}".encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=16
    ).hexdigest()
    try:
        with transaction.atomic():
            Click.objects.create(
                deal=deal, channel=channel, reader_hour=key, day=timezone.localdate(now)
            )
    except IntegrityError:
        return False
    return True
