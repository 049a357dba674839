"""Delivering the new-comment mails: claim due rows, send them, settle each one.

`deliver_due()` claims pending Notification rows with a lease (edicola.core.leases), sends
them through one SMTP connection per batch and marks each row sent right after the server's
250. Temporary failures retry with backoff (core.mail.BACKOFF); a permanent 5xx refusal
disables the address (`disable_address`). Rows of a worker that died go back to pending
(`recover`, run by `sweep()` on `edicola clock`). The digest (digests.py) settles its rows with
the same helpers. See `notifications` for the exactly-once argument.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from edicola.core import leases, mail

from .commentmail import Reader, SubscriberLinks, is_parent_author, mail_domain, render_new_comment
from .conf import conf
from .models import Comment, Notification, Subscriber
from .notifications import small_page_cache

logger = logging.getLogger(__name__)
State = Notification.State


def recover(now=None) -> int:
    """Rows whose worker died while holding them go back to pending (sent again)."""
    now = now or timezone.now()
    return leases.expired(Notification.objects.all(), sending=State.SENDING, now=now).update(
        state=State.PENDING, lease_token="", lease_until=None, available_at=now
    )


def settle(row_id: int, token: str, **fields) -> None:
    Notification.objects.filter(pk=row_id, lease_token=token, state=State.SENDING).update(
        lease_token="", lease_until=None, **fields
    )


def retry_fields(attempts: int, error: Exception | str) -> dict:
    text = str(error)[:300]
    if isinstance(error, mail.DeliveryUnknown):  # the server may have it: never mail it twice
        return {"state": State.FAILED, "error": f"outcome unknown: {text}"[:300]}
    if mail.BACKOFF.exhausted(attempts):
        return {"state": State.FAILED, "error": text}
    return {
        "state": State.PENDING,
        "error": text,
        "available_at": timezone.now() + mail.BACKOFF.delay(attempts),
    }


def disable_address(subscriber_id: int, reason: str) -> None:
    """A permanent refusal: stop writing to this address; its unsent mail is cancelled."""
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber_id, disabled_at__isnull=True).update(
            disabled_at=timezone.now(), disabled_reason=reason[:300]
        )
        Notification.objects.filter(subscriber_id=subscriber_id, state=State.PENDING).update(
            state=State.CANCELLED, error="address disabled"
        )


def _connection_lost(error: Exception) -> bool:
    """The connection itself failed (not a refusal of one message): stop the batch."""
    if isinstance(error, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


class _Comments:
    """Comments (with article and parent) and their mail templates, loaded once per run."""

    def __init__(self):
        self.comments: dict[int, Comment | None] = {}
        self.templates: dict[tuple[int, str, bool], mail.MessageTemplate] = {}

    def get(self, comment_id: int) -> Comment | None:
        if comment_id not in self.comments:
            self.comments[comment_id] = (
                Comment.objects.select_related("article", "parent").filter(pk=comment_id).first()
            )
        return self.comments[comment_id]

    def template(
        self, comment: Comment, language: str, to_parent_author: bool
    ) -> mail.MessageTemplate:
        key = (comment.pk, language, to_parent_author)
        if key not in self.templates:
            self.templates[key] = render_new_comment(
                comment, language, to_parent_author=to_parent_author
            )
        return self.templates[key]


# A claimed row as the sender reads it: no model instances, one query per batch.
_ROW = (
    "pk",
    "comment_id",
    "attempts",
    "subscriber_id",
    "subscriber__email",
    "subscriber__language",
    "subscriber__key",
    "subscriber__disabled_at",
    "subscriber__user_id",
)


class _Ledger:
    """Marks a row sent the moment the server accepted its mail: one UPDATE by primary key,
    committed on its own (autocommit), with a statement prepared once per run.

    On PostgreSQL the sending session commits without waiting for the WAL flush
    (synchronous_commit off, ~0.1 ms instead of ~3 ms a row here): a killed worker loses
    nothing it committed (the server has it); only a crash of the database server itself could
    forget the last fraction of a second of marks, and those mails would be sent again."""

    def __init__(self):
        from django.db import connection

        self.connection = connection
        table = connection.ops.quote_name(Notification._meta.db_table)
        self.sql = (
            f"UPDATE {table} SET state = %s, sent_at = %s, lease_token = '', lease_until = NULL,"
            " error = '' WHERE id = %s AND lease_token = %s AND state = %s"
        )
        self.cursor = None

    def sent(self, row_id: int, token: str) -> None:
        if self.cursor is None:
            self.cursor = self.connection.cursor()
            if self.connection.vendor == "postgresql":
                self.cursor.execute("SET synchronous_commit TO off")
        when = self.connection.ops.adapt_datetimefield_value(timezone.now())
        self.cursor.execute(self.sql, [State.SENT, when, row_id, token, State.SENDING])

    def close(self) -> None:
        if self.cursor is not None:
            try:
                if self.connection.vendor == "postgresql":
                    self.cursor.execute("RESET synchronous_commit")
            except Exception:  # a broken connection (or aborted transaction) is not reused as is
                logger.debug("Could not reset synchronous_commit", exc_info=True)
            finally:
                self.cursor.close()
                self.cursor = None


def _send_batch(
    rows: list[tuple],
    token: str,
    cache: _Comments,
    links: SubscriberLinks,
    ledger: _Ledger,
    mailer: str,
) -> int:
    """Send claimed rows through one connection; each row is settled as soon as it is known."""
    sent = 0
    connection = mail.batch_connection(mailer)
    try:
        connection.open()
    except Exception as error:  # the server is unreachable: every row retries later
        logger.warning("Cannot open the mail connection: %s", error)
        connection.close()
        for row_id, _comment, attempts, *_rest in rows:
            settle(row_id, token, **retry_fields(attempts, error))
        return 0
    domain = mail_domain()
    try:
        for index, row in enumerate(rows):
            row_id, comment_id, attempts, subscriber_id, email, language, key, disabled, user = row
            comment = cache.get(comment_id)
            if comment is None or comment.status != Comment.Status.APPROVED:
                settle(row_id, token, state=State.CANCELLED, error="comment no longer published")
                continue
            if disabled is not None:
                settle(row_id, token, state=State.CANCELLED, error="address disabled")
                continue
            reader = Reader(subscriber_id, email, key, language)
            try:
                headers, holes = links.for_reader(reader, comment.article_id)
                headers["Message-ID"] = f"<comment-{comment_id}.{subscriber_id}@{domain}>"
                template = cache.template(
                    comment, reader.language, is_parent_author(comment, email, user)
                )
                connection.send(template, email, headers, holes)
            except ValueError as error:  # an address or header that cannot be sent at all
                settle(row_id, token, state=State.FAILED, error=str(error)[:300])
                continue
            except Exception as error:
                if mail.is_permanent(error):
                    settle(row_id, token, state=State.FAILED, error=str(error)[:300])
                    disable_address(subscriber_id, str(error))
                    continue
                logger.warning("Notification %s not sent: %s", row_id, error)
                settle(row_id, token, **retry_fields(attempts, error))
                if _connection_lost(error):
                    later = [later[0] for later in rows[index + 1 :]]  # not tried: no attempt
                    Notification.objects.filter(
                        pk__in=later, lease_token=token, state=State.SENDING
                    ).update(
                        state=State.PENDING,
                        lease_token="",
                        lease_until=None,
                        attempts=F("attempts") - 1,
                        available_at=timezone.now(),
                    )
                    break
                continue
            ledger.sent(row_id, token)
            sent += 1
    finally:
        connection.close()
    return sent


def deliver_due(
    *, time_budget: float | None = None, mailer: str = "default", follow_up=None
) -> int:
    """Send every immediate notification that is due, batch after batch; returns how many were
    accepted by the mail server. With `time_budget` (seconds), stops after the batch that
    exceeds it and calls `follow_up()` (the task layer enqueues a worker for the rest)."""
    started = time.monotonic()
    recover()
    cache, links, ledger = _Comments(), SubscriberLinks(), _Ledger()
    sent = 0
    with small_page_cache(), contextlib.closing(ledger):
        while True:
            due = Notification.objects.filter(digest=False, available_at__lte=timezone.now())
            token = leases.claim(
                due,
                limit=conf("BATCH"),
                lease_seconds=conf("LEASE_SECONDS"),
                pending=State.PENDING,
                sending=State.SENDING,
                order_by=("available_at", "pk"),
            )
            if not token:
                break
            rows = list(
                Notification.objects.filter(lease_token=token, state=State.SENDING)
                .order_by("pk")
                .values_list(*_ROW)
            )
            sent += _send_batch(rows, token, cache, links, ledger, mailer)
            if time_budget is not None and time.monotonic() - started > time_budget:
                if follow_up is not None:
                    follow_up()
                break
    return sent


def next_retry_at():
    """When the earliest immediate notification waiting for a retry falls due (None: none)."""
    return (
        Notification.objects.filter(state=State.PENDING, digest=False)
        .order_by("available_at")
        .values_list("available_at", flat=True)
        .first()
    )


def sweep(now=None) -> tuple[bool, bool]:
    """Rescue rows of dead workers and retry stored mail that is due.
    Returns (immediate deliveries due, digests due) when no worker is busy, for the task layer
    to start them (tasks.tick, on the clock). Cheap when there is nothing to do."""
    now = now or timezone.now()
    recover(now)
    pending = Notification.objects.filter(state=State.PENDING, available_at__lte=now)
    busy = Notification.objects.filter(state=State.SENDING).exists()
    deliveries = not busy and pending.filter(digest=False).exists()
    digests = not busy and pending.filter(digest=True).exists()
    mail.retry_due_mail(now)
    return deliveries, digests
