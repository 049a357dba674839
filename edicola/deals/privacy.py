"""Export and erasure of what the deals store about a reader: WhatsApp numbers and their consent
records, Telegram chats and their alerts, and the messages addressed to them.

One `DataKind` (edicola.core.privacy) per kind of personal data, each with an exporter and an
eraser, registered under SCOPE by DealsConfig.ready(). A reader is found by phone number and/or
Telegram chat id (`find_subject`); `export()` returns a JSON-ready dict, `erase()` runs every
eraser in an order that leaves nothing behind and nothing half-done (messages, alerts and
consent first, then the subscriptions themselves), in one transaction.

Erased messages keep their place in the delivery statistics of the admin report, with the
recipient replaced by a placeholder and the platform's message id dropped; unsent ones are never
sent. Clicks are not personal data (a keyed hash of reader and hour, see models.Click).

Staff reach it with `edicola deals_privacy export|erase --phone ... --chat ...` (support answers
the reader's request after checking it is theirs: a WhatsApp message from the number, a message
to the bot from the chat).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edicola.core.privacy import DataKind, erase_kinds, export_kinds
from edicola.deals import services, subscribers
from edicola.deals.models import Alert, OutboxMessage, TelegramSubscriber, WhatsAppSubscriber

Channel = OutboxMessage.Channel
ERASED_RECIPIENT = "erased:{pk}"
SCOPE = "deals"  # a reader of the deal channels, found by phone number or Telegram chat


@dataclass
class DataSubject:
    """A reader as the deals know them: a phone number, a Telegram chat, or both."""

    phone: str = ""
    chat_ids: list[int] = field(default_factory=list)

    def whatsapp(self):
        return WhatsAppSubscriber.objects.filter(phone=self.phone) if self.phone else _none()

    def telegram(self):
        return TelegramSubscriber.objects.filter(chat_id__in=self.chat_ids)

    def alerts(self):
        return Alert.objects.filter(subscriber__chat_id__in=self.chat_ids)

    def messages(self):
        rows = OutboxMessage.objects.none()
        if self.phone:
            rows |= OutboxMessage.objects.filter(channel=Channel.WHATSAPP, recipient=self.phone)
        if self.chat_ids:
            rows |= OutboxMessage.objects.filter(
                channel=Channel.TELEGRAM_CHAT, recipient__in=[str(c) for c in self.chat_ids]
            )
        return rows

    @property
    def is_empty(self) -> bool:
        return not (
            self.whatsapp().exists()
            or self.telegram().exists()
            or self.alerts().exists()
            or self.messages().exists()
        )


def _none():
    return WhatsAppSubscriber.objects.none()


def find_subject(*, phone: str = "", chat_id: int | str | None = None) -> DataSubject:
    """The reader with this phone number (any common spelling) and/or Telegram chat id.
    Raises services.DealError (translated) for a malformed number or chat id."""
    subject = DataSubject()
    if phone:
        subject.phone = subscribers.normalise_phone(phone)
    if chat_id not in (None, ""):
        try:
            subject.chat_ids = [int(chat_id)]
        except (TypeError, ValueError):
            raise services.DealError(_("A Telegram chat id is a whole number.")) from None
    return subject


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


class MessageData(DataKind):
    identifier = "messages"
    name = _("Messages sent to you on WhatsApp and Telegram")

    def export(self, subject):
        rows = subject.messages().select_related("deal").order_by("created_at", "pk")
        return [
            {
                "channel": row.channel,
                "kind": row.kind,
                "deal": row.deal.title if row.deal else None,
                "state": row.state,
                "delivery": row.delivery_status or None,
                "created": _when(row.created_at),
                "updated": _when(row.updated_at),
            }
            for row in rows
        ]

    def erase(self, subject):
        changed = 0
        for pk, state in subject.messages().values_list("pk", "state"):
            fields = {
                "recipient": ERASED_RECIPIENT.format(pk=pk),
                "provider_message_id": "",
                "lease_token": "",
            }
            if state in (OutboxMessage.State.PENDING, OutboxMessage.State.SENDING):
                fields.update(state=OutboxMessage.State.FAILED, error="recipient erased")
            changed += OutboxMessage.objects.filter(pk=pk).update(**fields)
        return changed


class AlertData(DataKind):
    identifier = "alerts"
    name = _("Your deal alerts")

    def export(self, subject):
        return [
            {
                "keyword": alert.keyword,
                "max_price": str(alert.max_price),
                "created": _when(alert.created_at),
            }
            for alert in subject.alerts().order_by("created_at", "pk")
        ]

    def erase(self, subject):
        return subject.alerts().delete()[0]


class ConsentData(DataKind):
    identifier = "consent"
    name = _("Your consent to WhatsApp messages")

    def export(self, subject):
        return [
            {
                "consent_text_version": row.consent_version,
                "consent_text": str(subscribers.CONSENT_TEXT)
                if row.consent_version == subscribers.CONSENT_VERSION
                else None,
                "consent_given": _when(row.consent_at),
                "confirmed_on_whatsapp": _when(row.confirmed_at),
                "opted_out": _when(row.opted_out_at),
            }
            for row in subject.whatsapp().exclude(consent_at=None)
        ]

    def erase(self, subject):
        """Withdraws the consent with its record: nothing is sent to the number any more."""
        return (
            subject.whatsapp()
            .exclude(consent_at=None)
            .update(
                status=WhatsAppSubscriber.Status.OPTED_OUT,
                consent_version="",
                consent_at=None,
                confirmed_at=None,
                opted_out_at=None,
            )
        )


class WhatsAppNumberData(DataKind):
    identifier = "whatsapp"
    name = _("Your WhatsApp number")

    def export(self, subject):
        return [{"phone": row.phone, "status": row.status} for row in subject.whatsapp()]

    def erase(self, subject):
        return subject.whatsapp().delete()[0]


class TelegramChatData(DataKind):
    identifier = "telegram"
    name = _("Your Telegram chat with the bot")

    def export(self, subject):
        return [
            {
                "chat_id": row.chat_id,
                "name": row.name,
                "active": row.is_active,
                "started": _when(row.created_at),
                "stopped": _when(row.deactivated_at),
            }
            for row in subject.telegram()
        ]

    def erase(self, subject):
        return subject.telegram().delete()[0]


# Registered, and erased, in this order: what refers to a subscription goes before the
# subscription.
KINDS: list[DataKind] = [
    MessageData(),
    AlertData(),
    ConsentData(),
    WhatsAppNumberData(),
    TelegramChatData(),
]


def export(subject: DataSubject) -> dict:
    """Everything stored about the reader, by kind (JSON-ready)."""
    return {
        "exported": timezone.localtime().isoformat(),
        "data": export_kinds(SCOPE, subject, records="items"),
    }


def erase(subject: DataSubject) -> dict[str, int]:
    """Remove everything stored about the reader; returns the rows changed per kind."""
    with transaction.atomic():
        return erase_kinds(SCOPE, subject)
