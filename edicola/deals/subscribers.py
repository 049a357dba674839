"""WhatsApp subscribers: opt-in with consent, confirmation, STOP, and delivery statuses.

No offer goes out before a reader confirms on WhatsApp (`whatsapp_opt_in` records the consent
of `CONSENT_VERSION` and queues the confirmation); a yes confirms, STOP opts out at once and
drops the unsent messages (`whatsapp_inbound`, `whatsapp_opt_out`). `whatsapp_statuses`
applies the statuses of Meta's webhook to the outbox rows, never moving a delivery backwards;
a number WhatsApp reports as opted out is let go.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from edicola.deals import outbox
from edicola.deals.models import (
    OutboxMessage,
    WhatsAppSubscriber,
)
from edicola.deals.services import DealError, limit_form, whatsapp_enabled

Channel = OutboxMessage.Channel
Kind = OutboxMessage.Kind
CONSENT_VERSION = "2025-01"
CONSENT_TEXT = gettext_lazy(
    "I want to receive deals and coupons from this site on WhatsApp. I can stop at any time by "
    "replying STOP."
)
E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")


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
