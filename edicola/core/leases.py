"""Claiming rows of a durable work queue with a lease, so that one worker sends each row.

A row is claimed by a conditional UPDATE ... WHERE state=<pending> that stamps a random lease
token and an expiry, after a SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL (on SQLite writes
are serialised, and the conditional update alone makes one worker win). A worker that dies
leaves its rows claimed until the lease runs out; `expired()` finds them for the caller to
settle (retry them, or set them aside when a repeat could do harm).

Models need: a state field, `lease_token` (CharField), `lease_until` (DateTimeField, null),
`attempts` (integer). Used by comments.notifications and deals.outbox.

`claim_period(name, period)` is the same idea for periodic work rather than rows: one winner per
period, across every instance (the clock's jobs, the editors' notice).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .models import Claim


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


def claim_period(name: str, period: int) -> bool:
    """True for exactly one caller per (`name`, `period`) across processes and hosts: the first
    to move the Claim row's period forward to `period`; False for everyone else, and for an
    earlier period. For periodic work that must happen once per period (a clock job's tick, the
    editors' notice), where checking then acting would let two instances both act."""
    Claim.objects.bulk_create([Claim(name=name)], ignore_conflicts=True)
    return bool(
        Claim.objects.filter(name=name, period__lt=period).update(
            period=period, claimed_at=timezone.now()
        )
    )
