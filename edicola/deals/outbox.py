"""The outbox: write message rows, claim due rows with a lease, record sent / failed / unknown.

States: pending → sending (claimed, leased) → sent | failed | unknown. Rows are claimed with
edicola.core.leases, as comment notifications are (SKIP LOCKED on PostgreSQL, a conditional
UPDATE that one worker wins on SQLite).

Exactly once, without guessing from time: a claimed row may have reached the platform as soon as
its worker starts sending, so a worker that dies leaves `sending` rows whose lease runs out and
which become `unknown`, never pending. An unknown row is settled only by proof: a WhatsApp
status webhook carrying its id (biz_opaque_callback_data) marks it sent or failed. One that
hears nothing goes back to pending only once it is older than DEALS_RECONCILE_SECONDS (ten
minutes: Meta's webhooks arrive well within that), or older than a moment an operator names
(`deals_worker whatsapp --reconcile-before ...`) after making sure every status webhook up to
then has arrived. Unknown Telegram rows wait for a person. Outcomes are recorded in batches;
what a platform's answer means for a row is decided in deals.delivery.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from edicola.core import leases
from edicola.core.tasks import enqueue_after_commit
from edicola.deals.models import OutboxMessage

State = OutboxMessage.State


@dataclass(frozen=True)
class Outcome:
    """What to store on one row after a try."""

    row_id: int
    state: str  # sent, failed, unknown, or pending (retry after `retry_after` seconds)
    provider_message_id: str = ""
    error: str = ""
    retry_after: float = 0.0


def queue(rows: Iterable[OutboxMessage]) -> None:
    """Write rows, skipping any that already exist for the same deal, channel, recipient, kind."""
    OutboxMessage.objects.bulk_create(list(rows), ignore_conflicts=True, batch_size=1000)


_drain_task = None


def drain_with(task) -> None:
    """The task that sends a channel's due rows; deals.tasks sits above the outbox, so
    DealsConfig.ready() registers it here."""
    global _drain_task
    _drain_task = task


def enqueue_drain(channel: str) -> None:
    """Start a worker for a channel once the current transaction commits."""
    if _drain_task is None:
        raise RuntimeError("No drain task registered (DealsConfig.ready() registers it).")
    enqueue_after_commit(_drain_task, channel)


def recover(channel: str, now=None, *, reconcile_before=None) -> None:
    """Expired leases become unknown; WhatsApp unknowns with no status webhook go back to
    pending once they were last touched before `reconcile_before` (default: now minus
    DEALS_RECONCILE_SECONDS)."""
    now = now or timezone.now()
    OutboxMessage.objects.filter(channel=channel, state=State.SENDING, lease_until__lt=now).update(
        state=State.UNKNOWN, lease_token="", error="worker stopped during the send"
    )
    if channel == OutboxMessage.Channel.WHATSAPP:
        quiet = now - timedelta(seconds=settings.DEALS_RECONCILE_SECONDS)
        if reconcile_before is not None:
            quiet = max(quiet, reconcile_before)
        # updated_at is the claim (or the recorded time-out): lease expiry does not touch it.
        OutboxMessage.objects.filter(
            channel=channel, state=State.UNKNOWN, delivery_status="", updated_at__lt=quiet
        ).update(state=State.PENDING, available_at=now, updated_at=now)


@dataclass
class Claimed:
    """A leased row, as plain values (no model instances: a broadcast claims thousands)."""

    pk: int
    recipient: str
    kind: str
    deal_id: int | None
    attempts: int
    channel: str
    deal: object = None  # the Deal, attached by prepare()


CLAIMED_FIELDS = ("pk", "recipient", "kind", "deal_id", "attempts", "channel")


def claim(channel: str, limit: int, *, lease_seconds: float | None = None) -> list[Claimed]:
    """Lease up to `limit` due pending rows of a channel to this worker, oldest first."""
    now = timezone.now()
    due = OutboxMessage.objects.filter(channel=channel, available_at__lte=now)
    rows = leases.claim_values(
        due,
        CLAIMED_FIELDS,
        limit=limit,
        lease_seconds=lease_seconds if lease_seconds is not None else settings.DEALS_LEASE_SECONDS,
        pending=State.PENDING,
        sending=State.SENDING,
        order_by=("available_at", "pk"),
        updated_at=now,
    )
    return [Claimed(*values) for values in rows]


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


def record(outcomes: Iterable[Outcome]) -> None:
    """Store outcomes, one UPDATE per kind of outcome. Only rows still being sent (or unknown)
    are touched, so a status webhook that already settled a row is never overwritten."""
    now = timezone.now()
    groups: dict[tuple, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[(outcome.state, outcome.error[:300], outcome.retry_after)].append(outcome)
    with transaction.atomic():
        for (state, error, retry_after), group in groups.items():
            for start in range(0, len(group), 300):
                available = now + timedelta(seconds=retry_after) if state == State.PENDING else None
                _record_chunk(group[start : start + 300], state, error, now, available)


def _record_chunk(chunk: list[Outcome], state: str, error: str, now, available) -> None:
    """One UPDATE for outcomes alike but for their message ids, which go in through a
    CASE id WHEN ... (written out here: an ORM Case with hundreds of When costs more CPU than
    the rest of a send, and the worker is meant to keep up with 1,000 messages a second)."""
    meta = OutboxMessage._meta
    column = {name: connection.ops.quote_name(meta.get_field(name).column) for name in COLUMNS}
    moment = meta.get_field("updated_at").get_db_prep_value(now, connection)
    sets = [f"{column['state']} = %s", f"{column['error']} = %s", f"{column['lease_token']} = ''"]
    sets += [f"{column['lease_until']} = NULL", f"{column['updated_at']} = %s"]
    params: list = [state, error, moment]
    if available is not None:
        sets.append(f"{column['available_at']} = %s")
        params.append(meta.get_field("available_at").get_db_prep_value(available, connection))
    with_ids = [o for o in chunk if o.provider_message_id]
    if with_ids:
        cases = " ".join("WHEN %s THEN %s" for _ in with_ids)
        sets.append(
            f"{column['provider_message_id']} = CASE {column['id']} {cases} "
            f"ELSE {column['provider_message_id']} END"
        )
        for outcome in with_ids:
            params += [outcome.row_id, outcome.provider_message_id[:128]]
    ids = [outcome.row_id for outcome in chunk]
    params += ids + [State.SENDING, State.UNKNOWN]
    sql = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {', '.join(sets)} "
        f"WHERE {column['id']} IN ({', '.join(['%s'] * len(ids))}) "
        f"AND {column['state']} IN (%s, %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


COLUMNS = (
    "id",
    "state",
    "error",
    "lease_token",
    "lease_until",
    "updated_at",
    "available_at",
    "provider_message_id",
)
