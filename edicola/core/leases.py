"""Claiming rows of a durable work queue with a lease, so that one worker sends each row.

A row is claimed by a conditional UPDATE ... WHERE state=<pending> that stamps a random lease
token and an expiry, after a SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL (on SQLite writes
are serialised, and the conditional update alone makes one worker win). A worker that dies
leaves its rows claimed until the lease runs out; `expired()` finds them for the caller to
settle (retry them, or set them aside when a repeat could do harm).

Models need: a state field, `lease_token` (CharField), `lease_until` (DateTimeField, null),
`attempts` (integer). Used by comments.notifications and deals.outbox.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone


def claim(
    due: QuerySet,
    *,
    limit: int,
    lease_seconds: float,
    pending: str,
    sending: str,
    order_by: tuple[str, ...] = ("pk",),
    **also,
) -> str:
    """Lease up to `limit` rows of `due` (rows in state `pending`) to the caller.

    `also` are further columns to set on the claimed rows (e.g. updated_at). Returns the lease
    token ("" when nothing was due); load the rows with
    `model.objects.filter(lease_token=token, state=sending)`, or use `claim_values()`.
    """
    now = timezone.now()
    token = secrets.token_hex(16)
    model = due.model
    with transaction.atomic():
        ids = list(
            due.filter(state=pending)
            .order_by(*order_by)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return ""
        claimed = model.objects.filter(pk__in=ids, state=pending).update(
            state=sending,
            lease_token=token,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=F("attempts") + 1,
            **also,
        )
    return token if claimed else ""


def claim_values(due: QuerySet, fields: tuple[str, ...], *, sending: str, **options) -> list:
    """`claim()`, then the claimed rows as tuples of `fields` (after the claim: attempts
    counts this one), in primary-key order. No model instances: callers claim thousands."""
    token = claim(due, sending=sending, **options)
    if not token:
        return []
    rows = due.model.objects.filter(lease_token=token, state=sending).order_by("pk")
    return list(rows.values_list(*fields))


def expired(queryset: QuerySet, *, sending: str, now=None) -> QuerySet:
    """Rows still claimed whose lease has run out (their worker stopped)."""
    return queryset.filter(state=sending, lease_until__lt=now or timezone.now())
