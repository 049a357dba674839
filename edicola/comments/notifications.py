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
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext

from edicola.core import leases, mail

from . import subscriptions
from .conf import conf
from .models import Comment, Notification, Subscriber, Subscription

logger = logging.getLogger(__name__)

State = Notification.State
NEW_COMMENT_TEMPLATE = "comments/email/new_comment"
# Stand-ins for the per-subscriber links in text rendered once per comment and language.
MANAGE_MARK = "__EDICOLA_MANAGE_URL__"
UNSUBSCRIBE_MARK = "__EDICOLA_UNSUBSCRIBE_URL__"
EXCERPT_CHARS = 400
# Subscribers read, and Notification rows written, per query of the fan-out.
FAN_OUT_PAGE = 1000
# SQLite keeps each page a connection read in its cache, up to the connection's cache_size (20 MB
# in settings): a fan-out to many subscribers would grow the worker by the pages it touched. The
# fan-out and the delivery run with this smaller cache (KiB), then put the setting back.
SQLITE_CACHE_KIB = 2048


@contextmanager
def _small_page_cache():
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


# -- Fan-out ---------------------------------------------------------------------------------------


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
    with _small_page_cache():
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


# -- Rendering -------------------------------------------------------------------------------------


def mail_domain() -> str:
    return urlsplit(settings.BASE_URL).hostname or "localhost"


def thread_id(article_id: int) -> str:
    """The Message-ID every mail about one article refers to, so mail clients thread them."""
    return f"<article-{article_id}@{mail_domain()}>"


def article_url(article) -> str:
    url = article.get_url() or "/"
    return url if url.startswith("http") else settings.BASE_URL + url


def excerpt(comment: Comment) -> str:
    text = " ".join(strip_tags(comment.body_html or comment.body).split())
    return Truncator(text).chars(EXCERPT_CHARS)


def is_parent_author(comment: Comment, email: str, user_id: int | None) -> bool:
    """Whether this subscriber wrote the comment `comment` answers (they get "a reply to you")."""
    parent = comment.parent
    if parent is None:
        return False
    if parent.user_id and user_id == parent.user_id:
        return True
    return bool(parent.author_email) and email.casefold() == parent.author_email.casefold()


def render_new_comment(
    comment: Comment, language: str, *, to_parent_author: bool = False
) -> mail.MessageTemplate:
    """The new-comment mail in `language`, encoded once; the subscriber's links are holes.
    `to_parent_author`: the reply mail for the author of the comment answered, subject and
    first line addressed to them."""
    article = comment.article
    url = article_url(article)
    with translation.override(language):
        context = {
            "site_name": mail.site_name(),
            "base_url": settings.BASE_URL,
            "language": language,
            "article_title": article.title,
            "article_url": url,
            "comment_url": f"{url}#{comment.anchor}",
            "author_name": comment.author_name,
            "excerpt": excerpt(comment),
            "is_reply": comment.parent_id is not None,
            "parent_author": comment.parent.author_name if comment.parent_id else "",
            "to_you": to_parent_author,
            "manage_url": MANAGE_MARK,
            "unsubscribe_url": UNSUBSCRIBE_MARK,
        }
        if to_parent_author:
            subject = gettext("New reply to your comment on “%(title)s”")
        else:
            subject = gettext("New comment on “%(title)s”")
        subject %= {"title": article.title}
        text = mail.render_text(f"{NEW_COMMENT_TEMPLATE}.txt", context)
        html = render_to_string(f"{NEW_COMMENT_TEMPLATE}.html", context)
    thread = thread_id(comment.article_id)
    headers = {
        "In-Reply-To": thread,
        "References": thread,
        "Auto-Submitted": "auto-generated",
        "Content-Language": language,
    }
    return mail.MessageTemplate(subject, text, html, headers, holes=(MANAGE_MARK, UNSUBSCRIBE_MARK))


class Reader:
    """What a mail needs of its subscriber, read with the notification row (no model instance);
    quacks like a Subscriber for the signed links of `subscriptions`."""

    __slots__ = ("pk", "email", "key", "language")

    def __init__(self, pk: int, email: str, key: str, language: str):
        self.pk, self.email, self.key = pk, email, key
        self.language = language or settings.LANGUAGE_CODE


class _Links:
    """The subscriber's signed links; each URL is reversed once per language (only the token
    differs) and the sender's mailto address is parsed once."""

    PLACEHOLDER = "EDICOLATOKEN"

    def __init__(self):
        self._around: dict[tuple[str, str], tuple[str, str]] = {}

    def _url(self, name: str, token: str, language: str) -> str:
        key = (name, language)
        if key not in self._around:
            url = subscriptions._url(name, self.PLACEHOLDER, language)
            head, _mark, tail = url.partition(self.PLACEHOLDER)
            self._around[key] = (head, tail)
        head, tail = self._around[key]
        return f"{head}{token}{tail}"

    def for_reader(self, reader: Reader, article_id: int) -> tuple[dict, dict]:
        """(headers, holes) of the new-comment mail for this reader."""
        token = subscriptions.unsubscribe_token(reader, article_id=article_id)
        unsubscribe = self._url("unsubscribe", token, reader.language)
        manage = self._url("manage", subscriptions.manage_token(reader), reader.language)
        headers = subscriptions.list_headers(unsubscribe, token)
        return headers, {MANAGE_MARK: manage, UNSUBSCRIBE_MARK: unsubscribe}


# -- Delivery --------------------------------------------------------------------------------------


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
    rows: list[tuple], token: str, cache: _Comments, links: _Links, ledger: _Ledger, mailer: str
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
    cache, links, ledger = _Comments(), _Links(), _Ledger()
    sent = 0
    with _small_page_cache(), contextlib.closing(ledger):
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


# -- Periodic sweep --------------------------------------------------------------------------------


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
