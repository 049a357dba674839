"""Deal alerts and the Telegram bot: a reader asks to hear about a keyword under a price.

An alert is asked for on the site (`create_site_alert`, linked to a chat when the reader opens
the bot with its token) or in the bot (`/avvisi redmi 200`); `bot_command` answers every
message of a private chat (/start, /avvisi, /lista, /stop). A chat that stops, or that
Telegram says is gone, is deactivated and its unsent messages dropped (`deactivate_telegram`).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from edicola.deals.models import (
    Alert,
    OutboxMessage,
    TelegramSubscriber,
)
from edicola.deals.services import DealError, alerts_enabled, limit_form

Channel = OutboxMessage.Channel
MAX_ALERTS_PER_CHAT = 10


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
