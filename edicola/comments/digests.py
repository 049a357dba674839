"""The daily digest: subscribers who chose it get one mail a day listing the new comments of the
articles they follow (rows marked `digest` by notifications.fan_out, due at
COMMENTS_NOTIFICATIONS["DIGEST_HOUR"]), claimed with a lease and settled as notifications are.
"""

from __future__ import annotations

import time
from collections import defaultdict

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from edicola.core import leases, mail

from . import subscriptions
from .commentmail import article_url, excerpt, mail_domain
from .conf import conf
from .delivery import disable_address, recover, retry_fields, settle
from .models import Comment, Notification, Subscriber

State = Notification.State
DIGEST_TEMPLATE = "comments/email/digest"


def digest_message(subscriber: Subscriber, comments: list[Comment]):
    language = subscriber.language or settings.LANGUAGE_CODE
    token = subscriptions.unsubscribe_token(subscriber)
    unsubscribe = subscriptions.unsubscribe_url(subscriber, token, language)
    by_article: dict[int, dict] = {}
    for comment in comments:
        entry = by_article.setdefault(
            comment.article_id,
            {"title": comment.article.title, "url": article_url(comment.article), "items": []},
        )
        entry["items"].append(
            {
                "author_name": comment.author_name,
                "excerpt": excerpt(comment),
                "url": f"{entry['url']}#{comment.anchor}",
            }
        )
    with translation.override(language):
        context = {
            "site_name": mail.site_name(),
            "base_url": settings.BASE_URL,
            "articles": list(by_article.values()),
            "count": len(comments),
            "manage_url": subscriptions.manage_url(subscriber, language),
            "unsubscribe_url": unsubscribe,
        }
        subject = gettext("Today's new comments on %(site)s") % {"site": context["site_name"]}
        text = mail.render_text(f"{DIGEST_TEMPLATE}.txt", context)
        html = render_to_string(f"{DIGEST_TEMPLATE}.html", context)
    headers = {
        "Message-ID": f"<digest-{subscriber.pk}.{int(time.time())}@{mail_domain()}>",
        "Auto-Submitted": "auto-generated",
        "Content-Language": language,
    }
    return mail.MessageTemplate(subject, text, html, headers), subscriptions.list_headers(
        unsubscribe, token
    )


def send_digests(now=None, *, mailer: str = "default", subscribers_per_batch: int = 100) -> int:
    """One mail per subscriber whose digest rows are due, listing them; returns mails sent."""
    now = now or timezone.now()
    recover(now)
    sent = 0
    for _round in range(10_000):  # bounded: each round settles every row it claims
        due = Notification.objects.filter(digest=True, available_at__lte=now, state=State.PENDING)
        subscriber_ids = list(
            due.order_by("subscriber_id")
            .values_list("subscriber_id", flat=True)
            .distinct()[:subscribers_per_batch]
        )
        if not subscriber_ids:
            break
        token = leases.claim(
            due.filter(subscriber_id__in=subscriber_ids),
            limit=100_000,
            lease_seconds=conf("LEASE_SECONDS"),
            pending=State.PENDING,
            sending=State.SENDING,
        )
        if not token:
            break
        rows = list(
            Notification.objects.filter(lease_token=token, state=State.SENDING)
            .select_related("subscriber", "comment", "comment__article")
            .order_by("comment__created_at", "pk")
        )
        groups: dict[int, list[Notification]] = defaultdict(list)
        for row in rows:
            groups[row.subscriber_id].append(row)
        with mail.batch_connection(mailer) as connection:
            for group in groups.values():
                sent += _send_digest(connection, group, token)
    return sent


def _send_digest(connection, rows: list[Notification], token: str) -> int:
    subscriber = rows[0].subscriber
    live = [row for row in rows if row.comment.status == Comment.Status.APPROVED]
    for row in rows:
        if row not in live or subscriber.disabled_at is not None:
            settle(row.pk, token, state=State.CANCELLED, error="not sent")
    if not live or subscriber.disabled_at is not None:
        return 0
    try:
        template, headers = digest_message(subscriber, [row.comment for row in live])
        connection.send(template, subscriber.email, headers, {})
    except Exception as error:
        permanent = mail.is_permanent(error)
        for row in live:
            fields = {"state": State.FAILED, "error": str(error)[:300]}
            if not permanent:
                fields = retry_fields(row.attempts, error)
            settle(row.pk, token, **fields)
        if permanent:
            disable_address(subscriber.pk, str(error))
        return 0
    for row in live:
        settle(row.pk, token, state=State.SENT, sent_at=timezone.now(), error="")
    return 1
