"""The outbox: write message rows, claim due rows with a lease, record sent / failed / unknown.

States: pending → sending (claimed, leased) → sent | failed | unknown. A row is claimed by a
conditional UPDATE ... WHERE state='pending' that stamps a random lease token, after a SELECT ...
FOR UPDATE SKIP LOCKED on PostgreSQL (on SQLite, writes are serialised and the conditional
update alone guarantees that one worker wins). A worker that dies leaves `sending` rows whose
lease runs out: they become `unknown`, because the request may have reached the platform. An
unknown WhatsApp row is settled by a status webhook carrying its id; one that hears nothing for
DEALS_RECONCILE_SECONDS goes back to pending. Unknown Telegram rows wait for a person.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from edicola.deals.models import OutboxMessage

State = OutboxMessage.State
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Outcome:
    """What a platform client says about one send."""

    row_id: int
    state: str  # sent, failed, unknown, or pending (retry)
    provider_message_id: str = ""
    error: str = ""
    retry_after: float = 0.0
    chat_id: str = ""  # Telegram channel posts: where the post lives


def queue(rows: Iterable[OutboxMessage]) -> None:
    """Write rows, skipping any that already exist for the same deal, channel, recipient, kind."""
    OutboxMessage.objects.bulk_create(list(rows), ignore_conflicts=True, batch_size=1000)


def enqueue_drain(channel: str) -> None:
    """Start a worker for a channel once the current transaction commits."""
    from edicola.deals.tasks import drain_outbox

    transaction.on_commit(lambda: drain_outbox.enqueue(channel))


def recover(channel: str, now=None) -> None:
    """Expired leases become unknown; WhatsApp unknowns that heard nothing in time retry."""
    now = now or timezone.now()
    OutboxMessage.objects.filter(channel=channel, state=State.SENDING, lease_until__lt=now).update(
        state=State.UNKNOWN, lease_token="", error="worker stopped during the send"
    )
    if channel == OutboxMessage.Channel.WHATSAPP:
        quiet = now - timedelta(seconds=settings.DEALS_RECONCILE_SECONDS)
        OutboxMessage.objects.filter(
            channel=channel, state=State.UNKNOWN, delivery_status="", updated_at__lt=quiet
        ).update(state=State.PENDING, available_at=now, updated_at=now)


def claim(channel: str, limit: int, *, lease_seconds: float | None = None) -> list[OutboxMessage]:
    """Lease up to `limit` due pending rows of a channel to this worker, oldest first."""
    now = timezone.now()
    lease = lease_seconds if lease_seconds is not None else settings.DEALS_LEASE_SECONDS
    token = secrets.token_hex(16)
    with transaction.atomic():
        due = OutboxMessage.objects.filter(
            channel=channel, state=State.PENDING, available_at__lte=now
        ).order_by("available_at", "pk")
        ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids, state=State.PENDING).update(
            state=State.SENDING,
            lease_token=token,
            lease_until=now + timedelta(seconds=lease),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return list(
        OutboxMessage.objects.filter(lease_token=token, state=State.SENDING)
        .select_related("deal", "deal__store")
        .order_by("pk")
    )


def next_due(channel: str):
    """When the earliest pending row of a channel falls due (None: nothing pending)."""
    row = (
        OutboxMessage.objects.filter(channel=channel, state=State.PENDING)
        .order_by("available_at")
        .values_list("available_at", flat=True)
        .first()
    )
    return row


def unsettled(channel: str) -> int:
    """Rows a worker still has to deal with (pending, being sent, or waiting to reconcile)."""
    query = Q(state__in=[State.PENDING, State.SENDING])
    if channel == OutboxMessage.Channel.WHATSAPP:
        query |= Q(state=State.UNKNOWN, delivery_status="")
    return OutboxMessage.objects.filter(query, channel=channel).count()


def record(outcomes: Iterable[Outcome], attempts: dict[int, int] | None = None) -> None:
    """Store what the platform said. Only rows still being sent (or unknown) are touched, so a
    status webhook that already settled a row is never overwritten."""
    now = timezone.now()
    attempts = attempts or {}
    with transaction.atomic():
        for outcome in outcomes:
            rows = OutboxMessage.objects.filter(
                pk=outcome.row_id, state__in=[State.SENDING, State.UNKNOWN]
            )
            fields = {"lease_token": "", "lease_until": None, "updated_at": now}
            state = outcome.state
            if state == State.PENDING and attempts.get(outcome.row_id, 0) >= MAX_ATTEMPTS:
                state = State.FAILED
            fields["state"] = state
            fields["error"] = outcome.error[:300]
            if outcome.provider_message_id:
                fields["provider_message_id"] = outcome.provider_message_id
            if state == State.PENDING:
                fields["available_at"] = now + timedelta(seconds=outcome.retry_after)
            rows.update(**fields)


def deal_link(deal, channel: str) -> str:
    """The absolute /go/ link of a deal, tagged with the channel that carries it."""
    from django.urls import reverse

    return f"{settings.BASE_URL}{reverse('deals:go', args=[deal.pk])}?c={channel}"


def prepare(rows: list[OutboxMessage]) -> tuple[list, list[Outcome]]:
    """Payloads for the claimed rows, and outcomes for rows with nothing (more) to send."""
    from edicola.deals import telegram, whatsapp

    ready, skipped = [], []
    for row in rows:
        if row.deal_id and row.deal.is_over and row.kind in ("offer", "alert", "post"):
            skipped.append(Outcome(row.pk, State.FAILED, error="deal over before sending"))
            continue
        if row.channel == OutboxMessage.Channel.WHATSAPP:
            ready.append(whatsapp.payload_for(row))
        else:
            payload = telegram.payload_for(row)
            if isinstance(payload, Outcome):
                skipped.append(payload)
            else:
                ready.append(payload)
    return ready, skipped
