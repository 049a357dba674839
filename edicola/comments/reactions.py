"""Readers' reactions to a published comment: votes and reports.

A vote counts once per reader (changed or withdrawn, never twice), and guests and accounts of one
network have a few votes per comment between them. A report hides a comment only when enough of
them come from enough networks (COMMENTS_REPORT_THRESHOLD, COMMENTS_REPORT_MIN_NETWORKS); an
account reports on its own only once it is a day old and its address is proven, else as its
network. Refusals are CommentError, as in services.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edicola.core import identity

from . import forms as shapes
from .conf import conf
from .models import Comment, Discussion, ModerationLog, Report, Vote
from .readers import ClientInfo, account_of, ip_network, reader_key
from .services import CommentError, limit_rate
from .signals import announce_changed


def _visible_or_404(comment: Comment) -> None:
    if comment.pk is None or comment.status != Comment.Status.APPROVED:
        raise CommentError(_("This comment is not available."), status=404)


def _is_own(comment: Comment, client: ClientInfo) -> bool:
    user = account_of(client)
    if user is not None:
        if comment.user_id == user.pk:
            return True
        email = identity.confirmed_email(user)
        if email and comment.author_email == email:
            return True
    return bool(comment.reader_id) and comment.reader_id == reader_key(client)


# An account counts on its own, as a reporter, only once it is this old and its address is
# proven; younger or unproven ones count as guests: one source per network.
ESTABLISHED_ACCOUNT_AGE = timedelta(days=1)


def is_established_account(user, *, at=None) -> bool:
    """Whether this account's reports (made `at`, default now) count on their own rather than
    as its network's: it was at least a day old and its address is proven."""
    if user is None:
        return False
    joined = getattr(user, "date_joined", None)
    if joined is None or (at or timezone.now()) - joined < ESTABLISHED_ACCOUNT_AGE:
        return False
    return identity.is_confirmed(user)


def _report_sources(reports) -> tuple[set[str], int]:
    """The distinct sources of these reports, and how many networks they come from."""
    rows = list(reports.values_list("reporter", "ip_network", "created_at"))
    account_ids = {int(who[2:]) for who, _net, _at in rows if who[2:].isdigit() and who[:2] == "u:"}
    users = get_user_model().objects.in_bulk(account_ids) if account_ids else {}
    sources = set()
    for who, net, at in rows:
        user = users.get(int(who[2:])) if who[:2] == "u:" and who[2:].isdigit() else None
        sources.add(who if is_established_account(user, at=at) else f"n:{net or who}")
    return sources, len({net for _who, net, _at in rows if net})


def vote(comment: Comment, value: int, *, client: ClientInfo) -> Comment:
    """Record +1 / -1 (or 0 to withdraw) for this reader; returns the comment with new counts.

    One vote per reader (account, or guest cookie id); voting again changes it. Refusals: 400
    bad value or no reader id; 403 own comment, or too many votes on this comment from the same
    network, guests and accounts alike (COMMENTS["GUEST_VOTES_PER_NETWORK"]); 404 comment not
    published; 429 too many votes per second (per reader and per address).
    """
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = None
    if value not in (-1, 0, 1):
        raise CommentError(_("A vote is +1, -1 or 0 to withdraw it."), field="value", status=400)
    _visible_or_404(comment)
    voter = reader_key(client)
    if not voter:
        raise CommentError(_("We could not recognise you: enable cookies and try again."))
    if _is_own(comment, client):
        raise CommentError(_("You cannot vote on your own comment."), status=403)
    network = ip_network(client.ip)
    limit_rate("vote", [voter, client.ip], conf("RATE_VOTES"))
    for attempt in range(3):
        try:
            with transaction.atomic():
                _record_vote(comment, voter, value, network)
            break
        except IntegrityError:
            if attempt == 2:
                raise CommentError(
                    _("Your vote could not be recorded. Try again."), status=409
                ) from None
    comment.refresh_from_db(fields=["upvotes", "downvotes", "score"])
    return comment


def _record_vote(comment: Comment, voter: str, value: int, network: str) -> None:
    existing = Vote.objects.select_for_update().filter(comment_id=comment.pk, voter=voter).first()
    old = existing.value if existing else 0
    if old == value:
        return
    if value == 0:
        existing.delete()
    elif existing is not None:
        Vote.objects.filter(pk=existing.pk).update(value=value)
    else:
        limit = conf("GUEST_VOTES_PER_NETWORK")
        if network and limit:  # throwaway accounts are no way around it
            same_network = Vote.objects.filter(comment_id=comment.pk, ip_network=network).count()
            if same_network >= limit:
                raise CommentError(
                    _("Too many votes on this comment come from your network."), status=403
                )
        Vote.objects.create(comment_id=comment.pk, voter=voter, value=value, ip_network=network)
    up = (value == 1) - (old == 1)
    down = (value == -1) - (old == -1)
    Comment.objects.filter(pk=comment.pk).update(
        upvotes=F("upvotes") + up, downvotes=F("downvotes") + down, score=F("score") + value - old
    )
    Discussion.objects.bump(comment.article_id)
    announce_changed(comment.article)


def report(comment: Comment, reason: str, *, client: ClientInfo, note: str = "") -> Comment:
    """A reader reports a comment; enough reports hide it pending review.

    One report per reader per comment (409 on a second one). When reports from
    COMMENTS["REPORT_THRESHOLD"] distinct sources, spread over at least
    COMMENTS["REPORT_MIN_NETWORKS"] networks, arrive after the last moderator review, the
    comment goes to PENDING with held_by_reports set, and the action is logged. A source is an
    established account (is_established_account), or a network for guests and for accounts
    younger than a day or unconfirmed. Staff replies are never hidden automatically.
    Refusals: 400 bad reason/note or no reader id; 403 own comment; 404 not published; 429.
    """
    if reason not in Report.Reason.values:
        raise CommentError(_("Choose one of the listed reasons."), field="reason", status=400)
    note = (note or "").strip()
    if "\x00" in note or len(note) > Report._meta.get_field("note").max_length:
        raise CommentError(_("Keep the note short and plain."), field="note", status=400)
    _visible_or_404(comment)
    reporter = reader_key(client)
    if not reporter:
        raise CommentError(_("We could not recognise you: enable cookies and try again."))
    if _is_own(comment, client):
        raise CommentError(_("You cannot report your own comment."), status=403)
    limit_rate("report", [reporter, client.ip], conf("RATE_REPORTS"))
    network = ip_network(client.ip)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Report.objects.create(
                    comment_id=comment.pk,
                    reporter=reporter,
                    reason=reason,
                    note=shapes.normalise_body(note),
                    ip_network=network,
                )
        except IntegrityError:
            raise CommentError(_("You have already reported this comment."), status=409) from None
        Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        if current.status == Comment.Status.APPROVED and current.badge != Comment.Badge.STAFF:
            reports = Report.objects.filter(comment_id=comment.pk)
            if current.reviewed_at is not None:
                reports = reports.filter(created_at__gt=current.reviewed_at)
            sources, networks = _report_sources(reports)
            if len(sources) >= conf("REPORT_THRESHOLD") and networks >= conf("REPORT_MIN_NETWORKS"):
                Comment.objects.filter(pk=comment.pk).update(
                    status=Comment.Status.PENDING, held_by_reports=True
                )
                ModerationLog.objects.create(
                    comment_id=comment.pk,
                    article_id=current.article_id,
                    action=ModerationLog.Action.HELD_BY_REPORTS,
                    note=str(len(sources)),
                )
                Discussion.objects.bump(current.article_id, count=-1)
                announce_changed(current.article)
    comment.refresh_from_db(fields=["status", "held_by_reports", "report_count"])
    return comment
