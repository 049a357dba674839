"""The discussion's rules for readers: submit (or reply), edit and delete within the window. Votes
and reports are in reactions.py, moderation in moderation.py, reading a thread in threads.py.

Every entry point (HTML views, JSON API, passages, commands, tasks) calls these functions and
repeats no check. Each raises CommentError with a translated message when nothing may change;
in that case nothing has been written (rate-limit counters aside).

Settings: the COMMENTS block of edicola/settings.py. Publish/hold/refuse is decided by
policy.decide() from the facts gathered here and the signals of spam.py.

Counters: Discussion.comment_count (approved comments), Discussion.version (bumped by every
change readers can see) and a comment's vote counts are updated with F() expressions, so
concurrent requests never lose an update. After the commit of a reader-visible change,
signals.discussion_changed is sent with the article.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from edicola.core import identity, ratelimit
from edicola.news.models import ArticlePage

from . import forms as shapes
from . import markup, policy, spam, stamps, subscriptions
from .conf import conf
from .forms import CommentInput
from .models import Comment, Discussion
from .readers import ClientInfo, account_of, ip_network, is_moderator, reader_key
from .signals import announce_changed, comment_held, comments_approved

EDIT_SALT = "edicola.comments.edit"


class CommentError(Exception):
    """A refusal readers see: `message` is translated, `field` names the input at fault (or None),
    `status` is the HTTP status the views and the API answer with (400, 403, 404, 409, 429).
    `errors` maps every faulty field to its messages when several are known (input checks);
    `retry_after` is the number of seconds to wait, for 429 answers (the Retry-After header)."""

    def __init__(
        self,
        message,
        *,
        field: str | None = None,
        status: int = 400,
        errors: dict | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.status = status
        self.errors = errors if errors is not None else ({field: [message]} if field else {})
        self.retry_after = retry_after


# --------------------------------------------------------------------------------------------
# Small helpers


def account_name(user) -> str:
    name = (user.get_full_name() or "").strip()
    if not name:
        name = (user.email or user.get_username() or "").split("@")[0]
    try:
        return shapes.clean_name(name)
    except ValidationError:
        return str(_("Reader"))


def retry_message(seconds: int) -> str:
    """The translated "too fast, try again in …" message for a rate limit."""
    if seconds < 90:
        return ngettext(
            "You are going too fast. Try again in %(count)d second.",
            "You are going too fast. Try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "You are going too fast. Try again in %(count)d minute.",
        "You are going too fast. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def limit_rate(scope: str, identities, rates) -> None:
    hashed = [ratelimit.keyed_hash(value) for value in identities if value]
    try:
        ratelimit.hit(scope, hashed, rates)
    except ratelimit.RateLimited as limited:
        raise CommentError(
            retry_message(limited.retry_after), status=429, retry_after=limited.retry_after
        ) from None


def _is_article_author(article, user) -> bool:
    from edicola.news.models import ArticleAuthor

    return ArticleAuthor.objects.filter(article_id=article.pk, author__user=user).exists()


def _check_input(data: CommentInput, user) -> tuple[str, str, str, str]:
    """(body, name, email, url) cleaned, or CommentError listing every faulty field."""
    errors, values = {}, {}
    checks = [("body", shapes.clean_body, data.body), ("url", shapes.clean_url, data.url)]
    if user is None:
        checks += [
            ("name", shapes.clean_name, data.name),
            ("email", shapes.clean_email, data.email),
        ]
    for name, check, value in checks:
        try:
            values[name] = check(value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        first = next(iter(errors))
        raise CommentError(errors[first][0], field=first, status=400, errors=errors)
    if user is not None:
        values["name"] = account_name(user)
        # An account whose address is not proven acts as one without an address.
        values["email"] = identity.confirmed_email(user)
    return values["body"], values["name"], values["email"], values["url"]


def _is_known(email: str, user, client: ClientInfo) -> bool:
    """Whether the poster already has an approved comment ("known" in policy.decide()), on
    proof, never on a typed address: a confirmed account (`email` is its proven address, ""
    while unproven: then it is not known); a guest whose browser wrote an approved comment with
    this address (the signed reader cookie), or proved the address by opening a link mailed to
    it (core.identity's signed cookie)."""
    if not email:
        return False
    approved = Comment.objects.filter(status=Comment.Status.APPROVED)
    if user is not None:
        return approved.filter(Q(user=user) | Q(author_email=email)).exists()
    by_address = approved.filter(author_email=email)
    if identity.email_hash(email) in client.proven_emails:
        return by_address.exists()
    reader = client.reader_id
    return reader.startswith("g:") and by_address.filter(reader_id=reader).exists()


def _thread_closed(parent: Comment) -> bool:
    """Whether the thread `parent` belongs to is closed to replies (its top comment says)."""
    if parent.thread_closed:
        return True
    return Comment.objects.filter(pk=parent.thread_id or parent.pk, thread_closed=True).exists()


def _resolve_parent(article, parent_id) -> Comment | None:
    if parent_id in (None, ""):
        return None
    missing = CommentError(
        _("The comment you are replying to does not exist."), field="parent", status=400
    )
    try:
        parent_id = int(parent_id)
    except (TypeError, ValueError):
        raise missing from None
    parent = Comment.objects.select_related("parent").filter(pk=parent_id).first()
    if parent is None or parent.article_id != article.pk:
        raise missing
    if parent.status == Comment.Status.REMOVED:
        raise CommentError(
            _("That comment was removed: it cannot be replied to."), field="parent", status=409
        )
    if parent.status != Comment.Status.APPROVED:
        raise missing
    # Deeper replies attach to the deepest allowed level (depth counts from 0).
    max_depth = max(1, conf("MAX_DEPTH"))
    while parent is not None and parent.depth + 1 >= max_depth:
        ancestor = parent.parent if "parent" in parent._state.fields_cache else None
        if ancestor is None and parent.parent_id:
            ancestor = Comment.objects.filter(pk=parent.parent_id).first()
        parent = ancestor
    return parent


# --------------------------------------------------------------------------------------------
# Posting


def submit_comment(article, data: CommentInput, *, client: ClientInfo) -> Comment:
    """Save a reader's comment (or reply) under the moderation policy; see policy.decide().

    Returns the saved Comment: status APPROVED (published) or PENDING (held for review).
    A comment that a bot signal refuses (honeypot filled in, form sent too fast) is NOT saved:
    the returned Comment has `pk is None` and status SPAM. Callers answer exactly as for a held
    comment ("awaiting moderation") so bots learn nothing, and must not build links from it.

    Refusals (CommentError): 400 bad input (`errors` has every faulty field) or unknown/foreign
    parent; 404 article not published; 403 discussion or thread closed; 409 parent removed;
    429 too many
    comments (per address and per e-mail).
    """
    return create_comment(article, data, client=client)


def create_comment(article, data: CommentInput, *, client: ClientInfo, staff_reply=None) -> Comment:
    user = staff_reply if staff_reply is not None else account_of(client)
    body, name, email, url = _check_input(data, user)
    if not ArticlePage.objects.is_visible(article):
        raise CommentError(_("This article is not published."), status=404)
    network = ip_network(client.ip)
    is_staff = is_moderator(user)
    now = timezone.now()

    with transaction.atomic():
        stamp, form_age = data.stamp, data.form_age_seconds
        if staff_reply is None:
            limit_rate("comment", [client.ip, email or reader_key(client)], conf("RATE_COMMENTS"))
            if stamp is not None:
                stamp = stamps.redeem(stamp)
                form_age = stamp.age
        bot = spam.bot_signals(honeypot=data.honeypot, form_age_seconds=form_age)
        if bot.reject_reasons and not is_staff:
            refused = Comment(article=article, author_name=name, body=body, created_at=now)
            refused.status = Comment.Status.SPAM
            return refused
        discussion, _created = Discussion.objects.get_or_create(article=article)
        if discussion.is_closed and staff_reply is None:
            raise CommentError(_("Comments on this article are closed."), status=403)
        parent = _resolve_parent(article, data.parent_id)
        if parent is not None and staff_reply is None and _thread_closed(parent):
            raise CommentError(
                _("This thread is closed: it takes no more replies."), field="parent", status=403
            )

        badge = Comment.Badge.NONE
        if is_staff:
            badge = Comment.Badge.STAFF
        elif user is not None and _is_article_author(article, user):
            badge = Comment.Badge.AUTHOR
        trusted = badge != Comment.Badge.NONE
        signals, known = spam.Signals(), False
        if not trusted:
            signals = spam.assess(
                body, name=name, url=url, email=email, user=user, ip_network=network
            )
            mode = conf("MODERATION")
            if mode == "first-time" and not signals.hold_reasons:
                known = _is_known(email, user, client)
        hold_reasons = signals.hold_reasons
        if stamp is not None and not stamp.good:
            # A stale, shared, reused or foreign form: held for review, never silently lost.
            hold_reasons += ("stamp",)
        decision = policy.decide(
            mode=conf("MODERATION"),
            trusted=trusted,
            known=known,
            hold_reasons=hold_reasons,
        )
        comment = Comment(
            article=article,
            parent=parent,
            thread_id=parent.thread_id if parent else None,
            depth=parent.depth + 1 if parent else 0,
            thread_closed=bool(parent and parent.thread_closed),
            user=user,
            author_name=name,
            author_email=email,
            author_url=url,
            badge=badge,
            body=body,
            body_html=markup.render(body),
            status=Comment.Status.APPROVED if decision.published else Comment.Status.PENDING,
            ip_network=network if staff_reply is None else "",
            reader_id=reader_key(client) if staff_reply is None else f"u:{user.pk}",
            created_at=now,
        )
        comment.save()
        comment.hold_reasons = decision.reasons
        if decision.published:
            Discussion.objects.bump(article.pk, count=1, last_comment_at=now)
            announce_changed(article)
            comments_approved.send(sender=Comment, comment_ids=[comment.pk])
        else:
            comment_held.send(sender=Comment, comment=comment)
        if data.extra.get("notify") and (email or user is not None):
            subscriptions.subscribe_commenter(comment, user=user, ip=client.ip)
    return comment


# --------------------------------------------------------------------------------------------
# Editing by the author


def edit_token(comment: Comment) -> str:
    """A signed token bound to this comment that proves authorship for the edit window.

    Signed with SECRET_KEY, salted with the comment's random edit_key (rotating it voids every
    token) and time-stamped; it names the comment's id, so it proves nothing about any other.
    """
    if comment.pk is None:
        return ""
    signer = signing.TimestampSigner(salt=f"{EDIT_SALT}:{comment.edit_key}")
    return signer.sign(str(comment.pk))


def _token_ok(comment: Comment, token: str) -> bool:
    if not token or comment.pk is None:
        return False
    signer = signing.TimestampSigner(salt=f"{EDIT_SALT}:{comment.edit_key}")
    try:
        value = signer.unsign(str(token), max_age=timedelta(seconds=conf("EDIT_WINDOW_SECONDS")))
    except signing.BadSignature:
        return False
    return value == str(comment.pk)


def _has_replies(comment: Comment) -> bool:
    known = getattr(comment, "_has_replies", None)
    if known is not None:
        return known
    return comment.replies.exclude(status=Comment.Status.SPAM).exists()


def _edit_refusal(comment: Comment, client: ClientInfo, token: str, *, fresh=False):
    """Why this client may not edit or delete this comment now, or None."""
    if comment.pk is None or comment.status in (Comment.Status.REMOVED, Comment.Status.SPAM):
        return CommentError(_("This comment is not available."), status=404)
    user = account_of(client)
    is_owner = user is not None and comment.user_id == user.pk
    if not is_owner and not _token_ok(comment, token):
        if timezone.now() - comment.created_at > timedelta(seconds=conf("EDIT_WINDOW_SECONDS")):
            return CommentError(_("The time to change this comment has passed."), status=403)
        return CommentError(_("You cannot change this comment."), status=403)
    if timezone.now() - comment.created_at > timedelta(seconds=conf("EDIT_WINDOW_SECONDS")):
        return CommentError(_("The time to change this comment has passed."), status=403)
    has_replies = (
        comment.replies.exclude(status=Comment.Status.SPAM).exists()
        if fresh
        else _has_replies(comment)
    )
    if has_replies:
        return CommentError(
            _("Someone has replied to this comment: it can no longer be changed."), status=403
        )
    return None


def can_edit(comment: Comment, *, client: ClientInfo, token: str = "") -> bool:
    """Whether edit_comment/delete_comment would be allowed now (one query at most; none for
    comments that came from thread_page)."""
    return _edit_refusal(comment, client, token) is None


def edit_comment(comment: Comment, body: str, *, client: ClientInfo, token: str = "") -> Comment:
    """Change the text within the edit window, proven by `token` or by the author's account.

    Returns the updated comment. The new text is checked again: if it now trips a holding spam
    signal (links, blocklist), a published comment goes back to review (status PENDING).
    Refusals: 400 bad text; 403 not the author, forged/expired token, window over, replied to;
    404 comment removed.
    """
    try:
        body = shapes.clean_body(body)
    except ValidationError as error:
        raise CommentError(error.messages[0], field="body", status=400) from None
    with transaction.atomic():
        current = _lock_for_author(comment, client, token)
        if body == current.body:
            return current
        was_published = current.status == Comment.Status.APPROVED
        trusted = current.badge != Comment.Badge.NONE
        signals = (
            None
            if trusted
            else spam.content_signals(
                body, name=current.author_name, url=current.author_url, email=current.author_email
            )
        )
        decision = policy.decide_edit(
            trusted=trusted, hold_reasons=signals.hold_reasons if signals else ()
        )
        if not decision.published:
            current.status = Comment.Status.PENDING
        current.body = body
        current.body_html = markup.render(body)
        current.edited_at = timezone.now()
        current.save(update_fields=["body", "body_html", "edited_at", "status"])
        if was_published:
            unpublished = current.status != Comment.Status.APPROVED
            Discussion.objects.bump(current.article_id, count=-1 if unpublished else 0)
            announce_changed(current.article)
    return current


def _lock_for_author(comment: Comment, client: ClientInfo, token: str) -> Comment:
    """The comment, locked for this transaction, once its author proved it within the window."""
    current = Comment.objects.select_for_update().filter(pk=comment.pk).first()
    if current is None:
        raise CommentError(_("This comment is not available."), status=404)
    refusal = _edit_refusal(current, client, token, fresh=True)
    if refusal is not None:
        raise refusal
    return current


def delete_comment(comment: Comment, *, client: ClientInfo, token: str = "") -> None:
    """The author withdraws a comment within the edit window (becomes a removed placeholder):
    status REMOVED, text cleared. Same proofs and refusals as edit_comment."""
    with transaction.atomic():
        current = _lock_for_author(comment, client, token)
        was_published = current.status == Comment.Status.APPROVED
        Comment.objects.filter(pk=current.pk).update(
            status=Comment.Status.REMOVED, body="", body_html="", edited_at=timezone.now()
        )
        if was_published:
            Discussion.objects.bump(current.article_id, count=-1)
            announce_changed(current.article)
    comment.status, comment.body, comment.body_html = Comment.Status.REMOVED, "", ""
