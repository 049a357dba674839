"""The discussion's rules: submit, edit, delete, vote, report, moderate, read a thread.

Every entry point (HTML views, JSON API, admin, commands, tasks) calls these functions and
repeats no check. Each raises CommentError with a translated message when nothing may change;
in that case nothing has been written.

CONTRACT (filled in by the core implementation; signatures are fixed, other modules rely on them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _  # noqa: F401

from .models import Comment, Discussion  # noqa: F401


class CommentError(Exception):
    """A refusal readers see: `message` is translated, `field` names the input at fault (or None),
    `status` is the HTTP status the views and the API answer with (400, 403, 404, 409, 429)."""

    def __init__(self, message, *, field: str | None = None, status: int = 400):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.status = status


@dataclass(frozen=True)
class ClientInfo:
    """Who is asking: the account if logged in, the guest's reader id (signed cookie), the IP."""

    ip: str
    user: object | None = None  # an authenticated User, or None
    reader_id: str = ""  # "u:<id>" or "g:<random>"; see views.reader_id()


@dataclass
class CommentInput:
    """A reader's comment as typed, before any check."""

    body: str
    name: str = ""
    email: str = ""
    url: str = ""
    parent_id: int | None = None
    # Anti-bot signals from the HTML form (the API sends neither and is rate-limited instead).
    honeypot: str = ""
    form_age_seconds: float | None = None
    extra: dict = field(default_factory=dict)


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


def submit_comment(article, data: CommentInput, *, client: ClientInfo) -> Comment:
    """Save a reader's comment (or reply) under the moderation policy; see policy.decide()."""
    raise NotImplementedError


def edit_comment(comment: Comment, body: str, *, client: ClientInfo, token: str = "") -> Comment:
    """Change the text within the edit window, proven by `token` or by the author's account."""
    raise NotImplementedError


def delete_comment(comment: Comment, *, client: ClientInfo, token: str = "") -> None:
    """The author withdraws a comment within the edit window (becomes a removed placeholder)."""
    raise NotImplementedError


def edit_token(comment: Comment) -> str:
    """A signed token bound to this comment that proves authorship for the edit window."""
    raise NotImplementedError


def can_edit(comment: Comment, *, client: ClientInfo, token: str = "") -> bool:
    raise NotImplementedError


def vote(comment: Comment, value: int, *, client: ClientInfo) -> Comment:
    """Record +1 / -1 (or 0 to withdraw) for this reader; returns the comment with new counts."""
    raise NotImplementedError


def report(comment: Comment, reason: str, *, client: ClientInfo, note: str = "") -> Comment:
    """A reader reports a comment; enough reports hide it pending review."""
    raise NotImplementedError


def moderate(comments, action: str, *, actor, note: str = "") -> int:
    """Apply a ModerationLog.Action (approve, spam, remove, pending) to comments; log each."""
    raise NotImplementedError


def set_pinned(comment: Comment, pinned: bool, *, actor) -> Comment:
    raise NotImplementedError


def set_closed(article, closed: bool, *, actor) -> Discussion:
    raise NotImplementedError


def reply_as_staff(parent: Comment, body: str, *, actor) -> Comment:
    raise NotImplementedError


def discussion_for(article) -> Discussion:
    """The article's Discussion row, created on first use."""
    raise NotImplementedError


def thread_page(
    article,
    *,
    sort: str = "newest",
    page: int = 1,
    show_all: bool = False,
    viewer: ClientInfo | None = None,
) -> ThreadPage:
    """The discussion as readers see it, in O(1) queries."""
    raise NotImplementedError
