"""Moderation: the one "awaiting review" rule, and what moderators do to comments and discussions.

`awaiting_review()` is the queue: held comments, and published ones readers reported since a
moderator last reviewed them. `moderate()` applies an action (approve, spam, remove, send back)
to many comments and logs each; `set_pinned()`, `set_closed()` and `reply_as_staff()` are the
other moderator actions. The admin views, the API, privacy erasure and commands call these
functions; each raises services.CommentError (translated) when nothing may change.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edicola.news.models import ArticlePage

from . import services
from .models import Comment, Discussion, ModerationLog, Report
from .readers import ClientInfo
from .signals import announce_changed, comments_approved


def reported_since_review() -> Q:
    """Comments with reports made since a moderator last reviewed them (or never reviewed)."""
    since_review = Report.objects.filter(
        comment=OuterRef("pk"), created_at__gt=OuterRef("reviewed_at")
    )
    return Q(reviewed_at__isnull=True, report_count__gt=0) | Q(Exists(since_review))


def awaiting_review():
    """Comments a moderator still has to look at: held ones, and published ones readers reported
    since a moderator last reviewed them (Comment.reviewed_at). The one "awaiting review" rule."""
    return Comment.objects.filter(
        Q(status=Comment.Status.PENDING)
        | Q(status=Comment.Status.APPROVED) & reported_since_review()
    )


def review_count() -> int:
    return awaiting_review().count()


# What each moderation action makes of a comment.
ACTION_STATUS = {
    ModerationLog.Action.APPROVE: Comment.Status.APPROVED,
    ModerationLog.Action.SPAM: Comment.Status.SPAM,
    ModerationLog.Action.REMOVE: Comment.Status.REMOVED,
    ModerationLog.Action.PENDING: Comment.Status.PENDING,
}


def moderate(comments, action: str, *, actor, note: str = "") -> int:
    """Apply a ModerationLog.Action (approve, spam, remove, pending) to comments; log each.

    `comments`: Comment objects, ids or a queryset. Returns how many were acted on: comments
    already in that state are left alone and not logged, except that approving a published
    comment with reports made since its last review marks them reviewed (and is logged).
    Removing keeps the row and its text for moderators; readers see a placeholder where it has
    replies. Approving clears held_by_reports; any decision sets reviewed_at, so only later
    reports can hide it again.
    Comments whose author deleted them (no text left) are not approved back.
    """
    try:
        new_status = ACTION_STATUS[ModerationLog.Action(action)]
    except (ValueError, KeyError):
        raise services.CommentError(_("Unknown moderation action."), field="action") from None
    ids = _ids(comments)
    if not ids:
        return 0
    now = timezone.now()
    with transaction.atomic():
        candidates = Comment.objects.select_for_update().filter(pk__in=ids)
        if new_status == Comment.Status.APPROVED:
            # Approving a published comment that has reports since its last review dismisses them.
            candidates = candidates.filter(~Q(status=new_status) | reported_since_review())
        else:
            candidates = candidates.exclude(status=new_status)
        rows = list(
            candidates.only("pk", "status", "article_id", "body", "created_at").order_by("pk")
        )
        if new_status == Comment.Status.APPROVED:
            rows = [row for row in rows if row.body]
        if not rows:
            return 0
        Comment.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=new_status, held_by_reports=False, reviewed_at=now
        )
        ModerationLog.objects.bulk_create(
            [
                ModerationLog(
                    comment_id=row.pk,
                    article_id=row.article_id,
                    actor=actor,
                    action=action,
                    note=note[:500],
                    created_at=now,
                )
                for row in rows
            ]
        )
        deltas, visible, latest = defaultdict(int), set(), {}
        for row in rows:
            was, becomes = (
                row.status == Comment.Status.APPROVED,
                new_status == Comment.Status.APPROVED,
            )
            deltas[row.article_id] += becomes - was
            if row.status in Comment.PUBLISHED or new_status in Comment.PUBLISHED:
                visible.add(row.article_id)
            if becomes:
                latest[row.article_id] = max(
                    latest.get(row.article_id, row.created_at), row.created_at
                )
        for article_id in visible:
            Discussion.objects.bump(
                article_id, count=deltas[article_id], last_comment_at=latest.get(article_id)
            )
        if new_status == Comment.Status.APPROVED:
            comments_approved.send(
                sender=Comment, comment_ids=[row.pk for row in rows if row.status != new_status]
            )
        announce_changed(*_articles(visible))
    return len(rows)


def _ids(comments) -> list[int]:
    if hasattr(comments, "values_list"):
        return list(comments.values_list("pk", flat=True))
    return [getattr(item, "pk", item) for item in comments]


def _articles(article_ids):
    return list(ArticlePage.objects.filter(pk__in=list(article_ids))) if article_ids else []


def set_pinned(comment: Comment, pinned: bool, *, actor) -> Comment:
    """Pin (or unpin) a published top-level comment: it stays first whatever the sort."""
    if comment.parent_id is not None:
        raise services.CommentError(_("Only top-level comments can be pinned."), status=400)
    if pinned and comment.status != Comment.Status.APPROVED:
        raise services.CommentError(_("Only published comments can be pinned."), status=409)
    with transaction.atomic():
        if (
            not Comment.objects.filter(pk=comment.pk)
            .exclude(is_pinned=pinned)
            .update(is_pinned=pinned)
        ):
            comment.is_pinned = pinned
            return comment
        ModerationLog.objects.create(
            comment_id=comment.pk,
            article_id=comment.article_id,
            actor=actor,
            action=ModerationLog.Action.PIN if pinned else ModerationLog.Action.UNPIN,
        )
        Discussion.objects.bump(comment.article_id)
        announce_changed(comment.article)
    comment.is_pinned = pinned
    return comment


def set_closed(article, closed: bool, *, actor) -> Discussion:
    """Close (or reopen) an article's discussion to new comments and replies; logged."""
    with transaction.atomic():
        discussion = discussion_for(article)
        if discussion.is_closed != closed:
            Discussion.objects.filter(pk=article.pk).update(
                is_closed=closed, version=F("version") + 1
            )
            ModerationLog.objects.create(
                article_id=article.pk,
                actor=actor,
                action=ModerationLog.Action.CLOSE if closed else ModerationLog.Action.OPEN,
            )
            announce_changed(article)
        discussion.refresh_from_db()
    return discussion


def discussion_for(article) -> Discussion:
    """The article's Discussion row, created on first use."""
    discussion, _created = Discussion.objects.get_or_create(article_id=article.pk)
    return discussion


def reply_as_staff(parent: Comment, body: str, *, actor) -> Comment:
    """A moderator's reply from the admin: published with the staff badge, logged. Works on
    closed discussions; not on removed comments."""
    article = parent.article
    client = ClientInfo(ip="", user=actor, reader_id=f"u:{actor.pk}")
    data = services.CommentInput(body=body, parent_id=parent.pk)
    with transaction.atomic():
        comment = services.create_comment(article, data, client=client, staff_reply=actor)
        ModerationLog.objects.create(
            comment=comment, article_id=article.pk, actor=actor, action=ModerationLog.Action.REPLY
        )
    return comment
