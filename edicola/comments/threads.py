"""Reading a discussion: one page of an article's threads as readers see it, in O(1) queries.

`thread_page()` is what the article page, the thread fragment, the JSON API and passages render
from; the sort orders and what "published" means are the comment model's (models.SORTS,
Comment.PUBLISHED).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from .conf import conf
from .models import Comment, Discussion, Vote, sort_or_default
from .readers import ClientInfo, account_of, reader_key


@dataclass
class ThreadNode:
    comment: Comment
    replies: list[ThreadNode]


@dataclass
class ThreadPage:
    """One page of an article's discussion, ready to render: top-level threads with replies."""

    threads: list[ThreadNode]
    sort: str  # "newest" | "oldest" | "votes"
    comment_count: int  # approved comments in the whole discussion
    thread_count: int  # top-level threads in the whole discussion
    page: int
    page_count: int
    showing_all: bool
    # Filled only when thread_page() is given a viewer: their votes on the comments shown
    # ({comment id: +1 / -1}) and their own comments still awaiting moderation (oldest first).
    viewer_votes: dict = field(default_factory=dict)
    own_pending: list = field(default_factory=list)


def _top_level(article):
    """Top-level comments readers see: approved, or removed but holding published replies."""
    replies = Comment.objects.filter(parent=OuterRef("pk"), status__in=Comment.PUBLISHED)
    return Comment.objects.filter(
        Q(status=Comment.Status.APPROVED) | (Q(Exists(replies)) & Q(status=Comment.Status.REMOVED)),
        article_id=article.pk,
        parent__isnull=True,
    )


def thread_page(
    article,
    *,
    sort: str = "newest",
    page: int = 1,
    show_all: bool = False,
    viewer: ClientInfo | None = None,
) -> ThreadPage:
    """The discussion as readers see it, in O(1) queries.

    Queries: the discussion row, the number of top-level threads, one page of top-level ids
    (pinned first, then by `sort`), and every published comment of those threads; with a viewer,
    also their votes and their own pending comments. Replies are oldest first. Removed comments
    appear only where they hold replies (is_removed: render a placeholder); replies under a
    comment that is not published (held, spam) are not shown. An unknown sort means "newest";
    a page out of range is clamped.
    """
    sort = sort_or_default(sort)
    discussion = Discussion.objects.filter(pk=article.pk).first()
    comment_count = discussion.comment_count if discussion else 0
    top = _top_level(article)
    thread_count = top.count()
    size = max(1, conf("PAGE_SIZE"))
    page_count = 1 if show_all else max(1, math.ceil(thread_count / size))
    try:
        page = min(max(1, int(page)), page_count)
    except (TypeError, ValueError):
        page = 1
    threads: list[ThreadNode] = []
    loaded: list[Comment] = []
    if thread_count:
        ordered = top.sorted_by(sort).values_list("pk", flat=True)
        ids = list(ordered if show_all else ordered[(page - 1) * size : page * size])
        loaded = list(
            Comment.objects.filter(thread_id__in=ids, status__in=Comment.PUBLISHED).order_by(
                "created_at", "pk"
            )
        )
        threads = _build(ids, loaded)
    result = ThreadPage(
        threads=threads,
        sort=sort,
        comment_count=comment_count,
        thread_count=thread_count,
        page=page,
        page_count=page_count,
        showing_all=show_all or page_count == 1,
    )
    if viewer is not None:
        voter = reader_key(viewer)
        if voter and loaded:
            result.viewer_votes = dict(
                Vote.objects.filter(
                    comment_id__in=[comment.pk for comment in loaded], voter=voter
                ).values_list("comment_id", "value")
            )
        result.own_pending = own_pending(article, viewer)
    return result


def own_pending(article, viewer: ClientInfo) -> list[Comment]:
    """The viewer's own comments on this article still awaiting moderation (one query)."""
    user = account_of(viewer)
    who = Q(reader_id=viewer.reader_id) if viewer.reader_id else Q()
    if user is not None:
        who |= Q(user=user)
    if not who:
        return []
    return list(
        Comment.objects.filter(who, article_id=article.pk, status=Comment.Status.PENDING).order_by(
            "created_at", "pk"
        )
    )


def _build(ids: list[int], comments: list[Comment]) -> list[ThreadNode]:
    nodes = {comment.pk: ThreadNode(comment, []) for comment in comments}
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id in nodes:
            nodes[comment.parent_id].replies.append(nodes[comment.pk])

    def prune(node: ThreadNode) -> bool:
        """Drop removed comments left without replies; True if the node stays."""
        node.replies = [reply for reply in node.replies if prune(reply)]
        node.comment._has_replies = bool(node.replies)
        return bool(node.replies) or not node.comment.is_removed

    return [nodes[pk] for pk in ids if pk in nodes and prune(nodes[pk])]
