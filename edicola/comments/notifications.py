"""Who hears about a new comment, and the mail they receive.

When a comment becomes approved (at once, or later by a moderator), `on_approved()` enqueues
`tasks.notify_comment_task` after the commit; the worker's `fan_out()` writes one Notification
row per confirmed subscriber, never the comment's author, under a unique (subscriber, comment)
constraint: the row, not the queue, decides that a comment is announced to an address once.
`deliver_due()` then claims pending rows with a lease (edicola.core.leases), sends them through
one SMTP connection per batch and marks each row sent as soon as the server accepted it. A
worker killed mid-batch leaves claimed rows whose lease runs out; they go back to pending and the
next run sends them. Temporary failures retry with backoff (core.mail.BACKOFF); a permanent
5xx refusal disables the address.

Subscribers who chose the daily digest get rows marked `digest`, due at
COMMENTS_NOTIFICATIONS["DIGEST_HOUR"], which digests.py sends; the editors' notices are in
notices.py. `sweep()`, run by tasks.tick on `edicola clock`, rescues the rows of dead workers.

Fast and flat for large audiences: the fan-out reads subscribers and writes rows page by page
(FAN_OUT_PAGE), with SQLite's page cache capped; the sender reads claimed rows as tuples (no
model instances). A notification is rendered and MIME-encoded once per (comment, language)
(core.mail.MessageTemplate); per subscriber only the address, Message-ID, List-Unsubscribe and
the two signed links are put into those bytes, which go to the SMTP connection as they are.

Exactly once, and its limit: a row is marked sent by one UPDATE committed right after the
server's 250 for that mail, before the next mail starts. A worker killed before the 250 leaves
the row claimed; its lease runs out and it is sent again, which is right (the server did not
take it). The one window left is the instant between the server's 250 and that commit (a
fraction of a millisecond, at most one mail per worker): a kill exactly there sends that one
mail twice. No batching of marks widens it.

This module holds the fan-out; `commentmail` renders the mail and fills in the subscriber's
links, `delivery` claims, sends and settles the rows.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

from .conf import conf
from .models import Comment, Notification, Subscription

State = Notification.State
# Subscribers read, and Notification rows written, per query of the fan-out.
FAN_OUT_PAGE = 1000
# SQLite keeps each page a connection read in its cache, up to the connection's cache_size (20 MB
# in settings): a fan-out to many subscribers would grow the worker by the pages it touched. The
# fan-out and the delivery run with this smaller cache (KiB), then put the setting back.
SQLITE_CACHE_KIB = 2048


@contextmanager
def small_page_cache():
    """Run the body with SQLite's page cache capped at SQLITE_CACHE_KIB (see there)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def next_digest_time(now=None) -> datetime:
    """The next daily digest time (DIGEST_HOUR, local time) after `now`."""
    local = timezone.localtime(now or timezone.now())
    due = local.replace(hour=conf("DIGEST_HOUR"), minute=0, second=0, microsecond=0)
    if due <= local:
        due += timedelta(days=1)
    return due


def _wanted(comment: Comment):
    """Confirmed subscriptions owed this published comment: to the article, or to replies to the
    parent's author; never its own author."""
    from django.db.models import Q

    wanted = Q(kind=Subscription.Kind.ARTICLE)
    parent = comment.parent
    if parent is not None:
        author = Q(subscriber__email=parent.author_email) if parent.author_email else Q(pk=None)
        if parent.user_id:
            author |= Q(subscriber__user_id=parent.user_id)
        wanted |= Q(kind=Subscription.Kind.REPLIES) & author
    rows = Subscription.objects.filter(
        wanted,
        article_id=comment.article_id,
        confirmed_at__isnull=False,
        subscriber__disabled_at__isnull=True,
    )
    if comment.author_email:
        rows = rows.exclude(subscriber__email=comment.author_email)
    if comment.user_id:
        rows = rows.exclude(subscriber__user_id=comment.user_id)
    return rows


def recipients(comment: Comment, *, page: int | None = None):
    """(subscriber id, wants it in the digest) for a published comment, by pages of `page`
    subscribers in id order, so that memory does not grow with the audience. A subscriber with
    several matching subscriptions gets the digest only if every one of them is daily."""
    from django.db.models import Case, IntegerField, Min, Value, When

    daily = Case(
        When(frequency=Subscription.Frequency.DAILY, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    grouped = (
        _wanted(comment)
        .order_by("subscriber_id")
        .values("subscriber_id")
        .annotate(daily=Min(daily))
        .values_list("subscriber_id", "daily")
    )
    page = page or FAN_OUT_PAGE
    last = 0
    for _page in range(10_000_000):  # bounded: every page moves `last` forward
        rows = list(grouped.filter(subscriber_id__gt=last)[:page])
        yield from ((subscriber_id, bool(flag)) for subscriber_id, flag in rows)
        if len(rows) < page:
            return
        last = rows[-1][0]


def fan_out(comment_id: int) -> int:
    """Write the Notification rows a published comment owes; returns how many are new.
    Safe to run any number of times (and concurrently): the unique (subscriber, comment)
    constraint keeps the rows that exist. Written page by page: memory stays flat."""
    comment = Comment.objects.select_related("parent").filter(pk=comment_id).first()
    if comment is None or comment.status != Comment.Status.APPROVED:
        return 0
    now = timezone.now()
    digest_at = next_digest_time(now)
    existing = Notification.objects.filter(comment_id=comment_id)
    with small_page_cache():
        before = existing.count()
        rows: list[Notification] = []
        for subscriber_id, daily in recipients(comment):
            rows.append(
                Notification(
                    subscriber_id=subscriber_id,
                    comment_id=comment_id,
                    digest=daily,
                    available_at=digest_at if daily else now,
                    created_at=now,
                )
            )
            if len(rows) >= FAN_OUT_PAGE:
                Notification.objects.bulk_create(rows, ignore_conflicts=True)
                rows = []
        if rows:
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
        return existing.count() - before
