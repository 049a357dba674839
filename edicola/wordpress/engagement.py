"""wpDiscuz's votes and subscriptions → ours, with their state: a vote keeps its reader (an
account, or a stable guest key made from the voter), a subscription its kind and whether it was
confirmed in WordPress. Votes are recounted on their comments at the end of the pass.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from edicola.comments.models import Comment, Subscriber, Subscription, Vote

from . import people
from . import report as notes
from .models import ImportedObject
from .records import DiscussionSubscription
from .records import Vote as SourceVote
from .run import Decision, Kind, RecordSkipped, Run, batched, compact_id, fingerprint

BATCH = 500


# -- Votes -----------------------------------------------------------------------------------------


def import_votes(run: Run) -> None:
    with run.progress.phase(_("Votes")) as step:
        for source in run.extras:
            for batch in batched(source.votes(), BATCH):
                with transaction.atomic():
                    for vote in batch:
                        run.each(
                            Kind.VOTE,
                            f"{vote.comment_id}/{vote.voter}",
                            lambda vote=vote: _vote(run, vote),
                        )
                step(len(batch))
    _recount_votes(run)


def _voter(run: Run, vote: SourceVote) -> str:
    if not vote.is_guest:
        user_pk = people.account_for(run, vote.voter)
        if user_pk:
            return f"u:{user_pk}"
    # What wpDiscuz keeps for a guest (a hash of the address or a cookie) is hashed again,
    # so that no address-like value is stored here.
    digest = hashlib.sha256(f"{run.key}|{vote.voter}".encode()).hexdigest()[:40]
    return f"g:wp-{digest}"


def _vote(run: Run, vote: SourceVote) -> str:
    info = run.comments.get(compact_id(vote.comment_id))
    if info is None:
        raise RecordSkipped(_("A vote on a comment that was not imported."))
    value = 1 if vote.value > 0 else -1 if vote.value < 0 else 0
    if not value:
        raise RecordSkipped(_("A vote without a value."))
    voter = _voter(run, vote)
    existing = Vote.objects.filter(comment_id=info[0], voter=voter).first()
    if existing is not None and existing.value == value:
        return Decision.UNCHANGED
    Vote.objects.update_or_create(
        comment_id=info[0],
        voter=voter,
        defaults={"value": value, "created_at": run.when(vote.date) or timezone.now()},
    )
    run.voted_comments.add(info[0])
    run.touched_articles.add(info[3])
    return Decision.CREATE if existing is None else Decision.UPDATE


def _recount_votes(run: Run) -> None:
    def count(value: int):
        votes = Vote.objects.filter(comment=OuterRef("pk"), value=value)
        counted = votes.values("comment").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    for chunk in batched(sorted(run.voted_comments), BATCH):
        Comment.objects.filter(pk__in=chunk).update(upvotes=count(1), downvotes=count(-1))
        Comment.objects.filter(pk__in=chunk).update(score=F("upvotes") - F("downvotes"))
    run.voted_comments.clear()


# -- Subscriptions ---------------------------------------------------------------------------------

SUBSCRIPTION_KINDS = {
    "post": Subscription.Kind.ARTICLE,
    "all_comment": Subscription.Kind.REPLIES,
    "comment": Subscription.Kind.REPLIES,
}


def import_subscriptions(run: Run) -> None:
    with run.progress.phase(_("Subscriptions")) as step:
        for source in run.extras:
            for batch in batched(source.subscriptions(), BATCH):
                with transaction.atomic():
                    for subscription in batch:
                        run.each(
                            Kind.SUBSCRIPTION,
                            subscription.source_id,
                            lambda s=subscription: _subscription(run, s),
                        )
                step(len(batch))


def _subscription(run: Run, wanted: DiscussionSubscription) -> str:
    source_fp = fingerprint(wanted)
    row = run.imported(Kind.SUBSCRIPTION, wanted.source_id)
    current = Subscription.objects.filter(pk=row.object_id).first() if row else None
    decision = run.decide(row, source_fp, lambda: _subscription_local(current))
    if decision in (Decision.UNCHANGED, Decision.KEPT):
        if decision == Decision.KEPT:
            return run.kept(Kind.SUBSCRIPTION, wanted.source_id)
        return decision
    article_pk = run.articles.get(compact_id(wanted.post_id))
    if article_pk is None:
        raise RecordSkipped(_("A subscription to a post that was not imported."), wanted.post_id)
    email = people.clean_email(wanted.email)
    if not email:
        raise RecordSkipped(_("A subscription without a valid e-mail address."))
    kind = SUBSCRIPTION_KINDS.get(wanted.kind)
    if kind is None:
        raise RecordSkipped(_("Unknown kind of subscription."), wanted.kind)
    if wanted.kind == "comment":
        run.report.note(
            notes.DEGRADED,
            Kind.SUBSCRIPTION,
            wanted.source_id,
            _("Replies to one comment: here it covers replies to all their comments on the post."),
        )
    user_pk = people.account_for(run, wanted.user_id, email) if wanted.user_id else None
    subscriber, _created = Subscriber.objects.get_or_create(
        email=email, defaults={"user_id": user_pk, "language": settings.LANGUAGE_CODE}
    )
    when = run.when(wanted.date) or timezone.now()
    subscription, created = Subscription.objects.get_or_create(
        subscriber=subscriber,
        article_id=article_pk,
        kind=kind,
        defaults={"created_at": when, "confirmed_at": when if wanted.confirmed else None},
    )
    if not created and wanted.confirmed and subscription.confirmed_at is None:
        subscription.confirmed_at = when
        subscription.save(update_fields=["confirmed_at"])
    local_fp = _subscription_local(subscription)
    kept = run.keep(
        Kind.SUBSCRIPTION,
        wanted.source_id,
        subscription,
        source_fp=source_fp,
        local_fp=local_fp,
        legacy_key=wanted.activation_key,
        row=row,
    )
    # Several wpDiscuz rows can become one subscription here (all comments and one comment's
    # replies, on the same post): what this row changed is no editor's change for the others.
    ImportedObject.objects.filter(
        source=run.key,
        kind=Kind.SUBSCRIPTION,
        content_type=kept.content_type,
        object_id=kept.object_id,
    ).exclude(pk=kept.pk).update(local_fingerprint=local_fp)
    run.report.count(
        "subscription state", "confirmed" if subscription.confirmed_at else "unconfirmed"
    )
    return decision


def _subscription_local(subscription) -> str | None:
    if subscription is None:
        return None
    return f"{subscription.kind}|{bool(subscription.confirmed_at)}|{subscription.frequency}"
