"""Stored discussion: comments, their votes and reports, per-article discussion state, and the
log of what moderators did. Rules about them live in services.py and policy.py.

Removal and erasure are states, never deletes, so a thread keeps its shape.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_edit_key() -> str:
    return secrets.token_hex(16)


class DiscussionQuerySet(models.QuerySet):
    def bump(self, article_id, *, count: int = 0, last_comment_at=None) -> None:
        """Count a change readers can see: the version always (the live check's ETag), the
        published comments by `count`, the latest comment time. F() expressions, so concurrent
        requests never lose an update; the row is created on first use."""
        changes = {"version": F("version") + 1}
        if count:
            changes["comment_count"] = F("comment_count") + count
        if last_comment_at is not None:
            changes["last_comment_at"] = Greatest(
                Coalesce("last_comment_at", last_comment_at), last_comment_at
            )
        if not self.filter(pk=article_id).update(**changes):
            self.get_or_create(article_id=article_id)
            self.filter(pk=article_id).update(**changes)


class Discussion(models.Model):
    """One article's discussion: open or closed, and counters readers see and poll."""

    article = models.OneToOneField(
        "news.ArticlePage",
        verbose_name=_("article"),
        primary_key=True,
        related_name="discussion",
        on_delete=models.CASCADE,
    )
    is_closed = models.BooleanField(_("closed to new comments"), default=False)
    # Approved comments, replies included; removed ones are not counted.
    comment_count = models.PositiveIntegerField(_("published comments"), default=0)
    # Bumped by every change a reader could see; the ETag of the live-update check.
    version = models.PositiveIntegerField(default=0)
    last_comment_at = models.DateTimeField(null=True, blank=True)

    objects = DiscussionQuerySet.as_manager()

    class Meta:
        verbose_name = _("discussion")
        verbose_name_plural = _("discussions")

    def __str__(self) -> str:
        return str(self.article)


# The orders a reader may choose for a thread; pinned comments always come first.
SORTS = ("newest", "oldest", "votes")
DEFAULT_SORT = "newest"
_ORDERINGS = {
    "newest": ("-is_pinned", "-created_at", "-pk"),
    "oldest": ("-is_pinned", "created_at", "pk"),
    "votes": ("-is_pinned", "-score", "-created_at", "-pk"),
}


def sort_or_default(value) -> str:
    """`value` if it names a sort order, else the default one."""
    return value if value in SORTS else DEFAULT_SORT


class CommentQuerySet(models.QuerySet):
    def for_article(self, article):
        return self.filter(article=article)

    def published(self):
        """What readers see: approved comments, plus removed ones kept as thread placeholders.
        The one definition of "published" (Comment.PUBLISHED)."""
        return self.filter(status__in=Comment.PUBLISHED)

    def on_published_articles(self):
        """Comments of articles readers may see (news' ArticleQuerySet.published() decides)."""
        from edicola.news.models import ArticlePage

        return self.filter(article__in=ArticlePage.objects.published().values("pk"))

    def sorted_by(self, sort: str):
        """In the reader's sort order (an unknown one means the default), pinned first."""
        return self.order_by(*_ORDERINGS[sort_or_default(sort)])

    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def by_email(self, email: str):
        return self.filter(author_email=email.strip().lower())


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        SPAM = "spam", _("Spam")
        REMOVED = "removed", _("Removed")

    class Badge(models.TextChoices):
        NONE = "", _("Reader")
        STAFF = "staff", _("Editorial staff")
        AUTHOR = "author", _("Author")

    article = models.ForeignKey(
        "news.ArticlePage",
        verbose_name=_("article"),
        related_name="comments",
        on_delete=models.CASCADE,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reply to"),
        null=True,
        blank=True,
        related_name="replies",
        on_delete=models.CASCADE,
    )
    # The top-level comment of the thread (itself for a top-level comment once saved; see save()).
    thread = models.ForeignKey(
        "self", null=True, blank=True, related_name="+", on_delete=models.CASCADE
    )
    depth = models.PositiveSmallIntegerField(default=0)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        related_name="comments",
        on_delete=models.SET_NULL,
    )
    author_name = models.CharField(_("name"), max_length=80)
    # Stored lower-cased; never shown to readers; blank once erased.
    author_email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    author_url = models.URLField(_("website"), max_length=200, blank=True)
    badge = models.CharField(_("badge"), max_length=10, choices=Badge.choices, blank=True)

    body = models.TextField(_("text"))  # what the reader wrote (Markdown subset)
    body_html = models.TextField(editable=False)  # rendered and sanitised when saved

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    held_by_reports = models.BooleanField(_("hidden by reader reports"), default=False)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    # The thread this comment belongs to takes no more replies (wpDiscuz's closed threads);
    # set on every comment of the thread, so a page shows it without looking up the top one.
    thread_closed = models.BooleanField(_("thread closed to replies"), default=False)
    is_anonymised = models.BooleanField(_("erased on request"), default=False)

    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    score = models.IntegerField(_("score"), default=0)
    report_count = models.PositiveSmallIntegerField(_("reports"), default=0)

    # Only the network is kept: /24 for IPv4, /48 for IPv6. Never the full address.
    ip_network = models.CharField(_("network"), max_length=64, blank=True)
    # Random secret that edit/delete tokens are bound to; rotated on erasure.
    edit_key = models.CharField(max_length=32, default=new_edit_key, editable=False)
    # The poster's reader id ("u:<id>" or "g:<random>"), so they cannot vote on their own comment.
    reader_id = models.CharField(max_length=64, blank=True, editable=False)
    # When a moderator last decided on it; only reports made after that can hide it again.
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    created_at = models.DateTimeField(_("posted"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    objects = CommentQuerySet.as_manager()
    # Statuses readers see (removed ones as placeholders where they hold replies).
    PUBLISHED = (Status.APPROVED, Status.REMOVED)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["article", "status", "created_at"]),
            models.Index(fields=["thread", "created_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["ip_network", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:60]}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.thread_id is None:
            self.thread_id = self.parent.thread_id if self.parent_id else self.pk
            type(self).objects.filter(pk=self.pk).update(thread_id=self.thread_id)

    @property
    def is_removed(self) -> bool:
        return self.status == self.Status.REMOVED

    @property
    def anchor(self) -> str:
        return f"commento-{self.pk}"


class Vote(models.Model):
    """One reader's up or down vote on one comment."""

    comment = models.ForeignKey(Comment, related_name="votes", on_delete=models.CASCADE)
    # "u:<user id>" for accounts, "g:<random id from a signed cookie>" for guests.
    voter = models.CharField(max_length=64)
    ip_network = models.CharField(max_length=64, blank=True)
    value = models.SmallIntegerField(choices=[(1, "+1"), (-1, "-1")])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "voter"], name="one_vote_per_reader"),
        ]
        indexes = [models.Index(fields=["comment", "ip_network"])]

    def __str__(self) -> str:
        return f"{self.voter} {self.value:+d} #{self.comment_id}"


class Report(models.Model):
    """A reader's report of a comment to the moderators."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        OFFENSIVE = "offensive", _("Offensive")
        OFF_TOPIC = "off_topic", _("Off-topic")
        OTHER = "other", _("Other")

    comment = models.ForeignKey(Comment, related_name="reports", on_delete=models.CASCADE)
    reporter = models.CharField(max_length=64)  # same form as Vote.voter
    # Guests' reports count once per network towards the hiding threshold.
    ip_network = models.CharField(max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="one_report_per_reader"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} #{self.comment_id}"


class ModerationLog(models.Model):
    """Every moderation action, who took it and when."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        SPAM = "spam", _("Marked as spam")
        REMOVE = "remove", _("Removed")
        PENDING = "pending", _("Sent back to review")
        HELD_BY_REPORTS = "reported", _("Hidden by reader reports")
        PIN = "pin", _("Pinned")
        UNPIN = "unpin", _("Unpinned")
        CLOSE = "close", _("Discussion closed")
        OPEN = "open", _("Discussion reopened")
        REPLY = "reply", _("Replied as staff")
        ERASE = "erase", _("Erased on request")

    comment = models.ForeignKey(
        Comment, null=True, blank=True, related_name="log", on_delete=models.CASCADE
    )
    article = models.ForeignKey(
        "news.ArticlePage", null=True, blank=True, related_name="+", on_delete=models.CASCADE
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.comment_id or self.article_id}"


class Subscriber(models.Model):
    """One e-mail address that receives discussion mail: its language, and whether it works.

    Links in our mails (manage, unsubscribe) are signed and bound to `key`: rotating it voids
    them. A permanent rejection by the receiving server (5xx) disables the address.
    """

    email = models.EmailField(_("e-mail"), unique=True)  # stored lower-cased
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    key = models.CharField(max_length=32, default=new_edit_key, editable=False)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")

    def __str__(self) -> str:
        return self.email


class Subscription(models.Model):
    """A subscriber's wish to hear about one article's discussion."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("All new comments on this article")
        REPLIES = "replies", _("Replies to my comments on this article")

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("One e-mail per new comment")
        DAILY = "daily", _("One daily digest")

    subscriber = models.ForeignKey(
        Subscriber, related_name="subscriptions", on_delete=models.CASCADE
    )
    article = models.ForeignKey(
        "news.ArticlePage", verbose_name=_("article"), related_name="+", on_delete=models.CASCADE
    )
    kind = models.CharField(_("notify me of"), max_length=10, choices=Kind.choices)
    frequency = models.CharField(
        _("how often"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    # Guests confirm by a mailed link (double opt-in); nothing else is sent until then.
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "article", "kind"], name="one_subscription_per_kind"
            ),
        ]
        indexes = [models.Index(fields=["article", "kind"])]

    def __str__(self) -> str:
        return f"{self.subscriber} → {self.article_id} ({self.kind})"


class Notification(models.Model):
    """The durable record of one mail owed to one subscriber about one comment.

    Unique per (subscriber, comment): however often a fan-out runs, a comment is announced to an
    address at most once. A worker claims pending rows with a lease (state SENDING); rows whose
    lease ran out go back to PENDING. `digest` rows wait for the subscriber's daily digest.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    subscriber = models.ForeignKey(
        Subscriber, related_name="notifications", on_delete=models.CASCADE
    )
    comment = models.ForeignKey(Comment, related_name="+", on_delete=models.CASCADE)
    digest = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "comment"], name="one_notification_per_comment"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "digest", "available_at"]),
            models.Index(fields=["state", "lease_until"]),
            models.Index(fields=["lease_token"]),
        ]

    def __str__(self) -> str:
        return f"#{self.comment_id} → {self.subscriber_id} ({self.state})"
