"""The deals' rules: publish, schedule, expire and withdraw a deal, count a click, alerts, the
Telegram bot's commands, WhatsApp opt-in, confirmation and opt-out (STOP).

Publishing writes the deal's broadcasts to the outbox in the same transaction; workers are
started after commit. An expired or withdrawn deal is never broadcast: its unsent messages are
dropped and its Telegram post is edited to show it is over.
"""

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from edicola.core import pagecache, ratelimit
from edicola.core.origin import ip_network
from edicola.core.tasks import after_commit
from edicola.deals import outbox
from edicola.deals.models import (
    Alert,
    Click,
    Deal,
    OutboxMessage,
    TelegramSubscriber,
    WhatsAppSubscriber,
)

Status = Deal.Status
Channel = OutboxMessage.Channel
Kind = OutboxMessage.Kind
CONSENT_VERSION = "2025-01"
CONSENT_TEXT = gettext_lazy(
    "I want to receive deals and coupons from this site on WhatsApp. I can stop at any time by "
    "replying STOP."
)
E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")
MAX_ALERTS_PER_CHAT = 10
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


# -- Deal life cycle ------------------------------------------------------------------------------


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


# -- Clicks ---------------------------------------------------------------------------------------


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


# -- Alerts and the Telegram bot ------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRequest:
    keyword: str
    max_price: Decimal


def parse_alert(keyword: str, max_price: str) -> AlertRequest:
    keyword = keyword.strip().lower()
    if not re.fullmatch(r"[\w\-+]{2,60}", keyword):
        raise DealError(_("The keyword must be one word of 2 to 60 letters or digits."))
    try:
        price = Decimal(max_price.strip().replace(",", ".").removesuffix("€"))
    except (InvalidOperation, AttributeError):
        raise DealError(_("The maximum price must be a number, e.g. 200.")) from None
    if not price.is_finite() or price <= 0 or price >= Decimal("100000000"):
        raise DealError(_("The maximum price must be greater than zero."))
    return AlertRequest(keyword, price.quantize(Decimal("0.01")))


def add_alert(subscriber: TelegramSubscriber, request: AlertRequest) -> Alert:
    if subscriber.alerts.count() >= MAX_ALERTS_PER_CHAT:
        raise DealError(_("You have too many alerts: remove one with /stop first."))
    alert, _created = Alert.objects.update_or_create(
        subscriber=subscriber, keyword=request.keyword, defaults={"max_price": request.max_price}
    )
    return alert


def create_site_alert(request: AlertRequest, *, ip: str = "") -> Alert:
    """An alert asked for on the site: it waits for the reader to open the bot with its token.
    Refused (DealError) while the site has no bot, since nobody could ever receive it; raises
    TooManyRequests (nothing saved) when `ip`'s network asked too often."""
    if not alerts_enabled():
        raise DealError(_("Deal alerts are not available on this site at the moment."))
    if ip:
        limit_form("alert", ip=ip)
    return Alert.objects.create(keyword=request.keyword, max_price=request.max_price)


def bot_help() -> str:
    return _(
        "Commands:\n/avvisi <keyword> <max price> — alert me about deals, e.g. /avvisi redmi 200\n"
        "/lista — my alerts\n/stop — remove all my alerts"
    )


def bot_command(chat_id: int, name: str, text: str) -> str:
    """Answer one message sent to the bot in a private chat (the reply's text)."""
    parts = text.strip().split()
    command = parts[0].split("@")[0].lower() if parts else ""
    args = parts[1:]
    subscriber, _created = TelegramSubscriber.objects.get_or_create(
        chat_id=chat_id, defaults={"name": name[:200]}
    )
    if command == "/start":
        if not subscriber.is_active:
            subscriber.is_active = True
            subscriber.deactivated_at = None
            subscriber.save(update_fields=["is_active", "deactivated_at"])
        if args:
            linked = Alert.objects.filter(token=args[0], subscriber__isnull=True).update(
                subscriber=subscriber
            )
            if linked:
                return _("Your alert from the site is active.") + "\n\n" + bot_help()
        return _("Welcome! I will tell you about the deals you care about.") + "\n\n" + bot_help()
    if command == "/avvisi":
        if len(args) != 2:
            return _("Usage: /avvisi <keyword> <max price>, e.g. /avvisi redmi 200")
        try:
            alert = add_alert(subscriber, parse_alert(args[0], args[1]))
        except DealError as error:
            return str(error)
        if not subscriber.is_active:
            subscriber.is_active = True
            subscriber.save(update_fields=["is_active"])
        return _("Alert saved: %(keyword)s up to %(price)s €.") % {
            "keyword": alert.keyword,
            "price": alert.max_price,
        }
    if command == "/lista":
        alerts = list(subscriber.alerts.all())
        if not alerts:
            return _("You have no alerts. Add one with /avvisi redmi 200")
        lines = [f"• {alert.keyword} ≤ {alert.max_price} €" for alert in alerts]
        return _("Your alerts:") + "\n" + "\n".join(lines)
    if command == "/stop":
        subscriber.alerts.all().delete()
        deactivate_telegram(subscriber.chat_id)
        return _("All your alerts are removed. Send /start to begin again.")
    return _("I did not understand.") + "\n\n" + bot_help()


def deactivate_telegram(chat_id: int | str) -> None:
    TelegramSubscriber.objects.filter(chat_id=int(chat_id), is_active=True).update(
        is_active=False, deactivated_at=timezone.now()
    )
    OutboxMessage.objects.filter(
        channel=Channel.TELEGRAM_CHAT, recipient=str(chat_id), state=OutboxMessage.State.PENDING
    ).update(state=OutboxMessage.State.FAILED, error="subscriber inactive")


# -- WhatsApp subscribers -------------------------------------------------------------------------


def normalise_phone(value: str) -> str:
    """E.164 (+ and 8 to 15 digits); spaces, dots and dashes are dropped, 00 becomes +."""
    phone = re.sub(r"[\s.\-()/]", "", value or "")
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not E164_RE.match(phone):
        raise DealError(_("Enter the number in international format, e.g. +39 333 123 4567."))
    return phone


def whatsapp_opt_in(phone: str, *, consent: bool, ip: str = "") -> WhatsAppSubscriber:
    """Record consent and queue the confirmation message; no offer goes out before the reader
    confirms on WhatsApp. Asking again re-sends nothing while a confirmation is waiting.
    A reader's form (`ip` given) is limited per network and per number: TooManyRequests, with
    nothing saved or queued."""
    if not whatsapp_enabled():
        raise DealError(_("Deals on WhatsApp are not available on this site at the moment."))
    if not consent:
        raise DealError(_("Tick the box to agree to receive deals on WhatsApp."))
    phone = normalise_phone(phone)
    if ip:
        limit_form("whatsapp", ip=ip, phone=phone)
    now = timezone.now()
    with transaction.atomic():
        subscriber, created = WhatsAppSubscriber.objects.select_for_update().get_or_create(
            phone=phone, defaults={"consent_version": CONSENT_VERSION, "consent_at": now}
        )
        if not created and subscriber.status == WhatsAppSubscriber.Status.CONFIRMED:
            return subscriber
        subscriber.status = WhatsAppSubscriber.Status.PENDING
        subscriber.consent_version = CONSENT_VERSION
        subscriber.consent_at = now
        subscriber.opted_out_at = None
        subscriber.save()
        waiting = OutboxMessage.objects.filter(
            channel=Channel.WHATSAPP,
            recipient=phone,
            kind=Kind.CONFIRM,
            state__in=[OutboxMessage.State.PENDING, OutboxMessage.State.SENDING],
        )
        if not waiting.exists():
            outbox.queue(
                [OutboxMessage(channel=Channel.WHATSAPP, recipient=phone, kind=Kind.CONFIRM)]
            )
        outbox.enqueue_drain(Channel.WHATSAPP)
    return subscriber


def whatsapp_inbound(phone: str, text: str) -> None:
    """A message from a reader: STOP opts out at once; a yes confirms a pending opt-in."""
    word = (text or "").strip().upper()
    try:
        phone = normalise_phone(phone if phone.startswith("+") else f"+{phone}")
    except DealError:
        return
    if word in {"STOP", "BASTA", "ANNULLA", "UNSUBSCRIBE"}:
        whatsapp_opt_out(phone)
    elif word in {"SI", "SÌ", "YES", "OK", "CONFERMO"}:
        WhatsAppSubscriber.objects.filter(
            phone=phone, status=WhatsAppSubscriber.Status.PENDING
        ).update(status=WhatsAppSubscriber.Status.CONFIRMED, confirmed_at=timezone.now())


def whatsapp_opt_out(phone: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        WhatsAppSubscriber.objects.filter(phone=phone).exclude(
            status=WhatsAppSubscriber.Status.OPTED_OUT
        ).update(status=WhatsAppSubscriber.Status.OPTED_OUT, opted_out_at=now)
        OutboxMessage.objects.filter(
            channel=Channel.WHATSAPP, recipient=phone, state=OutboxMessage.State.PENDING
        ).update(state=OutboxMessage.State.FAILED, error="opted out")


DELIVERY_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 1}


@dataclass(frozen=True)
class StatusUpdate:
    """One entry of a WhatsApp status webhook."""

    message_id: str
    status: str
    row_id: str = ""
    error_code: int | None = None


def whatsapp_status(
    *, message_id: str, status: str, row_id: str = "", error_code: int | None = None
) -> None:
    whatsapp_statuses([StatusUpdate(message_id, status, row_id, error_code)])


def whatsapp_statuses(updates: list[StatusUpdate]) -> None:
    """Apply the statuses of a webhook in one transaction: settle the outbox rows (an unknown
    row becomes sent or failed), never moving a delivery backwards. Repeats and out-of-order
    arrivals change nothing. A row is found by our id (biz_opaque_callback_data) or Meta's."""
    updates = [u for u in updates if u.status in DELIVERY_RANK]
    if not updates:
        return
    row_ids = {int(u.row_id) for u in updates if u.row_id.isdigit() and len(u.row_id) < 19}
    message_ids = {u.message_id for u in updates if u.message_id}
    opted_out = set()
    now = timezone.now()
    with transaction.atomic():
        rows = (
            OutboxMessage.objects.filter(channel=Channel.WHATSAPP)
            .filter(Q(pk__in=row_ids) | Q(provider_message_id__in=message_ids))
            .select_for_update()
            .only("pk", "recipient", "state", "delivery_status", "provider_message_id")
        )
        by_pk = {row.pk: row for row in rows}
        by_message = {
            row.provider_message_id: row for row in by_pk.values() if row.provider_message_id
        }
        changed: dict[int, dict] = {}
        for update in updates:
            row = by_pk.get(int(update.row_id)) if update.row_id.isdigit() else None
            row = row or by_message.get(update.message_id)
            if row is None:
                continue
            fields = _status_fields(row, update)
            if not fields:
                continue
            for name, value in fields.items():
                setattr(row, name, value)
            changed.setdefault(row.pk, {}).update(fields)
            if update.error_code == OPTED_OUT_CODE:
                opted_out.add(row.recipient)
        groups: dict[tuple, list[int]] = {}
        for pk, fields in changed.items():
            row = by_pk[pk]
            key = (row.state, row.delivery_status, fields.get("error"))
            groups.setdefault(key, []).append(pk)
        for (state, delivery, error), pks in groups.items():
            values = {"state": state, "delivery_status": delivery, "updated_at": now}
            if error is not None:
                values["error"] = error
            missing = [pk for pk in pks if "provider_message_id" in changed[pk]]
            if missing:
                values["provider_message_id"] = Case(
                    *(When(pk=pk, then=Value(by_pk[pk].provider_message_id)) for pk in missing),
                    default=F("provider_message_id"),
                )
            OutboxMessage.objects.filter(pk__in=pks).update(**values)
    for phone in sorted(opted_out):
        whatsapp_opt_out(phone)


OPTED_OUT_CODE = 131050


def _status_fields(row: OutboxMessage, update: StatusUpdate) -> dict:
    """What one status changes on a row (nothing if it would move the delivery backwards)."""
    current = DELIVERY_RANK.get(row.delivery_status, 0)
    fields = {}
    if update.status == "failed":
        if current >= DELIVERY_RANK["delivered"] or row.delivery_status == "failed":
            return {}
        fields = {
            "delivery_status": "failed",
            "state": OutboxMessage.State.FAILED,
            "error": f"{update.error_code}: failed (webhook)",
        }
    elif row.delivery_status != "failed" and DELIVERY_RANK[update.status] > current:
        fields = {"delivery_status": update.status, "state": OutboxMessage.State.SENT}
    else:
        return {}
    if update.message_id and not row.provider_message_id:
        fields["provider_message_id"] = update.message_id
    return fields
